package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// Outbound mail lives in three collections (without SMTP a message goes straight to the
// outbox and its summary to the recent view; the queue is for delivery):
//
//   - mail_queue: one document per message not yet delivered. It is read whole by every
//     worker poll (FerretDB scans it), which is cheap because it is empty in normal operation.
//     A worker claims a document before sending (claimed_by, claim_until), so two replicas
//     never send the same message while a claim holds.
//   - mail_outbox: one document per finished message (sent, stored or failed), same _id as in
//     the queue, read only by _id. It grows with every mail and is never scanned.
//   - mail_outbox_recent: one document (_id "recent") holding summaries of the newest
//     OutboxRecentCap finished messages, newest first, so the admin list is one read by _id
//     however big the outbox grows. It is rewritten (about 60 KB) once per finished message.
//
// A message moves queue → outbox in three steps, each idempotent: insert the outbox document
// (an existing one is kept), add its summary to the recent view, delete the queue document.
// A crash in between leaves the queue document; its claim expires, the next worker sees the
// outbox document already exists and only finishes the steps, without sending again.

// OutboxRecentCap is how many summaries the recent-outbox view keeps.
const OutboxRecentCap = 200

const outboxViewID = "recent"

// ErrMailNotClaimable is returned when a queued message is gone, not yet due, or claimed by
// another worker whose claim has not expired (or, on release, when the claim is not ours).
var ErrMailNotClaimable = errors.New("store: mail not claimable")

// QueuedMail is a message waiting for delivery.
type QueuedMail struct {
	ID            string             `bson:"_id" json:"id"`
	Message       models.MailMessage `bson:"message" json:"message"`
	CreatedAt     time.Time          `bson:"created_at" json:"created_at"`
	Attempts      int                `bson:"attempts" json:"attempts"`
	NextAttemptAt time.Time          `bson:"next_attempt_at" json:"next_attempt_at"`
	LastError     string             `bson:"last_error,omitempty" json:"last_error,omitempty"`
	// ClaimedBy and ClaimUntil are empty/zero when nobody holds the message.
	ClaimedBy  string    `bson:"claimed_by" json:"claimed_by,omitempty"`
	ClaimUntil time.Time `bson:"claim_until" json:"claim_until"`
	// PreviousClaim is who held the message before this worker claimed it ("" for a message
	// never claimed before, which therefore cannot have been delivered by a crashed worker).
	PreviousClaim string `bson:"-" json:"-"`
}

// claimable reports whether a worker may take the message at now.
func (q *QueuedMail) claimable(now time.Time) bool {
	return !q.NextAttemptAt.After(now) && !q.ClaimUntil.After(now)
}

// outboxKey orders the recent view by when a message finished.
func outboxKey(o models.OutboxSummary) (time.Time, string) { return o.DoneAt, o.ID }

// EnqueueMail stores a new queued message; q.ID must be new (random), q.ClaimedBy empty.
func (s *Store) EnqueueMail(ctx context.Context, q *QueuedMail) error {
	if q.ID == "" {
		return errors.New("store: queued mail without id")
	}
	return s.insert(ctx, collMailQueue, q)
}

