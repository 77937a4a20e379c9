package store_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// An installation from before the split kept every collection in one file. Its queued mail,
// index marks, idempotency claims and reference counter move to their files at start-up, and
// the old collections are gone.
func TestMigrationMovesCollectionsToTheirFiles(t *testing.T) {
	ctx := context.Background()
	old := storetest.StartWith(t, t.TempDir(), store.Options{}) // one database, as before
	if err := old.Store.EnqueueMail(ctx, &store.QueuedMail{ID: "m1", Message: models.MailMessage{To: "a@example.com", Subject: "s", Kind: "ack"}}); err != nil {
		t.Fatal(err)
	}
	if err := old.Store.MarkDirty(ctx, "K-2026-000007", 3, storetest.Now); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Store.ClaimIdempotency(ctx, &store.IdempotencyRecord{ID: "complaint:k", CaseID: "K-2026-000007", CreatedAt: storetest.Now, ExpiresAt: storetest.Now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	last, err := old.Store.NextSequenceBlock(ctx, "cases-2026", 40)
	if err != nil {
		t.Fatal(err)
	}
	// The old binary had not run this migration.
	if _, err := old.Store.Database().Collection("migrations").DeleteOne(ctx, bson.D{{Key: "_id", Value: "0003_queues_and_bookkeeping_files"}}); err != nil {
		t.Fatal(err)
	}

	st, err := store.Connect(ctx, old.Embedded.URI(), storetest.DBName, store.Options{SingleWriter: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close(context.Background()) })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for range 2 { // a second start finds nothing left to move
		if err := st.Migrate(ctx, logger, storetest.Now); err != nil {
			t.Fatal(err)
		}
	}
	if q, err := st.QueuedMails(ctx, 0); err != nil || len(q) != 1 || q[0].ID != "m1" {
		t.Fatalf("queued mail after the move: %+v %v", q, err)
	}
	if marks, err := st.DirtyMarks(ctx, 10); err != nil || len(marks) != 1 || marks[0].Version != 3 {
		t.Fatalf("index marks after the move: %+v %v", marks, err)
	}
	if _, err := st.ClaimIdempotency(ctx, &store.IdempotencyRecord{ID: "complaint:k", CreatedAt: storetest.Now, ExpiresAt: storetest.Now.Add(time.Hour)}); !store.IsDuplicate(err) {
		t.Fatalf("the moved claim must still hold the key: %v", err)
	}
	if next, err := st.NextSequenceBlock(ctx, "cases-2026", 1); err != nil || next != last+1 {
		t.Fatalf("the reference counter went from %d to %d (%v)", last, next, err)
	}
	left, err := old.Store.Database().ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for _, moved := range []string{"mail_queue", "index_queue", "idempotency", "counters", "sla_buckets", "events"} {
		if slices.Contains(left, moved) {
			t.Errorf("%s is still in the records file", moved)
		}
	}
	if !slices.Contains(left, "cases") {
		t.Errorf("cases left the records file: %v", left)
	}
}
