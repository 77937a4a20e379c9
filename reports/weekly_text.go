package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// summaryTexts are the weekly summary's words in each language the product speaks.
type summaryTexts struct {
	subject, hello, intro, figure, thisWeek, weekBefore                  string
	cases, resolved, firstResp, resolution, sla, reopen, fixHeld, rating string
	breaches, noBreaches, topics, open, none, minutes, hours, days       string
}

var summaryLang = map[string]summaryTexts{
	"en": {
		subject: "Kaiku weekly summary: %s – %s", hello: "Hello %s,", intro: "Here is last week in Kaiku, against the week before.",
		figure: "Figure", thisWeek: "Last week", weekBefore: "Week before",
		cases: "New cases", resolved: "Resolved", firstResp: "First response, median", resolution: "Resolution, median",
		sla: "SLA met", reopen: "Reopened", fixHeld: "Fix held", rating: "Satisfaction (1-5)",
		breaches: "SLA breaches by team", noBreaches: "No SLA was breached.", topics: "Rising topics",
		open: "Open the reports: %s", none: "(no team)", minutes: "%d min", hours: "%d h %d min", days: "%d d %d h",
	},
	"fi": {
		subject: "Kaikun viikkokooste: %s – %s", hello: "Hei %s,", intro: "Tässä viime viikko Kaikussa verrattuna sitä edeltäneeseen.",
		figure: "Luku", thisWeek: "Viime viikko", weekBefore: "Edellinen viikko",
		cases: "Uudet tapaukset", resolved: "Ratkaistu", firstResp: "Ensivastaus, mediaani", resolution: "Ratkaisu, mediaani",
		sla: "SLA täyttyi", reopen: "Avattu uudelleen", fixHeld: "Korjaus piti", rating: "Tyytyväisyys (1-5)",
		breaches: "SLA-ylitykset tiimeittäin", noBreaches: "Yhtään SLA:ta ei ylitetty.", topics: "Nousevat aiheet",
		open: "Avaa raportit: %s", none: "(ei tiimiä)", minutes: "%d min", hours: "%d h %d min", days: "%d vrk %d h",
	},
}

func (tx summaryTexts) duration(m *int) string {
	switch {
	case m == nil:
		return "–"
	case *m < 60:
		return fmt.Sprintf(tx.minutes, *m)
	case *m < 24*60:
		return fmt.Sprintf(tx.hours, *m/60, *m%60)
	}
	return fmt.Sprintf(tx.days, *m/1440, *m%1440/60)
}

func percent(r *float64) string {
	if r == nil {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", *r*100)
}

func average(v *float64, lang string) string {
	if v == nil {
		return "–"
	}
	s := fmt.Sprintf("%.1f", *v)
	if lang == "fi" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// summaryMessage is the weekly summary mail to u.
func summaryMessage(u models.User, from, to time.Time, this, before *Report, teams map[string]string, topics []string, baseURL string, loc *time.Location) mail.Message {
	lang := u.Locale
	tx, ok := summaryLang[lang]
	if !ok {
		lang, tx = "en", summaryLang["en"]
	}
	day := func(t time.Time) string {
		if lang == "fi" {
			return t.In(loc).Format("2.1.2006")
		}
		return t.In(loc).Format("2 Jan 2006")
	}
	var b strings.Builder
	name := u.Name
	if name == "" {
		name = u.Email
	}
	fmt.Fprintf(&b, tx.hello+"\n\n%s\n\n", name, tx.intro)
	a, p := this.Total, before.Total
	rows := [][3]string{
		{tx.cases, fmt.Sprint(a.Cases), fmt.Sprint(p.Cases)},
		{tx.resolved, fmt.Sprint(a.Resolved), fmt.Sprint(p.Resolved)},
		{tx.firstResp, tx.duration(a.FirstResponse.Median), tx.duration(p.FirstResponse.Median)},
		{tx.resolution, tx.duration(a.Resolution.Median), tx.duration(p.Resolution.Median)},
		{tx.sla, percent(a.SLACompliance), percent(p.SLACompliance)},
		{tx.reopen, percent(a.ReopenRate), percent(p.ReopenRate)},
		{tx.fixHeld, percent(a.FixHeldRate), percent(p.FixHeldRate)},
		{tx.rating, average(a.RatingAverage, lang), average(p.RatingAverage, lang)},
	}
	fmt.Fprintf(&b, "%-26s %14s %14s\n", tx.figure, tx.thisWeek, tx.weekBefore)
	for _, r := range rows {
		fmt.Fprintf(&b, "%-26s %14s %14s\n", r[0], r[1], r[2])
	}
	fmt.Fprintf(&b, "\n%s\n", tx.breaches)
	breached := 0
	for _, g := range this.Groups {
		if g.Figures.SLABreached == 0 {
			continue
		}
		breached++
		team := teams[g.Value]
		if team == "" {
			team = g.Value
		}
		if team == "" {
			team = tx.none
		}
		fmt.Fprintf(&b, "- %s: %d\n", team, g.Figures.SLABreached)
	}
	if breached == 0 {
		fmt.Fprintf(&b, "%s\n", tx.noBreaches)
	}
	if len(topics) > 0 {
		fmt.Fprintf(&b, "\n%s\n", tx.topics)
		for _, t := range topics {
			fmt.Fprintf(&b, "- %s\n", t)
		}
	}
	link := fmt.Sprintf("%s/reports?from=%s&to=%s", baseURL, from.In(loc).Format(time.DateOnly), to.In(loc).AddDate(0, 0, -1).Format(time.DateOnly))
	fmt.Fprintf(&b, "\n"+tx.open+"\n", link)
	return mail.Message{To: u.Email, ToName: u.Name, Subject: fmt.Sprintf(tx.subject, day(from), day(to.AddDate(0, 0, -1))),
		Text: b.String(), Kind: "weekly_summary", Locale: lang}
}
