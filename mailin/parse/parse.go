// Package parse reads one inbound e-mail (RFC 5322 with MIME) into what Kaiku files: the
// sender, the threading headers, the text a person wrote (with the quoted earlier conversation
// cut off and kept apart), the attachments, and whether the mail is automatic (an
// out-of-office reply, a list mail) or a bounce. It does no I/O beyond reading the message.
//
// MIME, transfer encodings (quoted-printable, base64) and charsets are go-message's; HTML is
// turned into plain text with golang.org/x/net/html, so no markup from a mail is ever kept.
package parse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // registers the charset decoders go-message uses (ISO-8859-1, Windows-1252, ...)
	gomail "github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Address is a mailbox: a display name and a lower-cased address.
type Address struct {
	Name  string
	Email string
}

// Attachment is a file of the mail: an attachment proper or an inline image.
type Attachment struct {
	Name        string
	ContentType string // as the mail declares it; the caller checks the content itself
	Inline      bool
	Size        int64
	// Data is nil when the file was over Options.MaxAttachmentBytes (TooLarge): it was read
	// and counted, never kept.
	Data     []byte
	TooLarge bool
}

// Bounce is a delivery status notification (RFC 3464) about a mail that did not arrive.
type Bounce struct {
	Recipient  string // the address that failed (Final- or Original-Recipient)
	Status     string // e.g. 5.1.1
	Action     string // failed, delayed, ...
	Diagnostic string
	// OriginalMessageID is the Message-ID of the mail that bounced (from the returned
	// message or its headers), so the bounce finds its case.
	OriginalMessageID string
}

// Mail is one parsed message.
type Mail struct {
	MessageID  string // without angle brackets; "" when the mail has none
	InReplyTo  []string
	References []string
	From       Address
	To         []Address
	Subject    string
	Date       time.Time
	// Text is what the sender wrote, as plain text, without the quoted earlier conversation;
	// Quoted is that conversation (shown only on request).
	Text     string
	Quoted   string
	FromHTML bool // the text came from an HTML part (there was no plain one)
	Files    []Attachment
	// Auto says the mail was sent by a program (an auto-reply, a list or bulk mail), with the
	// header that said so in AutoReason: it must never be answered automatically.
	Auto       bool
	AutoReason string
	Bounce     *Bounce
}

// Options bound what is kept.
type Options struct {
	MaxAttachmentBytes int64 // larger files are counted and dropped (TooLarge); default 10 MB
	MaxTextBytes       int   // the text is cut there; default 100,000
}

// ErrNotAMail is returned for input that has no header at all.
var ErrNotAMail = errors.New("parse: not an e-mail message")

// Parse reads a whole message.
func Parse(r io.Reader, opts Options) (*Mail, error) {
	if opts.MaxAttachmentBytes <= 0 {
		opts.MaxAttachmentBytes = 10 << 20
	}
	if opts.MaxTextBytes <= 0 {
		opts.MaxTextBytes = 100_000
	}
	mr, err := gomail.CreateReader(r)
	if err != nil && !message.IsUnknownCharset(err) {
		return nil, fmt.Errorf("%w: %v", ErrNotAMail, err)
	}
	h := mr.Header
	if h.Len() == 0 {
		return nil, ErrNotAMail
	}
	m := &Mail{}
	m.MessageID, _ = h.MessageID()
	m.InReplyTo, _ = h.MsgIDList("In-Reply-To")
	m.References, _ = h.MsgIDList("References")
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		m.From = Address{Name: from[0].Name, Email: strings.ToLower(from[0].Address)}
	} else if raw := h.Get("From"); raw != "" {
		m.From = Address{Email: strings.ToLower(strings.Trim(strings.TrimSpace(raw), "<>"))}
	}
	if to, err := h.AddressList("To"); err == nil {
		for _, a := range to {
			m.To = append(m.To, Address{Name: a.Name, Email: strings.ToLower(a.Address)})
		}
	}
	if s, err := h.Subject(); err == nil {
		m.Subject = oneLine(s)
	} else {
		m.Subject = oneLine(h.Get("Subject"))
	}
	m.Date, _ = h.Date()
	m.Auto, m.AutoReason = automatic(h.Header)

	topType, topParams, _ := h.ContentType()
	isReport := topType == "multipart/report" && strings.EqualFold(topParams["report-type"], "delivery-status")

	var plain, html strings.Builder
	var bounce *Bounce
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil && !message.IsUnknownCharset(err) {
			// A broken part ends the walk; what was read so far is kept.
			break
		}
		ct, params, _ := mimeType(p.Header.Get("Content-Type"))
		disp, dparams, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		switch {
		case isReport && (ct == "message/delivery-status" || ct == "message/global-delivery-status"):
			b, _ := io.ReadAll(io.LimitReader(p.Body, 64<<10))
			bounce = readDeliveryStatus(b, bounce)
		case isReport && (ct == "message/rfc822" || ct == "text/rfc822-headers" || ct == "message/rfc822-headers" || ct == "message/global-headers"):
			b, _ := io.ReadAll(io.LimitReader(p.Body, 1<<20))
			if bounce == nil {
				bounce = &Bounce{}
			}
			if th, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(b))); err == nil {
				hh := gomail.Header{Header: message.Header{Header: th}}
				bounce.OriginalMessageID, _ = hh.MessageID()
			}
		case disp != "attachment" && ct == "text/plain" && filename(params, dparams) == "":
			if plain.Len() > 0 {
				plain.WriteString("\n")
			}
			readText(&plain, p.Body, opts.MaxTextBytes)
		case disp != "attachment" && ct == "text/html" && filename(params, dparams) == "":
			readText(&html, p.Body, 4*opts.MaxTextBytes)
		default:
			name := filename(params, dparams)
			if strings.HasPrefix(ct, "text/") && name == "" {
				// A text part that is neither plain nor HTML (a calendar, a vCard) is no
				// file a customer sends knowingly; skip it.
				_, _ = io.Copy(io.Discard, p.Body)
				continue
			}
			m.Files = append(m.Files, readFile(p.Body, name, ct, disp == "inline" || p.Header.Get("Content-ID") != "", opts.MaxAttachmentBytes))
		}
	}
	m.Bounce = bounce

	text := plain.String()
	if strings.TrimSpace(text) == "" && html.Len() > 0 {
		text, m.FromHTML = HTMLToText(html.String()), true
	}
	text = normalizeText(text)
	if len(text) > opts.MaxTextBytes {
		text = cutUTF8(text, opts.MaxTextBytes)
	}
	m.Text, m.Quoted = SplitQuoted(text)
	return m, nil
}

