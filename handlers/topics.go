package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/rootcause"
	"github.com/kaiku-helpdesk/kaiku/topics"
)

// topicService is what the topic handlers need.
type topicService interface {
	Overview(ctx context.Context) (*topics.Overview, error)
	Detail(ctx context.Context, id string) (*topics.Detail, error)
	Relearn(ctx context.Context) (int, error)
}

// rootCauseService is what the root-cause handlers need.
type rootCauseService interface {
	List(ctx context.Context) ([]rootcause.Summary, error)
	Get(ctx context.Context, id string) (*rootcause.RootCause, error)
	Create(ctx context.Context, by *models.User, c rootcause.Create) (*rootcause.RootCause, error)
	Update(ctx context.Context, id string, u rootcause.Update) (*rootcause.RootCause, error)
	Link(ctx context.Context, id string, caseIDs []string) (*rootcause.RootCause, int, error)
	LinkAll(ctx context.Context, id, text, topic string) (*rootcause.RootCause, int, error)
	CausesOf(ctx context.Context, caseID string) ([]rootcause.Summary, error)
	WeeklyCounts(ctx context.Context, r *rootcause.RootCause) (rootcause.Weeks, error)
}

type topicHandlers struct {
	topics topicService
	causes rootCauseService
	bind   *Binder
}

func requireManager(c echo.Context) (*helpdesk.Principal, error) {
	p := principal(c)
	return p, p.Require(models.RoleManager)
}

// topicRow is one topic in the overview.
type topicRow struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Phrases []string `json:"phrases"`
	Weekly  []int    `json:"weekly"`
	Total   int      `json:"total"`
	Rising  bool     `json:"rising"`
	PValue  float64  `json:"p_value"`
	Kind    string   `json:"kind,omitempty"`
}

func topicRowOf(s topics.Summary) topicRow {
	return topicRow{ID: s.ID, Name: s.Name, Phrases: s.Phrases, Weekly: s.Weekly, Total: s.Total, Rising: s.Rising, PValue: s.PValue, Kind: s.Kind}
}

func (h *topicHandlers) overview(c echo.Context) error {
	if _, err := requireManager(c); err != nil {
		return err
	}
	o, err := h.topics.Overview(c.Request().Context())
	if err != nil {
		return models.Unavailable("search is not available right now", err)
	}
	rows := make([]topicRow, len(o.Topics))
	for i, t := range o.Topics {
		rows[i] = topicRowOf(t)
	}
	var learned *time.Time
	if !o.LearnedAt.IsZero() {
		learned = &o.LearnedAt
	}
	return list(c, rows, map[string]any{"week_starts": o.WeekStarts, "learned_at": learned, "alpha": topics.RisingAlpha})
}

type complainantRow struct {
	Email string `json:"email"`
	Cases int    `json:"cases"`
}

type reopenedRow struct {
	ID      string    `json:"id"`
	Subject string    `json:"subject"`
	Status  string    `json:"status"`
	Updated time.Time `json:"updated_at"`
}

type topicDetail struct {
	topicRow
	WeekStarts    []time.Time      `json:"week_starts"`
	AllTime       int              `json:"all_time"`
	Repeat        []complainantRow `json:"repeat_complainants"`
	Reopened      []reopenedRow    `json:"reopened"`
	ReopenedTotal int              `json:"reopened_total"`
	RisingAlpha   float64          `json:"alpha"`
}

func (h *topicHandlers) detail(c echo.Context) error {
	if _, err := requireManager(c); err != nil {
		return err
	}
	d, err := h.topics.Detail(c.Request().Context(), c.Param("id"))
	if errors.Is(err, topics.ErrNotFound) {
		return models.NotFound("topic")
	}
	if err != nil {
		return models.Unavailable("search is not available right now", err)
	}
	out := topicDetail{topicRow: topicRowOf(d.Summary), WeekStarts: d.WeekStarts, AllTime: d.AllTime,
		Repeat: []complainantRow{}, Reopened: []reopenedRow{}, ReopenedTotal: d.ReopenedMore, RisingAlpha: topics.RisingAlpha}
	for _, r := range d.Repeat {
		out.Repeat = append(out.Repeat, complainantRow{Email: r.Email, Cases: r.Cases})
	}
	for _, r := range d.Reopened {
		out.Reopened = append(out.Reopened, reopenedRow{ID: r.ID, Subject: r.Subject, Status: r.Status, Updated: r.UpdatedAt})
	}
	return data(c, http.StatusOK, out)
}

func (h *topicHandlers) relearn(c echo.Context) error {
	if _, err := requireManager(c); err != nil {
		return err
	}
	n, err := h.topics.Relearn(c.Request().Context())
	if err != nil {
		return models.Unavailable("topics could not be learned right now", err)
	}
	return data(c, http.StatusOK, map[string]int{"topics": n})
}

