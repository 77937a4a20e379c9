package store

import (
	"context"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// sessionCacheLimit bounds the sessions kept in memory; past it the cache starts over (one
// entry per logged-in browser, so a real installation stays far below it).
const sessionCacheLimit = 10000

// sessionCache keeps recently read staff sessions, because every staff request resolves its
// cookie to a session: without it each inbox refresh costs a database round trip before any
// work is done. Like snapshot, a write through this process drops what it changes at once,
// and an entry is trusted for at most snapshotTTL, which bounds how long another replica may
// go on accepting a session ended elsewhere.
type sessionCache struct {
	mu      sync.Mutex
	entries map[string]sessionEntry
	gen     uint64 // bumped by every drop, so a read that raced a write is not kept
}

type sessionEntry struct {
	sess   models.Session
	loaded time.Time
}

// get returns the session with the given id, from memory when it was read less than
// snapshotTTL ago.
func (c *sessionCache) get(ctx context.Context, id string, load func(context.Context, string) (*models.Session, error)) (*models.Session, error) {
	c.mu.Lock()
	if e, ok := c.entries[id]; ok && time.Since(e.loaded) < snapshotTTL {
		c.mu.Unlock()
		sess := e.sess
		return &sess, nil
	}
	gen := c.gen
	c.mu.Unlock()

	sess, err := load(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if c.entries == nil || len(c.entries) >= sessionCacheLimit {
			c.entries = make(map[string]sessionEntry)
		}
		c.entries[id] = sessionEntry{sess: *sess, loaded: time.Now()}
	}
	c.mu.Unlock()
	return sess, nil
}

// drop forgets one session; call it after a write to it has completed.
func (c *sessionCache) drop(id string) {
	c.mu.Lock()
	c.gen++
	delete(c.entries, id)
	c.mu.Unlock()
}

// dropAll forgets every session; for writes that end sessions by a filter.
func (c *sessionCache) dropAll() {
	c.mu.Lock()
	c.gen++
	c.entries = nil
	c.mu.Unlock()
}
