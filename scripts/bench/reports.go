package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"time"

	"github.com/kaiku-helpdesk/kaiku/reports"
	"github.com/kaiku-helpdesk/kaiku/reports/reporttest"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// Reports (issue 16): the Reports page's data at 100k cases and 10k reviews, served from the
// search index, beside floors of the same run on the same index, and every figure compared
// with its brute-force recomputation.

const (
	partReports      = "reports"
	targetReportsP95 = 300 * time.Millisecond
	reportDays       = 120
	reportIndexBatch = 1000
)

type reportsBench struct {
	cases, reviews int
	indexDur       time.Duration
	page           stats // the page's data: one report with its four groupings
	rowsFloor      stats // the index pass alone: every match's report row
	facetFloor     stats // a raw index query: a date-range facet over the same matches
	matches        int
	compared       int // reports compared with brute force, figure by figure
}

// pageQuery is what the page loads: one report by team with the breakdowns by outcome gap,
// remedy and review source (with series), from one pass over the cases.
func pageQuery(from time.Time) reports.Query {
	return reports.Query{From: from, GroupBy: "team", AlsoBy: []string{"outcome_gap", "option", "source"}, GroupSeries: true}
}

func runReportsBench(ctx context.Context, cfg config) (*reportsBench, error) {
	progress := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "bench: "+format+"\n", args...)
		}
	}
	dir, err := os.MkdirTemp("", "kaiku-bench-reports-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ix, err := search.OpenBleve(filepath.Join(dir, "index"))
	if err != nil {
		return nil, err
	}
	defer ix.Close()

	rb := &reportsBench{cases: cfg.ReportCases, reviews: cfg.ReportReviews}
	now := time.Now().UTC().Truncate(time.Second)
	docs := reporttest.Docs(rb.cases, rb.reviews, reportDays, now, cfg.Seed)
	progress("reports: indexing %d cases and %d reviews", rb.cases, rb.reviews)
	start := time.Now()
	for i := 0; i < len(docs); i += reportIndexBatch {
		if err := ix.Upsert(ctx, docs[i:min(i+reportIndexBatch, len(docs))]...); err != nil {
			return nil, err
		}
	}
	if err := ix.Flush(ctx); err != nil {
		return nil, err
	}
	rb.indexDur = time.Since(start)

	svc := reports.NewService(ix, time.UTC, func() time.Time { return now })
	from := now.AddDate(0, 0, -90)
	page := pageQuery(from)

	// Every figure equals its brute-force recomputation.
	progress("reports: comparing every figure with brute force")
	for _, q := range []reports.Query{page, {From: from, GroupBy: "agent", GroupSeries: true, Interval: "month",
		Filters: map[string][]string{"priority": {"high", "urgent"}}}} {
		got, err := svc.Report(ctx, reports.Viewer{}, q)
		if err != nil {
			return nil, err
		}
		nq, err := svc.Normalize(reports.Viewer{}, q)
		if err != nil {
			return nil, err
		}
		want := reporttest.Report(docs, nq, time.UTC, now)
		if g, w := comparableReport(*got), comparableReport(want); !reflect.DeepEqual(g, w) {
			gj, _ := json.Marshal(g)
			wj, _ := json.Marshal(w)
			return nil, fmt.Errorf("reports: the report by %s differs from brute force:\n got %.600s\nwant %.600s", q.GroupBy, gj, wj)
		}
		rb.compared++
	}

	warm, n := cfg.Warmup/5, max(cfg.Requests/10, 20)
	progress("reports: measuring (%d samples each)", n)
	sq := search.Query{Ranges: []search.TimeRange{{Field: search.FieldCreatedAt, From: from, To: now.Add(time.Second)}}}
	if rb.facetFloor, err = measure(warm, n, func(int) error {
		_, err := ix.CountSince(ctx, sq, search.FieldCreatedAt, []time.Time{from})
		return err
	}); err != nil {
		return nil, err
	}
	if rb.rowsFloor, err = measure(warm, n, func(int) error {
		rows, err := ix.ReportRows(ctx, sq)
		if rows != nil {
			rb.matches = len(rows.Rows)
		}
		return err
	}); err != nil {
		return nil, err
	}
	if rb.page, err = measure(warm, n, func(int) error {
		_, err := svc.Report(ctx, reports.Viewer{}, page)
		return err
	}); err != nil {
		return nil, err
	}
	return rb, nil
}

// comparableReport keeps what the brute force recomputes (no drill-downs, no bucket bounds),
// groups in one order.
func comparableReport(r reports.Report) reports.Report {
	r.Drill = nil
	strip := func(ps []reports.Period) []reports.Period {
		out := append([]reports.Period(nil), ps...)
		for i := range out {
			out[i].Drill = nil
		}
		return out
	}
	r.Series = strip(r.Series)
	sortGroups := func(in []reports.Group) []reports.Group {
		groups := make([]reports.Group, len(in))
		for i, g := range in {
			g.Drill, g.Series = nil, strip(g.Series)
			groups[i] = g
		}
		sort.Slice(groups, func(i, j int) bool { return groups[i].Value < groups[j].Value })
		return groups
	}
	r.Groups = sortGroups(r.Groups)
	breakdowns := map[string][]reports.Group{}
	for dim, gs := range r.Breakdowns {
		breakdowns[dim] = sortGroups(gs)
	}
	r.Breakdowns = breakdowns
	backlog := make([]reports.BacklogBucket, len(r.Backlog))
	for i, b := range r.Backlog {
		backlog[i] = reports.BacklogBucket{Count: b.Count}
	}
	r.Backlog = backlog
	return r
}

func (rb *reportsBench) print(w io.Writer) {
	fmt.Fprintf(w, "\nreports (issue 16): %d cases + %d reviews over %d days, indexed in %s (%.0f docs/s); %d matches in the 90 days\n",
		rb.cases, rb.reviews, reportDays, secs(rb.indexDur), rate(rb.cases+rb.reviews, rb.indexDur), rb.matches)
	fmt.Fprintf(w, "  every figure equal to brute force: %d reports compared\n", rb.compared)
	verdict := "ok"
	if rb.page.p95 > targetReportsP95 {
		verdict = "OVER TARGET"
	}
	fmt.Fprintf(w, "  page data (4 groupings)       %s  target p95 %s: %s\n", rb.page, ms(targetReportsP95), verdict)
	fmt.Fprintf(w, "  floor: report rows (index)    %s\n", rb.rowsFloor)
	fmt.Fprintf(w, "  floor: raw date-range facet   %s\n", rb.facetFloor)
}
