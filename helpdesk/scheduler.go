package helpdesk

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// SLAListener hears the warnings and breaches the scheduler fires (escalation rules use it).
type SLAListener func(ctx context.Context, c *models.Case, events []models.SLAEvent)

// schedulerStore is what Scheduler needs of the store: the durable timers, and the rules and
// policies they fire.
type schedulerStore interface {
	AdvanceTimerCursor(ctx context.Context, minute int64) error
	ClaimTimerSlot(ctx context.Context, id, token string, now time.Time, lease time.Duration) (*store.TimerSlot, error)
	DropTimerMinute(ctx context.Context, minute int64) error
	FinishTimerSlot(ctx context.Context, claimed *store.TimerSlot, handled []string) (int, error)
	ListRules(ctx context.Context) ([]escalation.Rule, error)
	ListSLAPolicies(ctx context.Context) ([]models.SLAPolicy, error)
	SetSLATimer(ctx context.Context, caseID string, due *time.Time) error
	TimerCursor(ctx context.Context, now time.Time) (int64, error)
	TimerSlots(ctx context.Context, minute int64) (int, error)
	TimerHeadMinutes(ctx context.Context) ([]int64, error)
	// Follow-up checks asked in bulk (followup_batch.go).
	DueFollowUps(ctx context.Context, now time.Time, size int, each func([]models.Case) error) error
	InsertFollowUpBatch(ctx context.Context, b *store.FollowUpBatch) error
	ClaimFollowUps(ctx context.Context, claims []store.FollowUpClaim) ([]bool, error)
	InsertTrackingMany(ctx context.Context, links map[string]string) error
	UpdateFollowUpBatch(ctx context.Context, id, token string, now time.Time, change func(b *store.FollowUpBatch)) (*store.FollowUpBatch, error)
	FollowUpBatches(ctx context.Context) ([]store.FollowUpBatch, error)
	GetFollowUpClaim(ctx context.Context, id string) (*store.FollowUpClaim, error)
	DeleteFollowUpBatch(ctx context.Context, id string) error
	DropFollowUpClaimsBefore(ctx context.Context, t time.Time) error
}

// Scheduler fires SLA warnings and breaches and no-agent-activity rules when they are due. Its
// timers are in the database (see store/timers.go for the layout), read only by _id, so a
// sweep costs the same with 10 or 10,000 open cases; after a restart every due event still
// fires, and claims make each fire once however many replicas run a scheduler. The case
// document is the truth: a timer entry only says "look at this case then", and the write that
// fires re-checks what is due under the case's optimistic concurrency, so even a case looked
// at by two schedulers at once fires each event once.
type Scheduler struct {
	store    schedulerStore
	cases    *Cases
	events   *Events
	logger   *slog.Logger
	now      Clock
	owner    string
	lease    time.Duration
	listener SLAListener
	foldKick chan struct{} // a bulk ask left a batch to fold (followup_batch.go)
}

// maxSweepMinutes bounds the minutes one sweep walks (a day): after a long outage the cursor
// catches up over a few sweeps instead of one very long one.
const maxSweepMinutes = 24 * 60

// NewScheduler wires a scheduler; owner must differ between replicas.
func NewScheduler(st schedulerStore, cases *Cases, events *Events, logger *slog.Logger, now Clock, owner string) *Scheduler {
	return &Scheduler{store: st, cases: cases, events: events, logger: logger, now: now, owner: owner, lease: time.Minute,
		foldKick: make(chan struct{}, 1)}
}

// OnSLAEvent sets who hears fired events. It may be called from several goroutines at once
// (a sweep handles a few cases concurrently).
func (sc *Scheduler) OnSLAEvent(l SLAListener) { sc.listener = l }

var errNothingDue = errors.New("nothing due")

