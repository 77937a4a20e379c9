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
	// replyTo names the address a customer's reply to a mail about c reaches ("" when no
	// mailbox takes replies); nil: none does.
	replyTo func(ctx context.Context, c *models.Case) string
}

// NewCaseNotifier promises a first response within firstResponseHours in acknowledgements.
func NewCaseNotifier(m *Mailer, firstResponseHours int) CaseNotifier {
	return CaseNotifier{mailer: m, firstResponseHours: firstResponseHours}
}

// WithReplyTo returns the notifier with the lookup of a case's reply address (issue 17: the
// mailbox the case came by, or the configured default, once a mailbox is connected).
func (n CaseNotifier) WithReplyTo(replyTo func(ctx context.Context, c *models.Case) string) CaseNotifier {
	n.replyTo = replyTo
	return n
}

// ThreadRoot is the Message-ID every mail about a case names first in its References, so
// mail programs keep them in one thread: a fixed id derived from the reference (no mail
// carries it as its own Message-ID).
func ThreadRoot(caseID, domain string) string { return caseID + "@" + domain }

// address fills the recipient and the threading headers of a mail about c: References
// (the thread's root, then the customer's first and latest mail when the case came by mail),
// In-Reply-To (the customer's latest mail, else the root) and Reply-To.
func (n CaseNotifier) address(ctx context.Context, c *models.Case, m *Message) {
	m.To, m.ToName, m.CaseID = c.Customer.Email, c.Customer.Name, c.ID
	root := ThreadRoot(c.ID, n.mailer.cfg.domain())
	m.References, m.InReplyTo = []string{root}, root
	if e := c.Email; e != nil {
		if e.FirstID != "" {
			m.References = append(m.References, e.FirstID)
			m.InReplyTo = e.FirstID
		}
		if e.LastID != "" && e.LastID != e.FirstID {
			m.References = append(m.References, e.LastID)
			m.InReplyTo = e.LastID
		}
	}
	m.ReplyTo = n.replyAddress(ctx, c)
}

// send addresses m to c's customer and queues it. A case without a customer address (an online
// review: its author is answered by the public reply) gets no mail, rather than one the queue
// refuses.
func (n CaseNotifier) send(ctx context.Context, c *models.Case, m Message) error {
	if c.Customer.Email == "" {
		return nil
	}
	n.address(ctx, c, &m)
	return n.mailer.Enqueue(ctx, m)
}

func (n CaseNotifier) replyAddress(ctx context.Context, c *models.Case) string {
	if n.replyTo == nil {
		return ""
	}
	return n.replyTo(ctx, c)
}

// Acknowledge queues the acknowledgement: the reference and the tracking link, never the
// complaint text.
func (n CaseNotifier) Acknowledge(ctx context.Context, c *models.Case, trackingURL string) error {
	var m Message
	replies := n.replyAddress(ctx, c) != ""
	if due := c.FirstResponseDue(); due != nil {
		// The case's SLA: its due time, read in the calendar's zone (a case just filed
		// carries it so; one read back is in UTC and is told in the default zone).
		if due.Location() == time.UTC {
			if loc, err := time.LoadLocation(businesstime.DefaultTimeZone); err == nil {
				*due = due.In(loc)
			}
		}
		m = acknowledgement(c.Locale, c.ID, trackingURL, c.Customer.Name, 0, PromiseTime(baseLocale(c.Locale), *due, c.CreatedAt), replies)
	} else {
		m = acknowledgement(c.Locale, c.ID, trackingURL, c.Customer.Name, n.firstResponseHours, "", replies)
	}
	return n.send(ctx, c, m)
}

// ReplySent queues an agent's reply to the customer, naming the files that came with it.
func (n CaseNotifier) ReplySent(ctx context.Context, c *models.Case, reply models.Message, trackingURL string) error {
	var files []string
	for _, a := range c.Attachments {
		if a.MessageID == reply.ID && a.Public {
			files = append(files, a.Name)
		}
	}
	m := replyNotification(c.Locale, c.ID, trackingURL, c.Customer.Name, reply.Author, reply.Body, files, n.replyAddress(ctx, c) != "")
	return n.send(ctx, c, m)
}

// Merged tells the customer their duplicate case now continues in the target case.
func (n CaseNotifier) Merged(ctx context.Context, duplicate, target *models.Case, trackingURL string) error {
	m := MergeNotification(target.Locale, duplicate.ID, target.ID, trackingURL, target.Customer.Name)
	return n.send(ctx, target, m)
}

// Resolved tells the customer their case is resolved and when they will be asked about it.
func (n CaseNotifier) Resolved(ctx context.Context, c *models.Case, decision string, followUpDays int, trackingURL string) error {
	m := ResolutionNotice(c.Locale, c.ID, trackingURL, c.Customer.Name, decision, followUpDays)
	return n.send(ctx, c, m)
}

// FollowUpCheck asks the customer whether the resolution held.
func (n CaseNotifier) FollowUpCheck(ctx context.Context, c *models.Case, checkURL string) error {
	m := FollowUpCheck(c.Locale, c.ID, checkURL, c.Customer.Name)
	return n.send(ctx, c, m)
}

// PromiseDelayed tells the customer a promised time moves.
func (n CaseNotifier) PromiseDelayed(ctx context.Context, c *models.Case, p models.Promise, message string, now time.Time, trackingURL string) error {
	due := p.DueAt
	if loc, err := time.LoadLocation(businesstime.DefaultTimeZone); err == nil {
		due, now = due.In(loc), now.In(loc)
	}
	m := PromiseDelayed(c.Locale, c.ID, trackingURL, c.Customer.Name, p.Text, message, due, now)
	return n.send(ctx, c, m)
}

// FollowUpAsk is one customer's follow-up check in a batch: the mail's id (derived from the
// check, so a repeat is refused), the case and the check's link.
type FollowUpAsk struct {
	ID       string
	Case     *models.Case
	CheckURL string
}

// FollowUpChecks queues many follow-up checks in one insert (EnqueueMany). The ids must be
// new: the caller mails each check once, when it moves it from scheduled to asked.
func (n CaseNotifier) FollowUpChecks(ctx context.Context, asks []FollowUpAsk) error {
	msgs := make([]OnceMessage, 0, len(asks))
	for _, a := range asks {
		if a.Case.Customer.Email == "" {
			continue // no address: see send
		}
		m := FollowUpCheck(a.Case.Locale, a.Case.ID, a.CheckURL, a.Case.Customer.Name)
		n.address(ctx, a.Case, &m)
		msgs = append(msgs, OnceMessage{ID: a.ID, Message: m})
	}
	if len(msgs) == 0 {
		return nil
	}
	return n.mailer.EnqueueMany(ctx, msgs)
}

// FollowUpCheckOnce queues one follow-up check under its id unless a mail of that id is queued
// or delivered already (EnqueueOnce): after a sweep cut short, whether its mail went out.
func (n CaseNotifier) FollowUpCheckOnce(ctx context.Context, a FollowUpAsk) error {
	if a.Case.Customer.Email == "" {
		return nil // no address: see send
	}
	m := FollowUpCheck(a.Case.Locale, a.Case.ID, a.CheckURL, a.Case.Customer.Name)
	n.address(ctx, a.Case, &m)
	_, err := n.mailer.EnqueueOnce(ctx, a.ID, m)
	return err
}
