package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// timerNow has nanoseconds, as a real clock does (BSON keeps milliseconds).
var timerNow = time.Date(2026, 3, 2, 7, 0, 0, 123456789, time.UTC)

// clockedStore is a store whose timer clock reads *now (set it to move the clock).
func clockedStore(t testing.TB) (*store.Store, *time.Time) {
	now := new(time.Time)
	*now = timerNow
	env := storetest.StartWith(t, t.TempDir(), store.Options{SingleWriter: true, Now: func() time.Time { return *now }})
	return env.Store, now
}

// slotsOf claims every slot of a minute and returns their entries (and releases them).
func slotsOf(t *testing.T, st *store.Store, minute int64, now time.Time) []map[string]time.Time {
	t.Helper()
	ctx := context.Background()
	n, err := st.TimerSlots(ctx, minute)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]time.Time
	for i := 0; i < n; i++ {
		sl, err := st.ClaimTimerSlot(ctx, store.TimerSlotID(minute, i), "inspector", now, time.Minute)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sl.Due)
		if _, err := st.FinishTimerSlot(ctx, sl, nil); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestTimersOfOneMinuteStayInSmallSlots(t *testing.T) {
	ctx := context.Background()
	st, now := clockedStore(t)
	due := now.Add(6 * time.Hour)
	for i := 0; i < 100; i++ {
		if err := st.SetSLATimer(ctx, fmt.Sprintf("K-2026-%06d", i), &due); err != nil {
			t.Fatal(err)
		}
	}
	batch := map[string]time.Time{}
	for i := 100; i < 170; i++ {
		batch[fmt.Sprintf("K-2026-%06d", i)] = due.Add(time.Duration(i) * 100 * time.Millisecond)
	}
	if err := st.SetSLATimers(ctx, batch); err != nil {
		t.Fatal(err)
	}
	slots := slotsOf(t, st, store.TimerMinute(due), *now)
	total := 0
	for _, sl := range slots {
		if len(sl) > 32 {
			t.Fatalf("a slot holds %d entries", len(sl))
		}
		total += len(sl)
	}
	// One by one or in a batch, timers fill the open slot before new ones are taken:
	// ceil(170/32) slots.
	if total != 170 || len(slots) != 6 {
		t.Fatalf("%d entries in %d slots, want 170 in 6", total, len(slots))
	}
	// nil is a no-op, and a due time in the past goes into the current minute.
	if err := st.SetSLATimer(ctx, "K-2026-000999", nil); err != nil {
		t.Fatal(err)
	}
	past := now.Add(-3 * time.Hour).Truncate(time.Millisecond)
	if err := st.SetSLATimer(ctx, "K-2026-000999", &past); err != nil {
		t.Fatal(err)
	}
	if sl := slotsOf(t, st, store.TimerMinute(*now), *now); len(sl) != 1 || !sl[0]["K-2026-000999"].Equal(past) {
		t.Fatalf("current minute: %v", sl)
	}
	if err := st.SetSLATimer(ctx, "a.b", &due); err == nil {
		t.Fatal("a key with a dot was accepted")
	}
}

