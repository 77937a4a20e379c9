package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// privacyService is what the data-request handlers need.
type privacyService interface {
	Export(ctx context.Context, viewer *models.User, email string, w io.Writer) (int, error)
	Lookup(ctx context.Context, viewer *models.User, email string) ([]string, error)
	Erase(ctx context.Context, viewer *models.User, email, confirm string) (int, error)
	RetentionMonths(ctx context.Context, viewer *models.User) (int, error)
	SetRetentionMonths(ctx context.Context, viewer *models.User, months int) (int, error)
}

type privacyHandlers struct {
	privacy privacyService
	audit   auditRecorder
	bind    *Binder
}

// customerCasesResponse is what a look-up finds of a customer.
type customerCasesResponse struct {
	Email string   `json:"email"`
	Cases []string `json:"cases"`
}

type eraseResponse struct {
	Cases int `json:"cases"`
}

// lookup lists the references of a customer's cases, before an export or an erasure.
func (h *privacyHandlers) lookup(c echo.Context) error {
	email := strings.TrimSpace(c.QueryParam("email"))
	refs, err := h.privacy.Lookup(c.Request().Context(), userOf(c), email)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, customerCasesResponse{Email: models.NormalizeEmail(email), Cases: refs})
}

// erase removes a customer's data; the log names them by a hash of their address only.
func (h *privacyHandlers) erase(c echo.Context) error {
	var req models.ErasureRequest
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	n, err := h.privacy.Erase(c.Request().Context(), userOf(c), req.Email, req.ConfirmEmail)
	if n > 0 || err == nil {
		// Recorded even when cut short: what was erased is gone.
		h.audit.record(c, "customer", "erase", emailKey(req.Email), nil, map[string]int{"cases": n})
	}
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, eraseResponse{Cases: n})
}

// export streams the archive of one customer's data. Nothing is written before the cases are
// found, so a refusal or an unavailable index still answers with the JSON error envelope.
func (h *privacyHandlers) export(c echo.Context) error {
	email := strings.TrimSpace(c.QueryParam("email"))
	c.Response().Header().Set(echo.HeaderContentType, "application/zip")
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="kaiku-customer-data.zip"`)
	n, err := h.privacy.Export(c.Request().Context(), userOf(c), email, c.Response())
	if err != nil {
		if c.Response().Committed {
			return nil // the archive is cut short; the client sees a broken zip
		}
		c.Response().Header().Del(echo.HeaderContentDisposition)
		return err
	}
	// The log names the customer by a hash of their address, so it keeps no personal data.
	h.audit.record(c, "customer", "export", emailKey(email), nil, map[string]int{"cases": n})
	if !c.Response().Committed {
		c.Response().WriteHeader(http.StatusOK)
	}
	return nil
}

func emailKey(email string) string {
	sum := sha256.Sum256([]byte(models.NormalizeEmail(email)))
	return "email-sha256:" + hex.EncodeToString(sum[:8])
}

// retention answers the retention period.
func (h *privacyHandlers) retention(c echo.Context) error {
	months, err := h.privacy.RetentionMonths(c.Request().Context(), userOf(c))
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, models.RetentionSettings{Months: months})
}

// saveRetention sets the retention period, audited with the one before.
func (h *privacyHandlers) saveRetention(c echo.Context) error {
	var req models.RetentionSettings
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	before, err := h.privacy.SetRetentionMonths(c.Request().Context(), userOf(c), req.Months)
	if err != nil {
		return err
	}
	h.audit.record(c, "settings", "retention", "retention", models.RetentionSettings{Months: before}, req)
	return data(c, http.StatusOK, req)
}
