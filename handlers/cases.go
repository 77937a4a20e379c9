package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// caseService is what the case handlers need.
type caseService interface {
	Create(ctx context.Context, p *helpdesk.Principal, req models.CaseCreate) (*models.Case, error)
	Get(ctx context.Context, p *helpdesk.Principal, id string) (*models.Case, error)
	Patch(ctx context.Context, p *helpdesk.Principal, id string, req models.CasePatch) (*models.Case, error)
	List(ctx context.Context, p *helpdesk.Principal, q helpdesk.CaseListQuery) (search.Result, error)
	ViewCounts(ctx context.Context, p *helpdesk.Principal) (map[string]int, error)
}

type caseHandlers struct {
	cases      caseService
	savedViews savedViewService // counts saved views beside the built-in ones
	bind       *Binder
}

// caseSummary is one inbox row, straight from the search index.
type caseSummary struct {
	ID              string              `json:"id"`
	Subject         string              `json:"subject"`
	Status          string              `json:"status"`
	Priority        string              `json:"priority"`
	Channel         string              `json:"channel"`
	Category        string              `json:"category"`
	Touchpoint      string              `json:"touchpoint"`
	ExpectedOutcome string              `json:"expected_outcome"`
	Tags            []string            `json:"tags"`
	AssigneeID      string              `json:"assignee_id"`
	TeamID          string              `json:"team_id"`
	EscalationLevel int                 `json:"escalation_level"`
	CustomerName    string              `json:"customer_name"`
	CustomerEmail   string              `json:"customer_email"`
	CreatedAt       time.Time           `json:"created_at"`
	UpdatedAt       time.Time           `json:"updated_at"`
	DueAt           *time.Time          `json:"due_at,omitempty"` // the soonest SLA due time, if a clock runs
	Version         int64               `json:"version"`
	Highlights      map[string][]string `json:"highlights,omitempty"`
	// Review fields, on review cases only: source kind, rating 1-5, reply state.
	ReviewSource string `json:"review_source,omitempty"`
	ReviewRating int    `json:"review_rating,omitempty"`
	ReviewReply  string `json:"review_reply,omitempty"`
}

func summaryOf(h search.Hit) caseSummary {
	d := h.Doc
	tags := d.Tags
	if tags == nil {
		tags = []string{}
	}
	return caseSummary{ID: d.ID, Subject: d.Subject, Status: d.Status, Priority: d.Priority, Channel: d.Channel,
		Category: d.Category, Touchpoint: d.Touchpoint, ExpectedOutcome: d.ExpectedOutcome, Tags: tags,
		AssigneeID: d.AssigneeID, TeamID: d.TeamID, EscalationLevel: d.EscalationLevel,
		CustomerName: d.CustomerName, CustomerEmail: d.CustomerEmail, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
		Version: d.Version, Highlights: h.Highlights, DueAt: optionalTime(d.DueAt),
		ReviewSource: d.ReviewSource, ReviewRating: rating(d.ReviewRating), ReviewReply: d.ReviewReply}
}

