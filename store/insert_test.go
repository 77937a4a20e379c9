package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

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
