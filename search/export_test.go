package search

import (
	"context"

	"github.com/blevesearch/bleve/v2"
)

// NarrowAlways makes b narrow every list sorted newest first, however few its matches, so the
// conformance suite's small fixtures take the path that 100,000 cases take.
func NarrowAlways(b *BleveIndex) { b.narrowAbove = 0 }

// RawMatchForBench runs a plain Bleve match query (any word, body, first 50 hits) on b's
// index: the floor beside the ranked search benchmark.
func RawMatchForBench(b *BleveIndex, text string) (int, error) {
	mq := bleve.NewMatchQuery(text)
	mq.SetField(fieldBody)
	res, err := b.idx.Search(bleve.NewSearchRequestOptions(mq, 50, 0, false))
	if err != nil {
		return 0, err
	}
	return len(res.Hits), nil
}

// ColumnSortedIDs orders q's page (after q.Cursor) on the sort keys kept per segment alone, as
// a list sorted by a number is ordered; ok is false when they could not order it.
func ColumnSortedIDs(b *BleveIndex, q Query) (ids []string, ok bool, err error) {
	order, spec := bleveSortOrder(q.Sort, false)
	var after []string
	if q.Cursor != "" {
		if after, err = decodeBleveCursor(q.Cursor, spec, order); err != nil {
			return nil, false, err
		}
	}
	hits, ok, err := b.columnSortedHits(context.Background(), b.queryTerms(q), q, order, after, q.Limit, []string{bleveFieldSource})
	for _, h := range hits {
		ids = append(ids, h.ID)
	}
	return ids, ok, err
}
