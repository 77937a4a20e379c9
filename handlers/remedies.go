package handlers

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/remedies"
)

// remedyService is what the resolution-option, grant and approval handlers need.
type remedyService interface {
	Options(ctx context.Context, u *models.User) ([]remedies.Option, error)
	CreateOption(ctx context.Context, u *models.User, req remedies.OptionCreate) (*remedies.Option, error)
	PatchOption(ctx context.Context, u *models.User, id string, req remedies.OptionPatch) (*remedies.Option, error)
	Grant(ctx context.Context, u *models.User, caseID string, req remedies.GrantRequest) (*remedies.GrantOutcome, error)
	MySpending(ctx context.Context, u *models.User) (*remedies.Spending, error)
	Approvals(ctx context.Context, u *models.User, q remedies.ApprovalQuery) (*remedies.ApprovalPage, error)
	WaitingCount(ctx context.Context, u *models.User) (int, error)
	Approval(ctx context.Context, u *models.User, id string) (*remedies.Approval, error)
	CaseApprovals(ctx context.Context, u *models.User, caseID string) ([]remedies.Approval, error)
	Decide(ctx context.Context, u *models.User, id string, req remedies.DecisionRequest) (*remedies.Approval, *models.Case, error)
	ApprovalClock(ctx context.Context, u *models.User) (*remedies.ClockSettings, error)
	SetApprovalClock(ctx context.Context, u *models.User, req remedies.ClockSettingsUpdate) (*remedies.ClockSettings, error)
	Now() time.Time
}

type remedyHandlers struct {
	remedies remedyService
	bind     *Binder
	audit    auditRecorder
}

func userOf(c echo.Context) *models.User {
	if p := principal(c); p != nil {
		return p.User
	}
	return nil
}

// optionResponse is a resolution option as the API shows it.
type optionResponse struct {
	ID             string         `json:"id"`
	Name           remedies.Texts `json:"name"`
	CustomerText   remedies.Texts `json:"customer_text"`
	HasAmount      bool           `json:"has_amount"`
	ReasonRequired bool           `json:"reason_required"`
	FollowUpDays   int            `json:"follow_up_days"`
	Position       int            `json:"position"`
	Active         bool           `json:"active"`
	UpdatedAt      time.Time      `json:"updated_at"`
	Version        int64          `json:"version"`
}

func optionOf(o *remedies.Option) optionResponse {
	return optionResponse{ID: o.ID, Name: o.Name, CustomerText: o.CustomerText, HasAmount: o.HasAmount,
		ReasonRequired: o.ReasonRequired, FollowUpDays: o.FollowUpDays, Position: o.Position, Active: o.Active,
		UpdatedAt: o.UpdatedAt, Version: o.Version}
}

func (h *remedyHandlers) listOptions(c echo.Context) error {
	opts, err := h.remedies.Options(c.Request().Context(), userOf(c))
	if err != nil {
		return err
	}
	out := make([]optionResponse, len(opts))
	for i := range opts {
		out[i] = optionOf(&opts[i])
	}
	return list(c, out, map[string]any{"total": len(out)})
}

func (h *remedyHandlers) createOption(c echo.Context) error {
	var req remedies.OptionCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	o, err := h.remedies.CreateOption(c.Request().Context(), userOf(c), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "resolution_option", "create", o.ID, nil, optionOf(o))
	return data(c, http.StatusCreated, optionOf(o))
}

