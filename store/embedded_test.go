package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

func TestFixIDIndexesMakesByIDLookupsUseAnIndex(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t) // migrates and applies the remedy
	for _, coll := range store.AllCollections {
		ok, err := env.Embedded.IDLookupUsesIndex(ctx, storetest.DBName, coll)
		if err != nil {
			t.Fatalf("%s: %v", coll, err)
		}
		if !ok {
			t.Errorf("collection %s: by-_id lookup still scans after the remedy", coll)
		}
	}
	// Idempotent: running it again changes nothing and does not fail.
	n, err := env.Embedded.FixIDIndexes(ctx, storetest.DBName)
	if err != nil || n != len(store.AllCollections) {
		t.Fatalf("second run: n=%d err=%v", n, err)
	}
}

func TestWithoutRemedyByIDLookupScans(t *testing.T) {
	// Guards the premise: if a FerretDB upgrade fixes its own index, this fails and the remedy
	// can be retired.
	ctx := context.Background()
	env := storetest.Start(t)
	if err := env.Store.Database().Collection("fresh").Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := env.Store.Database().CreateCollection(ctx, "fresh"); err != nil {
		t.Fatal(err)
	}
	ok, err := env.Embedded.IDLookupUsesIndex(ctx, storetest.DBName, "fresh")
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Fatal("FerretDB's own _id index is used now; the remedy may be unnecessary")
	}
}

func TestCaseRoundTripAndVersionedUpdate(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	c := env.InsertCase(t)

	got, err := env.Store.GetCase(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != c.Subject || got.Version != 1 || got.Customer.Email != c.Customer.Email {
		t.Fatalf("read back %+v", got)
	}
	if err := env.Store.InsertCase(ctx, c); !store.IsDuplicate(err) {
		t.Fatalf("second insert with the same ID: want duplicate, got %v", err)
	}

	updated, err := env.Store.UpdateCase(ctx, c.ID, func(c *models.Case) error {
		c.Subject = "changed"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Version != 2 {
		t.Fatalf("version after update = %d, want 2", updated.Version)
	}
	again, _ := env.Store.GetCase(ctx, c.ID)
	if again.Subject != "changed" || again.Version != 2 {
		t.Fatalf("stored after update: %+v", again)
	}

	refuse := errors.New("stale")
	_, err = env.Store.UpdateCase(ctx, c.ID, func(c *models.Case) error { return refuse })
	if !errors.Is(err, refuse) {
		t.Fatalf("mutate error not returned: %v", err)
	}
	if _, err := env.Store.GetCase(ctx, "K-0000-000000"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing case: %v", err)
	}
}

func TestConcurrentUpdatesAreNotLost(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	c := env.InsertCase(t)
	const writers = 8
	errs := make(chan error, writers)
	for i := 0; i < writers; i++ {
		go func() {
			_, err := env.Store.UpdateCase(ctx, c.ID, func(c *models.Case) error {
				c.Tags = append(c.Tags, "x")
				return nil
			})
			errs <- err
		}()
	}
	for i := 0; i < writers; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	got, _ := env.Store.GetCase(ctx, c.ID)
	if len(got.Tags) != writers || got.Version != writers+1 {
		t.Fatalf("after %d concurrent updates: %d tags, version %d", writers, len(got.Tags), got.Version)
	}
}

func TestNextSequenceIsUniqueUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	const n = 40
	seen := make(chan int64, n)
	for i := 0; i < n; i++ {
		go func() {
			v, err := env.Store.NextSequence(ctx, "case-2026")
			if err != nil {
				t.Error(err)
			}
			seen <- v
		}()
	}
	got := map[int64]bool{}
	for i := 0; i < n; i++ {
		v := <-seen
		if got[v] {
			t.Fatalf("sequence value %d handed out twice", v)
		}
		got[v] = true
	}
	for i := int64(1); i <= n; i++ {
		if !got[i] {
			t.Fatalf("value %d missing: %v", i, got)
		}
	}
}
