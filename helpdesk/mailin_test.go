package helpdesk_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/mailin"
	"github.com/kaiku-helpdesk/kaiku/mailin/imaptest"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// mailFixture is the whole path of complaints by e-mail: a real IMAP server (in memory, on
// loopback), the fetcher, the helpdesk on the embedded database and Bleve, and the outbox.
type mailFixture struct {
	env     *storetest.Env
	hd      *helpdesk.Helpdesk
	mailer  *mail.Mailer
	imap    *imaptest.Server
	fetcher *mailin.Fetcher
	box     *helpdesk.MailboxView
	admin   *helpdesk.Principal
	agent   *helpdesk.Principal
	clock   *atomic.Value
}

func newMailFixture(t *testing.T) *mailFixture {
	t.Helper()
	return newMailFixtureSeeing(t, nil)
}

// newMailFixtureSeeing is newMailFixture with the database's commands shown to log.
func newMailFixtureSeeing(t *testing.T, log *commands) *mailFixture {
	t.Helper()
	clock := &atomic.Value{}
	clock.Store(monday9)
	now := func() time.Time { return clock.Load().(time.Time) }
	opts := store.Options{SingleWriter: true, Now: now}
	if log != nil {
		opts.Monitor = log.monitor()
	}
	env := storetest.StartWith(t, t.TempDir(), opts)
	idx, err := search.OpenBleve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	hd, mailer, logger := newHelpdesk(t, env, idx, now, mail.Config{From: "support@kaiku.example"})
	srv, err := imaptest.Start("127.0.0.1:0", "support@kaiku.example", "imap-secret")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	admin := &helpdesk.Principal{User: storetest.NewUser(storetest.WithRole(models.RoleAdmin))}
	agent := &helpdesk.Principal{User: storetest.NewUser()}
	if err := env.Store.InsertUser(context.Background(), agent.User); err != nil {
		t.Fatal(err)
	}
	box, err := hd.Mail.CreateMailbox(context.Background(), admin, models.MailboxCreate{Name: "Support", Address: "support@kaiku.example",
		Host: srv.Host(), Port: srv.Port(), TLS: models.MailboxNoTLS, Username: srv.Username, Password: srv.Password,
		Category: "delivery", Locale: "fi"})
	if err != nil {
		t.Fatal(err)
	}
	f := &mailFixture{env: env, hd: hd, mailer: mailer, imap: srv, box: box, admin: admin, agent: agent, clock: clock}
	f.fetcher = mailin.NewFetcher(hd.Mail.Fetching(), hd.Mail, mailin.Options{Clock: now, Logger: logger, BatchSize: 7})
	return f
}

