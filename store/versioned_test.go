package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// versionedEntity is one kind of record that is written back whole with its version raised by
// one: store it at version 1, then write back two copies read at version 1.
type versionedEntity struct {
	name string
	// insert stores a fresh record at version 1 and returns a function that writes back a copy
	// of it read at version 1, with the version raised and name set to changed; and a function
	// that reads the name stored now.
	insert func(t *testing.T, ctx context.Context, st *store.Store) (write func(changed string) error, stored func() string)
}

func versionedEntities() []versionedEntity {
	return []versionedEntity{
		{"user", func(t *testing.T, ctx context.Context, st *store.Store) (func(string) error, func() string) {
			u := storetest.NewUser()
			if err := st.InsertUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			return func(name string) error {
					c := *u
					c.Name, c.Version = name, u.Version+1
					return st.UpdateUser(ctx, &c)
				}, func() string {
					cur, err := st.GetUser(ctx, u.ID)
					if err != nil {
						t.Fatal(err)
					}
					return cur.Name
				}
		}},
		{"rule", func(t *testing.T, ctx context.Context, st *store.Store) (func(string) error, func() string) {
			r := &escalation.Rule{ID: "r1", Name: "first", Version: 1, Trigger: escalation.Trigger{Type: escalation.TriggerCaseCreated}}
			if err := st.InsertRule(ctx, r); err != nil {
				t.Fatal(err)
			}
			return func(name string) error {
					c := *r
					c.Name, c.Version = name, r.Version+1
					return st.UpdateRule(ctx, &c)
				}, func() string {
					cur, err := st.GetRule(ctx, r.ID)
					if err != nil {
						t.Fatal(err)
					}
					return cur.Name
				}
		}},
		{"SLA policy", func(t *testing.T, ctx context.Context, st *store.Store) (func(string) error, func() string) {
			p := &models.SLAPolicy{ID: "p1", Name: "first", Version: 1}
			if err := st.InsertSLAPolicy(ctx, p); err != nil {
				t.Fatal(err)
			}
			return func(name string) error {
					c := *p
					c.Name, c.Version = name, p.Version+1
					return st.UpdateSLAPolicy(ctx, &c)
				}, func() string {
					cur, err := st.GetSLAPolicy(ctx, p.ID)
					if err != nil {
						t.Fatal(err)
					}
					return cur.Name
				}
		}},
		{"webhook endpoint", func(t *testing.T, ctx context.Context, st *store.Store) (func(string) error, func() string) {
			w := &models.WebhookEndpoint{ID: "w1", Name: "first", Version: 1}
			if err := st.InsertWebhookEndpoint(ctx, w); err != nil {
				t.Fatal(err)
			}
			return func(name string) error {
					c := *w
					c.Name, c.Version = name, w.Version+1
					return st.UpdateWebhookEndpoint(ctx, &c)
				}, func() string {
					cur, err := st.GetWebhookEndpoint(ctx, w.ID)
					if err != nil {
						t.Fatal(err)
					}
					return cur.Name
				}
		}},
	}
}

// Two editors read a record at the same version; the second to write back loses with
// ErrVersionMismatch (the use cases answer 409 version_conflict), and the first one's change
// stays: on the embedded database (single writer: the version is checked under the lock) and
// with the version in the filter, as against MongoDB.
func TestStaleWriteOfEachVersionedEntityIsRefused(t *testing.T) {
	ctx := context.Background()
	for _, mode := range []struct {
		name string
		opts store.Options
	}{{"single writer", store.Options{SingleWriter: true}}, {"version in the filter", store.Options{}}} {
		env := storetest.StartWith(t, t.TempDir(), mode.opts)
		for _, e := range versionedEntities() {
			t.Run(mode.name+"/"+e.name, func(t *testing.T) {
				write, stored := e.insert(t, ctx, env.Store)
				if err := write("first editor"); err != nil {
					t.Fatalf("first write: %v", err)
				}
				if err := write("second editor"); !errors.Is(err, store.ErrVersionMismatch) {
					t.Fatalf("stale write: err = %v, want ErrVersionMismatch", err)
				}
				if got := stored(); got != "first editor" {
					t.Fatalf("stored name %q, want the first editor's", got)
				}
			})
		}
	}
}
