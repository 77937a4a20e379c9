package models

import (
	"slices"
	"time"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
)

// No agent activity. A case's idle period starts when it is created, at every agent action on
// it (a reply, a note, a change: any timeline entry with a staff actor) and when it comes
// back to the agents (a customer's answer reopens a waiting or resolved case). The idle clock
// counts business time on the case's calendar while the case needs an agent (new or open);
// each no_agent_activity rule is evaluated once per idle period, when its business minutes
// have passed (IdleDone remembers which were). Rule actions, SLA events and customer messages
// on an open case are not agent activity.

// NeedsAgent reports whether the idle clock runs: the case is new or open.
func (c *Case) NeedsAgent() bool { return c.Status == StatusNew || c.Status == StatusOpen }

// IdleStart is when the current idle period began. Cases stored before idle periods existed
// use their last staff action, or their creation.
func (c *Case) IdleStart() time.Time {
	if c.IdleSince != nil {
		return *c.IdleSince
	}
	for i := len(c.Timeline) - 1; i >= 0; i-- {
		if c.Timeline[i].ActorID != "" {
			return c.Timeline[i].At
		}
	}
	return c.CreatedAt
}

// StartIdlePeriod begins a new idle period at now: every idle rule may run again.
func (c *Case) StartIdlePeriod(now time.Time) {
	c.IdleSince, c.IdleDone = &now, nil
}

// NoteActivity starts a new idle period when the timeline entries a change added show a staff
// actor, or when the change brought the case back to the agents (previous is the status before).
func (c *Case) NoteActivity(added []TimelineEvent, previous Status, now time.Time) {
	staff := slices.ContainsFunc(added, func(e TimelineEvent) bool { return e.ActorID != "" })
	back := c.NeedsAgent() && previous != StatusNew && previous != StatusOpen
	if staff || back {
		c.StartIdlePeriod(now)
	}
}

// IdleRule is a no_agent_activity rule as the idle clock sees it: which rule, and after how many
// business minutes without agent activity it falls due.
type IdleRule struct {
	ID      string
	Minutes int
}

// NextIdleRuleAt is when the next idle rule not yet evaluated in this idle period falls due
// on cal; ok is false when none will (no such rule, or the case does not need an agent).
func (c *Case) NextIdleRuleAt(idle []IdleRule, cal businesstime.Calendar) (time.Time, bool) {
	if !c.NeedsAgent() {
		return time.Time{}, false
	}
	start := c.IdleStart()
	var best time.Time
	found := false
	for _, r := range idle {
		if slices.Contains(c.IdleDone, r.ID) {
			continue
		}
		t, ok := cal.AddBusinessTime(start, time.Duration(r.Minutes)*time.Minute)
		if ok && (!found || t.Before(best)) {
			best, found = t, true
		}
	}
	return best, found
}

// IdleRulesDue returns the idle rules whose business minutes have passed by now and that were
// not evaluated in this idle period yet, with the business time the case has been idle.
func (c *Case) IdleRulesDue(idle []IdleRule, cal businesstime.Calendar, now time.Time) (ids []string, idleFor time.Duration) {
	if !c.NeedsAgent() {
		return nil, 0
	}
	idleFor = cal.BusinessTimeBetween(c.IdleStart(), now)
	for _, r := range idle {
		if !slices.Contains(c.IdleDone, r.ID) && time.Duration(r.Minutes)*time.Minute <= idleFor {
			ids = append(ids, r.ID)
		}
	}
	return ids, idleFor
}

// MarkIdleRulesDone records that the rules were evaluated in this idle period (whether their
// conditions matched or not), so they wait for the next one.
func (c *Case) MarkIdleRulesDone(ids []string) {
	for _, id := range ids {
		if !slices.Contains(c.IdleDone, id) {
			c.IdleDone = append(c.IdleDone, id)
		}
	}
}

// NextTimer is when the case next needs the scheduler: the earliest of its next SLA event, its
// next idle rule, its follow-up check's next step and its promises' reminders and due times. nil: never, as things stand.
func (c *Case) NextTimer(idle []IdleRule, cal businesstime.Calendar) *time.Time {
	var next *time.Time
	if c.NextSLAEventAt != nil {
		t := *c.NextSLAEventAt
		next = &t
	}
	if t, ok := c.NextIdleRuleAt(idle, cal); ok && (next == nil || t.Before(*next)) {
		next = &t
	}
	for _, t := range []*time.Time{c.FollowUpDueAt(), c.NextPromiseAt()} {
		if t != nil && (next == nil || t.Before(*next)) {
			next = t
		}
	}
	return next
}
