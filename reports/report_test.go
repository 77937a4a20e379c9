package reports_test

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/reports"
	"github.com/kaiku-helpdesk/kaiku/reports/reporttest"
	"github.com/kaiku-helpdesk/kaiku/search"
)

var now = time.Date(2026, time.March, 18, 14, 30, 15, 0, time.UTC)

func openIndex(t *testing.T, docs []search.CaseDoc) search.Index {
	t.Helper()
	ix, err := search.OpenBleve(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	for start := 0; start < len(docs); start += 500 {
		if err := ix.Upsert(t.Context(), docs[start:min(start+500, len(docs))]...); err != nil {
			t.Fatal(err)
		}
	}
	return ix
}

// comparable drops what the brute force does not recompute (drill-downs, bucket bounds) and
// orders the groups alike.
func comparable(r reports.Report) reports.Report {
	r.Drill = nil
	strip := func(ps []reports.Period) {
		for i := range ps {
			ps[i].Drill = nil
		}
	}
	r.Series = append([]reports.Period(nil), r.Series...)
	strip(r.Series)
	sortGroups := func(in []reports.Group) []reports.Group {
		groups := make([]reports.Group, len(in))
		for i, g := range in {
			g.Drill = nil
			g.Series = append([]reports.Period(nil), g.Series...)
			strip(g.Series)
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

func firstDifference(t *testing.T, got, want any) string {
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			from := max(i-300, 0)
			return "got  …" + string(g[from:min(i+100, len(g))]) + "\nwant …" + string(w[from:min(i+100, len(w))])
		}
	}
	return "lengths differ"
}

// drillQuery is the index query the inbox runs for a drill-down's parameters.
func drillQuery(t *testing.T, params map[string][]string) search.Query {
	t.Helper()
	var q search.Query
	var r search.TimeRange
	for k, v := range params {
		switch k {
		case "created_from", "created_to":
			at, err := time.Parse(time.RFC3339, v[0])
			if err != nil {
				t.Fatalf("drill %s=%q: %v", k, v[0], err)
			}
			if k == "created_from" {
				r.From = at
			} else {
				r.To = at
			}
		case "status":
			q.Filters = append(q.Filters, search.Filter{Field: search.FieldStatus, Values: v})
		default:
			found := false
			for _, d := range reports.Dimensions {
				if d.Param == k {
					q.Filters = append(q.Filters, search.Filter{Field: d.Field, Values: v})
					found = true
				}
			}
			if !found {
				t.Fatalf("drill parameter %q is no inbox filter", k)
			}
		}
	}
	if !r.From.IsZero() || !r.To.IsZero() {
		r.Field = search.FieldCreatedAt
		q.Ranges = []search.TimeRange{r}
	}
	return q
}

// TestReportEqualsBruteForce computes reports from the index and recomputes every figure by
// brute force over the same cases; every drill-down selects exactly the cases counted.
func TestReportEqualsBruteForce(t *testing.T) {
	docs := reporttest.Docs(900, 200, 150, now, 7)
	ix := openIndex(t, docs)
	helsinki, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	svc := reports.NewService(ix, helsinki, func() time.Time { return now })
	queries := []struct {
		name string
		v    reports.Viewer
		q    reports.Query
	}{
		{"default", reports.Viewer{}, reports.Query{}},
		{"by team, monthly", reports.Viewer{}, reports.Query{Interval: "month", GroupBy: "team", From: now.AddDate(0, -5, 0)}},
		{"one team, last 30 days, by agent with series", reports.Viewer{},
			reports.Query{From: now.AddDate(0, 0, -30), GroupBy: "agent", GroupSeries: true, Filters: map[string][]string{"team": {"team-billing"}}}},
		{"reviews by source over time", reports.Viewer{},
			reports.Query{GroupBy: "source", GroupSeries: true, Filters: map[string][]string{"channel": {"review"}}}},
		{"satisfaction by option granted", reports.Viewer{}, reports.Query{GroupBy: "option", From: now.AddDate(0, 0, -140)}},
		{"satisfaction by outcome gap", reports.Viewer{}, reports.Query{GroupBy: "outcome_gap", From: now.AddDate(0, 0, -140)}},
		{"category with commas, by priority", reports.Viewer{},
			reports.Query{GroupBy: "priority", Filters: map[string][]string{"category": {"Delivery, late or lost", "Billing"}}}},
		{"the page's groupings in one pass", reports.Viewer{},
			reports.Query{GroupBy: "team", AlsoBy: []string{"outcome_gap", "option", "source"}, GroupSeries: true, Filters: map[string][]string{"priority": {"high", "urgent"}}}},
		{"an agent sees their own", reports.Viewer{UserID: "agent-3", OwnOnly: true},
			reports.Query{GroupBy: "agent", Filters: map[string][]string{"agent": {"agent-1"}}}},
	}
	for _, dim := range reports.DimensionNames() {
		queries = append(queries, struct {
			name string
			v    reports.Viewer
			q    reports.Query
		}{"by " + dim, reports.Viewer{}, reports.Query{GroupBy: dim, From: now.AddDate(0, 0, -60)}})
	}
	for _, tc := range queries {
		t.Run(tc.name, func(t *testing.T) {
			got, err := svc.Report(t.Context(), tc.v, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			q, err := svc.Normalize(tc.v, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			want := comparable(reporttest.Report(docs, q, helsinki, now))
			if g := comparable(*got); !reflect.DeepEqual(g, want) {
				t.Fatalf("report differs from brute force:\n%s", firstDifference(t, g, want))
			}
			if got.Total.Cases == 0 {
				t.Fatal("the query selects no cases: the comparison proves nothing")
			}
			checkDrill := func(what string, params map[string][]string, cases int) {
				t.Helper()
				n, err := ix.Count(t.Context(), drillQuery(t, params))
				if err != nil {
					t.Fatal(err)
				}
				if n != cases {
					t.Errorf("%s: drill-down %v finds %d cases, the figure counts %d", what, params, n, cases)
				}
			}
			checkDrill("total", got.Drill, got.Total.Cases)
			for _, p := range got.Series {
				checkDrill("period "+p.Key, p.Drill, p.Figures.Cases)
			}
			for _, g := range got.Groups {
				if g.Value != "" {
					checkDrill("group "+g.Value, g.Drill, g.Figures.Cases)
				}
				for _, p := range g.Series {
					if p.Drill != nil {
						checkDrill("group "+g.Value+" period "+p.Key, p.Drill, p.Figures.Cases)
					}
				}
			}
			for dim, gs := range got.Breakdowns {
				for _, g := range gs {
					if g.Value != "" {
						checkDrill(dim+" "+g.Value, g.Drill, g.Figures.Cases)
					}
				}
			}
			for _, b := range got.Backlog {
				checkDrill("backlog "+b.Key, b.Drill, b.Count)
			}
		})
	}
}

func TestPeriodsCoverTheRange(t *testing.T) {
	helsinki, _ := time.LoadLocation("Europe/Helsinki")
	from := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC) // a Wednesday, across the DST change of 29 March
	to := time.Date(2026, 4, 20, 3, 0, 0, 0, time.UTC)
	for _, interval := range []string{reports.IntervalWeek, reports.IntervalMonth} {
		ps := reports.Periods(from, to, interval, helsinki)
		if !ps[0][0].Equal(from) || !ps[len(ps)-1][1].Equal(to) {
			t.Fatalf("%s: periods %v do not span [from, to)", interval, ps)
		}
		for i, p := range ps {
			if i > 0 && !p[0].Equal(ps[i-1][1]) {
				t.Fatalf("%s: gap or overlap before period %d", interval, i)
			}
			local := p[0].In(helsinki)
			if i > 0 && (local.Hour() != 0 || (interval == reports.IntervalWeek && local.Weekday() != time.Monday) ||
				(interval == reports.IntervalMonth && local.Day() != 1)) {
				t.Errorf("%s: period %d starts at %v", interval, i, local)
			}
		}
	}
}

func TestBadQueries(t *testing.T) {
	svc := reports.NewService(openIndex(t, nil), time.UTC, func() time.Time { return now })
	for _, q := range []reports.Query{
		{Interval: "day"},
		{GroupBy: "colour"},
		{Filters: map[string][]string{"colour": {"red"}}},
		{From: now, To: now.Add(-time.Hour)},
		{From: now.AddDate(-3, 0, 0), To: now},
	} {
		if _, err := svc.Report(t.Context(), reports.Viewer{}, q); err == nil {
			t.Errorf("%+v: no error", q)
		}
	}
}
