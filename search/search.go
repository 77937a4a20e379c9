// Package search is the case index: every list, count, facet and full-text search in Kaiku is
// answered here, never by scanning the database. Two backends implement Index (embedded Bleve
// and Meilisearch) and both pass the shared conformance suite in search/searchtest.
//
// It is one package, larger than most, because both backends implement one Index over the same
// documents, queries and report rows: the shared types (CaseDoc, Query, the ranking and report
// shapes) and each backend's files (bleve*.go, meili*.go) change together whenever a field or
// a query is added, and the conformance suite holds them to one behaviour.
package search

import (
	"context"
	"errors"
	"time"
)

// CaseDoc is what the index knows about one case: enough to filter, sort, facet and render an
// inbox row without reading the database.
type CaseDoc struct {
	ID              string    `json:"id"`
	Subject         string    `json:"subject"`
	Body            string    `json:"body"` // description, messages and notes, concatenated
	CustomerName    string    `json:"customer_name"`
	CustomerEmail   string    `json:"customer_email"`
	CustomerPhone   string    `json:"customer_phone"` // searched in every common form (lookup.go)
	Status          string    `json:"status"`
	Priority        string    `json:"priority"`
	PriorityRank    int       `json:"priority_rank"` // 0 low .. 3 urgent, for sorting
	Channel         string    `json:"channel"`
	Category        string    `json:"category"`
	Touchpoint      string    `json:"touchpoint"`
	ExpectedOutcome string    `json:"expected_outcome"`
	Tags            []string  `json:"tags"`
	AssigneeID      string    `json:"assignee_id"`
	TeamID          string    `json:"team_id"`
	EscalationLevel int       `json:"escalation_level"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	DueAt           time.Time `json:"due_at"` // zero when no SLA clock runs
	// FollowUpState is the follow-up check's state ("" when none) and FollowUpDueAt its next
	// step: the question while scheduled, the end of the answer window while asked.
	FollowUpState string    `json:"follow_up_state"`
	FollowUpDueAt time.Time `json:"follow_up_due_at"`
	Version       int64     `json:"version"`
	// Review fields, empty for other cases: the source kind, the rating normalised to 1-5
	// ("1".."5", a keyword so it filters and facets like the others) and the reply state.
	ReviewSource string `json:"review_source,omitempty"`
	ReviewRating string `json:"review_rating,omitempty"`
	ReviewReply  string `json:"review_reply,omitempty"`

	// Recurring issues (issue 15): the topic ids the case's text was grouped into when it was
	// indexed (topics package), and "yes" when the customer answered a follow-up check with
	// "not solved" (the case was reopened after a failed follow-up).
	// ReportedAt is when the customer raised it: a review's posting time, else CreatedAt.
	Topics         []string  `json:"topics,omitempty"`
	FollowUpFailed string    `json:"follow_up_failed,omitempty"`
	ReportedAt     time.Time `json:"reported_at"`
	// Reports (issue 16): per-case measures, computed from the case each time it is indexed
	// (reports.Measure) and read back in bulk by ReportRows. Minutes are whole minutes of
	// calendar time; nil means "not yet" (no reply, not resolved, no approval asked).
	FirstResponseMinutes *int      `json:"first_response_minutes,omitempty"`
	ResolutionMinutes    *int      `json:"resolution_minutes,omitempty"`
	ResolvedAt           time.Time `json:"resolved_at"`
	SLAOutcome           string    `json:"sla_outcome,omitempty"`       // "met", "breached" or "" (no clock decided yet)
	Reopened             bool      `json:"reopened,omitempty"`          // resolved or closed once, then opened again
	FollowUpOutcome      string    `json:"follow_up_outcome,omitempty"` // "held", "not_held", "no_response" or ""
	Rating               int       `json:"rating,omitempty"`            // 1-5 from the follow-up (or the review); 0 none
	OptionGranted        string    `json:"option_granted,omitempty"`    // the last remedy granted and not reversed
	GrantedMinor         int64     `json:"granted_minor,omitempty"`     // net amount granted, minor units
	OutcomeGap           string    `json:"outcome_gap,omitempty"`       // expected vs given: "met", "partial", "different", "nothing" or ""
	Escalated            bool      `json:"escalated,omitempty"`         // ever raised to escalation level 1 or more
	ApprovalMinutes      *int      `json:"approval_minutes,omitempty"`  // first approval request to its decision
	ApprovalRequested    bool      `json:"approval_requested,omitempty"`
	// Remedies (issue 13): the options of the grants that stand, and who may decide the
	// case's approval requests still waiting ("Waiting for my approval").
	GrantedOptions     []string `json:"granted_options,omitempty"`
	ApprovalWaitingFor []string `json:"approval_waiting_for,omitempty"`
}

// Keyword fields: exact-match filters and facets.
const (
	FieldStatus          = "status"
	FieldPriority        = "priority"
	FieldChannel         = "channel"
	FieldCategory        = "category"
	FieldTouchpoint      = "touchpoint"
	FieldExpectedOutcome = "expected_outcome"
	FieldTags            = "tags"
	FieldAssigneeID      = "assignee_id"
	FieldTeamID          = "team_id"
	FieldCustomerEmail   = "customer_email"
	FieldFollowUpState   = "follow_up_state"
	FieldReviewSource    = "review_source"
	FieldReviewRating    = "review_rating"
	FieldReviewReply     = "review_reply"
	FieldTopics          = "topics"
	FieldFollowUpFailed  = "follow_up_failed"

	// Reports (issue 16): the measures a drill-down filters on.
	FieldSLAOutcome      = "sla_outcome"
	FieldFollowUpOutcome = "follow_up_outcome"
	FieldOptionGranted   = "option_granted"
	FieldOutcomeGap      = "outcome_gap"
	// Remedies (issue 13).
	FieldGrantedOptions     = "granted_options"
	FieldApprovalWaitingFor = "approval_waiting_for"
)

// Sortable fields (besides the keyword fields above).
const (
	FieldCreatedAt       = "created_at"
	FieldUpdatedAt       = "updated_at"
	FieldDueAt           = "due_at"
	FieldPriorityRank    = "priority_rank"
	FieldEscalationLevel = "escalation_level"
	FieldFollowUpDueAt   = "follow_up_due_at"
	FieldReportedAt      = "reported_at" // ranges only (issue 15's weekly topic counts)
)

// Journey view (issue 16): the per-case measures, filtered with IntRange.
const (
	FieldResolutionMinutes    = "resolution_minutes"
	FieldFirstResponseMinutes = "first_response_minutes"
	FieldRating               = "rating"
	FieldReopened             = "reopened"
)

// KeywordFields lists the fields Filter and Facets accept.
var KeywordFields = []string{
	FieldStatus, FieldPriority, FieldChannel, FieldCategory, FieldTouchpoint,
	FieldExpectedOutcome, FieldTags, FieldAssigneeID, FieldTeamID, FieldCustomerEmail,
	FieldFollowUpState,
	FieldReviewSource, FieldReviewRating, FieldReviewReply,
	FieldTopics, FieldFollowUpFailed,
	FieldSLAOutcome, FieldFollowUpOutcome, FieldOptionGranted, FieldOutcomeGap,
	FieldGrantedOptions, FieldApprovalWaitingFor,
}

// SortFields lists the fields Sort accepts.
var SortFields = []string{FieldCreatedAt, FieldUpdatedAt, FieldDueAt, FieldPriorityRank, FieldEscalationLevel, FieldFollowUpDueAt}

// Filter keeps documents whose Field equals one of Values (OR within a filter, AND across
// filters). Negate keeps the documents that match none of Values. A value "" matches documents
// where the field is empty (for example unassigned cases: assignee_id = "").
type Filter struct {
	Field  string
	Values []string
	Negate bool
}

// TimeRange keeps documents whose Field (created_at, updated_at or due_at) is in [From, To).
// A zero bound is open.
type TimeRange struct {
	Field string
	From  time.Time
	To    time.Time
}

// IntRange keeps documents whose whole-number Field (escalation_level or priority_rank) is in
// [From, To). As in TimeRange a zero bound is open; both fields are never negative, so From 0
// is the same as no lower bound. An escalated case is IntRange{FieldEscalationLevel, 1, 0}.
type IntRange struct {
	Field string
	From  int
	To    int
}

// IntRangeFields lists the fields an IntRange accepts.
var IntRangeFields = []string{FieldEscalationLevel, FieldPriorityRank,
	FieldResolutionMinutes, FieldFirstResponseMinutes, FieldRating, FieldReopened}

// Sort orders results by one field; ties are broken by ID ascending so paging is stable.
type Sort struct {
	Field string
	Desc  bool
}

// Query is one search request. Text is optional: without it every document matching the
// filters is returned in Sort order. With Text and no Sort, results come by relevance.
type Query struct {
	Text      string
	Filters   []Filter
	Ranges    []TimeRange
	IntRanges []IntRange
	Sort      []Sort
	Facets    []string // keyword fields to count values of, over all matches (not just the page)
	Limit     int      // page size; 0 means 50, capped at 500
	Cursor    string   // opaque, from Result.NextCursor; "" for the first page
	Highlight bool     // fill Hit.Highlights for Text matches
	// AllWords asks for cases with every word of Text ("all of these words"). Otherwise a
	// case matching most of the words is found, more of the words ranking first.
	AllWords bool
}

// FacetValue is one value of a facet with the number of matching documents.
type FacetValue struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Hit is one matching document.
type Hit struct {
	Doc   CaseDoc
	Score float64
	// Highlights maps a field ("subject", "body", "customer_name") to fragments with
	// <mark>...</mark> around matches. Fragments are HTML: the case text in them is escaped
	// and the <mark> tags are the only markup. Only fields with a match appear.
	Highlights map[string][]string
}

// Result is one page of matches.
type Result struct {
	Hits       []Hit
	Total      int // all matches, not just this page
	Facets     map[string][]FacetValue
	NextCursor string // "" when this is the last page
}

// Index is a search backend. Implementations are safe for concurrent use.
type Index interface {
	// Upsert adds or replaces documents by ID; they are searchable when it returns. A document
	// whose Version is lower than the indexed one may be ignored or applied; callers always
	// send the newest version.
	Upsert(ctx context.Context, docs ...CaseDoc) error
	// Flush returns once every Upsert and Delete that returned before the call would survive a
	// crash of this process (at once for backends that are durable when Upsert returns).
	Flush(ctx context.Context) error
	Delete(ctx context.Context, ids ...string) error
	Search(ctx context.Context, q Query) (Result, error)
	// Similar returns the cases most like case id by their text (id itself excluded), within
	// q's filters and ranges, q.Limit of them (text, sort and cursor are ignored). A case the
	// index does not hold has none.
	Similar(ctx context.Context, id string, q Query) (Result, error)
	// Count returns how many documents match the filters (Text, Sort, paging ignored).
	Count(ctx context.Context, q Query) (int, error)
	// CountSince returns, for each time in since (none zero), how many documents matching
	// q's filters have the time field at or after it: several windows in one query, without
	// reading the documents (the "repeat complainant" rules count a customer's recent cases).
	CountSince(ctx context.Context, q Query, field string, since []time.Time) ([]int, error)
	// Versions returns the indexed version of each given ID that is in the index.
	Versions(ctx context.Context, ids []string) (map[string]int64, error)
	// DocCount is the number of documents in the index.
	DocCount(ctx context.Context) (int, error)
	// ReportRows returns every document matching q's filters and ranges (Text, Sort, Facets
	// and paging ignored), in no order, with only what reports group and measure by: the
	// keyword fields but tags and e-mail, escalation level, created_at and the report
	// measures (no text), as compact rows. It reads no stored document, so a report over 100k
	// cases is one pass over the index's column values; the figures are then computed exactly.
	ReportRows(ctx context.Context, q Query) (*ReportRowSet, error)
	// Ping reports whether the backend is reachable.
	Ping(ctx context.Context) error
	Close() error
}

// ErrBadQuery is returned (wrapped) for an unknown field, a bad cursor or a bad sort.
var ErrBadQuery = errors.New("search: bad query")

// journeyMinutes is a report measure in minutes as the journey view's IntRange reads it: 0 when
// not measured yet, at least 1 once it is (a case answered within its first minute counts as
// measured), so a range from 1 keeps exactly the measured cases.
func journeyMinutes(m *int) int {
	if m == nil {
		return 0
	}
	return max(1, *m)
}

// boolInt is 1 for true: a yes/no measure as a whole number, so IntRange counts it.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
