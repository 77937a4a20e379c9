package helpdesk

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// fileNewMany stores a window of new cases as fileNew stores one, with one round for all of
// them where fileNew has one per case: each case is decided on its own (built, the
// case_created rules, its SLA, its timer), then the store round carries every case in one
// insert command beside their timers in one write, then one index batch, then each case's
// afterWrite (whose writes group in their own commits). So a window of mails costs a few
// commands, not a few per mail.
//
// Each newCase must carry its reference with the index mark already written (marked). A case
// whose reference turns out taken goes through fileNew on its own (which recognises a case
// stored before under sameRequest, or takes the next reference). The answers are per case.
//
// With indexSoon the call returns once the cases are stored: their index batch and then their
// afterWrite follow in the background (Settle waits for them), so a caller filing window after
// window (a review import) stores the next window while the index takes this one. The index
// marks written with the references keep that safe: should the process stop first, the
// reconciler indexes the cases.
func (s *Cases) fileNewMany(ctx context.Context, ncs []newCase, when indexing) ([]*models.Case, []error) {
	out := make([]*models.Case, len(ncs))
	errs := make([]error, len(ncs))
	if len(ncs) == 0 {
		return out, errs
	}
	now := s.now()
	rules, err := s.loadRules(ctx)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return out, errs
	}

	// Decide each case.
	built := make([]*models.Case, len(ncs))
	ams := make([]*aftermath, len(ncs))
	timers := map[string]time.Time{}
	var pending []int // positions of the cases that go in the store round
	for i, nc := range ncs {
		if nc.reference == "" || !nc.marked {
			errs[i] = errors.New("fileNewMany: a reserved, marked reference is required")
			continue
		}
		c := nc.build(nc.reference)
		c.StartIdlePeriod(c.CreatedAt)
		effects, err := s.runRules(ctx, c, rules, ruleRun{trigger: escalation.TriggerCaseCreated, isNew: true})
		if err == nil {
			err = s.sla.start(ctx, c, now)
		}
		var timer *time.Time
		if err == nil {
			timer, err = s.recordTimer(ctx, c, rules, nil)
		}
		if err != nil {
			errs[i] = err
			continue
		}
		if timer != nil {
			timers[c.ID] = *timer
		}
		built[i], ams[i] = c, s.rules.aftermathOf(ctx, c, effects)
		pending = append(pending, i)
	}
	if len(pending) == 0 {
		return out, errs
	}

	// Store round: the cases in one command, their timers beside them (a timer whose case
	// failed to store leads nowhere), the rules' in-app notifications.
	docs := make([]*models.Case, len(pending))
	for j, i := range pending {
		docs[j] = built[i]
	}
	var insertErrs []error
	steps := []func() error{
		func() error { insertErrs = s.store.InsertCases(ctx, docs); return nil },
		func() error {
			if len(timers) == 0 {
				return nil
			}
			return s.store.SetSLATimers(ctx, timers)
		},
	}
	for _, i := range pending {
		if ams[i] != nil {
			steps = append(steps, func() error { ams[i].storeNotifications(ctx); return nil })
		}
	}
	round := inOneRound(steps...)
	timerErr := round[1]

	var stored []*models.Case
	var storedAt []int
	var retry []int
	again := map[string]time.Time{}
	for j, i := range pending {
		err := insertErrs[j]
		if err != nil {
			ams[i].discard(ctx)
		}
		switch {
		case store.IsDuplicate(err):
			retry = append(retry, i)
		case err != nil:
			errs[i] = err
		case timerErr != nil:
			// As fileNew: the case is stored, but the call fails so the caller tries again
			// (and then finds the case stored).
			errs[i] = timerErr
		default:
			c := built[i]
			if t, ok := timers[c.ID]; ok {
				if soon := againIfSoon(&t, now); soon != nil {
					again[c.ID] = *soon
				}
			}
			stored = append(stored, c)
			storedAt = append(storedAt, i)
		}
	}
	if len(again) > 0 {
		if err := s.store.SetSLATimers(ctx, again); err != nil {
			for _, i := range storedAt {
				errs[i] = err
			}
			stored, storedAt = nil, nil
		}
	}

	// Index the stored cases in one batch, then tell (each case's tellings group with the
	// others' in their commits).
	// The documents are queued for the index before the call returns, so a later change of a
	// case is indexed after them (see Indexer.queue).
	indexDocs := make([]search.CaseDoc, len(stored))
	for j, c := range stored {
		out[storedAt[j]] = c
		indexDocs[j] = s.indexer.toDoc(c)
	}
	s.indexer.queue(ctx, indexDocs)
	finish := func(ctx context.Context) {
		s.indexer.waitQueued(ctx)
		inParallel(len(stored), len(stored), func(j int) {
			i := storedAt[j]
			s.afterWrite(ctx, stored[j], ams[i], ncs[i].announce)
		})
	}
	switch {
	case len(stored) == 0:
	case when == indexSoon:
		s.background.goDo(context.WithoutCancel(ctx), finish)
	default:
		finish(ctx)
	}

	// A reference taken meanwhile: that case on its own.
	inParallel(len(retry), len(retry), func(j int) {
		i := retry[j]
		out[i], errs[i] = s.fileNew(ctx, ncs[i])
	})
	return out, errs
}

