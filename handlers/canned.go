package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// cannedService is what the canned-reply handlers need.
type cannedService interface {
	List(ctx context.Context, p *helpdesk.Principal) ([]models.CannedReply, error)
	Create(ctx context.Context, p *helpdesk.Principal, req models.CannedReplyCreate) (*models.CannedReply, error)
	Patch(ctx context.Context, p *helpdesk.Principal, id string, req models.CannedReplyPatch) (*models.CannedReply, error)
	Delete(ctx context.Context, p *helpdesk.Principal, id string) error
	Render(ctx context.Context, p *helpdesk.Principal, id, caseID string) (string, error)
}

type cannedHandlers struct {
	canned cannedService
	bind   *Binder
}

func (h *cannedHandlers) list(c echo.Context) error {
	rs, err := h.canned.List(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return list(c, rs, map[string]any{"total": len(rs), "placeholders": models.Placeholders})
}

func (h *cannedHandlers) create(c echo.Context) error {
	var req models.CannedReplyCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	r, err := h.canned.Create(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusCreated, r)
}

func (h *cannedHandlers) patch(c echo.Context) error {
	var req models.CannedReplyPatch
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	r, err := h.canned.Patch(c.Request().Context(), principal(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, r)
}

func (h *cannedHandlers) remove(c echo.Context) error {
	if err := h.canned.Delete(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// render fills a canned reply for a case: GET /cases/{id}/canned-replies/{rid}.
func (h *cannedHandlers) render(c echo.Context) error {
	body, err := h.canned.Render(c.Request().Context(), principal(c), c.Param("rid"), c.Param("id"))
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, map[string]string{"body": body})
}
