package store_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// Many concurrent callers: every item is flushed exactly once, each caller gets its own
// item's error, and batches really form (fewer flushes than items).
func TestGroupCommitAnswersEachCallerOnce(t *testing.T) {
	var flushes, flushed atomic.Int64
	release := make(chan struct{})
	first := true
	var mu sync.Mutex
	g := store.NewGroupCommit(8, func(_ context.Context, items []int) []error {
		mu.Lock()
		if first {
			first = false
			mu.Unlock()
			<-release // hold the first flush so the others queue behind it
		} else {
			mu.Unlock()
		}
		flushes.Add(1)
		flushed.Add(int64(len(items)))
		if len(items) > 8 {
			t.Errorf("batch of %d over the maximum", len(items))
		}
		errs := make([]error, len(items))
		for i, v := range items {
			if v%3 == 0 {
				errs[i] = fmt.Errorf("item %d failed", v)
			}
		}
		return errs
	})
	const n = 40
	var wg sync.WaitGroup
	results := make([]error, n)
	started := make(chan struct{}, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			started <- struct{}{}
			results[i] = g.Do(context.Background(), i)
		}(i)
	}
	for i := 0; i < n; i++ {
		<-started
	}
	close(release)
	wg.Wait()
	for i, err := range results {
		want := i%3 == 0
		if (err != nil) != want || (want && err.Error() != fmt.Sprintf("item %d failed", i)) {
			t.Errorf("item %d: got %v", i, err)
		}
	}
	if flushed.Load() != n {
		t.Fatalf("flushed %d items, want %d", flushed.Load(), n)
	}
	if flushes.Load() >= n {
		t.Fatalf("%d flushes for %d items: nothing was grouped", flushes.Load(), n)
	}
}

// Grouped inserts keep insert semantics per caller: of concurrent inserts with the same _id
// exactly one succeeds and the others get ErrDuplicate, while distinct documents all land.
func TestConcurrentInsertsGroupedWithDuplicates(t *testing.T) {
	env := storetest.Start(t)
	ctx := context.Background()
	const n = 32
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			id := fmt.Sprintf("tok-%d", i)
			if i%4 == 0 {
				id = "same"
			}
			errs[i] = env.Store.InsertTracking(ctx, id, fmt.Sprintf("K-2026-%06d", i))
		}(i)
	}
	wg.Wait()
	ok, dup := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrDuplicate) && i%4 == 0:
			dup++
		default:
			t.Errorf("insert %d: %v", i, err)
		}
	}
	if want := n - n/4 + 1; ok != want || dup != n/4-1 {
		t.Fatalf("%d stored and %d duplicates, want %d and %d", ok, dup, want, n/4-1)
	}
	for i := 1; i < n; i++ {
		if i%4 == 0 {
			continue
		}
		if _, err := env.Store.TrackedCaseID(ctx, fmt.Sprintf("tok-%d", i)); err != nil {
			t.Fatalf("tok-%d not stored: %v", i, err)
		}
	}
}

// With a turn, the leader takes its batch only once it holds the turn: items that queue while
// it waits (another collection's write holds the connection) travel together.
func TestGroupCommitTakesItsBatchAfterTheTurn(t *testing.T) {
	turn := make(chan struct{}, 1)
	var mu sync.Mutex
	var batches [][]int
	var started atomic.Int64
	g := store.NewGroupCommit(64, func(_ context.Context, items []int) []error {
		mu.Lock()
		batches = append(batches, append([]int(nil), items...))
		mu.Unlock()
		return nil
	}).WithTurn(func() func() {
		started.Add(1)
		turn <- struct{}{}
		return func() { <-turn }
	})
	turn <- struct{}{} // someone else's write holds the turn
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = g.Do(context.Background(), 0) }()
	for started.Load() == 0 { // the leader waits for the turn
		runtime.Gosched()
	}
	for i := 1; i < 5; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); _ = g.Do(context.Background(), i) }()
	}
	for g.Queued() < 5 {
		runtime.Gosched()
	}
	<-turn
	wg.Wait()
	if len(batches) != 1 || len(batches[0]) != 5 {
		t.Fatalf("batches %v; want the five items in one", batches)
	}
}
