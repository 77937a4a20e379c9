package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// readiness reports whether the dependencies a request needs answer.
type readiness interface {
	Ready(ctx context.Context) map[string]error
}

type healthHandlers struct {
	ready  readiness
	logger *slog.Logger
}

// healthz says the process is up; it checks nothing else.
func (h *healthHandlers) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says whether the database and the search index answer.
func (h *healthHandlers) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	checks := map[string]string{}
	status := http.StatusOK
	for name, err := range h.ready.Ready(ctx) {
		if err != nil {
			// The cause stays in the log: this endpoint is public.
			h.logger.Warn("readiness check failed", "check", name, "err", err)
			checks[name] = "down"
			status = http.StatusServiceUnavailable
		} else {
			checks[name] = "ok"
		}
	}
	state := "ready"
	if status != http.StatusOK {
		state = "not ready"
	}
	return c.JSON(status, map[string]any{"status": state, "checks": checks})
}
