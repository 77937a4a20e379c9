package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// savedViewService is what the saved-view handlers need.
type savedViewService interface {
	List(ctx context.Context, p *helpdesk.Principal) ([]models.SavedView, error)
	Get(ctx context.Context, p *helpdesk.Principal, id string) (*models.SavedView, error)
	Create(ctx context.Context, p *helpdesk.Principal, req models.SavedViewCreate) (*models.SavedView, error)
	Patch(ctx context.Context, p *helpdesk.Principal, id string, req models.SavedViewPatch) (*models.SavedView, error)
	Delete(ctx context.Context, p *helpdesk.Principal, id string) error
	Counts(ctx context.Context, p *helpdesk.Principal, ids []string) (map[string]int, error)
}

type savedViewHandlers struct {
	views savedViewService
	bind  *Binder
}

// savedView is one saved view as the API shows it.
type savedView struct {
	ID        string                  `json:"id"`
	Name      string                  `json:"name"`
	Scope     models.ViewScope        `json:"scope"`
	TeamID    string                  `json:"team_id,omitempty"`
	OwnerID   string                  `json:"owner_id"`
	Filters   models.SavedViewFilters `json:"filters"`
	Version   int64                   `json:"version"`
	CreatedAt time.Time               `json:"created_at"`
	UpdatedAt time.Time               `json:"updated_at"`
}

func savedViewOf(v *models.SavedView) savedView {
	return savedView{ID: v.ID, Name: v.Name, Scope: v.Scope, TeamID: v.TeamID, OwnerID: v.OwnerID, Filters: v.Filters,
		Version: v.Version, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
}

func (h *savedViewHandlers) list(c echo.Context) error {
	vs, err := h.views.List(c.Request().Context(), principal(c))
	return shapedList(c, vs, err, savedViewOf)
}

func (h *savedViewHandlers) get(c echo.Context) error {
	v, err := h.views.Get(c.Request().Context(), principal(c), c.Param("id"))
	return shaped(c, http.StatusOK, v, err, savedViewOf)
}

func (h *savedViewHandlers) create(c echo.Context) error {
	var req models.SavedViewCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	v, err := h.views.Create(c.Request().Context(), principal(c), req)
	return shaped(c, http.StatusCreated, v, err, savedViewOf)
}

func (h *savedViewHandlers) patch(c echo.Context) error {
	var req models.SavedViewPatch
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	v, err := h.views.Patch(c.Request().Context(), principal(c), c.Param("id"), req)
	return shaped(c, http.StatusOK, v, err, savedViewOf)
}

func (h *savedViewHandlers) remove(c echo.Context) error {
	if err := h.views.Delete(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
