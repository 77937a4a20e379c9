// Package mail sends Kaiku's outbound e-mail (the customer's acknowledgement, agents' replies,
// notifications) through a durable queue in the database.
//
// Enqueue stores the message (collection mail_queue) and wakes the worker; it returns once the
// message is durable, so a crash after it loses nothing. Run is the worker: it claims each due
// message atomically (see store.ClaimDueMails), so several replicas can run it on one database and
// each message is sent once; it sends over SMTP (github.com/wneessen/go-mail) and moves the
// message to the outbox (mail_outbox) as "sent", retries temporary failures with exponential
// backoff, and after the last attempt (or a permanent 5xx rejection) records it as "failed".
// Without an SMTP server configured, messages go straight to the outbox as "stored", where
// admins can read them in the web app.
//
// Delivery is exactly once as long as the database write after a successful send works: a
// crash between the SMTP server's acceptance and that write makes the message be sent again
// after the claim expires (with the same Message-ID, so mail clients can fold the two).
package mail

import (
	"errors"
	"fmt"
	netmail "net/mail"
	"slices"
	"strings"
	"unicode"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// Message kinds. Kind is free text; these are the ones Kaiku sends.
const (
	KindAck          = "ack"          // acknowledgement of a new complaint
	KindReply        = "reply"        // an agent's reply e-mailed to the customer
	KindNotification = "notification" // anything else the system tells someone
)

// Message is one outbound e-mail.
type Message struct {
	To      string // the recipient's bare address
	ToName  string // the recipient's display name (may be empty)
	Subject string
	Text    string // the text/plain body (required)
	HTML    string // an optional text/html alternative
	Kind    string // KindAck, KindReply, KindNotification, ...; empty means notification
	CaseID  string // the case it belongs to, if any
	Locale  string // "en", "fi", ...
	// Secrets are strings (the private tracking link) cut from the copy kept in the outbox
	// once the message is sent, so the database does not keep them in clear after delivery.
	// The templates fill it.
	Secrets []string
	// Threading (issue 17): the Message-IDs (without angle brackets) this mail answers, and
	// the address the customer's reply should go to ("" = none: replies reach nobody).
	InReplyTo  string
	References []string
	ReplyTo    string
}

// AutoSubmitted reports whether messages of kind carry "Auto-Submitted: auto-generated" (RFC
// 3834), which tells auto-responders not to answer. Everything Kaiku generates does, except an
// agent's reply: that is a person writing, and an out-of-office answer to it is useful.
func AutoSubmitted(kind string) bool { return kind != KindReply }

// ErrInvalidMessage is returned by Enqueue for a message that cannot be sent.
var ErrInvalidMessage = errors.New("mail: invalid message")

const maxBodyBytes = 1 << 20

// normalize checks msg and returns it as stored: a bare recipient address, no control
// characters in header fields, line breaks as \n, defaults for kind and locale.
func normalize(msg Message) (models.MailMessage, error) {
	bad := func(format string, a ...any) (models.MailMessage, error) {
		return models.MailMessage{}, fmt.Errorf("%w: "+format, append([]any{ErrInvalidMessage}, a...)...)
	}
	to := strings.TrimSpace(msg.To)
	addr, err := netmail.ParseAddress(to)
	if to == "" || err != nil || addr.Address != to || addr.Name != "" {
		return bad("recipient %q is not a bare e-mail address", msg.To)
	}
	subject := headerText(msg.Subject)
	if subject == "" {
		return bad("empty subject")
	}
	text := strings.ReplaceAll(strings.ReplaceAll(msg.Text, "\r\n", "\n"), "\r", "\n")
	if strings.TrimSpace(text) == "" {
		return bad("empty text body")
	}
	if len(text) > maxBodyBytes || len(msg.HTML) > maxBodyBytes {
		return bad("body over %d bytes", maxBodyBytes)
	}
	kind := strings.TrimSpace(msg.Kind)
	if kind == "" {
		kind = KindNotification
	}
	locale := strings.TrimSpace(msg.Locale)
	if locale == "" {
		locale = "en"
	}
	var secrets []string
	for _, s := range msg.Secrets {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	if ref := headerText(msg.CaseID); ref != "" && !strings.Contains(subject, ref) {
		// The reference in the subject lets a reply find its case when a mail program drops
		// the threading headers.
		subject += " [" + ref + "]"
	}
	var replyTo string
	if rt := strings.TrimSpace(msg.ReplyTo); rt != "" {
		if a, err := netmail.ParseAddress(rt); err == nil && a.Address == rt {
			replyTo = rt
		}
	}
	var refs []string
	for _, r := range msg.References {
		if id := msgID(r); id != "" && !slices.Contains(refs, id) {
			refs = append(refs, id)
		}
	}
	return models.MailMessage{
		To: to, ToName: headerText(msg.ToName), Subject: subject, Text: text, HTML: msg.HTML,
		Kind: kind, CaseID: msg.CaseID, Locale: locale, Secrets: secrets,
		InReplyTo: msgID(msg.InReplyTo), References: strings.Join(refs, " "), ReplyTo: replyTo,
	}, nil
}

// msgID is a Message-ID without angle brackets, or "" when it is not one (white space,
// controls or brackets inside, no @).
func msgID(s string) string {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "<"), ">")
	if s == "" || len(s) > 250 || !strings.Contains(s, "@") || strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == '<' || r == '>'
	}) {
		return ""
	}
	return s
}

// headerText makes s safe for a header field: control characters (line breaks above all)
// become spaces, runs of spaces collapse, the ends are trimmed. Encoding non-ASCII text is the
// SMTP library's job.
func headerText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
