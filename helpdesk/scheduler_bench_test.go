package helpdesk_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// BenchmarkSLASweep measures single scheduler sweeps and reports their p50/p95:
//
//   - timers=0: an empty database (the floor: cursor, a few heads, all by _id);
//   - timers=10000: 10,000 open cases whose timers fall due over the coming 4.6 days, none
//     due (the common case: the sweep only looks);
//   - timers=10000,due=100: the same, and before each sweep 100 more cases whose first-response
//     warning is due, which the sweep fires (case writes, rules, index updates included).
//
// The cases are stored as the case writes leave them (clocks started under a 24/7 policy, each
// with its timer), in bulk. One untimed sweep first makes the cursor (on a database without one
// that looks at every head once).
//
//	go test ./helpdesk/ -run '^$' -bench BenchmarkSLASweep -benchtime 20x
func BenchmarkSLASweep(b *testing.B) {
	for _, tc := range []struct{ open, due int }{{0, 0}, {10000, 0}, {10000, 100}} {
		name := fmt.Sprintf("timers=%d", tc.open)
		if tc.due > 0 {
			name += fmt.Sprintf(",due=%d", tc.due)
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			f := newSLAFixtureTB(b)
			if err := f.rules.EnsureDefaultRules(ctx); err != nil {
				b.Fatal(err)
			}
			now := monday9
			bench := benchPolicy(b, f)
			seq := 0
			// addCases stores n open cases filed from first on, one every step, with their timers.
			addCases := func(n int, first time.Time, step time.Duration) {
				docs := make([]any, 0, n)
				due := map[string]time.Time{}
				for i := 0; i < n; i++ {
					seq++
					created := first.Add(time.Duration(i) * step)
					c := models.NewCase(models.FormatReference(2026, int64(seq)), newCase(fmt.Sprintf("bench case %d", seq)), models.Actor{}, created)
					c.StartIdlePeriod(created)
					c.StartSLA(*bench, created)
					c.NextTimerAt = c.NextSLAEventAt
					docs = append(docs, c)
					due[c.ID] = *c.NextTimerAt
				}
				for len(docs) > 0 {
					k := min(len(docs), 1000)
					if _, err := f.env.Store.Database().Collection("cases").InsertMany(ctx, docs[:k]); err != nil {
						b.Fatal(err)
					}
					docs = docs[k:]
				}
				if err := f.env.Store.SetSLATimers(ctx, due); err != nil {
					b.Fatal(err)
				}
			}
			// First-response warnings come 6 h after filing (75 % of 8 h): filed from 5 h ago on,
			// one every 40 s, they fall due from 1 h from now over the next 111 hours.
			addCases(tc.open, now.Add(-5*time.Hour), 40*time.Second)
			sc := f.scheduler("bench")
			if _, err := sc.Sweep(ctx); err != nil {
				b.Fatal(err)
			}
			durations := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				now = now.Add(time.Minute)
				f.set(now)
				if tc.due > 0 {
					// Filed 6 h 1 min to 6 h 0 min ago: warnings due in the last minute.
					addCases(tc.due, now.Add(-6*time.Hour-time.Minute), time.Minute/time.Duration(tc.due))
				}
				b.StartTimer()
				start := time.Now()
				n, err := sc.Sweep(ctx)
				durations = append(durations, time.Since(start))
				if err != nil || n != tc.due {
					b.Fatalf("sweep fired %d, want %d (err %v)", n, tc.due, err)
				}
			}
			b.StopTimer()
			sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
			b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(durations[(len(durations)*95+99)/100-1].Microseconds())/1000, "p95-ms")
		})
	}
}

// benchPolicy stores a 24/7 policy (8 h first response for every priority, warning at 75 %),
// so due times do not depend on opening hours.
func benchPolicy(b *testing.B, f *slaFixture) *models.SLAPolicy {
	cal := businesstime.DefaultCalendar()
	for d := time.Sunday; d <= time.Saturday; d++ {
		cal.Hours.SetDay(d, []businesstime.Interval{{Start: "00:00", End: "24:00"}})
	}
	warn := 75
	t := models.SLATargetsInput{FirstResponseMinutes: 8 * 60, NextResponseMinutes: 8 * 60, ResolutionMinutes: 40 * 60}
	p, err := models.NewSLAPolicy("bench-24-7", models.SLAPolicyCreate{Name: "24/7", Calendar: &cal, WarnAtPercent: &warn,
		Targets: map[models.Priority]models.SLATargetsInput{models.PriorityLow: t, models.PriorityNormal: t, models.PriorityHigh: t, models.PriorityUrgent: t}}, monday9)
	if err != nil {
		b.Fatal(err)
	}
	if err := f.env.Store.InsertSLAPolicy(context.Background(), p); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkRulesPerEvent measures one case_created evaluation through the stored rule set
// (the defaults plus generated rules up to 50) as the case write runs it, including reading
// the rules from the database.
func BenchmarkRulesPerEvent(b *testing.B) {
	ctx := context.Background()
	f := newSLAFixtureTB(b)
	for i := 0; i < 50; i++ {
		enabled := true
		r, err := escalation.NewRule(fmt.Sprintf("r%02d", i), escalation.RuleCreate{
			Name: fmt.Sprintf("rule %d", i), Enabled: &enabled, Position: i,
			Trigger: escalation.Trigger{Type: escalation.TriggerCaseCreated},
			Conditions: []escalation.Condition{{Field: escalation.CondText, Op: escalation.OpContainsAny,
				Value: escalation.ListValue(fmt.Sprintf("word%d", i), "asianajaj*", "refund")}},
			Actions: []escalation.Action{{Type: escalation.ActionAddTag, Tag: fmt.Sprintf("t%d", i)}},
		}, monday9)
		if err != nil {
			b.Fatal(err)
		}
		if err := f.env.Store.InsertRule(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	rules, _ := f.env.Store.ListRules(ctx)
	set := escalation.CompileRules(rules, nil)
	c := models.NewCase("K-2026-000001", newCase("Refund request after a broken delivery"), models.Actor{}, monday9)
	b.ResetTimer()
	durations := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		cc := *c
		cc.Timeline = append([]models.TimelineEvent(nil), c.Timeline...)
		start := time.Now()
		set.Evaluate(escalation.TriggerCaseCreated, escalation.RuleInput{Case: &cc, Now: monday9, CustomerCaseCounts: func(int) int { return 1 }})
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	b.ReportMetric(float64(durations[(len(durations)*95+99)/100-1].Microseconds())/1000, "p95-ms")
}
