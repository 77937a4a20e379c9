package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// migration is one ordered, idempotent start-up step. Applied ones are recorded by name, and
// running one twice is harmless anyway (a crash between the step and the record repeats it).
type migration struct {
	name string
	up   func(ctx context.Context, s *Store, now time.Time) error
}

// migrations run in this order after the collections exist; append only, never reorder or
// rename. Data changes go here; new collections only need adding to AllCollections.
var migrations = []migration{
	{"0001_create_collections", func(ctx context.Context, s *Store, _ time.Time) error { return createCollections(ctx, s) }},
	{"0002_sla_timer_buckets", migrateSLATimers},
	{"0003_queues_and_bookkeeping_files", moveToFiles},
	{"0004_notifications_per_firing", migrateNotifications},
	{"0005_resolution_options", seedResolutionOptions},
}

func createCollections(ctx context.Context, s *Store) error {
	have := map[dbFile]map[string]bool{}
	for f := range fileCount {
		existing, err := s.writeDBs[f].ListCollectionNames(ctx, bson.D{})
		if err != nil {
			return err
		}
		have[f] = map[string]bool{}
		for _, n := range existing {
			have[f][n] = true
		}
	}
	for _, name := range AllCollections {
		f := s.fileOf(name)
		if have[f][name] {
			continue
		}
		if err := s.writeDBs[f].CreateCollection(ctx, name); err != nil {
			var ce mongo.CommandError
			if ok := asCommandError(err, &ce); ok && ce.Name == "NamespaceExists" {
				continue // another replica created it first
			}
			return fmt.Errorf("create %s: %w", name, err)
		}
	}
	return nil
}

func asCommandError(err error, target *mongo.CommandError) bool {
	ce, ok := err.(mongo.CommandError)
	if ok {
		*target = ce
	}
	return ok
}

// Migrate runs every migration not yet recorded. Several replicas may run it at once: each step
// is idempotent, so the worst case is a step run twice.
func (s *Store) Migrate(ctx context.Context, logger *slog.Logger, now time.Time) error {
	// Every start makes sure each collection exists (cheap and idempotent), so the embedded
	// _id index remedy, which runs after this, covers collections added in later versions.
	if err := createCollections(ctx, s); err != nil {
		return err
	}
	// The migrations collection may not exist yet on a fresh database; reads of a missing
	// collection return nothing, which is what we want.
	for _, m := range migrations {
		var done struct {
			ID string `bson:"_id"`
		}
		err := s.getByID(ctx, collMigrations, m.name, &done)
		if err == nil {
			continue
		}
		if err != ErrNotFound {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		logger.Info("applying migration", "name", m.name)
		if err := m.up(ctx, s, now); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		err = s.insert(ctx, collMigrations, bson.D{{Key: "_id", Value: m.name}, {Key: "applied_at", Value: now}})
		if err != nil && !isDup(err) {
			return fmt.Errorf("record migration %s: %w", m.name, err)
		}
	}
	return nil
}
