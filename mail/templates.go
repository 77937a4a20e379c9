package mail

import (
	"fmt"
	"strings"
	"text/template"
	"time"
)

// The customer-facing mails, in English and Finnish. They are plain text (text/template: no
// HTML escaping is needed or wanted). The acknowledgement takes no complaint text at all, so
// it can never echo it back: it names the reference, the private tracking link and when to
// expect a first response.

type mailTemplate struct{ subject, text *template.Template }

func parse(name, subject, text string) mailTemplate {
	return mailTemplate{
		subject: template.Must(template.New(name + ".subject").Option("missingkey=error").Parse(subject)),
		text:    template.Must(template.New(name + ".text").Option("missingkey=error").Parse(text)),
	}
}

func (t mailTemplate) render(data any) (subject, text string) {
	var s, b strings.Builder
	// The templates are fixed and the data types match them, so execution cannot fail.
	if err := t.subject.Execute(&s, data); err != nil {
		panic(err)
	}
	if err := t.text.Execute(&b, data); err != nil {
		panic(err)
	}
	return s.String(), b.String()
}

var ackTemplates = map[string]mailTemplate{
	"en": parse("ack.en", `We received your message (case {{.Reference}})`, `Hello{{if .Name}} {{.Name}}{{end}},

Thank you for contacting us. We have received your message and recorded it as case {{.Reference}}.

{{if .By}}You can expect our first response by {{.By}}.{{else if .Hours}}You can expect our first response within {{.Hours}} {{if eq .Hours 1}}hour{{else}}hours{{end}}.{{else}}We will get back to you as soon as we can.{{end}}

Follow your case, add details or reply to us here:
{{.TrackingURL}}

This link is personal: anyone who has it can read your case, so please do not share it.
{{if .Replies}}You can also simply reply to this e-mail: your answer is added to your case.{{else}}Please do not reply to this e-mail; use the link above instead.{{end}}

Kind regards,
Customer service
`),
	"fi": parse("ack.fi", `Olemme vastaanottaneet viestisi – viite {{.Reference}}`, `Hei{{if .Name}} {{.Name}}{{end}},

Kiitos yhteydenotostasi. Olemme vastaanottaneet viestisi ja kirjanneet sen viitteellä {{.Reference}}.

{{if .By}}Vastaamme sinulle viimeistään {{.By}}.{{else if .Hours}}Voit odottaa ensimmäistä vastaustamme {{.Hours}} tunnin kuluessa.{{else}}Vastaamme sinulle mahdollisimman pian.{{end}}

Voit seurata asiaasi, lisätä tietoja tai vastata meille tästä linkistä:
{{.TrackingURL}}

Linkki on henkilökohtainen: kuka tahansa, jolla se on, näkee asiasi, joten älä jaa sitä.
{{if .Replies}}Voit myös vastata suoraan tähän sähköpostiin: vastauksesi liitetään asiaasi.{{else}}Älä vastaa tähän sähköpostiin, vaan käytä yllä olevaa linkkiä.{{end}}

Ystävällisin terveisin
Asiakaspalvelu
`),
}

var replyTemplates = map[string]mailTemplate{
	"en": parse("reply.en", `New reply to your case {{.Reference}}`, `Hello{{if .Name}} {{.Name}}{{end}},

{{if .Agent}}{{.Agent}} from our customer service has{{else}}Our customer service has{{end}} replied to your case {{.Reference}}:

{{.Reply}}
{{if .Files}}
Files with this reply (download them from your case page, linked below):
{{range .Files}}- {{.}}
{{end}}{{end}}
Read the whole conversation and reply here:
{{.TrackingURL}}

{{if .Replies}}You can also simply reply to this e-mail.{{else}}Please reply through the link above; answers to this e-mail do not reach us.{{end}}

Kind regards,
Customer service
`),
	"fi": parse("reply.fi", `Uusi vastaus asiassasi {{.Reference}}`, `Hei{{if .Name}} {{.Name}}{{end}},

{{if .Agent}}{{.Agent}} asiakaspalvelustamme on vastannut{{else}}Asiakaspalvelumme on vastannut{{end}} sinulle asiassa {{.Reference}}:

{{.Reply}}
{{if .Files}}
Vastauksen liitteet (lataa ne asiasi sivulta alla olevasta linkistä):
{{range .Files}}- {{.}}
{{end}}{{end}}
Voit lukea koko keskustelun ja vastata tästä linkistä:
{{.TrackingURL}}

{{if .Replies}}Voit myös vastata suoraan tähän sähköpostiin.{{else}}Vastaathan yllä olevan linkin kautta; vastaukset tähän sähköpostiin eivät tavoita meitä.{{end}}

Ystävällisin terveisin
Asiakaspalvelu
`),
}

// Locales lists the languages the templates exist in; others fall back to English.
var Locales = []string{"en", "fi"}

// baseLocale maps "fi", "fi-FI", "fi_FI" to "fi", and anything without a template to "en".
func baseLocale(locale string) string {
	l := strings.ToLower(strings.TrimSpace(locale))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	if _, ok := ackTemplates[l]; ok {
		return l
	}
	return "en"
}

