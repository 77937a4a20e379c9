package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// CountHit adds one hit to key's fixed window that contains now and returns the hits in that
// window so far. The counter lives in the database, so every replica sees the same count.
//
// Hits on one key that arrive while its counter is being written (sixteen clients behind one
// address) are added together in the next write, and each caller gets its own running count,
// so a busy key costs one write per round trip instead of one per hit.
func (s *Store) CountHit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	start := now.Truncate(window)
	id := fmt.Sprintf("%s@%d", key, start.Unix())

	s.hitsMu.Lock()
	b := s.hitBatches[id]
	if b == nil {
		b = &hitBatch{done: make(chan struct{})}
		s.hitBatches[id] = b
	}
	b.n++
	mine := b.n
	s.hitsMu.Unlock()

	if mine == 1 {
		// The first hit writes the batch, after the key's previous batch; hits arriving
		// until the write starts join it.
		unlock := s.locks.lock("rl:" + id)
		s.hitsMu.Lock()
		delete(s.hitBatches, id)
		n := b.n
		s.hitsMu.Unlock()
		b.count, b.err = s.addHits(context.WithoutCancel(ctx), id, n, start.Add(window))
		unlock()
		close(b.done)
	}
	<-b.done
	if b.err != nil {
		return 0, b.err
	}
	s.hitsMu.Lock()
	n := b.n
	s.hitsMu.Unlock()
	return b.count - n + mine, nil
}

// hitBatch is the hits on one rate-limit key written together.
type hitBatch struct {
	n     int // hits in the batch; fixed once the write starts
	count int // the window's count after the write
	err   error
	done  chan struct{}
}

// addHits adds n hits to the window document id and returns its count after.
func (s *Store) addHits(ctx context.Context, id string, n int, expires time.Time) (int, error) {
	var doc struct {
		Count int `bson:"count"`
	}
	err := s.c(collRateLimits).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}},
		bson.D{
			{Key: "$inc", Value: bson.D{{Key: "count", Value: n}}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "expires_at", Value: expires}}},
		},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
	).Decode(&doc)
	return doc.Count, err
}

// DeleteExpired removes rate-limit windows, sessions, idempotency records and presence that
// ended before now. These collections stay small (one document per active key, session, recent
// submission or open case page), so the scan is cheap.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, coll := range []string{collRateLimits, collSessions, collIdempotent, collPresence} {
		res, err := s.c(coll).DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now}}}})
		if err != nil {
			return total, err
		}
		total += res.DeletedCount
	}
	return total, nil
}