// rating reads the index's rating keyword; 0 when the case is no review.
func rating(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// caseListParams are the query parameters GET /cases accepts.
var caseListParams = map[string]bool{
	"view": true, "q": true, "status": true, "priority": true, "assignee_id": true, "team_id": true,
	"category": true, "touchpoint": true, "channel": true, "tag": true, "created_from": true, "created_to": true,
	"min_escalation_level": true, "sort": true, "order": true, "limit": true, "cursor": true, "facets": true,
	"review_source": true, "review_rating": true, "review_reply": true,
	"match": true,
	"topic": true,
	// Reports (issue 16): drill-downs from a report figure.
	"expected_outcome": true, "option_granted": true, "outcome_gap": true, "sla_outcome": true, "follow_up_outcome": true,
	"granted_option": true,
}

func (h *caseHandlers) list(c echo.Context) error {
	q, err := parseCaseListQuery(c.QueryParams())
	if err != nil {
		return err
	}
	res, err := h.cases.List(c.Request().Context(), principal(c), q)
	if err != nil {
		return err
	}
	rows := make([]caseSummary, len(res.Hits))
	for i, hit := range res.Hits {
		rows[i] = summaryOf(hit)
	}
	facets := res.Facets
	if facets == nil {
		facets = map[string][]search.FacetValue{}
	}
	return list(c, rows, map[string]any{"total": res.Total, "next_cursor": res.NextCursor, "facets": facets})
}

// multi returns the values of a repeated parameter: ?status=open&status=new. A comma is part
// of a value, never a separator, because category and product names contain commas.
func multi(v url.Values, key string) []string {
	var out []string
	for _, s := range v[key] {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func parseCaseListQuery(v url.Values) (helpdesk.CaseListQuery, error) {
	for k := range v {
		if !caseListParams[k] {
			return helpdesk.CaseListQuery{}, models.InvalidField(k, "is not a parameter of this list")
		}
	}
	q := helpdesk.CaseListQuery{
		View: v.Get("view"), Text: strings.TrimSpace(v.Get("q")),
		Statuses: multi(v, "status"), Priorities: multi(v, "priority"), AssigneeIDs: multi(v, "assignee_id"),
		TeamIDs: multi(v, "team_id"), Categories: multi(v, "category"), Touchpoints: multi(v, "touchpoint"),
		Channels: multi(v, "channel"), Tags: multi(v, "tag"), Sort: v.Get("sort"), Cursor: v.Get("cursor"),
		Facets: multi(v, "facets"), Desc: v.Get("order") != "asc",
		ReviewSources: multi(v, "review_source"), ReviewRatings: multi(v, "review_rating"), ReviewReplies: multi(v, "review_reply"),
		Topics:           multi(v, "topic"),
		ExpectedOutcomes: multi(v, "expected_outcome"), OptionsGranted: multi(v, "option_granted"), OutcomeGaps: multi(v, "outcome_gap"),
		SLAOutcomes: multi(v, "sla_outcome"), FollowUpOutcomes: multi(v, "follow_up_outcome"),
		GrantedOptions: multi(v, "granted_option"),
	}
	switch v.Get("match") {
	case "", "most":
	case "all":
		q.AllWords = true
	default:
		return q, models.InvalidField("match", "must be most or all")
	}
	if o := v.Get("order"); o != "" && o != "asc" && o != "desc" {
		return q, models.InvalidField("order", "must be asc or desc")
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			return q, models.InvalidField("limit", "must be a whole number from 1 to 200")
		}
		q.Limit = n
	}
	if s := v.Get("min_escalation_level"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > escalation.MaxEscalationLevel {
			return q, models.InvalidField("min_escalation_level", fmt.Sprintf("must be a whole number from 0 to %d", escalation.MaxEscalationLevel))
		}
		q.MinEscalationLevel = n
	}
	for _, r := range []struct {
		key string
		dst *time.Time
	}{{"created_from", &q.CreatedFrom}, {"created_to", &q.CreatedTo}} {
		if s := v.Get(r.key); s != "" {
			t, dateOnly, err := parseDate(s)
			if err != nil {
				return q, models.InvalidField(r.key, "must be a date (2026-03-01) or an RFC 3339 time")
			}
			if dateOnly && r.key == "created_to" {
				t = t.AddDate(0, 0, 1) // "to 1 March" includes all of 1 March
			}
			*r.dst = t
		}
	}
	return q, nil
}

func parseDate(s string) (t time.Time, dateOnly bool, err error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, false, nil
	}
	t, err = time.Parse(time.DateOnly, s)
	return t, true, err
}

func (h *caseHandlers) counts(c echo.Context) error {
	for k := range c.QueryParams() {
		if k != "saved_view" {
			return models.InvalidField(k, "is not a parameter of the counts")
		}
	}
	counts, err := h.cases.ViewCounts(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	ids := multi(c.QueryParams(), "saved_view")
	if len(ids) == 0 {
		return data(c, http.StatusOK, counts)
	}
	saved, err := h.savedViews.Counts(c.Request().Context(), principal(c), ids)
	if err != nil {
		return err
	}
	out := make(map[string]any, len(counts)+1)
	for k, v := range counts {
		out[k] = v
	}
	out["saved_views"] = saved
	return data(c, http.StatusOK, out)
}

func (h *caseHandlers) create(c echo.Context) error {
	var req models.CaseCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	cs, err := h.cases.Create(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusCreated, cs)
}

func (h *caseHandlers) get(c echo.Context) error {
	cs, err := h.cases.Get(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, cs)
}

func (h *caseHandlers) patch(c echo.Context) error {
	var req models.CasePatch
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	cs, err := h.cases.Patch(c.Request().Context(), principal(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, cs)
}
