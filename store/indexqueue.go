package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The index queue is a write-ahead mark for the search index: a case is marked dirty before it
// is written, and the mark is cleared only once the index holds that version. Whatever
// crashes or fails in between (the process, the search backend), a reconciler finds the marks
// and indexes those cases again. The queue is empty in normal operation, so reading it whole
// is cheap even where FerretDB scans.

// DirtyMark says a case needs (re)indexing up to at least Version.
type DirtyMark struct {
	ID      string    `bson:"_id"`
	Version int64     `bson:"version"`
	At      time.Time `bson:"at"`
}

// MarkDirty records that case id is about to be written at version. Most cases have no mark
// (it is cleared once indexed), so it is an insert, grouped with other writers' marks; an
// existing mark is raised instead.
func (s *Store) MarkDirty(ctx context.Context, id string, version int64, now time.Time) error {
	err := s.insert(ctx, collIndexQueue, DirtyMark{ID: id, Version: version, At: now})
	if !isDup(err) {
		return err
	}
	_, err = s.w(collIndexQueue).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: version}, {Key: "at", Value: now}}}},
		options.UpdateOne().SetUpsert(true))
	return err
}

// ClearDirty removes the mark of case id if it asks for no more than indexedVersion, so a mark
// set by a newer write is kept.
func (s *Store) ClearDirty(ctx context.Context, id string, indexedVersion int64) error {
	return s.ClearDirtyMany(ctx, map[string]int64{id: indexedVersion})
}

// ClearDirtyMany removes, in one round trip, the marks of the given cases that ask for no more
// than the version indexed. On MongoDB each delete is conditional on the version read.
//
// On the single-writer embedded database it is one delete whose filter holds the conditions
// (FerretDB scans the small queue for it either way). The marks' file has one write
// connection, so that command cannot interleave with a mark being set or raised: a mark raised
// before it asks for more than was indexed and stays, one raised after it is written anew.
// Marking therefore never waits for a clearing.
func (s *Store) ClearDirtyMany(ctx context.Context, indexed map[string]int64) error {
	if len(indexed) == 0 {
		return nil
	}
	if s.opts.SingleWriter {
		byVersion := map[int64][]string{}
		for id, v := range indexed {
			byVersion[v] = append(byVersion[v], id)
		}
		clauses := make(bson.A, 0, len(byVersion))
		for v, ids := range byVersion {
			clauses = append(clauses, bson.D{
				{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}},
				{Key: "version", Value: bson.D{{Key: "$lte", Value: v}}},
			})
		}
		filter := bson.D{{Key: "$or", Value: clauses}}
		if len(clauses) == 1 {
			filter = clauses[0].(bson.D)
		}
		_, err := s.w(collIndexQueue).DeleteMany(ctx, filter)
		return err
	}
	var marks []DirtyMark
	if len(indexed) == 1 {
		for id := range indexed {
			var m DirtyMark
			err := s.getByID(ctx, collIndexQueue, id, &m)
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			marks = append(marks, m)
		}
	} else {
		ids := make([]string, 0, len(indexed))
		for id := range indexed {
			ids = append(ids, id)
		}
		// The queue holds only marks of writes in flight or failed: scanning it is cheap.
		var err error
		marks, err = findAll[DirtyMark](ctx, s, collIndexQueue, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
		if err != nil {
			return err
		}
	}
	var deletes []mongo.WriteModel
	for _, m := range marks {
		if m.Version <= indexed[m.ID] {
			deletes = append(deletes, mongo.NewDeleteOneModel().SetFilter(
				bson.D{{Key: "_id", Value: m.ID}, {Key: "version", Value: m.Version}}))
		}
	}
	if len(deletes) == 0 {
		return nil
	}
	_, err := s.w(collIndexQueue).BulkWrite(ctx, deletes, options.BulkWrite().SetOrdered(false))
	return err
}

// DirtyMarks returns up to limit marks, oldest writes first where the database can sort.
func (s *Store) DirtyMarks(ctx context.Context, limit int) ([]DirtyMark, error) {
	cur, err := s.c(collIndexQueue).Find(ctx, bson.D{}, options.Find().SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	out := []DirtyMark{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// MarkDirtyMany is MarkDirty for many cases at one version, inserted together; a case
// already marked has its mark raised on its own.
func (s *Store) MarkDirtyMany(ctx context.Context, ids []string, version int64, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	docs := make([]any, len(ids))
	for i, id := range ids {
		docs[i] = DirtyMark{ID: id, Version: version, At: now}
	}
	errs := s.insertAll(ctx, collIndexQueue, docs)
	var failed []error
	for i, err := range errs {
		if isDup(err) {
			err = s.MarkDirty(ctx, ids[i], version, now)
		}
		if err != nil {
			failed = append(failed, err)
		}
	}
	return errors.Join(failed...)
}
