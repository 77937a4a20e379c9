package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// settingsService is what the form-options and category handlers need.
type settingsService interface {
	FormOptions(ctx context.Context, locale string) (*helpdesk.FormOptions, error)
	Categories(ctx context.Context, p *helpdesk.Principal) ([]models.Category, error)
	SaveCategories(ctx context.Context, p *helpdesk.Principal, req models.CategoriesUpdate) ([]models.Category, error)
}

type settingsHandlers struct {
	settings settingsService
	bind     *Binder
	audit    auditRecorder
}

func (h *settingsHandlers) formOptions(c echo.Context) error {
	locale := c.QueryParam("locale")
	if locale != "" && locale != "en" && locale != "fi" {
		return models.InvalidField("locale", "must be en or fi")
	}
	opts, err := h.settings.FormOptions(c.Request().Context(), locale)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, opts)
}

func (h *settingsHandlers) categories(c echo.Context) error {
	cats, err := h.settings.Categories(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return list(c, cats, map[string]any{"total": len(cats)})
}

func (h *settingsHandlers) saveCategories(c echo.Context) error {
	var req models.CategoriesUpdate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	before, _ := h.settings.Categories(c.Request().Context(), principal(c))
	cats, err := h.settings.SaveCategories(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "settings", "categories", "categories", before, cats)
	return list(c, cats, map[string]any{"total": len(cats)})
}
