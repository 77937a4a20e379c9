package helpdesk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/batch"
	"github.com/kaiku-helpdesk/kaiku/businesstime"
	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// How a case is stored, in rounds. A round is writes that do not depend on one another, issued
// at once (inOneRound) so that they travel in the same group commits (batch.GroupCommit) and a
// request waits for one round trip instead of one per write. The path of one complaint from the
// public form, top to bottom:
//
//  1. Intake.Submit, first round: the reference is taken (from a block of references held in
//     memory), then the two rate-limit hits, the index mark of the reference and the
//     idempotency claim go in one round.
//  2. Intake.file: the attachments are stored (before the case that points at them).
//  3. Cases.fileNew, below, decides the case without writing it: the case built under the
//     reference, the case_created rules run on it, its SLA started, its next timer and the
//     rules' notices worked out.
//  4. fileNew, store round: the case, its timer and the rules' in-app notifications.
//  5. fileNew, index: the case is in the search index when the request is answered.
//  6. Cases.afterWrite, tell round: the live event, the customer's acknowledgement, the rules'
//     notification events and mails and webhook deliveries (after a rule's SLA policy, which
//     is a write of its own).
//
// A change to a stored case (Cases.write) takes the same steps with a conditional update in
// place of the store round.

// inOneRound runs the steps at the same time and returns their errors in order
// (batch.InOneRound; the name is the one the rounds above are written in).
func inOneRound(steps ...func() error) []error { return batch.InOneRound(steps...) }

// announcement is who is told of a stored case change, besides those the rules tell: a live
// event and, when set, the customer (an acknowledgement, an agent's reply).
type announcement struct {
	event string
	data  map[string]any
	// customer tells the customer of the stored case; a failure is its own to log.
	customer func(ctx context.Context, c *models.Case)
	// also, when set, gives the live events of what was written beside the case (an approval
	// decision's notification to its requester), published in one page with the case's event.
	also func(ctx context.Context) []models.Event
}

// publish is an announcement that is only a live event.
func (s *Cases) publish(event string, data map[string]any) announcement {
	return announcement{event: event, data: data}
}

// newCase is a case to store for the first time.
type newCase struct {
	// reference is the case's ID; "" takes the next free one. A taken reference (a counter
	// reset by hand, or a racing replica on FerretDB) gives way to the next free one.
	reference string
	// marked says the caller put the reference's index mark in its own round.
	marked bool
	// build makes the case under an ID.
	build func(id string) *models.Case
	// sameRequest, when set, recognises a case already stored under reference as this very
	// request's (an idempotent retry stored it first): it is the answer, not filed again.
	sameRequest func(stored *models.Case) bool
	announce    announcement
}

// fileNew stores a new case: decide, store round, index, then afterWrite.
func (s *Cases) fileNew(ctx context.Context, nc newCase) (*models.Case, error) {
	now := s.now()
	for attempt := 0; attempt < 20; attempt++ {
		// Decide: the case as the rules and its SLA leave it, its timer and the rules' notices.
		id := nc.reference
		if attempt > 0 || id == "" {
			var err error
			if id, err = s.nextReference(ctx, now); err != nil {
				return nil, err
			}
		}
		c := nc.build(id)
		c.StartIdlePeriod(c.CreatedAt)
		rules, err := s.loadRules(ctx)
		if err != nil {
			return nil, err
		}
		effects, err := s.runRules(ctx, c, rules, ruleRun{trigger: escalation.TriggerCaseCreated, isNew: true})
		if err != nil {
			return nil, err
		}
		// The SLA starts after the rules, so a priority they set decides the targets.
		if err := s.sla.start(ctx, c, now); err != nil {
			return nil, err
		}
		if !nc.marked || attempt > 0 {
			if err := s.store.MarkDirty(ctx, c.ID, c.Version, now); err != nil {
				return nil, err
			}
		}
		timer, err := s.recordTimer(ctx, c, rules, nil)
		if err != nil {
			return nil, err
		}
		am := s.rules.aftermathOf(ctx, c, effects)

		// Store round: the case, its timer and the rules' in-app notifications side by side. A
		// timer whose case failed to store leads nowhere (the timer's case is read before it
		// fires), and such notifications are deleted again.
		steps := []func() error{func() error { return s.store.InsertCase(ctx, c) }}
		if timer != nil {
			steps = append(steps, func() error { return s.store.SetSLATimer(ctx, c.ID, timer) })
		}
		if am != nil {
			steps = append(steps, func() error { am.storeNotifications(ctx); return nil })
		}
		errs := inOneRound(steps...)
		if errs[0] != nil {
			am.discard(ctx)
		}
		if store.IsDuplicate(errs[0]) {
			if attempt == 0 && nc.sameRequest != nil {
				if stored, err := s.store.GetCase(ctx, id); err == nil && nc.sameRequest(stored) {
					return stored, nil
				}
			}
			continue
		}
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		if err := s.store.SetSLATimer(ctx, c.ID, againIfSoon(timer, now)); err != nil {
			return nil, err
		}

		// Index, then tell.
		s.indexer.Indexed(ctx, c)
		s.afterWrite(ctx, c, am, nc.announce)
		return c, nil
	}
	return nil, errors.New("could not allocate a case reference")
}

