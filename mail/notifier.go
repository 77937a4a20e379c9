package mail

import (
	"context"
	"time"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// CaseNotifier tells customers about their case through the durable queue: the
// acknowledgement of a new complaint and each agent reply.
type CaseNotifier struct {
	mailer             *Mailer
	firstResponseHours int
}

// NewCaseNotifier promises a first response within firstResponseHours in acknowledgements.
func NewCaseNotifier(m *Mailer, firstResponseHours int) CaseNotifier {
	return CaseNotifier{mailer: m, firstResponseHours: firstResponseHours}
}

// Acknowledge queues the acknowledgement: the reference and the tracking link, never the
// complaint text.
func (n CaseNotifier) Acknowledge(ctx context.Context, c *models.Case, trackingURL string) error {
	var m Message
	if due := c.FirstResponseDue(); due != nil {
		// The case's SLA: its due time, read in the calendar's zone (a case just filed
		// carries it so; one read back is in UTC and is told in the default zone).
		if due.Location() == time.UTC {
			if loc, err := time.LoadLocation(businesstime.DefaultTimeZone); err == nil {
				*due = due.In(loc)
			}
		}
		m = AcknowledgementBy(c.Locale, c.ID, trackingURL, c.Customer.Name, *due, c.CreatedAt)
	} else {
		m = Acknowledgement(c.Locale, c.ID, trackingURL, c.Customer.Name, n.firstResponseHours)
	}
	m.To, m.ToName, m.CaseID = c.Customer.Email, c.Customer.Name, c.ID
	return n.mailer.Enqueue(ctx, m)
}

// ReplySent queues an agent's reply to the customer, naming the files that came with it.
func (n CaseNotifier) ReplySent(ctx context.Context, c *models.Case, reply models.Message, trackingURL string) error {
	var files []string
	for _, a := range c.Attachments {
		if a.MessageID == reply.ID && a.Public {
			files = append(files, a.Name)
		}
	}
	m := ReplyNotification(c.Locale, c.ID, trackingURL, c.Customer.Name, reply.Author, reply.Body, files)
	m.To, m.ToName, m.CaseID = c.Customer.Email, c.Customer.Name, c.ID
	return n.mailer.Enqueue(ctx, m)
}

// Merged tells the customer their duplicate case now continues in the target case.
func (n CaseNotifier) Merged(ctx context.Context, duplicate, target *models.Case, trackingURL string) error {
	m := MergeNotification(target.Locale, duplicate.ID, target.ID, trackingURL, target.Customer.Name)
	m.To, m.ToName, m.CaseID = target.Customer.Email, target.Customer.Name, target.ID
	return n.mailer.Enqueue(ctx, m)
}

// Resolved tells the customer their case is resolved and when they will be asked about it.
func (n CaseNotifier) Resolved(ctx context.Context, c *models.Case, decision string, followUpDays int, trackingURL string) error {
	m := ResolutionNotice(c.Locale, c.ID, trackingURL, c.Customer.Name, decision, followUpDays)
	m.To, m.ToName, m.CaseID = c.Customer.Email, c.Customer.Name, c.ID
	return n.mailer.Enqueue(ctx, m)
}

// FollowUpCheck asks the customer whether the resolution held.
func (n CaseNotifier) FollowUpCheck(ctx context.Context, c *models.Case, checkURL string) error {
	m := FollowUpCheck(c.Locale, c.ID, checkURL, c.Customer.Name)
	m.To, m.ToName, m.CaseID = c.Customer.Email, c.Customer.Name, c.ID
	return n.mailer.Enqueue(ctx, m)
}

// PromiseDelayed tells the customer a promised time moves.
func (n CaseNotifier) PromiseDelayed(ctx context.Context, c *models.Case, p models.Promise, message string, now time.Time, trackingURL string) error {
	due := p.DueAt
	if loc, err := time.LoadLocation(businesstime.DefaultTimeZone); err == nil {
		due, now = due.In(loc), now.In(loc)
	}
	m := PromiseDelayed(c.Locale, c.ID, trackingURL, c.Customer.Name, p.Text, message, due, now)
	m.To, m.ToName, m.CaseID = c.Customer.Email, c.Customer.Name, c.ID
	return n.mailer.Enqueue(ctx, m)
}
