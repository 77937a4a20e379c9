// Package webhook delivers Kaiku's outbound webhooks (the "call a webhook" action of
// escalation rules) through a durable queue in the database, on the same plan as outbound
// mail (package mail):
//
// Enqueue stores one delivery (collection webhook_queue, _id random) and wakes the worker. Run
// is the worker: it claims due deliveries atomically (store.ClaimDueWebhooks), so several
// replicas can run it on one database and each delivery is sent by one of them; it POSTs the
// JSON body signed with the endpoint's secret, counts a 2xx answer as delivered, and otherwise
// retries with exponential backoff until the last attempt, after which the delivery is failed.
// Every state change is written to the endpoint's delivery log, which admins read.
//
// Requests never go to loopback, link-local, private or other non-public addresses unless the
// admin allowed the host (see Guard), redirects are not followed, and each attempt has a time
// limit.
//
// Like mail, a delivery is sent once as long as the database write after a 2xx answer works:
// a crash between the two sends it again after the claim expires, with the same
// X-Kaiku-Delivery id, by which receivers can drop the duplicate.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/queueworker"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// Request headers.
const (
	HeaderEvent     = "X-Kaiku-Event"
	HeaderDelivery  = "X-Kaiku-Delivery"
	HeaderTimestamp = "X-Kaiku-Timestamp"
	HeaderSignature = "X-Kaiku-Signature"
	UserAgent       = "Kaiku-Webhook/1"
)

// Events a delivery can carry: a rule's webhook action, and an admin's test delivery.
const (
	EventRuleFired = "rule.fired"
	EventPing      = "ping"
)

// responseKeep is how much of a response body the delivery log keeps; responseRead is how
// much is read at most.
const (
	responseRead = 4 << 10
	responseKeep = 1 << 10
)

// Options tunes a Service; zero values take the defaults.
type Options struct {
	Clock   func() time.Time // time.Now
	Timeout time.Duration    // 10s per attempt, connection to the end of the body
	// Settings are the queue's polling, claims, batches and retries (the claim lease defaults
	// to 4×Timeout, at least a minute).
	queueworker.Settings
	WorkerID string // default host-pid-random (queueworker.WorkerID); must differ between replicas
	Logger   *slog.Logger
	// AllowHosts may resolve to non-public addresses (KAIKU_WEBHOOK_ALLOW_HOSTS).
	AllowHosts []string
	// BaseURL is the web app's public address, for the case link in the payload.
	BaseURL string
}

// webhookStore is what Service needs of the store: the delivery queue, the delivery logs and the
// endpoints.
type webhookStore interface {
	ClaimDueWebhooks(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*store.QueuedWebhook, error)
	EnqueueWebhook(ctx context.Context, q *store.QueuedWebhook) error
	FinishWebhook(ctx context.Context, final models.WebhookDelivery) error
	GetWebhookEndpoint(ctx context.Context, id string) (*models.WebhookEndpoint, error)
	RetryWebhook(ctx context.Context, id, owner string, attempts int, next time.Time, last models.WebhookDelivery) error
	WebhookDeliveries(ctx context.Context, endpointID string, limit int) ([]models.WebhookDelivery, error)
	WebhookDeliveryFinal(ctx context.Context, endpointID, id string) (*models.WebhookDelivery, error)
}

// Service queues and delivers webhooks. Several Services (replicas) may share one database.
type Service struct {
	st     webhookStore
	opts   Options
	guard  *Guard
	client *http.Client
	logger *slog.Logger
	wake   queueworker.Wake
}

// New builds a Service on st.
func New(st webhookStore, opts Options) *Service {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.WorkerID == "" {
		opts.WorkerID = queueworker.WorkerID()
	}
	opts.Settings = opts.Settings.WithDefaults(opts.Timeout)
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	guard := NewGuard(opts.AllowHosts)
	return &Service{
		st: st, opts: opts, guard: guard,
		client: &http.Client{
			Timeout: opts.Timeout,
			Transport: &http.Transport{
				Proxy:                 nil, // a proxy would dial on our behalf, past the guard
				DialContext:           guard.DialContext,
				ForceAttemptHTTP2:     true,
				MaxIdleConns:          20,
				IdleConnTimeout:       90 * time.Second,
				TLSHandshakeTimeout:   opts.Timeout,
				ResponseHeaderTimeout: opts.Timeout,
			},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		logger: logger.With("component", "webhook", "worker", opts.WorkerID),
		wake:   queueworker.NewWake(),
	}
}

// Guard returns the address guard, for checking URLs when endpoints are saved.
func (s *Service) Guard() *Guard { return s.guard }

// NewSecret returns a fresh endpoint secret.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (Go 1.24+)
	return "whsec_" + hex.EncodeToString(b)
}

// Sign returns the X-Kaiku-Signature value for body sent at timestamp (unix seconds):
// "sha256=" + hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the secret.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Errors of Enqueue.
var (
	ErrUnknownEndpoint  = errors.New("webhook: unknown endpoint")
	ErrDisabledEndpoint = errors.New("webhook: endpoint disabled")
)

