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
}

// maxSweepMinutes bounds the minutes one sweep walks (a day): after a long outage the cursor
// catches up over a few sweeps instead of one very long one.
const maxSweepMinutes = 24 * 60

// NewScheduler wires a scheduler; owner must differ between replicas.
func NewScheduler(st schedulerStore, cases *Cases, events *Events, logger *slog.Logger, now Clock, owner string) *Scheduler {
	return &Scheduler{store: st, cases: cases, events: events, logger: logger, now: now, owner: owner, lease: time.Minute}
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
		for slot := 0; slot < slots; slot++ {
			n, kept, err := sc.sweepSlot(ctx, store.TimerSlotID(m, slot), now, env)
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

// sweepWorkers is how many cases of one slot are handled at once: each is a few database
// round trips that mostly wait, so a little concurrency shortens a busy sweep.
const sweepWorkers = 4

// sweepSlot claims one slot, handles each of its cases that is due and finishes the claim.
// kept says the slot still holds work (entries not due yet, ones that could not be handled,
// or another replica's claim).
func (sc *Scheduler) sweepSlot(ctx context.Context, id string, now time.Time, env *sweepEnv) (fired int, kept bool, err error) {
	slot, err := sc.store.ClaimTimerSlot(ctx, id, sc.owner+"/"+newID(), now, sc.lease)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return 0, false, nil
	case errors.Is(err, store.ErrNotClaimable):
		return 0, true, nil // its holder finishes it, or its lease runs out and we take it
	case err != nil:
		return 0, true, err
	}
	var due []string
	for _, caseID := range slices.Sorted(maps.Keys(slot.Due)) {
		if !slot.Due[caseID].After(now) {
			due = append(due, caseID)
		}
	}
	if len(due) > 0 {
		if err := env.load(ctx); err != nil {
			_, _ = sc.store.FinishTimerSlot(ctx, slot, nil) // let go: the next sweep retries
			return 0, true, err
		}
	}
	var mu sync.Mutex
	var handled []string
	var wg sync.WaitGroup
	work := make(chan string)
	for w := 0; w < min(sweepWorkers, len(due)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for caseID := range work {
				n, ok := sc.handle(ctx, caseID, now, env)
				mu.Lock()
				fired += n
				if ok {
					handled = append(handled, caseID)
				}
				mu.Unlock()
			}
		}()
	}
	for _, caseID := range due {
		work <- caseID
	}
	close(work)
	wg.Wait()
	left, err := sc.store.FinishTimerSlot(ctx, slot, handled)
	return fired, left > 0, err
}

// handle looks at one case whose timer entry is due: it fires what is due, or re-files the
// entry at the case's real next timer. ok says the entry can go.
func (sc *Scheduler) handle(ctx context.Context, id string, now time.Time, env *sweepEnv) (fired int, ok bool) {
	n, next, err := sc.fire(ctx, id, now, env)
	switch {
	case err == nil:
		return n, true // the firing write filed the case's next timer itself
	case errors.Is(err, errNothingDue):
		// A stale entry (the case moved on): file it where the case says, if anywhere.
		if err := sc.store.SetSLATimer(ctx, id, next); err != nil {
			sc.logger.Warn("SLA timer", "case", id, "err", err)
			return 0, false
		}
		return 0, true
	case errors.Is(err, store.ErrNotFound), isNotFound(err):
		return 0, true
	}
	sc.logger.Warn("SLA timer", "case", id, "err", err)
	// Try again after a lease, from a later minute, so one failing case holds up nothing else.
	retry := now.Add(sc.lease)
	if err := sc.store.SetSLATimer(ctx, id, &retry); err != nil {
		return 0, false
	}
	return 0, true
}

// fire fires the case's due SLA events and idle rules in one case write. With nothing due it
// returns errNothingDue and the case's real next timer.
func (sc *Scheduler) fire(ctx context.Context, id string, now time.Time, env *sweepEnv) (int, *time.Time, error) {
	rules, policies := env.rules, env.policies
	var events []models.SLAEvent
	var effects []escalation.RuleEffect
	var next *time.Time
	idleFired := 0
	var asked, expired bool
	var remind, broken []models.Promise
	fu := sc.cases.followUps
	c, err := sc.cases.write(ctx, id, writeSpec{rules: rules, policies: policies}, func(c *models.Case) error {
		events, effects, next, idleFired = nil, nil, nil, 0
		asked, expired, remind, broken = false, false, nil, nil
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
			return errNothingDue
		}
		c.UpdatedAt = now
		return nil
	})
	if err != nil {
		return 0, next, err
	}
	sc.cases.afterWrite(ctx, c, sc.cases.rules.aftermathOf(ctx, c, effects), sc.cases.publish(EventCaseUpdated, map[string]any{"by": "sla"}))
	if sc.listener != nil && len(events) > 0 {
		sc.listener(ctx, c, events)
	}
	if asked {
		fu.askCustomer(ctx, c)
	}
	fu.tellAgents(ctx, c, remind, broken)
	n := len(events) + idleFired + len(remind) + len(broken)
	for _, done := range []bool{asked, expired} {
		if done {
			n++
		}
	}
	return n, nil, nil
}

func isNotFound(err error) bool {
	de, ok := models.AsError(err)
	return ok && de.Kind == models.KindNotFound
}

// Run sweeps every interval until ctx ends.
func (sc *Scheduler) Run(ctx context.Context, interval time.Duration) {
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
