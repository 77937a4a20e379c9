// Package reporttest makes report fixtures (cases with every measure, at any scale) and
// recomputes a report by brute force: each figure from its own pass over the cases, with
// code that shares nothing with reports' aggregation. The reports test and the bench compare
// the two.
package reporttest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/kaiku-helpdesk/kaiku/reports"
	"github.com/kaiku-helpdesk/kaiku/search"
)

var (
	teams      = []string{"team-billing", "team-delivery", "team-stores", ""}
	agents     = []string{"agent-1", "agent-2", "agent-3", "agent-4", "agent-5", "agent-6", ""}
	categories = []string{"Billing", "Delivery, late or lost", "Product quality", "Staff", ""}
	touchpoint = []string{"website", "store", "delivery", "support", "app"}
	channels   = []string{"web_form", "email", "phone"}
	priorities = []string{"low", "normal", "high", "urgent"}
	expected   = []string{"refund", "replacement", "repair", "apology", "explanation", "other", ""}
	options    = []string{"full_refund", "partial_refund", "replacement", "repair", "apology", "voucher", "no_remedy"}
	sources    = []string{"google_business", "trustpilot", "app_store"}
	statuses   = []string{"new", "open", "waiting", "resolved", "closed"}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func minutes(r *rand.Rand, typical int) *int {
	// Long-tailed, with ties (whole minutes) and zeros.
	v := int(r.ExpFloat64() * float64(typical))
	return &v
}

// Docs makes n complaint cases and reviews more review cases, created over the days before
// now, with every report measure set the way Measure would set it.
func Docs(n, reviews int, days int, now time.Time, seed uint64) []search.CaseDoc {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]search.CaseDoc, 0, n+reviews)
	for i := range n + reviews {
		review := i >= n
		created := now.Add(-time.Duration(r.Int64N(int64(days) * int64(24*time.Hour)))).Truncate(time.Millisecond)
		d := search.CaseDoc{
			ID: fmt.Sprintf("K-2026-%06d", i+1), Subject: "Case", Body: "Text",
			Status: pick(r, statuses), Priority: pick(r, priorities), Channel: pick(r, channels),
			Category: pick(r, categories), Touchpoint: pick(r, touchpoint), ExpectedOutcome: pick(r, expected),
			AssigneeID: pick(r, agents), TeamID: pick(r, teams), CreatedAt: created, UpdatedAt: created, Version: 1,
		}
		d.PriorityRank = slices.Index(priorities, d.Priority)
		if review {
			d.Channel, d.ExpectedOutcome = "review", ""
			d.ReviewSource = pick(r, sources)
			d.ReviewRating = strconv.Itoa(1 + r.IntN(5))
			d.ReviewReply = "none"
			if r.IntN(2) == 0 {
				d.ReviewReply = "published"
			}
			d.Rating, _ = strconv.Atoi(d.ReviewRating)
		}
		if d.Status != "new" && r.IntN(10) < 8 {
			d.FirstResponseMinutes = minutes(r, 240)
		}
		resolved := d.Status == "resolved" || d.Status == "closed"
		if resolved {
			d.ResolutionMinutes = minutes(r, 4000)
			d.ResolvedAt = created.Add(time.Duration(*d.ResolutionMinutes) * time.Minute)
		}
		switch r.IntN(3) {
		case 0:
			d.SLAOutcome = reports.SLAMet
		case 1:
			d.SLAOutcome = reports.SLABreached
		}
		d.Reopened = r.IntN(8) == 0 && d.Status != "new"
		d.Escalated = r.IntN(6) == 0
		if d.Escalated {
			d.EscalationLevel = 1 + r.IntN(2)
		}
		if resolved && !review {
			switch r.IntN(4) {
			case 0:
				d.FollowUpOutcome = reports.FollowUpHeld
				d.Rating = 3 + r.IntN(3)
			case 1:
				d.FollowUpOutcome = reports.FollowUpNotHeld
				d.Rating = 1 + r.IntN(3)
			case 2:
				d.FollowUpOutcome = reports.FollowUpNoResponse
			}
			if r.IntN(3) > 0 {
				d.OptionGranted = pick(r, options)
				if d.OptionGranted != "no_remedy" && d.OptionGranted != "apology" {
					d.GrantedMinor = int64(500 * (1 + r.IntN(40)))
				}
				if d.GrantedMinor > 10000 {
					d.ApprovalRequested = true
					d.ApprovalMinutes = minutes(r, 300)
				}
			}
			d.OutcomeGap = reports.OutcomeGap(d.ExpectedOutcome, d.OptionGranted, true)
		}
		out = append(out, d)
	}
	return out
}
