package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/staff"
)

// loginService is what the auth handlers need.
type loginService interface {
	Login(ctx context.Context, req models.LoginRequest, client staff.Client) (*staff.LoginResult, error)
	SecondFactor(ctx context.Context, req models.SecondFactorLogin) (*staff.LoginResult, error)
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
	// TwoFactorEnrolmentRequired: this session may only set up two-factor sign-in (required
	// for the user's role) until it is on.
	TwoFactorEnrolmentRequired bool `json:"two_factor_enrolment_required,omitempty"`
}

// loginChallengeResponse is the answer to a right password on an account with two-factor
// sign-in: no session yet, only the token of the second step.
type loginChallengeResponse struct {
	TwoFactorRequired bool   `json:"two_factor_required"`
	Challenge         string `json:"challenge"`
}

func (h *authHandlers) login(c echo.Context) error {
	var req models.LoginRequest
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	res, err := h.auth.Login(c.Request().Context(), req, staff.Client{Address: c.RealIP(), UserAgent: c.Request().UserAgent()})
	if err != nil {
		return err
	}
	if res.Challenge != "" {
		return data(c, http.StatusOK, loginChallengeResponse{TwoFactorRequired: true, Challenge: res.Challenge})
	}
	return h.startSession(c, res)
}

func (h *authHandlers) secondFactor(c echo.Context) error {
	var req models.SecondFactorLogin
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	res, err := h.auth.SecondFactor(c.Request().Context(), req)
	if err != nil {
		return err
	}
	return h.startSession(c, res)
}

func (h *authHandlers) startSession(c echo.Context, res *staff.LoginResult) error {
	c.SetCookie(&http.Cookie{
		Name: SessionCookie, Value: res.CookieValue, Path: "/", Expires: res.ExpiresAt,
		HttpOnly: true, Secure: h.secureCookies, SameSite: http.SameSiteLaxMode,
	})
	return data(c, http.StatusOK, meResponse{User: res.User, CSRFToken: res.CSRFToken, TwoFactorEnrolmentRequired: res.EnrolOnly})
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
	return data(c, http.StatusOK, meResponse{User: p.User, CSRFToken: p.CSRFToken, TwoFactorEnrolmentRequired: p.EnrolOnly})
}
