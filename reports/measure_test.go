package reports_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reports"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// TestMeasureFollowsTheCaseLifecycle drives a case through the model's own steps and checks
// each measure the index gets.
func TestMeasureFollowsTheCaseLifecycle(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	agent := models.Actor{ID: "u1", Name: "Aino"}
	c := models.NewCase("K-2026-000001", models.CaseCreate{Subject: "Broken kettle", Description: "It leaks",
		Customer: models.CustomerCreate{Name: "Matti", Email: "m@example.com"}, ExpectedOutcome: "refund"}, agent, t0)
	measure := func() search.CaseDoc {
		var d search.CaseDoc
		reports.Measure(c, &d)
		return d
	}
	d := measure()
	if d.FirstResponseMinutes != nil || d.ResolutionMinutes != nil || d.OutcomeGap != "" || d.Reopened {
		t.Fatalf("a new case has measures: %+v", d)
	}
	c.AddStaffMessage("m1", models.MessageReply, "Sorry to hear", agent, t0.Add(95*time.Minute+30*time.Second))
	resolved := models.StatusResolved
	if err := c.ApplyPatch(models.CasePatch{Version: 1, Status: &resolved}, agent, t0.Add(26*time.Hour)); err != nil {
		t.Fatal(err)
	}
	c.AddGrant(models.Grant{ID: "g1", OptionID: "partial_refund", AmountMinor: 1500, Currency: "EUR", At: t0.Add(26 * time.Hour)})
	d = measure()
	if d.FirstResponseMinutes == nil || *d.FirstResponseMinutes != 95 || d.ResolutionMinutes == nil || *d.ResolutionMinutes != 26*60 {
		t.Fatalf("first response %v, resolution %v; want 95 and 1560", d.FirstResponseMinutes, d.ResolutionMinutes)
	}
	if d.OptionGranted != "partial_refund" || d.GrantedMinor != 1500 || d.OutcomeGap != reports.GapPartial {
		t.Fatalf("grant measures: %+v", d)
	}
	// The customer writes back: reopened, no resolution now.
	c.AddCustomerMessage("m2", "Still leaks", t0.Add(30*time.Hour))
	d = measure()
	if !d.Reopened || d.ResolutionMinutes != nil {
		t.Fatalf("after the customer's reply: reopened %v, resolution %v", d.Reopened, d.ResolutionMinutes)
	}
	// A full refund; resolved again; the follow-up says it held, rating 4.
	c.AddGrant(models.Grant{ID: "g2", OptionID: "full_refund", AmountMinor: 3000, Currency: "EUR", At: t0.Add(40 * time.Hour)})
	if err := c.ApplyPatch(models.CasePatch{Version: 1, Status: &resolved}, agent, t0.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := c.AnswerFollowUp(models.FollowUpCreate{Resolved: &yes, Rating: 4}, models.Actor{}, t0.Add(200*time.Hour)); err != nil {
		t.Fatal(err)
	}
	d = measure()
	if d.FollowUpOutcome != reports.FollowUpHeld || d.Rating != 4 || d.OptionGranted != "full_refund" || d.GrantedMinor != 4500 ||
		d.OutcomeGap != reports.GapMet || !d.Reopened || d.ResolutionMinutes == nil || *d.ResolutionMinutes != 48*60 {
		t.Fatalf("after the follow-up: %+v", d)
	}
}

func TestOutcomeGap(t *testing.T) {
	for _, tc := range []struct {
		expected, option string
		resolved         bool
		want             string
	}{
		{"refund", "full_refund", true, reports.GapMet},
		{"refund", "partial_refund", true, reports.GapPartial},
		{"refund", "voucher", true, reports.GapDifferent},
		{"refund", "no_remedy", true, reports.GapNothing},
		{"refund", "", true, reports.GapNothing},
		{"refund", "", false, ""},
		{"", "full_refund", true, ""},
		{"explanation", "apology", true, reports.GapPartial},
		{"repair", "repair", true, reports.GapMet},
	} {
		if got := reports.OutcomeGap(tc.expected, tc.option, tc.resolved); got != tc.want {
			t.Errorf("OutcomeGap(%q, %q, %v) = %q, want %q", tc.expected, tc.option, tc.resolved, got, tc.want)
		}
	}
}

// NearestRank selects rather than sorts: it must agree with the sorted order on values with
// many repeats, at every rank.
func TestNearestRankMatchesSorting(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 17, 100, 1000, 5000} {
		for _, spread := range []int32{1, 5, 1000} {
			values := make([]int32, n)
			for i := range values {
				values[i] = rnd.Int32N(spread)
			}
			sorted := slices.Clone(values)
			slices.Sort(sorted)
			for _, p := range []float64{1, 10, 50, 90, 99, 100} {
				want := int(sorted[min(max(int(math.Ceil(p/100*float64(n))), 1), n)-1])
				if got := reports.NearestRank(slices.Clone(values), p); got == nil || *got != want {
					t.Fatalf("n %d spread %d p%v: got %v, want %d", n, spread, p, got, want)
				}
			}
		}
	}
}
