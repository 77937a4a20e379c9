package search

import (
	"context"
	"fmt"
	"strings"
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

// ReportRows copies each match's row from the segment cache. A query on the row's own fields
// (keyword filters, a created_at range: every report's) is answered from the rows alone;
// any other runs on the index.
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

	values := b.rows.dict.snapshot() // every value of these segments' rows is numbered
	if f, ok := newRowFilter(q, values); ok {
		return b.filterRows(ctx, snap, segs, f, values)
	}
	return b.searchRows(ctx, snap, q, segs, offsets, values)
}

// filterRows keeps the rows of the live documents that f accepts: the whole query answered
// from the cached rows, without running it on the index.
func (b *BleveIndex) filterRows(ctx context.Context, snap *scorch.IndexSnapshot, segs []*segmentRows, f *rowFilter, values []string) (*ReportRowSet, error) {
	// Two passes, counting first: one allocation of the right size (a report's rows are
	// megabytes; growing the slice copied them over and over).
	pass := func(keep func(r *ReportRow)) error {
		for i, ss := range snap.Segments() {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			sr, deleted := segs[i], ss.Deleted()
			for local := range sr.rows {
				if !sr.ok[local] || !f.accepts(&sr.rows[local]) {
					continue
				}
				if deleted != nil && deleted.Contains(uint32(local)) {
					continue
				}
				keep(&sr.rows[local])
			}
		}
		return nil
	}
	n := 0
	if err := pass(func(*ReportRow) { n++ }); err != nil {
		return nil, err
	}
	out := &ReportRowSet{Values: values, Rows: make([]ReportRow, 0, n)}
	if err := pass(func(r *ReportRow) { out.Rows = append(out.Rows, *r) }); err != nil {
		return nil, err
	}
	return out, nil
}

// searchRows runs q on the index and copies each match's row from the segment cache.
func (b *BleveIndex) searchRows(ctx context.Context, snap *scorch.IndexSnapshot, q Query, segs []*segmentRows, offsets []uint64, values []string) (*ReportRowSet, error) {
	bq := b.buildQuery(nil, Query{Filters: q.Filters, Ranges: q.Ranges, IntRanges: q.IntRanges})
	searcher, err := bq.Searcher(ctx, snap, b.idx.Mapping(), bsearch.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, fmt.Errorf("search: bleve report rows: %w", err)
	}
	defer func() { _ = searcher.Close() }()
	sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(searcher.DocumentMatchPoolSize(), 0)}
	out := &ReportRowSet{Values: values}
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
	return out, nil
}

// rowKeyOfField is the row key of each keyword field a report row holds.
var rowKeyOfField = map[string]ReportKey{
	FieldStatus: KeyStatus, FieldPriority: KeyPriority, FieldChannel: KeyChannel, FieldCategory: KeyCategory,
	FieldTouchpoint: KeyTouchpoint, FieldExpectedOutcome: KeyExpectedOutcome, FieldAssigneeID: KeyAssigneeID,
	FieldTeamID: KeyTeamID, FieldReviewSource: KeyReviewSource, FieldReviewRating: KeyReviewRating,
	FieldReviewReply: KeyReviewReply, FieldFollowUpState: KeyFollowUpState, FieldSLAOutcome: KeySLAOutcome,
	FieldFollowUpOutcome: KeyFollowUpOutcome, FieldOptionGranted: KeyOptionGranted, FieldOutcomeGap: KeyOutcomeGap,
}

// rowFilter is a query as a test of report rows, matching exactly what the index query
// matches: a keyword filter compares values as they are indexed ("" as emptyValue), a range
// of created_at keeps only documents that have one, between the clamped bounds.
type rowFilter struct {
	keys    []rowKeyTest
	ranged  bool
	from    int64
	to      int64
	hasFrom bool
	hasTo   bool
}

type rowKeyTest struct {
	key    ReportKey
	allow  []bool // by value number: the value is one of the filter's
	negate bool
}

// newRowFilter is q as a rowFilter, or false when q asks what rows cannot tell (another
// field, a number range, a value the row encoding changes).
func newRowFilter(q Query, values []string) (*rowFilter, bool) {
	f := &rowFilter{}
	if len(q.IntRanges) > 0 {
		return nil, false
	}
	for _, flt := range q.Filters {
		key, ok := rowKeyOfField[flt.Field]
		if !ok {
			return nil, false
		}
		want := map[string]bool{}
		for _, v := range flt.Values {
			if strings.Contains(v, reportRowSep) {
				return nil, false
			}
			want[indexedKeyword(v)] = true
		}
		t := rowKeyTest{key: key, allow: make([]bool, len(values)), negate: flt.Negate}
		for n, v := range values {
			t.allow[n] = want[indexedKeyword(v)]
		}
		f.keys = append(f.keys, t)
	}
	for _, r := range q.Ranges {
		if r.Field != FieldCreatedAt || f.ranged {
			return nil, false
		}
		f.ranged = true
		if !r.From.IsZero() {
			f.from, f.hasFrom = clampTime(r.From).UnixNano(), true
		}
		if !r.To.IsZero() {
			f.to, f.hasTo = clampTime(r.To).UnixNano(), true
		}
	}
	return f, true
}

func (f *rowFilter) accepts(r *ReportRow) bool {
	if f.ranged && (r.CreatedAt == 0 || (f.hasFrom && r.CreatedAt < f.from) || (f.hasTo && r.CreatedAt >= f.to)) {
		return false
	}
	for i := range f.keys {
		t := &f.keys[i]
		if t.allow[r.Keys[t.key]] == t.negate {
			return false
		}
	}
	return true
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