func (h *remedyHandlers) patchOption(c echo.Context) error {
	var req remedies.OptionPatch
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	opts, lerr := h.remedies.Options(c.Request().Context(), userOf(c))
	before := viewOf(findBefore(opts, lerr, func(o *remedies.Option) bool { return o.ID == c.Param("id") }), optionOf)
	o, err := h.remedies.PatchOption(c.Request().Context(), userOf(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "resolution_option", "update", o.ID, before, optionOf(o))
	return data(c, http.StatusOK, optionOf(o))
}

// grantRequest is the body of POST /cases/{id}/resolution. The amount is amount_minor (an
// integer of minor units) or amount (text as typed, in the user's locale); a JSON fraction is
// refused by the decoder.
type grantRequest struct {
	OptionID    string `json:"option_id" validate:"max=40"`
	AmountMinor *int64 `json:"amount_minor"`
	Amount      string `json:"amount" validate:"max=40"`
	Message     string `json:"message" validate:"max=5000"`
	Reverses    string `json:"reverses" validate:"max=64"`
}

// grantResponse says what became of a grant: applied (grant and the case's new version) or
// waiting for approval (approval).
type grantResponse struct {
	Status      string            `json:"status"` // "granted" or "approval_requested"
	Grant       *models.Grant     `json:"grant,omitempty"`
	Approval    *approvalResponse `json:"approval,omitempty"`
	CaseVersion int64             `json:"case_version"`
}

func (h *remedyHandlers) grant(c echo.Context) error {
	var req grantRequest
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	u := userOf(c)
	out, err := h.remedies.Grant(c.Request().Context(), u, c.Param("id"), remedies.GrantRequest{OptionID: req.OptionID,
		AmountMinor: req.AmountMinor, AmountText: req.Amount, Message: req.Message, Reverses: req.Reverses})
	if err != nil {
		return err
	}
	res := grantResponse{Status: "granted", Grant: out.Grant, CaseVersion: out.Case.Version}
	status := http.StatusCreated
	if out.Approval != nil {
		a := h.approvalOf(u, out.Approval)
		res.Status, res.Approval, status = "approval_requested", &a, http.StatusAccepted
	}
	return data(c, status, res)
}

// spendingResponse is the caller's standing against their limits.
type spendingResponse struct {
	Month             string `json:"month"`
	SpentMinor        int64  `json:"spent_minor"`
	MonthlyLimitMinor int64  `json:"monthly_limit_minor"`
	CaseLimitMinor    int64  `json:"case_limit_minor"`
	Currency          string `json:"currency"`
	MinorDigits       int    `json:"minor_digits"`
}

func (h *remedyHandlers) spending(c echo.Context) error {
	s, err := h.remedies.MySpending(c.Request().Context(), userOf(c))
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, spendingResponse{Month: s.Month, SpentMinor: s.SpentMinor, MonthlyLimitMinor: s.MonthlyLimit,
		CaseLimitMinor: s.CaseLimit, Currency: s.Currency, MinorDigits: s.Digits})
}

