package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// SessionCookie is the name of the staff session cookie.
const SessionCookie = "kaiku_session"

// CSRFHeader carries the session's CSRF token on cookie-authenticated writes.
const CSRFHeader = "X-CSRF-Token"

const principalKey = "kaiku.principal"

// authenticator resolves credentials to a staff principal.
type authenticator interface {
	SessionPrincipal(ctx context.Context, cookieValue string) (*helpdesk.Principal, error)
	TokenPrincipal(ctx context.Context, secret string) (*helpdesk.Principal, error)
}

// requireStaff authenticates a bearer token or the session cookie, and for cookie-authenticated
// writes checks the CSRF header against the session's token.
func requireStaff(auth authenticator) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := c.Request().Context()
			var p *helpdesk.Principal
			var err error
			if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
				secret, ok := strings.CutPrefix(h, "Bearer ")
				if !ok {
					return models.Unauthorized("unauthenticated", "use Authorization: Bearer <API token>")
				}
				p, err = auth.TokenPrincipal(ctx, strings.TrimSpace(secret))
			} else {
				ck, cerr := c.Cookie(SessionCookie)
				if cerr != nil || ck.Value == "" {
					return models.Unauthorized("unauthenticated", "log in first")
				}
				p, err = auth.SessionPrincipal(ctx, ck.Value)
			}
			if err != nil {
				return err
			}
			if !isSafeMethod(c.Request().Method) && !p.CheckCSRF(c.Request().Header.Get(CSRFHeader)) {
				return models.Forbidden("missing or wrong " + CSRFHeader + " header")
			}
			if p.EnrolOnly && !enrolmentRoute(c.Path()) {
				return &models.Error{Kind: models.KindForbidden, Code: "two_factor_enrolment_required",
					Message: "set up two-factor sign-in first: it is required for your role"}
			}
			c.Set(principalKey, p)
			return next(c)
		}
	}
}

// TrackHeader must be sent (with the value 1) on every tracking write and on the token
// exchange. The tracking cookie is SameSite=Strict, so another site's page cannot make a
// browser send it; the header is the second lock: a cross-origin page can only add a custom
// header after a CORS preflight, which this server never approves. Customers have no session
// to keep a per-session CSRF token in, and the page may be reopened from a bookmark in a new
// tab, so a fixed header is what both the page and a script can always send.
const TrackHeader = "X-Kaiku-Track"

// requireTrackHeader refuses customer writes that lack TrackHeader.
func requireTrackHeader(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !isSafeMethod(c.Request().Method) && c.Request().Header.Get(TrackHeader) != "1" {
			return models.Forbidden("missing " + TrackHeader + ": 1 header")
		}
		return next(c)
	}
}

// enrolmentRoute tells the routes a session that must enrol in two-factor sign-in may use.
func enrolmentRoute(path string) bool {
	switch path {
	case "/api/v1/me", "/api/v1/auth/logout", "/api/v1/account/two-factor",
		"/api/v1/account/two-factor/setup", "/api/v1/account/two-factor/confirm":
		return true
	}
	return false
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// principal returns the authenticated staff principal of the request.
func principal(c echo.Context) *helpdesk.Principal {
	p, _ := c.Get(principalKey).(*helpdesk.Principal)
	return p
}

// securityHeaders sets headers every response should carry.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'")
		if strings.HasPrefix(c.Request().URL.Path, "/api/") {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// requestLog logs one line per request with its status and duration.
func requestLog(logger *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err) // write the envelope now so the status below is the real one
			}
			status := c.Response().Status
			path := c.Path()
			if path == "/healthz" || path == "/readyz" {
				return nil
			}
			level := slog.LevelDebug
			if status >= 500 {
				level = slog.LevelError
			}
			logger.Log(c.Request().Context(), level, "http", "method", c.Request().Method, "route", path,
				"status", status, "dur_ms", time.Since(start).Milliseconds())
			return nil
		}
	}
}
