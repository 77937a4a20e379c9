package models

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Status is where a case is in its lifecycle.
type Status string

const (
	StatusNew      Status = "new"
	StatusOpen     Status = "open"
	StatusWaiting  Status = "waiting" // waiting on the customer
	StatusResolved Status = "resolved"
	StatusClosed   Status = "closed"
)

// Statuses in lifecycle order.
var Statuses = []Status{StatusNew, StatusOpen, StatusWaiting, StatusResolved, StatusClosed}

// OpenStatuses are the statuses of cases someone still has to act on or wait for.
var OpenStatuses = []Status{StatusNew, StatusOpen, StatusWaiting}

// transitions lists where an agent may move a case from each status. A customer reply reopens
// a waiting or resolved case through Reopen, not through this table.
var transitions = map[Status][]Status{
	StatusNew:      {StatusOpen, StatusWaiting, StatusResolved, StatusClosed},
	StatusOpen:     {StatusWaiting, StatusResolved, StatusClosed},
	StatusWaiting:  {StatusOpen, StatusResolved, StatusClosed},
	StatusResolved: {StatusOpen, StatusClosed},
	StatusClosed:   {StatusOpen},
}

// CanTransition reports whether an agent may move a case from one status to another.
func CanTransition(from, to Status) bool {
	return slices.Contains(transitions[from], to)
}

// Priority is how urgent a case is.
type Priority string

