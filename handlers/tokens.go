package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/staff"
)

// tokenService is what the API-token handlers need.
type tokenService interface {
	CreateAPIToken(ctx context.Context, p *helpdesk.Principal, req models.APITokenCreate) (*staff.NewAPIToken, error)
	ListAPITokens(ctx context.Context, p *helpdesk.Principal) ([]models.APIToken, error)
	RevokeAPIToken(ctx context.Context, p *helpdesk.Principal, publicID string) error
}

type tokenHandlers struct {
	tokens tokenService
	bind   *Binder
	audit  auditRecorder
}

func (h *tokenHandlers) list(c echo.Context) error {
	ts, err := h.tokens.ListAPITokens(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return list(c, ts, map[string]any{"total": len(ts)})
}

func (h *tokenHandlers) create(c echo.Context) error {
	var req models.APITokenCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	t, err := h.tokens.CreateAPIToken(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "api_token", "create", t.Token.PublicID, nil, t.Token)
	return data(c, http.StatusCreated, t)
}

func (h *tokenHandlers) revoke(c echo.Context) error {
	if err := h.tokens.RevokeAPIToken(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	h.audit.record(c, "api_token", "revoke", c.Param("id"), nil, nil)
	return c.NoContent(http.StatusNoContent)
}
