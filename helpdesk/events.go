package helpdesk

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/batch"
	"github.com/kaiku-helpdesk/kaiku/models"
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

const (
	// eventRetention is how long pages stay readable: a replica that falls further behind
	// skips to the newest pages (its browsers reload on the next change anyway).
	eventRetention = time.Minute
	// sourceRefresh is how often a process re-lists the sources and says it is alive.
	sourceRefresh = 5 * time.Second
	// maxPagesPerPoll bounds one poll's reading of one source.
	maxPagesPerPoll = 1000
)

// eventStore is what Events needs of the store: event pages and the sources that write them.
type eventStore interface {
	DeleteEventsBefore(ctx context.Context, t time.Time) error
	EventPage(ctx context.Context, source string, n int64) (*store.EventPage, error)
	EventPageWriter(max int, flush func(ctx context.Context, events []models.Event) []error) *batch.GroupCommit[models.Event]
	EventSources(ctx context.Context) ([]store.EventSource, error)
	InsertEventPage(ctx context.Context, p *store.EventPage) error
	TouchEventSource(ctx context.Context, src store.EventSource) error
}

// Events is the live-update bus. This process writes the events of concurrent writers as one
// page (see store.EventPage) and hands them to its own subscribers once stored; a poller reads
// the pages other processes write, by _id, and hands those on too.
type Events struct {
	store  eventStore
	logger *slog.Logger
	now    Clock
	source string
	start  time.Time

	writes   *batch.GroupCommit[models.Event]
	pageMu   sync.Mutex // the page counter; pages are written one at a time
	lastPage int64

	mu     sync.Mutex
	subs   map[chan models.Event]struct{}
	closed bool // EndSubscriptions ran: the server is shutting down

	pollMu      sync.Mutex // one poll at a time; guards the fields below
	cursors     map[string]int64
	lastSources time.Time
}

// NewEvents wires the bus; it delivers events written after it started.
func NewEvents(st eventStore, logger *slog.Logger, now Clock) *Events {
	b := &Events{store: st, logger: logger, now: now, source: randomToken()[:16], start: now(),
		subs: map[chan models.Event]struct{}{}, cursors: map[string]int64{}}
	b.writes = st.EventPageWriter(500, b.writePage)
	return b
}

// Publish records a change. Failures are logged: a missed live update is repaired by the next
// refresh, and must never fail the write that caused it.
func (b *Events) Publish(ctx context.Context, typ, caseID string, data bson.M) {
	e := models.Event{Type: typ, CaseID: caseID, Data: data, At: b.now()}
	if err := b.writes.Do(ctx, e); err != nil {
		b.logger.Warn("publish event", "type", typ, "case", caseID, "err", err)
	}
}

// PublishAll records changes that belong together (a case and the notification telling of
// it) in one page, as Publish would each.
func (b *Events) PublishAll(ctx context.Context, events ...models.Event) {
	at := b.now()
	for i := range events {
		events[i].At = at
	}
	for i, err := range b.writes.DoMany(ctx, events) {
		if err != nil {
			b.logger.Warn("publish event", "type", events[i].Type, "case", events[i].CaseID, "err", err)
		}
	}
}

// writePage stores one page of events and delivers them to this process's subscribers.
func (b *Events) writePage(ctx context.Context, events []models.Event) []error {
	b.pageMu.Lock()
	defer b.pageMu.Unlock()
	page := &store.EventPage{Source: b.source, Page: b.lastPage + 1, At: b.now(), Events: events}
	if err := b.store.InsertEventPage(ctx, page); err != nil {
		return batch.AllFailed(len(events), err) // the number is used again: readers never see a gap
	}
	b.lastPage = page.Page
	b.deliver(page.Events)
	return nil
}

// deliver hands events to every subscriber without blocking on slow ones.
func (b *Events) deliver(events []models.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range events {
		for ch := range b.subs {
			select {
			case ch <- e:
			default:
			}
		}
	}
}