// Sweep fires every due SLA event and idle rule and returns how many it fired.
func (sc *Scheduler) Sweep(ctx context.Context) (int, error) {
	now := sc.now()
	from, err := sc.store.TimerCursor(ctx, now)
	if err != nil {
		return 0, err
	}
	nowMinute := store.TimerMinute(now)
	to := min(nowMinute, from+maxSweepMinutes-1)
	env := &sweepEnv{sc: sc}
	// Writers never add to a minute before safe. The cursor may move up to the first minute
	// still holding work, but not past safe.
	safe := store.TimerMinute(now.Add(-store.TimerSafetyMargin))
	advance := min(to+1, safe)
	fired := 0
	minutes, err := sc.minutesToWalk(ctx, from, to, safe)
	if err != nil {
		return 0, err
	}
	for _, m := range minutes {
		slots, err := sc.store.TimerSlots(ctx, m)
		if err != nil {
			return fired, err
		}
		left := false
		for first := 0; first < slots; first += sweepSlotsAtOnce {
			ids := make([]string, 0, sweepSlotsAtOnce)
			for slot := first; slot < min(slots, first+sweepSlotsAtOnce); slot++ {
				ids = append(ids, store.TimerSlotID(m, slot))
			}
			n, kept, err := sc.sweepSlots(ctx, ids, now, env)
			fired += n
			if err != nil {
				return fired, err
			}
			left = left || kept
		}
		switch {
		case left:
			advance = min(advance, m)
		case slots > 0 && m < safe: // empty for good: forget its head
			if err := sc.store.DropTimerMinute(ctx, m); err != nil {
				return fired, err
			}
		}
	}
	if advance > from {
		if err := sc.store.AdvanceTimerCursor(ctx, advance); err != nil {
			return fired, err
		}
	}
	return fired, nil
}

// longWalk is how many minutes behind a sweep must be before it lists the minutes holding
// timers instead of reading every minute's head (one read each).
const longWalk = 60

