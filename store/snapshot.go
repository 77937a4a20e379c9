package store

import (
	"context"
	"sync"
	"time"
)

// snapshotTTL is how long a replica may go on using a copy of the rules, SLA policies or
// categories after another replica changed them.
const snapshotTTL = 2 * time.Second

// snapshot keeps a copy of a small, rarely changed collection (rules, SLA policies,
// categories): every complaint reads them, and they change a few times a day. A write through
// this process drops the copy at once, so in one process a change shows immediately; another
// replica's change shows within snapshotTTL. The age is wall-clock time on purpose: it bounds
// staleness between processes and never decides anything a test observes.
type snapshot[T any] struct {
	mu      sync.Mutex
	val     []T
	loaded  time.Time
	valid   bool
	gen     uint64        // bumped by drop, so a load that raced a write is not kept
	loading chan struct{} // closed when the load under way ends; nil when none is
}

// get returns a copy of the cached list, loading it when it is missing or old. One caller
// loads; the others that arrive meanwhile wait for its result instead of all reading the
// collection at once.
func (c *snapshot[T]) get(ctx context.Context, load func(context.Context) ([]T, error)) ([]T, error) {
	for {
		c.mu.Lock()
		if c.valid && time.Since(c.loaded) < snapshotTTL {
			out := append([]T(nil), c.val...)
			c.mu.Unlock()
			return out, nil
		}
		if wait := c.loading; wait != nil {
			c.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		gen := c.gen
		done := make(chan struct{})
		c.loading = done
		c.mu.Unlock()

		val, err := load(ctx)
		c.mu.Lock()
		c.loading = nil
		if err == nil && c.gen == gen {
			c.val, c.loaded, c.valid = append([]T(nil), val...), time.Now(), true
		}
		c.mu.Unlock()
		close(done)
		if err != nil {
			return nil, err
		}
		return val, nil
	}
}

// drop forgets the copy; call it after a write has completed.
func (c *snapshot[T]) drop() {
	c.mu.Lock()
	c.gen++
	c.valid = false
	c.val = nil
	c.mu.Unlock()
}
