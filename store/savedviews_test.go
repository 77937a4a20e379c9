package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// Concurrent changes to one scope's views all land (none overwrites another), and every
// command on the saved views filters by _id alone, which FerretDB answers without a scan.
func TestSavedViewsConcurrentChangesByID(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var filters []bson.Raw
	st := storetest.StartWith(t, t.TempDir(), store.Options{SingleWriter: true,
		Monitor: &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
			mu.Lock()
			defer mu.Unlock()
			switch e.CommandName {
			case "find", "update", "delete":
				if coll, _ := e.Command.Lookup(e.CommandName).StringValueOK(); coll != "saved_views" {
					return
				}
				if f, ok := e.Command.Lookup("filter").DocumentOK(); ok {
					filters = append(filters, bson.Raw(f))
				}
				for _, key := range []string{"updates", "deletes"} {
					if arr, ok := e.Command.Lookup(key).ArrayOK(); ok {
						vals, _ := arr.Values()
						for _, v := range vals {
							filters = append(filters, bson.Raw(v.Document().Lookup("q").Document()))
						}
					}
				}
			}
		}}}).Store
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = st.UpdateSavedViews(ctx, "team:T1", func(l *store.SavedViewList) error {
				l.Views = append(l.Views, models.SavedView{ID: fmt.Sprintf("team:T1~%02d", i), Name: "v", Scope: models.ScopeTeam, TeamID: "T1", Version: 1})
				return nil
			})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	l, err := st.GetSavedViews(ctx, "team:T1")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range l.Views {
		ids = append(ids, v.ID)
	}
	slices.Sort(ids)
	if len(ids) != n || l.Version != n || ids[0] != "team:T1~00" || ids[n-1] != fmt.Sprintf("team:T1~%02d", n-1) {
		t.Fatalf("after %d concurrent appends: version %d, views %v", n, l.Version, ids)
	}
	if empty, err := st.GetSavedViews(ctx, "user:nobody"); err != nil || len(empty.Views) != 0 || empty.Version != 0 {
		t.Fatalf("a scope without views: %+v %v", empty, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(filters) == 0 {
		t.Fatal("no saved-view commands seen")
	}
	for _, f := range filters {
		elems, _ := f.Elements()
		if len(elems) != 1 || elems[0].Key() != "_id" {
			t.Errorf("a saved-view command filters by %s, want {_id} alone", f)
		}
	}
}

// Where another writer may write (MongoDB, several replicas), a change made meanwhile is not
// overwritten: the write is conditional on the version read, and the change is decided again
// on what the other writer left.
func TestSavedViewsStaleWriteIsRetriedOnMultiWriter(t *testing.T) {
	ctx := context.Background()
	st := storetest.StartWith(t, t.TempDir(), store.Options{}).Store
	add := func(id string) func(l *store.SavedViewList) error {
		return func(l *store.SavedViewList) error {
			l.Views = append(l.Views, models.SavedView{ID: id, Name: id, Scope: models.ScopeEveryone, Version: 1})
			return nil
		}
	}
	if _, err := st.UpdateSavedViews(ctx, "everyone", add("everyone~a")); err != nil {
		t.Fatal(err)
	}
	attempts := 0
	l, err := st.UpdateSavedViews(ctx, "everyone", func(l *store.SavedViewList) error {
		attempts++
		if attempts == 1 { // another replica writes between this read and this write
			other := *l
			other.Views = append(slices.Clone(l.Views), models.SavedView{ID: "everyone~other", Name: "other", Scope: models.ScopeEveryone, Version: 1})
			other.Version = l.Version + 1
			if _, err := st.Database().Collection("saved_views").ReplaceOne(ctx, bson.D{{Key: "_id", Value: "everyone"}}, other); err != nil {
				t.Fatal(err)
			}
		}
		return add("everyone~b")(l)
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range l.Views {
		ids = append(ids, v.ID)
	}
	if attempts != 2 || l.Version != 3 || !slices.Equal(ids, []string{"everyone~a", "everyone~other", "everyone~b"}) {
		t.Fatalf("after a concurrent write: %d attempts, version %d, views %v", attempts, l.Version, ids)
	}
}