// minutesToWalk lists the minutes of [from, to] a sweep looks at. Close behind, every one;
// far behind (catching up after an outage, or the demo's replay of past weeks), only the
// minutes holding timers before safe, which no writer adds to any more, then every minute
// from safe on. An empty minute has nothing to fire or drop, so the outcome is the same.
func (sc *Scheduler) minutesToWalk(ctx context.Context, from, to, safe int64) ([]int64, error) {
	var out []int64
	start := from
	if to-from > longWalk {
		heads, err := sc.store.TimerHeadMinutes(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range heads {
			if m >= from && m < safe && m <= to {
				out = append(out, m)
			}
		}
		start = max(from, safe)
	}
	for m := start; m <= to; m++ {
		out = append(out, m)
	}
	return out, nil
}

// sweepEnv is what a sweep reads once for all its cases, when it first finds one due: the
// rules and the SLA policies.
type sweepEnv struct {
	sc       *Scheduler
	loaded   bool
	rules    []escalation.Rule
	policies map[string]models.SLAPolicy
	// bulkTried says the sweep asked the due follow-up checks in bulk (once per sweep); asked
	// are the cases whose question's timer entry is done (true: this sweep asked them).
	bulkTried bool
	asked     map[string]bool
}

func (env *sweepEnv) load(ctx context.Context) error {
	if env.loaded {
		return nil
	}
	if env.sc.cases.rules != nil {
		var err error
		if env.rules, err = env.sc.store.ListRules(ctx); err != nil {
			return err
		}
	}
	ps, err := env.sc.store.ListSLAPolicies(ctx)
	if err != nil {
		return err
	}
	env.policies = make(map[string]models.SLAPolicy, len(ps))
	for _, p := range ps {
		env.policies[p.ID] = p
	}
	env.loaded = true
	return nil
}

// sweepSlotsAtOnce is how many slots of a minute are swept together (up to 32 timers each):
// their cases are stored side by side, indexed in one batch and told in one round, so the
// index marks, timers, tracking links, mails and live events of a few hundred cases travel in
// shared group commits and Bleve gets one segment instead of one per few cases.
const sweepSlotsAtOnce = 16

// sweepWorkers is how many cases of one group of slots are written at once: each case write is
// a few database round trips that mostly wait (its read, the grouped mark and timer, the
// replace), so enough of them in flight keep the group commits full.
const sweepWorkers = 64

// claimedSlot is a slot a sweep holds, with the cases it found due and those it handled.
type claimedSlot struct {
	slot    *store.TimerSlot
	due     []string
	mu      sync.Mutex
	handled []string
}

// sweepSlots claims the slots (of one minute), fires what is due in their cases and finishes
// the claims, in phases: store every due case's write (each its own conditional write on the
// case's version, which decides what fires, so each event fires once however many schedulers
// look), index the stored cases in one batch, then tell (rule effects, live events, the
// customers' follow-up mails, the agents' promise notices). kept says a slot still holds work
// (entries not due yet, ones that could not be handled, or another replica's claim).
func (sc *Scheduler) sweepSlots(ctx context.Context, ids []string, now time.Time, env *sweepEnv) (fired int, kept bool, err error) {
	var mu sync.Mutex
	var errs []error
	claimed := make([]*claimedSlot, len(ids))
	inParallel(len(ids), len(ids), func(i int) {
		slot, err := sc.store.ClaimTimerSlot(ctx, ids[i], sc.owner+"/"+newID(), now, sc.lease)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case errors.Is(err, store.ErrNotFound):
		case errors.Is(err, store.ErrNotClaimable):
			kept = true // its holder finishes it, or its lease runs out and we take it
		case err != nil:
			kept = true
			errs = append(errs, err)
		default:
			cs := &claimedSlot{slot: slot}
			for _, caseID := range slices.Sorted(maps.Keys(slot.Due)) {
				if !slot.Due[caseID].After(now) {
					cs.due = append(cs.due, caseID)
				}
			}
			claimed[i] = cs
		}
	})
	type dueCase struct {
		id   string
		at   time.Time // the entry's time
		slot *claimedSlot
	}
	var due []dueCase
	for _, cs := range claimed {
		if cs == nil {
			continue
		}
		for _, id := range cs.due {
			due = append(due, dueCase{id, cs.slot.Due[id], cs})
		}
	}
	if len(due) > 0 {
		if err := env.load(ctx); err != nil {
			for _, cs := range claimed {
				if cs != nil {
					_, _ = sc.store.FinishTimerSlot(ctx, cs.slot, nil) // let go: the next sweep retries
				}
			}
			return 0, true, errors.Join(append(errs, err)...)
		}
	}

	// Many due at once: ask the due follow-up checks in bulk first (once per sweep).
	if len(due) >= followUpBatchMin && !env.bulkTried {
		env.bulkTried = true
		asked, err := sc.askFollowUpsInBulk(ctx, now, env)
		if err != nil {
			sc.logger.Warn("follow-up checks in bulk", "err", err)
		}
		env.asked = asked
		for _, mine := range asked { // wherever their entries are (some in slots another holds)
			if mine {
				fired++
			}
		}
	}

	// Store.
	firings := make([]*firing, len(due))
	inParallel(len(due), sweepWorkers, func(i int) {
		if _, ok := env.asked[due[i].id]; ok { // asked in bulk (counted there): its entry is done
			cs := due[i].slot
			cs.mu.Lock()
			cs.handled = append(cs.handled, due[i].id)
			cs.mu.Unlock()
			return
		}
		f, ok := sc.handle(ctx, due[i].id, due[i].at, now, env)
		firings[i] = f
		if ok {
			cs := due[i].slot
			cs.mu.Lock()
			cs.handled = append(cs.handled, due[i].id)
			cs.mu.Unlock()
		}
	})
	// Index, in one batch.
	var docs []search.CaseDoc
	for _, f := range firings {
		if f != nil {
			docs = append(docs, ToDoc(f.c))
		}
	}
	if len(docs) > 0 {
		sc.cases.indexer.indexInOrder(ctx, docs)
	}
	// Tell.
	inParallel(len(firings), sweepWorkers, func(i int) {
		if f := firings[i]; f != nil {
			sc.tell(ctx, f)
			mu.Lock()
			fired += f.n
			mu.Unlock()
		}
	})
	// Finish the claims.
	inParallel(len(claimed), len(claimed), func(i int) {
		cs := claimed[i]
		if cs == nil {
			return
		}
		left, err := sc.store.FinishTimerSlot(ctx, cs.slot, cs.handled)
		mu.Lock()
		defer mu.Unlock()
		kept = kept || left > 0
		if err != nil {
			errs = append(errs, err)
		}
	})
	return fired, kept, errors.Join(errs...)
}

