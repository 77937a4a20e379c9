package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/remedies"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// A month's spending counter is raised in one conditional write: the first raise creates it,
// later ones add while there is room, a raise past the limit changes nothing, and of many
// raises at once only as many pass as the limit holds.
func TestMonthlySpendIsRaisedWithinTheLimitOnly(t *testing.T) {
	env := storetest.Start(t)
	ctx := context.Background()
	st := env.Store
	if got, err := st.RaiseMonthlySpend(ctx, "u1", "2026-03", 300, 1000); err != nil || got != 300 {
		t.Fatalf("first raise: %d, %v", got, err)
	}
	if got, err := st.RaiseMonthlySpend(ctx, "u1", "2026-03", 700, 1000); err != nil || got != 1000 {
		t.Fatalf("raise to the limit: %d, %v", got, err)
	}
	if _, err := st.RaiseMonthlySpend(ctx, "u1", "2026-03", 1, 1000); !errors.Is(err, remedies.ErrOverLimit) {
		t.Fatalf("past the limit: %v, want ErrOverLimit", err)
	}
	if _, err := st.RaiseMonthlySpend(ctx, "u1", "2026-04", 1001, 1000); !errors.Is(err, remedies.ErrOverLimit) {
		t.Fatalf("one grant over the limit: %v", err)
	}
	if err := st.LowerMonthlySpend(ctx, "u1", "2026-03", 700); err != nil {
		t.Fatal(err)
	}
	if spent, err := st.MonthlySpend(ctx, "u1", "2026-03"); err != nil || spent != 300 {
		t.Fatalf("after lowering: %d, %v", spent, err)
	}
	if spent, err := st.MonthlySpend(ctx, "u1", "2026-04"); err != nil || spent != 0 {
		t.Fatalf("an untouched month: %d, %v", spent, err)
	}

	// Twelve raises of 100 at once on a fresh month with room for 1000: ten pass.
	var wg sync.WaitGroup
	var mu sync.Mutex
	passed := 0
	for range 12 {
		wg.Go(func() {
			_, err := st.RaiseMonthlySpend(ctx, "u2", "2026-03", 100, 1000)
			if err != nil && !errors.Is(err, remedies.ErrOverLimit) {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				passed++
			}
		})
	}
	wg.Wait()
	if spent, _ := st.MonthlySpend(ctx, "u2", "2026-03"); passed != 10 || spent != 1000 {
		t.Fatalf("%d raises passed, %d spent; want 10 and 1000", passed, spent)
	}
}