// writeSpec says what a case write stands for.
type writeSpec struct {
	expected int64                  // the version the client saw; 0 when the server decides
	slaEvent string                 // an agent or customer reply, for the SLA clocks
	trigger  escalation.TriggerType // the rules to run; "" runs none
	slaKind  models.SLAKind         // for SLA triggers
	// The stored rules and SLA policies (by ID) when the caller has read them already.
	rules    []escalation.Rule
	policies map[string]models.SLAPolicy
	announce announcement
	// remedy is the grant asked for, for approval_requested.
	remedy *escalation.RemedyFacts
	// beside, when set, is another record read and written with the case (see besideWrite).
	beside *besideWrite
	// retrigger, when set, names the rules to run (and the grant asked for) once change has
	// run, in place of trigger and remedy: a grant's write that became an approval request.
	retrigger func() (escalation.TriggerType, *escalation.RemedyFacts)
}

// besideWrite is another record a case write reads and writes with the case, such as the
// approval request an approver decides: its lock is held with the case's and it is read in the
// same round as the case (lock); change decides on both; write stores it in the round of the
// case's index mark and timer, before the case, which is written only if write succeeds. A
// record made by change (a grant's approval request) has no lock (a zero lock) and nothing
// to read.
type besideWrite struct {
	lock  store.Beside
	write func(ctx context.Context) error
}

// write reads, changes and stores a case under optimistic concurrency: decide and store in one
// conditional update (writeStored), then index, then afterWrite.
func (s *Cases) write(ctx context.Context, id string, w writeSpec, change func(c *models.Case) error) (*models.Case, error) {
	c, effects, err := s.writeStored(ctx, id, w, change)
	if err != nil {
		return nil, err
	}
	s.indexer.Indexed(ctx, c)
	s.afterWrite(ctx, c, s.rules.aftermathOf(ctx, c, effects), w.announce)
	return c, nil
}

