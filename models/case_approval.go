package models

import (
	"slices"
	"strings"
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

// PendingApproval is an approval request of the case still waiting, with who may decide it
// (their ids in one string: FerretDB's cost of writing a document grows with its values).
type PendingApproval struct {
	ID          string `bson:"id"`
	ApproverIDs string `bson:"approver_ids"`
}

// AwaitApproval records that approval request id waits for one of approverIDs.
func (c *Case) AwaitApproval(id string, approverIDs []string) {
	c.PendingApprovals = append(c.PendingApprovals, PendingApproval{ID: id, ApproverIDs: strings.Join(approverIDs, " ")})
}

// ApprovalDecided drops approval request id from those waiting.
func (c *Case) ApprovalDecided(id string) {
	c.PendingApprovals = slices.DeleteFunc(c.PendingApprovals, func(p PendingApproval) bool { return p.ID == id })
	if len(c.PendingApprovals) == 0 {
		c.PendingApprovals = nil
	}
}

// ApprovalWaitingFor lists who may decide one of the case's waiting approval requests, for
// the inbox's "Waiting for my approval".
func (c *Case) ApprovalWaitingFor() []string {
	var ids []string
	for _, p := range c.PendingApprovals {
		for _, id := range strings.Fields(p.ApproverIDs) {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// GrantedOptions lists the options of the case's grants that stand (neither reversals nor
// reversed), once each, for the inbox's filter by option.
func (c *Case) GrantedOptions() []string {
	var ids []string
	for _, g := range c.StandingGrants() {
		if !slices.Contains(ids, g.OptionID) {
			ids = append(ids, g.OptionID)
		}
	}
	return ids
}