// A batch whose timers fall in several minutes (cases of different priorities) is written in
// one command; every entry lands in its own minute.
func TestTimerBatchOverSeveralMinutes(t *testing.T) {
	ctx := context.Background()
	var updates atomic.Int32 // update commands on the timer slots
	now := new(time.Time)
	*now = timerNow
	st := storetest.StartWith(t, t.TempDir(), store.Options{SingleWriter: true, Now: func() time.Time { return *now },
		Monitor: &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
			if e.CommandName == "update" {
				updates.Add(1)
			}
		}}}).Store
	at := now.Truncate(time.Millisecond) // BSON keeps milliseconds
	minutes := []time.Time{at.Add(time.Hour), at.Add(4 * time.Hour), at.Add(8 * time.Hour)}
	batch := map[string]time.Time{}
	want := map[int64]int{}
	for i := 0; i < 50; i++ {
		due := minutes[i%3]
		if i >= 30 {
			due = minutes[0] // the first minute gets 10 + 20 entries: two slots
		}
		batch[fmt.Sprintf("K-2026-%06d", i)] = due
		want[store.TimerMinute(due)]++
	}
	updates.Store(0)
	if err := st.SetSLATimers(ctx, batch); err != nil {
		t.Fatal(err)
	}
	// Four slots (two in the first minute), one command; the heads are raised by findAndModify.
	if n := updates.Load(); n != 1 {
		t.Fatalf("the batch took %d update commands, want 1", n)
	}
	for m, n := range want {
		total := 0
		for _, sl := range slotsOf(t, st, m, *now) {
			for id, due := range sl {
				if !due.Equal(batch[id]) || store.TimerMinute(due) != m {
					t.Fatalf("%s in minute %d with %v, want %v", id, m, due, batch[id])
				}
			}
			total += len(sl)
		}
		if total != n {
			t.Fatalf("minute %d holds %d entries, want %d", m, total, n)
		}
	}
}

func TestConcurrentTimerWritersLoseNothing(t *testing.T) {
	ctx := context.Background()
	st, now := clockedStore(t)
	due := now.Add(time.Hour)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				if err := st.SetSLATimer(ctx, fmt.Sprintf("K-2026-%03d%03d", w, i), &due); err != nil {
					t.Error(err)
				}
			}
		}(w)
	}
	wg.Wait()
	all, err := st.PendingTimers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 8*40 {
		t.Fatalf("%d cases have timers, want %d", len(all), 8*40)
	}
}

func TestTimerSlotClaims(t *testing.T) {
	ctx := context.Background()
	st, now := clockedStore(t)
	due := now.Add(-time.Minute)
	for _, id := range []string{"K-1", "K-2", "K-3"} {
		if err := st.SetSLATimer(ctx, id, &due); err != nil {
			t.Fatal(err)
		}
	}
	id := store.TimerSlotID(store.TimerMinute(*now), 0)
	a, err := st.ClaimTimerSlot(ctx, id, "a", *now, time.Minute)
	if err != nil || len(a.Due) != 3 {
		t.Fatalf("claim: %v %v", a, err)
	}
	if _, err := st.ClaimTimerSlot(ctx, id, "b", now.Add(59*time.Second), time.Minute); !errors.Is(err, store.ErrNotClaimable) {
		t.Fatalf("claimed a held slot: %v", err)
	}
	// A writer adds to the slot while a holds it: a's finish keeps what it handled, since it
	// cannot know whether the writer re-filed those cases.
	if err := st.SetSLATimer(ctx, "K-4", &due); err != nil {
		t.Fatal(err)
	}
	if left, err := st.FinishTimerSlot(ctx, a, []string{"K-1", "K-2"}); err != nil || left != 4 {
		t.Fatalf("finish after a write: %d left, %v", left, err)
	}
	b, err := st.ClaimTimerSlot(ctx, id, "b", *now, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if left, err := st.FinishTimerSlot(ctx, b, []string{"K-1", "K-2"}); err != nil || left != 2 {
		t.Fatalf("finish: %d left, %v", left, err)
	}
	// b's lease runs out; c takes over; b's late finish changes nothing.
	b, _ = st.ClaimTimerSlot(ctx, id, "b", *now, time.Minute)
	c, err := st.ClaimTimerSlot(ctx, id, "c", now.Add(61*time.Second), time.Minute)
	if err != nil {
		t.Fatalf("expired claim not taken over: %v", err)
	}
	if left, err := st.FinishTimerSlot(ctx, b, []string{"K-3", "K-4"}); err != nil || left != 2 {
		t.Fatalf("lost claim finished: %d left, %v", left, err)
	}
	if left, err := st.FinishTimerSlot(ctx, c, []string{"K-3", "K-4"}); err != nil || left != 0 {
		t.Fatalf("last finish: %d left, %v", left, err)
	}
	if _, err := st.ClaimTimerSlot(ctx, id, "d", *now, time.Minute); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an emptied slot was kept: %v", err)
	}
}

