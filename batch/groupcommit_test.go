package batch_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/batch"
)

// Many concurrent callers: every item is flushed exactly once, each caller gets its own
// item's error, and batches really form (fewer flushes than items).
func TestGroupCommitAnswersEachCallerOnce(t *testing.T) {
	var flushes, flushed atomic.Int64
	release := make(chan struct{})
	first := true
	var mu sync.Mutex
	g := batch.NewGroupCommit(8, func(_ context.Context, items []int) []error {
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

// With a turn, the leader takes its batch only once it holds the turn: items that queue while
// it waits (another collection's write holds the connection) travel together.
func TestGroupCommitTakesItsBatchAfterTheTurn(t *testing.T) {
	turn := make(chan struct{}, 1)
	var mu sync.Mutex
	var batches [][]int
	var started atomic.Int64
	g := batch.NewGroupCommit(64, func(_ context.Context, items []int) []error {
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

// DoAll queues its items together: they are written in one flush, each with its own answer,
// and the rest of a queue longer than the maximum goes in the following flushes.
func TestGroupCommitDoAllWritesItsItemsTogether(t *testing.T) {
	var mu sync.Mutex
	var batches [][]int
	g := batch.NewGroupCommit(4, func(_ context.Context, items []int) []error {
		mu.Lock()
		batches = append(batches, append([]int(nil), items...))
		mu.Unlock()
		errs := make([]error, len(items))
		for i, v := range items {
			if v == 2 {
				errs[i] = fmt.Errorf("item %d failed", v)
			}
		}
		return errs
	})
	errs := g.DoAll(context.Background(), 1, 2, 3)
	if errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("answers %v", errs)
	}
	if len(batches) != 1 || len(batches[0]) != 3 {
		t.Fatalf("batches %v, want the three items in one", batches)
	}
	batches = nil
	errs = g.DoAll(context.Background(), 10, 11, 12, 13, 14, 15)
	if len(errs) != 6 || fmt.Sprint(batches) != "[[10 11 12 13] [14 15]]" {
		t.Fatalf("answers %v, batches %v", errs, batches)
	}
}
