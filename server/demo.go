package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/kaiku-helpdesk/kaiku/demo"
	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// DemoDays is how far back the demo's first case is.
const DemoDays = 90

// runDemo is `kaiku demo [flags]`: it fills an empty installation (the same data directory or
// MongoDB and search index the server would use) with the bundled demo data and returns.
// Mail goes to the outbox only, whatever SMTP is configured: the customers are made up.
func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, data *demo.Data, end time.Time) error {
	cfg, err := LoadConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	tuneRuntime(getenv)
	storeClock := demo.NewClock(end.Add(-DemoDays*24*time.Hour - 2*time.Hour))

	startCtx, cancelStart := context.WithTimeout(ctx, cfg.StartupTimeout)
	defer cancelStart()
	// Commits unsynced one by one (synced at checkpoints and on close): the fill writes tens of
	// thousands of times into a new installation, and a crash means starting it again anyway.
	db, err := openDatabase(startCtx, cfg, logger, storeClock.Now, nil, store.EmbeddedOptions{NoSyncPerCommit: true})
	if err != nil {
		return err
	}
	defer db.close()
	openedIndex, err := openIndex(startCtx, cfg, logger)
	if err != nil {
		return err
	}
	defer openedIndex.Close()
	// The use cases' index writes go in batches, each before the next read (demo.DeferredIndex).
	index := demo.DeferIndex(openedIndex)
	approvalIndex, err := openApprovalIndex(startCtx, cfg, logger)
	if err != nil {
		return err
	}
	defer approvalIndex.Close()
	secretKey, err := loadSecretKey(cfg)
	if err != nil {
		return err
	}
	// A replica of the use cases on a clock of its own (the demo works cases side by side).
	mailLogger := newLogger(demoMailLogConfig(cfg), stderr)
	replica := func(clock helpdesk.Clock) (*helpdesk.Helpdesk, error) {
		mailer, err := mail.New(db.store, mail.Config{}, mail.Options{Clock: clock, Logger: mailLogger})
		if err != nil {
			return nil, fmt.Errorf("mail: %w", err)
		}
		// The default follow-up times: the demo's plan counts on them.
		return helpdesk.New(helpdesk.Deps{SecretKey: secretKey, Store: db.store, Index: index, ApprovalIndex: approvalIndex,
			Mailer: mailer, Logger: logger, Clock: clock, BaseURL: cfg.BaseURL, Currency: cfg.Currency,
			Location: cfg.Location, Limits: helpdesk.DefaultIntakeLimits})
	}
	hd, err := replica(storeClock.Now)
	if err != nil {
		return err
	}
	if err := hd.SLA.EnsureDefaultPolicy(startCtx); err != nil {
		return fmt.Errorf("default SLA policy: %w", err)
	}
	if err := hd.Rules.EnsureDefaultRules(startCtx); err != nil {
		return fmt.Errorf("default escalation rules: %w", err)
	}
	if err := bootstrapAdmin(startCtx, cfg, hd.Users, stdout); err != nil {
		return err
	}
	password, err := demoPassword()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Filling Kaiku with demo data: %d complaints and %d reviews over the last %d days…\n",
		len(data.Complaints), len(data.Reviews), DemoDays)
	began := time.Now()
	owner := "demo-" + instanceID()
	sum, err := demo.Fill(ctx, demo.Deps{Replica: replica, Store: db.store, StoreClock: storeClock, Progress: stdout,
		Scheduler: func(hd *helpdesk.Helpdesk, clock helpdesk.Clock) *helpdesk.Scheduler {
			return helpdesk.NewScheduler(db.store, hd.Cases, hd.Events, logger, clock, owner)
		}}, data, demo.Options{End: end, Days: DemoDays, Seed: 16, StaffPassword: password})
	if errors.Is(err, demo.ErrNotEmpty) {
		return err
	}
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// What the index holds must be on disk before the process ends.
	if err := hd.Indexer.ClearFlushedMarks(ctx); err != nil {
		logger.Warn("clear index marks", "err", err)
	}
	fmt.Fprintf(stdout, "Done in %.1f s: %d complaints, %d reviews, %d replies, %d resolutions, %d grants, %d approval requests, %d follow-up answers, %d reopened.\n",
		time.Since(began).Seconds(), sum.Complaints, sum.Reviews, sum.Replies, sum.Resolved, sum.Grants, sum.Approvals, sum.FollowUpAnswers, sum.Reopened)
	fmt.Fprintln(stdout, "Demo colleagues (all with the same password):")
	for _, u := range sum.Staff {
		fmt.Fprintf(stdout, "  %-18s %-8s %s\n", u.Name, u.Role, u.Email)
	}
	fmt.Fprintf(stdout, "  password: %s\n(shown once)\n", password)
	return nil
}

// demoMailLogConfig is cfg with the level raised to warn for the demo's mailers: they store
// some 3,000 mails to made-up customers in the outbox, and a line for each buried the first
// admin's login printed just before (a new user scrolled back through them to find it).
func demoMailLogConfig(cfg Config) Config {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil || level < slog.LevelWarn {
		cfg.LogLevel = "warn"
	}
	return cfg
}

// demoPassword is the demo colleagues' shared password, random for each installation.
func demoPassword() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
