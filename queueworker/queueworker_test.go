package queueworker_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/queueworker"
)

// A pass that comes back full is followed by another straight away; otherwise the worker waits
// for a wake-up (the interval here is far longer than the test), a failed pass is retried at
// the next turn, and the loop ends with its context.
func TestRunPassesAgainWhileFullThenWaitsForAWakeUp(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wake := make(chan struct{})
	passes := make(chan int)
	results := []struct {
		full bool
		err  error
	}{{true, nil}, {true, nil}, {false, nil}, {true, errors.New("database away")}, {false, nil}}
	n := 0
	pass := func(context.Context) (int, bool, error) {
		r := results[min(n, len(results)-1)]
		n++
		passes <- n
		return 1, r.full, r.err
	}
	done := make(chan struct{})
	go func() {
		queueworker.Run(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Hour, 0, wake, pass)
		close(done)
	}()
	for want := 1; want <= 3; want++ { // two full passes, then one that is not: no wake-up needed
		if got := <-passes; got != want {
			t.Fatalf("pass %d, want %d", got, want)
		}
	}
	for want := 4; want <= 5; want++ { // each further pass waits for a wake-up, failed or not
		select {
		case got := <-passes:
			t.Fatalf("pass %d ran without a wake-up", got)
		case wake <- struct{}{}:
		}
		if got := <-passes; got != want {
			t.Fatalf("pass %d, want %d", got, want)
		}
	}
	cancel()
	<-done
}

// Rings never block, and those that come before the worker looks fold into one wake-up.
func TestRingsFoldIntoOneWakeUp(t *testing.T) {
	w := queueworker.NewWake()
	for range 3 {
		w.Ring()
	}
	<-w
	select {
	case <-w:
		t.Fatal("three rings woke the worker twice")
	default:
	}
}