// writeStored is the part of write up to the case and its timer being stored, in one
// conditional update: the change, the SLA clocks, the rules, the index mark and the timer. The
// caller indexes the case and carries out the rules' effects (a bulk change does both for its
// whole batch at once).
func (s *Cases) writeStored(ctx context.Context, id string, w writeSpec, change func(c *models.Case) error) (*models.Case, []escalation.RuleEffect, error) {
	rules := w.rules
	if rules == nil {
		var err error
		if rules, err = s.loadRules(ctx); err != nil {
			return nil, nil, err
		}
	}
	var effects []escalation.RuleEffect
	var timerAgain *time.Time
	resolved := false
	update := s.store.UpdateCase
	if w.beside != nil && w.beside.lock.Key != "" {
		update = func(ctx context.Context, id string, mutate func(c *models.Case) error) (*models.Case, error) {
			return s.store.UpdateCaseBeside(ctx, id, w.beside.lock, mutate)
		}
	}
	c, err := update(ctx, id, func(c *models.Case) error {
		if w.expected != 0 && c.Version != w.expected {
			return models.StaleVersion("case", c.Version)
		}
		now := s.now()
		previous := c.Status
		mark := len(c.Timeline)
		if err := change(c); err != nil {
			return err
		}
		resolved = s.followUps.afterChange(c, previous, now)
		if err := s.sla.after(ctx, c, w.slaEvent, previous, now, w.policies); err != nil {
			return err
		}
		c.NoteActivity(c.Timeline[mark:], previous, now)
		effects = nil
		trigger, remedy := w.trigger, w.remedy
		if w.retrigger != nil {
			trigger, remedy = w.retrigger()
		}
		if trigger != "" {
			var err error
			effects, err = s.runRules(ctx, c, rules, ruleRun{trigger: trigger, changed: changedFields(c.Timeline[mark:]), slaKind: w.slaKind, remedy: remedy})
			if err != nil {
				return err
			}
		}
		timer, err := s.recordTimer(ctx, c, rules, w.policies)
		if err != nil {
			return err
		}
		timerAgain = againIfSoon(timer, now)
		// The index mark, the timer and a record written beside the case go in one round, before
		// the case. Should one fail, the case is not written: a mark or timer of an unwritten
		// change costs a reindex or a sweep's look at the case, nothing more.
		steps := []func() error{
			func() error { return s.store.MarkDirty(ctx, c.ID, c.Version+1, now) },
			func() error { return s.store.SetSLATimer(ctx, c.ID, timer) },
		}
		if w.beside != nil {
			steps = append(steps, func() error { return w.beside.write(ctx) })
		}
		return cmp.Or(inOneRound(steps...)...)
	})
	if err != nil {
		if errors.Is(err, store.ErrVersionMismatch) {
			return nil, nil, models.Conflict("version_conflict", "the case is being changed by others; try again")
		}
		return nil, nil, notFoundAs(err, "case")
	}
	if err := s.store.SetSLATimer(ctx, c.ID, timerAgain); err != nil {
		return nil, nil, err
	}
	if resolved {
		// The customer hears of the resolution from the notice, never from a reply mail.
		s.followUps.resolutionNotice(ctx, c)
	}
	return c, effects, nil
}

// afterWrite carries out, once the case is stored and indexed, what the rules that fired left
// to do (am, nil when none) and the announcement. Effects that write the case again (an SLA
// policy) go first, in rule order; then the in-app notifications are stored, together, unless
// they were stored with the case; then everything that tells goes out in one round. So a
// notification is stored before anyone is told of it, the announcement reports the case as
// the rules left it, and telling costs one round of group commits (a changed case's, two when
// a rule notifies in the app). Failures are logged: the case change itself stands.
func (s *Cases) afterWrite(ctx context.Context, c *models.Case, am *aftermath, a announcement) {
	for _, e := range am.rewrites() {
		s.applySLAPolicy(ctx, c.ID, e)
	}
	am.storeNotifications(ctx)
	var tell []func() error
	if a.event != "" {
		tell = append(tell, func() error {
			events := []models.Event{{Type: a.event, CaseID: c.ID, Data: a.data}}
			if a.also != nil {
				events = append(events, a.also(ctx)...)
			}
			s.events.PublishAll(ctx, events...)
			return nil
		})
	}
	if a.customer != nil {
		tell = append(tell, func() error { a.customer(ctx, c); return nil })
	}
	inOneRound(append(tell, am.tellings(ctx, c)...)...)
}

// applySLAPolicy puts the case under the policy a rule named, in a write of its own; a failure
// is logged.
func (s *Cases) applySLAPolicy(ctx context.Context, caseID string, e escalation.RuleEffect) {
	_, err := s.write(ctx, caseID, writeSpec{}, func(c *models.Case) error {
		p, err := s.store.GetSLAPolicy(ctx, e.PolicyID)
		if err != nil {
			return err
		}
		c.StartSLA(*p, s.now())
		return nil
	})
	if err != nil {
		s.rules.logger.Warn("rule effect", "rule", e.RuleName, "kind", e.Kind, "case", caseID, "err", err)
	}
}

