package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// Concurrent hits on one key are written together, yet each caller gets its own place in the
// count: every number from 1 to n exactly once, and the stored count is n.
func TestConcurrentHitsOnOneKeyCountEachOnce(t *testing.T) {
	env := storetest.Start(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const n = 60
	counts := make([]int, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := env.Store.CountHit(ctx, "intake-ip:192.0.2.1", 10*time.Minute, now)
			if err != nil {
				t.Error(err)
			}
			counts[i] = c
		}(i)
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, c := range counts {
		if c < 1 || c > n || seen[c] {
			t.Fatalf("count %d out of range or twice: %v", c, counts)
		}
		seen[c] = true
	}
	if c, err := env.Store.CountHit(ctx, "intake-ip:192.0.2.1", 10*time.Minute, now); err != nil || c != n+1 {
		t.Fatalf("next hit counts %d (%v), want %d", c, err, n+1)
	}
	// Another window starts again.
	if c, _ := env.Store.CountHit(ctx, "intake-ip:192.0.2.1", 10*time.Minute, now.Add(10*time.Minute)); c != 1 {
		t.Fatalf("new window counts %d", c)
	}
}

// Small limits count in slots: concurrent hits on one key get exactly limit admissions, and
// later hits in the window are refused; another key and the next window are unaffected.
func TestTakeHitAdmitsExactlyTheLimit(t *testing.T) {
	env := storetest.Start(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const limit, tries = 5, 24
	var admitted atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < tries; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hit, err := env.Store.TakeHit(ctx, "intake-email:aino@example.com", limit, 10*time.Minute, now)
			if err != nil {
				t.Error(err)
			}
			if hit != nil && hit.Allowed {
				admitted.Add(1)
			}
		}()
	}
	wg.Wait()
	if admitted.Load() != limit {
		t.Fatalf("%d of %d hits admitted, want %d", admitted.Load(), tries, limit)
	}
	late, _ := env.Store.TakeHit(ctx, "intake-email:aino@example.com", limit, 10*time.Minute, now.Add(time.Minute))
	if late.Allowed {
		t.Fatal("a hit later in the same window was admitted")
	}
	eero, _ := env.Store.TakeHit(ctx, "intake-email:eero@example.com", limit, 10*time.Minute, now)
	if !eero.Allowed {
		t.Fatal("another key was refused")
	}
	// A hit given back frees its slot for the next one.
	if err := eero.Release(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < limit; i++ {
		if h, _ := env.Store.TakeHit(ctx, "intake-email:eero@example.com", limit, 10*time.Minute, now); !h.Allowed {
			t.Fatalf("hit %d after the release refused", i+1)
		}
	}
	if next, _ := env.Store.TakeHit(ctx, "intake-email:aino@example.com", limit, 10*time.Minute, now.Add(10*time.Minute)); !next.Allowed {
		t.Fatal("the next window was refused")
	}
	// Large limits count in one document.
	for i := 1; i <= 3; i++ {
		if h, _ := env.Store.TakeHit(ctx, "intake-ip:192.0.2.9", 1000, 10*time.Minute, now); !h.Allowed {
			t.Fatalf("hit %d under a large limit refused", i)
		}
	}
	if n, _ := env.Store.CountHit(ctx, "intake-ip:192.0.2.9", 10*time.Minute, now); n != 4 {
		t.Fatalf("counter after three hits and this one: %d", n)
	}
}
