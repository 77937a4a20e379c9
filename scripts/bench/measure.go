package main

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kaiku-helpdesk/kaiku/search"
)

// stats summarises one figure's sequential samples.
type stats struct {
	n                  int
	p50, p95, p99, max time.Duration
}

func summarize(ds []time.Duration) stats {
	if len(ds) == 0 {
		return stats{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) time.Duration { // nearest rank
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return stats{n: len(s), p50: at(0.50), p95: at(0.95), p99: at(0.99), max: s[len(s)-1]}
}

// measure calls f for warmup+n samples in sequence and summarises the last n.
// A GC first keeps earlier phases' garbage out of the samples.
func measure(warmup, n int, f func(i int) error) (stats, error) {
	runtime.GC()
	ds := make([]time.Duration, 0, n)
	for i := range warmup + n {
		t := time.Now()
		if err := f(i); err != nil {
			return stats{}, fmt.Errorf("sample %d: %w", i, err)
		}
		if i >= warmup {
			ds = append(ds, time.Since(t))
		}
	}
	return summarize(ds), nil
}

func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	switch {
	case f < 10:
		return fmt.Sprintf("%.2fms", f)
	case f < 100:
		return fmt.Sprintf("%.1fms", f)
	}
	return fmt.Sprintf("%.0fms", f)
}

func (s stats) String() string {
	return fmt.Sprintf("p50 %-7s p95 %-7s p99 %-7s", ms(s.p50), ms(s.p95), ms(s.p99))
}

// withMax is the summary with the maximum instead of p99 (for small sample counts).
func (s stats) withMax() string {
	return fmt.Sprintf("p50 %-7s p95 %-7s max %-7s", ms(s.p50), ms(s.p95), ms(s.max))
}

// loadResult is what a closed loop of conc workers measured: each worker starts its next
// operation as soon as its previous one returned, until the duration is over; operations in
// flight then finish and count.
type loadResult struct {
	conc    int
	elapsed time.Duration // first start to last completion
	ok      int
	lat     stats             // latencies of the successful operations
	samples []time.Duration   // the same, unsorted, for adding results up
	errs    map[string]int    // failed operations by kind (an HTTP status, "error")
	first   map[string]string // the first message of each kind
}

// issued is how many operations the load started.
func (l loadResult) issued() int {
	n := l.ok
	for _, c := range l.errs {
		n += c
	}
	return n
}

// plus is l and m as one load: their operations, times and failures added up.
func (l loadResult) plus(m loadResult) loadResult {
	out := loadResult{conc: max(l.conc, m.conc), elapsed: l.elapsed + m.elapsed, ok: l.ok + m.ok,
		samples: append(slices.Clone(l.samples), m.samples...), errs: map[string]int{}, first: map[string]string{}}
	for _, r := range []loadResult{l, m} {
		for k, c := range r.errs {
			out.errs[k] += c
			if _, ok := out.first[k]; !ok {
				out.first[k] = r.first[k]
			}
		}
	}
	out.lat = summarize(out.samples)
	return out
}

func (l loadResult) rate() float64 { return rate(l.ok, l.elapsed) }

func (l loadResult) String() string {
	return fmt.Sprintf("%6.0f/s  p50 %-7s p95 %-7s", l.rate(), ms(l.lat.p50), ms(l.lat.p95))
}

// errSummary lists the failures by kind, with the first message of each; "none" if there were
// none.
func (l loadResult) errSummary() string {
	if len(l.errs) == 0 {
		return "none"
	}
	kinds := make([]string, 0, len(l.errs))
	for k := range l.errs {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s x%d (first: %.160s)", k, l.errs[k], l.first[k])
	}
	return strings.Join(parts, "; ")
}

// statusError is an HTTP answer with an unexpected status.
type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string { return fmt.Sprintf("HTTP %d: %.300s", e.status, e.body) }

// errKind classifies a failed operation for loadResult.errs.
func errKind(err error) string {
	if se, ok := errors.AsType[*statusError](err); ok {
		return fmt.Sprintf("HTTP %d", se.status)
	}
	return "error"
}

// runLoad runs op from conc goroutines for dur; seq numbers the operations from 0, so that
// each can build its own document or request. op must be safe for concurrent use.
func runLoad(conc int, dur time.Duration, op func(worker, seq int) error) loadResult {
	runtime.GC()
	var (
		next     atomic.Int64
		mu       sync.Mutex
		wg       sync.WaitGroup
		lastDone time.Time
		all      []time.Duration
	)
	res := loadResult{conc: conc, errs: map[string]int{}, first: map[string]string{}}
	start := time.Now()
	deadline := start.Add(dur)
	for w := range conc {
		wg.Go(func() {
			var ds []time.Duration
			for time.Now().Before(deadline) {
				seq := int(next.Add(1) - 1)
				t := time.Now()
				err := op(w, seq)
				d := time.Since(t)
				if err == nil {
					ds = append(ds, d)
					continue
				}
				k := errKind(err)
				mu.Lock()
				if res.errs[k]++; res.errs[k] == 1 {
					res.first[k] = err.Error()
				}
				mu.Unlock()
			}
			mu.Lock()
			all = append(all, ds...)
			if now := time.Now(); now.After(lastDone) {
				lastDone = now
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = lastDone.Sub(start)
	res.ok = len(all)
	res.lat = summarize(all)
	res.samples = all
	return res
}

// listQuery is one inbox list request, as the HTTP query string and as the search query the
// server builds from it (helpdesk.Cases.buildQuery: the view's status filter first, then the
// other filters; sort=updated_at without order means newest first).
type listQuery struct {
	params url.Values
	q      search.Query
}

// listSpec is one list figure: a query per sample.
type listSpec struct {
	name     string
	queries  []listQuery
	mustFind bool // every query must find at least one case (checked on the floor)
}

func openList(extraField, value string) listQuery {
	p := url.Values{"view": {"all_open"}, "sort": {"updated_at"}, "limit": {"50"}}
	q := search.Query{
		Filters: []search.Filter{{Field: search.FieldStatus, Values: openStatuses()}},
		Sort:    []search.Sort{{Field: search.FieldUpdatedAt, Desc: true}},
		Limit:   50,
	}
	if extraField != "" {
		param := extraField
		if extraField == search.FieldTags {
			param = "tag"
		}
		p.Set(param, value)
		q.Filters = append(q.Filters, search.Filter{Field: extraField, Values: []string{value}})
	}
	return listQuery{params: p, q: q}
}

func repeatList(name string, n int, lq listQuery) listSpec {
	qs := make([]listQuery, n)
	for i := range qs {
		qs[i] = lq
	}
	return listSpec{name: name, queries: qs}
}

// listSpecs are the list figures, each with samples queries drawn with a seeded RNG.
func listSpecs(d *dataset, samples int, seed uint64) []listSpec {
	r := rand.New(rand.NewPCG(seed, 2))
	// Values with a comma (several CFPB product names) are asked for like any other: the API
	// takes several values as a repeated parameter, never split on commas.
	nonEmpty := func(vs []string) []string {
		return slices.DeleteFunc(slices.Clone(vs), func(v string) bool { return v == "" })
	}
	pools := []struct {
		field  string
		values []string
	}{
		{search.FieldPriority, []string{"low", "normal", "high", "urgent"}},
		{search.FieldCategory, nonEmpty(d.categories)},
		{search.FieldAssigneeID, agentIDs},
		{search.FieldChannel, nonEmpty(d.channels)},
		{search.FieldTouchpoint, nonEmpty(d.touchpts)},
		{search.FieldTags, tagPool},
	}
	pools = slices.DeleteFunc(pools, func(p struct {
		field  string
		values []string
	}) bool {
		return len(p.values) == 0
	})
	random := listSpec{name: "list 50 open, random filter", queries: make([]listQuery, samples)}
	for i := range random.queries {
		p := pools[r.IntN(len(pools))]
		random.queries[i] = openList(p.field, p.values[r.IntN(len(p.values))])
	}
	return []listSpec{
		repeatList("list 50 open", samples, openList("", "")),
		repeatList("list 50 open priority=high", samples, openList(search.FieldPriority, "high")),
		random,
	}
}

// sampleIDs draws case ids for the get figures with a seeded RNG.
func sampleIDs(d *dataset, samples int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]string, samples)
	for i := range out {
		out[i] = d.ids[r.IntN(len(d.ids))]
	}
	return out
}

// searchFacets are the facets of issue 3's search figure.
var searchFacets = []string{search.FieldStatus, search.FieldPriority, search.FieldCategory}

// searchSpec is issue 3's search figure: a text (one word from the data: common, rare, or a
// common or rare word with a typo) with one priority filter and facets, as the query string of
// GET /api/v1/cases and as the query the server builds from it (helpdesk.Cases.buildQuery:
// highlights on, relevance order without a sort, the default page size).
func searchSpec(v *vocabulary, samples int, seed uint64) listSpec {
	r := rand.New(rand.NewPCG(seed, 3))
	spec := listSpec{name: "search word+priority+facets", queries: make([]listQuery, samples)}
	for i := range spec.queries {
		var word string
		switch k := r.IntN(10); {
		case k < 4:
			word = pick(r, v.common)
		case k < 8:
			word = pick(r, v.rare)
		default:
			word = typo(r, pick(r, v.typoBase))
		}
		prio := string(pick(r, priorities))
		spec.queries[i] = listQuery{
			params: url.Values{"q": {word}, "priority": {prio}, "facets": searchFacets},
			q: search.Query{Text: word, Highlight: true, Facets: searchFacets,
				Filters: []search.Filter{{Field: search.FieldPriority, Values: []string{prio}}}},
		}
	}
	return spec
}

// sampleDistinctIDs draws n different case ids (all of them if there are fewer).
func sampleDistinctIDs(d *dataset, n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 5))
	perm := r.Perm(len(d.ids))
	out := make([]string, 0, min(n, len(perm)))
	for _, k := range perm[:cap(out)] {
		out = append(out, d.ids[k])
	}
	return out
}
