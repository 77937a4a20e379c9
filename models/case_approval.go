package models

import (
	"time"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
)

// An approval request's clock is an SLA clock of kind SLAApproval on its case, so the
// scheduler's durable timers fire its warning and breach exactly once, and the sla_warning and
// sla_breach rules (with the condition "SLA clock is approval") can escalate a request waiting
// too long. It starts when the request is made and is met when it is decided.

// NewApprovalClock starts the clock of approval request approvalID at now: target business
// time on cal, warned at warnAtPercent of it (0: no warning).
func NewApprovalClock(approvalID string, target time.Duration, warnAtPercent int, cal businesstime.Calendar, now time.Time) SLAClock {
	k, _ := NewSLAClock(SLAApproval, "", target, warnAtPercent, cal, now)
	k.ApprovalID = approvalID
	return k
}

// StartApprovalClock puts an approval request's clock on the case.
func (c *Case) StartApprovalClock(k SLAClock) {
	c.SLA = append(c.SLA, k)
	c.recordSLA([]SLAEvent{{Clock: SLAApproval, Type: SLAEventStarted, At: k.StartedAt, DueAt: k.DueAt}})
}

// MeetApprovalClock stops the clock of approval request approvalID: it was decided at now.
func (c *Case) MeetApprovalClock(approvalID string, now time.Time) {
	var events []SLAEvent
	for i := range c.SLA {
		if c.SLA[i].Kind == SLAApproval && c.SLA[i].ApprovalID == approvalID {
			events = append(events, c.SLA[i].Met(now)...)
		}
	}
	c.recordSLA(events)
}

// EvaluateApprovalClocks emits the approval clocks' due warnings and breaches, for a case
// under no SLA policy (EvaluateSLA covers them otherwise).
func (c *Case) EvaluateApprovalClocks(now time.Time) []SLAEvent {
	var events []SLAEvent
	for i := range c.SLA {
		if c.SLA[i].Kind == SLAApproval {
			events = append(events, c.SLA[i].Evaluate(now)...)
		}
	}
	c.recordSLA(events)
	return events
}