const (
	PriorityLow    Priority = "low"
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// Rank orders priorities for sorting: low 0 .. urgent 3.
func (p Priority) Rank() int {
	switch p {
	case PriorityLow:
		return 0
	case PriorityHigh:
		return 2
	case PriorityUrgent:
		return 3
	}
	return 1
}

// Channel is how a case reached us.
type Channel string

const (
	ChannelWebForm Channel = "web_form"
	ChannelEmail   Channel = "email"
	ChannelPhone   Channel = "phone"
	ChannelWalkIn  Channel = "walk_in"
	ChannelReview  Channel = "review"
	ChannelAPI     Channel = "api"
)

// ChannelNames lists every channel.
var ChannelNames = []string{string(ChannelWebForm), string(ChannelEmail), string(ChannelPhone), string(ChannelWalkIn), string(ChannelReview), string(ChannelAPI)}

// Customer is who complained, as the case remembers them.
type Customer struct {
	Name  string `bson:"name" json:"name"`
	Email string `bson:"email" json:"email"`
	Phone string `bson:"phone,omitempty" json:"phone,omitempty"`
}

// MessageKind separates what the customer sees from what stays inside the team.
type MessageKind string

const (
	MessageCustomer MessageKind = "customer" // written by the customer
	MessageReply    MessageKind = "reply"    // an agent's reply, sent to the customer
	MessageNote     MessageKind = "note"     // internal, never shown to the customer
)

// Message is one entry of a case's conversation.
type Message struct {
	ID        string      `bson:"id" json:"id"`
	Kind      MessageKind `bson:"kind" json:"kind"`
	AuthorID  string      `bson:"author_id,omitempty" json:"author_id,omitempty"`
	Author    string      `bson:"author" json:"author"`
	Body      string      `bson:"body" json:"body"`
	CreatedAt time.Time   `bson:"created_at" json:"created_at"`
	// MergedFrom names the duplicate case this message came from, if any.
	MergedFrom string `bson:"merged_from,omitempty" json:"merged_from,omitempty"`
	// Quoted is the earlier conversation a customer's mail quoted below their words, kept
	// apart from Body and shown only on request.
	Quoted string `bson:"quoted,omitempty" json:"quoted,omitempty"`
}

// TimelineEvent records one change of a case: who did what, when.
type TimelineEvent struct {
	At      time.Time         `bson:"at" json:"at"`
	ActorID string            `bson:"actor_id,omitempty" json:"actor_id,omitempty"`
	Actor   string            `bson:"actor" json:"actor"`
	Type    string            `bson:"type" json:"type"`
	Data    map[string]string `bson:"data,omitempty" json:"data,omitempty"`
	// Changes are the case fields a rule_fired entry's actions changed. They sit inside the
	// firing rather than in "changed" entries of their own because a case is one document:
	// a rule set firing on every complaint would otherwise triple the size of each new case.
	Changes []FieldChange `bson:"changes,omitempty" json:"changes,omitempty"`
}

// FieldChange is one change of a case field. For tags, From is the tag removed and To the tag
// added (one of them empty), not the whole lists.
type FieldChange struct {
	Field string `bson:"field" json:"field"`
	From  string `bson:"from,omitempty" json:"from,omitempty"`
	To    string `bson:"to,omitempty" json:"to,omitempty"`
}

// Case is one complaint or review case. It is stored as one document with its conversation and
// timeline inside, read and written by ID; Version increases by one on every write.
type Case struct {
	ID              string          `bson:"_id" json:"id"` // the reference, e.g. K-2026-000042
	Subject         string          `bson:"subject" json:"subject"`
	Description     string          `bson:"description" json:"description"`
	Customer        Customer        `bson:"customer" json:"customer"`
	Status          Status          `bson:"status" json:"status"`
	Priority        Priority        `bson:"priority" json:"priority"`
	Channel         Channel         `bson:"channel" json:"channel"`
	Category        string          `bson:"category" json:"category"`
	Touchpoint      string          `bson:"touchpoint" json:"touchpoint"`
	ExpectedOutcome string          `bson:"expected_outcome" json:"expected_outcome"`
	Tags            []string        `bson:"tags" json:"tags"`
	AssigneeID      string          `bson:"assignee_id" json:"assignee_id"`
	TeamID          string          `bson:"team_id" json:"team_id"`
	EscalationLevel int             `bson:"escalation_level" json:"escalation_level"`
	Messages        []Message       `bson:"messages" json:"messages"`
	Timeline        []TimelineEvent `bson:"timeline" json:"timeline"`
	CreatedAt       time.Time       `bson:"created_at" json:"created_at"`
	UpdatedAt       time.Time       `bson:"updated_at" json:"updated_at"`
	FirstResponseAt *time.Time      `bson:"first_response_at,omitempty" json:"first_response_at,omitempty"`
	ResolvedAt      *time.Time      `bson:"resolved_at,omitempty" json:"resolved_at,omitempty"`
	OrderRef        string          `bson:"order_ref,omitempty" json:"order_ref,omitempty"`
	Locale          string          `bson:"locale,omitempty" json:"locale,omitempty"`
	Attachments     []AttachmentRef `bson:"attachments,omitempty" json:"attachments"`
	FollowUp        *FollowUp       `bson:"follow_up,omitempty" json:"follow_up,omitempty"`
	// FollowUpCheck is the pending or last "did this solve it?" check (see followup.go);
	// Promises are what agents promised the customer (promise.go).
	FollowUpCheck *FollowUpCheck `bson:"follow_up_check,omitempty" json:"follow_up_check,omitempty"`
	Promises      []Promise      `bson:"promises,omitempty" json:"promises,omitempty"`
	// Grants are the remedies given, in order (see grant.go).
	Grants []Grant `bson:"grants,omitempty" json:"grants"`
	// PendingApprovals are the case's approval requests still waiting (case_approval.go).
	PendingApprovals []PendingApproval `bson:"pending_approvals,omitempty" json:"-"`
	// SLA holds the case's clocks under the policy SLAPolicyID; NextSLAEventAt is the earliest
	// instant one of them needs attention (a warning or a breach) and DueAt the earliest due
	// time, for the inbox's "due soonest".
	SLAPolicyID    string     `bson:"sla_policy_id,omitempty" json:"sla_policy_id,omitempty"`
	SLA            []SLAClock `bson:"sla,omitempty" json:"sla"`
	NextSLAEventAt *time.Time `bson:"next_sla_event_at,omitempty" json:"-"`
	DueAt          *time.Time `bson:"due_at,omitempty" json:"due_at,omitempty"`
	// IdleSince starts the current idle period and IdleDone lists the no_agent_activity rules
	// evaluated in it (see case_idle.go). NextTimer is when the case last asked the scheduler
	// to look at it, so a write adds a timer only when that changes.
	IdleSince   *time.Time `bson:"idle_since,omitempty" json:"-"`
	IdleDone    []string   `bson:"idle_done,omitempty" json:"-"`
	NextTimerAt *time.Time `bson:"next_timer_at,omitempty" json:"-"`
	// MergedInto names the case this duplicate was merged into; its tracking links lead there.
	MergedInto string `bson:"merged_into,omitempty" json:"merged_into,omitempty"`
	// TrackingHash is the SHA-256 of the customer's tracking token; the token itself is only
	// ever in the customer's link.
	TrackingHash string `bson:"tracking_hash,omitempty" json:"-"`
	// Review is set on a case of channel review: the online review it stands for.
	Review *Review `bson:"review,omitempty" json:"review,omitempty"`
	// Email is set on a case that came by e-mail (issue 17): its mailbox and mail thread.
	Email *EmailThread `bson:"email,omitempty" json:"email,omitempty"`
	// LinkedCases are the cases an agent linked this one to as the same customer's: a review
	// and the complaint (or another review) of the person who wrote it, shown on both.
	LinkedCases []string `bson:"linked_cases,omitempty" json:"linked_cases,omitempty"`
	Version     int64    `bson:"version" json:"version"`

	// Data protection (issue 18): when the customer's data was erased or the case passed the
	// retention period (see anonymise.go). Its tracking links open nothing after that.
	AnonymisedAt *time.Time `bson:"anonymised_at,omitempty" json:"anonymised_at,omitempty"`
}

// FormatReference renders the human reference of the n-th case of a year: K-2026-000042.
func FormatReference(year int, n int64) string {
	return fmt.Sprintf("K-%04d-%06d", year, n)
}

// Actor is who makes a change, for the timeline.
type Actor struct {
	ID   string
	Name string
}

// CaseCreate is what staff may set when opening a case themselves (a phone call, a walk-in).
type CaseCreate struct {
	Subject         string         `json:"subject" validate:"required,max=200"`
	Description     string         `json:"description" validate:"required,max=20000"`
	Customer        CustomerCreate `json:"customer" validate:"required"`
	Priority        Priority       `json:"priority" validate:"omitempty,oneof=low normal high urgent"`
	Channel         Channel        `json:"channel" validate:"omitempty,oneof=web_form email phone walk_in review api"`
	Category        string         `json:"category" validate:"max=80"`
	Touchpoint      string         `json:"touchpoint" validate:"max=80"`
	ExpectedOutcome string         `json:"expected_outcome" validate:"omitempty,oneof=refund replacement repair apology explanation other"`
	Tags            []string       `json:"tags" validate:"max=20,dive,min=1,max=40"`
	AssigneeID      string         `json:"assignee_id" validate:"max=64"`
	TeamID          string         `json:"team_id" validate:"max=64"`
}

// CustomerCreate names the customer of a new case.
type CustomerCreate struct {
	Name  string `json:"name" validate:"required,max=120"`
	Email string `json:"email" validate:"required,email,max=254"`
	Phone string `json:"phone" validate:"max=40"`
}

// CasePatch changes some fields of a case; nil means unchanged. Version must name the version
// the client saw: a stale one is refused with a conflict.
type CasePatch struct {
	Version         int64     `json:"version" validate:"required,min=1"`
	Subject         *string   `json:"subject" validate:"omitempty,min=1,max=200"`
	Status          *Status   `json:"status" validate:"omitempty,oneof=new open waiting resolved closed"`
	Priority        *Priority `json:"priority" validate:"omitempty,oneof=low normal high urgent"`
	Category        *string   `json:"category" validate:"omitempty,max=80"`
	Touchpoint      *string   `json:"touchpoint" validate:"omitempty,max=80"`
	ExpectedOutcome *string   `json:"expected_outcome" validate:"omitempty,oneof=refund replacement repair apology explanation other"`
	Tags            *[]string `json:"tags" validate:"omitempty,max=20,dive,min=1,max=40"`
	AssigneeID      *string   `json:"assignee_id" validate:"omitempty,max=64"`
	TeamID          *string   `json:"team_id" validate:"omitempty,max=64"`
}

// NewCase builds a case from a staff request. The caller supplies the reference and the time.
func NewCase(id string, req CaseCreate, by Actor, now time.Time) *Case {
	c := &Case{
		ID:              id,
		Subject:         strings.TrimSpace(req.Subject),
		Description:     req.Description,
		Customer:        Customer{Name: strings.TrimSpace(req.Customer.Name), Email: NormalizeEmail(req.Customer.Email), Phone: req.Customer.Phone},
		Status:          StatusNew,
		Priority:        req.Priority,
		Channel:         req.Channel,
		Category:        req.Category,
		Touchpoint:      req.Touchpoint,
		ExpectedOutcome: req.ExpectedOutcome,
		Tags:            NormalizeTags(req.Tags),
		AssigneeID:      req.AssigneeID,
		TeamID:          req.TeamID,
		Messages:        []Message{},
		Attachments:     []AttachmentRef{},
		CreatedAt:       now,
		UpdatedAt:       now,
		Version:         1,
	}
	if c.Priority == "" {
		c.Priority = PriorityNormal
	}
	if c.Channel == "" {
		c.Channel = ChannelPhone
	}
	if c.AssigneeID != "" {
		c.Status = StatusOpen
	}
	c.Timeline = []TimelineEvent{{At: now, ActorID: by.ID, Actor: by.Name, Type: "created",
		Data: map[string]string{"channel": string(c.Channel)}}}
	return c
}

// ApplyPatch applies a patch to the case, recording every change on the timeline. It checks the
// lifecycle but not the version (the store does that atomically).
func (c *Case) ApplyPatch(p CasePatch, by Actor, now time.Time) error {
	changed := false
	record := func(field, from, to string) {
		if from == to {
			return
		}
		changed = true
		c.Timeline = append(c.Timeline, TimelineEvent{At: now, ActorID: by.ID, Actor: by.Name, Type: "changed",
			Data: map[string]string{"field": field, "from": from, "to": to}})
	}
	if p.Status != nil && *p.Status != c.Status {
		if !CanTransition(c.Status, *p.Status) {
			return &Error{Kind: KindUnprocessable, Code: "invalid_transition",
				Message: fmt.Sprintf("a %s case cannot become %s", c.Status, *p.Status),
				Fields:  map[string]string{"status": "not allowed from " + string(c.Status)}}
		}
		record("status", string(c.Status), string(*p.Status))
		c.Status = *p.Status
		switch c.Status {
		case StatusResolved:
			t := now
			c.ResolvedAt = &t
		case StatusOpen:
			c.ResolvedAt = nil
		}
	}
	if p.Subject != nil {
		s := strings.TrimSpace(*p.Subject)
		record("subject", c.Subject, s)
		c.Subject = s
	}
	if p.Priority != nil {
		record("priority", string(c.Priority), string(*p.Priority))
		c.Priority = *p.Priority
	}
	if p.Category != nil {
		record("category", c.Category, *p.Category)
		c.Category = *p.Category
	}
	if p.Touchpoint != nil {
		record("touchpoint", c.Touchpoint, *p.Touchpoint)
		c.Touchpoint = *p.Touchpoint
	}
	if p.ExpectedOutcome != nil {
		record("expected_outcome", c.ExpectedOutcome, *p.ExpectedOutcome)
		c.ExpectedOutcome = *p.ExpectedOutcome
	}
	if p.Tags != nil {
		tags := NormalizeTags(*p.Tags)
		record("tags", strings.Join(c.Tags, ","), strings.Join(tags, ","))
		c.Tags = tags
	}
	if p.AssigneeID != nil {
		record("assignee_id", c.AssigneeID, *p.AssigneeID)
		c.AssigneeID = *p.AssigneeID
		if c.AssigneeID != "" && c.Status == StatusNew {
			record("status", string(c.Status), string(StatusOpen))
			c.Status = StatusOpen
		}
	}
	if p.TeamID != nil {
		record("team_id", c.TeamID, *p.TeamID)
		c.TeamID = *p.TeamID
	}
	if changed {
		c.UpdatedAt = now
	}
	return nil
}

// NormalizeEmail lowercases and trims an address so one customer is one key.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NormalizeTags trims, lowercases, and removes duplicates, keeping first-seen order.
func NormalizeTags(tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}
