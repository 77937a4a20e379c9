package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"runtime"
	"slices"
	"strings"
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

// listQuery is one inbox list request, as the HTTP query string and as the search query the
// server builds from it (helpdesk.Cases.buildQuery: the view's status filter first, then the
// other filters; sort=updated_at without order means newest first).
type listQuery struct {
	params url.Values
	q      search.Query
}

// listSpec is one list figure: a query per sample.
type listSpec struct {
	name    string
	queries []listQuery
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
	// The HTTP API splits filter values on commas (?status=open,waiting), so a value with a
	// comma in it (several CFPB product names) cannot be asked for; leave those out.
	noComma := func(vs []string) []string {
		return slices.DeleteFunc(slices.Clone(vs), func(v string) bool { return strings.Contains(v, ",") || v == "" })
	}
	pools := []struct {
		field  string
		values []string
	}{
		{search.FieldPriority, []string{"low", "normal", "high", "urgent"}},
		{search.FieldCategory, noComma(d.categories)},
		{search.FieldAssigneeID, agentIDs},
		{search.FieldChannel, noComma(d.channels)},
		{search.FieldTouchpoint, noComma(d.touchpts)},
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
