package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// Of many deliveries claiming one review's key at once, exactly one wins; the others get the
// stored key (pointing at the winner's case) with ErrDuplicate.
func TestReviewKeyClaimedOnce(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	const racers = 8
	var wg sync.WaitGroup
	wins := make(chan string, racers)
	losers := make(chan string, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := env.Store.ClaimReviewKey(ctx, &store.ReviewKey{ID: "rv:abc", SourceID: "s1",
				CaseID: "K-2026-00000" + string(rune('1'+i)), CreatedAt: time.Now()})
			switch {
			case err == nil:
				wins <- k.CaseID
			case errors.Is(err, store.ErrDuplicate):
				losers <- k.CaseID
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	close(wins)
	close(losers)
	var winner string
	n := 0
	for w := range wins {
		winner = w
		n++
	}
	if n != 1 {
		t.Fatalf("%d claims won, want 1", n)
	}
	for l := range losers {
		if l != winner {
			t.Fatalf("a loser saw case %s, the winner stored %s", l, winner)
		}
	}
	if err := env.Store.PointReviewKey(ctx, "rv:abc", "K-2026-000099"); err != nil {
		t.Fatal(err)
	}
	if k, err := env.Store.GetReviewKey(ctx, "rv:abc"); err != nil || k.CaseID != "K-2026-000099" {
		t.Fatalf("after pointing: %+v %v", k, err)
	}
	if _, err := env.Store.GetReviewKey(ctx, "rv:none"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown key: %v", err)
	}
}
