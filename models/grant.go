package models

import (
	"strconv"
	"time"
)

// Grant is one remedy given to the customer on a case: an entry inside the case, never edited.
// A reversal is a grant of its own whose Reverses names the entry it undoes and whose amount is
// the negative of that entry's. Amounts are integer minor units of Currency (cents for EUR).
type Grant struct {
	ID          string    `bson:"id" json:"id"`
	OptionID    string    `bson:"option_id" json:"option_id"`
	AmountMinor int64     `bson:"amount_minor" json:"amount_minor"`
	Currency    string    `bson:"currency" json:"currency"`
	Message     string    `bson:"message" json:"message"`
	GrantedByID string    `bson:"granted_by_id" json:"granted_by_id"`
	GrantedBy   string    `bson:"granted_by" json:"granted_by"`
	ApprovedBy  string    `bson:"approved_by,omitempty" json:"approved_by,omitempty"`
	ApprovalID  string    `bson:"approval_id,omitempty" json:"approval_id,omitempty"`
	Reverses    string    `bson:"reverses,omitempty" json:"reverses,omitempty"`
	At          time.Time `bson:"at" json:"at"`
	// FollowUpDays is the option's follow-up delay when it was granted (0: the
	// installation's default): resolving the case asks the customer after it.
	FollowUpDays int `bson:"follow_up_days,omitempty" json:"follow_up_days,omitempty"`
}

// GrantedTotal is the net money granted on the case so far (reversals included).
func (c *Case) GrantedTotal() int64 {
	var total int64
	for _, g := range c.Grants {
		total += g.AmountMinor
	}
	return total
}

// AddGrant records g on the case and on its timeline, beside the outcome the customer expected.
func (c *Case) AddGrant(g Grant) {
	c.Grants = append(c.Grants, g)
	typ := "remedy_granted"
	if g.Reverses != "" {
		typ = "remedy_reversed"
	}
	data := map[string]string{"grant_id": g.ID, "option": g.OptionID, "amount_minor": strconv.FormatInt(g.AmountMinor, 10),
		"currency": g.Currency, "expected_outcome": c.ExpectedOutcome}
	if g.ApprovedBy != "" {
		data["approved_by"] = g.ApprovedBy
	}
	c.Timeline = append(c.Timeline, TimelineEvent{At: g.At, ActorID: g.GrantedByID, Actor: g.GrantedBy, Type: typ, Data: data})
	c.UpdatedAt = g.At
}

// StandingGrants are the case's grants that stand, oldest first: neither reversals nor
// reversed.
func (c *Case) StandingGrants() []Grant {
	reversed := map[string]bool{}
	for _, g := range c.Grants {
		if g.Reverses != "" {
			reversed[g.Reverses] = true
		}
	}
	var out []Grant
	for _, g := range c.Grants {
		if g.Reverses == "" && !reversed[g.ID] {
			out = append(out, g)
		}
	}
	return out
}

// FollowUpDays is the follow-up delay of the case's latest grant that stands (neither a
// reversal nor reversed) and names one; 0 when none does (the installation's default applies).
func (c *Case) FollowUpDays() int {
	standing := c.StandingGrants()
	for i := len(standing) - 1; i >= 0; i-- {
		if standing[i].FollowUpDays > 0 {
			return standing[i].FollowUpDays
		}
	}
	return 0
}