// runRules evaluates the escalation rules (all of them, as stored) for a case inside its write.
func (s *Cases) runRules(ctx context.Context, c *models.Case, rules []escalation.Rule, rr ruleRun) ([]escalation.RuleEffect, error) {
	if s.rules == nil {
		return nil, nil
	}
	return s.rules.run(ctx, c, rules, rr)
}

// loadRules reads the stored rules once per write (nil when no rules are wired).
func (s *Cases) loadRules(ctx context.Context) ([]escalation.Rule, error) {
	if s.rules == nil {
		return nil, nil
	}
	return s.store.ListRules(ctx)
}

// calendarOf is the calendar a case's idle time counts on: its SLA policy's, or the default.
// known holds the policies by ID when the caller has them; else the store's snapshot is used.
func (s *Cases) calendarOf(ctx context.Context, c *models.Case, known map[string]models.SLAPolicy) (businesstime.Calendar, error) {
	if c.SLAPolicyID == "" {
		return businesstime.DefaultCalendar(), nil
	}
	if known != nil {
		if p, ok := known[c.SLAPolicyID]; ok {
			return p.Calendar, nil
		}
		return businesstime.DefaultCalendar(), nil
	}
	ps, err := s.store.ListSLAPolicies(ctx)
	if err != nil {
		return businesstime.DefaultCalendar(), err
	}
	for _, p := range ps {
		if p.ID == c.SLAPolicyID {
			return p.Calendar, nil
		}
	}
	return businesstime.DefaultCalendar(), nil
}

// nextTimer is when the case next needs the scheduler (its next SLA event or idle rule).
func (s *Cases) nextTimer(ctx context.Context, c *models.Case, rules []escalation.Rule, known map[string]models.SLAPolicy) (*time.Time, error) {
	idle := escalation.IdleRules(rules)
	cal := businesstime.DefaultCalendar()
	if len(idle) > 0 && c.NeedsAgent() {
		var err error
		if cal, err = s.calendarOf(ctx, c, known); err != nil {
			return nil, err
		}
	}
	return c.NextTimer(idle, cal), nil
}

// recordTimer computes the case's next timer and, when it differs from the one the case asked
// for last, records it on the case and returns it for the caller to write. The timer is
// written before or beside the case, never after: a case that needs a timer never exists
// without one (an entry whose case does not need it is dropped by the sweep).
func (s *Cases) recordTimer(ctx context.Context, c *models.Case, rules []escalation.Rule, known map[string]models.SLAPolicy) (*time.Time, error) {
	next, err := s.nextTimer(ctx, c, rules, known)
	if err != nil || sameTime(next, c.NextTimerAt) {
		return nil, err
	}
	c.NextTimerAt = next
	return next, nil
}

// againIfSoon returns a timer due within the safety margin, to be written once more after its
// case is stored: a sweep that read the case before it was stored may have dropped the first
// entry as stale. Later timers cannot be swept before the case is stored.
func againIfSoon(timer *time.Time, now time.Time) *time.Time {
	if timer != nil && timer.Before(now.Add(store.TimerSafetyMargin)) {
		return timer
	}
	return nil
}

// nextReference allocates the next yearly case reference.
func (s *Cases) nextReference(ctx context.Context, now time.Time) (string, error) {
	year := now.Year()
	n, err := s.refs.take(ctx, year, now)
	if err != nil {
		return "", err
	}
	return models.FormatReference(year, n), nil
}

// reservedReference is a case reference taken for a case that may not be filed (a review
// whose key turns out to be claimed already); Cases.giveBack returns it.
type reservedReference struct {
	id   string
	year int
	n    int64
}

