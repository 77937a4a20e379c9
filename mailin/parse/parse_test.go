package parse_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/mailin/parse"
)

func parseFile(t *testing.T, name string) *parse.Mail {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := parse.Parse(f, parse.Options{MaxAttachmentBytes: 5 << 20})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// The corpus: each mail shape as the mail programs send it, with what Kaiku must read.
func TestCorpus(t *testing.T) {
	cases := []struct {
		file       string
		messageID  string
		inReplyTo  string
		from       parse.Address
		subject    string
		text       string
		quotedHas  string // a piece of the quoted conversation ("" = none kept)
		auto       bool
		files      []string
		bounceTo   string
		bouncedID  string
		fromHTML   bool
		references int
	}{
		{file: "gmail-reply.eml", messageID: "CAGmail123456789abcdef@mail.gmail.com", inReplyTo: "K-2026-000042.a1b2c3@kaiku.example",
			from:      parse.Address{Name: "Maija Meikäläinen", Email: "maija.meikalainen@gmail.com"},
			subject:   "Re: We received your message (case K-2026-000042) [K-2026-000042]",
			text:      "Hi,\n\nthe replacement kettle arrived but the lid is cracked too. Can you send another one?\n\nThanks,\nMaija",
			quotedHas: "> We have received your message", references: 2},
		{file: "outlook-reply.eml", messageID: "AM0PR01MB1234ABCD5678@AM0PR01MB.eurprd01.prod.outlook.com", inReplyTo: "K-2026-000043.d4e5f6@kaiku.example",
			from:      parse.Address{Name: "John Smith", Email: "john.smith@outlook.com"},
			subject:   "RE: New reply to your case K-2026-000043 [K-2026-000043]",
			text:      "Hello,\n\nI still haven’t received the refund of 49,90 € for order 7781. It’s been two weeks.\n\nBest regards\nJohn Smith",
			quotedHas: "Sent: Monday, November 30, 2026", references: 1},
		{file: "apple-reply.eml", messageID: "6B1D2C3E-4F5A-6B7C-8D9E-0F1A2B3C4D5E@icloud.com", inReplyTo: "K-2026-000044.aa11bb@kaiku.example",
			from:      parse.Address{Name: "Liisa Virtanen", Email: "liisa@icloud.com"},
			subject:   "Re: New reply to your case K-2026-000044 [K-2026-000044]",
			text:      "Here is a photo of the damaged box.\n\nLiisa",
			quotedHas: "> Hello Liisa,", files: []string{"box.png"}, references: 2},
		{file: "finnish-latin1.eml", messageID: "20261201110000.12345@example.fi",
			from:    parse.Address{Name: "Äijä Öhman", Email: "aija.ohman@example.fi"},
			subject: "Pölynimuri ei käynnisty",
			text:    "Hei,\n\ntilasin pölynimurin (tilaus 55120), mutta se ei käynnisty. Haluaisin rahat takaisin.\n\nYstävällisin terveisin\nÄijä Öhman"},
		{file: "html-newsletter.eml", messageID: "news-2026-12@shop.example",
			from: parse.Address{Name: "Shop News", Email: "news@shop.example"}, subject: "Your December offers",
			text: "December offers\n\nHello friend, our winter sale (https://shop.example/sale) starts now.\n\n- Kettles -20%\n- Vacuum cleaners -30%\nClick me\n\nSee you in the shop!",
			auto: true, fromHTML: true},
		{file: "out-of-office.eml", messageID: "oof-778899@company.example", inReplyTo: "K-2026-000045.cc22dd@kaiku.example",
			from:    parse.Address{Name: "Pekka Korhonen", Email: "pekka.korhonen@company.example"},
			subject: "Automatic reply: New reply to your case K-2026-000045 [K-2026-000045]",
			text:    "I am out of the office until 7 December with limited access to e-mail.", auto: true},
		{file: "bounce.eml", messageID: "20261201100500.ABCDEF@mx.kaiku.example",
			from:    parse.Address{Name: "Mail Delivery System", Email: "mailer-daemon@mx.kaiku.example"},
			subject: "Undelivered Mail Returned to Sender", auto: true,
			bounceTo: "no.such.user@example.com", bouncedID: "K-2026-000046@kaiku.example"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			m := parseFile(t, tc.file)
			if m.MessageID != tc.messageID {
				t.Errorf("Message-ID %q, want %q", m.MessageID, tc.messageID)
			}
			if got := strings.Join(m.InReplyTo, " "); got != tc.inReplyTo {
				t.Errorf("In-Reply-To %q, want %q", got, tc.inReplyTo)
			}
			if len(m.References) != tc.references {
				t.Errorf("References %q, want %d", m.References, tc.references)
			}
			if m.From != tc.from {
				t.Errorf("From %+v, want %+v", m.From, tc.from)
			}
			if m.Subject != tc.subject {
				t.Errorf("Subject %q, want %q", m.Subject, tc.subject)
			}
			if tc.text != "" && m.Text != tc.text {
				t.Errorf("text:\n%s\nwant:\n%s", m.Text, tc.text)
			}
			if tc.quotedHas == "" && m.Quoted != "" {
				t.Errorf("quoted %q, want none", m.Quoted)
			}
			if tc.quotedHas != "" && !strings.Contains(m.Quoted, tc.quotedHas) {
				t.Errorf("quoted %q, want it to hold %q", m.Quoted, tc.quotedHas)
			}
			if strings.Contains(m.Text, "wrote:") || strings.Contains(m.Text, "\n>") {
				t.Errorf("quoted conversation left in the text: %q", m.Text)
			}
			if m.Auto != tc.auto {
				t.Errorf("auto %v (%s), want %v", m.Auto, m.AutoReason, tc.auto)
			}
			if m.FromHTML != tc.fromHTML {
				t.Errorf("from HTML %v, want %v", m.FromHTML, tc.fromHTML)
			}
			var names []string
			for _, f := range m.Files {
				names = append(names, f.Name)
				if f.TooLarge || int64(len(f.Data)) != f.Size {
					t.Errorf("file %s: %d bytes kept of %d", f.Name, len(f.Data), f.Size)
				}
			}
			if fmt.Sprint(names) != fmt.Sprint(tc.files) {
				t.Errorf("files %v, want %v", names, tc.files)
			}
			switch {
			case tc.bounceTo == "" && m.Bounce != nil:
				t.Errorf("bounce %+v, want none", m.Bounce)
			case tc.bounceTo != "" && (m.Bounce == nil || m.Bounce.Recipient != tc.bounceTo || m.Bounce.OriginalMessageID != tc.bouncedID || m.Bounce.Status != "5.1.1"):
				t.Errorf("bounce %+v, want recipient %s of %s", m.Bounce, tc.bounceTo, tc.bouncedID)
			}
		})
	}
}

