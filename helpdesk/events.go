package helpdesk

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/store"
)

// Event types sent to open inboxes and case pages.
const (
	EventCaseCreated = "case.created"
	EventCaseUpdated = "case.updated"
	EventPresence    = "case.presence"
	// EventNotification tells open apps to reload their notifications.
	EventNotification = "notification.created"
)

// eventLookback is how far back each poll looks again: ObjectIDs from different replicas are
// ordered only to the second, so an event written by another replica in the same second may
// sort before one already seen. Events seen before are skipped by ID.
const eventLookback = 3 * time.Second

// Events is the live-update bus. A change is written to the events collection (so every
// replica sees it) and each replica's poller fans new events out to its own subscribers.
type Events struct {
	store  *store.Store
	logger *slog.Logger
	now    Clock

	mu     sync.Mutex
	subs   map[chan store.Event]struct{}
	kick   chan struct{}
	seen   map[bson.ObjectID]time.Time
	cursor time.Time
}

// NewEvents wires the bus; it delivers events written after it started.
func NewEvents(st *store.Store, logger *slog.Logger, now Clock) *Events {
	return &Events{store: st, logger: logger, now: now, subs: map[chan store.Event]struct{}{},
		kick: make(chan struct{}, 1), seen: map[bson.ObjectID]time.Time{}, cursor: now()}
}

// Publish records a change. Failures are logged: a missed live update is repaired by the next
// refresh, and must never fail the write that caused it.
func (b *Events) Publish(ctx context.Context, typ, caseID string, data bson.M) {
	e := &store.Event{Type: typ, CaseID: caseID, Data: data, At: b.now()}
	if err := b.store.InsertEvent(ctx, e); err != nil {
		b.logger.Warn("publish event", "type", typ, "case", caseID, "err", err)
		return
	}
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// Subscribe returns a channel of events and a function to stop. Slow subscribers lose events
// rather than block others (the browser reloads the list on reconnect anyway).
func (b *Events) Subscribe() (<-chan store.Event, func()) {
	ch := make(chan store.Event, 64)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		if _, ok := b.subs[ch]; ok {
			delete(b.subs, ch)
			close(ch)
		}
		b.mu.Unlock()
	}
}

// Poll fetches events written since the last poll and delivers them; it returns how many.
func (b *Events) Poll(ctx context.Context) (int, error) {
	from := bson.NewObjectIDFromTimestamp(b.cursor.Add(-eventLookback))
	events, err := b.store.EventsAfter(ctx, from, 1000)
	if err != nil {
		return 0, err
	}
	delivered := 0
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range events {
		if _, dup := b.seen[e.ID]; dup {
			continue
		}
		b.seen[e.ID] = e.ID.Timestamp()
		if ts := e.ID.Timestamp(); ts.After(b.cursor) {
			b.cursor = ts
		}
		for ch := range b.subs {
			select {
			case ch <- e:
			default:
			}
		}
		delivered++
	}
	for id, ts := range b.seen {
		if ts.Before(b.cursor.Add(-2 * eventLookback)) {
			delete(b.seen, id)
		}
	}
	return delivered, nil
}

// Run polls every interval (and at once after a local Publish) until ctx ends, and deletes
// events older than a minute now and then.
func (b *Events) Run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	lastCleanup := b.now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-b.kick:
		}
		if _, err := b.Poll(ctx); err != nil && ctx.Err() == nil {
			b.logger.Warn("poll events", "err", err)
		}
		if now := b.now(); now.Sub(lastCleanup) > time.Minute {
			lastCleanup = now
			if err := b.store.DeleteEventsBefore(ctx, now.Add(-time.Minute)); err != nil && ctx.Err() == nil {
				b.logger.Warn("delete old events", "err", err)
			}
		}
	}
}
