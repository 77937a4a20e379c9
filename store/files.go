package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The embedded FerretDB keeps each database in one SQLite file, and SQLite commits one write
// transaction at a time per file, each with an fsync. A complaint writes to several collections
// (the case, its claims and timer, its queued mail and live event), so with one file those
// commits queue behind each other while the CPU waits. On the embedded database (with
// Options.SingleWriter) the collections are therefore kept in seven databases, seven files,
// each with a write connection of its own, and commits to different files run side by side.
// A complaint's writes in one round go to different files: its claims and index mark, then
// its case and timer, then its mail and live event.
// On MongoDB everything stays in the one database named in the configuration.

// dbFile is one of the embedded database's files.
type dbFile int

const (
	fileRecords     dbFile = iota // <db>: cases, people, settings, rules: what the product is about
	fileQueues                    // <db>_queues: work on its way out: mail, webhooks
	fileMarks                     // <db>_marks: index marks (cases the search index must catch up on)
	fileBookkeeping               // <db>_bookkeeping: idempotency claims, reference counters
	fileLimits                    // <db>_limits: rate-limit hits
	fileTimers                    // <db>_timers: SLA timer buckets
	fileEvents                    // <db>_events: live-update event pages
	fileCount
)

// fileSuffix is appended to the configured database name.
var fileSuffix = [fileCount]string{fileRecords: "", fileQueues: "_queues", fileMarks: "_marks", fileBookkeeping: "_bookkeeping",
	fileLimits: "_limits", fileTimers: "_timers", fileEvents: "_events"}

// collectionFile says where each collection lives on the embedded database; unlisted ones are
// records.
var collectionFile = map[string]dbFile{
	collMailQueue:    fileQueues,
	collMailOutbox:   fileQueues,
	collMailRecent:   fileQueues,
	collWebhookQueue: fileQueues,
	collWebhookLog:   fileQueues,

	collIndexQueue: fileMarks,

	collIdempotent: fileBookkeeping,
	collCounters:   fileBookkeeping,
	// Inbound mail's keys and fetch positions: written beside each mail-born case.
	collMailInKeys:   fileBookkeeping,
	collMailboxState: fileBookkeeping,
	// Follow-up checks asked in bulk: inserted beside the tracking links (records).
	collFollowUpClaims:  fileBookkeeping,
	collFollowUpBatches: fileBookkeeping,

	collRateLimits: fileLimits,

	collSLABuckets: fileTimers,

	collEvents:       fileEvents,
	collEventSources: fileEvents,
}

// DatabaseNames are the databases the embedded store keeps for the configured name (the _id
// index remedy covers each file).
func DatabaseNames(dbName string) []string {
	names := make([]string, fileCount)
	for f := range fileCount {
		names[f] = dbName + fileSuffix[f]
	}
	return names
}

// fileOf is the file of collection name on this store (always records on MongoDB).
func (s *Store) fileOf(name string) dbFile {
	if !s.opts.SingleWriter {
		return fileRecords
	}
	return collectionFile[name]
}

// moveToFiles is a migration: it moves the collections that now live in a file of their own
// out of the records file of an installation that kept everything there. Each document is
// copied (an existing copy is kept, so a repeat after a crash is harmless), then the old
// collection is dropped. On MongoDB nothing moves.
func moveToFiles(ctx context.Context, s *Store, _ time.Time) error {
	if !s.opts.SingleWriter {
		return nil
	}
	for name, f := range collectionFile {
		if f == fileRecords {
			continue
		}
		src := s.writeDBs[fileRecords].Collection(name)
		cur, err := src.Find(ctx, bson.D{}, options.Find().SetBatchSize(500))
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		batch := make([]any, 0, 500)
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			errs := s.insertMany(ctx, name, batch)
			batch = batch[:0]
			for _, err := range errs {
				if err != nil && !isDup(err) { // an existing copy is kept
					return fmt.Errorf("copy %s: %w", name, err)
				}
			}
			return nil
		}
		for cur.Next(ctx) {
			batch = append(batch, append(bson.Raw(nil), cur.Current...))
			if len(batch) == cap(batch) {
				if err := flush(); err != nil {
					_ = cur.Close(ctx)
					return err
				}
			}
		}
		err = errors.Join(cur.Err(), cur.Close(ctx), flush())
		if err != nil {
			return fmt.Errorf("move %s: %w", name, err)
		}
		if err := src.Drop(ctx); err != nil {
			return fmt.Errorf("drop the old %s: %w", name, err)
		}
	}
	return nil
}
