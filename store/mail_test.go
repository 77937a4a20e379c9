package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

func mailQueued(id string, now time.Time) *store.QueuedMail {
	return &store.QueuedMail{
		ID: id, CreatedAt: now, NextAttemptAt: now,
		Message: models.MailMessage{To: "aino@example.com", Subject: "S " + id, Text: "T", Kind: "ack", MessageID: id + "@kaiku.test"},
	}
}

// The claim protocol, on both write paths: the embedded single-writer one (check under the
// in-process lock, filter by _id) and the shared-MongoDB one (conditions in the filter), here a
// second connection to the same database with SingleWriter off.
func TestMailClaimProtocol(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	multi, err := store.Connect(ctx, env.Embedded.URI(), storetest.DBName, store.Options{SingleWriter: false})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = multi.Close(context.Background()) })

	for name, st := range map[string]*store.Store{"single-writer": env.Store, "filtered": multi} {
		t.Run(name, func(t *testing.T) {
			now := storetest.Now
			id := "m-" + name
			if err := st.EnqueueMail(ctx, mailQueued(id, now)); err != nil {
				t.Fatal(err)
			}
			if err := st.EnqueueMail(ctx, mailQueued(id, now)); !store.IsDuplicate(err) {
				t.Fatalf("second enqueue with the same id: %v", err)
			}
			claim := func(owner string, at time.Time) (*store.QueuedMail, error) {
				claimed, err := st.ClaimDueMails(ctx, owner, at, time.Minute, 0)
				if err != nil {
					return nil, err
				}
				for _, q := range claimed {
					if q.ID == id {
						return q, nil
					}
				}
				return nil, store.ErrMailNotClaimable
			}
			got, err := claim("a", now)
			if err != nil || got.ClaimedBy != "a" || !got.ClaimUntil.Equal(now.Add(time.Minute)) || got.Message.Subject != "S "+id {
				t.Fatalf("first claim: %+v %v", got, err)
			}
			if _, err := claim("b", now.Add(59*time.Second)); !errors.Is(err, store.ErrMailNotClaimable) {
				t.Fatalf("claim while held: %v", err)
			}
			// The holder died; its claim expires and b takes over.
			later := now.Add(time.Minute)
			if _, err := claim("b", later); err != nil {
				t.Fatalf("claim after expiry: %v", err)
			}
			if err := st.RetryMail(ctx, id, "a", 1, later, "late"); !errors.Is(err, store.ErrMailNotClaimable) {
				t.Fatalf("a released b's claim: %v", err)
			}
			next := later.Add(2 * time.Minute)
			if err := st.RetryMail(ctx, id, "b", 1, next, "451 try later"); err != nil {
				t.Fatal(err)
			}
			if _, err := claim("a", next.Add(-time.Second)); !errors.Is(err, store.ErrMailNotClaimable) {
				t.Fatalf("claim before the retry time: %v", err)
			}
			got, err = claim("a", next)
			if err != nil || got.Attempts != 1 || got.LastError != "451 try later" {
				t.Fatalf("claim at the retry time: %+v %v", got, err)
			}
			if err := st.FinishMails(ctx, []*models.OutboxMail{&models.OutboxMail{ID: id, Message: got.Message, Status: models.OutboxSent, DoneAt: next, Attempts: 2}}); err != nil {
				t.Fatal(err)
			}
			if _, err := claim("b", next.Add(time.Hour)); !errors.Is(err, store.ErrMailNotClaimable) {
				t.Fatalf("claim of a finished message: %v", err)
			}
		})
	}
}

func TestMailClaimHasOneWinner(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	now := storetest.Now
	if err := env.Store.EnqueueMail(ctx, mailQueued("race", now)); err != nil {
		t.Fatal(err)
	}
	const workers = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	winners := 0
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			claimed, err := env.Store.ClaimDueMails(ctx, fmt.Sprintf("w%d", i), now, time.Minute, 0)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			winners += len(claimed)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if winners != 1 {
		t.Fatalf("%d workers claimed the message", winners)
	}
}

