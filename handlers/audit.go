package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/audit"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// auditLog is what the HTTP layer needs of the audit log.
type auditLog interface {
	Record(ctx context.Context, actor *models.User, kind, verb, targetID string, before, after any) error
	List(ctx context.Context, viewer *models.User, f audit.Filter) (*audit.Page, error)
}

// auditRecorder writes an administrative action to the audit log once the use case has done
// it. A failed write is logged as an error: the action itself has happened and its answer
// must still reach the client.
type auditRecorder struct {
	log    auditLog
	logger *slog.Logger
}

func (a auditRecorder) record(c echo.Context, kind, verb, targetID string, before, after any) {
	if a.log == nil {
		return
	}
	p := principal(c)
	var actor *models.User
	if p != nil {
		actor = p.User
	}
	// The action is done: a client hanging up now must not keep it out of the log.
	ctx := context.WithoutCancel(c.Request().Context())
	if err := a.log.Record(ctx, actor, kind, verb, targetID, before, after); err != nil {
		a.logger.Error("audit log: record failed", "kind", kind, "verb", verb, "target", targetID, "err", err)
	}
}

type auditHandlers struct {
	log auditLog
}

func (h *auditHandlers) list(c echo.Context) error {
	f := audit.Filter{ActorID: c.QueryParam("actor"), Kind: c.QueryParam("kind"), Cursor: c.QueryParam("cursor")}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := c.QueryParam(name); v != "" {
			t, err := parseDay(v)
			if err != nil {
				return models.InvalidField(name, "use a date like 2026-12-06 or an RFC 3339 time")
			}
			*dst = t
		}
	}
	if v := c.QueryParam("to"); len(v) == len("2006-01-02") && !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // a day given as "to" includes that day
	}
	if v := c.QueryParam("limit"); v != "" {
		n, err := parseLimit(v)
		if err != nil {
			return err
		}
		f.Limit = n
	}
	page, err := h.log.List(c.Request().Context(), userOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"data": page.Entries, "meta": map[string]any{"next_cursor": page.NextCursor}})
}

func parseDay(v string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, v)
}

func parseLimit(v string) (int, error) {
	n := 0
	for _, r := range v {
		if r < '0' || r > '9' || n > 1000 {
			return 0, models.InvalidField("limit", "a number from 1 to 200")
		}
		n = n*10 + int(r-'0')
	}
	if n < 1 || n > 200 {
		return 0, models.InvalidField("limit", "a number from 1 to 200")
	}
	return n, nil
}

// findBefore picks the record a change is about out of a list read just before it, for the
// audit log's "before" (nil when the list could not be read or holds no such record: the
// change itself then reports what is wrong).
func findBefore[T any](items []T, err error, match func(*T) bool) *T {
	if err != nil {
		return nil
	}
	for i := range items {
		if match(&items[i]) {
			return &items[i]
		}
	}
	return nil
}

// viewOf is v as the API shows it, or nil.
func viewOf[T any, R any](v *T, view func(*T) R) any {
	if v == nil {
		return nil
	}
	return view(v)
}
