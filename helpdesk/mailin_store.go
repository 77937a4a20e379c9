package helpdesk

import (
	"context"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// mailStore is what complaints by e-mail (mailin.go) need of the store: the mailboxes and
// their fetch leases, the keys that make a mail file once, bounces, attachments and the
// per-sender limit.
type mailStore interface {
	ListMailboxes(ctx context.Context) ([]models.Mailbox, error)
	GetMailbox(ctx context.Context, id string) (*models.Mailbox, error)
	InsertMailbox(ctx context.Context, m *models.Mailbox) error
	UpdateMailbox(ctx context.Context, id string, mutate func(m *models.Mailbox) error) (*models.Mailbox, error)
	DeleteMailbox(ctx context.Context, id string) error
	GetMailboxState(ctx context.Context, id string) (*store.MailboxState, error)
	LeaseMailbox(ctx context.Context, id, owner string, now time.Time, lease time.Duration) (*store.MailboxState, error)
	AdvanceMailbox(ctx context.Context, id, owner string, uidValidity, lastUID uint32, filed int, now time.Time, lastErr string, keep time.Duration) error

	ClaimMailKeys(ctx context.Context, keys []*store.MailKey) []error
	GetMailKey(ctx context.Context, id string) (*store.MailKey, error)
	PointMailKey(ctx context.Context, id, caseID string) (bool, error)

	FlagBounce(ctx context.Context, b *store.MailBounce) error
	GetBounce(ctx context.Context, address string) (*store.MailBounce, error)
	BouncedAmong(ctx context.Context, addresses []string) (map[string]bool, error)

	GetCase(ctx context.Context, id string) (*models.Case, error)
	GetOutboxMail(ctx context.Context, id string) (*models.OutboxMail, error)
	InsertAttachment(ctx context.Context, a *models.Attachment) error
	MarkDirtyMany(ctx context.Context, ids []string, version int64, now time.Time) error
	TakeHit(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (*store.Hit, error)
}
