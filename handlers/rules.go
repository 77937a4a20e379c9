package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// ruleService is what the escalation-rule and notification handlers need.
type ruleService interface {
	List(ctx context.Context, p *helpdesk.Principal) ([]escalation.Rule, error)
	Create(ctx context.Context, p *helpdesk.Principal, req escalation.RuleCreate) (*escalation.Rule, error)
	Patch(ctx context.Context, p *helpdesk.Principal, id string, req escalation.RulePatch) (*escalation.Rule, error)
	Delete(ctx context.Context, p *helpdesk.Principal, id string) error
	Preview(ctx context.Context, p *helpdesk.Principal, req escalation.RuleCreate) ([]escalation.PreviewMatch, error)
	Notifications(ctx context.Context, p *helpdesk.Principal) ([]store.Notification, error)
	MarkRead(ctx context.Context, p *helpdesk.Principal, id string) error
}

type ruleHandlers struct {
	rules ruleService
	bind  *Binder
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
	return data(c, http.StatusCreated, r)
}

func (h *ruleHandlers) patch(c echo.Context) error {
	var req escalation.RulePatch
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	r, err := h.rules.Patch(c.Request().Context(), principal(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, r)
}

func (h *ruleHandlers) remove(c echo.Context) error {
	if err := h.rules.Delete(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
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
	for _, n := range ns {
		if n.ReadAt == nil {
			unread++
		}
	}
	return list(c, ns, map[string]any{"total": len(ns), "unread": unread})
}

func (h *ruleHandlers) markRead(c echo.Context) error {
	if err := h.rules.MarkRead(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
