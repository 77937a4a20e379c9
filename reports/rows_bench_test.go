package reports_test

import (
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/reports"
	"github.com/kaiku-helpdesk/kaiku/reports/reporttest"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// BenchmarkReport is one report over 20k cases, beside the index pass it reads them with.
func BenchmarkReport(b *testing.B) {
	docs := reporttest.Docs(20000, 2000, 120, now, 1)
	ix := openIndexB(b, docs)
	svc := reports.NewService(ix, time.UTC, func() time.Time { return now })
	q := reports.Query{From: now.AddDate(0, 0, -90), GroupBy: "team"}
	b.Run("report", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.Report(b.Context(), reports.Viewer{}, q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rows", func(b *testing.B) {
		for b.Loop() {
			if _, err := ix.ReportRows(b.Context(), search.Query{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func openIndexB(b *testing.B, docs []search.CaseDoc) search.Index {
	ix, err := search.OpenBleve(b.TempDir() + "/index")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ix.Close() })
	for start := 0; start < len(docs); start += 1000 {
		if err := ix.Upsert(b.Context(), docs[start:min(start+1000, len(docs))]...); err != nil {
			b.Fatal(err)
		}
	}
	return ix
}
