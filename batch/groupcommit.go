// Package batch carries many callers' small writes in one round trip (GroupCommit): the
// database's grouped inserts and timer writes, the event pages, the search index's batches.
package batch

import (
	"context"
	"sync"
	"time"
)

// GroupCommit carries many callers' small writes in one round trip. While a flush is under
// way, new items queue; the next flush takes all of them (up to a maximum). Each caller waits
// for the flush that carries its item and gets that item's own error, so "acknowledged only
// after it is stored" still holds per caller.
//
// On the embedded database this is what makes concurrent writes scale: SQLite commits one
// transaction at a time, so sixteen inserts cost sixteen commits one by one but about one as
// a batch. It has no goroutine of its own: the caller that finds no flush running leads it,
// and hands the lead on to a waiting caller when more items queued meanwhile.
type GroupCommit[T any] struct {
	flush func(ctx context.Context, items []T) []error
	max   int
	// turn, when set, is waited for before a batch is taken, and its release called after the
	// flush: a leader that must wait for a shared resource (the one write connection) takes
	// what queued while it waited, instead of a batch fixed before the wait.
	turn func() (release func())
	// linger is how long a leader waits, once it may write, for more items to join a batch
	// smaller than max: under load a write costs about as much CPU for one item as for ten
	// (parsing, the transaction, its sync), so slightly later, fuller batches leave more CPU
	// for everything else; when idle it adds linger to a request.
	linger time.Duration

	mu    sync.Mutex
	queue []*groupItem[T]
	busy  bool
}

type groupItem[T any] struct {
	item T
	err  error
	done chan struct{}
	// lead hands the caller the lead; nil for an item queued by Submit, whose turn to lead
	// goes to a goroutine of its own.
	lead chan struct{}
	// barrier marks the place of a Flushed call: nothing is written for it.
	barrier bool
}

// NewGroupCommit returns a GroupCommit that writes batches of at most max items with flush.
// flush returns nil when every item succeeded, or one error (or nil) per item.
func NewGroupCommit[T any](max int, flush func(ctx context.Context, items []T) []error) *GroupCommit[T] {
	return &GroupCommit[T]{flush: flush, max: max}
}

// WithLinger sets how long a leader waits for more items (see the field) and returns g.
func (g *GroupCommit[T]) WithLinger(d time.Duration) *GroupCommit[T] {
	g.linger = d
	return g
}

// WithTurn sets the GroupCommit's turn (see the field; store.newWriteGroup for database writes)
// and returns it.
func (g *GroupCommit[T]) WithTurn(turn func() (release func())) *GroupCommit[T] {
	g.turn = turn
	return g
}

// Do writes item with whatever other items are queued and returns once it is written. The
// write is not cut short when ctx ends: other callers' items travel in the same batch.
func (g *GroupCommit[T]) Do(ctx context.Context, item T) error {
	return g.wait(ctx, &groupItem[T]{item: item, done: make(chan struct{}), lead: make(chan struct{}, 1)})
}

// DoMany is Do for several items of one caller: they queue together (in as few flushes as
// the maximum allows, with whatever other callers queued) and their errors come back in
// order, nil when every item was written.
func (g *GroupCommit[T]) DoMany(ctx context.Context, items []T) []error {
	if len(items) == 0 {
		return nil
	}
	// The items share one lead channel: each is handed the lead at most once (as the head of
	// the queue, whose flush then carries it), so len(items) places never block a sender.
	lead := make(chan struct{}, len(items))
	its := make([]*groupItem[T], len(items))
	g.mu.Lock()
	for i, item := range items {
		its[i] = &groupItem[T]{item: item, done: make(chan struct{}), lead: lead}
		g.queue = append(g.queue, its[i])
	}
	leader := !g.busy
	g.busy = true
	g.mu.Unlock()
	if leader {
		g.flushNext(ctx)
	}
	var errs []error
	for i, it := range its {
	wait:
		for {
			select {
			case <-it.done:
				break wait
			case <-lead:
				g.flushNext(ctx)
			}
		}
		if it.err != nil {
			if errs == nil {
				errs = make([]error, len(items))
			}
			errs[i] = it.err
		}
	}
	return errs
}

// Submit queues items for the next flushes and returns at once, without their errors: for
// writes whose caller need not wait (the flush reports its own failures). Items queued by
// Submit and by Do are written in the order they were queued.
func (g *GroupCommit[T]) Submit(ctx context.Context, items ...T) {
	if len(items) == 0 {
		return
	}
	g.mu.Lock()
	for _, item := range items {
		g.queue = append(g.queue, &groupItem[T]{item: item, done: make(chan struct{})})
	}
	leader := !g.busy
	g.busy = true
	g.mu.Unlock()
	if leader {
		go g.flushNext(context.WithoutCancel(ctx))
	}
}

// Flushed returns once every item queued before the call has been written.
func (g *GroupCommit[T]) Flushed(ctx context.Context) error {
	return g.wait(ctx, &groupItem[T]{barrier: true, done: make(chan struct{}), lead: make(chan struct{}, 1)})
}

// wait queues it and returns once it is written, leading flushes when its turn comes.
func (g *GroupCommit[T]) wait(ctx context.Context, it *groupItem[T]) error {
	g.mu.Lock()
	g.queue = append(g.queue, it)
	leader := !g.busy
	g.busy = true
	g.mu.Unlock()
	if leader {
		g.flushNext(ctx)
	}
	for {
		select {
		case <-it.done:
			return it.err
		case <-it.lead:
			g.flushNext(ctx)
		}
	}
}

// Queued is how many items wait for a flush (a leader lingers only while the batch is not full).
func (g *GroupCommit[T]) Queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}

// flushNext writes the items at the head of the queue, then either ends the run (queue empty)
// or passes the lead to the caller of the next queued item, whose item the next flush carries.
func (g *GroupCommit[T]) flushNext(ctx context.Context) {
	if g.turn != nil {
		release := g.turn()
		defer release()
	}
	if g.linger > 0 && g.Queued() < g.max {
		time.Sleep(g.linger)
	}
	g.mu.Lock()
	n := min(len(g.queue), g.max)
	batch := append([]*groupItem[T](nil), g.queue[:n]...)
	g.queue = append(g.queue[:0:0], g.queue[n:]...)
	g.mu.Unlock()

	items := make([]T, 0, len(batch))
	written := make([]*groupItem[T], 0, len(batch))
	for _, it := range batch {
		if !it.barrier {
			items = append(items, it.item)
			written = append(written, it)
		}
	}
	if len(items) > 0 {
		errs := g.flush(context.WithoutCancel(ctx), items)
		for i, it := range written {
			if errs != nil {
				it.err = errs[i]
			}
		}
	}
	for _, it := range batch {
		close(it.done)
	}

	g.mu.Lock()
	if len(g.queue) == 0 {
		g.busy = false
		g.mu.Unlock()
		return
	}
	next := g.queue[0]
	g.mu.Unlock()
	if next.lead == nil {
		go g.flushNext(context.WithoutCancel(ctx))
		return
	}
	next.lead <- struct{}{}
}

// AllFailed is a flush result where every item failed with err.
func AllFailed(n int, err error) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}