// QueuedMails returns the whole queue (oldest first, at most limit when limit > 0). It scans
// mail_queue, which stays small: messages leave it once delivered or given up.
func (s *Store) QueuedMails(ctx context.Context, limit int) ([]QueuedMail, error) {
	out, err := findAll[QueuedMail](ctx, s, collMailQueue, nil)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b QueuedMail) int { return byTimeThenID(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// DueMails returns, in one scan, up to limit queued messages a worker may take at now,
// longest-waiting first, without claiming them. It is for delivery that is idempotent by
// itself, such as storing in the outbox (a second insert under the message's id is refused),
// where a claim would only cost round trips.
func (s *Store) DueMails(ctx context.Context, now time.Time, limit int) ([]*QueuedMail, error) {
	due, err := findAll[QueuedMail](ctx, s, collMailQueue, dueFilter(now))
	if err != nil {
		return nil, err
	}
	slices.SortFunc(due, func(a, b QueuedMail) int { return byTimeThenID(a.NextAttemptAt, b.NextAttemptAt, a.ID, b.ID) })
	if limit > 0 && len(due) > limit {
		due = due[:limit]
	}
	out := make([]*QueuedMail, len(due))
	for i := range due {
		out[i] = &due[i]
	}
	return out, nil
}

func (q *QueuedMail) setClaim(owner string, until time.Time) {
	q.PreviousClaim = q.ClaimedBy
	q.ClaimedBy, q.ClaimUntil = owner, until
}

func (q *QueuedMail) queueID() string { return q.ID }

// ClaimDueMails claims up to limit messages due at now for owner (see claimDue).
func (s *Store) ClaimDueMails(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]*QueuedMail, error) {
	return claimDue[QueuedMail](ctx, s, collMailQueue, "mail:", owner, now, lease, limit, ErrMailNotClaimable)
}

// RetryMail records a failed attempt of a message owner holds and releases the claim: the
// message becomes due again at next. If owner no longer holds it, ErrMailNotClaimable.
func (s *Store) RetryMail(ctx context.Context, id, owner string, attempts int, next time.Time, lastErr string) error {
	return s.rescheduleQueued(ctx, collMailQueue, "mail:"+id, id, owner, bson.D{
		{Key: "attempts", Value: attempts},
		{Key: "next_attempt_at", Value: next},
		{Key: "last_error", Value: truncateMailText(lastErr, 1000)},
	}, ErrMailNotClaimable)
}

// StoreInOutbox inserts a finished message straight into the outbox (without SMTP there is
// nothing to deliver, so it never waits in the queue). Its summary is listed in the recent
// view by AddToOutboxView, later and for many messages at once.
func (s *Store) StoreInOutbox(ctx context.Context, out *models.OutboxMail) error {
	return s.insert(ctx, collMailOutbox, out)
}

// FinishMail moves a message to the outbox (see FinishMails).
func (s *Store) FinishMail(ctx context.Context, out *models.OutboxMail) error {
	return s.FinishMails(ctx, []*models.OutboxMail{out})
}

// FinishMails moves messages to the outbox: it inserts them (keeping an outbox document that
// already exists under an id, from an earlier run cut short), adds them to the recent view and
// deletes their queue documents, a few round trips for the whole batch. Every step is
// idempotent, so a repeat after a crash is harmless. For a sent message the strings in
// Message.Secrets are cut from the stored copy.
func (s *Store) FinishMails(ctx context.Context, outs []*models.OutboxMail) error {
	if len(outs) == 0 {
		return nil
	}
	docs := make([]any, len(outs))
	for i, out := range outs {
		if out.Status == models.OutboxSent {
			out.Message = redactSecrets(out.Message)
		}
		docs[i] = out
	}
	errs := s.insertMany(ctx, collMailOutbox, docs)
	summaries := make([]models.OutboxSummary, 0, len(outs))
	ids := make([]string, 0, len(outs))
	for i, out := range outs {
		if errs != nil && errs[i] != nil {
			if !isDup(errs[i]) {
				return fmt.Errorf("outbox %s: %w", out.ID, errs[i])
			}
			var stored models.OutboxMail
			if err := s.getByID(ctx, collMailOutbox, out.ID, &stored); err != nil {
				return fmt.Errorf("outbox %s: %w", out.ID, err)
			}
			*out = stored
		}
		summaries = append(summaries, out.Summary())
		ids = append(ids, out.ID)
	}
	if err := s.AddToOutboxView(ctx, summaries); err != nil {
		return fmt.Errorf("outbox view: %w", err)
	}
	if len(ids) == 1 {
		return s.deleteByID(ctx, collMailQueue, ids[0])
	}
	// The queue is small (pending messages only), so the $in filter's scan is cheap.
	_, err := s.w(collMailQueue).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	return err
}

// GetOutboxMail reads one finished message by id.
func (s *Store) GetOutboxMail(ctx context.Context, id string) (*models.OutboxMail, error) {
	var o models.OutboxMail
	if err := s.getByID(ctx, collMailOutbox, id, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// RecentOutbox returns up to limit (at most OutboxRecentCap) summaries of the newest finished
// messages, newest first. It is one read by _id of the recent view, whatever the outbox size;
// older messages stay readable by id (GetOutboxMail) but are not listed.
func (s *Store) RecentOutbox(ctx context.Context, limit int) ([]models.OutboxSummary, error) {
	return readCappedLog[models.OutboxSummary](ctx, s, collMailRecent, outboxViewID, limit)
}

// AddToOutboxView puts items into the recent view (replacing entries with the same ids),
// newest done first, and keeps the newest OutboxRecentCap (a capped log, see cappedlog.go).
func (s *Store) AddToOutboxView(ctx context.Context, items []models.OutboxSummary) error {
	return addToCappedLog(ctx, s, collMailRecent, outboxViewID, items, OutboxRecentCap, outboxKey, nil)
}

// redactSecrets replaces each secret in the bodies with a marker and drops the list.
func redactSecrets(m models.MailMessage) models.MailMessage {
	for _, sec := range m.Secrets {
		if sec == "" {
			continue
		}
		m.Text = strings.ReplaceAll(m.Text, sec, "[removed after sending]")
		m.HTML = strings.ReplaceAll(m.HTML, sec, "[removed after sending]")
	}
	m.Secrets = nil
	return m
}

func truncateMailText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// EnqueueMails stores many queued messages in one insert; each gets its own answer (nil, or
// ErrDuplicate for an id already queued).
func (s *Store) EnqueueMails(ctx context.Context, qs []*QueuedMail) []error {
	docs := make([]any, len(qs))
	for i, q := range qs {
		docs[i] = q
	}
	return s.insertManyEach(ctx, collMailQueue, docs)
}

// StoreManyInOutbox inserts many finished messages straight into the outbox in one insert
// (see StoreInOutbox); each gets its own answer.
func (s *Store) StoreManyInOutbox(ctx context.Context, outs []*models.OutboxMail) []error {
	docs := make([]any, len(outs))
	for i, o := range outs {
		docs[i] = o
	}
	return s.insertManyEach(ctx, collMailOutbox, docs)
}

// manyInsertBatch is how many documents one insert of a batch writer carries.
const manyInsertBatch = 1000

// insertManyEach is insertMany in batches of manyInsertBatch with one answer per document
// (a nil slice from insertMany means all landed).
func (s *Store) insertManyEach(ctx context.Context, coll string, docs []any) []error {
	out := make([]error, len(docs))
	for from := 0; from < len(docs); from += manyInsertBatch {
		to := min(len(docs), from+manyInsertBatch)
		if errs := s.insertMany(ctx, coll, docs[from:to]); errs != nil {
			copy(out[from:to], errs)
		}
	}
	return out
}
