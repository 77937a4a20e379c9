package models

import (
	"time"
)

// Outbox statuses.
const (
	OutboxSent   = "sent"   // accepted by the SMTP server
	OutboxStored = "stored" // no SMTP server configured: kept for reading in the web app
	OutboxFailed = "failed" // given up after the last attempt or a permanent rejection
)

// MailMessage is one outbound e-mail as stored; the mail package builds and sends it.
type MailMessage struct {
	To        string `bson:"to" json:"to"`
	ToName    string `bson:"to_name,omitempty" json:"to_name,omitempty"`
	Subject   string `bson:"subject" json:"subject"`
	Text      string `bson:"text" json:"text"`
	HTML      string `bson:"html,omitempty" json:"html,omitempty"`
	Kind      string `bson:"kind" json:"kind"`
	CaseID    string `bson:"case_id,omitempty" json:"case_id,omitempty"`
	Locale    string `bson:"locale,omitempty" json:"locale,omitempty"`
	MessageID string `bson:"message_id" json:"message_id"` // without angle brackets, fixed at enqueue
	// Threading (issue 17): the Message-IDs this mail answers (without angle brackets;
	// References as one space-separated string) and the address replies go to.
	InReplyTo  string `bson:"in_reply_to,omitempty" json:"in_reply_to,omitempty"`
	References string `bson:"references,omitempty" json:"references,omitempty"`
	ReplyTo    string `bson:"reply_to,omitempty" json:"reply_to,omitempty"`
	// Secrets (a tracking link) are removed from the outbox copy of a sent message.
	Secrets []string `bson:"secrets,omitempty" json:"-"`
}

// OutboxMail is a finished message.
type OutboxMail struct {
	ID        string      `bson:"_id" json:"id"`
	Message   MailMessage `bson:"message" json:"message"`
	Status    string      `bson:"status" json:"status"`
	CreatedAt time.Time   `bson:"created_at" json:"created_at"`
	DoneAt    time.Time   `bson:"done_at" json:"done_at"`
	Attempts  int         `bson:"attempts" json:"attempts"`
	LastError string      `bson:"last_error,omitempty" json:"last_error,omitempty"`
}

// OutboxSummary is an outbox entry without the bodies, as kept (JSON-encoded) in the recent
// view.
type OutboxSummary struct {
	ID        string    `json:"id"`
	To        string    `json:"to"`
	ToName    string    `json:"to_name,omitempty"`
	Subject   string    `json:"subject"`
	Kind      string    `json:"kind"`
	CaseID    string    `json:"case_id,omitempty"`
	Locale    string    `json:"locale,omitempty"`
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	DoneAt    time.Time `json:"done_at"`
}

// Summary returns the entry as the recent view keeps it.
func (o *OutboxMail) Summary() OutboxSummary {
	return OutboxSummary{
		ID: o.ID, To: o.Message.To, ToName: o.Message.ToName, Subject: o.Message.Subject,
		Kind: o.Message.Kind, CaseID: o.Message.CaseID, Locale: o.Message.Locale,
		Status: o.Status, Attempts: o.Attempts, LastError: o.LastError,
		CreatedAt: o.CreatedAt, DoneAt: o.DoneAt,
	}
}
