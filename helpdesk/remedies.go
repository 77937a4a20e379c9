package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/remedies"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// remedyCases lets package remedies read and change cases through the case use case, so a
// grant is versioned, indexed, announced live and runs the case_updated rules like any change.
type remedyCases struct {
	cases   *Cases
	notices *approvalNotices
}

// ReadCase reads a case by _id for the remedies use case (an unknown one is not found).
func (r remedyCases) ReadCase(ctx context.Context, id string) (*models.Case, error) {
	c, err := r.cases.store.GetCase(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "case")
	}
	return c, nil
}

// DecideApproval writes an approval request's decision in its case's write (see
// remedies.ApprovalWrite): the request is read beside the case under both their locks and
// stored in the round of the case's index mark and timer. Once it is stored the requester is
// told (their notification and mail stored while the case is), and the notification's live
// event goes out in one page with the case's.
func (r remedyCases) DecideApproval(ctx context.Context, caseID, approvalID string, by *models.User, w remedies.ApprovalWrite) (*models.Case, error) {
	var (
		told      sync.WaitGroup
		telling   bool
		note      *models.Event // the requester's notification's live event
		announced bool
	)
	save := func(ctx context.Context) error {
		a, err := w.Save(ctx)
		if err != nil || telling {
			return err
		}
		telling = true
		told.Go(func() { note = r.notices.tell(ctx, a, by) })
		return nil
	}
	announce := r.cases.publish(EventCaseUpdated, map[string]any{"by": by.ID})
	announce.also = func(context.Context) []models.Event {
		told.Wait()
		announced = true
		if note == nil {
			return nil
		}
		return []models.Event{*note}
	}
	c, err := r.cases.write(ctx, caseID, writeSpec{trigger: escalation.TriggerCaseUpdated, announce: announce,
		beside: &besideWrite{lock: store.Beside{Key: store.ApprovalLockKey(approvalID), Read: w.Read}, write: save}}, w.Change)
	told.Wait()
	if note != nil && !announced { // the decision stands though its case was not written
		r.cases.events.PublishAll(ctx, *note)
	}
	return c, err
}

// GrantCase writes a grant in its case's write (see remedies.GrantWrite): the case_updated
// rules run on a grant, the approval_requested rules on the grant asked for when it became an
// approval request, which is stored in the round of the case's index mark and timer.
func (r remedyCases) GrantCase(ctx context.Context, id string, by *models.User, optionID string, amountMinor int64, w remedies.GrantWrite) (*models.Case, error) {
	asked := false
	return r.cases.write(ctx, id, writeSpec{trigger: escalation.TriggerCaseUpdated,
		announce: r.cases.publish(EventCaseUpdated, map[string]any{"by": by.ID}),
		beside:   &besideWrite{write: w.Save},
		retrigger: func() (escalation.TriggerType, *escalation.RemedyFacts) {
			if asked {
				return escalation.TriggerApprovalRequested, &escalation.RemedyFacts{OptionID: optionID, AmountMinor: amountMinor}
			}
			return escalation.TriggerCaseUpdated, nil
		}}, func(c *models.Case) error {
		var err error
		asked, err = w.Change(c)
		return err
	})
}

func (r remedyCases) AmendCase(ctx context.Context, id string, by *models.User, change func(c *models.Case) error) (*models.Case, error) {
	return r.cases.write(ctx, id, writeSpec{trigger: escalation.TriggerCaseUpdated,
		announce: r.cases.publish(EventCaseUpdated, map[string]any{"by": by.ID})}, change)
}

// CalendarOf is the case's SLA policy's calendar, or the default one.
func (r remedyCases) CalendarOf(ctx context.Context, c *models.Case) (businesstime.Calendar, error) {
	return r.cases.calendarOf(ctx, c, nil)
}

// approvalNoticesStore is what telling a requester reads and writes.
type approvalNoticesStore interface {
	InsertNotification(ctx context.Context, n *models.Notification) error
	UsersSnapshot(ctx context.Context) ([]models.User, error)
	GetResolutionOption(ctx context.Context, id string) (*remedies.Option, error)
}

