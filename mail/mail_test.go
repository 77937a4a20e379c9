package mail_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/queueworker"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// ---- a small SMTP server (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) ----

type received struct {
	From string
	To   []string
	Data string // the message as sent, dot-unstuffed, lines ending in \n
}

type smtpServer struct {
	ln   net.Listener
	port int

	mu         sync.Mutex
	failData   int             // answer 451 to this many DATA commands (-1: always)
	rejectRcpt map[string]bool // answer 550 to RCPT TO these addresses
	dataCmds   int
	mails      []received
	conns      sync.WaitGroup
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, port: ln.Addr().(*net.TCPAddr).Port, rejectRcpt: map[string]bool{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			go func() { defer s.conns.Done(); s.serve(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done; s.conns.Wait() })
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(c)
	reply := func(format string, a ...any) { _ = tp.PrintfLine(format, a...) }
	reply("220 kaiku-test ESMTP ready")
	var cur received
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			reply("250-kaiku-test greets %s", arg)
			reply("250 8BITMIME")
		case "HELO":
			reply("250 kaiku-test")
		case "MAIL":
			cur = received{From: addrArg(arg)}
			reply("250 OK")
		case "RCPT":
			to := addrArg(arg)
			s.mu.Lock()
			reject := s.rejectRcpt[to]
			s.mu.Unlock()
			if reject {
				reply("550 No such user here")
				continue
			}
			cur.To = append(cur.To, to)
			reply("250 OK")
		case "DATA":
			s.mu.Lock()
			s.dataCmds++
			fail := s.failData != 0
			if s.failData > 0 {
				s.failData--
			}
			s.mu.Unlock()
			if fail {
				reply("451 Requested action aborted: local error in processing")
				continue
			}
			reply("354 End data with <CR><LF>.<CR><LF>")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			cur.Data = string(data)
			s.mu.Lock()
			s.mails = append(s.mails, cur)
			s.mu.Unlock()
			cur = received{}
			reply("250 OK: queued")
		case "RSET":
			cur = received{}
			reply("250 OK")
		case "NOOP":
			reply("250 OK")
		case "QUIT":
			reply("221 Bye")
			return
		default:
			reply("502 Command not implemented")
		}
	}
}

// addrArg takes the address out of "FROM:<a@b> BODY=8BITMIME" or "TO:<a@b>".
func addrArg(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.mails...)
}

func (s *smtpServer) counts() (dataCmds, mails int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dataCmds, len(s.mails)
}

// ---- test helpers ----

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func smtpConfig(s *smtpServer) mail.Config {
	return mail.Config{Host: "127.0.0.1", Port: s.port, TLS: mail.TLSNone,
		From: "tuki@kaiku.test", FromName: "Kaiku Tuki", Timeout: 5 * time.Second}
}