// deliver puts a mail into the mailbox's INBOX and has the fetcher take what is new.
func (f *mailFixture) deliver(t *testing.T, raws ...string) int {
	t.Helper()
	for _, raw := range raws {
		if err := f.imap.Append("", []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	return f.fetch(t)
}

func (f *mailFixture) fetch(t *testing.T) int {
	t.Helper()
	mb, err := f.env.Store.GetMailbox(context.Background(), f.box.ID)
	if err != nil {
		t.Fatal(err)
	}
	n, err := f.fetcher.FetchOnce(context.Background(), mb)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *mailFixture) outbox(t *testing.T, caseID string) []*models.OutboxMail {
	t.Helper()
	ctx := context.Background()
	if _, err := f.mailer.ProcessDue(ctx); err != nil {
		t.Fatal(err)
	}
	all, err := f.mailer.ListOutbox(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []*models.OutboxMail
	for i := len(all) - 1; i >= 0; i-- { // oldest first
		if all[i].CaseID == caseID {
			m, err := f.mailer.GetOutboxMessage(ctx, all[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
	}
	return out
}

// mailOfKind is the case's one mail of a kind.
func (f *mailFixture) mailOfKind(t *testing.T, caseID, kind string) models.MailMessage {
	t.Helper()
	var found []models.MailMessage
	for _, m := range f.outbox(t, caseID) {
		if m.Message.Kind == kind {
			found = append(found, m.Message)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d mails of kind %s about %s", len(found), kind, caseID)
	}
	return found[0]
}

// caseOf finds the case a mail was filed as, by its key.
func (f *mailFixture) caseOf(t *testing.T, messageID string) *models.Case {
	t.Helper()
	k, err := f.env.Store.GetMailKey(context.Background(), mailin.KeyID(messageID))
	if err != nil {
		t.Fatalf("mail %s filed nowhere: %v", messageID, err)
	}
	c, err := f.env.Store.GetCase(context.Background(), k.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// allCases reads every case by reference (there are few).
func (f *mailFixture) allCases(t *testing.T) []*models.Case {
	t.Helper()
	var out []*models.Case
	for n := 1; n < 200; n++ {
		c, err := f.env.Store.GetCase(context.Background(), models.FormatReference(monday9.Year(), int64(n)))
		if err == nil {
			out = append(out, c)
		}
	}
	return out
}

type mailSpec struct {
	from, subject, id, inReplyTo, references, body, extra string
}

func rawMail(m mailSpec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: Support <support@kaiku.example>\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: Mon, 2 Mar 2026 09:00:00 +0200\r\n", m.from, m.subject, m.id)
	if m.inReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: <%s>\r\n", m.inReplyTo)
	}
	if m.references != "" {
		fmt.Fprintf(&b, "References: %s\r\n", m.references)
	}
	b.WriteString(m.extra)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.body, "\n", "\r\n"))
	return b.String()
}

func TestMailBecomesACaseAndTheCustomersReplyLandsInIt(t *testing.T) {
	ctx := context.Background()
	f := newMailFixture(t)

	if n := f.deliver(t, rawMail(mailSpec{from: "Äijä Öhman <aija@example.fi>", subject: "Imuri ei käynnisty", id: "first-1@example.fi",
		body: "Hei,\n\nimuri ei käynnisty. Haluan rahat takaisin.\n"})); n != 1 {
		t.Fatalf("filed %d, want 1", n)
	}
	c := f.caseOf(t, "first-1@example.fi")
	if c.Channel != models.ChannelEmail || c.Customer.Email != "aija@example.fi" || c.Customer.Name != "Äijä Öhman" ||
		c.Subject != "Imuri ei käynnisty" || c.Description != "Hei,\n\nimuri ei käynnisty. Haluan rahat takaisin." ||
		c.Category != "delivery" || c.Locale != "fi" || c.TrackingHash == "" || c.SLAPolicyID == "" {
		t.Fatalf("case %+v", c)
	}
	// The acknowledgement: same as the web form's (reference, tracking link), threaded
	// under the customer's mail, answerable by mail.
	mails := f.outbox(t, c.ID)
	if len(mails) != 1 || mails[0].Message.Kind != mail.KindAck {
		t.Fatalf("mails %+v", mails)
	}
	ack := mails[0].Message
	if ack.To != "aija@example.fi" || ack.ReplyTo != "support@kaiku.example" || ack.InReplyTo != "first-1@example.fi" ||
		ack.References != c.ID+"@kaiku.example first-1@example.fi" || !strings.Contains(ack.Subject, c.ID) ||
		!strings.Contains(ack.Text, "https://help.example.com/track/") || !strings.Contains(ack.Text, "Voit myös vastata suoraan tähän sähköpostiin") ||
		strings.Contains(ack.Text, "Älä vastaa") {
		t.Fatalf("acknowledgement %+v", ack)
	}

	// The agent answers; the reply names the thread.
	if _, err := f.hd.Conversation.AddMessage(ctx, f.agent, c.ID, models.MessageCreate{Kind: "reply", Body: "Lähetämme uuden."}, nil); err != nil {
		t.Fatal(err)
	}
	reply := f.mailOfKind(t, c.ID, mail.KindReply)
	if reply.Kind != mail.KindReply || reply.InReplyTo != "first-1@example.fi" || reply.ReplyTo != "support@kaiku.example" ||
		!strings.Contains(reply.Text, "Voit myös vastata suoraan") || strings.Contains(reply.Text, "eivät tavoita") {
		t.Fatalf("reply %+v", reply)
	}

	// The customer answers that mail from Gmail: In-Reply-To its Message-ID, the quote below.
	f.deliver(t, rawMail(mailSpec{from: "Äijä Öhman <AIJA@example.fi>", subject: "Re: " + reply.Subject, id: "second-2@example.fi",
		inReplyTo: reply.MessageID, references: "<" + reply.MessageID + ">",
		body: "Kiitos, odotan.\n\nOn Mon, 2 Mar 2026 at 10.00, Support <support@kaiku.example> wrote:\n> Lähetämme uuden.\n"}))
	c, _ = f.env.Store.GetCase(ctx, c.ID)
	last := c.Messages[len(c.Messages)-1]
	if last.Kind != models.MessageCustomer || last.Body != "Kiitos, odotan." || !strings.Contains(last.Quoted, "> Lähetämme uuden.") {
		t.Fatalf("messages %+v", c.Messages)
	}
	if f.caseOf(t, "second-2@example.fi").ID != c.ID {
		t.Fatal("the reply was not filed in its case")
	}
	if got := len(f.allCases(t)); got != 1 {
		t.Fatalf("%d cases, want 1", got)
	}

	// Resolved, then the customer writes again with only the reference in the subject:
	// the case reopens.
	resolved := models.StatusResolved
	if _, err := f.hd.Conversation.AddMessage(ctx, f.agent, c.ID, models.MessageCreate{Kind: "reply", Body: "Valmis.", Status: &resolved}, nil); err != nil {
		t.Fatal(err)
	}
	f.deliver(t, rawMail(mailSpec{from: "aija@example.fi", subject: "Vielä yksi asia [" + c.ID + "]", id: "third-3@example.fi", body: "Uusi imuri on myös rikki."}))
	c, _ = f.env.Store.GetCase(ctx, c.ID)
	if c.Status != models.StatusOpen || c.Messages[len(c.Messages)-1].Body != "Uusi imuri on myös rikki." {
		t.Fatalf("status %s, last %+v", c.Status, c.Messages[len(c.Messages)-1])
	}

	// Someone else naming the case starts a new case linked to it, never joins it.
	f.deliver(t, rawMail(mailSpec{from: "Stranger <stranger@example.com>", subject: "About " + c.ID, id: "stranger-1@example.com",
		inReplyTo: reply.MessageID, body: "I have the same problem."}))
	other := f.caseOf(t, "stranger-1@example.com")
	if other.ID == c.ID || other.Email == nil || other.Email.LinkedTo != c.ID || other.Customer.Email != "stranger@example.com" {
		t.Fatalf("stranger's mail: case %s linked to %+v", other.ID, other.Email)
	}
	c2, _ := f.env.Store.GetCase(ctx, c.ID)
	if len(c2.Messages) != len(c.Messages) {
		t.Fatal("the stranger's mail joined the case")
	}

	// Fetched mail is flagged \Seen and nothing is fetched twice.
	if total, seen, _ := f.imap.Count("INBOX"); total != 4 || seen != 4 {
		t.Fatalf("INBOX %d messages, %d seen", total, seen)
	}
	if n := f.fetch(t); n != 0 {
		t.Fatalf("a second fetch filed %d", n)
	}
	st, err := f.env.Store.GetMailboxState(ctx, f.box.ID)
	if err != nil || st.LastUID != 4 || st.UIDValidity == 0 || st.LastError != "" {
		t.Fatalf("state %+v, %v", st, err)
	}
}

// A fetch cut short after filing but before the position was saved fetches the same mails
// again; each is filed exactly once.
func TestFetchingAgainAfterACrashFilesNothingTwice(t *testing.T) {
	ctx := context.Background()
	f := newMailFixture(t)
	var raws []string
	for i := range 20 {
		raws = append(raws, rawMail(mailSpec{from: fmt.Sprintf("c%d@example.com", i), subject: fmt.Sprintf("Complaint %d", i),
			id: fmt.Sprintf("m%d@example.com", i), body: "It broke."}))
	}
	// Replies of customer 0 in the same batch as their first mail.
	raws = append(raws, rawMail(mailSpec{from: "c0@example.com", subject: "More", id: "m0-reply@example.com", inReplyTo: "m0@example.com", body: "And more."}))
	if n := f.deliver(t, raws...); n != 21 {
		t.Fatalf("filed %d", n)
	}
	// The crash: the position is lost (as if the state write never happened).
	mb, _ := f.env.Store.GetMailbox(ctx, f.box.ID)
	st, _ := f.env.Store.LeaseMailbox(ctx, mb.ID, "crashed", monday9, time.Minute)
	if err := f.env.Store.AdvanceMailbox(ctx, mb.ID, "crashed", st.UIDValidity, 0, 0, monday9, "", 0); err != nil {
		t.Fatal(err)
	}
	if n := f.fetch(t); n != 21 {
		t.Fatalf("refetched %d, want all 21 looked at again", n)
	}
	cases := f.allCases(t)
	if len(cases) != 20 {
		t.Fatalf("%d cases, want 20", len(cases))
	}
	for _, c := range cases {
		want := 0
		if c.Customer.Email == "c0@example.com" {
			want = 1
		}
		if len(c.Messages) != want {
			t.Fatalf("case of %s has %d messages, want %d", c.Customer.Email, len(c.Messages), want)
		}
		if acks := f.outbox(t, c.ID); len(acks) != 1 {
			t.Fatalf("case of %s got %d acknowledgements", c.Customer.Email, len(acks))
		}
	}
}

func TestAutoRepliesBouncesAndTheAcknowledgementLimit(t *testing.T) {
	ctx := context.Background()
	f := newMailFixture(t)
	f.deliver(t, rawMail(mailSpec{from: "pekka@company.example", subject: "Broken kettle", id: "p1@company.example", body: "The kettle leaks."}))
	c := f.caseOf(t, "p1@company.example")
	ack := f.outbox(t, c.ID)[0].Message

	// An out-of-office answer to the acknowledgement is noted on the case; no message, no
	// reopening, no acknowledgement.
	f.deliver(t, rawMail(mailSpec{from: "pekka@company.example", subject: "Automatic reply: " + ack.Subject, id: "oof@company.example",
		inReplyTo: ack.MessageID, extra: "Auto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n", body: "I am away until Monday."}))
	c, _ = f.env.Store.GetCase(ctx, c.ID)
	if len(c.Messages) != 0 || c.Timeline[len(c.Timeline)-1].Type != "email_auto" || len(f.outbox(t, c.ID)) != 1 {
		t.Fatalf("after the auto-reply: %d messages, last event %+v", len(c.Messages), c.Timeline[len(c.Timeline)-1])
	}

	// An auto-reply that threads nowhere becomes a case without an acknowledgement.
	f.deliver(t, rawMail(mailSpec{from: "robot@shop.example", subject: "Newsletter", id: "news@shop.example", extra: "Precedence: bulk\r\n", body: "Offers!"}))
	news := f.caseOf(t, "news@shop.example")
	if len(f.outbox(t, news.ID)) != 0 || news.Email == nil || !news.Email.AutoSubmitted {
		t.Fatalf("bulk mail case %+v acknowledged", news.Email)
	}

	// A bounce of the acknowledgement is recorded on its case and flags the address.
	bounce := "From: MAILER-DAEMON@mx.example\r\nTo: support@kaiku.example\r\nSubject: Undelivered Mail\r\nMessage-ID: <b1@mx.example>\r\n" +
		"Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n" +
		"--B\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n" +
		"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; pekka@company.example\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 no such user\r\n" +
		"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" + ack.MessageID + ">\r\nSubject: x\r\n--B--\r\n"
	f.deliver(t, bounce)
	c, _ = f.env.Store.GetCase(ctx, c.ID)
	ev := c.Timeline[len(c.Timeline)-1]
	if ev.Type != "email_bounced" || ev.Data["recipient"] != "pekka@company.example" || c.Email == nil || !c.Email.Bounced {
		t.Fatalf("bounce event %+v", ev)
	}
	if b, err := f.env.Store.GetBounce(ctx, "pekka@company.example"); err != nil || b.CaseID != c.ID {
		t.Fatalf("address not flagged: %+v %v", b, err)
	}
	// A flagged address gets no more acknowledgements.
	f.deliver(t, rawMail(mailSpec{from: "pekka@company.example", subject: "Another thing", id: "p2@company.example", body: "Also the lid."}))
	if n := len(f.outbox(t, f.caseOf(t, "p2@company.example").ID)); n != 0 {
		t.Fatalf("bounced address acknowledged %d times", n)
	}

	// At most three acknowledgements per sender per hour.
	for i := range 5 {
		f.deliver(t, rawMail(mailSpec{from: "loop@example.com", subject: fmt.Sprintf("Topic %d", i), id: fmt.Sprintf("loop%d@example.com", i), body: "Hello"}))
	}
	acks := 0
	for i := range 5 {
		acks += len(f.outbox(t, f.caseOf(t, fmt.Sprintf("loop%d@example.com", i)).ID))
	}
	if acks != 3 {
		t.Fatalf("%d acknowledgements to one sender in an hour, want 3", acks)
	}
}

// A 20 MB attachment is refused with a note on the case; the text and the other file stay.
func TestHugeAttachmentIsRefusedWithANoteTheRestKept(t *testing.T) {
	ctx := context.Background()
	f := newMailFixture(t)
	png, _ := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
	huge := bytes.Repeat([]byte("%PDF-1.4 scan "), (20<<20)/14+1)[:20<<20]
	var b strings.Builder
	b.WriteString("From: big@example.com\r\nTo: support@kaiku.example\r\nSubject: Photos and scans\r\nMessage-ID: <big1@example.com>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\nSee the photo and the scans.\r\n")
	for _, file := range []struct {
		name, ct string
		data     []byte
	}{{"scans.pdf", "application/pdf", huge}, {"photo.png", "image/png", png}, {"run.exe", "application/octet-stream", []byte("MZ\x90\x00binary")}} {
		fmt.Fprintf(&b, "--X\r\nContent-Type: %s\r\nContent-Disposition: attachment; filename=%q\r\nContent-Transfer-Encoding: base64\r\n\r\n", file.ct, file.name)
		enc := base64.StdEncoding.EncodeToString(file.data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--X--\r\n")
	f.deliver(t, b.String())
	c := f.caseOf(t, "big1@example.com")
	if c.Description != "See the photo and the scans." || len(c.Attachments) != 1 || c.Attachments[0].Name != "photo.png" {
		t.Fatalf("description %q, files %+v", c.Description, c.Attachments)
	}
	if a, err := f.env.Store.GetAttachment(ctx, c.Attachments[0].ID); err != nil || !bytes.Equal(a.Data, png) {
		t.Fatalf("attachment %v", err)
	}
	if len(c.Messages) != 1 || c.Messages[0].Kind != models.MessageNote || !strings.Contains(c.Messages[0].Body, "scans.pdf (20.0 MB): over the 5 MB limit") ||
		!strings.Contains(c.Messages[0].Body, "run.exe") {
		t.Fatalf("note %+v", c.Messages)
	}
}

// A mailbox's password is sealed and never shown.
func TestMailboxPasswordIsSealedAndNeverReturned(t *testing.T) {
	ctx := context.Background()
	f := newMailFixture(t)
	mb, err := f.env.Store.GetMailbox(ctx, f.box.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(mb.PasswordSealed, []byte("imap-secret")) || len(mb.PasswordSealed) == 0 {
		t.Fatal("the password is stored in clear")
	}
	if pw, err := f.hd.Mail.MailboxPassword(mb); err != nil || pw != "imap-secret" {
		t.Fatalf("unseal: %q %v", pw, err)
	}
	views, err := f.hd.Mail.ListMailboxes(ctx, f.admin)
	if err != nil || len(views) != 1 || !views[0].PasswordSet {
		t.Fatalf("views %+v %v", views, err)
	}
	if _, err := f.hd.Mail.ListMailboxes(ctx, f.agent); err == nil {
		t.Fatal("an agent listed mailboxes")
	}
	// An edit without a password keeps it.
	name := "Asiakaspalvelu"
	if _, err := f.hd.Mail.PatchMailbox(ctx, f.admin, mb.ID, models.MailboxPatch{Version: mb.Version, Name: &name}); err != nil {
		t.Fatal(err)
	}
	mb, _ = f.env.Store.GetMailbox(ctx, f.box.ID)
	if pw, err := f.hd.Mail.MailboxPassword(mb); err != nil || pw != "imap-secret" {
		t.Fatalf("after the edit: %q %v", pw, err)
	}
}

// The fetcher's loop takes new mail when IMAP IDLE reports it, long before its next poll, and
// stops with its context.
func TestFetcherRunTakesMailOnIdle(t *testing.T) {
	f := newMailFixture(t)
	fetcher := mailin.NewFetcher(f.hd.Mail.Fetching(), f.hd.Mail, mailin.Options{Clock: time.Now, PollInterval: time.Hour, WorkerID: "idle-test"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { fetcher.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	// The first pass has run (nothing to file) once the state says so.
	waitFor(t, "the first pass", func() bool {
		st, err := f.env.Store.GetMailboxState(context.Background(), f.box.ID)
		return err == nil && st.LastFetchAt != nil && st.UIDValidity != 0
	})
	// Only IDLE can bring this one in within the wait: the next poll is an hour away.
	if err := f.imap.Append("", []byte(rawMail(mailSpec{from: "idle@example.com", subject: "Arrived while idle", id: "idle-1@example.com", body: "Hello"}))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the mail filed", func() bool {
		_, err := f.env.Store.GetMailKey(context.Background(), mailin.KeyID("idle-1@example.com"))
		return err == nil
	})
}

// Two fetchers (replicas) on one mailbox: one holds the lease at a time, and every mail is
// filed once.
func TestTwoFetchersFileEachMailOnce(t *testing.T) {
	f := newMailFixture(t)
	for i := range 30 {
		if err := f.imap.Append("", []byte(rawMail(mailSpec{from: fmt.Sprintf("r%d@example.com", i), subject: fmt.Sprintf("Replica %d", i),
			id: fmt.Sprintf("rep%d@example.com", i), body: "Hello"}))); err != nil {
			t.Fatal(err)
		}
	}
	mb, _ := f.env.Store.GetMailbox(context.Background(), f.box.ID)
	var filed [2]int
	var errs [2]error
	var wg sync.WaitGroup
	for i := range 2 {
		fe := mailin.NewFetcher(f.hd.Mail.Fetching(), f.hd.Mail, mailin.Options{Clock: time.Now, WorkerID: fmt.Sprintf("replica-%d", i), BatchSize: 5})
		wg.Add(1)
		go func() { defer wg.Done(); filed[i], errs[i] = fe.FetchOnce(context.Background(), mb) }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil && !errors.Is(err, store.ErrLeaseHeld) {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	if filed[0]+filed[1] != 30 || (filed[0] != 0 && filed[1] != 0 && errs[0] == nil && errs[1] == nil) {
		t.Fatalf("filed %v (errors %v): want 30 by the one holding the lease", filed, errs)
	}
	if n := len(f.allCases(t)); n != 30 {
		t.Fatalf("%d cases, want 30", n)
	}
}

// waitFor polls cond (bounded) until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20 s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, bounded by the deadline
	}
}

// A fetched window of new mails is stored together: one insert of keys, one of cases, one
// read of bounce flags for the whole window, not one of each per mail.
func TestAWindowOfNewMailsIsStoredInOneInsert(t *testing.T) {
	log := &commands{}
	f := newMailFixtureSeeing(t, log)
	var raws []string
	for i := range 7 { // the fixture's batch size: one window
		raws = append(raws, rawMail(mailSpec{from: fmt.Sprintf("w%d@example.com", i), subject: fmt.Sprintf("Window %d", i),
			id: fmt.Sprintf("w%d@example.com", i), body: "It broke."}))
	}
	for _, raw := range raws {
		if err := f.imap.Append("", []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	log.start()
	n := f.fetch(t)
	counts, _, _ := log.stop()
	if n != 7 {
		t.Fatalf("filed %d, want 7", n)
	}
	for _, key := range []string{"insert mail_in_keys", "insert cases", "find mail_bounces"} {
		if counts[key] != 1 {
			t.Errorf("%s: %d commands for a window of 7 mails, want 1", key, counts[key])
		}
	}
	if got := len(f.allCases(t)); got != 7 {
		t.Fatalf("%d cases, want 7", got)
	}
}

// A reply fetched in the same window as the mail it answers joins that mail's case, and a
// mail delivered twice in one window is filed once.
func TestAReplyInTheSameWindowAsItsFirstMailJoinsItsCase(t *testing.T) {
	f := newMailFixture(t)
	first := rawMail(mailSpec{from: "Liisa <liisa@example.fi>", subject: "Rikki", id: "l1@example.fi", body: "Laite on rikki."})
	other := rawMail(mailSpec{from: "matti@example.fi", subject: "Myöhässä", id: "m1@example.fi", body: "Paketti myöhässä."})
	if n := f.deliver(t, first,
		rawMail(mailSpec{from: "liisa@example.fi", subject: "Re: Rikki", id: "l2@example.fi", inReplyTo: "l1@example.fi", body: "Kuva liitteenä."}),
		other, other); n != 4 {
		t.Fatalf("filed %d, want 4", n)
	}
	cases := f.allCases(t)
	if len(cases) != 2 {
		t.Fatalf("%d cases, want 2", len(cases))
	}
	c := f.caseOf(t, "l1@example.fi")
	if len(c.Messages) != 1 || c.Messages[0].Body != "Kuva liitteenä." {
		t.Fatalf("the reply did not join its case: %+v", c.Messages)
	}
	if reply := f.caseOf(t, "l2@example.fi"); reply.ID != c.ID {
		t.Fatalf("the reply's key names %s, want %s", reply.ID, c.ID)
	}
}
