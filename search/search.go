// Package search is the case index: every list, count, facet and full-text search in Kaiku is
// answered here, never by scanning the database. Two backends implement Index (embedded Bleve
// and Meilisearch) and both pass the shared conformance suite in search/searchtest.
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

	// Journey view (issue 16): per-case measures, whole numbers so IntRange buckets and counts
	// them. ResolutionMinutes and FirstResponseMinutes are 0 until the case is resolved or first
	// answered, and at least 1 once it is (so a range from 1 keeps exactly the measured cases);
	// Rating is the review's or the follow-up answer's 1-5 (0: none); Reopened is 1 when the case
	// went back to work after being resolved or closed, else 0.
	ResolutionMinutes    int `json:"resolution_minutes"`
	FirstResponseMinutes int `json:"first_response_minutes"`
	Rating               int `json:"rating"`
	Reopened             int `json:"reopened"`
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
)

// Sortable fields (besides the keyword fields above).
const (
	FieldCreatedAt       = "created_at"
	FieldUpdatedAt       = "updated_at"
	FieldDueAt           = "due_at"
	FieldPriorityRank    = "priority_rank"
	FieldEscalationLevel = "escalation_level"
	FieldFollowUpDueAt   = "follow_up_due_at"
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
	// Ping reports whether the backend is reachable.
	Ping(ctx context.Context) error
	Close() error
}

// ErrBadQuery is returned (wrapped) for an unknown field, a bad cursor or a bad sort.
var ErrBadQuery = errors.New("search: bad query")
