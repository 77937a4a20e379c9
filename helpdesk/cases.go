package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// Cases is the case use cases for staff.
type Cases struct {
	store   *store.Store
	index   search.Index
	indexer *Indexer
	events  *Events
	sla     *SLA
	rules   *Rules
	now     Clock
	refs    *referenceBlocks
	// followUps schedules the follow-up check when a case is resolved (set by New; nil: none).
	followUps *FollowUps
}

// NewCases wires the case use cases. rules may be nil (no escalation rules run).
func NewCases(st *store.Store, idx search.Index, ix *Indexer, events *Events, sla *SLA, rules *Rules, now Clock) *Cases {
	return &Cases{store: st, index: idx, indexer: ix, events: events, sla: sla, rules: rules, now: now,
		refs: &referenceBlocks{store: st}}
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

// afterWrite runs, once the case is stored, the rules' side effects and the caller's
// announcement of the change (see aftermath.carryOut).
func (s *Cases) afterWrite(ctx context.Context, c *models.Case, am *aftermath, announce func(c *models.Case) []func() error) {
	var alongside []func() error
	if announce != nil {
		alongside = announce(c)
	}
	if am != nil {
		am.carryOut(ctx, s, c, alongside)
		return
	}
	together(alongside...)
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

// referenceBlocks hands out case reference numbers from blocks reserved in the database. At a
// trickle a block is one number, so references stay consecutive; when they are asked for
// faster than one a second, blocks double (up to maxReferenceBlock), so a burst of
// complaints does not queue on the counter. A restart may leave the rest of a block unused:
// a gap in the numbers, never a duplicate.
type referenceBlocks struct {
	store *store.Store

	mu       sync.Mutex
	year     int
	nextN    int64 // next number to hand out
	last     int64 // last number of the block
	size     int64
	reserved time.Time
}

const maxReferenceBlock = 64

func (r *referenceBlocks) take(ctx context.Context, year int, now time.Time) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
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

// insertNew stores a new case under reference (or a fresh one when it is ""). A duplicate
// reference (a counter reset by hand, or a racing replica on FerretDB) takes the next number.
// announce gives the steps that tell about the stored case (live update, acknowledgement);
// they run together with the rules' notifications. same, when set, recognises a case already
// stored under reference as this very request's (an idempotent retry stored it first): it is
// returned as is, not filed again under another number.
func (s *Cases) insertNew(ctx context.Context, reference string, markedAt bool, same func(stored *models.Case) bool, build func(id string) *models.Case, announce func(c *models.Case) []func() error) (*models.Case, error) {
	now := s.now()
	for attempt := 0; attempt < 20; attempt++ {
		id := reference
		if attempt > 0 || id == "" {
			var err error
			if id, err = s.nextReference(ctx, now); err != nil {
				return nil, err
			}
		}
		c := build(id)
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
		if !markedAt || attempt > 0 {
			if err := s.store.MarkDirty(ctx, c.ID, c.Version, now); err != nil {
				return nil, err
			}
		}
		timer, err := s.recordTimer(ctx, c, rules, nil)
		if err != nil {
			return nil, err
		}
		// The case, its timer and the rules' in-app notifications go side by side: a timer
		// whose case failed to store leads nowhere (the timer's case is read before it fires),
		// and such notifications are deleted again.
		am := s.rules.aftermathOf(ctx, c, effects)
		steps := []func() error{func() error { return s.store.InsertCase(ctx, c) }}
		if timer != nil {
			steps = append(steps, func() error { return s.store.SetSLATimer(ctx, c.ID, timer) })
		}
		if am != nil {
			steps = append(steps, func() error { am.storeNotifications(ctx); return nil })
		}
		errs := together(steps...)
		if errs[0] != nil {
			am.discard(ctx)
		}
		if store.IsDuplicate(errs[0]) {
			if attempt == 0 && same != nil {
				if stored, err := s.store.GetCase(ctx, id); err == nil && same(stored) {
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
		s.indexer.Indexed(ctx, c)
		s.afterWrite(ctx, c, am, announce)
		return c, nil
	}
	return nil, errors.New("could not allocate a case reference")
}

// together runs the steps at the same time and returns their errors in order. Independent
// writes issued together travel in the same group commits (see batch.GroupCommit), so a
// request waits for one round trip instead of one per write.
func together(steps ...func() error) []error {
	errs := make([]error, len(steps))
	if len(steps) == 1 {
		errs[0] = steps[0]()
		return errs
	}
	var wg sync.WaitGroup
	for i, step := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = step()
		}()
	}
	wg.Wait()
	return errs
}

// Create opens a case on behalf of a customer (a phone call, a walk-in).
func (s *Cases) Create(ctx context.Context, p *Principal, req models.CaseCreate) (*models.Case, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	if err := s.checkRefs(ctx, &req.AssigneeID, &req.TeamID); err != nil {
		return nil, err
	}
	now := s.now()
	return s.insertNew(ctx, "", false, nil, func(id string) *models.Case { return models.NewCase(id, req, p.Actor(), now) },
		s.publish(ctx, EventCaseCreated, nil))
}

// Get reads one case. Every staff role may read every case.
func (s *Cases) Get(ctx context.Context, p *Principal, id string) (*models.Case, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	c, err := s.store.GetCase(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "case")
	}
	return c, nil
}

// update applies change under optimistic concurrency: expected is the version the client saw
// (0 when the server decides, as for background work). A status change moves the SLA clocks
// and changed fields run the case_updated rules.
func (s *Cases) update(ctx context.Context, id string, expected int64, change func(c *models.Case) error) (*models.Case, error) {
	return s.write(ctx, id, writeSpec{expected: expected, trigger: escalation.TriggerCaseUpdated}, change)
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
	// announce gives the steps that tell about the stored change (see afterWrite).
	announce func(c *models.Case) []func() error
}

// publish is an announcement of a case write: one live event.
func (s *Cases) publish(ctx context.Context, typ string, data map[string]any) func(c *models.Case) []func() error {
	return func(c *models.Case) []func() error {
		return []func() error{func() error { s.events.Publish(ctx, typ, c.ID, data); return nil }}
	}
}

// write reads, changes and stores a case under optimistic concurrency, moving its SLA clocks,
// running the escalation rules in the same write, keeping its SLA timer and index in step, and
// then carrying out the rules' side effects.
func (s *Cases) write(ctx context.Context, id string, w writeSpec, change func(c *models.Case) error) (*models.Case, error) {
	c, effects, err := s.writeStored(ctx, id, w, change)
	if err != nil {
		return nil, err
	}
	s.indexer.Indexed(ctx, c)
	s.afterWrite(ctx, c, s.rules.aftermathOf(ctx, c, effects), w.announce)
	return c, nil
}

// writeStored is the part of write up to the case and its timer being stored; the caller
// indexes the case and carries out the rules' effects (a bulk change does both for its whole
// batch at once).
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
	c, err := s.store.UpdateCase(ctx, id, func(c *models.Case) error {
		if w.expected != 0 && c.Version != w.expected {
			return models.StaleVersion(c.Version)
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
		if w.trigger != "" {
			var err error
			effects, err = s.runRules(ctx, c, rules, ruleRun{trigger: w.trigger, changed: changedFields(c.Timeline[mark:]), slaKind: w.slaKind})
			if err != nil {
				return err
			}
		}
		if err := s.store.MarkDirty(ctx, c.ID, c.Version+1, now); err != nil {
			return err
		}
		timer, err := s.recordTimer(ctx, c, rules, w.policies)
		if err != nil {
			return err
		}
		timerAgain = againIfSoon(timer, now)
		return s.store.SetSLATimer(ctx, c.ID, timer)
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

// Patch changes fields of a case. A stale version is refused with a conflict.
func (s *Cases) Patch(ctx context.Context, p *Principal, id string, req models.CasePatch) (*models.Case, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	if err := s.checkRefs(ctx, req.AssigneeID, req.TeamID); err != nil {
		return nil, err
	}
	now := s.now()
	return s.write(ctx, id, writeSpec{expected: req.Version, trigger: escalation.TriggerCaseUpdated,
		announce: s.publish(ctx, EventCaseUpdated, map[string]any{"by": p.User.ID})},
		func(c *models.Case) error { return c.ApplyPatch(req, p.Actor(), now) })
}

// checkRefs refuses an assignee who is not an active user or a team that does not exist.
func (s *Cases) checkRefs(ctx context.Context, assigneeID, teamID *string) error {
	if assigneeID != nil && *assigneeID != "" {
		u, err := s.store.GetUser(ctx, *assigneeID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Active) {
			return models.InvalidField("assignee_id", "no active user with this ID")
		}
		if err != nil {
			return err
		}
	}
	if teamID != nil && *teamID != "" {
		if _, err := s.store.GetTeam(ctx, *teamID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return models.InvalidField("team_id", "no team with this ID")
			}
			return err
		}
	}
	return nil
}

// Views are the inbox's named lists.
const (
	ViewAllOpen    = "all_open"
	ViewUnassigned = "unassigned"
	ViewMine       = "mine"
	ViewWaiting    = "waiting"
	ViewResolved   = "resolved"
	ViewEscalated  = "escalated"
	// ViewFollowUpsDue: cases whose customer was asked the follow-up check and has not
	// answered, soonest to expire first, for an agent to call and record the answer.
	ViewFollowUpsDue = "follow_ups_due"
)

// Views lists every view name.
var Views = []string{ViewUnassigned, ViewMine, ViewAllOpen, ViewWaiting, ViewResolved, ViewEscalated, ViewFollowUpsDue}

// CaseListQuery is the inbox's list request.
type CaseListQuery struct {
	View        string
	Text        string
	Statuses    []string
	Priorities  []string
	AssigneeIDs []string
	TeamIDs     []string
	Categories  []string
	Touchpoints []string
	Channels    []string
	Tags        []string
	CreatedFrom time.Time
	CreatedTo   time.Time
	// MinEscalationLevel keeps cases escalated at least this far; 0 does not filter.
	MinEscalationLevel int
	Sort               string // updated_at, created_at, priority, due, escalation, relevance; "" is the view's default
	Desc               bool
	Limit              int
	Cursor             string
	Facets             []string
}

// List returns one page of cases from the search index.
func (s *Cases) List(ctx context.Context, p *Principal, q CaseListQuery) (search.Result, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return search.Result{}, err
	}
	if msg := search.CheckText(q.Text); msg != "" {
		return search.Result{}, models.InvalidField("q", msg)
	}
	sq, err := s.buildQuery(p, q)
	if err != nil {
		return search.Result{}, err
	}
	res, err := s.index.Search(ctx, sq)
	if errors.Is(err, search.ErrBadQuery) {
		return search.Result{}, models.Invalid(err.Error(), nil)
	}
	if err != nil {
		return search.Result{}, models.Unavailable("search is not available right now", err)
	}
	return res, nil
}

// ViewCounts returns how many cases each view holds for the principal.
func (s *Cases) ViewCounts(ctx context.Context, p *Principal) (map[string]int, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	out := make(map[string]int, len(Views))
	for _, v := range Views {
		sq, err := s.buildQuery(p, CaseListQuery{View: v})
		if err != nil {
			return nil, err
		}
		n, err := s.index.Count(ctx, sq)
		if err != nil {
			return nil, models.Unavailable("search is not available right now", err)
		}
		out[v] = n
	}
	return out, nil
}

func statusStrings(st []models.Status) []string {
	out := make([]string, len(st))
	for i, s := range st {
		out[i] = string(s)
	}
	return out
}

func (s *Cases) buildQuery(p *Principal, q CaseListQuery) (search.Query, error) {
	sq := search.Query{Text: q.Text, Limit: q.Limit, Cursor: q.Cursor, Highlight: q.Text != "", Facets: q.Facets}
	add := func(field string, values []string) {
		if len(values) > 0 {
			sq.Filters = append(sq.Filters, search.Filter{Field: field, Values: values})
		}
	}
	switch q.View {
	case "":
	case ViewAllOpen:
		add(search.FieldStatus, statusStrings(models.OpenStatuses))
	case ViewUnassigned:
		add(search.FieldStatus, statusStrings(models.OpenStatuses))
		add(search.FieldAssigneeID, []string{""})
	case ViewMine:
		add(search.FieldStatus, statusStrings(models.OpenStatuses))
		add(search.FieldAssigneeID, []string{p.User.ID})
	case ViewWaiting:
		add(search.FieldStatus, []string{string(models.StatusWaiting)})
	case ViewResolved:
		add(search.FieldStatus, []string{string(models.StatusResolved)})
	case ViewEscalated:
		add(search.FieldStatus, statusStrings(models.OpenStatuses))
		sq.IntRanges = append(sq.IntRanges, search.IntRange{Field: search.FieldEscalationLevel, From: 1})
	case ViewFollowUpsDue:
		add(search.FieldFollowUpState, []string{string(models.FollowUpAsked)})
	default:
		return sq, models.InvalidField("view", "must be one of "+fmt.Sprint(Views))
	}
	for _, check := range []struct {
		field  string
		values []string
		known  []string
	}{
		{"status", q.Statuses, statusStrings(models.Statuses)},
		{"priority", q.Priorities, []string{"low", "normal", "high", "urgent"}},
		{"channel", q.Channels, models.ChannelNames},
	} {
		for _, v := range check.values {
			if !slices.Contains(check.known, v) {
				msg := fmt.Sprintf("unknown value %q; one of %v", v, check.known)
				if strings.Contains(v, ",") {
					msg += " (repeat the parameter for several values)"
				}
				return sq, models.InvalidField(check.field, msg)
			}
		}
	}
	add(search.FieldStatus, q.Statuses)
	add(search.FieldPriority, q.Priorities)
	add(search.FieldAssigneeID, q.AssigneeIDs)
	add(search.FieldTeamID, q.TeamIDs)
	add(search.FieldCategory, q.Categories)
	add(search.FieldTouchpoint, q.Touchpoints)
	add(search.FieldChannel, q.Channels)
	add(search.FieldTags, q.Tags)
	if q.MinEscalationLevel > 0 {
		sq.IntRanges = append(sq.IntRanges, search.IntRange{Field: search.FieldEscalationLevel, From: q.MinEscalationLevel})
	}
	if !q.CreatedFrom.IsZero() || !q.CreatedTo.IsZero() {
		sq.Ranges = append(sq.Ranges, search.TimeRange{Field: search.FieldCreatedAt, From: q.CreatedFrom, To: q.CreatedTo})
	}
	for _, f := range q.Facets {
		if !slices.Contains(search.KeywordFields, f) {
			return sq, models.InvalidField("facets", "unknown facet "+f)
		}
	}
	sort := q.Sort
	if sort == "" && q.Text == "" && q.View == ViewEscalated {
		sort = "escalation" // the most escalated first: that view exists to work them down
	}
	if sort == "" && q.Text == "" && q.View == ViewFollowUpsDue {
		sort = "follow_up"
	}
	switch sort {
	case "follow_up":
		// The answer window ending soonest first.
		sq.Sort = []search.Sort{{Field: search.FieldFollowUpDueAt}}
	case "", "updated_at":
		if q.Text == "" || q.Sort != "" {
			sq.Sort = []search.Sort{{Field: search.FieldUpdatedAt, Desc: q.Desc}}
		}
	case "created_at":
		sq.Sort = []search.Sort{{Field: search.FieldCreatedAt, Desc: q.Desc}}
	case "priority":
		sq.Sort = []search.Sort{{Field: search.FieldPriorityRank, Desc: q.Desc}, {Field: search.FieldUpdatedAt, Desc: true}}
	case "due":
		// Due soonest first (overdue ones first of all); cases without a clock come last.
		sq.Sort = []search.Sort{{Field: search.FieldDueAt, Desc: false}, {Field: search.FieldPriorityRank, Desc: true}}
	case "escalation":
		// Highest escalation level first, then due soonest (cases without a clock last).
		sq.Sort = []search.Sort{{Field: search.FieldEscalationLevel, Desc: true}, {Field: search.FieldDueAt, Desc: false}}
	case "relevance":
		if q.Text == "" {
			return sq, models.InvalidField("sort", "relevance needs a search text")
		}
	default:
		return sq, models.InvalidField("sort", "must be updated_at, created_at, priority, due, escalation, follow_up or relevance")
	}
	if q.Limit < 0 || q.Limit > 200 {
		return sq, models.InvalidField("limit", "must be between 1 and 200")
	}
	return sq, nil
}
