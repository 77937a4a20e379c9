package helpdesk_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/tokens"
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

// checkOutbox returns the follow-up check mails in the outbox (the outbox lives in the embedded
// database's queues file).
func checkOutbox(t *testing.T, f *slaFixture) []models.OutboxMail {
	t.Helper()
	db := f.env.Store.Database()
	cur, err := db.Client().Database(db.Name()+"_queues").Collection("mail_outbox").Find(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var outs, checks []models.OutboxMail
	if err := cur.All(context.Background(), &outs); err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		if strings.HasPrefix(o.Message.Subject, "Did this solve it?") {
			checks = append(checks, o)
		}
	}
	return checks
}

// checkTexts returns the text of each case's follow-up check mail.
func checkTexts(t *testing.T, f *slaFixture) map[string]string {
	texts := map[string]string{}
	for _, o := range checkOutbox(t, f) {
		texts[o.Message.CaseID] = o.Message.Text
	}
	return texts
}

// checkMails counts the follow-up check mails per case.
func checkMails(t *testing.T, f *slaFixture) map[string]int {
	per := map[string]int{}
	for _, o := range checkOutbox(t, f) {
		per[o.Message.CaseID]++
	}
	return per
}

// killAfter is the store of a scheduler whose process dies (its context ends) right after the
// named step of a bulk ask: "claims" (the checks claimed, no mail stored) or "mails" (the mails
// stored, the batch not yet marked mailed).
type killAfter struct {
	*store.Store
	step   string
	cancel context.CancelFunc
}

func (k killAfter) ClaimFollowUps(ctx context.Context, claims []store.FollowUpClaim) ([]bool, error) {
	won, err := k.Store.ClaimFollowUps(ctx, claims)
	if k.step == "claims" {
		k.cancel()
	}
	return won, err
}

func (k killAfter) UpdateFollowUpBatch(ctx context.Context, id, token string, now time.Time, change func(b *store.FollowUpBatch)) (*store.FollowUpBatch, error) {
	if k.step == "mails" { // the mails are stored just before the batch is marked mailed
		k.cancel()
		return nil, context.Canceled
	}
	return k.Store.UpdateFollowUpBatch(ctx, id, token, now, change)
}

// assertAskedOnce checks that each case has one check mail and, once folded, its check asked
// with its timeline entry and its answer window's timer.
func assertAskedOnce(t *testing.T, f *slaFixture, ids []string, version int64) {
	t.Helper()
	ctx := context.Background()
	per := checkMails(t, f)
	for _, id := range ids {
		if per[id] != 1 {
			t.Fatalf("%s got %d check mails, want 1", id, per[id])
		}
		c, err := f.env.Store.GetCase(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		asked := 0
		for _, e := range c.Timeline {
			if e.Type == "follow_up_asked" {
				asked++
			}
		}
		if c.FollowUpCheck.State != models.FollowUpAsked || asked != 1 || c.Version != version || !c.NextTimerAt.Equal(*c.FollowUpCheck.ExpiresAt) {
			t.Fatalf("case %s after the bulk ask: %+v, %d asked entries, version %d", id, c.FollowUpCheck, asked, c.Version)
		}
		if got := f.timersOf(t, id); len(got) == 0 || !got[len(got)-1].Equal(*c.FollowUpCheck.ExpiresAt) {
			t.Fatalf("timers of %s: %v, want the answer window's end", id, got)
		}
	}
}

// One sweep asks many due checks in bulk: each customer gets one mail with a working link at
// once; the fold then writes each case once (its check asked, its timeline entry, its answer
// window's timer); a second sweep and fold find nothing.
func TestFollowUpChecksAskedInBulk(t *testing.T) {
	ctx := context.Background()
	f := newSLAFixture(t)
	now := monday9
	ids := seedDueChecks(t, f, 150, now)
	sc := f.scheduler("a")
	n, err := sc.Sweep(ctx)
	if err != nil || n != len(ids) {
		t.Fatalf("the sweep asked %d (%v), want %d", n, err, len(ids))
	}
	if got := checkMails(t, f); len(got) != len(ids) {
		t.Fatalf("%d cases mailed by the sweep, want %d", len(got), len(ids))
	}
	if n, err := sc.FoldFollowUps(ctx); err != nil || n != len(ids) {
		t.Fatalf("the fold wrote %d cases (%v), want %d", n, err, len(ids))
	}
	assertAskedOnce(t, f, ids, 2)
	if n, err := sc.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("a second sweep fired %d (%v)", n, err)
	}
	if n, err := sc.FoldFollowUps(ctx); err != nil || n != 0 {
		t.Fatalf("a second fold wrote %d (%v)", n, err)
	}
	// The link in each mail opens its case's tracking page on the check.
	for id, text := range checkTexts(t, f) {
		at := strings.Index(text, "/track/")
		if at < 0 {
			t.Fatalf("no link in %q", text)
		}
		link := strings.Fields(text[at+len("/track/"):])[0]
		token, ok := strings.CutSuffix(link, "?check=1")
		if got, err := f.env.Store.TrackedCaseID(ctx, tokens.Hash(token)); err != nil || got != id || !ok {
			t.Fatalf("the link %q mailed for %s opens %q (%v)", link, id, got, err)
		}
	}
}