// mimeType parses a Content-Type, lower-casing the type; an empty one is text/plain.
func mimeType(v string) (string, map[string]string, error) {
	if strings.TrimSpace(v) == "" {
		return "text/plain", map[string]string{}, nil
	}
	t, params, err := mime.ParseMediaType(v)
	if err != nil {
		// An unparsable type is treated as a file (application/octet-stream).
		return "application/octet-stream", map[string]string{}, err
	}
	return strings.ToLower(t), params, nil
}

// filename is the part's file name (RFC 2231 and RFC 2047 decoded), from the disposition or
// the type's name parameter, without any directory.
func filename(params, dparams map[string]string) string {
	n := dparams["filename"]
	if n == "" {
		n = params["name"]
	}
	if n == "" {
		return ""
	}
	if dec, err := (&mime.WordDecoder{CharsetReader: message.CharsetReader}).DecodeHeader(n); err == nil {
		n = dec
	}
	n = path.Base(strings.ReplaceAll(n, "\\", "/"))
	if n == "." || n == "/" {
		return ""
	}
	return oneLine(n)
}

func readText(b *strings.Builder, r io.Reader, limit int) {
	data, _ := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	_, _ = io.Copy(io.Discard, r)
	b.Write(data)
}

func readFile(r io.Reader, name, ct string, inline bool, max int64) Attachment {
	a := Attachment{Name: name, ContentType: ct, Inline: inline}
	data, _ := io.ReadAll(io.LimitReader(r, max+1))
	if int64(len(data)) > max {
		rest, _ := io.Copy(io.Discard, r)
		a.Size, a.TooLarge = int64(len(data))+rest, true
		return a
	}
	a.Data, a.Size = data, int64(len(data))
	return a
}

// automatic tells whether a program sent the mail, by the headers auto-responders and list
// servers set (RFC 3834's Auto-Submitted, Precedence, and the common vendor headers).
func automatic(h message.Header) (bool, string) {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return true, "Auto-Submitted: " + v
	}
	switch v := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); v {
	case "bulk", "junk", "list", "auto_reply":
		return true, "Precedence: " + v
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply", "X-AutoReply-From", "X-Mail-Autoreply"} {
		if v := h.Get(k); v != "" && !strings.EqualFold(strings.TrimSpace(v), "no") {
			return true, k
		}
	}
	// Exchange and Outlook mark out-of-office replies with these.
	if v := h.Get("X-Auto-Response-Suppress"); v != "" && (strings.Contains(strings.ToLower(v), "oof") || strings.EqualFold(strings.TrimSpace(v), "all")) {
		return true, "X-Auto-Response-Suppress"
	}
	if h.Get("X-MS-Exchange-Generated-Message-Source") != "" || h.Get("X-MS-Exchange-Inbox-Rules-Loop") != "" {
		return true, "X-MS-Exchange auto-generated"
	}
	if h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != "" {
		return true, "mailing list"
	}
	return false, ""
}

// readDeliveryStatus reads the per-message and per-recipient fields of a
// message/delivery-status part; the first failed recipient wins.
func readDeliveryStatus(b []byte, prev *Bounce) *Bounce {
	out := prev
	if out == nil {
		out = &Bounce{}
	}
	// The part is header blocks separated by blank lines; each is read as a header.
	for _, block := range bytes.Split(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n\n")) {
		th, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(append(bytes.TrimSpace(block), '\n', '\n'))))
		if err != nil {
			continue
		}
		rcpt := th.Get("Final-Recipient")
		if rcpt == "" {
			rcpt = th.Get("Original-Recipient")
		}
		if rcpt == "" || (out.Recipient != "" && out.Action == "failed") {
			continue
		}
		if _, addr, ok := strings.Cut(rcpt, ";"); ok {
			rcpt = addr
		}
		out.Recipient = strings.ToLower(strings.Trim(strings.TrimSpace(rcpt), "<>"))
		out.Action = strings.ToLower(strings.TrimSpace(th.Get("Action")))
		out.Status = strings.TrimSpace(th.Get("Status"))
		out.Diagnostic = oneLine(th.Get("Diagnostic-Code"))
	}
	return out
}

// oneLine collapses white space, line breaks included.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// normalizeText makes line breaks \n, drops control characters other than tab and newline
// and invalid UTF-8, trims trailing spaces per line and blank lines at the ends.
func normalizeText(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f || r == '\u00a0' {
			if r == '\u00a0' {
				return ' '
			}
			return -1
		}
		return r
	}, s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

func cutUTF8(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