// Payload is the JSON body of a delivery.
type Payload struct {
	Event string      `json:"event"`
	Rule  PayloadRule `json:"rule"`
	Case  PayloadCase `json:"case"`
	At    time.Time   `json:"at"`
}

// PayloadRule names the rule that called the webhook.
type PayloadRule struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// PayloadCase is what a delivery tells about the case.
type PayloadCase struct {
	ID              string `json:"id"`
	Subject         string `json:"subject"`
	Status          string `json:"status"`
	Priority        string `json:"priority"`
	EscalationLevel int    `json:"escalation_level"`
	CustomerEmail   string `json:"customer_email"`
	URL             string `json:"url"`
}

// EnqueueRule queues a delivery to endpointID telling that the rule fired on c. An unknown
// endpoint gives ErrUnknownEndpoint, a disabled one ErrDisabledEndpoint.
func (s *Service) EnqueueRule(ctx context.Context, endpointID, ruleID, ruleName string, c *models.Case) error {
	w, err := s.enabledEndpoint(ctx, endpointID)
	if err != nil {
		return err
	}
	now := s.opts.Clock().UTC()
	p := Payload{
		Event: EventRuleFired, Rule: PayloadRule{ID: ruleID, Name: ruleName},
		Case: PayloadCase{ID: c.ID, Subject: c.Subject, Status: string(c.Status), Priority: string(c.Priority),
			EscalationLevel: c.EscalationLevel, CustomerEmail: c.Customer.Email,
			URL: strings.TrimRight(s.opts.BaseURL, "/") + "/cases/" + c.ID},
		At: now,
	}
	_, err = s.enqueue(ctx, w, p, models.WebhookDelivery{RuleName: ruleName, CaseID: c.ID}, now)
	return err
}

// enabledEndpoint reads an endpoint deliveries may be queued for.
func (s *Service) enabledEndpoint(ctx context.Context, endpointID string) (*models.WebhookEndpoint, error) {
	w, err := s.st.GetWebhookEndpoint(ctx, endpointID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w %q", ErrUnknownEndpoint, endpointID)
	}
	if err != nil {
		return nil, err
	}
	if !w.Enabled {
		return nil, fmt.Errorf("%w: %q", ErrDisabledEndpoint, w.Name)
	}
	return w, nil
}

// enqueue stores one delivery of payload to w (its summary starting from last) and wakes the
// worker.
func (s *Service) enqueue(ctx context.Context, w *models.WebhookEndpoint, payload interface{ event() string }, last models.WebhookDelivery, now time.Time) (*models.WebhookDelivery, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	id := queueworker.NewItemID()
	last.ID, last.EndpointID, last.Event = id, w.ID, payload.event()
	last.Status, last.CreatedAt, last.NextAttempt = models.WebhookPending, now, &now
	q := &store.QueuedWebhook{ID: id, EndpointID: w.ID, Event: last.Event, Payload: string(body),
		CreatedAt: now, NextAttemptAt: now, Last: last}
	if err := s.st.EnqueueWebhook(ctx, q); err != nil {
		return nil, fmt.Errorf("webhook: enqueue: %w", err)
	}
	s.Kick()
	return &last, nil
}

func (p Payload) event() string     { return p.Event }
func (p PingPayload) event() string { return p.Event }

// PingPayload is the JSON body of a test delivery.
type PingPayload struct {
	Event    string          `json:"event"`
	Endpoint PayloadEndpoint `json:"endpoint"`
	At       time.Time       `json:"at"`
}

// PayloadEndpoint names the endpoint a test delivery was sent to.
type PayloadEndpoint struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// EnqueuePing queues a signed test delivery (event "ping") to endpointID on the same queue,
// worker, retries and log as rule deliveries, and returns its summary. An unknown endpoint
// gives ErrUnknownEndpoint, a disabled one ErrDisabledEndpoint.
func (s *Service) EnqueuePing(ctx context.Context, endpointID string) (*models.WebhookDelivery, error) {
	w, err := s.enabledEndpoint(ctx, endpointID)
	if err != nil {
		return nil, err
	}
	now := s.opts.Clock().UTC()
	p := PingPayload{Event: EventPing, Endpoint: PayloadEndpoint{ID: w.ID, Name: w.Name}, At: now}
	return s.enqueue(ctx, w, p, models.WebhookDelivery{}, now)
}

// MaxAttempts is how many attempts a delivery gets before it fails.
func (s *Service) MaxAttempts() int { return s.opts.MaxAttempts }

// Kick wakes this process's worker now. It never blocks.
func (s *Service) Kick() { s.wake.Ring() }

// Run delivers queued webhooks until ctx ends: a pass whenever Kick is called and at least
// every PollInterval.
func (s *Service) Run(ctx context.Context) {
	s.logger.Info("webhook worker started")
	queueworker.Run(ctx, s.logger, s.opts.PollInterval, s.opts.Gather, s.wake, s.pass)
}

// ProcessDue makes one pass over the due deliveries and returns how many it handled.
func (s *Service) ProcessDue(ctx context.Context) (int, error) {
	n, _, err := s.pass(ctx)
	return n, err
}