// approvalResponse is an approval request as the API shows it.
type approvalResponse struct {
	ID                 string     `json:"id"`
	CaseID             string     `json:"case_id"`
	CaseSubject        string     `json:"case_subject"`
	CustomerName       string     `json:"customer_name"`
	ExpectedOutcome    string     `json:"expected_outcome"`
	OptionID           string     `json:"option_id"`
	AmountMinor        int64      `json:"amount_minor"`
	DecidedAmountMinor int64      `json:"decided_amount_minor"`
	Currency           string     `json:"currency"`
	Message            string     `json:"message"`
	Reason             string     `json:"reason"`
	RequestedByID      string     `json:"requested_by_id"`
	RequestedByName    string     `json:"requested_by_name"`
	Status             string     `json:"status"`
	DecidedByName      string     `json:"decided_by_name,omitempty"`
	Comment            string     `json:"comment,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
	DecidedAt          *time.Time `json:"decided_at,omitempty"`
	// MayDecide: the caller may decide it (own limit per case covers the amount asked, or an
	// admin; the decision checks again against the case and the month).
	MayDecide bool  `json:"may_decide"`
	Version   int64 `json:"version"`
	// Clock is the request's own clock (absent when none ran).
	Clock *approvalClockResponse `json:"clock,omitempty"`
}

// approvalClockResponse is where a request's clock stands.
type approvalClockResponse struct {
	TargetMinutes int        `json:"target_minutes"`
	WarnAt        *time.Time `json:"warn_at,omitempty"`
	DueAt         *time.Time `json:"due_at,omitempty"`
	// State: on_track, warning, breached (waiting), met or met_late (decided).
	State string `json:"state"`
}

func (h *remedyHandlers) approvalOf(u *models.User, a *remedies.Approval) approvalResponse {
	r := approvalOf(u, a)
	if st := a.ClockState(h.remedies.Now()); st != remedies.ClockNone {
		r.Clock = &approvalClockResponse{TargetMinutes: a.TargetMinutes, WarnAt: a.WarnAt, DueAt: a.DueAt, State: st}
	}
	return r
}

func approvalOf(u *models.User, a *remedies.Approval) approvalResponse {
	return approvalResponse{ID: a.ID, CaseID: a.CaseID, CaseSubject: a.CaseSubject, CustomerName: a.CustomerName,
		ExpectedOutcome: a.ExpectedOutcome, OptionID: a.OptionID, AmountMinor: a.AmountMinor,
		DecidedAmountMinor: a.DecidedAmountMinor, Currency: a.Currency, Message: a.Message, Reason: a.Reason,
		RequestedByID: a.RequestedByID, RequestedByName: a.RequestedByName, Status: a.Status,
		DecidedByName: a.DecidedByName, Comment: a.Comment, CreatedAt: a.CreatedAt, DecidedAt: a.DecidedAt,
		MayDecide: remedies.CanDecide(u, a, 0), Version: a.Version}
}

// approvalListParams are the query parameters GET /approvals accepts.
var approvalListParams = map[string]bool{"filter": true, "status": true, "limit": true, "cursor": true}

func (h *remedyHandlers) listApprovals(c echo.Context) error {
	qp := c.QueryParams()
	for k := range qp {
		if !approvalListParams[k] {
			return models.InvalidField(k, "unknown parameter")
		}
	}
	q := remedies.ApprovalQuery{Filter: qp.Get("filter"), Status: qp.Get("status"), Cursor: qp.Get("cursor")}
	if l := qp.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			return models.InvalidField("limit", "a whole number from 1 to 200")
		}
		q.Limit = n
	}
	u := userOf(c)
	page, err := h.remedies.Approvals(c.Request().Context(), u, q)
	if err != nil {
		return err
	}
	out := make([]approvalResponse, len(page.Items))
	for i := range page.Items {
		out[i] = h.approvalOf(u, &page.Items[i])
	}
	return list(c, out, map[string]any{"total": page.Total, "next_cursor": page.NextCursor})
}

func (h *remedyHandlers) countApprovals(c echo.Context) error {
	n, err := h.remedies.WaitingCount(c.Request().Context(), userOf(c))
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, map[string]int{"waiting_for_me": n})
}

func (h *remedyHandlers) getApproval(c echo.Context) error {
	u := userOf(c)
	a, err := h.remedies.Approval(c.Request().Context(), u, c.Param("id"))
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, h.approvalOf(u, a))
}

// caseApprovals answers GET /cases/{id}/approval-requests: the case's requests the caller may
// see, waiting or decided, oldest first (the case page's remedies card).
func (h *remedyHandlers) caseApprovals(c echo.Context) error {
	u := userOf(c)
	items, err := h.remedies.CaseApprovals(c.Request().Context(), u, c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]approvalResponse, len(items))
	for i := range items {
		out[i] = h.approvalOf(u, &items[i])
	}
	return list(c, out, map[string]any{"total": len(out)})
}

// decisionRequest is an approver's answer, on the version they saw.
type decisionRequest struct {
	Action      string `json:"action" validate:"required,oneof=approve reject change"`
	AmountMinor *int64 `json:"amount_minor"`
	Amount      string `json:"amount" validate:"max=40"`
	Comment     string `json:"comment" validate:"max=5000"`
	Version     int64  `json:"version" validate:"required,min=1"`
}

func (h *remedyHandlers) decide(c echo.Context) error {
	var req decisionRequest
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	u := userOf(c)
	a, _, err := h.remedies.Decide(c.Request().Context(), u, c.Param("id"), remedies.DecisionRequest{Action: req.Action,
		AmountMinor: req.AmountMinor, AmountText: req.Amount, Comment: req.Comment, Version: req.Version})
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, h.approvalOf(u, a))
}

// approvalClockResponse is the installation's approval target.
type approvalClockSettingsResponse struct {
	TargetMinutes int       `json:"target_minutes"`
	WarnAtPercent int       `json:"warn_at_percent"`
	UpdatedAt     time.Time `json:"updated_at"`
	Version       int64     `json:"version"`
}

func clockSettingsOf(cs *remedies.ClockSettings) approvalClockSettingsResponse {
	return approvalClockSettingsResponse{TargetMinutes: cs.TargetMinutes, WarnAtPercent: cs.WarnAtPercent, UpdatedAt: cs.UpdatedAt, Version: cs.Version}
}

func (h *remedyHandlers) getApprovalClock(c echo.Context) error {
	cs, err := h.remedies.ApprovalClock(c.Request().Context(), userOf(c))
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, clockSettingsOf(cs))
}

func (h *remedyHandlers) setApprovalClock(c echo.Context) error {
	var req remedies.ClockSettingsUpdate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	cs, err := h.remedies.SetApprovalClock(c.Request().Context(), userOf(c), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, clockSettingsOf(cs))
}
