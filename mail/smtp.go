package mail

import (
	"context"
	"errors"
	"fmt"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"github.com/kaiku-helpdesk/kaiku/store"
)

// permanentError marks a failure that no retry can fix (a message the library refuses to
// build, a 5xx rejection).
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

func isPermanent(err error) bool {
	var p permanentError
	if errors.As(err, &p) {
		return true
	}
	// A 5xx answer to MAIL, RCPT or DATA: the server refuses this message for good. Failures
	// before that (connection, TLS, authentication) are retried: they are usually passing, and
	// a configuration mistake is fixed by an admin while the message waits.
	var se *gomail.SendError
	return errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500
}

// build turns a stored message into a go-mail message with Kaiku's headers: From with the
// configured name, To with the recipient's name, the subject (RFC 2047 encoded by the library
// when not ASCII), Date (when the message was queued), the Message-ID fixed at enqueue (the
// same on every attempt), Auto-Submitted for generated mail, a text/plain UTF-8 body
// (quoted-printable) and the optional text/html alternative.
func (m *Mailer) build(q *store.QueuedMail) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.FromFormat(m.cfg.FromName, m.cfg.From); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := msg.AddToFormat(q.Message.ToName, q.Message.To); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	msg.Subject(q.Message.Subject)
	msg.SetDateWithValue(q.CreatedAt)
	msg.SetMessageIDWithValue(q.Message.MessageID)
	if q.Message.InReplyTo != "" {
		msg.SetGenHeader(gomail.HeaderInReplyTo, "<"+q.Message.InReplyTo+">")
	}
	if q.Message.References != "" {
		msg.SetGenHeader(gomail.HeaderReferences, "<"+strings.Join(strings.Fields(q.Message.References), "> <")+">")
	}
	if q.Message.ReplyTo != "" {
		if err := msg.ReplyTo(q.Message.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
	}
	if AutoSubmitted(q.Message.Kind) {
		msg.SetGenHeader("Auto-Submitted", "auto-generated")
		msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	}
	if q.Message.Locale != "" {
		msg.SetGenHeader(gomail.HeaderContentLang, q.Message.Locale)
	}
	msg.SetBodyString(gomail.TypeTextPlain, q.Message.Text)
	if q.Message.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, q.Message.HTML)
	}
	return msg, nil
}

// client builds an SMTP client for the configuration.
func (m *Mailer) client() (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(m.cfg.Port),
		gomail.WithTimeout(m.cfg.Timeout),
	}
	switch m.cfg.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if m.cfg.Username != "" {
		// Auto-discovery picks the strongest mechanism the server offers, and never a
		// clear-text one (PLAIN, LOGIN) on a connection without TLS.
		opts = append(opts,
			gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(m.cfg.Username),
			gomail.WithPassword(m.cfg.Password))
	}
	return gomail.NewClient(m.cfg.Host, opts...)
}

// send delivers one message over one SMTP connection.
func (m *Mailer) send(ctx context.Context, q *store.QueuedMail) error {
	msg, err := m.build(q)
	if err != nil {
		return permanentError{err}
	}
	c, err := m.client()
	if err != nil {
		return permanentError{err}
	}
	conn, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("connect to %s:%d: %w", m.cfg.Host, m.cfg.Port, err)
	}
	sendErr := c.SendWithSMTPClient(conn, msg)
	_ = c.CloseWithSMTPClient(conn) // once the server accepted the data, a failing QUIT is moot
	if msg.IsDelivered() {
		return nil // accepted; a later RSET failure does not undo that
	}
	if sendErr != nil {
		return fmt.Errorf("smtp %s:%d: %w", m.cfg.Host, m.cfg.Port, sendErr)
	}
	return errors.New("smtp: message not accepted")
}
