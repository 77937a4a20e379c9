package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// userService is what the user and team handlers need.
type userService interface {
	List(ctx context.Context, p *helpdesk.Principal) ([]models.User, error)
	Directory(ctx context.Context, p *helpdesk.Principal) ([]models.StaffMember, error)
	Get(ctx context.Context, p *helpdesk.Principal, id string) (*models.User, error)
	Create(ctx context.Context, p *helpdesk.Principal, req models.UserCreate) (*models.User, error)
	Patch(ctx context.Context, p *helpdesk.Principal, id string, req models.UserPatch) (*models.User, error)
	ListTeams(ctx context.Context, p *helpdesk.Principal) ([]models.Team, error)
	CreateTeam(ctx context.Context, p *helpdesk.Principal, req models.TeamCreate) (*models.Team, error)
	PatchTeam(ctx context.Context, p *helpdesk.Principal, id string, req models.TeamPatch) (*models.Team, error)
}

type userHandlers struct {
	users userService
	bind  *Binder
	audit auditRecorder
}

func (h *userHandlers) list(c echo.Context) error {
	us, err := h.users.List(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return list(c, us, map[string]any{"total": len(us)})
}

func (h *userHandlers) directory(c echo.Context) error {
	staff, err := h.users.Directory(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return list(c, staff, map[string]any{"total": len(staff)})
}

func (h *userHandlers) get(c echo.Context) error {
	u, err := h.users.Get(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, u)
}

func (h *userHandlers) create(c echo.Context) error {
	var req models.UserCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	u, err := h.users.Create(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "user", "create", u.ID, nil, u)
	return data(c, http.StatusCreated, u)
}

func (h *userHandlers) patch(c echo.Context) error {
	var req models.UserPatch
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	before, _ := h.users.Get(c.Request().Context(), principal(c), c.Param("id"))
	u, err := h.users.Patch(c.Request().Context(), principal(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "user", userVerb(req), u.ID, before, u)
	return data(c, http.StatusOK, u)
}

// userVerb names a user change for the audit log: a new password or revoked tokens say so
// (the password itself is never logged).
func userVerb(req models.UserPatch) string {
	switch {
	case req.Password != nil:
		return "set_password"
	case req.RevokeAPITokens:
		return "revoke_tokens"
	}
	return "update"
}

func (h *userHandlers) listTeams(c echo.Context) error {
	ts, err := h.users.ListTeams(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return list(c, ts, map[string]any{"total": len(ts)})
}

func (h *userHandlers) createTeam(c echo.Context) error {
	var req models.TeamCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	t, err := h.users.CreateTeam(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "team", "create", t.ID, nil, t)
	return data(c, http.StatusCreated, t)
}

func (h *userHandlers) patchTeam(c echo.Context) error {
	var req models.TeamPatch
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	ts, lerr := h.users.ListTeams(c.Request().Context(), principal(c))
	before := findBefore(ts, lerr, func(t *models.Team) bool { return t.ID == c.Param("id") })
	t, err := h.users.PatchTeam(c.Request().Context(), principal(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "team", "update", t.ID, before, t)
	return data(c, http.StatusOK, t)
}
