package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/kaiku-helpdesk/kaiku/search"
)

// Issue 11: a team works the inbox at once. Each built-in view is listed by 16 clients at once
// over HTTP, beside the same query run by 16 goroutines on the raw index (the floor); the view
// counts the inbox asks for beside them.

const (
	viewConcurrency = 16
	targetViewRate  = 224 // lists/s at 16 clients, every view
	targetViewP99   = 150 * time.Millisecond
)

// inboxFacets are the facets the inbox asks for with every list (frontend InboxView.vue).
var inboxFacets = []string{search.FieldStatus, search.FieldPriority, search.FieldCategory, search.FieldTouchpoint, search.FieldChannel}

// viewSpec is one built-in view as the inbox asks for its first page, as the HTTP query string
// and as the search query the server builds from it (helpdesk.Cases.buildQuery).
type viewSpec struct {
	name   string
	params url.Values
	q      search.Query
}

// viewSpecs are the six built-in views. The bench's admin has no cases, so "mine" is asked as
// an agent of the data set would see it: the open cases assigned to them (view=all_open with
// assignee_id builds the same query as view=mine for that agent).
func viewSpecs() []viewSpec {
	open := search.Filter{Field: search.FieldStatus, Values: openStatuses()}
	newest := []search.Sort{{Field: search.FieldUpdatedAt, Desc: true}}
	mk := func(name, view string, filters []search.Filter, sort []search.Sort, extra url.Values) viewSpec {
		p := url.Values{"view": {view}, "limit": {"50"}, "facets": inboxFacets}
		if len(sort) == 1 {
			p.Set("sort", "updated_at")
			p.Set("order", "desc")
		} else {
			p.Set("sort", "escalation")
		}
		for k, v := range extra {
			p[k] = v
		}
		return viewSpec{name: name, params: p,
			q: search.Query{Filters: filters, Sort: sort, Limit: 50, Facets: inboxFacets}}
	}
	agent := agentIDs[1]
	return []viewSpec{
		mk("unassigned", "unassigned", []search.Filter{open, {Field: search.FieldAssigneeID, Values: []string{""}}}, newest, nil),
		mk("mine", "all_open", []search.Filter{open, {Field: search.FieldAssigneeID, Values: []string{agent}}}, newest,
			url.Values{"assignee_id": {agent}}),
		mk("all open", "all_open", []search.Filter{open}, newest, nil),
		func() viewSpec {
			v := mk("escalated", "escalated", []search.Filter{open},
				[]search.Sort{{Field: search.FieldEscalationLevel, Desc: true}, {Field: search.FieldDueAt}}, nil)
			v.q.IntRanges = []search.IntRange{{Field: search.FieldEscalationLevel, From: 1}}
			return v
		}(),
		mk("waiting on customer", "waiting", []search.Filter{{Field: search.FieldStatus, Values: []string{"waiting"}}}, newest, nil),
		mk("resolved", "resolved", []search.Filter{{Field: search.FieldStatus, Values: []string{"resolved"}}}, newest, nil),
	}
}

// viewCountQueries are the queries behind GET /api/v1/cases/counts for the bench's admin, who
// has no cases of their own ("mine" counts none: an id no case has stands for the admin's).
func viewCountQueries() []search.Query {
	const adminID = "bench-admin"
	var out []search.Query
	for _, v := range viewSpecs() {
		q := search.Query{Filters: v.q.Filters, IntRanges: v.q.IntRanges}
		if v.name == "mine" {
			q.Filters = []search.Filter{v.q.Filters[0], {Field: search.FieldAssigneeID, Values: []string{adminID}}}
		}
		out = append(out, q)
	}
	return out
}

// viewRow is one view's figure: 16 clients over HTTP beside 16 goroutines on the raw index.
type viewRow struct {
	name        string
	total       int // the view's cases (the floor's total)
	http, floor loadResult
}

