package store

import (
	"context"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// A session read a moment ago is served from memory; a write through this process (drop,
// dropAll) makes the next read go to the database again, and a read that raced a write is not
// kept, so a logged-out or revoked session is refused at once in this process.
func TestSessionCacheServesRecentReadsAndForgetsWrites(t *testing.T) {
	var c sessionCache
	ctx := context.Background()
	loads := 0
	stored := models.Session{ID: "s1", UserID: "u1", ExpiresAt: time.Now().Add(time.Hour)}
	load := func(context.Context, string) (*models.Session, error) {
		loads++
		sess := stored
		return &sess, nil
	}
	get := func() *models.Session {
		t.Helper()
		sess, err := c.get(ctx, "s1", load)
		if err != nil {
			t.Fatal(err)
		}
		return sess
	}

	get()
	get().UserID = "changed by a caller" // callers get copies
	if loads != 1 {
		t.Fatalf("%d loads for two reads in a row, want 1", loads)
	}
	if s := get(); s.UserID != "u1" {
		t.Fatalf("a caller's change leaked into the cache: %q", s.UserID)
	}

	stored.EnrolOnly = true
	c.drop("s1")
	if s := get(); !s.EnrolOnly || loads != 2 {
		t.Fatalf("after drop: enrol_only %v, loads %d; want the stored session re-read", s.EnrolOnly, loads)
	}
	c.dropAll()
	get()
	if loads != 3 {
		t.Fatalf("after dropAll: %d loads, want 3", loads)
	}

	raced := func(context.Context, string) (*models.Session, error) {
		loads++
		c.drop("s1") // a logout lands while the read is under way
		sess := stored
		return &sess, nil
	}
	c.dropAll()
	if _, err := c.get(ctx, "s1", raced); err != nil {
		t.Fatal(err)
	}
	before := loads
	get()
	if loads != before+1 {
		t.Fatal("a read that raced a write was kept")
	}

	missing := func(context.Context, string) (*models.Session, error) { return nil, ErrNotFound }
	if _, err := c.get(ctx, "gone", missing); err != ErrNotFound {
		t.Fatalf("missing session: %v", err)
	}
}