func TestTimerCursor(t *testing.T) {
	ctx := context.Background()
	st, now := clockedStore(t)
	first := now.Add(-3 * time.Hour) // written when it was 3 hours earlier
	*now = first
	if err := st.SetSLATimer(ctx, "K-1", &first); err != nil {
		t.Fatal(err)
	}
	*now = timerNow
	// Without a cursor the first sweep looks at every head once and starts at the earliest.
	c, err := st.TimerCursor(ctx, *now)
	if err != nil || c != store.TimerMinute(first) {
		t.Fatalf("cursor %d, want %d (%v)", c, store.TimerMinute(first), err)
	}
	if err := st.AdvanceTimerCursor(ctx, c+10); err != nil {
		t.Fatal(err)
	}
	if err := st.AdvanceTimerCursor(ctx, c+5); err != nil { // never back
		t.Fatal(err)
	}
	if got, _ := st.TimerCursor(ctx, *now); got != c+10 {
		t.Fatalf("cursor %d, want %d", got, c+10)
	}
}

// Timers of the old layout (one sla_timers document per case) move into the buckets at start-up.
func TestMigrationMovesOldTimers(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	db := env.Store.Database()
	now := timerNow
	later, past := now.Add(5*time.Hour).Truncate(time.Millisecond), now.Add(-2*time.Hour).Truncate(time.Millisecond)
	if _, err := db.Collection("sla_timers").InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: "K-2026-000001"}, {Key: "due_at", Value: later}, {Key: "claimed_by", Value: ""}, {Key: "claim_until", Value: time.Time{}}},
		bson.D{{Key: "_id", Value: "K-2026-000002"}, {Key: "due_at", Value: past}, {Key: "claimed_by", Value: "old-replica"}, {Key: "claim_until", Value: now}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection("migrations").DeleteOne(ctx, bson.D{{Key: "_id", Value: "0002_sla_timer_buckets"}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // the second run finds it recorded
		if err := env.Store.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), now); err != nil {
			t.Fatal(err)
		}
	}
	all, err := env.Store.PendingTimers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	same := func(got []time.Time, want time.Time) bool { return len(got) == 1 && got[0].Equal(want) }
	if len(all) != 2 || !same(all["K-2026-000001"], later) || !same(all["K-2026-000002"], past) {
		t.Fatalf("migrated timers: %v", all)
	}
	// The overdue one is in the minute of the migration, where the first sweep finds it.
	if sl := slotsOf(t, env.Store, store.TimerMinute(now), now); len(sl) != 1 || len(sl[0]) != 1 {
		t.Fatalf("slots of the migration minute: %v", sl)
	}
	names, _ := db.ListCollectionNames(ctx, bson.D{{Key: "name", Value: "sla_timers"}})
	if len(names) != 0 {
		t.Fatal("the old collection is still there")
	}
}

// BenchmarkSetSLATimer measures one timer write as a case write makes it: into a minute this
// process is filling already (a burst of cases due together), into a minute of its own (timers
// spread out: the head is raised too), and, for comparison, the one-document-per-case upsert
// the timers used before the buckets.
//
//	go test ./store/ -run '^$' -bench BenchmarkSetSLATimer
func BenchmarkSetSLATimer(b *testing.B) {
	for _, mode := range []string{"same-minute", "own-minute", "old-per-case-upsert"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			st, _ := clockedStore(b)
			// A collection the embedded _id index remedy covers, as it covered sla_timers.
			old := st.Database().Collection("index_queue")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				id := fmt.Sprintf("K-2026-%06d", i)
				due := timerNow.Add(6 * time.Hour)
				if mode == "own-minute" {
					due = due.Add(time.Duration(i) * time.Minute)
				}
				var err error
				if mode == "old-per-case-upsert" {
					_, err = old.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "due_at", Value: due}}}},
						options.UpdateOne().SetUpsert(true))
				} else {
					err = st.SetSLATimer(ctx, id, &due)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
