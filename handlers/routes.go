package handlers

import (
	"io/fs"
	"log/slog"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
)

// Deps are the use cases and settings the HTTP layer is built from.
type Deps struct {
	Logger        *slog.Logger
	Auth          *helpdesk.Auth
	Users         *helpdesk.Users
	Cases         *helpdesk.Cases
	Ready         readiness
	Frontend      fs.FS
	MaxBodyBytes  int64
	SecureCookies bool
	// TrustProxy takes the client address from X-Forwarded-For (behind the compose proxy);
	// otherwise the socket's address is used, so a client cannot pick its own rate-limit key.
	TrustProxy bool
}

// New builds the HTTP server with every route Kaiku serves.
func New(d Deps) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = ErrorHandler(d.Logger)
	if d.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true}))
	e.Use(requestLog(d.Logger))
	e.Use(securityHeaders)
	e.Use(middleware.BodyLimit(bodyLimitString(d.MaxBodyBytes)))
	registerRoutes(e, d)
	return e
}

// registerRoutes is the one list of every route.
func registerRoutes(e *echo.Echo, d Deps) {
	bind := NewBinder(d.MaxBodyBytes)
	health := &healthHandlers{ready: d.Ready, logger: d.Logger}
	auth := &authHandlers{auth: d.Auth, bind: bind, secureCookies: d.SecureCookies}
	users := &userHandlers{users: d.Users, bind: bind}
	tokens := &tokenHandlers{tokens: d.Auth, bind: bind}
	cases := &caseHandlers{cases: d.Cases, bind: bind}
	web := &webApp{files: d.Frontend}

	e.GET("/healthz", health.healthz)
	e.GET("/readyz", health.readyz)
	e.GET("/api/openapi.json", serveOpenAPI)

	v1 := e.Group("/api/v1")
	v1.POST("/auth/login", auth.login)

	staff := v1.Group("", requireStaff(d.Auth))
	staff.POST("/auth/logout", auth.logout)
	staff.GET("/me", auth.me)

	staff.GET("/users", users.list)
	staff.POST("/users", users.create)
	staff.GET("/users/:id", users.get)
	staff.PATCH("/users/:id", users.patch)
	staff.GET("/teams", users.listTeams)
	staff.POST("/teams", users.createTeam)
	staff.PATCH("/teams/:id", users.patchTeam)

	staff.GET("/api-tokens", tokens.list)
	staff.POST("/api-tokens", tokens.create)
	staff.DELETE("/api-tokens/:id", tokens.revoke)

	staff.GET("/cases", cases.list)
	staff.POST("/cases", cases.create)
	staff.GET("/cases/counts", cases.counts)
	staff.GET("/cases/:id", cases.get)
	staff.PATCH("/cases/:id", cases.patch)

	// Unknown API paths get the JSON envelope, everything else is the web app.
	e.Any("/api/*", func(c echo.Context) error { return echo.ErrNotFound })
	e.GET("/*", web.serve)
}
