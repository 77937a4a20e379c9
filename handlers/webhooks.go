package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// webhookService is what the outbound webhook handlers need.
type webhookService interface {
	List(ctx context.Context, p *helpdesk.Principal) ([]models.WebhookEndpoint, error)
	Create(ctx context.Context, p *helpdesk.Principal, req models.WebhookCreate) (*models.WebhookEndpoint, error)
	Patch(ctx context.Context, p *helpdesk.Principal, id string, req models.WebhookPatch) (*models.WebhookEndpoint, error)
	Delete(ctx context.Context, p *helpdesk.Principal, id string) error
	Deliveries(ctx context.Context, p *helpdesk.Principal, id string) ([]store.WebhookDelivery, error)
}

type webhookHandlers struct {
	webhooks webhookService
	bind     *Binder
}

func (h *webhookHandlers) list(c echo.Context) error {
	ws, err := h.webhooks.List(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return list(c, ws, map[string]any{"total": len(ws)})
}

func (h *webhookHandlers) create(c echo.Context) error {
	if err := principal(c).Require(models.RoleAdmin); err != nil {
		return err
	}
	var req models.WebhookCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	w, err := h.webhooks.Create(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusCreated, w)
}

func (h *webhookHandlers) patch(c echo.Context) error {
	if err := principal(c).Require(models.RoleAdmin); err != nil {
		return err
	}
	var req models.WebhookPatch
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	w, err := h.webhooks.Patch(c.Request().Context(), principal(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, w)
}

func (h *webhookHandlers) remove(c echo.Context) error {
	if err := h.webhooks.Delete(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *webhookHandlers) deliveries(c echo.Context) error {
	ds, err := h.webhooks.Deliveries(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return list(c, ds, map[string]any{"total": len(ds)})
}
