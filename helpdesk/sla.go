package helpdesk

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// DefaultSLAPolicyID is the policy a fresh installation starts with.
const DefaultSLAPolicyID = "default"

// SLA keeps SLA policies and moves each case's clocks as the case changes.
type SLA struct {
	store *store.Store
	now   Clock
}

// NewSLA wires SLA policies.
func NewSLA(st *store.Store, now Clock) *SLA { return &SLA{store: st, now: now} }

// EnsureDefaultPolicy creates the default policy when there is none at all: Mon–Fri 08–16
// Helsinki, first response 8/4/2/1 business hours by priority, warning at 75%.
func (s *SLA) EnsureDefaultPolicy(ctx context.Context) error {
	ps, err := s.store.ListSLAPolicies(ctx)
	if err != nil || len(ps) > 0 {
		return err
	}
	enabled, warn, cal := true, 75, businesstime.DefaultCalendar()
	hours := func(first, next, resolve int) models.SLATargetsInput {
		return models.SLATargetsInput{FirstResponseMinutes: first * 60, NextResponseMinutes: next * 60, ResolutionMinutes: resolve * 60}
	}
	p, err := models.NewSLAPolicy(DefaultSLAPolicyID, models.SLAPolicyCreate{
		Name: "Standard", Enabled: &enabled, WarnAtPercent: &warn, Calendar: &cal,
		Targets: map[models.Priority]models.SLATargetsInput{
			models.PriorityLow: hours(16, 16, 80), models.PriorityNormal: hours(8, 8, 40),
			models.PriorityHigh: hours(4, 4, 24), models.PriorityUrgent: hours(1, 2, 8),
		},
	}, s.now())
	if err != nil {
		return err
	}
	if err := s.store.InsertSLAPolicy(ctx, p); err != nil && !store.IsDuplicate(err) {
		return err
	}
	return nil
}

// start puts a new case under the first matching policy.
func (s *SLA) start(ctx context.Context, c *models.Case, now time.Time) error {
	ps, err := s.store.ListSLAPolicies(ctx)
	if err != nil {
		return err
	}
	if p, ok := models.SelectSLAPolicy(ps, c); ok {
		c.StartSLA(p, now)
	}
	return nil
}

// policyOf returns the case's policy; ok is false for a case under none (or a deleted one).
// known, when not nil, holds every policy (read once for many cases by the scheduler).
func (s *SLA) policyOf(ctx context.Context, c *models.Case, known map[string]models.SLAPolicy) (models.SLAPolicy, bool, error) {
	if c.SLAPolicyID == "" {
		return models.SLAPolicy{}, false, nil
	}
	if known != nil {
		p, ok := known[c.SLAPolicyID]
		return p, ok, nil
	}
	p, err := s.store.GetSLAPolicy(ctx, c.SLAPolicyID)
	if errors.Is(err, store.ErrNotFound) {
		return models.SLAPolicy{}, false, nil
	}
	if err != nil {
		return models.SLAPolicy{}, false, err
	}
	return *p, true, nil
}

// after moves a case's clocks after a change: what names the event (agent or customer reply)
// or is "" for a plain update, where only a status change matters.
func (s *SLA) after(ctx context.Context, c *models.Case, what string, previous models.Status, now time.Time, known map[string]models.SLAPolicy) error {
	p, ok, err := s.policyOf(ctx, c, known)
	if err != nil {
		return err
	}
	if !ok {
		c.StopSLA("policy deleted", now)
		return nil
	}
	switch what {
	case models.SLAOnCustomerReply:
		c.SLAAfter(p, what, previous, now) // it handles the reopening itself
	case models.SLAOnAgentReply:
		c.SLAAfter(p, what, previous, now)
		if c.Status != previous {
			c.SLAAfter(p, models.SLAOnStatus, previous, now)
		}
	default:
		if c.Status != previous {
			c.SLAAfter(p, models.SLAOnStatus, previous, now)
		}
	}
	return nil
}

