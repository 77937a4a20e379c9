package search

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
)

// An inbox list asks for the newest 50 of tens of thousands of matches. Bleve finds the top of
// a field sort by reading the sort values of every match, so a list cost grew with its view.
// Two things make it cheap here, both exact (a sort by a number, highest first, such as the
// escalated view's, compares sort keys kept per segment instead: bleve_sortcols.go):
//
//   - The page comes from the newest matches only: when the sort starts with a time, newest
//     first, the query is first narrowed to a window of recent times that widens until it
//     holds a page (plus one, to know whether a next page exists). Every match outside the
//     window is older than every match inside it, so the window's top is the whole set's top,
//     ties included (the window's bound is inclusive and ties are broken by ID as before).
//   - The total and the facets (what the inbox counts, over every match) are kept per index
//     generation: every batch that changes the index starts a new generation, so a kept
//     figure is served only while the index is exactly as it was when it was counted.

const (
	// narrowAbove is the number of matches above which a list is narrowed; below it the full
	// sort is cheap already.
	narrowAbove = 1000
	// firstWindow is the first window tried for a query shape never narrowed before; each
	// miss widens the window eightfold.
	firstWindow = time.Hour
	widenBy     = 8
	// maxWindow is the widest window tried; matches older than that are found by the full sort.
	maxWindow = 100 * 365 * 24 * time.Hour
	// aggregateEntries bounds the kept totals and facets (different filters, per generation).
	aggregateEntries = 256
)

// bleveAggregates are the figures over every match of a query: its total and its facets.
type bleveAggregates struct {
	total  int
	facets map[string][]FacetValue
}

// aggregateCache keeps aggregates of the current index generation, and the narrowing window
// that last found a page for each query shape (kept across generations: it is only a start).
type aggregateCache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]bleveAggregates
	windows map[string]time.Duration
}

func newAggregateCache() *aggregateCache {
	return &aggregateCache{entries: map[string]bleveAggregates{}, windows: map[string]time.Duration{}}
}

// get returns the aggregates kept for key if they belong to generation gen.
func (c *aggregateCache) get(gen uint64, key string) (bleveAggregates, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return bleveAggregates{}, false
	}
	a, ok := c.entries[key]
	return a, ok
}

// put keeps a for key. gen must have been read before the query that counted a started: a
// query sees at least every batch of its generation, so what it counted is never older than
// the generation it is kept under.
func (c *aggregateCache) put(gen uint64, key string, a bleveAggregates) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case gen < c.gen:
		return
	case gen > c.gen:
		c.gen = gen
		clear(c.entries)
	}
	if len(c.entries) >= aggregateEntries {
		clear(c.entries)
	}
	c.entries[key] = a
}

func (c *aggregateCache) window(key string) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if w, ok := c.windows[key]; ok {
		return w
	}
	return firstWindow
}

func (c *aggregateCache) setWindow(key string, w time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.windows) >= aggregateEntries {
		clear(c.windows)
	}
	c.windows[key] = w
}

// aggregateKey names what a query matches (its text terms, filters and ranges) and the facets
// asked for; sort, paging and highlights do not change the aggregates.
func aggregateKey(terms []string, q Query, facets []string) string {
	type filter struct {
		F string
		V []string
		N bool
	}
	k := struct {
		T  []string
		A  bool
		F  []filter
		R  []TimeRange
		I  []IntRange
		Fa []string
	}{T: terms, A: allWords(q) && len(terms) > 0, R: q.Ranges, I: q.IntRanges, Fa: facets}
	for _, f := range q.Filters {
		vs := uniqueStrings(f.Values)
		slices.Sort(vs)
		k.F = append(k.F, filter{f.Field, vs, f.Negate})
	}
	b, err := json.Marshal(k)
	if err != nil {
		// Strings, times and ints only: this cannot fail.
		panic(fmt.Sprintf("search: aggregate key: %v", err))
	}
	return string(b)
}

// aggregates returns the total and the facets of terms and q's filters, counted at most once
// per index generation. No document is loaded and no sort value read.
func (b *BleveIndex) aggregates(ctx context.Context, terms []string, q Query, facets []string) (bleveAggregates, error) {
	key := aggregateKey(terms, q, facets)
	gen := b.gen.Load()
	if a, ok := b.cache.get(gen, key); ok {
		return a, nil
	}
	req := bleve.NewSearchRequestOptions(b.buildQuery(terms, q), 0, 0, false)
	req.Score = "none"
	for _, f := range facets {
		req.AddFacet(f, bleve.NewFacetRequest(f, facetSize))
	}
	res, err := b.idx.SearchInContext(ctx, req)
	if err != nil {
		return bleveAggregates{}, err
	}
	a := bleveAggregates{total: int(res.Total), facets: bleveFacets(res, facets)}
	b.cache.put(gen, key, a)
	return a, nil
}

