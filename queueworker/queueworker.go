// Package queueworker is the loop that drives a queue's worker (mail, webhooks): when to run
// the next pass over the queue.
package queueworker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// Wake is a worker's doorbell: producers ring it to start the next pass now instead of at the
// next poll. Ringing never blocks, and rings that come while a pass runs fold into one.
type Wake chan struct{}

// NewWake returns a doorbell for one worker.
func NewWake() Wake { return make(Wake, 1) }

// Ring wakes the worker; it never blocks. (Workers of other replicas find the work at their
// next poll.)
func (w Wake) Ring() {
	select {
	case w <- struct{}{}:
	default:
	}
}

// Run is the loop of a queue's worker (mail, webhooks): it runs pass at once, again
// straight away while passes come back full, and otherwise when woken or after interval,
// until ctx ends. A failed pass is logged and retried at the next turn.
//
// A wake-up arriving sooner than gather after the previous pass began waits out the rest of
// gather: under load every new message wakes the worker, and each pass has a fixed cost (its
// reads and writes of the queue), so passes that take what came in the meantime together cost
// far less than one pass per message. gather is the longest a woken message waits for it.
func Run(ctx context.Context, logger *slog.Logger, interval, gather time.Duration, wake <-chan struct{},
	pass func(context.Context) (handled int, full bool, err error)) {
	for {
		began := time.Now()
		_, full, err := pass(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			logger.Warn("queue pass failed", "err", err)
		}
		if err == nil && full {
			continue // the batch was cut at its size: more may be due
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
			t.Stop()
			if rest := gather - time.Since(began); rest > 0 {
				g := time.NewTimer(rest)
				select {
				case <-ctx.Done():
					g.Stop()
					return
				case <-g.C:
				}
			}
		case <-t.C:
		}
	}
}

// WorkerID names a worker in the claims it takes: host, process and a random suffix, so that
// two workers of one process differ too.
func WorkerID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), randomHex(4))
}

// NewItemID returns a random ID for a queued item (128 bits, hex).
func NewItemID() string { return randomHex(16) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
