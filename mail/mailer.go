package mail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/queueworker"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// Options tunes a Mailer; zero values take the defaults.
type Options struct {
	Clock func() time.Time // time.Now
	// Settings are the queue's polling, claims, batches and retries (an attempt is one SMTP
	// delivery; the claim lease defaults to 4×Config.Timeout, at least a minute).
	queueworker.Settings
	WorkerID string // default host-pid-random (queueworker.WorkerID); must differ between replicas
	Logger   *slog.Logger
}

// mailStore is what Mailer needs of the store: the mail queue, the outbox and its recent view.
type mailStore interface {
	AddToOutboxView(ctx context.Context, items []models.OutboxSummary) error
	ClaimDueMails(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*store.QueuedMail, error)
	DueMails(ctx context.Context, now time.Time, limit int) ([]*store.QueuedMail, error)
	EnqueueMail(ctx context.Context, q *store.QueuedMail) error
	FinishMails(ctx context.Context, outs []*models.OutboxMail) error
	GetOutboxMail(ctx context.Context, id string) (*models.OutboxMail, error)
	QueuedMails(ctx context.Context, limit int) ([]store.QueuedMail, error)
	RecentOutbox(ctx context.Context, limit int) ([]models.OutboxSummary, error)
	RetryMail(ctx context.Context, id, owner string, attempts int, next time.Time, lastErr string) error
	StoreInOutbox(ctx context.Context, out *models.OutboxMail) error
}

// Mailer queues and delivers mail. Enqueue may be called from any goroutine; Run is the
// worker. Several Mailers (replicas) may share one database.
type Mailer struct {
	st     mailStore
	cfg    Config
	opts   Options
	clock  func() time.Time
	logger *slog.Logger
	wake   queueworker.Wake

	// unlisted are summaries of messages stored without SMTP that the recent view does not
	// list yet: the worker adds them in one write per pass.
	unlistedMu sync.Mutex
	unlisted   []models.OutboxSummary
}

// New builds a Mailer on st; cfg is validated (an empty Host means no SMTP: messages are
// stored in the outbox).
func New(st mailStore, cfg Config, opts Options) (*Mailer, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.WorkerID == "" {
		opts.WorkerID = queueworker.WorkerID()
	}
	opts.Settings = opts.Settings.WithDefaults(cfg.Timeout)
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Mailer{
		st: st, cfg: cfg, opts: opts, clock: opts.Clock,
		logger: logger.With("component", "mail", "worker", opts.WorkerID),
		wake:   queueworker.NewWake(),
	}, nil
}

// Config returns the configuration in use (with defaults filled in).
func (m *Mailer) Config() Config { return m.cfg }

// Enqueue validates msg and stores it durably in the queue, then wakes the worker. Without
// SMTP it stores the message straight in the outbox instead, and the worker lists it in the
// recent view on its next pass. It returns ErrInvalidMessage (wrapped) for a message that
// could never be sent. The caller must have stored what the message is about (the case)
// before.
func (m *Mailer) Enqueue(ctx context.Context, msg Message) error {
	sm, err := normalize(msg)
	if err != nil {
		return err
	}
	id := queueworker.NewItemID()
	sm.MessageID = id + "@" + m.cfg.domain()
	now := m.clock()
	if !m.cfg.Enabled() {
		out := &models.OutboxMail{ID: id, Message: sm, Status: models.OutboxStored, CreatedAt: now, DoneAt: now}
		if err := m.st.StoreInOutbox(ctx, out); err != nil {
			return fmt.Errorf("mail: store in the outbox: %w", err)
		}
		m.logger.Info("mail stored in the outbox (no SMTP server configured)", "id", id, "kind", sm.Kind, "case", sm.CaseID)
		m.listLater(out.Summary())
		m.Kick()
		return nil
	}
	q := &store.QueuedMail{ID: id, Message: sm, CreatedAt: now, NextAttemptAt: now}
	if err := m.st.EnqueueMail(ctx, q); err != nil {
		return fmt.Errorf("mail: enqueue: %w", err)
	}
	m.Kick()
	return nil
}

// Kick wakes the worker of this process now instead of at its next poll. It never blocks.
// (Workers of other replicas find the message at their next poll or when this one is busy.)
func (m *Mailer) Kick() { m.wake.Ring() }

