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
func (s *Store) CountHit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	start := now.Truncate(window)
	id := fmt.Sprintf("%s@%d", key, start.Unix())
	unlock := s.locks.lock("rl:" + id)
	defer unlock()
	var doc struct {
		Count int `bson:"count"`
	}
	err := s.c(collRateLimits).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}},
		bson.D{
			{Key: "$inc", Value: bson.D{{Key: "count", Value: 1}}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "expires_at", Value: start.Add(window)}}},
		},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
	).Decode(&doc)
	if err != nil {
		return 0, err
	}
	return doc.Count, nil
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