// writeBatch holds case changes stored by writeWith whose indexing and telling wait for
// finishWrites: a window of changes (a fetch's replies) is indexed in one batch, as a bulk
// change is, instead of a batch per change.
type writeBatch struct {
	mu      sync.Mutex
	cases   []*models.Case
	effects [][]escalation.RuleEffect
	tell    []announcement
}

// writeWith is write, or with later set, write up to the stored case: the rest is left to
// finishWrites(later). A crash in between leaves the case's index mark, so the reconciler
// indexes it.
func (s *Cases) writeWith(ctx context.Context, id string, w writeSpec, later *writeBatch, change func(c *models.Case) error) (*models.Case, error) {
	if later == nil {
		return s.write(ctx, id, w, change)
	}
	c, effects, err := s.writeStored(ctx, id, w, change)
	if err != nil {
		return nil, err
	}
	later.mu.Lock()
	later.cases, later.effects, later.tell = append(later.cases, c), append(later.effects, effects), append(later.tell, w.announce)
	later.mu.Unlock()
	return c, nil
}

// finishWrites indexes the batch's cases at once, then carries out each change's rules and
// announcement (their writes group in their own commits).
func (s *Cases) finishWrites(ctx context.Context, b *writeBatch) {
	if len(b.cases) == 0 {
		return
	}
	docs := make([]search.CaseDoc, len(b.cases))
	for i, c := range b.cases {
		docs[i] = s.indexer.toDoc(c)
	}
	s.indexer.indexInOrder(ctx, docs)
	inParallel(len(b.cases), len(b.cases), func(i int) {
		c := b.cases[i]
		s.afterWrite(ctx, c, s.rules.aftermathOf(ctx, c, b.effects[i]), b.tell[i])
	})
}

// indexing says when fileNewMany indexes the cases it stored and tells of them.
type indexing int

const (
	indexNow  indexing = iota // before it returns
	indexSoon                 // in the background, after it returns
)

// Settle returns once the background work of every filing begun before the call is done: its
// cases are in the search index and their rules' notices and live events are out. A review
// import's last window waits for it, so the inbox shows every imported review when the
// import says it is done; a graceful shutdown waits for it too.
func (s *Cases) Settle(ctx context.Context) error { return s.background.wait(ctx) }

// backgroundWork tracks work that outlives the request that began it.
type backgroundWork struct {
	mu      sync.Mutex
	running map[chan struct{}]bool
}

// goDo runs fn in a goroutine of its own, tracked until it returns.
func (b *backgroundWork) goDo(ctx context.Context, fn func(ctx context.Context)) {
	done := make(chan struct{})
	b.mu.Lock()
	if b.running == nil {
		b.running = map[chan struct{}]bool{}
	}
	b.running[done] = true
	b.mu.Unlock()
	go func() {
		defer func() {
			b.mu.Lock()
			delete(b.running, done)
			b.mu.Unlock()
			close(done)
		}()
		fn(ctx)
	}()
}

// wait returns once the work running at the call has finished, or ctx ends.
func (b *backgroundWork) wait(ctx context.Context) error {
	b.mu.Lock()
	pending := make([]chan struct{}, 0, len(b.running))
	for done := range b.running {
		pending = append(pending, done)
	}
	b.mu.Unlock()
	for _, done := range pending {
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