// handle looks at one case whose timer entry is due: it stores what fires (returned, to be
// indexed and told), or re-files the entry at the case's real next timer. ok says the entry
// can go.
func (sc *Scheduler) handle(ctx context.Context, id string, entryAt, now time.Time, env *sweepEnv) (f *firing, ok bool) {
	f, next, err := sc.fire(ctx, id, entryAt, now, env)
	switch {
	case err == nil:
		return f, true // the firing write filed the case's next timer itself
	case errors.Is(err, errNothingDue):
		// A stale entry (the case moved on): file it where the case says, if anywhere.
		if err := sc.store.SetSLATimer(ctx, id, next); err != nil {
			sc.logger.Warn("SLA timer", "case", id, "err", err)
			return nil, false
		}
		return nil, true
	case errors.Is(err, store.ErrNotFound), isNotFound(err):
		return nil, true
	}
	sc.logger.Warn("SLA timer", "case", id, "err", err)
	// Try again after a lease, from a later minute, so one failing case holds up nothing else.
	retry := now.Add(sc.lease)
	if err := sc.store.SetSLATimer(ctx, id, &retry); err != nil {
		return nil, false
	}
	return nil, true
}

// firing is what one case's firing write stored and leaves to tell once the case is indexed.
type firing struct {
	c              *models.Case
	effects        []escalation.RuleEffect
	events         []models.SLAEvent
	asked          bool
	remind, broken []models.Promise
	n              int // how many things fired
}

// tell carries out what a stored firing leaves to do: the rules' effects and the live event,
// the SLA listener, the customer's follow-up mail, the agents' promise notices.
func (sc *Scheduler) tell(ctx context.Context, f *firing) {
	c := f.c
	sc.cases.afterWrite(ctx, c, sc.cases.rules.aftermathOf(ctx, c, f.effects), sc.cases.publish(EventCaseUpdated, map[string]any{"by": "sla"}))
	if sc.listener != nil && len(f.events) > 0 {
		sc.listener(ctx, c, f.events)
	}
	fu := sc.cases.followUps
	if f.asked {
		fu.askCustomer(ctx, c)
	}
	fu.tellAgents(ctx, c, f.remind, f.broken)
}

