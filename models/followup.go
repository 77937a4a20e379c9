package models

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The follow-up check: resolving a case schedules one question to the customer, "did this
// solve it?", after a delay. When it falls due the customer is mailed a link to a one-page
// check (state asked); yes closes the case with the rating, no reopens it to whoever had it,
// and no answer within the answer window closes it as no response. Everyone is asked the
// same way. The times live on the case and the scheduler's durable timers look at them
// (NextTimer), so each step happens once however many replicas sweep.

// FollowUpState is where a follow-up check is.
type FollowUpState string

const (
	FollowUpScheduled  FollowUpState = "scheduled"   // resolved; the customer is asked at AskAt
	FollowUpAsked      FollowUpState = "asked"       // mailed; waiting for an answer until ExpiresAt
	FollowUpAnswered   FollowUpState = "answered"    // answered (FollowUp holds the answer)
	FollowUpNoResponse FollowUpState = "no_response" // nobody answered in time: closed
	FollowUpCancelled  FollowUpState = "cancelled"   // the case was reopened before it was due
)

// FollowUpCheck is a case's follow-up check.
type FollowUpCheck struct {
	State     FollowUpState `bson:"state" json:"state"`
	AskAt     time.Time     `bson:"ask_at" json:"ask_at"`
	AskedAt   *time.Time    `bson:"asked_at,omitempty" json:"asked_at,omitempty"`
	ExpiresAt *time.Time    `bson:"expires_at,omitempty" json:"expires_at,omitempty"`
	// AssigneeID and TeamID had the case when it was resolved: a failed check goes back to them.
	AssigneeID string `bson:"assignee_id,omitempty" json:"assignee_id,omitempty"`
	TeamID     string `bson:"team_id,omitempty" json:"team_id,omitempty"`
}

// Pending reports whether the check still waits for its question or its answer.
func (f *FollowUpCheck) Pending() bool {
	return f != nil && (f.State == FollowUpScheduled || f.State == FollowUpAsked)
}

// FollowUpDueAt is when the check next needs the scheduler: the question, or the end of the
// answer window. nil when it is over.
func (c *Case) FollowUpDueAt() *time.Time {
	f := c.FollowUpCheck
	switch {
	case f == nil:
		return nil
	case f.State == FollowUpScheduled:
		t := f.AskAt
		return &t
	case f.State == FollowUpAsked && f.ExpiresAt != nil:
		t := *f.ExpiresAt
		return &t
	}
	return nil
}

// FollowUpAnswerable reports whether the customer (or an agent for them) may answer now: the
// case is resolved or closed with a pending check, or resolved before checks existed and
// never answered.
func (c *Case) FollowUpAnswerable() bool {
	if c.Status != StatusResolved && c.Status != StatusClosed {
		return false
	}
	if c.FollowUpCheck == nil {
		return c.FollowUp == nil
	}
	return c.FollowUpCheck.Pending()
}

// ScheduleFollowUp starts a new check asked at askAt, remembering who had the case.
func (c *Case) ScheduleFollowUp(askAt, now time.Time) {
	c.FollowUpCheck = &FollowUpCheck{State: FollowUpScheduled, AskAt: askAt, AssigneeID: c.AssigneeID, TeamID: c.TeamID}
	c.FollowUp = nil
	c.Timeline = append(c.Timeline, TimelineEvent{At: now, Actor: "Kaiku", Type: "follow_up_scheduled",
		Data: map[string]string{"ask_at": askAt.UTC().Format(time.RFC3339)}})
}

// CancelFollowUp drops a pending check when the case goes back to work before it is answered.
func (c *Case) CancelFollowUp(now time.Time) {
	if !c.FollowUpCheck.Pending() {
		return
	}
	c.FollowUpCheck.State = FollowUpCancelled
	c.Timeline = append(c.Timeline, TimelineEvent{At: now, Actor: "Kaiku", Type: "follow_up_cancelled"})
}

// AskFollowUp moves a scheduled check that is due to asked, with answers taken until
// now+window. It reports whether it did (the caller mails the customer).
func (c *Case) AskFollowUp(now time.Time, window time.Duration) bool {
	f := c.FollowUpCheck
	if f == nil || f.State != FollowUpScheduled || f.AskAt.After(now) {
		return false
	}
	until := now.Add(window)
	f.State, f.AskedAt, f.ExpiresAt = FollowUpAsked, &now, &until
	c.Timeline = append(c.Timeline, TimelineEvent{At: now, Actor: "Kaiku", Type: "follow_up_asked"})
	return true
}

