package helpdesk

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/remedies"
)

// The customer is told what became of the remedies on their case, in their language: on the
// tracking page (PublicCase.Remedies) and in the resolution notice. The option's name and its
// text to the customer come from the catalogue.

// catalogue is how the customer's views read the resolution options.
type catalogue interface {
	ListResolutionOptions(ctx context.Context) ([]remedies.Option, error)
}

// nameRemedies fills each outcome's name and customer text in locale from the catalogue; an
// option missing from it keeps its id as the name. A failure is logged: the outcomes stand.
func nameRemedies(ctx context.Context, cat catalogue, logger *slog.Logger, locale string, outcomes []models.RemedyOutcome) {
	if len(outcomes) == 0 {
		return
	}
	opts, err := cat.ListResolutionOptions(ctx)
	if err != nil {
		logger.Warn("resolution options for the customer's view", "err", err)
	}
	byID := make(map[string]*remedies.Option, len(opts))
	for i := range opts {
		byID[opts[i].ID] = &opts[i]
	}
	for i := range outcomes {
		o := &outcomes[i]
		o.Name = o.OptionID
		if opt, ok := byID[o.OptionID]; ok {
			o.Name, o.Text = opt.Name.In(locale), opt.CustomerText.In(locale)
		}
	}
}

// publicCase is the customer's view of c, its remedies named in its language.
func (in *Intake) publicCase(ctx context.Context, c *models.Case) *models.PublicCase {
	p := c.Public()
	nameRemedies(ctx, in.store, in.logger, p.Locale, p.Remedies)
	return &p
}

// outcomeWords are the resolution notice's words for each outcome, per language.
var outcomeWords = map[string]map[string]string{
	"en": {
		models.RemedyWaiting:  "%s%s: waiting for approval. We will tell you the decision.",
		models.RemedyRejected: "%s%s: not approved.",
	},
	"fi": {
		models.RemedyWaiting:  "%s%s: odottaa hyväksyntää. Kerromme sinulle päätöksestä.",
		models.RemedyRejected: "%s%s: ei hyväksytty.",
	},
}

// RemedyLines writes named outcomes as the lines of a mail in locale ("en" or "fi"): what was
// given, at the amount given, with the option's text; what waits; what was not approved.
func RemedyLines(locale string, outcomes []models.RemedyOutcome) string {
	words, ok := outcomeWords[locale]
	if !ok {
		locale, words = "en", outcomeWords["en"]
	}
	var lines []string
	for _, o := range outcomes {
		amount := ""
		if o.AmountMinor != 0 {
			amount = " " + remedies.FormatMoney(o.AmountMinor, o.Currency, locale)
		}
		switch o.Status {
		case models.RemedyGranted:
			line := "- " + o.Name + amount
			if o.Text != "" {
				line += ". " + o.Text
			}
			lines = append(lines, line)
		default:
			lines = append(lines, "- "+fmt.Sprintf(words[o.Status], o.Name, amount))
		}
	}
	return strings.Join(lines, "\n")
}
