package handlers

import (
	"io/fs"
	"log/slog"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/kaiku-helpdesk/kaiku/audit"
	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/journey"
	"github.com/kaiku-helpdesk/kaiku/privacy"
	"github.com/kaiku-helpdesk/kaiku/remedies"
	"github.com/kaiku-helpdesk/kaiku/reports"
	"github.com/kaiku-helpdesk/kaiku/rootcause"
	"github.com/kaiku-helpdesk/kaiku/staff"
	"github.com/kaiku-helpdesk/kaiku/topics"
)

// Deps are the use cases and settings the HTTP layer is built from.
type Deps struct {
	Logger        *slog.Logger
	Auth          *staff.Auth
	Users         *staff.Users
	Cases         *helpdesk.Cases
	Intake        *helpdesk.Intake
	Conversation  *helpdesk.Conversation
	Events        *helpdesk.Events
	Settings      *helpdesk.Settings
	Outbox        *helpdesk.Outbox
	Canned        *helpdesk.Canned
	SavedViews    *helpdesk.SavedViews
	SLA           *helpdesk.SLA
	Rules         *helpdesk.Rules
	Webhooks      *helpdesk.Webhooks
	FollowUps     *helpdesk.FollowUps
	Remedies      *remedies.Service
	Reviews       *helpdesk.Reviews
	Topics        *topics.Service    // recurring topics (issue 15)
	RootCauses    *rootcause.Service // root-cause records (issue 15)
	Reports       *reports.Service   // Reports (issue 16)
	Mail          *helpdesk.Mail     // mailboxes (issue 17)
	Audit         *audit.Log
	Privacy       *privacy.Service
	Journey       *journey.Service // journey view (issue 16)
	Ready         readiness
	Frontend      fs.FS
	MaxBodyBytes  int64 // JSON bodies
	MaxFileBytes  int64 // one uploaded file
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
	registerRoutes(e, d)
	return e
}

