package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// slaService is what the SLA policy handlers need.
type slaService interface {
	List(ctx context.Context, p *helpdesk.Principal) ([]models.SLAPolicy, error)
	Get(ctx context.Context, p *helpdesk.Principal, id string) (*models.SLAPolicy, error)
	Create(ctx context.Context, p *helpdesk.Principal, req models.SLAPolicyCreate) (*models.SLAPolicy, error)
	Patch(ctx context.Context, p *helpdesk.Principal, id string, req models.SLAPolicyPatch) (*models.SLAPolicy, error)
	Delete(ctx context.Context, p *helpdesk.Principal, id string) error
}

type slaHandlers struct {
	sla   slaService
	bind  *Binder
	audit auditRecorder
}

func (h *slaHandlers) list(c echo.Context) error {
	ps, err := h.sla.List(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return list(c, ps, map[string]any{"total": len(ps)})
}

func (h *slaHandlers) get(c echo.Context) error {
	p, err := h.sla.Get(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, p)
}

func (h *slaHandlers) create(c echo.Context) error {
	var req models.SLAPolicyCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	p, err := h.sla.Create(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "sla_policy", "create", p.ID, nil, p)
	return data(c, http.StatusCreated, p)
}

func (h *slaHandlers) patch(c echo.Context) error {
	var req models.SLAPolicyPatch
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	before, _ := h.sla.Get(c.Request().Context(), principal(c), c.Param("id"))
	p, err := h.sla.Patch(c.Request().Context(), principal(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "sla_policy", "update", p.ID, before, p)
	return data(c, http.StatusOK, p)
}

func (h *slaHandlers) remove(c echo.Context) error {
	before, _ := h.sla.Get(c.Request().Context(), principal(c), c.Param("id"))
	if err := h.sla.Delete(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	h.audit.record(c, "sla_policy", "delete", c.Param("id"), before, nil)
	return c.NoContent(http.StatusNoContent)
}
