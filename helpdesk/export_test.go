package helpdesk

import (
	"context"
	"time"

	"github.com/kaiku-helpdesk/kaiku/store"
)

// SkipDeletedEvents exposes the lagging-reader repair to tests.
func SkipDeletedEvents(ctx context.Context, b *Events) error { return b.skipDeleted(ctx) }

// NewReferenceTaker returns the reference allocator a process has, for tests of bursts and
// restarts.
func NewReferenceTaker(st *store.Store) func(ctx context.Context, now time.Time) (int64, error) {
	r := &referenceBlocks{store: st}
	return func(ctx context.Context, now time.Time) (int64, error) { return r.take(ctx, now.Year(), now) }
}
