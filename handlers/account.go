package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/staff"
)

// accountService is what a user's own account pages need: password, sessions, two-factor
// sign-in, "forgot password", and the admins' security settings.
type accountService interface {
	ChangePassword(ctx context.Context, p *helpdesk.Principal, req models.PasswordChange) error
	Sessions(ctx context.Context, p *helpdesk.Principal) ([]staff.SessionInfo, error)
	EndSession(ctx context.Context, p *helpdesk.Principal, id string) error
	EndOtherSessions(ctx context.Context, p *helpdesk.Principal) error
	RequestPasswordReset(ctx context.Context, req models.PasswordResetRequest, client staff.Client) error
	ResetPassword(ctx context.Context, req models.PasswordResetConfirm) error
	TwoFactorStatus(ctx context.Context, p *helpdesk.Principal) (*staff.TwoFactorStatus, error)
	StartTwoFactor(ctx context.Context, p *helpdesk.Principal) (*staff.TwoFactorEnrolment, error)
	ConfirmTwoFactor(ctx context.Context, p *helpdesk.Principal, req models.TwoFactorConfirm) (*staff.RecoveryCodes, error)
	DisableTwoFactor(ctx context.Context, p *helpdesk.Principal, req models.TwoFactorDisable) error
	NewRecoveryCodes(ctx context.Context, p *helpdesk.Principal, req models.TwoFactorDisable) (*staff.RecoveryCodes, error)
	ResetTwoFactor(ctx context.Context, p *helpdesk.Principal, userID string) error
	SecuritySettings(ctx context.Context, p *helpdesk.Principal) (models.SecuritySettings, error)
	SaveSecuritySettings(ctx context.Context, p *helpdesk.Principal, v models.SecuritySettings) (models.SecuritySettings, error)
}

type accountHandlers struct {
	account accountService
	audit   auditRecorder
	bind    *Binder
}

// resetRequestedResponse is the one answer to a reset request, whether or not the address
// has an account.
type resetRequestedResponse struct {
	Message string `json:"message"`
}

func (h *accountHandlers) changePassword(c echo.Context) error {
	var req models.PasswordChange
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	if err := h.account.ChangePassword(c.Request().Context(), principal(c), req); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *accountHandlers) sessions(c echo.Context) error {
	ss, err := h.account.Sessions(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return list(c, ss, map[string]any{"total": len(ss)})
}

func (h *accountHandlers) endSession(c echo.Context) error {
	if err := h.account.EndSession(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *accountHandlers) endOtherSessions(c echo.Context) error {
	if err := h.account.EndOtherSessions(c.Request().Context(), principal(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *accountHandlers) requestReset(c echo.Context) error {
	var req models.PasswordResetRequest
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	if err := h.account.RequestPasswordReset(c.Request().Context(), req, staff.Client{Address: c.RealIP(), UserAgent: c.Request().UserAgent()}); err != nil {
		return err
	}
	return data(c, http.StatusAccepted, resetRequestedResponse{
		Message: "if an account has this address, a link to reset its password is on its way"})
}

func (h *accountHandlers) confirmReset(c echo.Context) error {
	var req models.PasswordResetConfirm
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	if err := h.account.ResetPassword(c.Request().Context(), req); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *accountHandlers) twoFactor(c echo.Context) error {
	st, err := h.account.TwoFactorStatus(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, st)
}

func (h *accountHandlers) startTwoFactor(c echo.Context) error {
	e, err := h.account.StartTwoFactor(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, e)
}

func (h *accountHandlers) confirmTwoFactor(c echo.Context) error {
	var req models.TwoFactorConfirm
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	codes, err := h.account.ConfirmTwoFactor(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, codes)
}

func (h *accountHandlers) disableTwoFactor(c echo.Context) error {
	var req models.TwoFactorDisable
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	if err := h.account.DisableTwoFactor(c.Request().Context(), principal(c), req); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *accountHandlers) recoveryCodes(c echo.Context) error {
	var req models.TwoFactorDisable
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	codes, err := h.account.NewRecoveryCodes(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, codes)
}

func (h *accountHandlers) securitySettings(c echo.Context) error {
	v, err := h.account.SecuritySettings(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, v)
}

func (h *accountHandlers) saveSecuritySettings(c echo.Context) error {
	var req models.SecuritySettings
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	before, err := h.account.SaveSecuritySettings(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "settings", "security", "security", before, req)
	return data(c, http.StatusOK, req)
}

func (h *accountHandlers) resetUserTwoFactor(c echo.Context) error {
	if err := h.account.ResetTwoFactor(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	h.audit.record(c, "user", "reset_two_factor", c.Param("id"), nil, nil)
	return c.NoContent(http.StatusNoContent)
}
