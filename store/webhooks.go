package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// Outbound webhooks live in three collections, on the same plan as outbound mail (mail.go):
//
//   - webhook_endpoints: the endpoints admins configure (a handful; listed by a scan).
//   - webhook_queue: one document per delivery not yet finished, _id random. Every worker
//     poll reads it whole, which is cheap because it is empty in normal operation. A worker
//     claims a delivery (claimed_by, claim_until) before sending, so two replicas never send
//     the same delivery while a claim holds.
//   - webhook_log: one document per endpoint (_id = the endpoint's id) holding the summaries
//     of its newest WebhookLogCap deliveries (queued, retrying and finished) as one JSON
//     value, so the admin list is one read by _id.
//
// A delivery finishes in two idempotent steps: its final summary goes into the log, then its
// queue document is deleted. A crash in between leaves the queue document; once its claim
// expires the next worker finds the final summary in the log and only deletes it.

// WebhookLogCap is how many deliveries the log keeps per endpoint.
const WebhookLogCap = 100

// ErrWebhookNotClaimable is returned when a queued delivery is gone, not yet due, or held by
// another worker (or, on retry, when the claim is not ours).
var ErrWebhookNotClaimable = errors.New("store: webhook delivery not claimable")

// QueuedWebhook is a delivery waiting to be sent. Payload is the exact request body.
type QueuedWebhook struct {
	ID            string                 `bson:"_id"`
	EndpointID    string                 `bson:"endpoint_id"`
	Event         string                 `bson:"event"`
	Payload       string                 `bson:"payload"`
	CreatedAt     time.Time              `bson:"created_at"`
	Attempts      int                    `bson:"attempts"`
	NextAttemptAt time.Time              `bson:"next_attempt_at"`
	Last          models.WebhookDelivery `bson:"-"`
	LastJSON      []byte                 `bson:"last"` // the delivery's current summary
	ClaimedBy     string                 `bson:"claimed_by"`
	ClaimUntil    time.Time              `bson:"claim_until"`
}

func (q *QueuedWebhook) claimable(now time.Time) bool {
	return !q.NextAttemptAt.After(now) && !q.ClaimUntil.After(now)
}

func (q *QueuedWebhook) decodeLast() {
	if len(q.LastJSON) > 0 {
		_ = json.Unmarshal(q.LastJSON, &q.Last)
	}
}

// InsertWebhookEndpoint stores a new endpoint.
func (s *Store) InsertWebhookEndpoint(ctx context.Context, w *models.WebhookEndpoint) error {
	return s.insert(ctx, collWebhooks, w)
}

// GetWebhookEndpoint reads an endpoint by id.
func (s *Store) GetWebhookEndpoint(ctx context.Context, id string) (*models.WebhookEndpoint, error) {
	var w models.WebhookEndpoint
	if err := s.getByID(ctx, collWebhooks, id, &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// ListWebhookEndpoints returns every endpoint, oldest first (a handful; it scans).
func (s *Store) ListWebhookEndpoints(ctx context.Context) ([]models.WebhookEndpoint, error) {
	out, err := findAll[models.WebhookEndpoint](ctx, s, collWebhooks, nil)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b models.WebhookEndpoint) int { return byTimeThenID(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	return out, nil
}

// UpdateWebhookEndpoint writes w back if its stored version is still w.Version-1.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, w *models.WebhookEndpoint) error {
	return replaceVersioned(ctx, s, collWebhooks, w.ID, func(w *models.WebhookEndpoint) *int64 { return &w.Version }, w)
}

// DeleteWebhookEndpoint removes an endpoint and its delivery log. Deliveries still queued for
// it fail when their turn comes.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	res, err := s.w(collWebhooks).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return err
	}
	if res.DeletedCount == 0 {
		return ErrNotFound
	}
	return s.deleteByID(ctx, collWebhookLog, id)
}

