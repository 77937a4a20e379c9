package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
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

// MarkDirty records that case id is about to be written at version.
func (s *Store) MarkDirty(ctx context.Context, id string, version int64, now time.Time) error {
	_, err := s.c(collIndexQueue).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: version}, {Key: "at", Value: now}}}},
		options.UpdateOne().SetUpsert(true))
	return err
}

// ClearDirty removes the mark of case id if it asks for no more than indexedVersion, so a mark
// set by a newer write is kept.
func (s *Store) ClearDirty(ctx context.Context, id string, indexedVersion int64) error {
	unlock := s.locks.lock("dirty:" + id)
	defer unlock()
	var m DirtyMark
	err := s.getByID(ctx, collIndexQueue, id, &m)
	if err == ErrNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if m.Version > indexedVersion {
		return nil
	}
	filter := bson.D{{Key: "_id", Value: id}}
	if !s.opts.SingleWriter {
		filter = append(filter, bson.E{Key: "version", Value: m.Version})
	}
	_, err = s.c(collIndexQueue).DeleteOne(ctx, filter)
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