// List returns every policy, first-matching first; every staff member may read them.
func (s *SLA) List(ctx context.Context, p *Principal) ([]models.SLAPolicy, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	ps, err := s.store.ListSLAPolicies(ctx)
	// The order in which SelectSLAPolicy tries them: position, then name, then ID.
	slices.SortStableFunc(ps, func(a, b models.SLAPolicy) int {
		if a.Position != b.Position {
			return a.Position - b.Position
		}
		if a.Name != b.Name {
			return strings.Compare(a.Name, b.Name)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return ps, err
}

// Get returns one policy.
func (s *SLA) Get(ctx context.Context, p *Principal, id string) (*models.SLAPolicy, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	pol, err := s.store.GetSLAPolicy(ctx, id)
	return pol, notFoundAs(err, "SLA policy")
}

// Create adds a policy (managers and admins).
func (s *SLA) Create(ctx context.Context, p *Principal, req models.SLAPolicyCreate) (*models.SLAPolicy, error) {
	if err := p.Require(models.RoleManager); err != nil {
		return nil, err
	}
	pol, err := models.NewSLAPolicy(newID(), req, s.now())
	if err != nil {
		return nil, err
	}
	return pol, s.store.InsertSLAPolicy(ctx, pol)
}

// Patch changes a policy (managers and admins). Running clocks keep the targets they started
// with; new clocks use the new ones.
func (s *SLA) Patch(ctx context.Context, p *Principal, id string, req models.SLAPolicyPatch) (*models.SLAPolicy, error) {
	if err := p.Require(models.RoleManager); err != nil {
		return nil, err
	}
	pol, err := s.store.GetSLAPolicy(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "SLA policy")
	}
	if pol.Version != req.Version {
		return nil, models.Conflict("version_conflict", "the policy was changed by someone else; reload and try again")
	}
	if err := pol.ApplyPatch(req, s.now()); err != nil {
		return nil, err
	}
	pol.Version++
	if err := s.store.UpdateSLAPolicy(ctx, pol); err != nil {
		if errors.Is(err, store.ErrVersionMismatch) {
			return nil, models.Conflict("version_conflict", "the policy was changed by someone else; reload and try again")
		}
		return nil, err
	}
	return pol, nil
}

// Delete removes a policy (managers and admins). Cases under it keep their clocks but no
// longer move them.
func (s *SLA) Delete(ctx context.Context, p *Principal, id string) error {
	if err := p.Require(models.RoleManager); err != nil {
		return err
	}
	return notFoundAs(s.store.DeleteSLAPolicy(ctx, id), "SLA policy")
}

// SLAListener hears the warnings and breaches the scheduler fires (escalation rules use it).
type SLAListener func(ctx context.Context, c *models.Case, events []models.SLAEvent)

// Scheduler fires SLA warnings and breaches and no-agent-activity rules when they are due. Its
// timers are in the database (see store/timers.go for the layout), read only by _id, so a
// sweep costs the same with 10 or 10,000 open cases; after a restart every due event still
// fires, and claims make each fire once however many replicas run a scheduler. The case
// document is the truth: a timer entry only says "look at this case then", and the write that
// fires re-checks what is due under the case's optimistic concurrency, so even a case looked
// at by two schedulers at once fires each event once.
type Scheduler struct {
	store    *store.Store
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
func NewScheduler(st *store.Store, cases *Cases, events *Events, logger *slog.Logger, now Clock, owner string) *Scheduler {
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
	for m := from; m <= to; m++ {
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
	c, err := sc.cases.write(ctx, id, writeSpec{rules: rules, policies: policies}, func(c *models.Case) error {
		events, effects, next, idleFired = nil, nil, nil, 0
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
		if len(events) == 0 && len(due) == 0 && !stopped {
			next = c.NextTimer(idle, cal)
			return errNothingDue
		}
		c.UpdatedAt = now
		return nil
	})
	if err != nil {
		return 0, next, err
	}
	sc.cases.afterWrite(ctx, c, sc.cases.rules.aftermathOf(ctx, c, effects), sc.cases.publish(ctx, EventCaseUpdated, map[string]any{"by": "sla"}))
	if sc.listener != nil && len(events) > 0 {
		sc.listener(ctx, c, events)
	}
	return len(events) + idleFired, nil, nil
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