// RecordFollowUpAsked brings into the case a question asked without writing it (a bulk ask,
// helpdesk/followup_batch.go): the check due at askAt was mailed at askedAt, answers taken
// until until. A check still scheduled moves to asked; one answered or cancelled meanwhile
// keeps its state, and either way the timeline says, at its time, that the customer was
// asked. It reports whether it changed the case (not for another check, nor twice).
func (c *Case) RecordFollowUpAsked(askAt, askedAt, until time.Time) bool {
	f := c.FollowUpCheck
	if f == nil || !f.AskAt.Equal(askAt) {
		return false
	}
	if f.State == FollowUpScheduled {
		f.State, f.AskedAt, f.ExpiresAt = FollowUpAsked, &askedAt, &until
	} else {
		for i := len(c.Timeline) - 1; i >= 0 && c.Timeline[i].Type != "follow_up_scheduled"; i-- {
			if c.Timeline[i].Type == "follow_up_asked" {
				return false
			}
		}
	}
	at := len(c.Timeline)
	for at > 0 && c.Timeline[at-1].At.After(askedAt) {
		at--
	}
	c.Timeline = slices.Insert(c.Timeline, at, TimelineEvent{At: askedAt, Actor: "Kaiku", Type: "follow_up_asked"})
	return true
}

// ExpireFollowUp closes a case whose asked check got no answer by its deadline. It reports
// whether it did.
func (c *Case) ExpireFollowUp(now time.Time) bool {
	f := c.FollowUpCheck
	if f == nil || f.State != FollowUpAsked || f.ExpiresAt == nil || f.ExpiresAt.After(now) {
		return false
	}
	f.State = FollowUpNoResponse
	c.Timeline = append(c.Timeline, TimelineEvent{At: now, Actor: "Kaiku", Type: "follow_up_no_response"})
	if c.Status != StatusClosed {
		c.Timeline = append(c.Timeline, TimelineEvent{At: now, Actor: "Kaiku", Type: "changed",
			Data: map[string]string{"field": "status", "from": string(c.Status), "to": string(StatusClosed), "reason": "follow-up: no response"}})
		c.Status = StatusClosed
	}
	c.UpdatedAt = now
	return true
}

// AnswerFollowUp records the answer to the check: by is the agent who recorded it for the
// customer (a phone call), or the zero Actor when the customer answered. Yes closes the case
// with the rating; no reopens it, raises its priority and gives it back to the agent and team
// that had it. failed reports a no (the caller fires the follow_up_failed rules).
func (c *Case) AnswerFollowUp(req FollowUpCreate, by Actor, now time.Time) (failed bool, err error) {
	if !c.FollowUpAnswerable() {
		if c.FollowUp != nil {
			return false, Conflict("already_answered", "the follow-up has been answered already; thank you")
		}
		return false, Unprocessable("not_resolved", "the follow-up opens once the case is resolved")
	}
	actor := by.Name
	if by.ID == "" {
		actor = c.Customer.Name
	}
	c.FollowUp = &FollowUp{Resolved: *req.Resolved, Rating: req.Rating, Comment: strings.TrimSpace(req.Comment), At: now, RecordedBy: by.ID}
	if c.FollowUpCheck == nil { // resolved before checks existed
		c.FollowUpCheck = &FollowUpCheck{AssigneeID: c.AssigneeID, TeamID: c.TeamID, AskAt: now}
	}
	c.FollowUpCheck.State = FollowUpAnswered
	data := map[string]string{"resolved": fmt.Sprint(*req.Resolved), "rating": fmt.Sprint(req.Rating)}
	if by.ID != "" {
		data["recorded_by"] = by.Name
	}
	c.Timeline = append(c.Timeline, TimelineEvent{At: now, ActorID: by.ID, Actor: actor, Type: "follow_up", Data: data})
	status := func(to Status, reason string) {
		if c.Status == to {
			return
		}
		c.Timeline = append(c.Timeline, TimelineEvent{At: now, Actor: actor, Type: "changed",
			Data: map[string]string{"field": "status", "from": string(c.Status), "to": string(to), "reason": reason}})
		c.Status = to
	}
	c.UpdatedAt = now
	if *req.Resolved {
		status(StatusClosed, "follow-up: solved")
		return false, nil
	}
	// The fix did not hold: the same case goes back, more urgent, to whoever had it.
	status(StatusOpen, "follow-up: not solved")
	c.ResolvedAt = nil
	if raised := RaisedPriority(c.Priority); raised != c.Priority {
		c.Timeline = append(c.Timeline, TimelineEvent{At: now, Actor: actor, Type: "changed",
			Data: map[string]string{"field": "priority", "from": string(c.Priority), "to": string(raised), "reason": "follow-up: not solved"}})
		c.Priority = raised
	}
	back := func(field string, cur *string, to string) {
		if to == "" || *cur == to {
			return
		}
		c.Timeline = append(c.Timeline, TimelineEvent{At: now, Actor: actor, Type: "changed",
			Data: map[string]string{"field": field, "from": *cur, "to": to, "reason": "follow-up: not solved"}})
		*cur = to
	}
	back("assignee_id", &c.AssigneeID, c.FollowUpCheck.AssigneeID)
	back("team_id", &c.TeamID, c.FollowUpCheck.TeamID)
	return true, nil
}

// RaisedPriority is the next priority up (urgent stays urgent).
func RaisedPriority(p Priority) Priority {
	switch p {
	case PriorityLow:
		return PriorityNormal
	case PriorityNormal, "":
		return PriorityHigh
	}
	return PriorityUrgent
}
