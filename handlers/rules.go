package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// ruleService is what the escalation-rule and notification handlers need.
type ruleService interface {
	List(ctx context.Context, p *helpdesk.Principal) ([]escalation.Rule, error)
	Create(ctx context.Context, p *helpdesk.Principal, req escalation.RuleCreate) (*escalation.Rule, error)
	Patch(ctx context.Context, p *helpdesk.Principal, id string, req escalation.RulePatch) (*escalation.Rule, error)
	Delete(ctx context.Context, p *helpdesk.Principal, id string) error
	Preview(ctx context.Context, p *helpdesk.Principal, req escalation.RuleCreate) ([]escalation.PreviewMatch, error)
	Notifications(ctx context.Context, p *helpdesk.Principal) ([]models.Notification, error)
	MarkRead(ctx context.Context, p *helpdesk.Principal, id string) error
}

type ruleHandlers struct {
	rules ruleService
	bind  *Binder
	audit auditRecorder
}

func (h *ruleHandlers) list(c echo.Context) error {
	rs, err := h.rules.List(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return list(c, rs, map[string]any{"total": len(rs)})
}

func (h *ruleHandlers) create(c echo.Context) error {
	var req escalation.RuleCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	r, err := h.rules.Create(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "rule", "create", r.ID, nil, r)
	return data(c, http.StatusCreated, r)
}

func (h *ruleHandlers) patch(c echo.Context) error {
	var req escalation.RulePatch
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	rs, lerr := h.rules.List(c.Request().Context(), principal(c))
	before := findBefore(rs, lerr, func(r *escalation.Rule) bool { return r.ID == c.Param("id") })
	r, err := h.rules.Patch(c.Request().Context(), principal(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "rule", "update", r.ID, before, r)
	return data(c, http.StatusOK, r)
}

func (h *ruleHandlers) remove(c echo.Context) error {
	rs, lerr := h.rules.List(c.Request().Context(), principal(c))
	before := findBefore(rs, lerr, func(r *escalation.Rule) bool { return r.ID == c.Param("id") })
	if err := h.rules.Delete(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	h.audit.record(c, "rule", "delete", c.Param("id"), before, nil)
	return c.NoContent(http.StatusNoContent)
}

func (h *ruleHandlers) preview(c echo.Context) error {
	var req escalation.RuleCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	ms, err := h.rules.Preview(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	return list(c, ms, map[string]any{"total": len(ms)})
}

func (h *ruleHandlers) notifications(c echo.Context) error {
	ns, err := h.rules.Notifications(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	unread := 0
	out := make([]notificationResponse, len(ns))
	for i, n := range ns {
		if n.ReadAt == nil {
			unread++
		}
		out[i] = notificationOf(n)
	}
	return list(c, out, map[string]any{"total": len(out), "unread": unread})
}

// notificationResponse is one of the caller's notifications; ReadAt is null while unread.
type notificationResponse struct {
	ID        string     `json:"id"`
	CaseID    string     `json:"case_id"`
	Title     string     `json:"title"`
	Message   string     `json:"message"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

func notificationOf(n models.Notification) notificationResponse {
	return notificationResponse{ID: n.ID, CaseID: n.CaseID, Title: n.Title, Message: n.Message,
		CreatedAt: n.CreatedAt, ReadAt: n.ReadAt}
}

func (h *ruleHandlers) markRead(c echo.Context) error {
	if err := h.rules.MarkRead(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
