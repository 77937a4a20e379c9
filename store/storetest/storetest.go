// Package storetest gives tests a real database (the embedded FerretDB, migrated, with the _id
// index remedy applied) and fixture builders with sensible defaults.
package storetest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// DBName is the database tests use.
const DBName = "kaiku"

// Env is a started embedded database with a connected Store.
type Env struct {
	Store    *store.Store
	Embedded *store.Embedded
	Dir      string
}

// Start starts an embedded FerretDB under a fresh temporary directory and closes it when the
// test ends.
func Start(t testing.TB) *Env {
	t.Helper()
	return StartIn(t, t.TempDir())
}

// StartIn starts the embedded database on the files in dir (to test restarts).
func StartIn(t testing.TB, dir string) *Env {
	t.Helper()
	return StartWith(t, dir, store.Options{SingleWriter: true})
}

// StartWith starts the embedded database on the files in dir and connects with opts (to watch
// the commands sent, for example).
func StartWith(t testing.TB, dir string, opts store.Options) *Env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	emb, err := store.StartEmbedded(ctx, dir, logger)
	if err != nil {
		t.Fatalf("start embedded database: %v", err)
	}
	st, err := store.Connect(ctx, emb.URI(), DBName, opts)
	if err != nil {
		emb.Close()
		t.Fatalf("connect: %v", err)
	}
	if err := st.Migrate(ctx, logger, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if _, err := emb.FixIDIndexes(ctx, DBName); err != nil {
		t.Fatalf("fix _id indexes: %v", err)
	}
	t.Cleanup(func() {
		_ = st.Close(context.Background())
		emb.Close()
	})
	return &Env{Store: st, Embedded: emb, Dir: dir}
}

var seq atomic.Int64

// Now is the fixed time fixtures use.
var Now = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// CaseOption changes a fixture case.
type CaseOption func(*models.Case)

// NewCase builds a valid case with defaults; options override them.
func NewCase(opts ...CaseOption) *models.Case {
	n := seq.Add(1)
	c := models.NewCase(models.FormatReference(2026, 900000+n), models.CaseCreate{
		Subject:     fmt.Sprintf("Parcel %d arrived damaged", n),
		Description: "The box was crushed and the vase inside is broken.",
		Customer:    models.CustomerCreate{Name: "Aino Virtanen", Email: fmt.Sprintf("aino%d@example.com", n)},
		Channel:     models.ChannelWebForm,
		Category:    "delivery",
		Touchpoint:  "delivery",
	}, models.Actor{Name: "fixture"}, Now)
	for _, o := range opts {
		o(c)
	}
	return c
}

// WithStatus sets the status.
func WithStatus(s models.Status) CaseOption { return func(c *models.Case) { c.Status = s } }

// WithPriority sets the priority.
func WithPriority(p models.Priority) CaseOption { return func(c *models.Case) { c.Priority = p } }

// WithAssignee sets the assignee.
func WithAssignee(id string) CaseOption { return func(c *models.Case) { c.AssigneeID = id } }

// WithSubject sets the subject.
func WithSubject(s string) CaseOption { return func(c *models.Case) { c.Subject = s } }

// WithUpdatedAt sets the last update time.
func WithUpdatedAt(t time.Time) CaseOption { return func(c *models.Case) { c.UpdatedAt = t } }

// InsertCase builds a case and stores it.
func (e *Env) InsertCase(t testing.TB, opts ...CaseOption) *models.Case {
	t.Helper()
	c := NewCase(opts...)
	if err := e.Store.InsertCase(context.Background(), c); err != nil {
		t.Fatalf("insert case: %v", err)
	}
	return c
}

// UserOption changes a fixture user.
type UserOption func(*models.User)

// NewUser builds an active agent with defaults (no password hash; see helpdesk tests for login).
func NewUser(opts ...UserOption) *models.User {
	n := seq.Add(1)
	u := &models.User{
		ID: fmt.Sprintf("u%06d", n), Email: fmt.Sprintf("agent%d@example.com", n), Name: fmt.Sprintf("Agent %d", n),
		Role: models.RoleAgent, TeamIDs: []string{}, Locale: "en", Active: true, Currency: "EUR",
		CreatedAt: Now, UpdatedAt: Now, Version: 1,
	}
	for _, o := range opts {
		o(u)
	}
	return u
}

// WithRole sets the role.
func WithRole(r models.Role) UserOption { return func(u *models.User) { u.Role = r } }

// WithPasswordHash sets the stored password hash.
func WithPasswordHash(h string) UserOption { return func(u *models.User) { u.PasswordHash = h } }