// approvalNotices tells the agent who asked for an approval what the approver decided: an
// in-app notification and a staff mail (with the case's link, like the rules' mails), in the
// agent's language. The notification is stored before the live event that announces it.
type approvalNotices struct {
	store  approvalNoticesStore
	mailer interface {
		Enqueue(ctx context.Context, msg mail.Message) error
	} // nil: no mail
	logger  *slog.Logger
	now     Clock
	caseURL func(id string) string
}

// approvalWords are the in-app notification's titles, per language and decision.
var approvalWords = map[string]map[string]string{
	"en": {mail.DecisionApproved: "Approval granted", mail.DecisionChanged: "Approved with a changed amount", mail.DecisionRejected: "Approval declined"},
	"fi": {mail.DecisionApproved: "Pyyntö hyväksytty", mail.DecisionChanged: "Hyväksytty muutetulla summalla", mail.DecisionRejected: "Pyyntö hylätty"},
}

// decisionOf says how the mail and the notification word a's decision.
func decisionOf(a *remedies.Approval) string {
	switch {
	case a.Status == remedies.ApprovalRejected:
		return mail.DecisionRejected
	case a.DecidedAmountMinor != a.AmountMinor:
		return mail.DecisionChanged
	}
	return mail.DecisionApproved
}

// tell stores the requester's notification and mail, and returns the live event announcing the
// notification (nil when none was stored) for the caller to publish with the case's.
func (n *approvalNotices) tell(ctx context.Context, a *remedies.Approval, by *models.User) *models.Event {
	if n == nil || a.Status == remedies.ApprovalWaiting {
		return nil
	}
	users, err := n.store.UsersSnapshot(ctx)
	if err != nil {
		n.logger.Warn("approval decision notice", "approval", a.ID, "err", err)
		return nil
	}
	var requester *models.User
	for i := range users {
		if users[i].ID == a.RequestedByID && users[i].Active {
			requester = &users[i]
		}
	}
	if requester == nil {
		return nil // gone since they asked
	}
	locale := requester.Locale
	if _, ok := approvalWords[locale]; !ok {
		locale = "en"
	}
	decision := decisionOf(a)
	option := a.OptionID
	if opt, err := n.store.GetResolutionOption(ctx, a.OptionID); err == nil {
		option = opt.Name.In(locale)
	} else if !errors.Is(err, remedies.ErrNotStored) {
		n.logger.Warn("approval decision notice: option", "approval", a.ID, "err", err)
	}
	money := func(minor int64) string {
		if minor == 0 {
			return ""
		}
		return remedies.FormatMoney(minor, a.Currency, locale)
	}
	decided := ""
	if decision != mail.DecisionRejected {
		decided = money(a.DecidedAmountMinor)
	}
	note := &models.Notification{ID: newID(), UserIDs: []string{requester.ID}, CaseID: a.CaseID,
		Title:   fmt.Sprintf("%s: %s", a.CaseID, approvalWords[locale][decision]),
		Message: strings.TrimSpace(strings.Join([]string{option, decided, a.Comment}, " ")), CreatedAt: n.now()}
	stored := false
	steps := []func() error{func() error {
		if err := n.store.InsertNotification(ctx, note); err != nil {
			n.logger.Warn("approval decision notice", "approval", a.ID, "err", err)
			return nil
		}
		stored = true
		return nil
	}}
	if n.mailer != nil && requester.Email != "" {
		msg := mail.ApprovalDecided(mail.ApprovalDecision{Locale: locale, Reference: a.CaseID, Subject: a.CaseSubject,
			CaseURL: n.caseURL(a.CaseID), RequesterName: requester.Name, ApproverName: by.Name, Decision: decision,
			Option: option, Asked: money(a.AmountMinor), Decided: decided, Comment: a.Comment})
		msg.To, msg.CaseID = requester.Email, a.CaseID
		steps = append(steps, func() error {
			if err := n.mailer.Enqueue(ctx, msg); err != nil {
				n.logger.Warn("approval decision mail", "approval", a.ID, "err", err)
			}
			return nil
		})
	}
	inOneRound(steps...)
	if !stored {
		return nil
	}
	return &models.Event{Type: EventNotification, CaseID: a.CaseID, Data: map[string]any{"users": []string{requester.ID}}}
}
