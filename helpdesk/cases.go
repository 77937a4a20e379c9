package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// casesStore is what Cases needs of the store: cases, their dirty marks and SLA timers, the
// reference counter, and the rules, policies, users and teams a change consults.
type casesStore interface {
	GetCase(ctx context.Context, id string) (*models.Case, error)
	GetTeam(ctx context.Context, id string) (*models.Team, error)
	GetSLAPolicy(ctx context.Context, id string) (*models.SLAPolicy, error)
	GetUser(ctx context.Context, id string) (*models.User, error)
	InsertCase(ctx context.Context, c *models.Case) error
	InsertCases(ctx context.Context, cases []*models.Case) []error
	ListRules(ctx context.Context) ([]escalation.Rule, error)
	ListSLAPolicies(ctx context.Context) ([]models.SLAPolicy, error)
	MarkDirty(ctx context.Context, id string, version int64, now time.Time) error
	NextSequenceBlock(ctx context.Context, name string, n int64) (last int64, err error)
	SetSLATimer(ctx context.Context, caseID string, due *time.Time) error
	SetSLATimers(ctx context.Context, due map[string]time.Time) error
	UpdateCase(ctx context.Context, id string, mutate func(c *models.Case) error) (*models.Case, error)
	UpdateCaseBeside(ctx context.Context, id string, beside store.Beside, mutate func(c *models.Case) error) (*models.Case, error)
}

// Cases is the case use cases for staff.
type Cases struct {
	store   casesStore
	index   search.Index
	indexer *Indexer
	events  *Events
	sla     *SLA
	rules   *Rules
	now     Clock
	refs    *referenceBlocks
	// followUps schedules the follow-up check when a case is resolved (set by New; nil: none).
	followUps *FollowUps
	// background is the filings whose indexing and telling run after their request
	// (fileNewMany with indexSoon); Settle waits for them.
	background backgroundWork
}

// NewCases wires the case use cases. rules may be nil (no escalation rules run).
func NewCases(st casesStore, idx search.Index, ix *Indexer, events *Events, sla *SLA, rules *Rules, now Clock) *Cases {
	return &Cases{store: st, index: idx, indexer: ix, events: events, sla: sla, rules: rules, now: now,
		refs: &referenceBlocks{store: st}}
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
	return s.fileNew(ctx, newCase{
		build:    func(id string) *models.Case { return models.NewCase(id, req, p.Actor(), now) },
		announce: s.publish(EventCaseCreated, nil),
	})
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
		announce: s.publish(EventCaseUpdated, map[string]any{"by": p.User.ID})},
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
	ViewReviews      = "reviews" // every online review, whatever its status
	// ViewWaitingForMyApproval: cases with an approval request the caller may decide.
	ViewWaitingForMyApproval = "waiting_for_my_approval"
)

// Views lists every view name.
var Views = []string{ViewUnassigned, ViewMine, ViewAllOpen, ViewWaiting, ViewResolved, ViewEscalated, ViewReviews, ViewFollowUpsDue, ViewWaitingForMyApproval}

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
	// Review filters: source kinds, normalised ratings ("1".."5"; "at or below 2" is 1 and 2)
	// and reply states (none: not replied).
	ReviewSources []string
	ReviewRatings []string
	ReviewReplies []string
	// AllWords asks for cases with every word of Text; otherwise most of the words must match.
	AllWords bool
	Topics   []string // recurring topics (issue 15)
	// Reports (issue 16): the per-case measures a report's drill-down lists cases by.
	ExpectedOutcomes []string
	OptionsGranted   []string
	OutcomeGaps      []string
	SLAOutcomes      []string
	FollowUpOutcomes []string
	// GrantedOptions keeps cases granted one of these resolution options (that stands).
	GrantedOptions []string
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
	sq := search.Query{Text: q.Text, AllWords: q.AllWords, Limit: q.Limit, Cursor: q.Cursor, Highlight: q.Text != "", Facets: q.Facets}
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
	case ViewReviews:
		add(search.FieldChannel, []string{string(models.ChannelReview)})
	case ViewWaitingForMyApproval:
		add(search.FieldApprovalWaitingFor, []string{p.User.ID})
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
		{"review_source", q.ReviewSources, models.ReviewSourceKinds},
		{"review_rating", q.ReviewRatings, []string{"1", "2", "3", "4", "5"}},
		{"review_reply", q.ReviewReplies, []string{string(models.ReplyNone), string(models.ReplyPublished)}},
		{"outcome_gap", q.OutcomeGaps, []string{"met", "partial", "different", "nothing"}},
		{"sla_outcome", q.SLAOutcomes, []string{"met", "breached"}},
		{"follow_up_outcome", q.FollowUpOutcomes, []string{"held", "not_held", "no_response"}},
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
	add(search.FieldReviewSource, q.ReviewSources)
	add(search.FieldReviewRating, q.ReviewRatings)
	add(search.FieldReviewReply, q.ReviewReplies)
	add(search.FieldTopics, q.Topics)
	add(search.FieldExpectedOutcome, q.ExpectedOutcomes)
	add(search.FieldOptionGranted, q.OptionsGranted)
	add(search.FieldOutcomeGap, q.OutcomeGaps)
	add(search.FieldSLAOutcome, q.SLAOutcomes)
	add(search.FieldFollowUpOutcome, q.FollowUpOutcomes)
	add(search.FieldGrantedOptions, q.GrantedOptions)
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
