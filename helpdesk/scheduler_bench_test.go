package helpdesk_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// BenchmarkSLASweep measures one scheduler sweep when 10,000 open cases have SLA timers and
// none is due (the common case: the sweep only looks), beside an empty sweep (no timers), and
// reports p50/p95 of single sweeps.
//
//	go test ./helpdesk/ -run '^$' -bench BenchmarkSLASweep -benchtime 20x
func BenchmarkSLASweep(b *testing.B) {
	for _, timers := range []int{0, 10000} {
		b.Run(fmt.Sprintf("timers=%d", timers), func(b *testing.B) {
			ctx := context.Background()
			f := newSLAFixtureTB(b)
			if timers > 0 {
				// Timers as the case writes leave them: one document per case, due later.
				docs := make([]any, 0, timers)
				for i := 0; i < timers; i++ {
					docs = append(docs, bson.D{{Key: "_id", Value: fmt.Sprintf("K-2026-%06d", i+1)},
						{Key: "due_at", Value: monday9.Add(time.Duration(1+i%500) * time.Hour)},
						{Key: "claimed_by", Value: ""}, {Key: "claim_until", Value: time.Time{}}})
				}
				if _, err := f.env.Store.Database().Collection("sla_timers").InsertMany(ctx, docs); err != nil {
					b.Fatal(err)
				}
			}
			sc := f.scheduler("bench")
			durations := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if n, err := sc.Sweep(ctx); err != nil || n != 0 {
					b.Fatalf("sweep fired %d, err %v", n, err)
				}
				durations = append(durations, time.Since(start))
			}
			b.StopTimer()
			sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
			b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(durations[(len(durations)*95+99)/100-1].Microseconds())/1000, "p95-ms")
		})
	}
}

// BenchmarkRulesPerEvent measures one case_created evaluation through the stored rule set
// (the defaults plus generated rules up to 50) as the case write runs it, including reading
// the rules from the database.
func BenchmarkRulesPerEvent(b *testing.B) {
	ctx := context.Background()
	f := newSLAFixtureTB(b)
	for i := 0; i < 50; i++ {
		enabled := true
		r, err := models.NewRule(fmt.Sprintf("r%02d", i), models.RuleCreate{
			Name: fmt.Sprintf("rule %d", i), Enabled: &enabled, Position: i,
			Trigger: models.Trigger{Type: models.TriggerCaseCreated},
			Conditions: []models.Condition{{Field: models.CondText, Op: models.OpContainsAny,
				Value: models.ListValue(fmt.Sprintf("word%d", i), "asianajaj*", "refund")}},
			Actions: []models.Action{{Type: models.ActionAddTag, Tag: fmt.Sprintf("t%d", i)}},
		}, monday9)
		if err != nil {
			b.Fatal(err)
		}
		if err := f.env.Store.InsertRule(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	rules, _ := f.env.Store.ListRules(ctx)
	set := models.CompileRules(rules)
	c := models.NewCase("K-2026-000001", newCase("Refund request after a broken delivery"), models.Actor{}, monday9)
	b.ResetTimer()
	durations := make([]time.Duration, 0, b.N)
	for i := 0; i < b.N; i++ {
		cc := *c
		cc.Timeline = append([]models.TimelineEvent(nil), c.Timeline...)
		start := time.Now()
		set.Evaluate(models.TriggerCaseCreated, models.RuleInput{Case: &cc, Now: monday9, CustomerCaseCounts: func(int) int { return 1 }})
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	b.ReportMetric(float64(durations[(len(durations)*95+99)/100-1].Microseconds())/1000, "p95-ms")
}
