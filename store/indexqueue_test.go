package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// Clearing removes only marks that ask for no more than was indexed, and never waits for or
// loses a mark raised at the same time.
func TestClearDirtyKeepsRaisedMarks(t *testing.T) {
	ctx := context.Background()
	st := storetest.Start(t).Store
	for id, v := range map[string]int64{"K-2026-000001": 1, "K-2026-000002": 1, "K-2026-000003": 4} {
		if err := st.MarkDirty(ctx, id, v, storetest.Now); err != nil {
			t.Fatal(err)
		}
	}
	// 1 indexed at its version, 2 indexed at an older one, 3 indexed at a newer one.
	if err := st.MarkDirty(ctx, "K-2026-000002", 2, storetest.Now); err != nil {
		t.Fatal(err)
	}
	if err := st.ClearDirtyMany(ctx, map[string]int64{"K-2026-000001": 1, "K-2026-000002": 1, "K-2026-000003": 5}); err != nil {
		t.Fatal(err)
	}
	marks, err := st.DirtyMarks(ctx, 10)
	if err != nil || len(marks) != 1 || marks[0].ID != "K-2026-000002" || marks[0].Version != 2 {
		t.Fatalf("marks left: %+v %v; want only the raised one", marks, err)
	}

	// A writer raising a mark while the indexer clears the versions before: whatever the
	// interleaving, the last version stays marked.
	const last = 40
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for v := int64(1); v <= last; v++ {
			if err := st.MarkDirty(ctx, "K-2026-000009", v, storetest.Now); err != nil {
				t.Error(err)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for v := int64(1); v < last; v++ {
			if err := st.ClearDirtyMany(ctx, map[string]int64{"K-2026-000009": v, "K-2026-000002": 1}); err != nil {
				t.Error(err)
			}
		}
	}()
	wg.Wait()
	marks, err = st.DirtyMarks(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range marks {
		if m.ID == "K-2026-000009" {
			found = m.Version == last
		}
	}
	if !found {
		t.Fatalf("the last raise was lost: %+v", marks)
	}
}