// bleveFacets converts Bleve's facet results; nil when none were asked for.
func bleveFacets(res *bleve.SearchResult, facets []string) map[string][]FacetValue {
	if len(facets) == 0 {
		return nil
	}
	out := make(map[string][]FacetValue, len(facets))
	for _, f := range facets {
		var vs []FacetValue
		if fr := res.Facets[f]; fr != nil && fr.Terms != nil {
			for _, t := range fr.Terms.Terms() {
				vs = append(vs, FacetValue{Value: storedKeyword(t.Term), Count: t.Count})
			}
		}
		out[f] = sortFacet(vs)
	}
	return out
}

// cloneFacets copies kept facets, so no caller shares them with another.
func cloneFacets(f map[string][]FacetValue) map[string][]FacetValue {
	if f == nil {
		return nil
	}
	out := make(map[string][]FacetValue, len(f))
	for k, vs := range f {
		out[k] = slices.Clone(vs)
	}
	return out
}

// narrowField returns the time field a sort starts with when it is sorted newest first: the
// sorts a window of recent times can answer.
func narrowField(sorts []Sort, relevance bool) (string, bool) {
	if relevance {
		return "", false
	}
	if len(sorts) == 0 {
		return FieldUpdatedAt, true // the default order
	}
	if isTimeField(sorts[0].Field) && sorts[0].Desc {
		return sorts[0].Field, true
	}
	return "", false
}

// cursorTime reads the time a cursor's first sort key holds (a descending time key: "1" and
// the sortable nanoseconds; "0" for an absent time, which no window holds).
func cursorTime(after []string) (time.Time, bool) {
	if len(after) == 0 {
		return time.Time{}, false
	}
	key, ok := strings.CutPrefix(after[0], "1")
	if !ok {
		return time.Time{}, false
	}
	u, err := strconv.ParseUint(key, 16, 64)
	if err != nil || len(key) != 16 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(u^(1<<63))).UTC(), true
}

// narrowedHits finds the first want hits of req (sorted by field, newest first; after the
// cursor if any) inside a window of recent times that widens until it holds them. ok is false
// when the window would have to reach back past any time the index holds, or the cursor stands
// at a case without that time: then only the full query can answer.
func (b *BleveIndex) narrowedHits(ctx context.Context, terms []string, q Query, field string, want int, after []string,
	request func(q Query) *bleve.SearchRequest) (hits bsearch.DocumentMatchCollection, ok bool, err error) {
	var upper time.Time // the cursor's time: no later match follows the cursor
	if after != nil {
		if upper, ok = cursorTime(after); !ok {
			return nil, false, nil
		}
	}
	anchor := upper
	if anchor.IsZero() {
		anchor = time.Now()
	}
	shape := aggregateKey(terms, q, nil) + "|" + field
	w := b.cache.window(shape)
	for {
		from := anchor.Add(-w)
		if w > maxWindow || from.Before(bleveMinTime) {
			return nil, false, nil
		}
		nq := q
		r := TimeRange{Field: field, From: from}
		if !upper.IsZero() {
			r.To = upper.Add(time.Nanosecond) // inclusive: cases tied with the cursor follow it by ID
		}
		nq.Ranges = append(slices.Clone(q.Ranges), r)
		res, err := b.idx.SearchInContext(ctx, request(nq))
		if err != nil {
			return nil, false, err
		}
		if len(res.Hits) >= want {
			switch {
			case int(res.Total) > 16*want && w > firstWindow/widenBy:
				b.cache.setWindow(shape, w/widenBy) // far more than a page: start smaller next time
			default:
				b.cache.setWindow(shape, w)
			}
			return res.Hits, true, nil
		}
		w *= widenBy
	}
}

// byNumberSort tells whether a sort starts with a number field sorted highest first (the
// escalated view's level, the priority sort's rank): such a list is sorted on the kept sort
// keys (bleve_sortcols.go).
func byNumberSort(sorts []Sort) bool {
	return len(sorts) > 0 && isIntRangeField(sorts[0].Field) && sorts[0].Desc
}