// EnqueueWebhook stores a new delivery (q.ID random, unclaimed) and lists it in the log.
func (s *Store) EnqueueWebhook(ctx context.Context, q *QueuedWebhook) error {
	if q.ID == "" {
		return errors.New("store: queued webhook without id")
	}
	last, err := json.Marshal(q.Last)
	if err != nil {
		return err
	}
	q.LastJSON = last
	if err := s.insert(ctx, collWebhookQueue, q); err != nil {
		return err
	}
	return s.RecordWebhookDelivery(ctx, q.Last)
}

// QueuedWebhooks returns every queued delivery (tests and diagnostics; it scans).
func (s *Store) QueuedWebhooks(ctx context.Context) ([]QueuedWebhook, error) {
	out, err := findAll[QueuedWebhook](ctx, s, collWebhookQueue, nil)
	for i := range out {
		out[i].decodeLast()
	}
	return out, err
}

// ClaimDueWebhooks claims up to limit deliveries due at now for owner, in one batch (see
// claimDue, which the mail queue shares).
func (s *Store) ClaimDueWebhooks(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*QueuedWebhook, error) {
	out, err := claimDue[QueuedWebhook](ctx, s, collWebhookQueue, "webhookq:", owner, now, lease, limit, ErrWebhookNotClaimable)
	for _, q := range out {
		q.decodeLast()
	}
	return out, err
}

func (q *QueuedWebhook) setClaim(owner string, until time.Time) {
	q.ClaimedBy, q.ClaimUntil = owner, until
}

func (q *QueuedWebhook) queueID() string { return q.ID }

// RetryWebhook records a failed attempt of a delivery owner holds, releases the claim (the
// delivery is due again at next) and updates the log.
func (s *Store) RetryWebhook(ctx context.Context, id, owner string, attempts int, next time.Time, last models.WebhookDelivery) error {
	lastJSON, err := json.Marshal(last)
	if err != nil {
		return err
	}
	err = s.rescheduleQueued(ctx, collWebhookQueue, "webhookq:"+id, id, owner, bson.D{
		{Key: "attempts", Value: attempts},
		{Key: "next_attempt_at", Value: next},
		{Key: "last", Value: lastJSON},
	}, ErrWebhookNotClaimable)
	if err != nil {
		return err
	}
	return s.RecordWebhookDelivery(ctx, last)
}

// FinishWebhook records the final summary in the log and removes the queue document. Both
// steps are idempotent.
func (s *Store) FinishWebhook(ctx context.Context, final models.WebhookDelivery) error {
	if err := s.RecordWebhookDelivery(ctx, final); err != nil {
		return err
	}
	return s.deleteByID(ctx, collWebhookQueue, final.ID)
}

// deliveryKey orders an endpoint's log by when a delivery was queued.
func deliveryKey(d models.WebhookDelivery) (time.Time, string) { return d.CreatedAt, d.ID }

// WebhookDeliveries returns up to limit (at most WebhookLogCap) deliveries of an endpoint,
// newest first: one read by _id.
func (s *Store) WebhookDeliveries(ctx context.Context, endpointID string, limit int) ([]models.WebhookDelivery, error) {
	return readCappedLog[models.WebhookDelivery](ctx, s, collWebhookLog, endpointID, limit)
}

// RecordWebhookDelivery puts d into its endpoint's log (replacing the entry with the same id),
// newest first, keeping the newest WebhookLogCap (a capped log, see cappedlog.go). A final
// entry is never replaced by a non-final one.
func (s *Store) RecordWebhookDelivery(ctx context.Context, d models.WebhookDelivery) error {
	return addToCappedLog(ctx, s, collWebhookLog, d.EndpointID, []models.WebhookDelivery{d}, WebhookLogCap, deliveryKey,
		func(logged, added models.WebhookDelivery) bool { return logged.Final() && !added.Final() })
}

// WebhookDeliveryFinal returns the logged summary of delivery id if it is final.
func (s *Store) WebhookDeliveryFinal(ctx context.Context, endpointID, id string) (*models.WebhookDelivery, error) {
	items, err := s.WebhookDeliveries(ctx, endpointID, 0)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if it.ID == id && it.Final() {
			return &it, nil
		}
	}
	return nil, ErrNotFound
}
