package search

import "github.com/blevesearch/bleve/v2"

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
