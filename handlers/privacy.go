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
}

type privacyHandlers struct {
	privacy privacyService
	audit   auditRecorder
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
