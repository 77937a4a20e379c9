package search

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bsearch "github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// A list sorted by a number, highest first (the escalated view: level, then due time, then
// ID), cannot be narrowed to a window of recent times, and its sort ties on the number for
// thousands of matches. Bleve's own sort reads every match's sort keys from their doc values,
// which are compressed in chunks of 1,024 documents per field: a few thousand matches spread
// over the index decompress most chunks of three fields on every list. The keys are the same
// every time (a segment never changes), so they are kept decoded per segment, as the report
// rows are, and such a list walks its matches and compares the kept keys: the sort costs the
// filter query and a few byte comparisons per match. The order is Bleve's exactly (the same
// keys compared as the same bytes, after the cursor as SearchAfter is); a match without
// exactly one key of a field (which Kaiku's documents never are) leaves the list to Bleve.

// sortColumnCache keeps sort key columns per segment and field.
type sortColumnCache struct {
	mu   sync.Mutex // guards segs; held while a segment is decoded, so it is decoded once
	segs map[uint64]map[string]*sortColumn
}

// sortColumn is one field's sort key of every document of a segment, by local number.
type sortColumn struct {
	keys []byte
	ends []uint32 // document i's key is keys[ends[i]:ends[i+1]]
	odd  map[uint32]bool
}

func (c *sortColumn) key(local uint32) []byte { return c.keys[c.ends[local]:c.ends[local+1]] }

func newSortColumnCache() *sortColumnCache {
	return &sortColumnCache{segs: map[uint64]map[string]*sortColumn{}}
}

// columnsOf returns, for every segment of snap in its order, the columns of fields, decoding
// those not seen before and forgetting the segments no longer in the index.
func (c *sortColumnCache) columnsOf(snap *scorch.IndexSnapshot, fields []string) ([][]*sortColumn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	segs := snap.Segments()
	out := make([][]*sortColumn, len(segs))
	live := make(map[uint64]bool, len(segs))
	for i, ss := range segs {
		live[ss.Id()] = true
		cols := c.segs[ss.Id()]
		if cols == nil {
			cols = map[string]*sortColumn{}
			c.segs[ss.Id()] = cols
		}
		var missing []string
		for _, f := range fields {
			if cols[f] == nil && !slices.Contains(missing, f) {
				missing = append(missing, f)
			}
		}
		if len(missing) > 0 {
			decoded, err := decodeSortColumns(ss.Segment(), missing)
			if err != nil {
				return nil, err
			}
			for k, f := range missing {
				cols[f] = decoded[k]
			}
		}
		out[i] = make([]*sortColumn, len(fields))
		for k, f := range fields {
			out[i][k] = cols[f]
		}
	}
	// A list on an older snapshot may still be running: it holds its own columns.
	for id := range c.segs {
		if !live[id] {
			delete(c.segs, id)
		}
	}
	return out, nil
}

// decodeSortColumns reads fields' doc values of every document of seg.
func decodeSortColumns(seg segment.Segment, fields []string) ([]*sortColumn, error) {
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, fmt.Errorf("search: bleve sort keys: a segment without doc values (%T)", seg)
	}
	n := seg.Count()
	cols := make([]*sortColumn, len(fields))
	for k := range cols {
		cols[k] = &sortColumn{ends: make([]uint32, 1, n+1), odd: map[uint32]bool{}}
	}
	seen := make([]int, len(fields))
	var state segment.DocVisitState
	for num := range n {
		clear(seen)
		var err error
		state, err = dv.VisitDocValues(num, fields, func(field string, term []byte) {
			for k, f := range fields {
				if f == field {
					if seen[k] == 0 {
						cols[k].keys = append(cols[k].keys, term...)
					}
					seen[k]++
					return
				}
			}
		}, state)
		if err != nil {
			return nil, fmt.Errorf("search: bleve sort keys: %w", err)
		}
		for k, col := range cols {
			if seen[k] != 1 {
				col.odd[uint32(num)] = true
			}
			col.ends = append(col.ends, uint32(len(col.keys)))
		}
	}
	return cols, nil
}

// columnSort is a sort order as column fields and directions; false when some key is not a
// plain string sort key (a score).
func columnSort(order bsearch.SortOrder) (fields []string, desc []bool, ok bool) {
	for _, o := range order {
		sf, isField := o.(*bsearch.SortField)
		if !isField || sf.Type != bsearch.SortFieldAsString {
			return nil, nil, false
		}
		fields, desc = append(fields, sf.Field), append(desc, sf.Desc)
	}
	return fields, desc, true
}

