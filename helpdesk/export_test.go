package helpdesk

import "context"

// SkipDeletedEvents exposes the lagging-reader repair to tests.
func SkipDeletedEvents(ctx context.Context, b *Events) error { return b.skipDeleted(ctx) }