// fire stores the case's due SLA events and idle rules in one case write (not yet indexed or
// told). With nothing due it returns errNothingDue and the case's real next timer. entryAt is
// the time of the timer entry that brought the sweep here.
func (sc *Scheduler) fire(ctx context.Context, id string, entryAt, now time.Time, env *sweepEnv) (*firing, *time.Time, error) {
	rules, policies := env.rules, env.policies
	var events []models.SLAEvent
	var effects []escalation.RuleEffect
	var next *time.Time
	idleFired := 0
	var asked, expired bool
	var remind, broken []models.Promise
	var missed *models.Case
	fu := sc.cases.followUps
	c, _, err := sc.cases.writeStored(ctx, id, writeSpec{rules: rules, policies: policies}, func(c *models.Case) error {
		events, effects, next, idleFired = nil, nil, nil, 0
		asked, expired, remind, broken, missed = false, false, nil, nil, nil
		if fu != nil {
			// The follow-up check and promises: the case write decides, so each step
			// happens once however many schedulers look at the case.
			asked = c.AskFollowUp(now, fu.settings.AnswerWindow)
			expired = c.ExpireFollowUp(now)
			remind, broken = c.PromisesDue(now)
		}
		p, ok, err := sc.cases.sla.policyOf(ctx, c, policies)
		if err != nil {
			return err
		}
		cal, stopped := businesstime.DefaultCalendar(), false
		switch {
		case ok:
			cal = p.Calendar
			events = c.EvaluateSLA(now)
		case c.SLAPolicyID != "":
			c.StopSLA("policy deleted", now) // never fire clocks of a deleted policy
			stopped = true
		}
		if !ok {
			events = c.EvaluateApprovalClocks(now) // they belong to no policy
		}
		// Warnings and breaches run their rules in the same write.
		for _, e := range events {
			trigger := escalation.TriggerSLAWarning
			if e.Type == models.SLAEventBreached {
				trigger = escalation.TriggerSLABreach
			} else if e.Type != models.SLAEventWarned {
				continue
			}
			fx, err := sc.cases.runRules(ctx, c, rules, ruleRun{trigger: trigger, slaKind: e.Clock})
			if err != nil {
				return err
			}
			effects = append(effects, fx...)
		}
		idle := escalation.IdleRules(rules)
		due, idleFor := c.IdleRulesDue(idle, cal, now)
		if len(due) > 0 {
			mark := len(c.Timeline)
			fx, err := sc.cases.runRules(ctx, c, rules, ruleRun{trigger: escalation.TriggerNoAgentActivity, idle: idleFor, done: c.IdleDone})
			if err != nil {
				return err
			}
			effects = append(effects, fx...)
			for _, e := range c.Timeline[mark:] {
				if e.Type == "rule_fired" && slices.Contains(due, e.Data["rule_id"]) {
					idleFired++
				}
			}
			c.MarkIdleRulesDone(due)
		}
		if len(events) == 0 && len(due) == 0 && !stopped && !asked && !expired && len(remind)+len(broken) == 0 {
			next = c.NextTimer(idle, cal)
			// The question's entry of a check already asked: a sweep that asked it may have
			// stopped before its mail was stored (see followup_batch.go).
			missed = nil
			if k := c.FollowUpCheck; fu != nil && k != nil && k.State == models.FollowUpAsked && entryAt.Equal(k.AskAt) {
				missed = c
			}
			return errNothingDue
		}
		c.UpdatedAt = now
		return nil
	})
	if err != nil {
		if missed != nil && errors.Is(err, errNothingDue) {
			fu.mailMissedCheck(ctx, missed)
		}
		return nil, next, err
	}
	n := len(events) + idleFired + len(remind) + len(broken)
	for _, done := range []bool{asked, expired} {
		if done {
			n++
		}
	}
	return &firing{c: c, effects: effects, events: events, asked: asked, remind: remind, broken: broken, n: n}, nil, nil
}

func isNotFound(err error) bool {
	de, ok := models.AsError(err)
	return ok && de.Kind == models.KindNotFound
}

// Run sweeps every interval until ctx ends; beside it, the fold brings bulk asks into their
// cases when a sweep made one, and every interval (a batch whose asker died).
func (sc *Scheduler) Run(ctx context.Context, interval time.Duration) {
	var folds sync.WaitGroup
	folds.Add(1)
	go func() {
		defer folds.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			if _, err := sc.FoldFollowUps(ctx); err != nil && ctx.Err() == nil {
				sc.logger.Warn("follow-up fold", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			case <-sc.foldKick:
			}
		}
	}()
	defer folds.Wait()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if _, err := sc.Sweep(ctx); err != nil && ctx.Err() == nil {
			sc.logger.Warn("SLA sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
