package helpdesk

import (
	"context"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// remedyCases lets package remedies read and change cases through the case use case, so a
// grant is versioned, indexed, announced live and runs the case_updated rules like any change.
type remedyCases struct{ cases *Cases }

func (r remedyCases) GetCase(ctx context.Context, id string) (*models.Case, error) {
	c, err := r.cases.store.GetCase(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "case")
	}
	return c, nil
}

// RecordApprovalRequest writes change (the approval_requested timeline entry) and runs the
// approval_requested rules on the grant asked for.
func (r remedyCases) RecordApprovalRequest(ctx context.Context, id string, by *models.User, optionID string, amountMinor int64, change func(c *models.Case) error) (*models.Case, error) {
	return r.cases.write(ctx, id, writeSpec{trigger: escalation.TriggerApprovalRequested,
		remedy:   &escalation.RemedyFacts{OptionID: optionID, AmountMinor: amountMinor},
		announce: r.cases.publish(EventCaseUpdated, map[string]any{"by": by.ID})}, change)
}

func (r remedyCases) AmendCase(ctx context.Context, id string, by *models.User, change func(c *models.Case) error) (*models.Case, error) {
	return r.cases.write(ctx, id, writeSpec{trigger: escalation.TriggerCaseUpdated,
		announce: r.cases.publish(EventCaseUpdated, map[string]any{"by": by.ID})}, change)
}

// CalendarOf is the case's SLA policy's calendar, or the default one.
func (r remedyCases) CalendarOf(ctx context.Context, c *models.Case) (businesstime.Calendar, error) {
	return r.cases.calendarOf(ctx, c, nil)
}
