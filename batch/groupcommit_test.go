package batch_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
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

// Submitted items are written without a waiting caller, in the order they were queued with
// the callers' items (a later Do of the same key is written after an earlier Submit), and
// Flushed returns only once everything queued before it is written.
func TestGroupCommitSubmitAndFlushed(t *testing.T) {
	var mu sync.Mutex
	var order []int
	release := make(chan struct{})
	first := true
	g := batch.NewGroupCommit(3, func(_ context.Context, items []int) []error {
		mu.Lock()
		hold := first
		first = false
		mu.Unlock()
		if hold {
			<-release // the first flush holds on, so the rest queue behind it
		}
		mu.Lock()
		order = append(order, items...)
		mu.Unlock()
		return nil
	})
	g.Submit(context.Background(), 1, 2, 3, 4) // returns at once: a goroutine leads
	for g.Queued() != 1 {                      // the first flush took 1, 2, 3 and holds
		runtime.Gosched()
	}
	done := make(chan error, 1)
	go func() { done <- g.Do(context.Background(), 5) }()
	for g.Queued() != 2 {
		runtime.Gosched()
	}
	g.Submit(context.Background(), 6, 7)
	for g.Queued() != 4 {
		runtime.Gosched()
	}
	flushed := make(chan error, 1)
	go func() { flushed <- g.Flushed(context.Background()) }()
	for g.Queued() != 5 {
		runtime.Gosched()
	}
	select {
	case <-flushed:
		t.Fatal("Flushed returned while the items before it wait")
	default:
	}
	close(release)
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := slices.Clone(order)
	mu.Unlock()
	if !slices.Equal(got, []int{1, 2, 3, 4, 5, 6, 7}) {
		t.Fatalf("written %v, want 1..7 in order", got)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// On an idle GroupCommit, Flushed returns at once.
	if err := g.Flushed(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// DoMany's items travel with other callers' in flushes of at most the maximum, and its
// errors come back per item, in order.
func TestGroupCommitDoMany(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	g := batch.NewGroupCommit(4, func(_ context.Context, items []int) []error {
		mu.Lock()
		sizes = append(sizes, len(items))
		mu.Unlock()
		errs := make([]error, len(items))
		for i, v := range items {
			if v%5 == 0 {
				errs[i] = fmt.Errorf("item %d failed", v)
			}
		}
		return errs
	})
	var wg sync.WaitGroup
	results := make([][]error, 3)
	for c := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			items := make([]int, 9)
			for i := range items {
				items[i] = c*100 + i + 1
			}
			results[c] = g.DoMany(context.Background(), items)
		}()
	}
	wg.Wait()
	for c, errs := range results {
		for i := range 9 {
			v := c*100 + i + 1
			var err error
			if errs != nil {
				err = errs[i]
			}
			if want := v%5 == 0; (err != nil) != want {
				t.Errorf("item %d: %v", v, err)
			}
		}
	}
	total := 0
	for _, n := range sizes {
		if n > 4 {
			t.Errorf("a flush of %d items, over the maximum", n)
		}
		total += n
	}
	if total != 27 {
		t.Fatalf("%d items flushed, want 27", total)
	}
	if errs := g.DoMany(context.Background(), []int{1, 2}); errs != nil {
		t.Fatalf("no failures: %v", errs)
	}
}

// DoMany from one caller alone: its items are written in one flush when they fit; each has its own
// answer, and the rest of a queue longer than the maximum goes in the following flushes.
func TestGroupCommitDoManyWritesItsItemsTogether(t *testing.T) {
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
	errs := g.DoMany(context.Background(), []int{1, 2, 3})
	if len(errs) != 3 || errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("answers %v", errs)
	}
	if len(batches) != 1 || len(batches[0]) != 3 {
		t.Fatalf("batches %v, want the three items in one", batches)
	}
	batches = nil
	errs = g.DoMany(context.Background(), []int{10, 11, 12, 13, 14, 15})
	if errs != nil || fmt.Sprint(batches) != "[[10 11 12 13] [14 15]]" {
		t.Fatalf("answers %v, batches %v", errs, batches)
	}
}
