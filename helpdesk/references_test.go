package helpdesk_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// At a trickle references are consecutive; in a burst they come from growing blocks, never
// twice, also not after a restart (a new allocator on the same counter).
func TestReferenceNumbersConsecutiveAtATrickleUniqueInABurst(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	take := helpdesk.NewReferenceTaker(env.Store)
	at := monday9
	for want := int64(1); want <= 3; want++ {
		at = at.Add(2 * time.Second)
		if n, err := take(ctx, at); err != nil || n != want {
			t.Fatalf("trickle: got %d (%v), want %d", n, err, want)
		}
	}
	seen := map[int64]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 300; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := take(ctx, at) // the same instant: a burst
			mu.Lock()
			defer mu.Unlock()
			if err != nil || seen[n] || n <= 3 {
				t.Errorf("burst: %d %v (seen %v)", n, err, seen[n])
			}
			seen[n] = true
		}()
	}
	wg.Wait()
	var highest int64
	for n := range seen {
		highest = max(highest, n)
	}
	restarted := helpdesk.NewReferenceTaker(env.Store)
	n, err := restarted(ctx, at)
	if err != nil || n <= highest {
		t.Fatalf("after a restart: %d (%v), must be above %d", n, err, highest)
	}
	// A new year starts again at 1.
	if n, err := restarted(ctx, time.Date(2027, 1, 1, 0, 0, 1, 0, time.UTC)); err != nil || n != 1 {
		t.Fatalf("new year: %d %v", n, err)
	}
}
