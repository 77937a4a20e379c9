package helpdesk_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// BenchmarkBulkChange changes the priority of 200 cases per operation: with one bulk change
// (bulk), and with 200 single patches one after the other (single), each operation on cases of
// its own, the shipped rules enabled. The versions are read before the timer runs.
//
//	go test ./helpdesk/ -run '^$' -bench BenchmarkBulkChange -benchtime 5x
func BenchmarkBulkChange(b *testing.B) {
	const size = 200
	for _, mode := range []string{"bulk", "single"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			f := newSLAFixtureTB(b)
			if err := f.rules.EnsureDefaultRules(ctx); err != nil {
				b.Fatal(err)
			}
			docs := make([]any, 0, size*b.N)
			for i := range size * b.N {
				c := models.NewCase(models.FormatReference(2026, int64(i+1)), newCase(fmt.Sprintf("bench case %d", i)), models.Actor{}, monday9)
				c.StartIdlePeriod(monday9)
				docs = append(docs, c)
			}
			for len(docs) > 0 {
				k := min(len(docs), 1000)
				if _, err := f.env.Store.Database().Collection("cases").InsertMany(ctx, docs[:k]); err != nil {
					b.Fatal(err)
				}
				docs = docs[k:]
			}
			high := models.PriorityHigh
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				refs := make([]models.BulkCaseRef, size)
				for k := range refs {
					id := models.FormatReference(2026, int64(i*size+k+1))
					c, err := f.env.Store.GetCase(ctx, id)
					if err != nil {
						b.Fatal(err)
					}
					refs[k] = models.BulkCaseRef{ID: id, Version: c.Version}
				}
				b.StartTimer()
				if mode == "bulk" {
					res, err := f.cases.Bulk(ctx, f.agent, models.BulkChange{Cases: refs, Priority: &high})
					if err != nil {
						b.Fatal(err)
					}
					for _, r := range res {
						if r.Outcome != models.BulkOK {
							b.Fatalf("%s: %s %s", r.ID, r.Outcome, r.Message)
						}
					}
					continue
				}
				for _, r := range refs {
					if _, err := f.cases.Patch(ctx, f.agent, r.ID, models.CasePatch{Version: r.Version, Priority: &high}); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