// Nothing active of an HTML mail survives: no script, no handler, no javascript: link, no
// tracking pixel address, no markup at all.
func TestHTMLNewsletterKeepsNoScript(t *testing.T) {
	m := parseFile(t, "html-newsletter.eml")
	for _, bad := range []string{"<", ">", "script", "alert", "javascript:", "onload", "evil.example", "track.example", "pixel", "color:red", "Offers\n"} {
		if strings.Contains(m.Text+m.Quoted, bad) {
			t.Errorf("%q survived in %q", bad, m.Text)
		}
	}
}

// A 20 MB attachment is counted and dropped, the mail's text and its other file kept.
func TestHugeAttachmentIsDroppedTheRestKept(t *testing.T) {
	huge := bytes.Repeat([]byte("%PDF-1.4 lots of scanned pages "), (20<<20)/31+1)[:20<<20]
	small := []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	var b bytes.Buffer
	b.WriteString("From: Big Sender <big@example.com>\r\nTo: support@kaiku.example\r\nSubject: Scans\r\n" +
		"Message-ID: <huge-1@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=BOUND\r\n\r\n" +
		"--BOUND\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe invoice and the scans are attached.\r\n")
	for _, f := range []struct {
		name string
		data []byte
	}{{"scans.pdf", huge}, {"invoice.pdf", small}} {
		b.WriteString("--BOUND\r\nContent-Type: application/pdf; name=\"" + f.name + "\"\r\nContent-Disposition: attachment; filename=\"" + f.name + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
		enc := base64.StdEncoding.EncodeToString(f.data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	b.WriteString("--BOUND--\r\n")
	m, err := parse.Parse(&b, parse.Options{MaxAttachmentBytes: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if m.Text != "The invoice and the scans are attached." {
		t.Errorf("text %q", m.Text)
	}
	if len(m.Files) != 2 {
		t.Fatalf("files %+v", m.Files)
	}
	if f := m.Files[0]; f.Name != "scans.pdf" || !f.TooLarge || f.Data != nil || f.Size != 20<<20 {
		t.Errorf("huge file: %s too large %v, %d bytes kept, size %d", f.Name, f.TooLarge, len(f.Data), f.Size)
	}
	if f := m.Files[1]; f.Name != "invoice.pdf" || f.TooLarge || !bytes.Equal(f.Data, small) {
		t.Errorf("small file %+v", f.Name)
	}
}

func TestSplitQuoted(t *testing.T) {
	for _, tc := range []struct{ in, shown, quoted string }{
		{"Thanks!\n\nOn Tue, 1 Dec 2026, Kaiku <a@b> wrote:\n> old", "Thanks!", "On Tue, 1 Dec 2026, Kaiku <a@b> wrote:\n> old"},
		{"Kiitos!\n\nti 1.12.2026 klo 10.02 Kaiku <a@b> kirjoitti:\n> vanha", "Kiitos!", "ti 1.12.2026 klo 10.02 Kaiku <a@b> kirjoitti:\n> vanha"},
		{"Yes.\n\n-----Original Message-----\nFrom: x", "Yes.", "-----Original Message-----\nFrom: x"},
		{"Sure\n\nLähettäjä: Kaiku <a@b>\nLähetetty: tiistai 1. joulukuuta 2026 10.02\nAihe: x", "Sure", "Lähettäjä: Kaiku <a@b>\nLähetetty: tiistai 1. joulukuuta 2026 10.02\nAihe: x"},
		{"> I asked this\nAnd here is my answer\n\n> more\n> quote", "> I asked this\nAnd here is my answer", "> more\n> quote"},
		{"> only a quote", "> only a quote", ""},
		{"No quote at all.\nFrom: the heart", "No quote at all.\nFrom: the heart", ""},
	} {
		s, q := parse.SplitQuoted(tc.in)
		if s != tc.shown || q != tc.quoted {
			t.Errorf("SplitQuoted(%q) = %q, %q; want %q, %q", tc.in, s, q, tc.shown, tc.quoted)
		}
	}
}

func TestNotAMail(t *testing.T) {
	if _, err := parse.Parse(strings.NewReader(""), parse.Options{}); err == nil {
		t.Fatal("empty input parsed")
	}
}
