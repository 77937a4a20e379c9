package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// loginService is what the auth handlers need.
type loginService interface {
	Login(ctx context.Context, req models.LoginRequest, clientIP string) (*helpdesk.LoginResult, error)
	Logout(ctx context.Context, p *helpdesk.Principal) error
}

type authHandlers struct {
	auth          loginService
	bind          *Binder
	secureCookies bool
}

type meResponse struct {
	User      *models.User `json:"user"`
	CSRFToken string       `json:"csrf_token,omitempty"`
}

func (h *authHandlers) login(c echo.Context) error {
	var req models.LoginRequest
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	res, err := h.auth.Login(c.Request().Context(), req, c.RealIP())
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: SessionCookie, Value: res.CookieValue, Path: "/", Expires: res.ExpiresAt,
		HttpOnly: true, Secure: h.secureCookies, SameSite: http.SameSiteLaxMode,
	})
	return data(c, http.StatusOK, meResponse{User: res.User, CSRFToken: res.CSRFToken})
}

func (h *authHandlers) logout(c echo.Context) error {
	if err := h.auth.Logout(c.Request().Context(), principal(c)); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.secureCookies, SameSite: http.SameSiteLaxMode})
	return c.NoContent(http.StatusNoContent)
}

func (h *authHandlers) me(c echo.Context) error {
	p := principal(c)
	return data(c, http.StatusOK, meResponse{User: p.User, CSRFToken: p.CSRFToken})
}
