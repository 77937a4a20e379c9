package models

import "time"

// What happened to a case, as far as its SLA clocks care.
const (
	SLAOnAgentReply    = "agent_replied"
	SLAOnCustomerReply = "customer_replied"
	SLAOnStatus        = "status_changed"
)

// StartSLA puts the case under a policy and starts its clocks.
func (c *Case) StartSLA(p SLAPolicy, now time.Time) {
	clocks, events := p.StartClocks(c, now)
	c.SLAPolicyID, c.SLA = p.ID, clocks
	c.recordSLA(events)
}

// SLAAfter moves the clocks after something happened to the case. previous is the status
// before the change (for SLAOnStatus). The policy gives the calendar and the targets.
func (c *Case) SLAAfter(p SLAPolicy, what string, previous Status, now time.Time) {
	if c.SLAPolicyID == "" || c.SLAPolicyID != p.ID {
		return
	}
	var events []SLAEvent
	each := func(kinds []SLAKind, f func(k *SLAClock) []SLAEvent) {
		for i := range c.SLA {
			for _, kind := range kinds {
				if c.SLA[i].Kind == kind && c.SLA[i].MetAt == nil && c.SLA[i].State != SLAMet {
					events = append(events, f(&c.SLA[i])...)
				}
			}
		}
	}
	business := []SLAKind{SLAFirstResponse, SLANextResponse, SLAResolution}
	switch what {
	case SLAOnAgentReply:
		each([]SLAKind{SLAFirstResponse, SLANextResponse}, func(k *SLAClock) []SLAEvent { return k.Met(now) })
	case SLAOnCustomerReply:
		if c.Status != StatusWaiting {
			each(business, func(k *SLAClock) []SLAEvent {
				if k.State == SLAPaused {
					return k.Resume(p.Calendar, now)
				}
				return nil
			})
		}
		if !c.hasOutstanding(SLANextResponse) && c.FirstResponseAt != nil {
			if k, e, ok := p.StartNextResponse(c, now); ok {
				c.SLA = append(c.SLA, k)
				events = append(events, e)
			}
		}
		if !c.hasOutstanding(SLAResolution) && previous != "" && (previous == StatusResolved || previous == StatusClosed) {
			events = append(events, c.restartResolution(p, now)...)
		}
	case SLAOnStatus:
		switch {
		case c.Status == StatusWaiting && previous != StatusWaiting:
			each(business, func(k *SLAClock) []SLAEvent { return k.Pause(p.Calendar, now) })
		case c.Status == StatusResolved || c.Status == StatusClosed:
			each(append(business, SLAFinalAnswer), func(k *SLAClock) []SLAEvent { return k.Met(now) })
		case previous == StatusWaiting:
			each(business, func(k *SLAClock) []SLAEvent {
				if k.State == SLAPaused {
					return k.Resume(p.Calendar, now)
				}
				return nil
			})
		case previous == StatusResolved || previous == StatusClosed:
			events = append(events, c.restartResolution(p, now)...)
		}
	}
	c.recordSLA(events)
}

// restartResolution starts a fresh resolution clock for a reopened case.
func (c *Case) restartResolution(p SLAPolicy, now time.Time) []SLAEvent {
	t, _ := p.TargetsFor(c.Priority)
	if t.Resolution <= 0 {
		return nil
	}
	k, e := NewSLAClock(SLAResolution, p.ID, t.Resolution, p.WarnAtPercent, p.Calendar, now)
	c.SLA = append(c.SLA, k)
	return []SLAEvent{e}
}

func (c *Case) hasOutstanding(kind SLAKind) bool {
	for _, k := range c.SLA {
		if k.Kind == kind && k.MetAt == nil && k.State != SLAMet {
			return true
		}
	}
	return false
}

// EvaluateSLA emits the warnings and breaches due by now (each once) and returns them.
func (c *Case) EvaluateSLA(now time.Time) []SLAEvent {
	events := EvaluateSLAClocks(c.SLA, now)
	c.recordSLA(events)
	return events
}

// recordSLA puts events on the timeline and refreshes the derived due times.
func (c *Case) recordSLA(events []SLAEvent) {
	for _, e := range events {
		c.Timeline = append(c.Timeline, e.TimelineEvent())
	}
	c.NextSLAEventAt, c.DueAt = nil, nil
	if t, ok := SLANextEventAt(c.SLA); ok {
		c.NextSLAEventAt = &t
	}
	if t, ok := SLANextDue(c.SLA); ok {
		c.DueAt = &t
	}
}

// SLAStatus is the case's worst clock status now: breached, warning or on_track ("" without
// running clocks).
func (c *Case) SLAStatus(now time.Time) string {
	worst := ""
	rank := map[string]int{"": 0, SLAStatusOnTrack: 1, SLAStatusWarning: 2, SLAStatusBreached: 3}
	for _, k := range c.SLA {
		if (k.MetAt != nil && k.State != SLABreached) || k.Kind == SLAApproval {
			continue
		}
		if s := k.Status(now); rank[s] > rank[worst] {
			worst = s
		}
	}
	return worst
}

// StopSLA ends every clock of the case without meeting it (its policy was deleted): nothing
// more will fire, and the timeline says why.
func (c *Case) StopSLA(reason string, now time.Time) {
	if c.SLAPolicyID == "" {
		return
	}
	c.Timeline = append(c.Timeline, TimelineEvent{At: now, Actor: "SLA", Type: "sla_stopped",
		Data: map[string]string{"policy_id": c.SLAPolicyID, "reason": reason}})
	var approvals []SLAClock // approval clocks belong to no policy
	for _, k := range c.SLA {
		if k.Kind == SLAApproval {
			approvals = append(approvals, k)
		}
	}
	c.SLAPolicyID, c.SLA = "", approvals
	c.recordSLA(nil)
}

// FirstResponseDue is when the first response is due by the case's SLA (nil without a
// first-response clock with a due time), in the zone the clock was computed in.
func (c *Case) FirstResponseDue() *time.Time {
	for _, k := range c.SLA {
		if k.Kind == SLAFirstResponse && k.DueAt != nil && k.DueAt.After(c.CreatedAt) {
			due := *k.DueAt
			return &due
		}
	}
	return nil
}

// FirstResponseHours is the promise an acknowledgement makes: the whole hours from filing to
// the first-response due time of the case's SLA (business hours on its calendar, so a
// complaint filed on Friday evening is promised an answer by Monday), or 0 when no
// first-response clock runs.
func (c *Case) FirstResponseHours() int {
	for _, k := range c.SLA {
		if k.Kind == SLAFirstResponse && k.DueAt != nil && k.DueAt.After(c.CreatedAt) {
			return int((k.DueAt.Sub(c.CreatedAt) + time.Hour - 1) / time.Hour)
		}
	}
	return 0
}