func TestFinishMailIsIdempotentAndTheRecentViewIsNewestFirst(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	st := env.Store
	now := storetest.Now
	if list, err := st.RecentOutbox(ctx, 10); err != nil || len(list) != 0 {
		t.Fatalf("empty outbox: %v %v", list, err)
	}
	for i, id := range []string{"m1", "m2", "m3"} {
		q := mailQueued(id, now)
		q.Message.Text = "Follow your case: https://x.test/t/secret-" + id
		q.Message.Secrets = []string{"https://x.test/t/secret-" + id}
		if err := st.EnqueueMail(ctx, q); err != nil {
			t.Fatal(err)
		}
		status := models.OutboxSent
		if id == "m2" {
			status = models.OutboxStored
		}
		out := &models.OutboxMail{ID: id, Message: q.Message, Status: status, CreatedAt: now, DoneAt: now.Add(time.Duration(i) * time.Second), Attempts: 1}
		if err := st.FinishMail(ctx, out); err != nil {
			t.Fatal(err)
		}
	}
	if q, err := st.QueuedMails(ctx, 0); err != nil || len(q) != 0 {
		t.Fatalf("queue after finishing: %v %v", q, err)
	}
	list, err := st.RecentOutbox(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if ids := mailSummaryIDs(list); ids != "m3 m2 m1" {
		t.Fatalf("recent outbox order %q, want newest first", ids)
	}
	if list, _ := st.RecentOutbox(ctx, 2); mailSummaryIDs(list) != "m3 m2" {
		t.Fatalf("limit: %q", mailSummaryIDs(list))
	}

	// A sent message keeps no secret; one kept for reading (stored) does.
	sent, err := st.GetOutboxMail(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sent.Message.Text, "secret-m1") || !strings.Contains(sent.Message.Text, "Follow your case") || len(sent.Message.Secrets) != 0 {
		t.Fatalf("sent copy: %+v", sent.Message)
	}
	stored, _ := st.GetOutboxMail(ctx, "m2")
	if !strings.Contains(stored.Message.Text, "secret-m2") {
		t.Fatalf("stored copy lost its link: %q", stored.Message.Text)
	}

	// Finishing again (a worker cut short, repeating the steps) keeps the first outcome and
	// does not list the message twice.
	if err := st.FinishMails(ctx, []*models.OutboxMail{&models.OutboxMail{ID: "m1", Status: models.OutboxFailed, DoneAt: now.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	again, _ := st.GetOutboxMail(ctx, "m1")
	list, _ = st.RecentOutbox(ctx, 10)
	if again.Status != models.OutboxSent || mailSummaryIDs(list) != "m3 m2 m1" || list[2].Status != models.OutboxSent {
		t.Fatalf("after a repeated finish: %s, %q", again.Status, mailSummaryIDs(list))
	}
	if _, err := st.GetOutboxMail(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}

func TestRecentOutboxIsCapped(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	now := storetest.Now
	total := store.OutboxRecentCap + 3
	for i := 0; i < total; i++ {
		id := fmt.Sprintf("m%04d", i)
		if err := env.Store.FinishMail(ctx, &models.OutboxMail{ID: id, Message: mailQueued(id, now).Message,
			Status: models.OutboxStored, DoneAt: now.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := env.Store.RecentOutbox(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != store.OutboxRecentCap || list[0].ID != fmt.Sprintf("m%04d", total-1) || list[len(list)-1].ID != "m0003" {
		t.Fatalf("view holds %d, first %s, last %s", len(list), list[0].ID, list[len(list)-1].ID)
	}
	// Older messages stay readable by id.
	if _, err := env.Store.GetOutboxMail(ctx, "m0000"); err != nil {
		t.Fatal(err)
	}
}

func TestUnreadableRecentViewDoesNotBlockTheQueue(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	// A view in another layout (an array of sub-documents, as an early build wrote it).
	_, err := env.Store.Database().Collection("mail_outbox_recent").InsertOne(ctx, bson.D{
		{Key: "_id", Value: "recent"}, {Key: "version", Value: int64(3)},
		{Key: "items", Value: bson.A{bson.D{{Key: "id", Value: "old"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if list, err := env.Store.RecentOutbox(ctx, 10); err != nil || len(list) != 0 {
		t.Fatalf("unreadable view: %v %v", list, err)
	}
	q := mailQueued("new", storetest.Now)
	if err := env.Store.EnqueueMail(ctx, q); err != nil {
		t.Fatal(err)
	}
	if err := env.Store.FinishMails(ctx, []*models.OutboxMail{&models.OutboxMail{ID: "new", Message: q.Message, Status: models.OutboxStored, DoneAt: storetest.Now}}); err != nil {
		t.Fatal(err)
	}
	if list, _ := env.Store.RecentOutbox(ctx, 10); mailSummaryIDs(list) != "new" {
		t.Fatalf("view after finishing: %q", mailSummaryIDs(list))
	}
	if rest, _ := env.Store.QueuedMails(ctx, 0); len(rest) != 0 {
		t.Fatal("message left in the queue")
	}
}

func TestQueuedMailsOldestFirst(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	now := storetest.Now
	for i, id := range []string{"q-b", "q-c", "q-a"} {
		if err := env.Store.EnqueueMail(ctx, mailQueued(id, now.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	q, err := env.Store.QueuedMails(ctx, 0)
	if err != nil || len(q) != 3 || q[0].ID != "q-b" || q[2].ID != "q-a" {
		t.Fatalf("queue %v %v", q, err)
	}
	if q, _ := env.Store.QueuedMails(ctx, 2); len(q) != 2 {
		t.Fatalf("limit: %d", len(q))
	}
	ids := func(qs []*store.QueuedMail) string {
		out := make([]string, len(qs))
		for i, q := range qs {
			out[i] = q.ID
		}
		return strings.Join(out, " ")
	}
	due, err := env.Store.ClaimDueMails(ctx, "w", now.Add(time.Minute), time.Minute, 0)
	if err != nil || ids(due) != "q-b q-c" {
		t.Fatalf("due at +1m: %v %v", ids(due), err)
	}
	if due, _ := env.Store.ClaimDueMails(ctx, "w", now.Add(time.Hour), time.Minute, 1); ids(due) != "q-b" {
		t.Fatalf("due with limit: %v", ids(due))
	}
}

func mailSummaryIDs(list []models.OutboxSummary) string {
	ids := make([]string, len(list))
	for i, s := range list {
		ids[i] = s.ID
	}
	return strings.Join(ids, " ")
}

// Batch claims: concurrent workers claiming batches take every due message exactly once, a
// claimed message is not claimed again before its lease ends, and finishing a batch empties
// the queue and lists every message in the recent view. (The filtered path's atomicity is
// MongoDB's; on FerretDB only the single-writer path is safe with concurrent claimers, so the
// filtered path joins in turn, after the others.)
func TestClaimDueMailsTakesEachMessageOnce(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	multi, err := store.Connect(ctx, env.Embedded.URI(), storetest.DBName, store.Options{SingleWriter: false})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = multi.Close(context.Background()) })
	now := storetest.Now
	const n = 40
	for i := 0; i < n; i++ {
		if err := env.Store.EnqueueMail(ctx, mailQueued(fmt.Sprintf("b%02d", i), now)); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	claimedBy := map[string]string{}
	var wg sync.WaitGroup
	claim := func(st *store.Store, owner string, max int) {
		defer wg.Done()
		for rounds := 0; rounds < max; rounds++ {
			batch, err := st.ClaimDueMails(ctx, owner, now, time.Minute, 7)
			if err != nil {
				t.Error(err)
				return
			}
			if len(batch) == 0 {
				return
			}
			mu.Lock()
			for _, q := range batch {
				if prev, dup := claimedBy[q.ID]; dup {
					t.Errorf("%s claimed by %s and %s", q.ID, prev, owner)
				}
				if q.ClaimedBy != owner || q.PreviousClaim != "" {
					t.Errorf("%s: claimed by %q, previously %q", q.ID, q.ClaimedBy, q.PreviousClaim)
				}
				claimedBy[q.ID] = owner
			}
			mu.Unlock()
		}
	}
	wg.Add(1)
	claim(multi, "filtered", 1)
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go claim(env.Store, fmt.Sprintf("w%d", w), n)
	}
	wg.Wait()
	if len(claimedBy) != n {
		t.Fatalf("%d of %d messages claimed", len(claimedBy), n)
	}
	if again, _ := env.Store.ClaimDueMails(ctx, "late", now.Add(59*time.Second), time.Minute, 100); len(again) != 0 {
		t.Fatalf("claimed again within the lease: %d", len(again))
	}
	// After the lease a crashed worker's messages are taken over, and say who held them.
	taken, err := env.Store.ClaimDueMails(ctx, "late", now.Add(2*time.Minute), time.Minute, 100)
	if err != nil || len(taken) != n || taken[0].PreviousClaim == "" {
		t.Fatalf("take-over after the lease: %d, %v", len(taken), err)
	}
	outs := make([]*models.OutboxMail, len(taken))
	for i, q := range taken {
		outs[i] = &models.OutboxMail{ID: q.ID, Message: q.Message, Status: models.OutboxStored, DoneAt: now.Add(time.Duration(i) * time.Second)}
	}
	if err := env.Store.FinishMails(ctx, outs); err != nil {
		t.Fatal(err)
	}
	if q, _ := env.Store.QueuedMails(ctx, 0); len(q) != 0 {
		t.Fatalf("%d messages left in the queue", len(q))
	}
	recent, err := env.Store.RecentOutbox(ctx, 0)
	if err != nil || len(recent) != n || recent[0].ID != taken[n-1].ID {
		t.Fatalf("recent view: %d entries, first %v, err %v", len(recent), recent[0].ID, err)
	}
}
