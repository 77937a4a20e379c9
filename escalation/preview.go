package escalation

import (
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// --- preview --------------------------------------------------------------------------------

// PreviewMatch is a case a rule would match now.
type PreviewMatch struct {
	CaseID  string `json:"case_id"`
	Subject string `json:"subject"`
	Matched string `json:"matched"`
}

// PreviewRule returns the cases whose current state meets the rule's conditions, whether or not
// the rule is enabled; it changes nothing. With no event to look at, "changed" conditions are
// assumed true, "changed_to" reads as "is", and sla_clock conditions are assumed true. counts
// gives a customer's (by email) cases in the last days days; nil makes repeat_complainant false.
func PreviewRule(r Rule, cases []*models.Case, counts func(email string, days int) int, now time.Time) []PreviewMatch {
	cr := compileRule(r, nil)
	out := []PreviewMatch{}
	for _, c := range cases {
		if c == nil {
			continue
		}
		in := RuleInput{Case: c, Now: now}
		if counts != nil {
			email := c.Customer.Email
			in.CustomerCaseCounts = func(days int) int { return counts(email, days) }
		}
		e := &ruleEval{in: in, c: c, preview: true}
		if ok, matched := e.match(&cr); ok {
			out = append(out, PreviewMatch{CaseID: c.ID, Subject: c.Subject, Matched: matched})
		}
	}
	return out
}
