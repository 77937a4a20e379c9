// Package reports answers managers' questions about how cases go (response and resolution
// times, SLA compliance, reopened cases, fixes that held, satisfaction against what the
// customer expected, escalations, remedies, reviews) from per-case measures kept in the search
// index. Measure computes them when a case is indexed; Service reads them back for every
// matching case in one pass (search.Index.ReportRows) and computes the figures exactly.
package reports

import (
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// Follow-up outcomes, SLA outcomes and outcome gaps as indexed.
const (
	FollowUpHeld       = "held"
	FollowUpNotHeld    = "not_held"
	FollowUpNoResponse = "no_response"

	SLAMet      = "met"
	SLABreached = "breached"

	GapMet       = "met"       // the customer got what they expected
	GapPartial   = "partial"   // part of it (a partial refund for a refund, an apology for an explanation)
	GapDifferent = "different" // something else
	GapNothing   = "nothing"   // no remedy, or resolved with nothing granted
)

// outcomeOf is the kind of outcome a resolution option gives, in the terms of the complaint
// form's "expected outcome" (refund replacement repair apology explanation other).
var outcomeOf = map[string]string{
	"full_refund":            "refund",
	"partial_refund":         "partial_refund",
	"replacement":            "replacement",
	"repair":                 "repair",
	"apology":                "apology",
	"voucher":                "other",
	"next_purchase_discount": "other",
	"goodwill":               "other",
	"no_remedy":              "",
}

// OutcomeGap compares the outcome a customer expected with the option granted ("" none).
// resolved says whether the case has been resolved (nothing granted then is a gap too).
func OutcomeGap(expected, option string, resolved bool) string {
	if expected == "" || (option == "" && !resolved) {
		return ""
	}
	given, known := outcomeOf[option]
	switch {
	case option == "" || (known && given == ""):
		return GapNothing
	case given == expected:
		return GapMet
	case expected == "refund" && given == "partial_refund",
		expected == "explanation" && given == "apology",
		expected == "apology" && given == "explanation":
		return GapPartial
	case !known && expected == "other":
		return GapMet // an option of the installation's own for an outcome the form calls other
	}
	return GapDifferent
}

func minutesBetween(from, to time.Time) *int {
	m := max(int(to.Sub(from)/time.Minute), 0)
	return &m
}

// Measure fills d's report measures from c. It reads only the case, so a reindex computes
// the same figures.
func Measure(c *models.Case, d *search.CaseDoc) {
	if c.FirstResponseAt != nil {
		d.FirstResponseMinutes = minutesBetween(c.CreatedAt, *c.FirstResponseAt)
	}
	resolvedAt := c.ResolvedAt
	reopened, escalated := false, c.EscalationLevel > 0
	var approvalAsked map[string]time.Time
	var firstApproval string
	for _, ev := range c.Timeline {
		switch ev.Type {
		case "changed":
			switch ev.Data["field"] {
			case "status":
				from, to := models.Status(ev.Data["from"]), models.Status(ev.Data["to"])
				if (from == models.StatusResolved || from == models.StatusClosed) && to != models.StatusResolved && to != models.StatusClosed {
					reopened = true
				}
				if to == models.StatusClosed && resolvedAt == nil && c.Status == models.StatusClosed {
					at := ev.At
					resolvedAt = &at // closed without being resolved first: closing is the resolution
				}
			case "escalation_level":
				escalated = true
			}
		case "rule_fired":
			for _, ch := range ev.Changes {
				if ch.Field == "escalation_level" {
					escalated = true
				}
			}
		case "approval_requested":
			if approvalAsked == nil {
				approvalAsked = map[string]time.Time{}
				firstApproval = ev.Data["approval_id"]
			}
			approvalAsked[ev.Data["approval_id"]] = ev.At
		case "approval_rejected", "remedy_granted":
			id := ev.Data["approval_id"]
			if ev.Type == "remedy_granted" {
				id = grantApproval(c, ev.Data["grant_id"])
			}
			if asked, ok := approvalAsked[id]; ok && id == firstApproval && d.ApprovalMinutes == nil {
				d.ApprovalMinutes = minutesBetween(asked, ev.At)
			}
		}
	}
	d.ApprovalRequested = approvalAsked != nil
	d.Reopened, d.Escalated = reopened, escalated
	if resolvedAt != nil && (c.Status == models.StatusResolved || c.Status == models.StatusClosed) {
		d.ResolutionMinutes = minutesBetween(c.CreatedAt, *resolvedAt)
		d.ResolvedAt = *resolvedAt
	}

	breached, met := false, false
	for _, k := range c.SLA {
		switch k.State {
		case models.SLABreached:
			breached = true
		case models.SLAMet:
			met = true
		}
	}
	switch {
	case breached:
		d.SLAOutcome = SLABreached
	case met:
		d.SLAOutcome = SLAMet
	}

	switch {
	case c.FollowUp != nil && c.FollowUp.Resolved:
		d.FollowUpOutcome = FollowUpHeld
	case c.FollowUp != nil:
		d.FollowUpOutcome = FollowUpNotHeld
	case c.FollowUpCheck != nil && c.FollowUpCheck.State == models.FollowUpNoResponse:
		d.FollowUpOutcome = FollowUpNoResponse
	}
	switch {
	case c.FollowUp != nil && c.FollowUp.Rating >= 1 && c.FollowUp.Rating <= 5:
		d.Rating = c.FollowUp.Rating
	case c.Review != nil:
		d.Rating = c.Review.Rating
	}

	// The report groups by the last grant that stands; the inbox's granted_options filter
	// takes any of them (Case.GrantedOptions).
	if standing := c.StandingGrants(); len(standing) > 0 {
		d.OptionGranted = standing[len(standing)-1].OptionID
	}
	d.GrantedMinor = c.GrantedTotal()
	d.OutcomeGap = OutcomeGap(c.ExpectedOutcome, d.OptionGranted, d.ResolutionMinutes != nil)
}

// grantApproval is the approval request a grant came from ("" none).
func grantApproval(c *models.Case, grantID string) string {
	for _, g := range c.Grants {
		if g.ID == grantID {
			return g.ApprovalID
		}
	}
	return ""
}
