package demo

import (
	"context"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/search"
)

// DeferredIndex is the search index as the demo's use cases see it: what they write is held
// (the newest version of each document) and handed to the index in one batch when anyone
// next reads it, or at Flush. Every read thus sees every write before it, as with the index
// itself, while the thousands of case writes of a demo become a few hundred index batches:
// Bleve makes a segment of each batch and merging them back was most of the demo's work.
type DeferredIndex struct {
	search.Index // methods not listed below (Ping) go straight to it
	mu           sync.Mutex
	pending      map[string]search.CaseDoc
}

// DeferIndex wraps ix.
func DeferIndex(ix search.Index) *DeferredIndex {
	return &DeferredIndex{Index: ix, pending: map[string]search.CaseDoc{}}
}

// deferredBatch is the most documents handed to the index at once.
const deferredBatch = 1000

// Upsert holds the documents until the next read or Flush.
func (d *DeferredIndex) Upsert(_ context.Context, docs ...search.CaseDoc) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, doc := range docs {
		if held, ok := d.pending[doc.ID]; !ok || doc.Version >= held.Version {
			d.pending[doc.ID] = doc
		}
	}
	return nil
}

// hand gives the index what is held. The lock is kept while the index takes it, so a reader
// never runs before the writes it follows are searchable.
func (d *DeferredIndex) hand(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.pending) == 0 {
		return nil
	}
	docs := make([]search.CaseDoc, 0, len(d.pending))
	for _, doc := range d.pending {
		docs = append(docs, doc)
	}
	for start := 0; start < len(docs); start += deferredBatch {
		if err := d.Index.Upsert(ctx, docs[start:min(start+deferredBatch, len(docs))]...); err != nil {
			return err
		}
	}
	clear(d.pending)
	return nil
}

// Flush hands the index what is held, then flushes it.
func (d *DeferredIndex) Flush(ctx context.Context) error {
	if err := d.hand(ctx); err != nil {
		return err
	}
	return d.Index.Flush(ctx)
}

// Delete hands the index what is held first, so the delete is not undone by an older write.
func (d *DeferredIndex) Delete(ctx context.Context, ids ...string) error {
	if err := d.hand(ctx); err != nil {
		return err
	}
	return d.Index.Delete(ctx, ids...)
}

func (d *DeferredIndex) Search(ctx context.Context, q search.Query) (search.Result, error) {
	if err := d.hand(ctx); err != nil {
		return search.Result{}, err
	}
	return d.Index.Search(ctx, q)
}

func (d *DeferredIndex) Similar(ctx context.Context, id string, q search.Query) (search.Result, error) {
	if err := d.hand(ctx); err != nil {
		return search.Result{}, err
	}
	return d.Index.Similar(ctx, id, q)
}

func (d *DeferredIndex) Count(ctx context.Context, q search.Query) (int, error) {
	if err := d.hand(ctx); err != nil {
		return 0, err
	}
	return d.Index.Count(ctx, q)
}

func (d *DeferredIndex) CountSince(ctx context.Context, q search.Query, field string, since []time.Time) ([]int, error) {
	if err := d.hand(ctx); err != nil {
		return nil, err
	}
	return d.Index.CountSince(ctx, q, field, since)
}

func (d *DeferredIndex) Versions(ctx context.Context, ids []string) (map[string]int64, error) {
	if err := d.hand(ctx); err != nil {
		return nil, err
	}
	return d.Index.Versions(ctx, ids)
}

func (d *DeferredIndex) DocCount(ctx context.Context) (int, error) {
	if err := d.hand(ctx); err != nil {
		return 0, err
	}
	return d.Index.DocCount(ctx)
}

func (d *DeferredIndex) ReportRows(ctx context.Context, q search.Query) (*search.ReportRowSet, error) {
	if err := d.hand(ctx); err != nil {
		return nil, err
	}
	return d.Index.ReportRows(ctx, q)
}

// Close leaves the index open: its owner closes it.
func (d *DeferredIndex) Close() error { return nil }
