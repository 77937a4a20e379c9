package models

import (
	"strings"
	"time"
)

// Promises: an agent records what was promised to the customer and by when ("we will call
// you by Friday 12:00"). The scheduler reminds the agent at RemindAt (in the app), the case
// page prompts them from then on to tell the customer about a delay before the time passes,
// and a promise still open at its due time is recorded as broken. Like the follow-up check
// the times live on the case and NextTimer hands them to the durable timers.

// PromiseState is where a promise is.
type PromiseState string

const (
	PromiseOpen   PromiseState = "open"
	PromiseKept   PromiseState = "kept"
	PromiseBroken PromiseState = "broken"
)

// MaxPromises bounds the promises one case keeps (each is a few values of the document).
const MaxPromises = 50

// Promise is one promise on a case.
type Promise struct {
	ID        string       `bson:"id" json:"id"`
	Text      string       `bson:"text" json:"text"`
	DueAt     time.Time    `bson:"due_at" json:"due_at"`
	RemindAt  time.Time    `bson:"remind_at" json:"remind_at"`
	State     PromiseState `bson:"state" json:"state"`
	Reminded  bool         `bson:"reminded,omitempty" json:"reminded"`
	ByID      string       `bson:"by_id" json:"by_id"`
	By        string       `bson:"by" json:"by"`
	CreatedAt time.Time    `bson:"created_at" json:"created_at"`
	// Delays counts the times the customer was told of a new time.
	Delays int `bson:"delays,omitempty" json:"delays"`
}

// PromiseCreate is an agent's new promise.
type PromiseCreate struct {
	Text string `json:"text" validate:"required,min=1,max=500"`
	// DueAt is an RFC 3339 time (a string here: the request schema of a time.Time field
	// cannot carry validation rules).
	DueAt string `json:"due_at" validate:"required,max=40"`
}

// PromiseDelay moves a promise to a new time and tells the customer.
type PromiseDelay struct {
	DueAt   string `json:"due_at" validate:"required,max=40"`
	Message string `json:"message" validate:"max=2000"`
}

// PromiseRemindAt is when an agent is reminded of a promise due at due, made at now: lead
// before it, or halfway there when the promise is shorter than twice the lead.
func PromiseRemindAt(due, now time.Time, lead time.Duration) time.Time {
	if due.Sub(now) < 2*lead {
		return now.Add(due.Sub(now) / 2)
	}
	return due.Add(-lead)
}

// parsePromiseTime reads an RFC 3339 due time.
func parsePromiseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, InvalidField("due_at", "must be a date and time like 2026-03-06T12:00:00+02:00")
	}
	return t.UTC(), nil
}

func promiseTimeInFuture(due, now time.Time) error {
	if !due.After(now) {
		return InvalidField("due_at", "must be in the future")
	}
	if due.After(now.AddDate(1, 0, 0)) {
		return InvalidField("due_at", "must be within a year")
	}
	return nil
}

// AddPromise records a promise.
func (c *Case) AddPromise(id string, req PromiseCreate, by Actor, lead time.Duration, now time.Time) (*Promise, error) {
	text := strings.TrimSpace(req.Text)
	if text == "" {
		return nil, InvalidField("text", "is required")
	}
	due, err := parsePromiseTime(req.DueAt)
	if err != nil {
		return nil, err
	}
	if err := promiseTimeInFuture(due, now); err != nil {
		return nil, err
	}
	if len(c.Promises) >= MaxPromises {
		return nil, Unprocessable("too_many_promises", "this case has too many promises")
	}
	p := Promise{ID: id, Text: text, DueAt: due, RemindAt: PromiseRemindAt(due, now, lead),
		State: PromiseOpen, ByID: by.ID, By: by.Name, CreatedAt: now}
	c.Promises = append(c.Promises, p)
	c.Timeline = append(c.Timeline, TimelineEvent{At: now, ActorID: by.ID, Actor: by.Name, Type: "promise_made",
		Data: map[string]string{"promise": text, "due_at": p.DueAt.Format(time.RFC3339)}})
	c.UpdatedAt = now
	return &c.Promises[len(c.Promises)-1], nil
}

// openPromise finds an open promise by ID.
func (c *Case) openPromise(id string) (*Promise, error) {
	for i := range c.Promises {
		if c.Promises[i].ID == id {
			if c.Promises[i].State != PromiseOpen {
				return nil, Conflict("promise_closed", "this promise is "+string(c.Promises[i].State)+" already")
			}
			return &c.Promises[i], nil
		}
	}
	return nil, NotFound("promise")
}

// KeepPromise records that an open promise was kept.
func (c *Case) KeepPromise(id string, by Actor, now time.Time) error {
	p, err := c.openPromise(id)
	if err != nil {
		return err
	}
	p.State = PromiseKept
	c.Timeline = append(c.Timeline, TimelineEvent{At: now, ActorID: by.ID, Actor: by.Name, Type: "promise_kept",
		Data: map[string]string{"promise": p.Text}})
	c.UpdatedAt = now
	return nil
}

// DelayPromise moves an open promise to a new time (the caller tells the customer).
func (c *Case) DelayPromise(id string, req PromiseDelay, by Actor, lead time.Duration, now time.Time) (*Promise, error) {
	p, err := c.openPromise(id)
	if err != nil {
		return nil, err
	}
	due, err := parsePromiseTime(req.DueAt)
	if err != nil {
		return nil, err
	}
	if err := promiseTimeInFuture(due, now); err != nil {
		return nil, err
	}
	if !due.After(p.DueAt) {
		return nil, InvalidField("due_at", "must be later than the promised time")
	}
	from := p.DueAt
	p.DueAt, p.RemindAt, p.Reminded = due, PromiseRemindAt(due, now, lead), false
	p.Delays++
	c.Timeline = append(c.Timeline, TimelineEvent{At: now, ActorID: by.ID, Actor: by.Name, Type: "promise_delayed",
		Data: map[string]string{"promise": p.Text, "from": from.Format(time.RFC3339), "to": p.DueAt.Format(time.RFC3339)}})
	c.UpdatedAt = now
	return p, nil
}

// PromisesDue marks the open promises whose reminder time has come as reminded and those whose
// time has passed as broken (on the timeline). It returns them for the caller to tell the agents.
func (c *Case) PromisesDue(now time.Time) (remind, broken []Promise) {
	for i := range c.Promises {
		p := &c.Promises[i]
		if p.State != PromiseOpen {
			continue
		}
		if !p.DueAt.After(now) {
			p.State = PromiseBroken
			c.Timeline = append(c.Timeline, TimelineEvent{At: now, Actor: "Kaiku", Type: "promise_broken",
				Data: map[string]string{"promise": p.Text, "due_at": p.DueAt.Format(time.RFC3339)}})
			broken = append(broken, *p)
			continue
		}
		if !p.Reminded && !p.RemindAt.After(now) {
			p.Reminded = true
			remind = append(remind, *p)
		}
	}
	return remind, broken
}

// NextPromiseAt is the earliest reminder or due time of an open promise.
func (c *Case) NextPromiseAt() *time.Time {
	var next *time.Time
	for _, p := range c.Promises {
		if p.State != PromiseOpen {
			continue
		}
		t := p.DueAt
		if !p.Reminded && p.RemindAt.Before(t) {
			t = p.RemindAt
		}
		if next == nil || t.Before(*next) {
			next = &t
		}
	}
	return next
}
