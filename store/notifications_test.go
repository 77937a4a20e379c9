package store_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// readState lists a user's notifications as id -> read (true) or unread.
func readState(t *testing.T, st *store.Store, userID string) map[string]bool {
	t.Helper()
	ns, err := st.Notifications(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, n := range ns {
		out[n.ID] = n.ReadAt != nil
	}
	return out
}

// One notification tells several users; each reads it for themselves, and nobody else sees or
// marks it.
func TestNotificationForSeveralUsers(t *testing.T) {
	ctx := context.Background()
	st := storetest.Start(t).Store
	n := &models.Notification{ID: "n1", UserIDs: []string{"MAIJA", "ADMIN"}, CaseID: "K-2026-000001", Title: "t", Message: "m", CreatedAt: storetest.Now}
	if err := st.InsertNotification(ctx, n); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkNotificationRead(ctx, "MAIJA", "n1", storetest.Now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := readState(t, st, "MAIJA"); !got["n1"] {
		t.Fatalf("reader's list: %v", got)
	}
	if got := readState(t, st, "ADMIN"); len(got) != 1 || got["n1"] {
		t.Fatalf("the other recipient's list: %v", got)
	}
	if got := readState(t, st, "AGENT"); len(got) != 0 {
		t.Fatalf("someone not told lists it: %v", got)
	}
	for _, user := range []string{"AGENT", "MAIJA.x", "$where"} {
		if err := st.MarkNotificationRead(ctx, user, "n1", storetest.Now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%q marked it read: %v", user, err)
		}
	}
}

// Notifications stored one per user by an earlier version keep their recipient and read state.
func TestMigrationGivesNotificationsTheirRecipients(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	coll := env.Store.Database().Collection("notifications")
	read := storetest.Now.Add(time.Hour)
	if _, err := coll.InsertMany(ctx, []any{
		bson.D{{Key: "_id", Value: "old-unread"}, {Key: "user_id", Value: "MAIJA"}, {Key: "case_id", Value: "K-2026-000001"}, {Key: "title", Value: "t"}, {Key: "created_at", Value: storetest.Now}},
		bson.D{{Key: "_id", Value: "old-read"}, {Key: "user_id", Value: "MAIJA"}, {Key: "case_id", Value: "K-2026-000001"}, {Key: "title", Value: "t"}, {Key: "created_at", Value: storetest.Now}, {Key: "read_at", Value: read}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Store.Database().Collection("migrations").DeleteOne(ctx, bson.D{{Key: "_id", Value: "0004_notifications_per_firing"}}); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for range 2 {
		if err := env.Store.Migrate(ctx, logger, storetest.Now); err != nil {
			t.Fatal(err)
		}
		if _, err := env.Store.Database().Collection("migrations").DeleteOne(ctx, bson.D{{Key: "_id", Value: "0004_notifications_per_firing"}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := readState(t, env.Store, "MAIJA"); len(got) != 2 || got["old-unread"] || !got["old-read"] {
		t.Fatalf("after the migration: %v", got)
	}
	if err := env.Store.MarkNotificationRead(ctx, "MAIJA", "old-unread", read); err != nil {
		t.Fatal(err)
	}
	if got := readState(t, env.Store, "MAIJA"); !got["old-unread"] {
		t.Fatalf("marking a migrated notification read: %v", got)
	}
}

func TestOldNotificationsAreDeleted(t *testing.T) {
	ctx := context.Background()
	st := storetest.Start(t).Store
	for id, at := range map[string]time.Time{"old": storetest.Now.Add(-store.NotificationRetention - time.Hour), "new": storetest.Now} {
		if err := st.InsertNotification(ctx, &models.Notification{ID: id, UserIDs: []string{"MAIJA"}, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DeleteNotificationsBefore(ctx, storetest.Now.Add(-store.NotificationRetention)); err != nil {
		t.Fatal(err)
	}
	if got := readState(t, st, "MAIJA"); len(got) != 1 || !has(got, "new") {
		t.Fatalf("after the clean-up: %v", got)
	}
}

func has(m map[string]bool, k string) bool { _, ok := m[k]; return ok }
