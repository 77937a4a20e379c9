// Package handlers is Kaiku's HTTP layer: the route list, middleware and one file per
// resource. Handlers bind and validate the request, call a use case and write the response;
// they hold no business rules. Success bodies are {"data": ...} (lists add "meta") and every
// error is one envelope, written only by ErrorHandler.
//
// It is one package, larger than most, because it is one thin layer of one kind: every file
// is a resource's handlers, and they share the route list, the binding and validation helpers,
// the envelope and the one map from domain errors to HTTP status. Split by resource, each part
// would have to export those; a handler file stays small because it holds no business rules.
package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// ErrorBody is the one error envelope.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail describes what went wrong; Fields is keyed by JSON field name.
type ErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// FieldIssues has one entry per entry of Fields: what is wrong in machine terms.
	FieldIssues map[string]models.FieldIssue `json:"field_issues,omitempty"`
}

var statusOf = map[models.ErrorKind]int{
	models.KindInvalid:       http.StatusBadRequest,
	models.KindUnauthorized:  http.StatusUnauthorized,
	models.KindForbidden:     http.StatusForbidden,
	models.KindNotFound:      http.StatusNotFound,
	models.KindConflict:      http.StatusConflict,
	models.KindTooLarge:      http.StatusRequestEntityTooLarge,
	models.KindRateLimited:   http.StatusTooManyRequests,
	models.KindUnprocessable: http.StatusUnprocessableEntity,
	models.KindUnavailable:   http.StatusServiceUnavailable,
}

// ErrorHandler maps every error a handler returns to a status and the envelope. Unknown errors
// become a 500 whose cause is logged, never shown.
func ErrorHandler(logger *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status, body := describe(err)
		if status >= 500 {
			logger.Error("request failed", "method", c.Request().Method, "path", c.Path(), "err", err)
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		if de, ok := models.AsError(err); ok && de.RetryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(int((de.RetryAfter+time.Second-1)/time.Second)))
		} else if status == http.StatusTooManyRequests {
			c.Response().Header().Set("Retry-After", "60")
		}
		_ = c.JSON(status, body)
	}
}

func describe(err error) (int, ErrorBody) {
	if de, ok := models.AsError(err); ok {
		status, known := statusOf[de.Kind]
		if !known {
			status = http.StatusInternalServerError
		}
		return status, ErrorBody{ErrorDetail{Code: de.Code, Message: de.Message, Fields: de.Fields, FieldIssues: fieldIssues(de)}}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code := map[int]string{
			http.StatusNotFound: "not_found", http.StatusMethodNotAllowed: "method_not_allowed",
			http.StatusRequestEntityTooLarge: "too_large", http.StatusUnauthorized: "unauthenticated",
			http.StatusForbidden: "forbidden", http.StatusTooManyRequests: "rate_limited",
		}[he.Code]
		if code == "" {
			code = "error"
		}
		msg := http.StatusText(he.Code)
		if s, ok := he.Message.(string); ok && he.Code < 500 {
			msg = s
		}
		return he.Code, ErrorBody{ErrorDetail{Code: code, Message: msg}}
	}
	return http.StatusInternalServerError, ErrorBody{ErrorDetail{Code: "internal", Message: "something went wrong on our side"}}
}

// fieldIssues gives every field message its machine-readable reason ("invalid" when the
// code that refused it named none).
func fieldIssues(de *models.Error) map[string]models.FieldIssue {
	if len(de.Fields) == 0 {
		return nil
	}
	out := make(map[string]models.FieldIssue, len(de.Fields))
	for f := range de.Fields {
		issue, ok := de.FieldIssues[f]
		if !ok || issue.Code == "" {
			issue = models.FieldIssue{Code: "invalid"}
		}
		out[f] = issue
	}
	return out
}

// data writes {"data": v}.
func data(c echo.Context, status int, v any) error {
	return c.JSON(status, map[string]any{"data": v})
}

// list writes {"data": items, "meta": meta}.
func list(c echo.Context, items any, meta map[string]any) error {
	return c.JSON(http.StatusOK, map[string]any{"data": items, "meta": meta})
}
