package mail

import "strings"

var mergeTemplates = map[string]mailTemplate{
	"en": parse("merge.en", `Your case {{.Duplicate}} continues as {{.Target}}`, `Hello{{if .Name}} {{.Name}}{{end}},

Your message {{.Duplicate}} is about the same matter as your case {{.Target}}, so we have joined
them: everything you sent us is now in {{.Target}}, and we will answer you there.

Follow the case and reply here:
{{.TrackingURL}}

Kind regards,
Customer service
`),
	"fi": parse("merge.fi", `Asiasi {{.Duplicate}} jatkuu tunnuksella {{.Target}}`, `Hei{{if .Name}} {{.Name}}{{end}},

Viestisi {{.Duplicate}} koskee samaa asiaa kuin asiasi {{.Target}}, joten yhdistimme ne:
kaikki lähettämäsi on nyt asiassa {{.Target}}, ja vastaamme sinulle siellä.

Voit seurata asiaa ja vastata tästä linkistä:
{{.TrackingURL}}

Ystävällisin terveisin
Asiakaspalvelu
`),
}

// MergeNotification tells a customer that a duplicate case was joined into another.
func MergeNotification(locale, duplicate, target, trackingURL, customerName string) Message {
	l := baseLocale(locale)
	subject, text := mergeTemplates[l].render(struct {
		Duplicate, Target, TrackingURL, Name string
	}{headerText(duplicate), headerText(target), strings.TrimSpace(trackingURL), displayName(customerName)})
	return Message{ToName: displayName(customerName), Subject: subject, Text: text, Kind: KindNotification, Locale: l,
		Secrets: []string{strings.TrimSpace(trackingURL)}}
}
