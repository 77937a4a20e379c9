package helpdesk

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// FollowUpSettings are the installation's follow-up and promise times.
type FollowUpSettings struct {
	// Delay is how long after resolution the customer is asked whether the fix held, when
	// nothing more specific says (KAIKU_FOLLOW_UP_DAYS).
	Delay time.Duration
	// AnswerWindow is how long an asked check waits for an answer before the case is closed
	// as "no response" (KAIKU_FOLLOW_UP_ANSWER_DAYS).
	AnswerWindow time.Duration
	// PromiseReminder is how long before a promise's time its agent is reminded
	// (KAIKU_PROMISE_REMINDER_MINUTES); shorter promises are reminded halfway.
	PromiseReminder time.Duration
}

// DefaultFollowUpSettings: ask a week after resolution, wait two weeks for the answer, remind
// of a promise an hour before its time.
var DefaultFollowUpSettings = FollowUpSettings{Delay: 7 * 24 * time.Hour, AnswerWindow: 14 * 24 * time.Hour, PromiseReminder: time.Hour}

func (s FollowUpSettings) withDefaults() FollowUpSettings {
	if s.Delay <= 0 {
		s.Delay = DefaultFollowUpSettings.Delay
	}
	if s.AnswerWindow <= 0 {
		s.AnswerWindow = DefaultFollowUpSettings.AnswerWindow
	}
	if s.PromiseReminder <= 0 {
		s.PromiseReminder = DefaultFollowUpSettings.PromiseReminder
	}
	return s
}

// followUpsStore is what the follow-up check and promises read and write besides the cases.
type followUpsStore interface {
	InsertNotification(ctx context.Context, n *models.Notification) error
	UsersSnapshot(ctx context.Context) ([]models.User, error)
	ClaimFollowUps(ctx context.Context, claims []store.FollowUpClaim) ([]bool, error)
	catalogue
}

// FollowUps is the follow-up check and promises: scheduling the check when a case is resolved,
// telling the customer, recording answers, and the promises agents make.
type FollowUps struct {
	settings     FollowUpSettings
	store        followUpsStore
	cases        *Cases
	notify       Notifier
	events       *Events
	logger       *slog.Logger
	now          Clock
	trackingLink func(ctx context.Context, caseID string) (token, url string, err error)
	trackingURL  func(token string) string // the link of a token minted by the caller
}

func newFollowUps(st followUpsStore, in *Intake, settings FollowUpSettings) *FollowUps {
	return &FollowUps{settings: settings.withDefaults(), store: st, cases: in.cases, notify: in.notify,
		events: in.events, logger: in.logger, now: in.now, trackingLink: in.newTrackingLink, trackingURL: in.trackingURL}
}

// FollowUpDelay is how long after resolving c its customer is asked whether the fix held: the
// delay of the resolution option granted on it (its latest grant that stands), else the
// installation's default.
func (f *FollowUps) FollowUpDelay(c *models.Case) time.Duration {
	if days := c.FollowUpDays(); days > 0 {
		return time.Duration(days) * 24 * time.Hour
	}
	return f.settings.Delay
}

// afterChange keeps the check in step with a case write (inside it): resolving schedules a new
// check, going back to work before it was answered cancels it. resolved reports a resolution
// (the caller sends the notice once the case is stored).
func (f *FollowUps) afterChange(c *models.Case, previous models.Status, now time.Time) (resolved bool) {
	if f == nil {
		return false
	}
	switch {
	case c.Status == models.StatusResolved && previous != models.StatusResolved && previous != models.StatusClosed:
		c.ScheduleFollowUp(now.Add(f.FollowUpDelay(c)), now)
		return true
	case c.Status != models.StatusResolved && c.Status != models.StatusClosed && (previous == models.StatusResolved || previous == models.StatusClosed):
		c.CancelFollowUp(now)
	}
	return false
}

// lastReply is the agent's last reply, for "what was decided".
func lastReply(c *models.Case) string {
	for i := len(c.Messages) - 1; i >= 0; i-- {
		if c.Messages[i].Kind == models.MessageReply {
			return c.Messages[i].Body
		}
	}
	return ""
}

// decision is what the resolution notice says was decided, in the case's language: the
// remedies' outcomes, then the agent's last reply.
func (f *FollowUps) decision(ctx context.Context, c *models.Case) string {
	outcomes := c.RemedyOutcomes()
	locale := c.Locale
	if locale != "fi" {
		locale = "en"
	}
	nameRemedies(ctx, f.store, f.logger, locale, outcomes)
	parts := []string{}
	if lines := RemedyLines(locale, outcomes); lines != "" {
		parts = append(parts, lines)
	}
	if reply := lastReply(c); reply != "" {
		parts = append(parts, reply)
	}
	return strings.Join(parts, "\n\n")
}

// resolutionNotice mails the customer that the case is resolved; a failure is logged (the
// case is resolved either way and the tracking page says so).
func (f *FollowUps) resolutionNotice(ctx context.Context, c *models.Case) {
	days := int((f.FollowUpDelay(c) + 12*time.Hour) / (24 * time.Hour))
	if _, url, err := f.trackingLink(ctx, c.ID); err != nil {
		f.logger.Error("tracking link for resolution notice", "case", c.ID, "err", err)
	} else if err := f.notify.Resolved(ctx, c, f.decision(ctx, c), days, url); err != nil {
		f.logger.Error("queue resolution notice", "case", c.ID, "err", err)
	}
}

