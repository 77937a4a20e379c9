package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// Callers that find the copy missing while one load is under way wait for that load: the
// collection is read once, not once per caller; a failed load is not kept; a drop during a
// load keeps its (possibly stale) result out.
func TestSnapshotLoadsOnceForConcurrentCallers(t *testing.T) {
	var c snapshot[int]
	var loads atomic.Int32
	release := make(chan struct{})
	load := func(context.Context) ([]int, error) {
		loads.Add(1)
		<-release
		return []int{1, 2, 3}, nil
	}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := c.get(context.Background(), load); err != nil || len(v) != 3 {
				t.Errorf("got %v %v", v, err)
			}
		}()
	}
	for loads.Load() == 0 {
		// wait until the first load started; the others then queue behind it
		c.mu.Lock()
		started := c.loading != nil
		c.mu.Unlock()
		if started {
			break
		}
	}
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Fatalf("%d loads for 20 concurrent callers", n)
	}

	c.drop()
	failing := func(context.Context) ([]int, error) { return nil, errors.New("down") }
	if _, err := c.get(context.Background(), failing); err == nil {
		t.Fatal("a failed load must be reported")
	}
	if c.valid {
		t.Fatal("a failed load was kept")
	}

	raced := func(context.Context) ([]int, error) {
		c.drop() // a write lands while the load reads
		return []int{9}, nil
	}
	if v, _ := c.get(context.Background(), raced); len(v) != 1 || c.valid {
		t.Fatalf("a load that raced a write was kept: %v valid=%v", v, c.valid)
	}
}
