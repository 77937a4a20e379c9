package helpdesk_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// No agent activity rules fire through the same durable timers as SLA events.

func (f *slaFixture) idleRule(t *testing.T, name string, minutes int) *escalation.Rule {
	t.Helper()
	r, err := f.rules.Create(context.Background(), f.manager, escalation.RuleCreate{
		Name: name, Trigger: escalation.Trigger{Type: escalation.TriggerNoAgentActivity, IdleMinutes: minutes},
		Actions: []escalation.Action{{Type: escalation.ActionAddTag, Tag: "idle"}, {Type: escalation.ActionRaiseEscalation}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *slaFixture) complaint(t *testing.T) *helpdesk.Receipt {
	t.Helper()
	r, err := f.intake.Submit(context.Background(), models.ComplaintCreate{Name: "Aino", Email: "aino@example.com", Category: "delivery",
		Touchpoint: "delivery", Description: "The parcel arrived broken.", ExpectedOutcome: "refund"}, nil, "", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// firings returns the matched texts of the rule's firings on the case's timeline.
func (f *slaFixture) firings(t *testing.T, id, rule string) []string {
	t.Helper()
	c, err := f.env.Store.GetCase(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range c.Timeline {
		if e.Type == "rule_fired" && e.Data["rule"] == rule {
			out = append(out, e.Data["matched"])
		}
	}
	return out
}

func TestIdleRuleFiresOncePerIdlePeriod(t *testing.T) {
	ctx := context.Background()
	f := newSLAFixture(t)
	const rule = "Two idle hours"
	f.idleRule(t, rule, 120)
	id := f.complaint(t).Reference // Monday 09:00
	at := func(d time.Duration) time.Time { return monday9.Add(d) }
	a, b := f.scheduler("replica-a"), f.scheduler("replica-b")

	f.set(at(119 * time.Minute))
	if n := f.sweep(t, a); n != 0 || len(f.firings(t, id, rule)) != 0 {
		t.Fatalf("fired %d at 10:59", n)
	}
	// Both replicas sweep at 11:00: the rule runs once.
	f.set(at(2 * time.Hour))
	var fired atomic.Int64
	var wg sync.WaitGroup
	for _, sc := range []*helpdesk.Scheduler{a, b} {
		wg.Add(1)
		go func(sc *helpdesk.Scheduler) {
			defer wg.Done()
			n, err := sc.Sweep(ctx)
			if err != nil {
				t.Error(err)
			}
			fired.Add(int64(n))
		}(sc)
	}
	wg.Wait()
	got := f.firings(t, id, rule)
	if fired.Load() != 1 || len(got) != 1 || !strings.Contains(got[0], "no agent activity for 120 business minutes") {
		t.Fatalf("at 11:00: fired %d, timeline %q", fired.Load(), got)
	}
	c, _ := f.env.Store.GetCase(ctx, id)
	if c.EscalationLevel != 1 || !strings.Contains(strings.Join(c.Tags, ","), "idle") {
		t.Fatalf("actions not applied: level %d, tags %v", c.EscalationLevel, c.Tags)
	}
	// Not again in the same idle period.
	f.set(at(3 * time.Hour))
	f.sweep(t, a)
	f.sweep(t, b)
	if got := f.firings(t, id, rule); len(got) != 1 {
		t.Fatalf("fired again in the same idle period: %q", got)
	}
	// An agent's reply at 13:00 starts a new period: the rule fires again at 15:00.
	f.set(at(4 * time.Hour))
	if _, err := f.conv.AddMessage(ctx, f.agent, id, models.MessageCreate{Kind: "reply", Body: "Looking into it."}, nil); err != nil {
		t.Fatal(err)
	}
	f.set(at(6*time.Hour - time.Second))
	if n := f.sweep(t, a); n != 0 {
		t.Fatalf("fired %d before two hours of the new period", n)
	}
	f.set(at(6 * time.Hour))
	if n := f.sweep(t, b); n != 1 || len(f.firings(t, id, rule)) != 2 {
		t.Fatalf("second period: fired %d, timeline %q", n, f.firings(t, id, rule))
	}
	// A note at 15:30 (agent activity too): two business hours end Tuesday 09:30, because the
	// default calendar closes at 16:00 and opens at 08:00.
	f.set(at(6*time.Hour + 30*time.Minute))
	if _, err := f.conv.AddMessage(ctx, f.agent, id, models.MessageCreate{Kind: "note", Body: "Asked the warehouse."}, nil); err != nil {
		t.Fatal(err)
	}
	f.set(at(23*time.Hour + 29*time.Minute)) // Tuesday 08:29
	if n := f.sweep(t, a); n != 0 {
		t.Fatalf("fired %d outside business hours", n)
	}
	f.set(at(24*time.Hour + 30*time.Minute)) // Tuesday 09:30
	if n := f.sweep(t, a); n != 1 || len(f.firings(t, id, rule)) != 3 {
		t.Fatalf("third period: fired %d", n)
	}
}

// While the case waits on the customer the idle clock does not run; the customer's answer
// hands the case back to the agents and starts a new idle period.
func TestIdleClockWaitsOnTheCustomer(t *testing.T) {
	ctx := context.Background()
	f := newSLAFixture(t)
	const rule = "One idle hour"
	f.idleRule(t, rule, 60)
	receipt := f.complaint(t)
	id := receipt.Reference
	sc := f.scheduler("a")
	waiting := models.StatusWaiting
	f.set(monday9.Add(30 * time.Minute))
	if _, err := f.conv.AddMessage(ctx, f.agent, id, models.MessageCreate{Kind: "reply", Body: "Which parcel?", Status: &waiting}, nil); err != nil {
		t.Fatal(err)
	}
	f.set(monday9.Add(4 * time.Hour))
	if n := f.sweep(t, sc); n != 0 || len(f.firings(t, id, rule)) != 0 {
		t.Fatalf("fired %d while waiting on the customer", n)
	}
	if _, err := f.intake.Reply(ctx, helpdesk.TokenAccess(receipt.TrackingToken), models.CustomerMessageCreate{Body: "The blue one."}, nil); err != nil {
		t.Fatal(err)
	}
	f.set(monday9.Add(5*time.Hour - time.Second))
	if n := f.sweep(t, sc); n != 0 {
		t.Fatalf("fired %d within an hour of the customer's answer", n)
	}
	f.set(monday9.Add(5 * time.Hour))
	if n := f.sweep(t, sc); n != 1 || len(f.firings(t, id, rule)) != 1 {
		t.Fatalf("an hour after the answer: fired %d", n)
	}
}

// A rule created later applies to cases that are idle already: they fire within minutes of
// saving it, not only at their next write.
func TestNewIdleRuleReachesIdleCases(t *testing.T) {
	f := newSLAFixture(t)
	id := f.complaint(t).Reference
	sc := f.scheduler("a")
	f.set(monday9.Add(3 * time.Hour))
	f.sweep(t, sc)
	const rule = "One idle hour"
	f.idleRule(t, rule, 60)
	if n := f.sweep(t, sc); n != 1 || len(f.firings(t, id, rule)) != 1 {
		t.Fatalf("fired %d after the rule was saved", n)
	}
	f.set(monday9.Add(4 * time.Hour))
	if n := f.sweep(t, sc); n != 0 {
		t.Fatalf("fired %d more", n)
	}
}
