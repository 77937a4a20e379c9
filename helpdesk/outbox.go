package helpdesk

import (
	"context"

	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// Outbox lets admins read the mail Kaiku sent or, without SMTP, stored instead of sending.
type Outbox struct{ mailer *mail.Mailer }

// NewOutbox wires the outbox.
func NewOutbox(m *mail.Mailer) *Outbox { return &Outbox{mailer: m} }

// List returns the newest mails first.
func (o *Outbox) List(ctx context.Context, p *Principal, limit int) ([]models.OutboxSummary, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	return o.mailer.ListOutbox(ctx, limit)
}

// Get returns one mail with its text.
func (o *Outbox) Get(ctx context.Context, p *Principal, id string) (*models.OutboxMail, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	m, err := o.mailer.GetOutboxMessage(ctx, id)
	return m, notFoundAs(err, "mail")
}