// askCustomer mails the follow-up check's link (the tracking link, opening on the check),
// under the check's own mail id, so a sweep repeated after a crash does not ask twice. It
// claims the check first: when a bulk ask claimed it (followup_batch.go), that ask mails it.
func (f *FollowUps) askCustomer(ctx context.Context, c *models.Case) {
	won, err := f.store.ClaimFollowUps(ctx, []store.FollowUpClaim{{ID: followUpMailID(c), CaseID: c.ID, At: f.now()}})
	if err == nil && !won[0] {
		return
	}
	f.mailMissedCheck(ctx, c)
}

// answer records an answer to the check: by is the agent recording it, or the zero Actor for
// the customer. A "no" runs the follow_up_failed rules in the same write.
func (f *FollowUps) answer(ctx context.Context, caseID string, req models.FollowUpCreate, by models.Actor, expected int64) (*models.Case, error) {
	now := f.now()
	trigger := escalation.TriggerCaseUpdated
	if req.Resolved != nil && !*req.Resolved {
		trigger = escalation.TriggerFollowUpFailed
	}
	who := "customer"
	if by.ID != "" {
		who = by.ID
	}
	return f.cases.write(ctx, caseID, writeSpec{expected: expected, trigger: trigger,
		announce: f.cases.publish(EventCaseUpdated, map[string]any{"by": who})}, func(c *models.Case) error {
		_, err := c.AnswerFollowUp(req, by, now)
		return err
	})
}

// Record is an agent recording the customer's answer (a phone call) on the case page.
func (f *FollowUps) Record(ctx context.Context, p *Principal, caseID string, req models.FollowUpCreate) (*models.Case, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	return f.answer(ctx, caseID, req, p.Actor(), 0)
}

// AddPromise records a promise on a case.
func (f *FollowUps) AddPromise(ctx context.Context, p *Principal, caseID string, req models.PromiseCreate) (*models.Case, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	now, id := f.now(), newID()
	return f.cases.write(ctx, caseID, writeSpec{announce: f.cases.publish(EventCaseUpdated, map[string]any{"by": p.User.ID})},
		func(c *models.Case) error {
			_, err := c.AddPromise(id, req, p.Actor(), f.settings.PromiseReminder, now)
			return err
		})
}

// KeepPromise records that a promise was kept.
func (f *FollowUps) KeepPromise(ctx context.Context, p *Principal, caseID, promiseID string) (*models.Case, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	now := f.now()
	return f.cases.write(ctx, caseID, writeSpec{announce: f.cases.publish(EventCaseUpdated, map[string]any{"by": p.User.ID})},
		func(c *models.Case) error { return c.KeepPromise(promiseID, p.Actor(), now) })
}

// DelayPromise moves a promise to a new time and mails the customer, in their language, before
// the old time passes.
func (f *FollowUps) DelayPromise(ctx context.Context, p *Principal, caseID, promiseID string, req models.PromiseDelay) (*models.Case, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	now := f.now()
	var moved models.Promise
	announce := f.cases.publish(EventCaseUpdated, map[string]any{"by": p.User.ID})
	announce.customer = func(ctx context.Context, c *models.Case) {
		if _, url, err := f.trackingLink(ctx, c.ID); err != nil {
			f.logger.Error("tracking link for promise delay", "case", c.ID, "err", err)
		} else if err := f.notify.PromiseDelayed(ctx, c, moved, req.Message, now, url); err != nil {
			f.logger.Error("queue promise delay", "case", c.ID, "err", err)
		}
	}
	return f.cases.write(ctx, caseID, writeSpec{announce: announce}, func(c *models.Case) error {
		pr, err := c.DelayPromise(promiseID, req, p.Actor(), f.settings.PromiseReminder, now)
		if err == nil {
			moved = *pr
		}
		return err
	})
}

// promiseWords are the in-app notifications of promises, per user language.
var promiseWords = map[string][2]string{
	"en": {"Promise due soon", "Promise broken"},
	"fi": {"Lupaus erääntyy pian", "Lupaus rikkoutui"},
}

// tellAgents stores in-app notifications for promises reminded or broken in a sweep: to the
// agent who made each and the case's assignee, in each one's language.
func (f *FollowUps) tellAgents(ctx context.Context, c *models.Case, remind, broken []models.Promise) {
	if len(remind)+len(broken) == 0 {
		return
	}
	users, err := f.store.UsersSnapshot(ctx)
	if err != nil {
		f.logger.Warn("promise notification", "case", c.ID, "err", err)
		return
	}
	locale := map[string]string{}
	for _, u := range users {
		if u.Active {
			locale[u.ID] = u.Locale
		}
	}
	now := f.now()
	var told []string
	send := func(pr models.Promise, kind int) {
		byLocale := map[string][]string{}
		for _, id := range []string{pr.ByID, c.AssigneeID} {
			l, ok := locale[id]
			if !ok {
				continue
			}
			if _, known := promiseWords[l]; !known {
				l = "en"
			}
			if ids := byLocale[l]; len(ids) == 0 || ids[0] != id {
				byLocale[l] = append(ids, id)
			}
		}
		for l, ids := range byLocale {
			n := &models.Notification{ID: newID(), UserIDs: ids, CaseID: c.ID,
				Title: fmt.Sprintf("%s: %s", c.ID, promiseWords[l][kind]), Message: pr.Text, CreatedAt: now}
			if err := f.store.InsertNotification(ctx, n); err != nil {
				f.logger.Warn("promise notification", "case", c.ID, "err", err)
				continue
			}
			told = append(told, ids...)
		}
	}
	for _, pr := range remind {
		send(pr, 0)
	}
	for _, pr := range broken {
		send(pr, 1)
	}
	if len(told) > 0 {
		f.events.Publish(ctx, EventNotification, c.ID, map[string]any{"users": told})
	}
}