// newMailer builds a Mailer whose worker wakes only on Kick (the poll interval is an hour), so
// the tests decide when it looks at the queue.
func newMailer(t *testing.T, st *store.Store, cfg mail.Config, clock *fakeClock, tune func(*mail.Options)) *mail.Mailer {
	t.Helper()
	opts := mail.Options{Clock: clock.Now,
		Settings: queueworker.Settings{PollInterval: time.Hour, RetryBase: time.Minute, RetryMax: time.Hour, MaxAttempts: 5}}
	if tune != nil {
		tune(&opts)
	}
	m, err := mail.New(st, cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// run starts the worker and stops it (waiting for it) when the test ends.
func run(t *testing.T, m *mail.Mailer) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// eventually waits until cond holds, checking every few milliseconds, or fails after 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func outbox(t *testing.T, m *mail.Mailer) []models.OutboxSummary {
	t.Helper()
	list, err := m.ListOutbox(context.Background(), store.OutboxRecentCap)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func queue(t *testing.T, m *mail.Mailer) []store.QueuedMail {
	t.Helper()
	q, err := m.ListQueue(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// parsed is a received message taken apart.
type parsed struct {
	Header netmail.Header
	Text   string // the decoded text/plain part
	HTML   string // the decoded text/html part, if any
	Type   string // the top-level media type
}

func parse(t *testing.T, data string) parsed {
	t.Helper()
	msg, err := netmail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("not an RFC 5322 message: %v\n%s", err, data)
	}
	p := parsed{Header: msg.Header}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("content type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	p.Type = mediaType
	readPart := func(h textproto.MIMEHeader, body io.Reader) {
		ct, cparams, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil {
			t.Fatalf("part content type %q: %v", h.Get("Content-Type"), err)
		}
		if !strings.EqualFold(cparams["charset"], "utf-8") {
			t.Errorf("part %s charset = %q, want UTF-8", ct, cparams["charset"])
		}
		if cte := h.Get("Content-Transfer-Encoding"); strings.EqualFold(cte, "quoted-printable") {
			body = quotedprintable.NewReader(body)
		} else if cte != "" && cte != "7bit" && cte != "8bit" {
			t.Fatalf("unexpected transfer encoding %q", cte)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), "\r\n", "\n")
		switch ct {
		case "text/plain":
			p.Text = text
		case "text/html":
			p.HTML = text
		}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(msg.Body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			readPart(part.Header, part)
		}
	} else {
		readPart(textproto.MIMEHeader(msg.Header), msg.Body)
	}
	return p
}

// ---- configuration ----

func TestConfigFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := mail.ConfigFromEnv(env())
	if err != nil {
		t.Fatal(err)
	}
	if c.Enabled() || c.Port != 587 || c.TLS != mail.TLSStartTLS || c.From != "noreply@localhost" || c.FromName != "Kaiku" || c.Timeout != mail.DefaultTimeout {
		t.Fatalf("defaults: %+v", c)
	}

	c, err = mail.ConfigFromEnv(env("KAIKU_SMTP_HOST", "smtp.example.com", "KAIKU_SMTP_USERNAME", "kaiku",
		"KAIKU_SMTP_PASSWORD", "s3cret", "KAIKU_SMTP_FROM", "Acme Tuki <tuki@acme.fi>"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Enabled() || c.Host != "smtp.example.com" || c.Port != 587 || c.From != "tuki@acme.fi" || c.FromName != "Acme Tuki" || c.Username != "kaiku" || c.Password != "s3cret" {
		t.Fatalf("parsed: %+v", c)
	}
	if s := c.String(); strings.Contains(s, "s3cret") {
		t.Fatalf("String() shows the password: %s", s)
	}

	c, err = mail.ConfigFromEnv(env("KAIKU_SMTP_HOST", "smtp.example.com", "KAIKU_SMTP_TLS", "TLS"))
	if err != nil || c.TLS != mail.TLSImplicit || c.Port != 465 {
		t.Fatalf("implicit TLS: %+v %v", c, err)
	}
	c, err = mail.ConfigFromEnv(env("KAIKU_SMTP_HOST", "localhost", "KAIKU_SMTP_TLS", "none", "KAIKU_SMTP_PORT", "2525"))
	if err != nil || c.TLS != mail.TLSNone || c.Port != 2525 {
		t.Fatalf("loopback without TLS: %+v %v", c, err)
	}

	for name, e := range map[string]func(string) string{
		"none off loopback":   env("KAIKU_SMTP_HOST", "smtp.example.com", "KAIKU_SMTP_TLS", "none"),
		"unknown tls":         env("KAIKU_SMTP_HOST", "smtp.example.com", "KAIKU_SMTP_TLS", "ssl3"),
		"bad port":            env("KAIKU_SMTP_HOST", "smtp.example.com", "KAIKU_SMTP_PORT", "99999"),
		"port not a number":   env("KAIKU_SMTP_HOST", "smtp.example.com", "KAIKU_SMTP_PORT", "smtp"),
		"bad from":            env("KAIKU_SMTP_FROM", "not an address"),
		"password, no user":   env("KAIKU_SMTP_HOST", "smtp.example.com", "KAIKU_SMTP_PASSWORD", "x"),
		"host with a newline": env("KAIKU_SMTP_HOST", "smtp.example.com\r\nRCPT TO:<x@y>"),
	} {
		if _, err := mail.ConfigFromEnv(e); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// ---- templates ----

func TestTemplates(t *testing.T) {
	const ref, link = "K-2026-000042", "https://help.example.com/t/Zx9-secret-token"
	en := mail.Acknowledgement("en-GB", ref, link, "Aino Virtanen", 24)
	fi := mail.Acknowledgement("fi_FI", ref, link, "Aino Virtanen", 1)
	for _, m := range []mail.Message{en, fi} {
		if !strings.Contains(m.Subject, ref) || !strings.Contains(m.Text, ref) || !strings.Contains(m.Text, link) {
			t.Errorf("%s acknowledgement lacks the reference or link:\n%s\n%s", m.Locale, m.Subject, m.Text)
		}
		if m.Kind != mail.KindAck || m.ToName != "Aino Virtanen" || len(m.Secrets) != 1 || m.Secrets[0] != link {
			t.Errorf("%s acknowledgement fields: %+v", m.Locale, m)
		}
	}
	if en.Locale != "en" || !strings.Contains(en.Text, "Hello Aino Virtanen,") || !strings.Contains(en.Text, "within 24 hours") {
		t.Errorf("English acknowledgement:\n%s", en.Text)
	}
	if fi.Locale != "fi" || !strings.Contains(fi.Text, "Hei Aino Virtanen,") || !strings.Contains(fi.Text, "1 tunnin kuluessa") {
		t.Errorf("Finnish acknowledgement:\n%s", fi.Text)
	}
	if one := mail.Acknowledgement("en", ref, link, "", 1); !strings.Contains(one.Text, "within 1 hour.") || !strings.HasPrefix(one.Text, "Hello,\n") {
		t.Errorf("singular hour / no name:\n%s", one.Text)
	}
	if none := mail.Acknowledgement("sv", ref, link, "A", 0); none.Locale != "en" || strings.Contains(none.Text, "within") {
		t.Errorf("no promise, unknown locale:\n%s", none.Text)
	}
	// A name is one short line: the public form must not be able to put a message in it.
	long := mail.Acknowledgement("en", ref, link, "Eve\r\nClick https://evil.example/"+strings.Repeat("x", 200), 24)
	if strings.Contains(long.ToName, "\n") || len([]rune(long.ToName)) > 60 || strings.Contains(long.Text, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") {
		t.Errorf("name not confined: %q", long.ToName)
	}

	r := mail.ReplyNotification("fi", ref, link, "Aino", "Mikko", "Hyvitämme tilauksen.\r\nTerveisin Mikko", nil)
	if r.Kind != mail.KindReply || !strings.Contains(r.Text, "Mikko asiakaspalvelustamme") ||
		!strings.Contains(r.Text, "Hyvitämme tilauksen.\nTerveisin Mikko") || !strings.Contains(r.Text, link) || !strings.Contains(r.Subject, ref) {
		t.Errorf("Finnish reply:\n%s\n%s", r.Subject, r.Text)
	}
	r = mail.ReplyNotification("en", ref, link, "Aino", "", "We refunded the order.", nil)
	if !strings.Contains(r.Text, "Our customer service has replied to your case "+ref) || !strings.Contains(r.Text, "We refunded the order.") {
		t.Errorf("English reply:\n%s", r.Text)
	}
	if strings.Contains(r.Text, "Files with this reply") {
		t.Errorf("a reply without files lists files:\n%s", r.Text)
	}
	// A reply's files are named, one line each, and fetched from the tracking page.
	r = mail.ReplyNotification("en", ref, link, "Aino", "Mikko", "Here is the label.", []string{"return-label.pdf", "photo\r\nBcc: x.png"})
	if !strings.Contains(r.Text, "Files with this reply (download them from your case page, linked below):\n- return-label.pdf\n- photo Bcc: x.png\n\nRead the whole conversation") {
		t.Errorf("English reply with files:\n%s", r.Text)
	}
	r = mail.ReplyNotification("fi", ref, link, "Aino", "Mikko", "Palautuslappu liitteenä.", []string{"lappu.pdf"})
	if !strings.Contains(r.Text, "Vastauksen liitteet (lataa ne asiasi sivulta alla olevasta linkistä):\n- lappu.pdf\n") {
		t.Errorf("Finnish reply with files:\n%s", r.Text)
	}
}

// ---- delivery ----

func TestAcknowledgementIsDeliveredWithHeadersAndNeverEchoesTheComplaint(t *testing.T) {
	ctx := context.Background()
	srv := startSMTP(t)
	env := storetest.Start(t)
	clock := newClock()
	m := newMailer(t, env.Store, smtpConfig(srv), clock, nil)
	run(t, m)

	// The case as the intake stores it, with complaint text the mail must never contain.
	const sentinel = "SENTINEL-complaint-text-7f3a"
	c := env.InsertCase(t, storetest.WithSubject(sentinel+" subject"))
	c.Description = sentinel + " description"
	link := "https://help.example.com/t/tok-0123456789abcdef"

	ack := mail.Acknowledgement("fi", c.ID, link, "Äijälä Aino", 24)
	ack.To, ack.CaseID = "aino@example.com", c.ID
	if err := m.Enqueue(ctx, ack); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the acknowledgement to be delivered", func() bool {
		return len(srv.received()) == 1 && len(outbox(t, m)) == 1 && len(queue(t, m)) == 0
	})
	got := srv.received()[0]
	if got.From != "tuki@kaiku.test" || len(got.To) != 1 || got.To[0] != "aino@example.com" {
		t.Fatalf("envelope: %+v", got)
	}
	if strings.Contains(got.Data, sentinel) {
		t.Fatalf("the acknowledgement echoes the complaint text:\n%s", got.Data)
	}
	p := parse(t, got.Data)

	// Headers.
	rawSubject := p.Header.Get("Subject")
	for _, r := range rawSubject {
		if r > 127 {
			t.Fatalf("subject header not encoded: %q", rawSubject)
		}
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(rawSubject)
	if err != nil || subject != "Olemme vastaanottaneet viestisi – viite "+c.ID {
		t.Fatalf("subject %q decodes to %q (%v)", rawSubject, subject, err)
	}
	from, err := p.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Kaiku Tuki" || from[0].Address != "tuki@kaiku.test" {
		t.Fatalf("From %q: %v %v", p.Header.Get("From"), from, err)
	}
	to, err := p.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Äijälä Aino" || to[0].Address != "aino@example.com" {
		t.Fatalf("To %q: %v %v", p.Header.Get("To"), to, err)
	}
	date, err := p.Header.Date()
	if err != nil || !date.Equal(clock.Now()) {
		t.Fatalf("Date %q = %v (%v), want the enqueue time %v", p.Header.Get("Date"), date, err, clock.Now())
	}
	list := outbox(t, m)
	if len(list) != 1 || list[0].Status != models.OutboxSent || list[0].Attempts != 1 || list[0].CaseID != c.ID || list[0].Kind != mail.KindAck {
		t.Fatalf("outbox: %+v", list)
	}
	if want := "<" + list[0].ID + "@kaiku.test>"; p.Header.Get("Message-Id") != want {
		t.Fatalf("Message-ID %q, want %q", p.Header.Get("Message-Id"), want)
	}
	if p.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Fatalf("Auto-Submitted = %q", p.Header.Get("Auto-Submitted"))
	}
	if p.Header.Get("Mime-Version") != "1.0" || p.Type != "text/plain" {
		t.Fatalf("MIME: version %q type %q", p.Header.Get("Mime-Version"), p.Type)
	}

	// Body: the reference, the link, the promise, the name; UTF-8 intact.
	if p.Text != ack.Text {
		t.Fatalf("body differs from the template:\n got %q\nwant %q", p.Text, ack.Text)
	}
	for _, want := range []string{c.ID, link, "24 tunnin kuluessa", "Hei Äijälä Aino,", "älä jaa sitä"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("body lacks %q", want)
		}
	}

	// The outbox copy keeps the mail readable but not the private link once it is sent.
	full, err := m.GetOutboxMessage(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(full.Message.Text, link) || !strings.Contains(full.Message.Text, c.ID) || len(full.Message.Secrets) != 0 {
		t.Fatalf("outbox copy:\n%s", full.Message.Text)
	}
	if q := queue(t, m); len(q) != 0 {
		t.Fatalf("queue not empty after delivery: %+v", q)
	}
	if _, err := m.GetOutboxMessage(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing outbox message: %v", err)
	}
}

func TestReplyWithHTMLAlternativeIsNotAutoSubmitted(t *testing.T) {
	srv := startSMTP(t)
	env := storetest.Start(t)
	m := newMailer(t, env.Store, smtpConfig(srv), newClock(), nil)
	run(t, m)

	msg := mail.ReplyNotification("en", "K-2026-000007", "https://help.example.com/t/abc", "Aino", "Mikko", "Refund sent.", nil)
	msg.To, msg.CaseID = "aino@example.com", "K-2026-000007"
	msg.HTML = "<p>Refund <b>sent</b>.</p>"
	if err := m.Enqueue(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the reply to arrive", func() bool { return len(srv.received()) == 1 })
	p := parse(t, srv.received()[0].Data)
	if p.Type != "multipart/alternative" || p.Text != msg.Text || p.HTML != msg.HTML {
		t.Fatalf("type %q\ntext %q\nhtml %q", p.Type, p.Text, p.HTML)
	}
	if p.Header.Get("Auto-Submitted") != "" {
		t.Fatalf("an agent's reply is marked Auto-Submitted: %q", p.Header.Get("Auto-Submitted"))
	}
}

func TestTemporaryFailureIsRetriedWithBackoff(t *testing.T) {
	ctx := context.Background()
	srv := startSMTP(t)
	srv.failData = 1 // the first DATA gets 451
	env := storetest.Start(t)
	clock := newClock()
	m := newMailer(t, env.Store, smtpConfig(srv), clock, nil)
	run(t, m)

	start := clock.Now()
	msg := mail.Message{To: "aino@example.com", Subject: "Hyvää päivää – äöå", Text: "Hei!\n", Kind: mail.KindNotification}
	if err := m.Enqueue(ctx, msg); err != nil {
		t.Fatal(err)
	}
	var q []store.QueuedMail
	eventually(t, "the first attempt to be recorded", func() bool {
		q = queue(t, m)
		return len(q) == 1 && q[0].Attempts == 1
	})
	if !q[0].NextAttemptAt.Equal(start.Add(time.Minute)) || !strings.Contains(q[0].LastError, "451") || q[0].ClaimedBy != "" {
		t.Fatalf("after a 451: %+v", q[0])
	}
	// Not due yet: a pass now does nothing.
	if n, err := m.ProcessDue(ctx); err != nil || n != 0 {
		t.Fatalf("pass before the retry time handled %d (%v)", n, err)
	}
	if len(outbox(t, m)) != 0 || len(srv.received()) != 0 {
		t.Fatal("delivered before the retry")
	}

	clock.Advance(time.Minute)
	m.Kick()
	eventually(t, "the retry to deliver", func() bool { return len(outbox(t, m)) == 1 && len(queue(t, m)) == 0 })
	o := outbox(t, m)[0]
	if o.Status != models.OutboxSent || o.Attempts != 2 {
		t.Fatalf("outbox after retry: %+v", o)
	}
	dataCmds, mails := srv.counts()
	if dataCmds != 2 || mails != 1 {
		t.Fatalf("server saw %d DATA commands and %d mails, want 2 and 1", dataCmds, mails)
	}
	p := parse(t, srv.received()[0].Data)
	if s, _ := new(mime.WordDecoder).DecodeHeader(p.Header.Get("Subject")); s != msg.Subject {
		t.Fatalf("subject %q", s)
	}
	if len(queue(t, m)) != 0 {
		t.Fatal("queue not empty")
	}
}

func TestFailedAfterMaxAttempts(t *testing.T) {
	ctx := context.Background()
	srv := startSMTP(t)
	srv.failData = -1 // always 451
	env := storetest.Start(t)
	clock := newClock()
	m := newMailer(t, env.Store, smtpConfig(srv), clock, func(o *mail.Options) { o.MaxAttempts = 3 })
	run(t, m)

	if err := m.Enqueue(ctx, mail.Message{To: "aino@example.com", Subject: "S", Text: "T"}); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; attempt < 3; attempt++ {
		var q []store.QueuedMail
		eventually(t, fmt.Sprintf("attempt %d", attempt), func() bool {
			q = queue(t, m)
			return len(q) == 1 && q[0].Attempts == attempt
		})
		wait := time.Minute << (attempt - 1) // 1m, then 2m
		if got := q[0].NextAttemptAt.Sub(clock.Now()); got != wait {
			t.Fatalf("after attempt %d the wait is %v, want %v", attempt, got, wait)
		}
		clock.Advance(wait)
		m.Kick()
	}
	eventually(t, "the message to be given up", func() bool { return len(outbox(t, m)) == 1 && len(queue(t, m)) == 0 })
	o := outbox(t, m)[0]
	if o.Status != models.OutboxFailed || o.Attempts != 3 || !strings.Contains(o.LastError, "451") {
		t.Fatalf("outbox: %+v", o)
	}
	if dataCmds, mails := srv.counts(); dataCmds != 3 || mails != 0 {
		t.Fatalf("server saw %d DATA, %d mails", dataCmds, mails)
	}
	if len(queue(t, m)) != 0 {
		t.Fatal("queue not empty after giving up")
	}
}

func TestPermanentRejectionFailsAtOnce(t *testing.T) {
	srv := startSMTP(t)
	srv.rejectRcpt["gone@example.com"] = true
	env := storetest.Start(t)
	m := newMailer(t, env.Store, smtpConfig(srv), newClock(), nil)
	run(t, m)
	if err := m.Enqueue(context.Background(), mail.Message{To: "gone@example.com", Subject: "S", Text: "T"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the rejection to be recorded", func() bool { return len(outbox(t, m)) == 1 })
	if o := outbox(t, m)[0]; o.Status != models.OutboxFailed || o.Attempts != 1 || !strings.Contains(o.LastError, "550") {
		t.Fatalf("outbox: %+v", o)
	}
}

func TestTwoWorkersDeliverEachMessageOnce(t *testing.T) {
	ctx := context.Background()
	srv := startSMTP(t)
	env := storetest.Start(t)
	clock := newClock()
	// Two Mailers with their own worker ids, as on two replicas, on one database.
	a := newMailer(t, env.Store, smtpConfig(srv), clock, func(o *mail.Options) { o.WorkerID = "replica-a"; o.BatchSize = 7 })
	b := newMailer(t, env.Store, smtpConfig(srv), clock, func(o *mail.Options) { o.WorkerID = "replica-b"; o.BatchSize = 7 })
	const n = 30
	for i := 0; i < n; i++ {
		m := a
		if i%2 == 1 {
			m = b
		}
		if err := m.Enqueue(ctx, mail.Message{To: fmt.Sprintf("c%d@example.com", i), Subject: fmt.Sprintf("n%d", i), Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	run(t, a)
	run(t, b)
	eventually(t, "every message in the outbox", func() bool {
		o, q := outbox(t, a), queue(t, a)
		return len(o) == n && len(q) == 0
	})

	seen := map[string]int{}
	for _, r := range srv.received() {
		seen[parse(t, r.Data).Header.Get("Message-Id")]++
	}
	for _, o := range outbox(t, a) {
		if o.Status != models.OutboxSent || o.Attempts != 1 {
			t.Errorf("outbox entry %+v", o)
		}
		if c := seen["<"+o.ID+"@kaiku.test>"]; c != 1 {
			t.Errorf("message %s (%s) delivered %d times", o.ID, o.Subject, c)
		}
	}
	if _, mails := srv.counts(); mails != n {
		t.Fatalf("server got %d mails for %d messages", mails, n)
	}
	if len(queue(t, a)) != 0 {
		t.Fatal("queue not empty")
	}
}

func TestWithoutSMTPMessagesAreStored(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	m := newMailer(t, env.Store, mail.Config{}, newClock(), nil)
	run(t, m)
	link := "https://help.example.com/t/tok-abc"
	ack := mail.Acknowledgement("en", "K-2026-000001", link, "Aino", 8)
	ack.To, ack.CaseID = "aino@example.com", "K-2026-000001"
	if err := m.Enqueue(ctx, ack); err != nil {
		t.Fatal(err)
	}
	// Nothing to deliver: the message is in the outbox when Enqueue returns, never queued,
	// and the worker lists it among the recent ones.
	if len(queue(t, m)) != 0 {
		t.Fatal("a message was queued without SMTP")
	}
	eventually(t, "the message in the outbox", func() bool { return len(outbox(t, m)) == 1 })
	o := outbox(t, m)[0]
	if o.Status != models.OutboxStored || o.Attempts != 0 || o.To != "aino@example.com" || o.Subject != ack.Subject {
		t.Fatalf("outbox: %+v", o)
	}
	full, err := m.GetOutboxMessage(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Not sent, so an admin reading it can still pass the link on.
	if full.Message.Text != ack.Text || !strings.Contains(full.Message.Text, link) {
		t.Fatalf("stored text:\n%s", full.Message.Text)
	}
	if len(queue(t, m)) != 0 {
		t.Fatal("queue not empty")
	}
}

// A worker that stops lists what was stored since its last pass: nothing waits for a pass
// that will not come.
func TestWithoutSMTPStoppingWorkerListsWhatItStored(t *testing.T) {
	env := storetest.Start(t)
	m := newMailer(t, env.Store, mail.Config{}, newClock(), nil)
	if err := m.Enqueue(context.Background(), mail.Message{To: "a@example.com", Subject: "S", Text: "T"}); err != nil {
		t.Fatal(err)
	}
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	m.Run(stopped) // returns at once
	if list := outbox(t, m); len(list) != 1 || list[0].To != "a@example.com" {
		t.Fatalf("outbox after the worker stopped: %+v", list)
	}
}

// Messages queued while SMTP was configured are stored in the outbox by replicas started
// without it. Such a pass takes messages without claiming them: two replicas passing over the
// same messages at once must still store each exactly once and empty the queue.
func TestWithoutSMTPTwoWorkersStoreEachMessageOnce(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	clock := newClock()
	before := newMailer(t, env.Store, smtpConfig(startSMTP(t)), clock, nil) // never runs
	a := newMailer(t, env.Store, mail.Config{}, clock, func(o *mail.Options) { o.WorkerID = "replica-a" })
	b := newMailer(t, env.Store, mail.Config{}, clock, func(o *mail.Options) { o.WorkerID = "replica-b" })
	const n = 25
	for i := 0; i < n; i++ {
		if err := before.Enqueue(ctx, mail.Message{To: fmt.Sprintf("c%d@example.com", i), Subject: fmt.Sprintf("n%d", i), Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if q := queue(t, a); len(q) != n {
		t.Fatalf("%d messages queued, want %d", len(q), n)
	}
	// Both list the same due messages before either finishes.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, m := range []*mail.Mailer{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = m.ProcessDue(ctx) }()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if q := queue(t, a); len(q) != 0 {
		t.Fatalf("%d messages left in the queue", len(q))
	}
	// The second store of a message finds the first one's document and finishes without
	// failing; every message is listed once as stored.
	listed := outbox(t, b)
	for _, o := range listed {
		if o.Status != models.OutboxStored {
			t.Errorf("outbox entry %+v", o)
		}
	}
	if len(listed) != n {
		t.Fatalf("outbox lists %d messages, want %d", len(listed), n)
	}
}

func TestInterruptedFinishIsCompletedWithoutSendingAgain(t *testing.T) {
	ctx := context.Background()
	srv := startSMTP(t)
	env := storetest.Start(t)
	clock := newClock()
	m := newMailer(t, env.Store, smtpConfig(srv), clock, nil)
	if err := m.Enqueue(ctx, mail.Message{To: "aino@example.com", Subject: "S", Text: "T"}); err != nil {
		t.Fatal(err)
	}
	q := queue(t, m)[0]
	// A worker sent it and wrote the outbox, then died before deleting the queue document.
	if err := env.Store.FinishMail(ctx, &models.OutboxMail{ID: q.ID, Message: q.Message, Status: models.OutboxSent,
		CreatedAt: q.CreatedAt, DoneAt: clock.Now(), Attempts: 1}); err != nil {
		t.Fatal(err)
	}
	q.ClaimedBy, q.ClaimUntil = "dead-worker", clock.Now().Add(time.Minute)
	if err := env.Store.EnqueueMail(ctx, &q); err != nil {
		t.Fatal(err)
	}
	// While the dead worker's claim holds, nobody touches it.
	if n, err := m.ProcessDue(ctx); n != 0 || err != nil {
		t.Fatalf("claimed message handled: %d %v", n, err)
	}
	clock.Advance(time.Minute)
	if n, err := m.ProcessDue(ctx); n != 1 || err != nil {
		t.Fatalf("expired claim: handled %d (%v)", n, err)
	}
	if len(srv.received()) != 0 || len(queue(t, m)) != 0 {
		t.Fatalf("sent again (%d) or left queued", len(srv.received()))
	}
	if o := outbox(t, m); len(o) != 1 || o[0].Status != models.OutboxSent {
		t.Fatalf("outbox: %+v", o)
	}
}

func TestEnqueueValidates(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	m := newMailer(t, env.Store, mail.Config{}, newClock(), nil)
	for name, msg := range map[string]mail.Message{
		"no recipient":      {Subject: "S", Text: "T"},
		"name in To":        {To: "Aino <aino@example.com>", Subject: "S", Text: "T"},
		"two recipients":    {To: "a@example.com, b@example.com", Subject: "S", Text: "T"},
		"header injection":  {To: "a@example.com\r\nBcc: x@example.com", Subject: "S", Text: "T"},
		"empty subject":     {To: "a@example.com", Subject: " \r\n", Text: "T"},
		"empty body":        {To: "a@example.com", Subject: "S", Text: "\n"},
		"oversized body":    {To: "a@example.com", Subject: "S", Text: strings.Repeat("x", 2<<20)},
		"not even an email": {To: "aino", Subject: "S", Text: "T"},
	} {
		if err := m.Enqueue(ctx, msg); !errors.Is(err, mail.ErrInvalidMessage) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Line breaks in header fields are flattened, not passed on.
	if err := m.Enqueue(ctx, mail.Message{To: "a@example.com", ToName: "Aino\r\nBcc: x@example.com", Subject: "Hi\nBcc: y@example.com", Text: "T"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.ProcessDue(ctx); err != nil {
		t.Fatal(err)
	}
	list := outbox(t, m)
	if len(list) != 1 {
		t.Fatalf("outbox: %+v", list)
	}
	stored, err := m.GetOutboxMessage(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if msg := stored.Message; msg.ToName != "Aino Bcc: x@example.com" || msg.Subject != "Hi Bcc: y@example.com" ||
		msg.Kind != mail.KindNotification || msg.Locale != "en" {
		t.Fatalf("stored: %+v", msg)
	}
}

// The acknowledgement says when, not within how many hours: the weekday and time in the SLA
// calendar's zone and the customer's language, with the date when it is a week or more away.
func TestAcknowledgementSaysByWhen(t *testing.T) {
	hel, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, time.December, 7, 16, 0, 0, 0, hel) // a Monday
	friday := time.Date(2026, time.December, 4, 13, 5, 0, 0, time.UTC)
	for _, tc := range []struct {
		locale string
		filed  time.Time
		want   string
	}{
		{"en", friday, "Monday 16:00"},
		{"fi", friday, "maanantaina klo 16.00"},
		{"en", due.AddDate(0, 0, -8), "Monday 7 December 16:00"},
		{"fi", due.AddDate(0, 0, -8), "maanantaina 7.12. klo 16.00"},
	} {
		if got := mail.PromiseTime(tc.locale, due, tc.filed); got != tc.want {
			t.Errorf("PromiseTime(%s, filed %v) = %q, want %q", tc.locale, tc.filed, got, tc.want)
		}
	}
	// The zone is the calendar's: 14:00 UTC is 16:00 in Helsinki.
	if got := mail.PromiseTime("en", due.UTC().In(hel), friday); got != "Monday 16:00" {
		t.Errorf("in Helsinki time: %q", got)
	}
	en := mail.AcknowledgementBy("en", "K-2026-000001", "https://help.example.com/track/x", "Aino", due, friday)
	fi := mail.AcknowledgementBy("fi", "K-2026-000001", "https://help.example.com/track/x", "Aino", due, friday)
	if !strings.Contains(en.Text, "first response by Monday 16:00.") || strings.Contains(en.Text, "hours") {
		t.Errorf("English acknowledgement:\n%s", en.Text)
	}
	if !strings.Contains(fi.Text, "Vastaamme sinulle viimeistään maanantaina klo 16.00.") {
		t.Errorf("Finnish acknowledgement:\n%s", fi.Text)
	}
}

// A mail about a case is threaded for mail programs and answerable (issue 17): it carries
// In-Reply-To and References in angle brackets, Reply-To of the mailbox, and the reference in
// the subject; a header value with a line break in it is refused.
func TestMailAboutACaseCarriesItsThread(t *testing.T) {
	srv := startSMTP(t)
	env := storetest.Start(t)
	m := newMailer(t, env.Store, smtpConfig(srv), newClock(), nil)
	run(t, m)

	msg := mail.Message{To: "aino@example.com", Subject: "About your kettle", Text: "Hello!\n", Kind: mail.KindReply, CaseID: "K-2026-000042",
		InReplyTo: "<first@customer.example>", References: []string{"K-2026-000042@example.com", "first@customer.example", "bad\r\nBcc: x@y", "first@customer.example"},
		ReplyTo: "support@example.com"}
	if err := m.Enqueue(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the mail to arrive", func() bool { return len(srv.received()) == 1 })
	p := parse(t, srv.received()[0].Data)
	if got := p.Header.Get("In-Reply-To"); got != "<first@customer.example>" {
		t.Errorf("In-Reply-To %q", got)
	}
	if got := p.Header.Get("References"); got != "<K-2026-000042@example.com> <first@customer.example>" {
		t.Errorf("References %q", got)
	}
	if got := p.Header.Get("Reply-To"); got != "<support@example.com>" && got != "support@example.com" {
		t.Errorf("Reply-To %q", got)
	}
	if got := p.Header.Get("Subject"); got != "About your kettle [K-2026-000042]" {
		t.Errorf("Subject %q", got)
	}
	if p.Header.Get("Bcc") != "" {
		t.Error("a Bcc header got in")
	}
}

// A case without a customer address (an online review) gets no customer mail: every notice is
// skipped without an error, rather than queued and refused as "recipient "" is not a bare
// e-mail address" (which the demo logged for each review it resolved).
func TestCaseWithoutAnAddressGetsNoCustomerMail(t *testing.T) {
	env := storetest.Start(t)
	m := newMailer(t, env.Store, smtpConfig(startSMTP(t)), newClock(), nil) // no worker: mails stay queued
	n := mail.NewCaseNotifier(m, 8)
	ctx := context.Background()
	review := &models.Case{ID: "K-2026-000007", Locale: "fi", Customer: models.Customer{Name: "Reviewer"}}
	ask := mail.FollowUpAsk{ID: "check-1", Case: review, CheckURL: "https://help.example.com/track/x?check=1"}
	for name, send := range map[string]func() error{
		"acknowledgement": func() error { return n.Acknowledge(ctx, review, "https://help.example.com/track/x") },
		"reply":           func() error { return n.ReplySent(ctx, review, models.Message{ID: "m1", Body: "Thanks"}, "u") },
		"merge":           func() error { return n.Merged(ctx, review, review, "u") },
		"resolution":      func() error { return n.Resolved(ctx, review, "Refunded", 7, "u") },
		"follow-up":       func() error { return n.FollowUpCheck(ctx, review, "u") },
		"follow-ups":      func() error { return n.FollowUpChecks(ctx, []mail.FollowUpAsk{ask}) },
		"follow-up once":  func() error { return n.FollowUpCheckOnce(ctx, ask) },
	} {
		if err := send(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	withAddress := *review
	withAddress.Customer.Email = "aino@example.com"
	if err := n.Resolved(ctx, &withAddress, "Refunded", 7, "u"); err != nil {
		t.Fatal(err)
	}
	queued := queue(t, m)
	if len(queued) != 1 || queued[0].Message.To != "aino@example.com" {
		t.Fatalf("queued %d mails, want only the one with an address: %+v", len(queued), queued)
	}
}
