package search

import (
	"context"
	"fmt"
	"sync"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bsearch "github.com/blevesearch/bleve/v2/search"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// reportRowCache keeps the report rows of each index segment decoded. A segment never
// changes once written (new documents go to new segments, deletions to a bitmap beside it,
// merges make new segments), so its rows are decoded once, from the row field's doc values,
// and dropped once the segment has left the index. A report then costs the filter query and
// one copy of a small fixed-size row per match: decoding 100k rows' strings for every report
// was what made the reports page slow.
type reportRowCache struct {
	mu   sync.Mutex // guards segs; held while a segment is decoded, so it is decoded once
	segs map[uint64]*segmentRows
	dict *valueDict
}

// segmentRows are one segment's rows by local document number.
type segmentRows struct {
	rows []ReportRow
	ok   []bool // false: the document has no (readable) row
}

func newReportRowCache() *reportRowCache {
	return &reportRowCache{segs: map[uint64]*segmentRows{}, dict: newValueDict()}
}

// rowsOf returns the decoded rows of every segment of snap, in snap's order, decoding the
// segments not seen before and forgetting those no longer in it.
func (c *reportRowCache) rowsOf(snap *scorch.IndexSnapshot) ([]*segmentRows, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	segs := snap.Segments()
	out := make([]*segmentRows, len(segs))
	live := make(map[uint64]bool, len(segs))
	for i, ss := range segs {
		live[ss.Id()] = true
		sr := c.segs[ss.Id()]
		if sr == nil {
			var err error
			if sr, err = c.decode(ss.Segment()); err != nil {
				return nil, err
			}
			c.segs[ss.Id()] = sr
		}
		out[i] = sr
	}
	// A report on an older snapshot may still be running: it holds its own list.
	for id := range c.segs {
		if !live[id] {
			delete(c.segs, id)
		}
	}
	return out, nil
}

// decode reads the row of every document of seg from its doc values.
func (c *reportRowCache) decode(seg segment.Segment) (*segmentRows, error) {
	n := seg.Count()
	sr := &segmentRows{rows: make([]ReportRow, n), ok: make([]bool, n)}
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, fmt.Errorf("search: bleve report rows: a segment without doc values (%T)", seg)
	}
	c.dict.mu.Lock()
	defer c.dict.mu.Unlock()
	fields := []string{fieldReportRow}
	var state segment.DocVisitState
	var decodeErr error
	for num := range n {
		var err error
		state, err = dv.VisitDocValues(num, fields, func(_ string, term []byte) {
			if e := decodeRowInto(term, c.dict, &sr.rows[num]); e != nil {
				decodeErr = e
				return
			}
			sr.ok[num] = true
		}, state)
		if err != nil {
			return nil, fmt.Errorf("search: bleve report rows: %w", err)
		}
		if decodeErr != nil {
			return nil, decodeErr
		}
	}
	return sr, nil
}

// ReportRows runs the filter query and copies each match's row from the segment cache.
func (b *BleveIndex) ReportRows(ctx context.Context, q Query) (*ReportRowSet, error) {
	if err := checkFilterQuery(q); err != nil {
		return nil, err
	}
	adv, err := b.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("search: bleve report rows: %w", err)
	}
	reader, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("search: bleve report rows: %w", err)
	}
	defer func() { _ = reader.Close() }()
	snap, ok := reader.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("search: bleve report rows: an index reader of type %T", reader)
	}
	segs, err := b.rows.rowsOf(snap)
	if err != nil {
		return nil, err
	}
	// A document's number in the snapshot is its segment's offset (the documents of the
	// segments before it, deleted ones included) plus its number in the segment.
	offsets := make([]uint64, len(segs)+1)
	for i, ss := range snap.Segments() {
		offsets[i+1] = offsets[i] + ss.Segment().Count()
	}

	bq := b.buildQuery(nil, Query{Filters: q.Filters, Ranges: q.Ranges, IntRanges: q.IntRanges})
	searcher, err := bq.Searcher(ctx, reader, b.idx.Mapping(), bsearch.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, fmt.Errorf("search: bleve report rows: %w", err)
	}
	defer func() { _ = searcher.Close() }()
	sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(searcher.DocumentMatchPoolSize(), 0)}
	out := &ReportRowSet{Rows: make([]ReportRow, 0, searcher.Count())}
	seg := 0
	for i := 0; ; i++ {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		dm, err := searcher.Next(sctx)
		if err != nil {
			return nil, fmt.Errorf("search: bleve report rows: %w", err)
		}
		if dm == nil {
			break
		}
		num := dm.IndexInternalID.Value()
		if seg >= len(segs) || num < offsets[seg] || num >= offsets[seg+1] {
			seg = segmentOf(offsets, num)
		}
		if local := num - offsets[seg]; segs[seg].ok[local] {
			out.Rows = append(out.Rows, segs[seg].rows[local])
		}
		sctx.DocumentMatchPool.Put(dm)
	}
	out.Values = b.rows.dict.snapshot()
	return out, nil
}

// segmentOf is the segment holding document num: the last whose offset is at most num.
func segmentOf(offsets []uint64, num uint64) int {
	lo, hi := 0, len(offsets)-2
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if offsets[mid] <= num {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}
