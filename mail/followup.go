package mail

import (
	"strings"
	"time"
)

// The mails of the follow-up loop and of promises: the resolution notice (what was decided,
// what happens next), the follow-up check's question with its link, and the word that a
// promised time moves. Each carries a fresh tracking link, kept in Secrets like the others.

var resolvedTemplates = map[string]mailTemplate{
	"en": parse("resolved.en", `Your case {{.Reference}} is resolved`, `Hello{{if .Name}} {{.Name}}{{end}},

We have resolved your case {{.Reference}}.
{{if .Decision}}
What we decided:

{{.Decision}}
{{end}}
What happens next: in {{.Days}} {{if eq .Days 1}}day{{else}}days{{end}} we will ask you whether this solved it. If it did
not, or if anything is still open, tell us here and the case goes straight back to us:
{{.TrackingURL}}

Kind regards,
Customer service
`),
	"fi": parse("resolved.fi", `Asiasi {{.Reference}} on ratkaistu`, `Hei{{if .Name}} {{.Name}}{{end}},

Olemme ratkaisseet asiasi {{.Reference}}.
{{if .Decision}}
Päätöksemme:

{{.Decision}}
{{end}}
Mitä seuraavaksi: {{.Days}} päivän kuluttua kysymme sinulta, ratkesiko asia. Jos ei
ratkennut tai jokin on yhä kesken, kerro siitä tästä linkistä, niin asia palaa suoraan meille:
{{.TrackingURL}}

Ystävällisin terveisin
Asiakaspalvelu
`),
}

var checkTemplates = map[string]mailTemplate{
	"en": parse("check.en", `Did this solve it? (case {{.Reference}})`, `Hello{{if .Name}} {{.Name}}{{end}},

A while ago we resolved your case {{.Reference}}. Did our solution hold?

Please tell us in one click, and rate our service from 1 to 5:
{{.CheckURL}}

If it did not solve it, we reopen the same case and get back to you.

Kind regards,
Customer service
`),
	"fi": parse("check.fi", `Ratkesiko asia? (viite {{.Reference}})`, `Hei{{if .Name}} {{.Name}}{{end}},

Ratkaisimme jokin aika sitten asiasi {{.Reference}}. Pitikö ratkaisumme?

Kerro meille yhdellä napsautuksella ja arvioi palvelumme asteikolla 1–5:
{{.CheckURL}}

Jos asia ei ratkennut, avaamme saman asian uudelleen ja palaamme asiaan.

Ystävällisin terveisin
Asiakaspalvelu
`),
}

var delayTemplates = map[string]mailTemplate{
	"en": parse("delay.en", `New time for your case {{.Reference}}`, `Hello{{if .Name}} {{.Name}}{{end}},

We promised you: {{.Promise}}
We need a little more time, and we will do it by {{.By}} instead.
{{if .Message}}
{{.Message}}
{{end}}
Follow your case and reply here:
{{.TrackingURL}}

Kind regards,
Customer service
`),
	"fi": parse("delay.fi", `Uusi aika asiassasi {{.Reference}}`, `Hei{{if .Name}} {{.Name}}{{end}},

Lupasimme sinulle: {{.Promise}}
Tarvitsemme hieman lisää aikaa, ja hoidamme asian sen sijaan viimeistään {{.By}}.
{{if .Message}}
{{.Message}}
{{end}}
Voit seurata asiaasi ja vastata tästä linkistä:
{{.TrackingURL}}

Ystävällisin terveisin
Asiakaspalvelu
`),
}

func plainText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"))
}

// ResolutionNotice tells the customer their case is resolved: decision is what was decided
// (the agent's last reply, or the resolution option's text), and followUpDays when they will
// be asked whether it held. The caller sets To and CaseID.
func ResolutionNotice(locale, reference, trackingURL, customerName, decision string, followUpDays int) Message {
	l := baseLocale(locale)
	subject, text := resolvedTemplates[l].render(struct {
		Reference, TrackingURL, Name, Decision string
		Days                                   int
	}{headerText(reference), strings.TrimSpace(trackingURL), displayName(customerName), plainText(decision), max(followUpDays, 1)})
	return Message{ToName: displayName(customerName), Subject: subject, Text: text, Kind: KindNotification, Locale: l,
		Secrets: []string{strings.TrimSpace(trackingURL)}}
}

// FollowUpCheck asks the customer whether the resolution held, linking to the one-page check.
func FollowUpCheck(locale, reference, checkURL, customerName string) Message {
	l := baseLocale(locale)
	subject, text := checkTemplates[l].render(struct {
		Reference, CheckURL, Name string
	}{headerText(reference), strings.TrimSpace(checkURL), displayName(customerName)})
	return Message{ToName: displayName(customerName), Subject: subject, Text: text, Kind: KindNotification, Locale: l,
		Secrets: []string{strings.TrimSpace(checkURL)}}
}

// PromiseDelayed tells the customer a promised time moves to due (read in due's zone).
func PromiseDelayed(locale, reference, trackingURL, customerName, promise, message string, due, now time.Time) Message {
	l := baseLocale(locale)
	subject, text := delayTemplates[l].render(struct {
		Reference, TrackingURL, Name, Promise, By, Message string
	}{headerText(reference), strings.TrimSpace(trackingURL), displayName(customerName), headerText(promise), PromiseTime(l, due, now), plainText(message)})
	return Message{ToName: displayName(customerName), Subject: subject, Text: text, Kind: KindNotification, Locale: l,
		Secrets: []string{strings.TrimSpace(trackingURL)}}
}