// columnSortedHits returns the first want matches of terms and q in order (after the cursor
// after, if any), with the stored fields named by load, compared on the kept sort keys. ok is
// false when the order or a match's keys leave it to Bleve's own sort.
func (b *BleveIndex) columnSortedHits(ctx context.Context, terms []string, q Query, order bsearch.SortOrder, after []string, want int,
	load []string) (hits bsearch.DocumentMatchCollection, ok bool, err error) {
	fields, desc, ok := columnSort(order)
	if !ok || (after != nil && len(after) != len(fields)) {
		return nil, false, nil
	}
	adv, err := b.idx.Advanced()
	if err != nil {
		return nil, false, err
	}
	reader, err := adv.Reader()
	if err != nil {
		return nil, false, err
	}
	defer func() { _ = reader.Close() }()
	snap, isSnap := reader.(*scorch.IndexSnapshot)
	if !isSnap {
		return nil, false, nil
	}
	cols, err := b.sortCols.columnsOf(snap, fields)
	if err != nil {
		return nil, false, err
	}
	// A document's number in the snapshot is its segment's offset plus its local number.
	offsets := make([]uint64, len(cols)+1)
	for i, ss := range snap.Segments() {
		offsets[i+1] = offsets[i] + ss.Segment().Count()
	}

	type pick struct {
		seg   int
		local uint32
		num   uint64
	}
	// compare orders two documents as the sort does.
	compare := func(a, c pick) int {
		for k := range fields {
			r := bytes.Compare(cols[a.seg][k].key(a.local), cols[c.seg][k].key(c.local))
			if desc[k] {
				r = -r
			}
			if r != 0 {
				return r
			}
		}
		return 0
	}
	// follows tells whether a document comes after the cursor.
	follows := func(a pick) bool {
		for k := range fields {
			r := bytes.Compare(cols[a.seg][k].key(a.local), []byte(after[k]))
			if desc[k] {
				r = -r
			}
			if r != 0 {
				return r > 0
			}
		}
		return false
	}

	searcher, err := b.buildQuery(terms, q).Searcher(ctx, snap, b.idx.Mapping(), bsearch.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, false, err
	}
	defer func() { _ = searcher.Close() }()
	sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(searcher.DocumentMatchPoolSize(), 0)}
	best := make([]pick, 0, want+1) // in order, best first
	seg := 0
	for i := 0; ; i++ {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		dm, err := searcher.Next(sctx)
		if err != nil {
			return nil, false, err
		}
		if dm == nil {
			break
		}
		num := dm.IndexInternalID.Value()
		sctx.DocumentMatchPool.Put(dm)
		if seg >= len(cols) || num < offsets[seg] || num >= offsets[seg+1] {
			seg = segmentOf(offsets, num)
		}
		p := pick{seg: seg, local: uint32(num - offsets[seg]), num: num}
		for k := range fields {
			if cols[seg][k].odd[p.local] {
				return nil, false, nil
			}
		}
		if after != nil && !follows(p) {
			continue
		}
		if len(best) == want && compare(p, best[want-1]) >= 0 {
			continue
		}
		at := sort.Search(len(best), func(j int) bool { return compare(p, best[j]) < 0 })
		best = append(best, pick{})
		copy(best[at+1:], best[at:])
		best[at] = p
		if len(best) > want {
			best = best[:want]
		}
	}

	req := &bleve.SearchRequest{Fields: load}
	hits = make(bsearch.DocumentMatchCollection, 0, len(best))
	for _, p := range best {
		h := &bsearch.DocumentMatch{IndexInternalID: index.NewIndexInternalID(nil, p.num)}
		if h.ID, err = snap.ExternalID(h.IndexInternalID); err != nil {
			return nil, false, err
		}
		for k := range fields {
			h.Sort = append(h.Sort, string(cols[p.seg][k].key(p.local)))
		}
		h.DecodedSort = h.Sort
		if err, _ := bleve.LoadAndHighlightFields(h, req, "", snap, nil); err != nil {
			return nil, false, err
		}
		hits = append(hits, h)
	}
	return hits, true, nil
}
