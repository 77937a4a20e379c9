package helpdesk_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// seedDueChecks stores n resolved cases whose follow-up checks are due at now, with their
// timer entries, as the benchmark does; it returns their ids.
func seedDueChecks(t testing.TB, f *slaFixture, n int, now time.Time) []string {
	t.Helper()
	ctx := context.Background()
	docs := make([]any, 0, n)
	due := map[string]time.Time{}
	var ids []string
	for j := 0; j < n; j++ {
		c := models.NewCase(models.FormatReference(2026, int64(j+1)), newCase(fmt.Sprintf("follow-up %d", j)), models.Actor{}, now.Add(-30*24*time.Hour))
		c.Customer.Email = fmt.Sprintf("customer%d@example.com", j)
		c.Status = models.StatusResolved
		resolved := now.Add(-7 * 24 * time.Hour)
		c.ResolvedAt = &resolved
		c.ScheduleFollowUp(now.Add(-time.Duration(j%60)*time.Second), resolved)
		c.NextTimerAt = c.FollowUpDueAt()
		docs = append(docs, c)
		due[c.ID] = *c.NextTimerAt
		ids = append(ids, c.ID)
	}
	if _, err := f.env.Store.Database().Collection("cases").InsertMany(ctx, docs); err != nil {
		t.Fatal(err)
	}
	if err := f.env.Store.SetSLATimers(ctx, due); err != nil {
		t.Fatal(err)
	}
	return ids
}

// checkMails counts the follow-up check mails in the outbox per case (the outbox lives in
// the embedded database's queues file).
func checkMails(t *testing.T, f *slaFixture) map[string]int {
	t.Helper()
	db := f.env.Store.Database()
	cur, err := db.Client().Database(db.Name()+"_queues").Collection("mail_outbox").Find(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var outs []models.OutboxMail
	if err := cur.All(context.Background(), &outs); err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, o := range outs {
		if strings.HasPrefix(o.Message.Subject, "Did this solve it?") {
			per[o.Message.CaseID]++
		}
	}
	return per
}

// killAfter is the store of a scheduler whose process dies (its context ends) right after the
// named step of a bulk ask.
type killAfter struct {
	*store.Store
	step   string
	cancel context.CancelFunc
}

func (k killAfter) MarkFollowUpsAsked(ctx context.Context, ids, skip []string, now, expires time.Time, entry models.TimelineEvent) (int64, error) {
	n, err := k.Store.MarkFollowUpsAsked(ctx, ids, skip, now, expires, entry)
	if k.step == "state" {
		k.cancel()
	}
	return n, err
}

func (k killAfter) SetSLATimers(ctx context.Context, due map[string]time.Time) error {
	if k.step == "mails" { // the mails are stored just before the timers
		k.cancel()
		return context.Canceled
	}
	return k.Store.SetSLATimers(ctx, due)
}

// One sweep asks many due checks in bulk: each case is asked once, with its timeline entry,
// its answer window's timer and one mail with a working link; a second sweep finds nothing.
func TestFollowUpChecksAskedInBulk(t *testing.T) {
	ctx := context.Background()
	f := newSLAFixture(t)
	now := monday9
	ids := seedDueChecks(t, f, 150, now)
	n, err := f.scheduler("a").Sweep(ctx)
	if err != nil || n != len(ids) {
		t.Fatalf("the sweep asked %d (%v), want %d", n, err, len(ids))
	}
	per := checkMails(t, f)
	for _, id := range ids {
		if per[id] != 1 {
			t.Fatalf("%s got %d check mails, want 1", id, per[id])
		}
		c, err := f.env.Store.GetCase(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		last := c.Timeline[len(c.Timeline)-1]
		if c.FollowUpCheck.State != models.FollowUpAsked || last.Type != "follow_up_asked" || c.Version != 2 || !c.NextTimerAt.Equal(*c.FollowUpCheck.ExpiresAt) {
			t.Fatalf("case %s after the bulk ask: %+v, last entry %+v, version %d", id, c.FollowUpCheck, last, c.Version)
		}
		if got := f.timersOf(t, id); len(got) == 0 || !got[len(got)-1].Equal(*c.FollowUpCheck.ExpiresAt) {
			t.Fatalf("timers of %s: %v, want the answer window's end", id, got)
		}
	}
	if n, err := f.scheduler("a").Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("a second sweep fired %d (%v)", n, err)
	}
}

// A sweep killed midway asks no check twice and none never: killed after the checks moved to
// asked but before their mails were stored, or after the mails were stored, the next sweep
// (once the claims' lease is over) leaves each case with exactly one mail.
func TestFollowUpBulkAskSurvivesAKill(t *testing.T) {
	for _, step := range []string{"state", "mails"} {
		t.Run(step, func(t *testing.T) {
			f := newSLAFixture(t)
			now := monday9
			ids := seedDueChecks(t, f, 100, now)
			ctx, cancel := context.WithCancel(context.Background())
			dying := helpdesk.NewScheduler(killAfter{Store: f.env.Store, step: step, cancel: cancel}, f.cases, f.ev, f.log, f.now, "dying")
			_, _ = dying.Sweep(ctx)
			before := checkMails(t, f)
			if step == "state" && len(before) != 0 {
				t.Fatalf("mails stored before the kill: %d", len(before))
			}
			if step == "mails" && len(before) != len(ids) {
				t.Fatalf("%d mails stored before the kill, want %d", len(before), len(ids))
			}
			f.set(now.Add(2 * time.Minute)) // the dead sweep's claims expire
			if _, err := f.scheduler("next").Sweep(context.Background()); err != nil {
				t.Fatal(err)
			}
			per := checkMails(t, f)
			for _, id := range ids {
				if per[id] != 1 {
					t.Fatalf("%s got %d check mails after the kill at %s, want 1", id, per[id], step)
				}
			}
		})
	}
}
