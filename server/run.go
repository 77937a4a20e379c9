package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/demo"
	"github.com/kaiku-helpdesk/kaiku/frontend"
	"github.com/kaiku-helpdesk/kaiku/handlers"
	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/mailin"
	"github.com/kaiku-helpdesk/kaiku/reports"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/staff"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/webhook"
	"go.mongodb.org/mongo-driver/v2/event"
)

// Run is the whole process: it returns when ctx is cancelled (after a graceful shutdown) or
// when start-up fails. Tests that need to know when it accepts requests use RunWithHooks.
// `kaiku demo [flags]` fills an empty installation with demo data and returns (demo.go);
// `kaiku backup FILE` and `kaiku restore FILE` copy the embedded installation (backup.go).
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "demo" {
		data, err := demo.Bundled()
		if err != nil {
			return err
		}
		return runDemo(ctx, args[1:], getenv, stdout, stderr, data, time.Now().UTC())
	}
	// `kaiku backup FILE` and `kaiku restore FILE` (backup.go).
	if len(args) > 0 && args[0] == "backup" {
		return runBackup(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "restore" {
		return runRestore(ctx, args[1:], getenv, stdout, stderr)
	}
	return RunWithHooks(ctx, args, getenv, stdout, stderr, Hooks{})
}

// Hooks let tests observe and steer a running server.
type Hooks struct {
	OnReady func(addr string)
	Clock   helpdesk.Clock
	// Monitor sees every database command (the bench tallies them).
	Monitor *event.CommandMonitor
}

// defaultGCPercent is the garbage collector's target unless GOGC is set.
const defaultGCPercent = 200

// defaultMemoryLimit is the Go runtime's soft memory limit unless GOMEMLIMIT is set. At 100k
// cases the live heap is 20-70 MB while the index's mapped segments keep about 220 MB of file
// pages resident; collecting only at three times the live heap (GOGC 200) and returning freed
// pages lazily took the process past 400 MB during intake. Under the limit the collector runs
// earlier and the freed pages go back at once; well below it nothing changes.
const defaultMemoryLimit = 160 << 20

// tuneRuntime sets the collector's defaults where the environment does not.
func tuneRuntime(getenv func(string) string) {
	if getenv("GOGC") == "" {
		// The heap is mostly short-lived request garbage; collecting at twice the live heap
		// instead of Go's default 100% halves the collector's CPU for a few tens of MB.
		debug.SetGCPercent(defaultGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}

// RunWithHooks is Run with test hooks.
func RunWithHooks(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, hooks Hooks) error {
	cfg, err := LoadConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	tuneRuntime(getenv)
	clock := hooks.Clock
	if clock == nil {
		clock = helpdesk.SystemClock
	}

	startCtx, cancelStart := context.WithTimeout(ctx, cfg.StartupTimeout)
	defer cancelStart()

	db, err := openDatabase(startCtx, cfg, logger, clock, hooks.Monitor, store.EmbeddedOptions{})
	if err != nil {
		return err
	}
	defer db.close()

	index, err := openIndex(startCtx, cfg, logger)
	if err != nil {
		return err
	}
	defer index.Close()
	approvalIndex, err := openApprovalIndex(startCtx, cfg, logger)
	if err != nil {
		return err
	}
	defer approvalIndex.Close()

	mailer, err := mail.New(db.store, cfg.Mail, mail.Options{Clock: clock, Logger: logger})
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	outbound := webhook.New(db.store, webhook.Options{Clock: clock, Logger: logger, AllowHosts: cfg.WebhookAllowHosts,
		BaseURL: cfg.BaseURL, WorkerID: instanceID()})
	limits := helpdesk.DefaultIntakeLimits
	limits.PerIP, limits.PerEmail = cfg.IntakePerIP, cfg.IntakePerEmail
	secretKey, err := loadSecretKey(cfg)
	if err != nil {
		return err
	}
	hd, err := helpdesk.New(helpdesk.Deps{SecretKey: secretKey, Store: db.store, Index: index, ApprovalIndex: approvalIndex, Mailer: mailer,
		Webhooks: outbound, Logger: logger, Clock: clock, BaseURL: cfg.BaseURL, Currency: cfg.Currency,
		Location: cfg.Location, Limits: limits, FollowUps: cfg.FollowUps, Mail: cfg.MailIn})
	if err != nil {
		return err
	}
	indexer, users, events, cases := hd.Indexer, hd.Users, hd.Events, hd.Cases
	if err := hd.SLA.EnsureDefaultPolicy(startCtx); err != nil {
		return fmt.Errorf("default SLA policy: %w", err)
	}
	if err := hd.Rules.EnsureDefaultRules(startCtx); err != nil {
		return fmt.Errorf("default escalation rules: %w", err)
	}

	if err := bootstrapAdmin(startCtx, cfg, users, stdout); err != nil {
		return err
	}
	if n, err := hd.Remedies.RebuildApprovalIndex(startCtx, db.store.EachApproval); err != nil {
		logger.Warn("approval index rebuild incomplete", "err", err)
	} else if n > 0 {
		logger.Info("approval index rebuilt", "requests", n)
	}

	e := handlers.New(handlers.Deps{
		Logger: logger, Auth: hd.Auth, Users: users, Cases: cases, Intake: hd.Intake, Conversation: hd.Conversation,
		Events: events, Settings: hd.Settings, Outbox: hd.Outbox, Canned: hd.Canned, SLA: hd.SLA, Rules: hd.Rules,
		Webhooks:      hd.Webhooks,
		Reviews:       hd.Reviews,
		Mail:          hd.Mail,
		SavedViews:    hd.SavedViews,
		FollowUps:     hd.FollowUps,
		Remedies:      hd.Remedies,
		Topics:        hd.Topics,
		RootCauses:    hd.RootCauses,
		Reports:       hd.Reports,
		Audit:         hd.Audit,
		Privacy:       hd.Privacy,
		Journey:       hd.Journey,
		MaxFileBytes:  limits.MaxFileBytes,
		Ready:         readyChecks{"database": db.store.Ping, "search": index.Ping},
		Frontend:      frontend.FS(),
		MaxBodyBytes:  cfg.MaxBodyBytes,
		SecureCookies: cfg.SecureCookies,
		TrustProxy:    cfg.TrustProxy,
	})
	if !frontend.Built() {
		logger.Warn("this binary has no web app built in; ./scripts/run builds it")
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	// Shutdown waits for handlers without cancelling them: end the live-update streams, which
	// never finish on their own, so SIGTERM completes within ShutdownTimeout.
	srv.RegisterOnShutdown(events.EndSubscriptions)

	workCtx, stopWork := context.WithCancel(context.Background())
	var workers sync.WaitGroup
	startWorker := func(run func(ctx context.Context)) {
		workers.Add(1)
		go func() { defer workers.Done(); run(workCtx) }()
	}
	startWorker(func(ctx context.Context) { indexer.Run(ctx, cfg.ReindexInterval) })
	startWorker(func(ctx context.Context) { expireLoop(ctx, db.store, clock, logger) })
	startWorker(func(ctx context.Context) { events.Run(ctx, 250*time.Millisecond) })
	startWorker(func(ctx context.Context) { mailer.Run(ctx) })
	startWorker(func(ctx context.Context) { outbound.Run(ctx) })
	scheduler := helpdesk.NewScheduler(db.store, cases, events, logger, clock, instanceID())
	startWorker(func(ctx context.Context) { scheduler.Run(ctx, cfg.SLASweepInterval) })
	// Recurring topics: load (or learn) the model, relearn as the cases grow (issue 15).
	startWorker(func(ctx context.Context) { hd.Topics.Run(ctx, 10*time.Minute) })
	fetcher := mailin.NewFetcher(hd.Mail.Fetching(), hd.Mail, mailin.Options{Clock: clock, Logger: logger,
		PollInterval: cfg.MailPollInterval, WorkerID: instanceID()})
	hd.Mail.Kick = fetcher.Kick
	startWorker(fetcher.Run)
	if cfg.GoogleAPIURL != "" {
		hd.Reviews.SetGoogleAPI(cfg.GoogleAPIURL, nil)
	}
	startWorker(func(ctx context.Context) { hd.Reviews.RunGooglePull(ctx, helpdesk.GooglePullInterval) })
	// Reports (issue 16): the weekly summary mails, with the rising topics (issue 15).
	weekly := reports.NewWeeklySummaries(hd.Reports, db.store, mailer, hd.Topics, cfg.BaseURL, logger)
	startWorker(func(ctx context.Context) { weekly.Run(ctx, time.Minute) })
	// Retention (issue 18): one replica at a time, under a lease in the database.
	startWorker(func(ctx context.Context) { hd.Privacy.RunRetention(ctx, instanceID(), time.Hour, logger) })

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	fmt.Fprintf(stdout, "Kaiku is running at %s\n", displayURL(cfg, addr))
	logger.Info("listening", "addr", addr, "database", db.kind, "search", indexKind(cfg))
	if hooks.OnReady != nil {
		hooks.OnReady(addr)
	}

	select {
	case <-ctx.Done():
		logger.Info("shutting down: finishing requests in flight")
	case err := <-serveErr:
		stopWork()
		workers.Wait()
		return fmt.Errorf("http server: %w", err)
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutCtx)
	// Filings answered already may still be indexing and telling (a review import's window).
	if serr := cases.Settle(shutCtx); serr != nil {
		logger.Warn("shutdown: background filings unfinished; the index catches up at the next start", "err", serr)
	}
	stopWork()
	workers.Wait()
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped cleanly")
	return nil
}

// database is the opened store and, in embedded mode, the FerretDB it runs on.
type database struct {
	store    *store.Store
	embedded *store.Embedded
	kind     string
}

func (d *database) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = d.store.Close(ctx)
	if d.embedded != nil {
		d.embedded.Close()
	}
}

func openDatabase(ctx context.Context, cfg Config, logger *slog.Logger, clock helpdesk.Clock, monitor *event.CommandMonitor, embedded store.EmbeddedOptions) (*database, error) {
	db := &database{kind: "mongodb"}
	uri := cfg.MongoURI
	if uri == "" {
		emb, err := store.StartEmbeddedWith(ctx, filepath.Join(cfg.DataDir, "db"), logger, embedded)
		if err != nil {
			return nil, err
		}
		db.embedded, db.kind, uri = emb, "embedded ferretdb", emb.URI()
	}
	st, err := retry(ctx, logger, "database", func(ctx context.Context) (*store.Store, error) {
		return store.Connect(ctx, uri, cfg.DBName, store.Options{SingleWriter: db.embedded != nil, Now: clock, Monitor: monitor})
	})
	if err != nil {
		if db.embedded != nil {
			db.embedded.Close()
		}
		return nil, err
	}
	db.store = st
	if err := st.Migrate(ctx, logger, clock()); err != nil {
		db.close()
		return nil, err
	}
	if db.embedded != nil {
		if _, err := db.embedded.FixIDIndexes(ctx, cfg.DBName); err != nil {
			db.close()
			return nil, fmt.Errorf("embedded database _id indexes: %w", err)
		}
	}
	return db, nil
}

func openIndex(ctx context.Context, cfg Config, logger *slog.Logger) (search.Index, error) {
	if cfg.MeiliURL == "" {
		idx, err := search.OpenBleve(filepath.Join(cfg.DataDir, "index"))
		if err != nil {
			return nil, fmt.Errorf("search index: %w", err)
		}
		return idx, nil
	}
	return retry(ctx, logger, "search", func(ctx context.Context) (search.Index, error) {
		return search.OpenMeili(ctx, cfg.MeiliURL, cfg.MeiliAPIKey, cfg.MeiliIndex)
	})
}

// openApprovalIndex opens the approval requests' index: beside the cases' on Bleve, or a
// second Meilisearch index named after the cases' one.
func openApprovalIndex(ctx context.Context, cfg Config, logger *slog.Logger) (search.Index, error) {
	if cfg.MeiliURL == "" {
		idx, err := search.OpenBleve(filepath.Join(cfg.DataDir, "approvals-index"))
		if err != nil {
			return nil, fmt.Errorf("approvals index: %w", err)
		}
		return idx, nil
	}
	return retry(ctx, logger, "search", func(ctx context.Context) (search.Index, error) {
		return search.OpenMeili(ctx, cfg.MeiliURL, cfg.MeiliAPIKey, cfg.MeiliIndex+"_approvals")
	})
}

// retry calls open with exponential backoff until it succeeds or ctx ends, so a dependency
// that starts a moment after us is waited for, and one that never comes fails clearly.
func retry[T any](ctx context.Context, logger *slog.Logger, what string, open func(context.Context) (T, error)) (T, error) {
	wait := 200 * time.Millisecond
	for {
		attemptCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		v, err := open(attemptCtx)
		cancel()
		if err == nil {
			return v, nil
		}
		select {
		case <-ctx.Done():
			var zero T
			return zero, fmt.Errorf("%s did not become reachable before the start-up timeout: %w", what, err)
		case <-time.After(wait):
		}
		logger.Warn(what+" not reachable yet; retrying", "err", err, "next_in", wait)
		wait = min(wait*2, 5*time.Second)
	}
}

func bootstrapAdmin(ctx context.Context, cfg Config, users *staff.Users, stdout io.Writer) error {
	password := cfg.AdminPassword
	generated := password == ""
	if generated {
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		password = base64.RawURLEncoding.EncodeToString(b)
	}
	created, err := users.Bootstrap(ctx, cfg.AdminEmail, "Administrator", password)
	if err != nil {
		return fmt.Errorf("create the first admin: %w", err)
	}
	if created {
		fmt.Fprintf(stdout, "First admin created. Log in with:\n  e-mail:   %s\n", cfg.AdminEmail)
		if generated {
			fmt.Fprintf(stdout, "  password: %s\n(shown once; change it under Admin → Users)\n", password)
		} else {
			fmt.Fprintln(stdout, "  password: the one in KAIKU_ADMIN_PASSWORD")
		}
	}
	return nil
}

// expireLoop deletes ended sessions and rate-limit windows, and notifications older than
// store.NotificationRetention, every few minutes.
func expireLoop(ctx context.Context, st *store.Store, clock helpdesk.Clock, logger *slog.Logger) {
	tick := time.NewTicker(5 * time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if _, err := st.DeleteExpired(ctx, clock()); err != nil && ctx.Err() == nil {
				logger.Warn("expire sessions", "err", err)
			}
			if err := st.DeleteNotificationsBefore(ctx, clock().Add(-store.NotificationRetention)); err != nil && ctx.Err() == nil {
				logger.Warn("delete old notifications", "err", err)
			}
		}
	}
}

// instanceID names this process among replicas, for claims on shared work.
func instanceID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%x", host, os.Getpid(), b)
}

// readyChecks adapts ping functions to the readiness endpoint.
type readyChecks map[string]func(context.Context) error

func (r readyChecks) Ready(ctx context.Context) map[string]error {
	out := make(map[string]error, len(r))
	for name, ping := range r {
		out[name] = ping(ctx)
	}
	return out
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func indexKind(cfg Config) string {
	if cfg.MeiliURL != "" {
		return "meilisearch"
	}
	return "embedded bleve"
}

func displayURL(cfg Config, addr string) string {
	if cfg.BaseURL != "http://"+cfg.Addr {
		return cfg.BaseURL
	}
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "::" || host == "0.0.0.0" || host == "127.0.0.1" || host == "::1" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
