package models

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
)

func idleRule(id string, minutes int) IdleRule {
	return IdleRule{ID: id, Minutes: minutes}
}

func TestIdlePeriodsStartAtAgentActivity(t *testing.T) {
	start := hel("2026-03-02 09:00")
	c := NewCase("K-2026-000001", CaseCreate{Subject: "s", Description: "d", Customer: CustomerCreate{Name: "A", Email: "a@example.com"}}, Actor{}, start)
	if !c.IdleStart().Equal(start) {
		t.Fatalf("a case without a recorded period is idle since its creation, got %v", c.IdleStart())
	}
	agent := Actor{ID: "u1", Name: "Agent"}
	at := func(s string) time.Time { return hel("2026-03-02 " + s) }

	// A customer's message on an open case and a rule's change are not agent activity.
	c.Status = StatusOpen
	c.IdleDone = []string{"r1"}
	mark := len(c.Timeline)
	c.AddCustomerMessage("m1", "hello?", at("10:00"))
	c.Timeline = append(c.Timeline, TimelineEvent{At: at("10:00"), Actor: "rule: tag", Type: "changed", Data: map[string]string{"field": "tags"}})
	c.NoteActivity(c.Timeline[mark:], StatusOpen, at("10:00"))
	if !c.IdleStart().Equal(start) || len(c.IdleDone) != 1 {
		t.Fatalf("period moved without agent activity: since %v, done %v", c.IdleStart(), c.IdleDone)
	}
	// An agent's note is.
	mark = len(c.Timeline)
	c.AddStaffMessage("m2", MessageNote, "checking", agent, at("11:00"))
	c.NoteActivity(c.Timeline[mark:], StatusOpen, at("11:00"))
	if !c.IdleStart().Equal(at("11:00")) || len(c.IdleDone) != 0 {
		t.Fatalf("a note did not start a period: since %v, done %v", c.IdleStart(), c.IdleDone)
	}
	// Waiting on the customer stops the clock; their answer hands the case back: a new period.
	if err := c.ApplyPatch(CasePatch{Status: ptr(StatusWaiting)}, agent, at("12:00")); err != nil {
		t.Fatal(err)
	}
	if c.NeedsAgent() {
		t.Fatal("a waiting case needs an agent")
	}
	if _, ok := c.NextIdleRuleAt([]IdleRule{idleRule("r1", 60)}, businesstime.DefaultCalendar()); ok {
		t.Fatal("an idle rule is due on a waiting case")
	}
	mark = len(c.Timeline)
	c.AddCustomerMessage("m3", "here you go", at("14:00"))
	c.NoteActivity(c.Timeline[mark:], StatusWaiting, at("14:00"))
	if c.Status != StatusOpen || !c.IdleStart().Equal(at("14:00")) {
		t.Fatalf("the customer's answer: status %s, idle since %v", c.Status, c.IdleStart())
	}
	// A case stored before idle periods existed is idle since its last staff action.
	c.IdleSince = nil
	if !c.IdleStart().Equal(at("12:00")) {
		t.Fatalf("fallback idle start %v", c.IdleStart())
	}
}