// Two replicas asking the same due checks in bulk at once mail each customer once; their
// folds together write each case once.
func TestFollowUpBulkAskIsOnceWithTwoSchedulers(t *testing.T) {
	f := newSLAFixture(t)
	ids := seedDueChecks(t, f, 200, monday9)
	a, b := f.scheduler("replica-a"), f.scheduler("replica-b")
	var wg sync.WaitGroup
	for _, sc := range []*helpdesk.Scheduler{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 2 {
				if _, err := sc.Sweep(context.Background()); err != nil {
					t.Error(err)
				}
				if _, err := sc.FoldFollowUps(context.Background()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	for _, sc := range []*helpdesk.Scheduler{a, b} { // a fold a batch held by the other left
		if _, err := sc.FoldFollowUps(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	assertAskedOnce(t, f, ids, 2)
}

// A sweep killed midway asks no check twice and none never: killed after the checks were
// claimed but before their mails were stored, or after the mails were stored, the next sweep
// and fold (once the dead sweep's lease is over) leave each case asked with exactly one mail.
func TestFollowUpBulkAskSurvivesAKill(t *testing.T) {
	for _, step := range []string{"claims", "mails"} {
		t.Run(step, func(t *testing.T) {
			f := newSLAFixture(t)
			now := monday9
			ids := seedDueChecks(t, f, 100, now)
			ctx, cancel := context.WithCancel(context.Background())
			dying := helpdesk.NewScheduler(killAfter{Store: f.env.Store, step: step, cancel: cancel}, f.cases, f.ev, f.log, f.now, "dying")
			_, _ = dying.Sweep(ctx)
			before := checkMails(t, f)
			if step == "claims" && len(before) != 0 {
				t.Fatalf("mails stored before the kill: %d", len(before))
			}
			if step == "mails" && len(before) != len(ids) {
				t.Fatalf("%d mails stored before the kill, want %d", len(before), len(ids))
			}
			next := f.scheduler("next")
			if _, err := next.FoldFollowUps(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := checkMails(t, f); len(got) != len(before) {
				t.Fatalf("a fold within the dead sweep's lease mailed: %d mails, %d before", len(got), len(before))
			}
			f.set(now.Add(2 * time.Minute)) // the dead sweep's claims expire
			if _, err := next.Sweep(context.Background()); err != nil {
				t.Fatal(err)
			}
			if _, err := next.FoldFollowUps(context.Background()); err != nil {
				t.Fatal(err)
			}
			assertAskedOnce(t, f, ids, 2)
		})
	}
}

// Whoever claims a check mails it: checks another replica claimed first (its bulk ask still
// under way) get no mail from this sweep, whether it asks in bulk or case by case, and their
// timer entries are done (the claimer's batch answers for them).
func TestClaimedChecksAreLeftToTheirClaimer(t *testing.T) {
	for _, n := range []int{100, 5} { // in bulk, and case by case
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ctx := context.Background()
			f := newSLAFixture(t)
			ids := seedDueChecks(t, f, n, monday9)
			var claims []store.FollowUpClaim
			for _, id := range ids[:3] {
				c, err := f.env.Store.GetCase(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				claims = append(claims, store.FollowUpClaim{ID: fmt.Sprintf("followup-%s-%d", id, c.FollowUpCheck.AskAt.Unix()),
					CaseID: id, At: monday9, Batch: "fub-other-replica"})
			}
			if _, err := f.env.Store.ClaimFollowUps(ctx, claims); err != nil {
				t.Fatal(err)
			}
			if _, err := f.scheduler("a").Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			per := checkMails(t, f)
			for i, id := range ids {
				if want := min(i/3, 1); per[id] != want {
					t.Fatalf("%s got %d check mails, want %d", id, per[id], want)
				}
			}
			if n, err := f.scheduler("a").Sweep(ctx); err != nil || n != 0 {
				t.Fatalf("a second sweep fired %d (%v)", n, err)
			}
		})
	}
}
