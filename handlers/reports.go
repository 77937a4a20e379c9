package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reports"
)

// reportService is what the report handlers need (Reports, issue 16).
type reportService interface {
	ReportFor(ctx context.Context, u *models.User, q reports.Query) (*reports.Report, error)
}

// weeklySummarySetter turns a manager's own weekly summary mail on or off.
type weeklySummarySetter interface {
	SetWeeklySummary(ctx context.Context, p *helpdesk.Principal, req models.WeeklySummaryChange) (*models.User, error)
}

type reportHandlers struct {
	reports reportService
	users   weeklySummarySetter
	bind    *Binder
}

// setWeeklySummary answers PUT /me/weekly-summary: the caller's own opt-in.
func (h *reportHandlers) setWeeklySummary(c echo.Context) error {
	var req models.WeeklySummaryChange
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	u, err := h.users.SetWeeklySummary(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, u)
}

// measures answers GET /reports/measures: every figure of the cases created in a date range,
// by week or month and by one dimension, with the inbox query behind each figure.
func (h *reportHandlers) measures(c echo.Context) error {
	q, err := parseReportQuery(c.QueryParams())
	if err != nil {
		return err
	}
	r, err := h.reports.ReportFor(c.Request().Context(), principal(c).User, q)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, r)
}

func parseReportQuery(v url.Values) (reports.Query, error) {
	q := reports.Query{Interval: v.Get("interval"), Filters: map[string][]string{}}
	// group_by repeated: the first gives the groups, the others the breakdowns, all from one
	// pass over the cases (the Reports page asks for its four groupings at once).
	if by := multi(v, "group_by"); len(by) > 0 {
		q.GroupBy, q.AlsoBy = by[0], by[1:]
	}
	byParam := map[string]string{}
	for _, d := range reports.Dimensions {
		byParam[d.Param] = d.Name
	}
	for k := range v {
		switch k {
		case "from", "to", "interval", "group_by", "group_series":
			continue
		}
		name, ok := byParam[k]
		if !ok {
			return q, models.InvalidField(k, "is not a parameter of this report")
		}
		q.Filters[name] = multi(v, k)
	}
	if s := v.Get("group_series"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return q, models.InvalidField("group_series", "must be true or false")
		}
		q.GroupSeries = b
	}
	for _, r := range []struct {
		key string
		dst *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if s := v.Get(r.key); s != "" {
			t, dateOnly, err := parseDate(s)
			if err != nil {
				return q, models.InvalidField(r.key, "must be a date (2026-03-01) or an RFC 3339 time")
			}
			if dateOnly && r.key == "to" {
				t = t.AddDate(0, 0, 1) // "to 1 March" includes all of 1 March
			}
			*r.dst = t
		}
	}
	return q, nil
}