func TestIdleRuleTimesOnTheCalendar(t *testing.T) {
	idle := []IdleRule{idleRule("two-hours", 120), idleRule("half-day", 240)}
	if len(idle) != 2 {
		t.Fatalf("idle rules %v", idle)
	}
	for _, tc := range []struct {
		name      string
		cal       businesstime.Calendar
		start     time.Time
		done      []string
		want      time.Time
		wantRules []string // due at want
	}{
		{"within the day", office, hel("2026-03-02 09:00"), nil, hel("2026-03-02 11:00"), []string{"two-hours"}},
		{"over the night", office, hel("2026-03-02 15:30"), nil, hel("2026-03-03 09:30"), []string{"two-hours"}},
		{"from a closed weekend", office, hel("2026-03-07 12:00"), nil, hel("2026-03-09 10:00"), []string{"two-hours"}},
		{"the first rule done", office, hel("2026-03-02 09:00"), []string{"two-hours"}, hel("2026-03-02 13:00"), []string{"half-day"}},
		// 02:00–05:00 every night; on 29 March the clocks go from 03:00 to 04:00, so that
		// night has two open hours: two hours from 02:00 end at 05:00.
		{"over the spring change", early, hel("2026-03-29 02:00"), nil, hel("2026-03-29 05:00"), []string{"two-hours"}},
		{"overnight hours", night, hel("2026-03-02 12:00"), nil, hel("2026-03-03 00:00"), []string{"two-hours"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Case{Status: StatusOpen, IdleSince: &tc.start, IdleDone: tc.done, CreatedAt: tc.start}
			got, ok := c.NextIdleRuleAt(idle, tc.cal)
			if !ok || !got.Equal(tc.want) {
				t.Fatalf("next idle rule at %v, want %v", got, tc.want)
			}
			if due, _ := c.IdleRulesDue(idle, tc.cal, tc.want.Add(-time.Second)); len(due) != 0 {
				t.Fatalf("due a second early: %v", due)
			}
			if due, _ := c.IdleRulesDue(idle, tc.cal, tc.want); !slices.Equal(due, tc.wantRules) {
				t.Fatalf("due at %v: %v, want %v", tc.want, due, tc.wantRules)
			}
			c.MarkIdleRulesDone(tc.wantRules)
			if next, ok := c.NextIdleRuleAt(idle, tc.cal); ok && !next.After(tc.want) {
				t.Fatalf("after running, the next idle rule is at %v", next)
			}
		})
	}
}

// The timer (AddBusinessTime) and the check when it fires (BusinessTimeBetween) agree, so a
// timer never fires a moment early or finds nothing due at its time.
func TestIdleTimerAndCheckAgree(t *testing.T) {
	idle := []IdleRule{idleRule("r", 1), idleRule("s", 97), idleRule("u", 600)}
	rnd := rand.New(rand.NewPCG(4, 2))
	base := hel("2026-01-01 00:00")
	for _, cal := range []businesstime.Calendar{office, early, night, split, businesstime.DefaultCalendar()} {
		for i := 0; i < 300; i++ {
			start := base.Add(time.Duration(rnd.Int64N(int64(365 * 24 * time.Hour))))
			c := &Case{Status: StatusNew, IdleSince: &start}
			for {
				at, ok := c.NextIdleRuleAt(idle, cal)
				if !ok {
					break
				}
				due, _ := c.IdleRulesDue(idle, cal, at)
				early, _ := c.IdleRulesDue(idle, cal, at.Add(-time.Millisecond))
				if len(due) == 0 || len(early) != 0 {
					t.Fatalf("%v from %v: due at %v %v, a moment before %v", cal.Hours, start, at, due, early)
				}
				c.MarkIdleRulesDone(due)
			}
			if len(c.IdleDone) != len(idle) {
				t.Fatalf("not every rule ran: %v", c.IdleDone)
			}
		}
	}
}

func TestNextTimerIsTheEarlierOfSLAAndIdle(t *testing.T) {
	start := hel("2026-03-02 09:00")
	sla := hel("2026-03-02 10:00")
	c := &Case{Status: StatusOpen, IdleSince: &start, NextSLAEventAt: &sla}
	if got := c.NextTimer(nil, office); got == nil || !got.Equal(sla) {
		t.Fatalf("without idle rules: %v", got)
	}
	if got := c.NextTimer([]IdleRule{idleRule("r", 30)}, office); got == nil || !got.Equal(hel("2026-03-02 09:30")) {
		t.Fatalf("with a 30-minute idle rule: %v", got)
	}
	if got := c.NextTimer([]IdleRule{idleRule("r", 120)}, office); got == nil || !got.Equal(sla) {
		t.Fatalf("with a 2-hour idle rule: %v", got)
	}
	c.Status, c.NextSLAEventAt = StatusResolved, nil
	if got := c.NextTimer([]IdleRule{idleRule("r", 30)}, office); got != nil {
		t.Fatalf("a resolved case asks for %v", got)
	}
}