// Run delivers queued mail until ctx ends: a pass over the due messages whenever Kick is
// called and at least every PollInterval. On the way out it lists what it stored last.
func (m *Mailer) Run(ctx context.Context) {
	m.logger.Info("mail worker started", "smtp", m.cfg.String())
	queueworker.Run(ctx, m.logger, m.opts.PollInterval, m.opts.Gather, m.wake, m.pass)
	final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := m.listStored(final); err != nil {
		m.logger.Warn("list stored mail in the recent outbox", "err", err)
	}
}

// listLater keeps a stored message's summary for the recent view; only the newest
// store.OutboxRecentCap can appear in it.
func (m *Mailer) listLater(s models.OutboxSummary) {
	m.unlistedMu.Lock()
	defer m.unlistedMu.Unlock()
	m.unlisted = append(m.unlisted, s)
	if over := len(m.unlisted) - store.OutboxRecentCap; over > 0 {
		m.unlisted = slices.Delete(m.unlisted, 0, over)
	}
}

// listStored adds the summaries kept by listLater to the recent view in one write. A crash
// before it loses them from the view only: the view is a list of the newest messages, and the
// messages themselves are in the outbox. After a failed write they are tried again next pass.
func (m *Mailer) listStored(ctx context.Context) (int, error) {
	m.unlistedMu.Lock()
	items := m.unlisted
	m.unlisted = nil
	m.unlistedMu.Unlock()
	if len(items) == 0 {
		return 0, nil
	}
	if err := m.st.AddToOutboxView(ctx, items); err != nil {
		m.unlistedMu.Lock()
		m.unlisted = append(items, m.unlisted...)
		m.unlistedMu.Unlock()
		return 0, fmt.Errorf("mail: list stored messages: %w", err)
	}
	return len(items), nil
}

// ProcessDue makes one pass: it lists the messages stored without SMTP in the recent view,
// then claims each due message (skipping those another worker holds) and delivers it. It
// returns how many messages it handled (listed, finished or rescheduled).
func (m *Mailer) ProcessDue(ctx context.Context) (int, error) {
	n, _, err := m.pass(ctx)
	return n, err
}

// pass is ProcessDue, also telling whether the batch was cut at BatchSize. The due messages
// are claimed together, sent (or stored) one by one, and moved to the outbox together.
//
// Without SMTP the queue holds only what was queued while SMTP was configured (new messages go
// straight to the outbox). They are only stored in the outbox, which is idempotent by itself
// (the outbox keeps the first document under a message's id), so they are taken without a
// claim: two replicas storing the same message store it once.
func (m *Mailer) pass(ctx context.Context) (handled int, full bool, err error) {
	listed, listErr := m.listStored(ctx)
	defer func() { handled, err = handled+listed, errors.Join(listErr, err) }()
	var claimed []*store.QueuedMail
	if m.cfg.Enabled() {
		claimed, err = m.st.ClaimDueMails(ctx, m.opts.WorkerID, m.clock(), m.opts.ClaimLease, m.opts.BatchSize)
	} else {
		claimed, err = m.st.DueMails(ctx, m.clock(), m.opts.BatchSize)
	}
	if err != nil {
		return 0, false, fmt.Errorf("mail: claim due messages: %w", err)
	}
	var errs []error
	var finished []*models.OutboxMail
	for _, q := range claimed {
		if ctx.Err() != nil {
			break
		}
		out, err := m.deliver(ctx, q)
		if err != nil {
			// The claim stays until it expires; then a worker tries again.
			errs = append(errs, fmt.Errorf("deliver %s: %w", q.ID, err))
			continue
		}
		if out != nil {
			finished = append(finished, out)
		} else {
			handled++ // rescheduled
		}
	}
	if err := m.finish(ctx, finished); err != nil {
		errs = append(errs, err)
	} else {
		handled += len(finished)
	}
	return handled, len(claimed) == m.opts.BatchSize, errors.Join(errs...)
}

