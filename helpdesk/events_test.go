package helpdesk_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// drain returns the events waiting in ch without blocking.
func drain(ch <-chan models.Event) []models.Event {
	var out []models.Event
	for {
		select {
		case e := <-ch:
			out = append(out, e)
		default:
			return out
		}
	}
}

// Two processes on one database: each hands its own events to its subscribers as soon as they
// are stored, and the other's through its poll, each event once, in order per publisher.
func TestEventsReachSubscribersOfEveryProcess(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	clock := &atomic.Value{}
	clock.Store(monday9)
	now := func() time.Time { return clock.Load().(time.Time) }
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := helpdesk.NewEvents(env.Store, logger, now)
	b := helpdesk.NewEvents(env.Store, logger, now)
	for _, p := range []*helpdesk.Events{a, b} {
		if _, err := p.Poll(ctx); err != nil { // says it is alive
			t.Fatal(err)
		}
	}
	if _, err := a.Poll(ctx); err != nil { // a learns of b (first listing)
		t.Fatal(err)
	}
	subA, stopA := a.Subscribe()
	defer stopA()
	subB, stopB := b.Subscribe()
	defer stopB()

	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			a.Publish(ctx, helpdesk.EventCaseUpdated, fmt.Sprintf("K-2026-%06d", i), nil)
		}(i)
	}
	wg.Wait()
	if got := drain(subA); len(got) != 20 {
		t.Fatalf("publisher's own subscribers got %d of 20 events before any poll", len(got))
	}
	if got := drain(subB); len(got) != 0 {
		t.Fatalf("the other process got %d events before polling", len(got))
	}
	n, err := b.Poll(ctx)
	if err != nil || n != 20 {
		t.Fatalf("poll delivered %d, err %v", n, err)
	}
	seen := map[string]bool{}
	for _, e := range drain(subB) {
		if seen[e.CaseID] || e.Seq == "" {
			t.Fatalf("event %+v twice or without id", e)
		}
		seen[e.CaseID] = true
	}
	if len(seen) != 20 {
		t.Fatalf("the other process got %d distinct events", len(seen))
	}
	if n, _ := b.Poll(ctx); n != 0 {
		t.Fatalf("a second poll delivered %d again", n)
	}
	// And the other way round: a learns of b at its next source listing.
	b.Publish(ctx, helpdesk.EventCaseCreated, "K-2026-000100", nil)
	clock.Store(monday9.Add(6 * time.Second))
	if n, err := a.Poll(ctx); err != nil || n != 1 {
		t.Fatalf("a's poll delivered %d, err %v", n, err)
	}
}

// A process that fell behind while old pages were deleted skips to the pages still there
// instead of waiting forever for a deleted one.
func TestEventsLaggingReaderSkipsDeletedPages(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	clock := &atomic.Value{}
	clock.Store(monday9)
	now := func() time.Time { return clock.Load().(time.Time) }
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := helpdesk.NewEvents(env.Store, logger, now)
	b := helpdesk.NewEvents(env.Store, logger, now)
	_, _ = a.Poll(ctx)
	_, _ = b.Poll(ctx)
	sub, stop := b.Subscribe()
	defer stop()
	for i := 0; i < 3; i++ {
		a.Publish(ctx, helpdesk.EventCaseUpdated, "K-2026-000001", nil)
	}
	clock.Store(monday9.Add(2 * time.Minute))
	_, _ = a.Poll(ctx) // refreshes a's last-page hint
	if err := env.Store.DeleteEventsBefore(ctx, now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := helpdesk.SkipDeletedEvents(ctx, b); err != nil {
		t.Fatal(err)
	}
	a.Publish(ctx, helpdesk.EventCaseUpdated, "K-2026-000002", nil)
	if n, err := b.Poll(ctx); err != nil || n != 1 {
		t.Fatalf("after the skip the poll delivered %d, err %v", n, err)
	}
	if got := drain(sub); len(got) != 1 || got[0].CaseID != "K-2026-000002" {
		t.Fatalf("got %+v", got)
	}
}