// registerRoutes is the one list of every route.
func registerRoutes(e *echo.Echo, d Deps) {
	bind := NewBinder(d.MaxBodyBytes)
	var auditLogOrNil auditLog
	if d.Audit != nil {
		auditLogOrNil = d.Audit
	}
	rec := auditRecorder{log: auditLogOrNil, logger: d.Logger}
	health := &healthHandlers{ready: d.Ready, logger: d.Logger}
	auth := &authHandlers{auth: d.Auth, bind: bind, secureCookies: d.SecureCookies}
	users := &userHandlers{users: d.Users, bind: bind, audit: rec}
	tokens := &tokenHandlers{tokens: d.Auth, bind: bind, audit: rec}
	cases := &caseHandlers{cases: d.Cases, savedViews: d.SavedViews, bind: bind}
	savedViews := &savedViewHandlers{views: d.SavedViews, bind: bind}
	bulk := &bulkHandlers{cases: d.Cases, bind: bind}
	web := &webApp{files: d.Frontend}
	public := &publicHandlers{intake: d.Intake, bind: bind, maxFileSize: d.MaxFileBytes, maxUpload: 6*d.MaxFileBytes + d.MaxBodyBytes, secureCookies: d.SecureCookies}
	outbox := &outboxHandlers{outbox: d.Outbox}
	canned := &cannedHandlers{canned: d.Canned, bind: bind}
	sla := &slaHandlers{sla: d.SLA, bind: bind, audit: rec}
	rules := &ruleHandlers{rules: d.Rules, bind: bind, audit: rec}
	webhooks := &webhookHandlers{webhooks: d.Webhooks, bind: bind, audit: rec}
	settings := &settingsHandlers{settings: d.Settings, bind: bind, audit: rec}
	followUps := &followUpHandlers{followUps: d.FollowUps, bind: bind}
	reviews := &reviewHandlers{reviews: d.Reviews, imports: d.Reviews, bind: bind, audit: rec}
	reportsH := &reportHandlers{reports: d.Reports, users: d.Users, bind: bind}
	mailboxes := &mailboxHandlers{mail: d.Mail, bind: bind, audit: rec}
	remedy := &remedyHandlers{remedies: d.Remedies, bind: bind, audit: rec}
	recurring := &topicHandlers{topics: d.Topics, causes: d.RootCauses, bind: bind}
	journeyView := &journeyHandlers{journey: d.Journey, bind: bind}
	conv := &conversationHandlers{conv: d.Conversation, history: d.Cases, events: d.Events, bind: bind,
		maxFileSize: d.MaxFileBytes, maxUpload: 6*d.MaxFileBytes + d.MaxBodyBytes}

	e.GET("/healthz", health.healthz)
	e.GET("/readyz", health.readyz)
	e.GET("/api/openapi.json", serveOpenAPI)

	v1 := e.Group("/api/v1")
	v1.POST("/auth/login", auth.login)
	// Account security (issue 18): the login's second step and "forgot password" need no
	// session; the rest is the user's own account, and the admins' audit log and settings.
	account := &accountHandlers{account: d.Auth, audit: rec, bind: bind}
	auditLogs := &auditHandlers{log: auditLogOrNil}
	dataRequests := &privacyHandlers{privacy: d.Privacy, audit: rec, bind: bind}
	v1.POST("/auth/login/second-factor", auth.secondFactor)
	v1.POST("/auth/password-reset", account.requestReset)
	v1.POST("/auth/password-reset/confirm", account.confirmReset)

	// Customers: no account. API clients use the token routes (the token in the path is the
	// credential). The tracking page exchanges the token once per browser for a cookie scoped
	// to its case and then uses the cookie routes, so the token leaves its requests. Tokens are
	// upper-case base32, so none is ever "session" or "case".
	v1.GET("/form-options", settings.formOptions)
	v1.POST("/complaints", public.submit)
	// Review platforms: no session; each delivery is signed with its source's secret.
	v1.POST("/reviews/ingest", reviews.ingest)
	v1.GET("/track/:token", public.track(byToken))
	v1.POST("/track/:token/messages", public.reply(byToken))
	v1.POST("/track/:token/follow-up", public.followUp(byToken))
	v1.GET("/track/:token/attachments/:aid", public.attachment(byToken))
	v1.POST("/track/session", public.openTracking, requireTrackHeader)
	tracked := v1.Group("/track/case/:reference", requireTrackHeader)
	tracked.GET("", public.track(byCookie))
	tracked.POST("/messages", public.reply(byCookie))
	tracked.POST("/follow-up", public.followUp(byCookie))
	tracked.GET("/attachments/:aid", public.attachment(byCookie))

	staff := v1.Group("", requireStaff(d.Auth))
	staff.POST("/auth/logout", auth.logout)
	staff.GET("/me", auth.me)

	staff.POST("/account/password", account.changePassword)
	staff.GET("/account/sessions", account.sessions)
	staff.DELETE("/account/sessions/:id", account.endSession)
	staff.POST("/account/sessions/end-others", account.endOtherSessions)
	staff.GET("/account/two-factor", account.twoFactor)
	staff.POST("/account/two-factor/setup", account.startTwoFactor)
	staff.POST("/account/two-factor/confirm", account.confirmTwoFactor)
	staff.POST("/account/two-factor/disable", account.disableTwoFactor)
	staff.POST("/account/two-factor/recovery-codes", account.recoveryCodes)
	staff.GET("/settings/security", account.securitySettings)
	staff.PUT("/settings/security", account.saveSecuritySettings)
	staff.POST("/users/:id/two-factor/reset", account.resetUserTwoFactor)
	staff.GET("/audit-log", auditLogs.list)
	staff.GET("/privacy/export", dataRequests.export)
	staff.GET("/privacy/cases", dataRequests.lookup)
	staff.POST("/privacy/erase", dataRequests.erase)
	staff.GET("/settings/retention", dataRequests.retention)
	staff.PUT("/settings/retention", dataRequests.saveRetention)

	staff.GET("/staff", users.directory)
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
	staff.POST("/cases/bulk", bulk.apply)
	staff.GET("/cases/:id", cases.get)
	staff.PATCH("/cases/:id", cases.patch)
	staff.POST("/cases/:id/messages", conv.addMessage)
	staff.POST("/cases/:id/merge", conv.merge)
	staff.GET("/cases/:id/canned-replies/:rid", canned.render)
	staff.GET("/cases/:id/attachments/:aid", conv.attachment)
	staff.GET("/cases/:id/customer-history", conv.customerHistory)
	staff.GET("/cases/:id/similar", conv.similar)
	staff.POST("/cases/:id/presence", conv.presence)
	staff.POST("/cases/:id/follow-up", followUps.record)
	staff.POST("/cases/:id/promises", followUps.addPromise)
	staff.POST("/cases/:id/promises/:pid/kept", followUps.keepPromise)
	staff.POST("/cases/:id/promises/:pid/delay", followUps.delayPromise)
	staff.DELETE("/cases/:id/presence", conv.presence)
	staff.GET("/events", conv.stream)
	staff.POST("/cases/:id/resolution", remedy.grant)

	staff.GET("/resolution-options", remedy.listOptions)
	staff.POST("/resolution-options", remedy.createOption)
	staff.PATCH("/resolution-options/:id", remedy.patchOption)
	staff.GET("/me/spending", remedy.spending)

	staff.GET("/approvals", remedy.listApprovals)
	staff.GET("/approvals/count", remedy.countApprovals)
	staff.GET("/approvals/:id", remedy.getApproval)
	staff.GET("/cases/:id/approval-requests", remedy.caseApprovals) // the case page's remedies card
	staff.POST("/approvals/:id/decision", remedy.decide)
	staff.GET("/approval-clock", remedy.getApprovalClock)
	staff.PUT("/approval-clock", remedy.setApprovalClock)

	// Recurring issues (issue 15): topics and root causes, for managers.
	staff.GET("/topics", recurring.overview)
	staff.POST("/topics/relearn", recurring.relearn)
	staff.GET("/topics/:id", recurring.detail)
	staff.GET("/root-causes", recurring.listCauses)
	staff.POST("/root-causes", recurring.createCause)
	staff.GET("/root-causes/:id", recurring.getCause)
	staff.PATCH("/root-causes/:id", recurring.patchCause)
	staff.POST("/root-causes/:id/cases", recurring.linkCases)
	staff.GET("/cases/:id/root-causes", recurring.causesOfCase)

	staff.GET("/saved-views", savedViews.list)
	staff.POST("/saved-views", savedViews.create)
	staff.GET("/saved-views/:id", savedViews.get)
	staff.PATCH("/saved-views/:id", savedViews.patch)
	staff.DELETE("/saved-views/:id", savedViews.remove)

	staff.GET("/categories", settings.categories)
	staff.PUT("/categories", settings.saveCategories)

	staff.GET("/canned-replies", canned.list)
	staff.POST("/canned-replies", canned.create)
	staff.PATCH("/canned-replies/:id", canned.patch)
	staff.DELETE("/canned-replies/:id", canned.remove)

	staff.GET("/sla-policies", sla.list)
	staff.POST("/sla-policies", sla.create)
	staff.GET("/sla-policies/:id", sla.get)
	staff.PATCH("/sla-policies/:id", sla.patch)
	staff.DELETE("/sla-policies/:id", sla.remove)

	staff.GET("/rules", rules.list)
	staff.POST("/rules", rules.create)
	staff.POST("/rules/preview", rules.preview)
	staff.PATCH("/rules/:id", rules.patch)
	staff.DELETE("/rules/:id", rules.remove)
	staff.GET("/notifications", rules.notifications)
	staff.POST("/notifications/:id/read", rules.markRead)

	staff.GET("/webhooks", webhooks.list)
	staff.POST("/webhooks", webhooks.create)
	staff.GET("/webhooks/choices", webhooks.choices)
	staff.PATCH("/webhooks/:id", webhooks.patch)
	staff.DELETE("/webhooks/:id", webhooks.remove)
	staff.POST("/webhooks/:id/secret", webhooks.rotateSecret)
	staff.POST("/webhooks/:id/test", webhooks.sendTest)
	staff.GET("/webhooks/:id/deliveries", webhooks.deliveries)

	staff.GET("/review-sources", reviews.listSources)
	staff.POST("/review-sources", reviews.createSource)
	staff.PATCH("/review-sources/:id", reviews.patchSource)
	staff.DELETE("/review-sources/:id", reviews.removeSource)
	staff.POST("/review-sources/:id/secret", reviews.rotateSecret)
	staff.POST("/review-sources/:id/google-test", reviews.testGoogle)
	staff.POST("/reviews/import", reviews.importReviews)
	staff.POST("/cases/:id/review-reply", reviews.reply)
	staff.GET("/cases/:id/review-links", reviews.linkSuggestions)
	staff.POST("/cases/:id/review-links", reviews.link)

	// Reports (issue 16): managers and admins see every case, agents their own.
	staff.GET("/reports/measures", reportsH.measures)
	// Mailboxes whose mail becomes cases (issue 17); admins only.
	staff.GET("/mailboxes", mailboxes.list)
	staff.POST("/mailboxes", mailboxes.create)
	staff.GET("/mailboxes/:id", mailboxes.get)
	staff.PATCH("/mailboxes/:id", mailboxes.patch)
	staff.DELETE("/mailboxes/:id", mailboxes.remove)
	staff.PUT("/me/weekly-summary", reportsH.setWeeklySummary)

	// Journey view (issue 16).
	staff.GET("/journey", journeyView.figures)
	staff.GET("/journey/stages", journeyView.stages)
	staff.PUT("/journey/stages", journeyView.saveStages)

	staff.GET("/mail/outbox", outbox.list)
	staff.GET("/mail/outbox/:id", outbox.get)

	// Unknown API paths get the JSON envelope, everything else is the web app.
	e.Any("/api/*", func(c echo.Context) error { return echo.ErrNotFound })
	e.GET("/*", web.serve)
}
