package helpdesk_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// mailsOf returns the subjects of the case's mails in the outbox, oldest first.
func (f *slaFixture) mailsOf(t *testing.T, caseID string) []models.OutboxSummary {
	t.Helper()
	ctx := context.Background()
	if _, err := f.mailer.ProcessDue(ctx); err != nil {
		t.Fatal(err)
	}
	all, err := f.mailer.ListOutbox(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []models.OutboxSummary
	for _, m := range all {
		if m.CaseID == caseID {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b models.OutboxSummary) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

func subjects(ms []models.OutboxSummary) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Subject)
	}
	return out
}

// resolved files a Finnish complaint, has the agent answer and resolve it with a reply, and
// returns the case.
func (f *slaFixture) resolved(t *testing.T) *models.Case {
	c, _ := f.resolvedWithToken(t)
	return c
}

func (f *slaFixture) resolvedWithToken(t *testing.T) (*models.Case, string) {
	t.Helper()
	ctx := context.Background()
	if err := f.env.Store.InsertUser(ctx, f.agent.User); err != nil && !store.IsDuplicate(err) {
		t.Fatal(err)
	}
	r, err := f.intake.Submit(ctx, models.ComplaintCreate{Name: "Aino", Email: "aino@example.com", Category: "delivery",
		Touchpoint: "delivery", Description: "Paketti tuli rikki.", ExpectedOutcome: "refund", Locale: "fi"}, nil, "", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	assignee := f.agent.User.ID
	c, err := f.cases.Get(ctx, f.agent, r.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if c, err = f.cases.Patch(ctx, f.agent, c.ID, models.CasePatch{Version: c.Version, AssigneeID: &assignee}); err != nil {
		t.Fatal(err)
	}
	resolved := models.StatusResolved
	if c, err = f.conv.AddMessage(ctx, f.agent, c.ID, models.MessageCreate{Kind: "reply", Body: "Palautamme rahat tilillesi.", Status: &resolved}, nil); err != nil {
		t.Fatal(err)
	}
	return c, r.TrackingToken
}

func TestResolvingSendsTheNoticeAndSchedulesTheCheck(t *testing.T) {
	f := newSLAFixture(t)
	c := f.resolved(t)
	if c.FollowUpCheck == nil || c.FollowUpCheck.State != models.FollowUpScheduled || !c.FollowUpCheck.AskAt.Equal(f.now().Add(helpdesk.DefaultFollowUpSettings.Delay)) {
		t.Fatalf("check %+v", c.FollowUpCheck)
	}
	mails := f.mailsOf(t, c.ID)
	// The acknowledgement and the resolution notice (in Finnish, carrying the reply); no
	// generic reply mail.
	i := slices.IndexFunc(mails, func(m models.OutboxSummary) bool { return m.Subject == "Asiasi "+c.ID+" on ratkaistu" })
	if got := subjects(mails); len(got) != 2 || i < 0 {
		t.Fatalf("mails %q", got)
	}
	notice, err := f.env.Store.GetOutboxMail(context.Background(), mails[i].ID)
	if err != nil || !strings.Contains(notice.Message.Text, "Palautamme rahat tilillesi.") || !strings.Contains(notice.Message.Text, "7 päivän kuluttua") {
		t.Fatalf("notice %v %v", notice, err)
	}
}

// Two schedulers sweeping at once ask each customer once.
func TestFollowUpCheckIsAskedOnceWithTwoSchedulers(t *testing.T) {
	ctx := context.Background()
	f := newSLAFixture(t)
	var ids []string
	for i := 0; i < 5; i++ {
		ids = append(ids, f.resolved(t).ID)
	}
	f.set(f.now().Add(helpdesk.DefaultFollowUpSettings.Delay + time.Minute))
	a, b := f.scheduler("replica-a"), f.scheduler("replica-b")
	var wg sync.WaitGroup
	for _, sc := range []*helpdesk.Scheduler{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 3; i++ {
				if _, err := sc.Sweep(ctx); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		var checks []string
		for _, m := range f.mailsOf(t, id) {
			if strings.HasPrefix(m.Subject, "Ratkesiko asia?") {
				checks = append(checks, m.Subject)
			}
		}
		if len(checks) != 1 {
			t.Fatalf("%s: %d check mails", id, len(checks))
		}
		c, _ := f.env.Store.GetCase(ctx, id)
		if c.FollowUpCheck.State != models.FollowUpAsked {
			t.Fatalf("%s: state %s", id, c.FollowUpCheck.State)
		}
	}
}

func TestFollowUpYesClosesWithTheRating(t *testing.T) {
	ctx := context.Background()
	f := newSLAFixture(t)
	c := f.resolved(t)
	f.set(f.now().Add(helpdesk.DefaultFollowUpSettings.Delay))
	if _, err := f.scheduler("a").Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	yes := true
	got, err := f.followUps.Record(ctx, f.agent, c.ID, models.FollowUpCreate{Resolved: &yes, Rating: 5, Comment: "kiitos"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != models.StatusClosed || got.FollowUp == nil || got.FollowUp.Rating != 5 || got.FollowUpCheck.State != models.FollowUpAnswered {
		t.Fatalf("status %s answer %+v check %+v", got.Status, got.FollowUp, got.FollowUpCheck)
	}
	if _, err := f.followUps.Record(ctx, f.agent, c.ID, models.FollowUpCreate{Resolved: &yes, Rating: 4}); err == nil {
		t.Fatal("a second answer was taken")
	}
}

func TestFollowUpNoReopensRaisesAndFiresTheTrigger(t *testing.T) {
	ctx := context.Background()
	f := newSLAFixture(t)
	if _, err := f.rules.Create(ctx, f.manager, escalation.RuleCreate{
		Name: "Fix did not hold", Trigger: escalation.Trigger{Type: escalation.TriggerFollowUpFailed},
		Actions: []escalation.Action{{Type: escalation.ActionAddTag, Tag: "fix-failed"}},
	}); err != nil {
		t.Fatal(err)
	}
	_, token := f.resolvedWithToken(t)
	no := false
	got, err := f.intake.FollowUp(ctx, helpdesk.TokenAccess(token), models.FollowUpCreate{Resolved: &no, Rating: 2, Comment: "ei toimi"})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := f.env.Store.GetCase(ctx, got.Reference)
	if stored.Status != models.StatusOpen || stored.Priority != models.PriorityHigh || stored.AssigneeID != f.agent.User.ID {
		t.Fatalf("status %s priority %s assignee %q", stored.Status, stored.Priority, stored.AssigneeID)
	}
	if !slices.Contains(stored.Tags, "fix-failed") || len(f.firings(t, stored.ID, "Fix did not hold")) != 1 {
		t.Fatalf("the follow_up_failed rule did not fire: tags %v", stored.Tags)
	}
	// Resolved again: a new check is scheduled.
	resolved := models.StatusResolved
	again, err := f.cases.Patch(ctx, f.agent, stored.ID, models.CasePatch{Version: stored.Version, Status: &resolved})
	if err != nil || again.FollowUpCheck.State != models.FollowUpScheduled || again.FollowUp != nil {
		t.Fatalf("resolved again: %+v %v", again.FollowUpCheck, err)
	}
}

func TestFollowUpWithoutAnswerClosesAsNoResponse(t *testing.T) {
	ctx := context.Background()
	f := newSLAFixture(t)
	c := f.resolved(t)
	sc := f.scheduler("a")
	// A sweep walks at most a day of timer minutes; these sweep until the cursor caught up.
	sweep := func() int {
		total := 0
		for i := 0; i < 20; i++ {
			n, err := sc.Sweep(ctx)
			if err != nil {
				t.Fatal(err)
			}
			total += n
		}
		return total
	}
	f.set(f.now().Add(helpdesk.DefaultFollowUpSettings.Delay))
	if n := sweep(); n != 1 {
		t.Fatalf("asked %d", n)
	}
	f.set(f.now().Add(helpdesk.DefaultFollowUpSettings.AnswerWindow - time.Minute))
	if n := sweep(); n != 0 {
		t.Fatalf("closed %d before the answer window ended", n)
	}
	f.set(f.now().Add(2 * time.Minute))
	if n := sweep(); n != 1 {
		t.Fatalf("expired %d", n)
	}
	stored, _ := f.env.Store.GetCase(ctx, c.ID)
	if stored.Status != models.StatusClosed || stored.FollowUpCheck.State != models.FollowUpNoResponse {
		t.Fatalf("status %s check %s", stored.Status, stored.FollowUpCheck.State)
	}
	if n := sweep(); n != 0 {
		t.Fatal("no response recorded twice")
	}
}

func TestPromiseReminderAndBrokenPromise(t *testing.T) {
	ctx := context.Background()
	f := newSLAFixture(t)
	if err := f.env.Store.InsertUser(ctx, f.agent.User); err != nil {
		t.Fatal(err)
	}
	r := f.complaint(t)
	due := f.now().Add(3 * time.Hour)
	c, err := f.followUps.AddPromise(ctx, f.agent, r.Reference, models.PromiseCreate{Text: "We call you by 12:00", DueAt: due.Format(time.RFC3339)})
	if err != nil {
		t.Fatal(err)
	}
	p := c.Promises[0]
	if !p.RemindAt.Equal(due.Add(-time.Hour)) {
		t.Fatalf("remind at %v", p.RemindAt)
	}
	sc := f.scheduler("a")
	notes := func() int {
		ns, err := f.env.Store.Notifications(ctx, f.agent.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(ns)
	}
	before := notes()
	f.set(p.RemindAt)
	if _, err := sc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if notes() != before+1 {
		t.Fatalf("no reminder: %d notifications", notes())
	}
	if _, err := sc.Sweep(ctx); err != nil || notes() != before+1 {
		t.Fatal("reminded twice")
	}
	f.set(due.Add(time.Second))
	if _, err := sc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	stored, _ := f.env.Store.GetCase(ctx, r.Reference)
	if stored.Promises[0].State != models.PromiseBroken || !slices.ContainsFunc(stored.Timeline, func(e models.TimelineEvent) bool { return e.Type == "promise_broken" }) {
		t.Fatalf("promise %+v", stored.Promises[0])
	}
}

func TestDelayingAPromiseTellsTheCustomer(t *testing.T) {
	ctx := context.Background()
	f := newSLAFixture(t)
	r := f.complaint(t)
	c, err := f.followUps.AddPromise(ctx, f.agent, r.Reference, models.PromiseCreate{Text: "We call you by 12:00", DueAt: f.now().Add(3 * time.Hour).Format(time.RFC3339)})
	if err != nil {
		t.Fatal(err)
	}
	c, err = f.followUps.DelayPromise(ctx, f.agent, c.ID, c.Promises[0].ID, models.PromiseDelay{DueAt: f.now().Add(26 * time.Hour).Format(time.RFC3339), Message: "The part is late."})
	if err != nil || c.Promises[0].Delays != 1 {
		t.Fatalf("%v %+v", err, c)
	}
	mails := f.mailsOf(t, c.ID)
	if got := subjects(mails); len(got) != 2 || !slices.Contains(got, "New time for your case "+c.ID) {
		t.Fatalf("mails %q", got)
	}
	if _, err := f.followUps.KeepPromise(ctx, f.agent, c.ID, c.Promises[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.followUps.KeepPromise(ctx, f.agent, c.ID, c.Promises[0].ID); err == nil {
		t.Fatal("kept twice")
	}
}
