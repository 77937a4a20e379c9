package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/journey"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// journeyService is what the journey view's handlers need.
type journeyService interface {
	Stages(ctx context.Context, u *models.User) ([]journey.Assignment, error)
	SaveStages(ctx context.Context, u *models.User, req journey.StagesUpdate) ([]journey.Assignment, error)
	Figures(ctx context.Context, u *models.User, q journey.Query) (*journey.Figures, error)
}

type journeyHandlers struct {
	journey journeyService
	bind    *Binder
}

// stageAssignment is one touchpoint's REAN stage.
type stageAssignment struct {
	Touchpoint string `json:"touchpoint" validate:"required,max=40"`
	Stage      string `json:"stage" validate:"required,oneof=reach engage activate nurture"`
}

// stageUpdate is the admins' new mapping.
type stageUpdate struct {
	Stages []stageAssignment `json:"stages" validate:"required,min=1,max=50,dive"`
}

// stationResponse is one touchpoint's figures.
type stationResponse struct {
	Touchpoint              string          `json:"touchpoint"`
	Cases                   int             `json:"cases"`
	Complaints              int             `json:"complaints"`
	Reviews                 int             `json:"reviews"`
	Rated                   int             `json:"rated"`
	Satisfaction            *float64        `json:"satisfaction"`
	Reopened                int             `json:"reopened"`
	ReopenRate              *float64        `json:"reopen_rate"`
	Resolved                int             `json:"resolved"`
	MedianResolutionMinutes *int            `json:"median_resolution_minutes"`
	MedianWithin            *minutesBetween `json:"median_within"`
	Weakest                 bool            `json:"weakest"`
}

type minutesBetween struct {
	From int `json:"from"`
	To   int `json:"to"`
}

type stageResponse struct {
	Stage    string            `json:"stage"`
	Stations []stationResponse `json:"stations"`
	Total    stationResponse   `json:"total"`
}

type journeyResponse struct {
	From     time.Time       `json:"from"`
	To       time.Time       `json:"to"`
	Stages   []stageResponse `json:"stages"`
	Unplaced int             `json:"unplaced"`
}

func stationOf(s journey.Station) stationResponse {
	r := stationResponse{Touchpoint: s.Touchpoint, Cases: s.Cases, Complaints: s.Complaints, Reviews: s.Reviews,
		Rated: s.Rated, Satisfaction: s.Satisfaction, Reopened: s.Reopened, ReopenRate: s.ReopenRate, Resolved: s.Resolved,
		MedianResolutionMinutes: s.MedianResolutionMinutes, Weakest: s.Weakest}
	if b := s.MedianWithin; b != nil {
		r.MedianWithin = &minutesBetween{From: b.From, To: b.To}
	}
	return r
}

func assignmentsOf(as []journey.Assignment) []stageAssignment {
	out := make([]stageAssignment, len(as))
	for i, a := range as {
		out[i] = stageAssignment{Touchpoint: a.Touchpoint, Stage: string(a.Stage)}
	}
	return out
}

func (h *journeyHandlers) stages(c echo.Context) error {
	as, err := h.journey.Stages(c.Request().Context(), userOf(c))
	if err != nil {
		return err
	}
	return list(c, assignmentsOf(as), map[string]any{"total": len(as)})
}

func (h *journeyHandlers) saveStages(c echo.Context) error {
	var req stageUpdate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	upd := journey.StagesUpdate{Stages: make([]journey.Assignment, len(req.Stages))}
	for i, a := range req.Stages {
		upd.Stages[i] = journey.Assignment{Touchpoint: a.Touchpoint, Stage: journey.Stage(a.Stage)}
	}
	as, err := h.journey.SaveStages(c.Request().Context(), userOf(c), upd)
	if err != nil {
		return err
	}
	return list(c, assignmentsOf(as), map[string]any{"total": len(as)})
}

// figures answers GET /journey?from=YYYY-MM-DD&to=YYYY-MM-DD: cases created from the start of
// from to the end of to (UTC); without them, the last 90 days.
func (h *journeyHandlers) figures(c echo.Context) error {
	var q journey.Query
	for _, p := range []struct {
		name string
		dst  *time.Time
		add  int
	}{{"from", &q.From, 0}, {"to", &q.To, 1}} {
		v := c.QueryParam(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return models.InvalidField(p.name, "must be a date like 2026-01-31")
		}
		*p.dst = t.AddDate(0, 0, p.add)
	}
	f, err := h.journey.Figures(c.Request().Context(), userOf(c), q)
	if err != nil {
		return err
	}
	resp := journeyResponse{From: f.From, To: f.To, Unplaced: f.Unplaced, Stages: make([]stageResponse, len(f.Stages))}
	for i, s := range f.Stages {
		sr := stageResponse{Stage: string(s.Stage), Total: stationOf(s.Total), Stations: make([]stationResponse, len(s.Stations))}
		for j, st := range s.Stations {
			sr.Stations[j] = stationOf(st)
		}
		resp.Stages[i] = sr
	}
	return data(c, http.StatusOK, resp)
}