// deliver sends (or stores) one claimed message. It returns the outbox document to finish it
// with, or nil when the message was rescheduled after a failed attempt.
func (m *Mailer) deliver(ctx context.Context, q *store.QueuedMail) (*models.OutboxMail, error) {
	if q.PreviousClaim != "" {
		// A worker held it before and may have delivered it and then stopped before removing
		// it from the queue: an outbox document under this id says so. Never send twice.
		done, err := m.st.GetOutboxMail(ctx, q.ID)
		if err == nil {
			return done, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	log := m.logger.With("id", q.ID, "kind", q.Message.Kind, "case", q.Message.CaseID)
	outcome := func(status string, attempts int, lastErr string) *models.OutboxMail {
		return &models.OutboxMail{ID: q.ID, Message: q.Message, Status: status, CreatedAt: q.CreatedAt,
			DoneAt: m.clock(), Attempts: attempts, LastError: lastErr}
	}
	if !m.cfg.Enabled() {
		log.Info("mail stored in the outbox (no SMTP server configured)")
		return outcome(models.OutboxStored, q.Attempts, ""), nil
	}

	sendCtx, cancel := context.WithTimeout(ctx, m.opts.ClaimLease/2)
	err := m.send(sendCtx, q)
	cancel()
	attempts := q.Attempts + 1
	if err == nil {
		log.Info("mail sent", "attempts", attempts)
		return outcome(models.OutboxSent, attempts, ""), nil
	}
	if ctx.Err() != nil {
		// Shutting down mid-send: leave the claim to expire rather than count an attempt.
		return nil, ctx.Err()
	}
	if isPermanent(err) || attempts >= m.opts.MaxAttempts {
		log.Warn("mail failed, giving up", "attempts", attempts, "err", err)
		return outcome(models.OutboxFailed, attempts, err.Error()), nil
	}
	next := m.clock().Add(m.opts.Backoff(attempts))
	log.Info("mail attempt failed, will retry", "attempts", attempts, "next", next, "err", err)
	return nil, m.st.RetryMail(ctx, q.ID, m.opts.WorkerID, attempts, next, err.Error())
}

// finish moves delivered messages to the outbox. After a successful send a failing database
// would make the messages be sent again once the claims expire, so the write is retried a few
// times.
func (m *Mailer) finish(ctx context.Context, outs []*models.OutboxMail) error {
	if len(outs) == 0 {
		return nil
	}
	var err error
	for i, wait := 0, 200*time.Millisecond; i < 5; i, wait = i+1, wait*2 {
		copies := make([]*models.OutboxMail, len(outs))
		for j, o := range outs {
			c := *o
			copies[j] = &c
		}
		if err = m.st.FinishMails(ctx, copies); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
	return fmt.Errorf("mail: move %d messages to the outbox: %w", len(outs), err)
}

// ListQueue returns the messages waiting for delivery, oldest first (it scans mail_queue,
// which stays small).
func (m *Mailer) ListQueue(ctx context.Context, limit int) ([]store.QueuedMail, error) {
	return m.st.QueuedMails(ctx, limit)
}

// ListOutbox returns up to limit finished messages, newest first, without bodies. It reads
// one document (the recent view, the newest store.OutboxRecentCap messages), so its cost does
// not grow with the outbox; older messages are reachable by id only.
func (m *Mailer) ListOutbox(ctx context.Context, limit int) ([]models.OutboxSummary, error) {
	return m.st.RecentOutbox(ctx, limit)
}

// GetOutboxMessage reads one finished message (with its bodies) by id; store.ErrNotFound if
// there is none.
func (m *Mailer) GetOutboxMessage(ctx context.Context, id string) (*models.OutboxMail, error) {
	return m.st.GetOutboxMail(ctx, id)
}

// EnqueueOnce is Enqueue under an id the caller derives from what the mail is about (a weekly
// summary: its week and recipient), so however many replicas and sweeps try, one message is
// stored: the queue and the outbox refuse a second insert under one id, and a message already
// delivered (moved to the outbox, where the id stays) is not queued again. It reports whether
// this call stored the message. (Reports, issue 16.)
func (m *Mailer) EnqueueOnce(ctx context.Context, id string, msg Message) (bool, error) {
	sm, err := normalize(msg)
	if err != nil {
		return false, err
	}
	if _, err := m.st.GetOutboxMail(ctx, id); err == nil {
		return false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, fmt.Errorf("mail: look up %s: %w", id, err)
	}
	sm.MessageID = id + "@" + m.cfg.domain()
	now := m.clock()
	if !m.cfg.Enabled() {
		out := &models.OutboxMail{ID: id, Message: sm, Status: models.OutboxStored, CreatedAt: now, DoneAt: now}
		if err := m.st.StoreInOutbox(ctx, out); err != nil {
			if errors.Is(err, store.ErrDuplicate) {
				return false, nil
			}
			return false, fmt.Errorf("mail: store in the outbox: %w", err)
		}
		m.listLater(out.Summary())
		m.Kick()
		return true, nil
	}
	if err := m.st.EnqueueMail(ctx, &store.QueuedMail{ID: id, Message: sm, CreatedAt: now, NextAttemptAt: now}); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return false, nil
		}
		return false, fmt.Errorf("mail: enqueue: %w", err)
	}
	m.Kick()
	return true, nil
}