// displayName makes a customer- or agent-supplied name fit for a greeting: one line, at most
// 60 characters (the public form lets anyone choose it, so it must not carry a message).
func displayName(s string) string {
	s = headerText(s)
	if r := []rune(s); len(r) > 60 {
		s = strings.TrimSpace(string(r[:60]))
	}
	return s
}

// Acknowledgement is the mail confirming a new complaint: it repeats the reference and the
// tracking link and says within how many hours to expect a first response (none if
// firstResponseHours <= 0). It never contains the complaint text. The caller sets To and
// CaseID. The tracking link is in Secrets, so the outbox copy drops it once sent.
func Acknowledgement(locale, reference, trackingURL, customerName string, firstResponseHours int) Message {
	return acknowledgement(locale, reference, trackingURL, customerName, firstResponseHours, "", false)
}

// AcknowledgementBy is the acknowledgement that names when the first response is due, "by
// Monday 16:00", in the customer's language and in the zone of due (the SLA calendar's);
// filed is when the complaint came in.
func AcknowledgementBy(locale, reference, trackingURL, customerName string, due, filed time.Time) Message {
	return acknowledgement(locale, reference, trackingURL, customerName, 0, PromiseTime(baseLocale(locale), due, filed), false)
}

// acknowledgement renders the acknowledgement; replies says a connected mailbox takes the
// customer's answers to it (else the mail says they reach no one).
func acknowledgement(locale, reference, trackingURL, customerName string, firstResponseHours int, by string, replies bool) Message {
	l := baseLocale(locale)
	subject, text := ackTemplates[l].render(struct {
		Reference, TrackingURL, Name, By string
		Hours                            int
		Replies                          bool
	}{headerText(reference), strings.TrimSpace(trackingURL), displayName(customerName), by, max(firstResponseHours, 0), replies})
	return Message{
		ToName: displayName(customerName), Subject: subject, Text: text, Kind: KindAck, Locale: l,
		Secrets: []string{strings.TrimSpace(trackingURL)},
	}
}

// ReplyNotification is the mail carrying an agent's reply to the customer, with the link to
// the whole conversation. fileNames are the reply's files: the mail names them and the
// customer downloads them from the tracking page rather than from the mail. Attaching them
// would put up to five 5 MB files into every queued and outbox copy (one document each, far
// past what a cheap write on the embedded database allows, and past MongoDB's 16 MB), many
// mail servers refuse a message that size, and a download through the tracking page passes
// the same access check as every other file of the case. The caller sets To and CaseID.
func ReplyNotification(locale, reference, trackingURL, customerName, agentName, replyText string, fileNames []string) Message {
	return replyNotification(locale, reference, trackingURL, customerName, agentName, replyText, fileNames, false)
}

func replyNotification(locale, reference, trackingURL, customerName, agentName, replyText string, fileNames []string, replies bool) Message {
	l := baseLocale(locale)
	reply := strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(replyText, "\r\n", "\n"), "\r", "\n"))
	files := make([]string, len(fileNames))
	for i, n := range fileNames {
		files[i] = headerText(n) // one line each
	}
	subject, text := replyTemplates[l].render(struct {
		Reference, TrackingURL, Name, Agent, Reply string
		Files                                      []string
		Replies                                    bool
	}{headerText(reference), strings.TrimSpace(trackingURL), displayName(customerName), displayName(agentName), reply, files, replies})
	return Message{
		ToName: displayName(customerName), Subject: subject, Text: text, Kind: KindReply, Locale: l,
		Secrets: []string{strings.TrimSpace(trackingURL)},
	}
}

var (
	weekdaysEn = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	// Finnish says "on Monday" with the essive: maanantaina.
	weekdaysFi = [7]string{"sunnuntaina", "maanantaina", "tiistaina", "keskiviikkona", "torstaina", "perjantaina", "lauantaina"}
)

// PromiseTime says when due is, for "we will answer by ...": the weekday and the time
// ("Monday 16:00", "maanantaina klo 16.00"), with the date as well when due is a week or
// more after from ("Monday 14 December 16:00", "maanantaina 14.12. klo 16.00"). Both are
// read in due's zone.
func PromiseTime(locale string, due, from time.Time) string {
	from = from.In(due.Location())
	y, m, d := from.Date()
	startOfDay := time.Date(y, m, d, 0, 0, 0, 0, due.Location())
	withDate := !due.Before(startOfDay.AddDate(0, 0, 6))
	if baseLocale(locale) == "fi" {
		s := weekdaysFi[due.Weekday()]
		if withDate {
			s += fmt.Sprintf(" %d.%d.", due.Day(), int(due.Month()))
		}
		return s + fmt.Sprintf(" klo %d.%02d", due.Hour(), due.Minute())
	}
	s := weekdaysEn[due.Weekday()]
	if withDate {
		s += fmt.Sprintf(" %d %s", due.Day(), due.Month())
	}
	return s + fmt.Sprintf(" %02d:%02d", due.Hour(), due.Minute())
}
