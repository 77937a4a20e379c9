package models

import (
	"slices"
	"strconv"
	"time"
)

// Remedy outcome statuses, as the customer is told them.
const (
	RemedyGranted  = "granted"  // given (within a limit, or approved: then at the approved amount)
	RemedyWaiting  = "waiting"  // over a limit, waiting for a decision
	RemedyRejected = "rejected" // over a limit, and not approved
)

// RemedyOutcome is one decision on a remedy as the customer sees it: what was given (an
// approver's changed amount, never the amount first asked), what waits for approval, and what
// was not approved. Name and Text are the option's, in the case's language (the caller fills
// them from the catalogue); the agent's and approver's words stay with staff.
type RemedyOutcome struct {
	Status      string    `json:"status"`
	OptionID    string    `json:"option_id"`
	Name        string    `json:"name"`
	Text        string    `json:"text"`
	AmountMinor int64     `json:"amount_minor"`
	Currency    string    `json:"currency"`
	At          time.Time `json:"at"`
}

// RemedyOutcomes lists the case's remedies for the customer, oldest first: the grants that
// stand (reversed ones and reversals left out), and the approval requests that no grant came of,
// waiting or rejected.
func (c *Case) RemedyOutcomes() []RemedyOutcome {
	out := []RemedyOutcome{}
	approvedBy := map[string]bool{}
	currency := ""
	for _, g := range c.Grants {
		if g.ApprovalID != "" {
			approvedBy[g.ApprovalID] = true
		}
		currency = g.Currency
	}
	for _, g := range c.StandingGrants() {
		out = append(out, RemedyOutcome{Status: RemedyGranted, OptionID: g.OptionID, AmountMinor: g.AmountMinor, Currency: g.Currency, At: g.At})
	}
	rejected := map[string]time.Time{}
	for _, e := range c.Timeline {
		if e.Type == "approval_rejected" {
			rejected[e.Data["approval_id"]] = e.At
		}
	}
	for _, e := range c.Timeline {
		id := e.Data["approval_id"]
		if e.Type != "approval_requested" || approvedBy[id] {
			continue
		}
		amount, _ := strconv.ParseInt(e.Data["amount_minor"], 10, 64)
		o := RemedyOutcome{Status: RemedyWaiting, OptionID: e.Data["option"], AmountMinor: amount, Currency: currency, At: e.At}
		if cur := e.Data["currency"]; cur != "" {
			o.Currency = cur
		}
		if at, ok := rejected[id]; ok {
			o.Status, o.At = RemedyRejected, at
		}
		out = append(out, o)
	}
	slices.SortStableFunc(out, func(a, b RemedyOutcome) int { return a.At.Compare(b.At) })
	return out
}
