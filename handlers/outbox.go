package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// outboxService is what the mail outbox handlers need.
type outboxService interface {
	List(ctx context.Context, p *helpdesk.Principal, limit int) ([]store.OutboxSummary, error)
	Get(ctx context.Context, p *helpdesk.Principal, id string) (*store.OutboxMail, error)
}

type outboxHandlers struct{ outbox outboxService }

func (h *outboxHandlers) list(c echo.Context) error {
	ms, err := h.outbox.List(c.Request().Context(), principal(c), 200)
	if err != nil {
		return err
	}
	return list(c, ms, map[string]any{"total": len(ms)})
}

func (h *outboxHandlers) get(c echo.Context) error {
	m, err := h.outbox.Get(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, m)
}