// rootCauseView is one root cause as the API shows it.
type rootCauseView struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Notes      string          `json:"notes"`
	State      rootcause.State `json:"state"`
	FixedOn    string          `json:"fixed_on,omitempty"`
	MatchText  string          `json:"match_text,omitempty"`
	MatchTopic string          `json:"match_topic,omitempty"`
	CaseIDs    []string        `json:"case_ids"`
	Version    int64           `json:"version"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
}

func rootCauseViewOf(r *rootcause.RootCause) rootCauseView {
	ids := r.Linked()
	if ids == nil {
		ids = []string{}
	}
	return rootCauseView{ID: r.ID, Name: r.Name, Notes: r.Notes, State: r.State, FixedOn: r.FixedOn, MatchText: r.MatchText,
		MatchTopic: r.MatchTopic, CaseIDs: ids, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

type rootCauseSummaryView struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	State   rootcause.State `json:"state"`
	FixedOn string          `json:"fixed_on,omitempty"`
	Linked  int             `json:"linked"`
}

func summaryViews(ss []rootcause.Summary) []rootCauseSummaryView {
	out := make([]rootCauseSummaryView, len(ss))
	for i, s := range ss {
		out[i] = rootCauseSummaryView{ID: s.ID, Name: s.Name, State: s.State, FixedOn: s.FixedOn, Linked: s.Linked}
	}
	return out
}

func (h *topicHandlers) listCauses(c echo.Context) error {
	if _, err := requireManager(c); err != nil {
		return err
	}
	ss, err := h.causes.List(c.Request().Context())
	if err != nil {
		return err
	}
	return list(c, summaryViews(ss), map[string]any{"total": len(ss)})
}

type rootCauseCreateRequest struct {
	Name       string `json:"name" validate:"required,max=200"`
	Notes      string `json:"notes" validate:"max=5000"`
	MatchText  string `json:"match_text" validate:"max=1000"`
	MatchTopic string `json:"match_topic" validate:"max=200"`
	// LinkResults links every case matching match_text and match_topic at once.
	LinkResults bool `json:"link_results"`
}

func (h *topicHandlers) createCause(c echo.Context) error {
	p, err := requireManager(c)
	if err != nil {
		return err
	}
	var req rootCauseCreateRequest
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := h.causes.Create(ctx, p.User, rootcause.Create{Name: req.Name, Notes: req.Notes, MatchText: req.MatchText, MatchTopic: req.MatchTopic})
	if err != nil {
		return err
	}
	if req.LinkResults && (r.MatchText != "" || r.MatchTopic != "") {
		if r, _, err = h.causes.LinkAll(ctx, r.ID, r.MatchText, r.MatchTopic); err != nil {
			return err
		}
	}
	return data(c, http.StatusCreated, rootCauseViewOf(r))
}

type rootCauseDetail struct {
	rootCauseView
	Weeks rootcause.Weeks `json:"weeks"`
}

func (h *topicHandlers) getCause(c echo.Context) error {
	if _, err := requireManager(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := h.causes.Get(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	w, err := h.causes.WeeklyCounts(ctx, r)
	if err != nil {
		return err
	}
	if w.Starts == nil {
		w.Starts, w.Counts = []time.Time{}, []int{}
	}
	return data(c, http.StatusOK, rootCauseDetail{rootCauseView: rootCauseViewOf(r), Weeks: w})
}

type rootCausePatchRequest struct {
	Version int64            `json:"version" validate:"required,min=1"`
	Name    *string          `json:"name" validate:"omitempty,max=200"`
	Notes   *string          `json:"notes" validate:"omitempty,max=5000"`
	State   *rootcause.State `json:"state" validate:"omitempty,oneof=investigating fix_planned fixed"`
	FixedOn *string          `json:"fixed_on" validate:"omitempty,max=10"`
}

func (h *topicHandlers) patchCause(c echo.Context) error {
	if _, err := requireManager(c); err != nil {
		return err
	}
	var req rootCausePatchRequest
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	r, err := h.causes.Update(c.Request().Context(), c.Param("id"),
		rootcause.Update{Version: req.Version, Name: req.Name, Notes: req.Notes, State: req.State, FixedOn: req.FixedOn})
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, rootCauseViewOf(r))
}

type rootCauseLinkRequest struct {
	CaseIDs []string `json:"case_ids" validate:"max=500,dive,max=100"`
	// Q and Topic link every result of that search instead (at most 2,000).
	Q     string `json:"q" validate:"max=1000"`
	Topic string `json:"topic" validate:"max=200"`
}

func (h *topicHandlers) linkCases(c echo.Context) error {
	if _, err := requireManager(c); err != nil {
		return err
	}
	var req rootCauseLinkRequest
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var (
		r     *rootcause.RootCause
		added int
		err   error
	)
	if len(req.CaseIDs) > 0 {
		r, added, err = h.causes.Link(ctx, c.Param("id"), req.CaseIDs)
	} else {
		r, added, err = h.causes.LinkAll(ctx, c.Param("id"), req.Q, req.Topic)
	}
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, map[string]any{"root_cause": rootCauseViewOf(r), "added": added})
}

func (h *topicHandlers) causesOfCase(c echo.Context) error {
	if _, err := requireManager(c); err != nil {
		return err
	}
	ss, err := h.causes.CausesOf(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return list(c, summaryViews(ss), map[string]any{"total": len(ss)})
}