// Subscribe returns a channel of events and a function to stop. Slow subscribers lose events
// rather than block others (the browser reloads the list on reconnect anyway).
func (b *Events) Subscribe() (<-chan models.Event, func()) {
	ch := make(chan models.Event, 64)
	b.mu.Lock()
	if b.closed {
		close(ch)
	} else {
		b.subs[ch] = struct{}{}
	}
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

// EndSubscriptions closes every subscriber's channel, and those of later subscribers, so the
// live-update streams end: http.Server.Shutdown waits for handlers but never cancels them, and a
// stream otherwise runs until its client goes (issue 18: SIGTERM hit the shutdown limit).
func (b *Events) EndSubscriptions() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for ch := range b.subs {
		delete(b.subs, ch)
		close(ch)
	}
}

// Poll reads the pages other processes wrote since the last poll and delivers their events;
// it returns how many. Every sourceRefresh it also lists the sources and says this one is
// alive.
func (b *Events) Poll(ctx context.Context) (int, error) {
	b.pollMu.Lock()
	defer b.pollMu.Unlock()
	if now := b.now(); b.lastSources.IsZero() || now.Sub(b.lastSources) >= sourceRefresh || now.Before(b.lastSources) {
		if err := b.refreshSources(ctx, now); err != nil {
			return 0, err
		}
	}
	delivered := 0
	var errs []error
	for source, next := range b.cursors {
		n, err := b.readSource(ctx, source, next)
		delivered += n
		errs = append(errs, err)
	}
	return delivered, errors.Join(errs...)
}

// refreshSources says this process is alive and learns of new sources (and forgets gone ones).
func (b *Events) refreshSources(ctx context.Context, now time.Time) error {
	b.pageMu.Lock()
	last := b.lastPage
	b.pageMu.Unlock()
	if err := b.store.TouchEventSource(ctx, store.EventSource{ID: b.source, StartedAt: b.start, LastPage: last, SeenAt: now}); err != nil {
		return err
	}
	sources, err := b.store.EventSources(ctx)
	if err != nil {
		return err
	}
	alive := map[string]bool{}
	for _, src := range sources {
		if src.ID == b.source {
			continue
		}
		alive[src.ID] = true
		if _, known := b.cursors[src.ID]; known {
			continue
		}
		// A source that started after this process is read from its first page; an older
		// one from its last page known, since only events after our start matter.
		next := int64(1)
		if src.StartedAt.Before(b.start) {
			next = src.LastPage + 1
		}
		b.cursors[src.ID] = next
	}
	for id := range b.cursors {
		if !alive[id] {
			delete(b.cursors, id)
		}
	}
	b.lastSources = now
	return nil
}

// readSource delivers a source's pages from page next on, until one is not written yet.
func (b *Events) readSource(ctx context.Context, source string, next int64) (int, error) {
	delivered := 0
	for i := 0; i < maxPagesPerPoll; i++ {
		page, err := b.store.EventPage(ctx, source, next)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			return delivered, err
		}
		if page.At.Before(b.start) {
			// Written before this process started (read from an old hint): skip silently.
		} else {
			b.deliver(page.Events)
			delivered += len(page.Events)
		}
		next++
		b.cursors[source] = next
	}
	return delivered, nil
}

// skipDeleted moves cursors past pages the cleaner removed while this process lagged: a
// cursor that points at a missing page below the source's own last page can never advance.
func (b *Events) skipDeleted(ctx context.Context) error {
	sources, err := b.store.EventSources(ctx)
	if err != nil {
		return err
	}
	b.pollMu.Lock()
	defer b.pollMu.Unlock()
	for _, src := range sources {
		next, ok := b.cursors[src.ID]
		if !ok || next > src.LastPage {
			continue
		}
		if _, err := b.store.EventPage(ctx, src.ID, next); errors.Is(err, store.ErrNotFound) {
			b.cursors[src.ID] = src.LastPage + 1
		}
	}
	return nil
}

// Run polls every interval until ctx ends, and now and then deletes pages older than
// eventRetention (any process may: the delete is by age).
func (b *Events) Run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	lastCleanup := b.now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := b.Poll(ctx); err != nil && ctx.Err() == nil {
			b.logger.Warn("poll events", "err", err)
		}
		if now := b.now(); now.Sub(lastCleanup) > eventRetention {
			lastCleanup = now
			if err := b.store.DeleteEventsBefore(ctx, now.Add(-eventRetention)); err != nil && ctx.Err() == nil {
				b.logger.Warn("delete old events", "err", err)
			}
			if err := b.skipDeleted(ctx); err != nil && ctx.Err() == nil {
				b.logger.Warn("skip deleted events", "err", err)
			}
		}
	}
}
