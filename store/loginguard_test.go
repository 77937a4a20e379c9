package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// A burst of login attempts on one account and address cannot share the free turns: exactly
// the free ones go ahead, the rest are told how long to wait.
func TestLoginAttemptsInABurstGetOneTurnEach(t *testing.T) {
	env := storetest.Start(t)
	ctx := context.Background()
	now := storetest.Now
	const free = 3
	delay := func(n int) time.Duration {
		if n < free {
			return 0
		}
		return time.Duration(n-free+1) * time.Second
	}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 24; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, wait, err := env.Store.ClaimLoginAttempt(ctx, "pair", delay, time.Hour, now)
			if err != nil {
				t.Error(err)
			}
			if ok {
				allowed.Add(1)
			} else if wait <= 0 {
				t.Error("refused without a wait")
			}
		}()
	}
	wg.Wait()
	if allowed.Load() != free {
		t.Fatalf("%d attempts went ahead at once, want %d", allowed.Load(), free)
	}
	// Waiting as told is enough, and a success clears the count.
	if ok, wait, _ := env.Store.ClaimLoginAttempt(ctx, "pair", delay, time.Hour, now); ok || wait != time.Second {
		t.Fatalf("inside the delay: %v, wait %v", ok, wait)
	}
	if ok, _, _ := env.Store.ClaimLoginAttempt(ctx, "pair", delay, time.Hour, now.Add(time.Second)); !ok {
		t.Fatal("refused after waiting")
	}
	if err := env.Store.ForgetLoginFailures(ctx, "pair"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < free; i++ {
		if ok, _, _ := env.Store.ClaimLoginAttempt(ctx, "pair", delay, time.Hour, now.Add(time.Second)); !ok {
			t.Fatalf("free attempt %d after a success refused", i+1)
		}
	}
}