// viewFloors runs each view's query from 16 goroutines on the raw index in dir for dur, then the
// six count queries of the counts endpoint the same way. The index must not be open elsewhere.
func viewFloors(ctx context.Context, dir string, specs []viewSpec, counts []search.Query, dur time.Duration, progress func(string, ...any)) ([]viewRow, viewRow, error) {
	idx, err := search.OpenBleve(dir)
	if err != nil {
		return nil, viewRow{}, err
	}
	rows := make([]viewRow, len(specs))
	for k, sp := range specs {
		res, err := idx.Search(ctx, sp.q)
		if err != nil {
			_ = idx.Close()
			return nil, viewRow{}, fmt.Errorf("view %s floor: %w", sp.name, err)
		}
		rows[k].name, rows[k].total = sp.name, res.Total
		progress("floor: view %s (%d cases), %d goroutines for %s", sp.name, res.Total, viewConcurrency, dur)
		rows[k].floor = runLoad(viewConcurrency, dur, func(_, _ int) error {
			_, err := idx.Search(ctx, sp.q)
			return err
		})
	}
	progress("floor: the counts' %d Count calls, %d goroutines for %s", len(counts), viewConcurrency, dur)
	cnt := viewRow{name: "counts (6 views)"}
	cnt.floor = runLoad(viewConcurrency, dur, func(_, _ int) error {
		for _, q := range counts {
			if _, err := idx.Count(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	return rows, cnt, idx.Close()
}

// viewLoads lists each view over HTTP from 16 clients of one session for dur, then the counts.
// The first answer of each view must hold the floor's total.
func viewLoads(ctx context.Context, s *session, base string, specs []viewSpec, rows []viewRow, cnt *viewRow, dur time.Duration, progress func(string, ...any)) error {
	client := &http.Client{Jar: s.client.Jar, Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: viewConcurrency, DisableCompression: true}}
	defer client.CloseIdleConnections()
	get := func(u string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return &statusError{status: resp.StatusCode, body: string(b)}
		}
		return nil
	}
	for k, sp := range specs {
		u := base + "/api/v1/cases?" + sp.params.Encode()
		body, err := httpGet(ctx, client, u, true)
		if err == nil {
			err = checkList(body, rows[k].total)
		}
		if err != nil {
			return fmt.Errorf("view %s: %w", sp.name, err)
		}
		progress("HTTP: view %s, %d clients for %s", sp.name, viewConcurrency, dur)
		rows[k].http = runLoad(viewConcurrency, dur, func(_, _ int) error { return get(u) })
	}
	progress("HTTP: GET /api/v1/cases/counts, %d clients for %s", viewConcurrency, dur)
	cnt.http = runLoad(viewConcurrency, dur, func(_, _ int) error { return get(base + "/api/v1/cases/counts") })
	return nil
}

func (l loadResult) withP99() string {
	return fmt.Sprintf("%5.0f/s  p50 %-7s p95 %-7s p99 %-7s", l.rate(), ms(l.lat.p50), ms(l.lat.p95), ms(l.lat.p99))
}

func printViews(w io.Writer, rows []viewRow, cnt viewRow, dur time.Duration) {
	fmt.Fprintf(w, "inbox views, %d clients each for %s (first page as the inbox asks: its sort, 50 rows, 5 facets; floor: search.Search x%d on the raw index)\n",
		viewConcurrency, dur, viewConcurrency)
	ok := true
	for _, r := range append(rows, cnt) {
		total := ""
		if r.name != cnt.name {
			total = fmt.Sprintf("(%d cases)", r.total)
			ok = ok && r.http.rate() >= targetViewRate && r.http.lat.p99 <= targetViewP99 && len(r.http.errs) == 0
		}
		fmt.Fprintf(w, "  %-20s %-14s HTTP %s | floor %s\n", r.name, total, r.http.withP99(), r.floor.withP99())
		if len(r.http.errs) > 0 {
			fmt.Fprintf(w, "    failed: %s\n", r.http.errSummary())
		}
	}
	fmt.Fprintf(w, "target (issue 11): every view >= %d lists/s with p99 <= %s at %d clients %s\n",
		targetViewRate, ms(targetViewP99), viewConcurrency, verdict(ok))
}
