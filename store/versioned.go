package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/batch"
)

// Versioned records (cases, users, rules, SLA policies, webhook endpoints) carry a version
// that every write raises by one. They are all written through updateVersioned, so the
// difference between the embedded database and MongoDB lives here and in replaceIfVersion
// alone.

// updateVersioned is the one conditional update of a versioned record: under the record's lock
// it reads the stored record, lets mutate change it, and writes it back with the version raised
// by one, only if nobody wrote in between. If another process did (on a shared MongoDB), it
// reads again and calls mutate again, so mutate must decide from the record it is given (and
// refuse a stale version by returning an error). version points at the record's version field.
// It returns the record as written.
func updateVersioned[T any](ctx context.Context, s *Store, coll, id string, version func(*T) *int64, mutate func(*T) error) (*T, error) {
	return updateVersionedBeside(ctx, s, coll, id, version, nil, mutate)
}

// Beside is another record a conditional update reads and may write with its own record: its
// lock is held with the record's (both taken at once, so no caller holds one while waiting for
// the other), and Read reads it beside the record's read, in the same round. Under those locks
// the record Read returns is current on the single-writer database, so mutate may decide on it
// and write it (as replaceIfVersion's callers do).
type Beside struct {
	// Key is the other record's lock key (ApprovalLockKey).
	Key string
	// Read reads the other record; it runs again on each attempt.
	Read func(ctx context.Context) error
}

// updateVersionedBeside is updateVersioned holding beside's lock too and reading beside's
// record with its own (beside nil: updateVersioned).
func updateVersionedBeside[T any](ctx context.Context, s *Store, coll, id string, version func(*T) *int64, beside *Beside, mutate func(*T) error) (*T, error) {
	var unlock func()
	if beside == nil {
		unlock = s.locks.lock(coll + ":" + id)
	} else {
		unlock = s.locks.lockMany([]string{coll + ":" + id, beside.Key})
	}
	defer unlock()
	const attempts = 5
	for range attempts {
		var rec T
		get := func() error { return s.getByID(ctx, coll, id, &rec) }
		if beside == nil {
			if err := get(); err != nil {
				return nil, err
			}
		} else {
			errs := batch.InOneRound(get, func() error { return beside.Read(ctx) })
			if err := cmp.Or(errs...); err != nil {
				return nil, err
			}
		}
		read := *version(&rec)
		if err := mutate(&rec); err != nil {
			return nil, err
		}
		*version(&rec) = read + 1
		err := s.replaceIfVersion(ctx, coll, id, read, &rec)
		if errors.Is(err, ErrVersionMismatch) {
			continue // another replica wrote; decide again on its result
		}
		if err != nil {
			return nil, err
		}
		return &rec, nil
	}
	return nil, fmt.Errorf("%s %s: %w after %d attempts", coll, id, ErrVersionMismatch, attempts)
}

// replaceVersioned writes rec, which carries its new version, over the stored record if the
// stored version is still the one before; ErrVersionMismatch when someone wrote since rec was
// read.
func replaceVersioned[T any](ctx context.Context, s *Store, coll, id string, version func(*T) *int64, rec *T) error {
	readAt := *version(rec) - 1
	_, err := updateVersioned(ctx, s, coll, id, version, func(stored *T) error {
		if *version(stored) != readAt {
			return ErrVersionMismatch
		}
		*stored = *rec
		return nil
	})
	return err
}

// replaceIfVersion replaces the document with _id id if its stored version is still version.
// doc must carry the new version. The caller holds the document's lock and read the document
// under it: on the single-writer embedded database that read is the version check and the
// filter is _id alone (see Options.SingleWriter); on MongoDB the version goes into the filter,
// for writers in other processes.
func (s *Store) replaceIfVersion(ctx context.Context, coll, id string, version int64, doc any) error {
	filter := bson.D{{Key: "_id", Value: id}}
	if !s.opts.SingleWriter {
		filter = append(filter, bson.E{Key: "version", Value: version})
	}
	res, err := s.w(coll).ReplaceOne(ctx, filter, doc)
	if err != nil {
		return mapErr(err)
	}
	if res.MatchedCount == 0 {
		return ErrVersionMismatch
	}
	return nil
}