func (s *Service) pass(ctx context.Context) (handled int, full bool, err error) {
	claimed, err := s.st.ClaimDueWebhooks(ctx, s.opts.WorkerID, s.opts.Clock(), s.opts.ClaimLease, s.opts.BatchSize)
	if err != nil {
		return 0, false, fmt.Errorf("webhook: claim due deliveries: %w", err)
	}
	var errs []error
	for _, q := range claimed {
		if ctx.Err() != nil {
			break
		}
		if err := s.deliver(ctx, q); err != nil {
			errs = append(errs, fmt.Errorf("deliver %s: %w", q.ID, err))
			continue
		}
		handled++
	}
	return handled, len(claimed) == s.opts.BatchSize, errors.Join(errs...)
}

// deliver makes one attempt of a claimed delivery and records the outcome.
func (s *Service) deliver(ctx context.Context, q *store.QueuedWebhook) error {
	// A final entry in the log means an earlier run finished it but was cut short before
	// removing the queue document: finish that, never send again.
	if done, err := s.st.WebhookDeliveryFinal(ctx, q.EndpointID, q.ID); err == nil {
		return s.st.FinishWebhook(ctx, *done)
	}
	log := s.logger.With("id", q.ID, "endpoint", q.EndpointID)
	d := q.Last
	d.ID, d.EndpointID, d.Event = q.ID, q.EndpointID, q.Event
	if d.CreatedAt.IsZero() {
		d.CreatedAt = q.CreatedAt
	}
	w, err := s.st.GetWebhookEndpoint(ctx, q.EndpointID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !w.Enabled) {
		reason := "the endpoint was deleted"
		if err == nil {
			reason = "the endpoint is disabled"
		}
		now := s.opts.Clock()
		d.Status, d.Error, d.NextAttempt, d.DoneAt = models.WebhookFailed, reason, nil, &now
		log.Info("webhook dropped", "reason", reason)
		return s.st.FinishWebhook(ctx, d)
	}
	if err != nil {
		return err
	}

	started := time.Now()
	attemptAt := s.opts.Clock()
	code, body, sendErr := s.send(ctx, w, q)
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: the claim expires, nothing is counted
	}
	attempts := q.Attempts + 1
	d.Attempts, d.ResponseCode, d.ResponseBody = attempts, code, body
	d.DurationMS = time.Since(started).Milliseconds()
	d.LastAttempt = &attemptAt
	d.Error = ""
	if sendErr == nil && code >= 200 && code < 300 {
		now := s.opts.Clock()
		d.Status, d.NextAttempt, d.DoneAt = models.WebhookDelivered, nil, &now
		log.Info("webhook delivered", "attempts", attempts, "status", code)
		return s.finish(ctx, d)
	}
	switch {
	case sendErr != nil:
		d.Error = sendErr.Error()
	case code >= 300 && code < 400:
		d.Error = fmt.Sprintf("HTTP %d: redirects are not followed", code)
	default:
		d.Error = fmt.Sprintf("HTTP %d", code)
	}
	if attempts >= s.opts.MaxAttempts {
		now := s.opts.Clock()
		d.Status, d.NextAttempt, d.DoneAt = models.WebhookFailed, nil, &now
		log.Warn("webhook failed, giving up", "attempts", attempts, "err", d.Error)
		return s.finish(ctx, d)
	}
	next := s.opts.Clock().Add(s.opts.Backoff(attempts))
	d.Status, d.NextAttempt = models.WebhookPending, &next
	log.Info("webhook attempt failed, will retry", "attempts", attempts, "next", next, "err", d.Error)
	return s.st.RetryWebhook(ctx, q.ID, s.opts.WorkerID, attempts, next, d)
}

// send POSTs the delivery once and returns the status code and the start of the body.
func (s *Service) send(ctx context.Context, w *models.WebhookEndpoint, q *store.QueuedWebhook) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	body := []byte(q.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	ts := s.opts.Clock().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(HeaderEvent, q.Event)
	req.Header.Set(HeaderDelivery, q.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(w.Secret, ts, body))
	res, err := s.client.Do(req)
	if err != nil {
		return 0, "", cleanError(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, responseRead))
	if len(b) > responseKeep {
		b = b[:responseKeep]
	}
	return res.StatusCode, strings.ToValidUTF8(string(b), "�"), nil
}

// cleanError drops the URL net/http puts in front of transport errors (the log already says
// which endpoint it was).
func cleanError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

// finish records a final outcome; the write is retried a few times, because after a 2xx a
// lost write would send the delivery again once the claim expires.
func (s *Service) finish(ctx context.Context, d models.WebhookDelivery) error {
	var err error
	for i, wait := 0, 200*time.Millisecond; i < 5; i, wait = i+1, wait*2 {
		if err = s.st.FinishWebhook(ctx, d); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
	return err
}

// Deliveries returns an endpoint's newest deliveries (at most store.WebhookLogCap), newest
// first.
func (s *Service) Deliveries(ctx context.Context, endpointID string, limit int) ([]models.WebhookDelivery, error) {
	return s.st.WebhookDeliveries(ctx, endpointID, limit)
}