// reserveReferences takes n references at once for a batch of new cases: one counter write
// at most, where taking them one by one would queue the batch on the counter's lock.
func (s *Cases) reserveReferences(ctx context.Context, now time.Time, n int) ([]reservedReference, error) {
	year := now.Year()
	nums, err := s.refs.takeMany(ctx, year, n)
	if err != nil {
		return nil, err
	}
	out := make([]reservedReference, len(nums))
	for i, k := range nums {
		out[i] = reservedReference{id: models.FormatReference(year, k), year: year, n: k}
	}
	return out, nil
}

// giveBack returns reserved references not used, so the next cases take them and
// redeliveries leave no gaps in the numbers.
func (s *Cases) giveBack(refs []reservedReference) {
	for _, r := range refs {
		s.refs.giveBack(r.year, r.n)
	}
}

// referenceBlocks hands out case reference numbers from blocks reserved in the database. At a
// trickle a block is one number, so references stay consecutive; when they are asked for
// faster than one a second, blocks double (up to maxReferenceBlock), so a burst of
// complaints does not queue on the counter. A restart may leave the rest of a block unused:
// a gap in the numbers, never a duplicate.
type referenceBlocks struct {
	store interface {
		NextSequenceBlock(ctx context.Context, name string, n int64) (int64, error)
	}

	mu       sync.Mutex
	year     int
	nextN    int64 // next number to hand out
	last     int64 // last number of the block
	size     int64
	reserved time.Time
	// returned are numbers of year handed out and given back unused, taken again first.
	returned []int64
}

// giveBack makes n, handed out by take and not used, the next number take hands out.
func (r *referenceBlocks) giveBack(year int, n int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if year == r.year {
		r.returned = append(r.returned, n)
		// Smallest last: it is handed out first, so the numbers stay in order.
		slices.SortFunc(r.returned, func(a, b int64) int { return cmp.Compare(b, a) })
	}
}

const maxReferenceBlock = 64

func (r *referenceBlocks) take(ctx context.Context, year int, now time.Time) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k := len(r.returned); k > 0 && year == r.year {
		n := r.returned[k-1]
		r.returned = r.returned[:k-1]
		return n, nil
	}
	if year != r.year || r.nextN > r.last {
		size := int64(1)
		if year == r.year && now.Sub(r.reserved) < time.Second {
			size = min(r.size*2, maxReferenceBlock)
		}
		last, err := r.store.NextSequenceBlock(ctx, fmt.Sprintf("case-ref-%d", year), size)
		if err != nil {
			return 0, err
		}
		r.year, r.nextN, r.last, r.size, r.reserved = year, last-size+1, last, size, now
	}
	n := r.nextN
	r.nextN++
	return n, nil
}

// takeMany hands out n numbers: given back ones first, then the rest of the current block,
// then a block of its own for what is still missing.
func (r *referenceBlocks) takeMany(ctx context.Context, year int, n int) ([]int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]int64, 0, n)
	if year == r.year {
		for len(out) < n && len(r.returned) > 0 {
			out = append(out, r.returned[len(r.returned)-1])
			r.returned = r.returned[:len(r.returned)-1]
		}
		for len(out) < n && r.nextN <= r.last {
			out = append(out, r.nextN)
			r.nextN++
		}
	}
	if need := int64(n - len(out)); need > 0 {
		last, err := r.store.NextSequenceBlock(ctx, fmt.Sprintf("case-ref-%d", year), need)
		if err != nil {
			if year == r.year {
				r.returned = append(r.returned, out...)
			}
			return nil, err
		}
		for k := last - need + 1; k <= last; k++ {
			out = append(out, k)
		}
		if year != r.year { // a new year: take starts a block of it
			r.year, r.nextN, r.last, r.returned = year, 1, 0, nil
		}
	}
	return out, nil
}

// changedFields lists the fields the timeline entries say were changed.
func changedFields(entries []models.TimelineEvent) []string {
	var out []string
	for _, e := range entries {
		if e.Type == "changed" && e.Data["field"] != "" && !slices.Contains(out, e.Data["field"]) {
			out = append(out, e.Data["field"])
		}
	}
	return out
}

func sameTime(a, b *time.Time) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(*b))
}
