package handlers

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/reports"
	"github.com/kaiku-helpdesk/kaiku/reports/reporttest"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// sampleReport is a real report (grouped, with group series) over report fixtures.
func sampleReport(t *testing.T) *reports.Report {
	t.Helper()
	now := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	ix, err := search.OpenBleve(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	if err := ix.Upsert(t.Context(), reporttest.Docs(150, 40, 60, now, 3)...); err != nil {
		t.Fatal(err)
	}
	r, err := reports.NewService(ix, time.UTC, func() time.Time { return now }).
		Report(t.Context(), reports.Viewer{}, reports.Query{GroupBy: "source", GroupSeries: true})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
