package store

import (
	"context"
	"errors"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The mail and webhook queues share one shape: documents with next_attempt_at, claimed_by and
// claim_until, listed by a scan of the (small) queue and claimed one by one by _id.

// queued is a queue document that knows when it may be claimed and records a claim.
type queued[T any] interface {
	*T
	claimable(now time.Time) bool
	setClaim(owner string, until time.Time)
}

// dueQueueIDs returns the ids of documents in coll a worker may claim at now (due and not
// claimed, or claimed with an expired claim), longest-waiting first.
func (s *Store) dueQueueIDs(ctx context.Context, coll string, now time.Time, limit int) ([]string, error) {
	filter := bson.D{
		{Key: "next_attempt_at", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "claim_until", Value: bson.D{{Key: "$lte", Value: now}}},
	}
	cur, err := s.c(coll).Find(ctx, filter, options.Find().SetProjection(
		bson.D{{Key: "_id", Value: 1}, {Key: "next_attempt_at", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var due []struct {
		ID            string    `bson:"_id"`
		NextAttemptAt time.Time `bson:"next_attempt_at"`
	}
	if err := cur.All(ctx, &due); err != nil {
		return nil, err
	}
	sort.Slice(due, func(i, j int) bool {
		if !due[i].NextAttemptAt.Equal(due[j].NextAttemptAt) {
			return due[i].NextAttemptAt.Before(due[j].NextAttemptAt)
		}
		return due[i].ID < due[j].ID
	})
	ids := make([]string, 0, len(due))
	for _, d := range due {
		if limit > 0 && len(ids) == limit {
			break
		}
		ids = append(ids, d.ID)
	}
	return ids, nil
}

// claimQueued takes document id of coll for owner until now+lease, only if it is due and
// nobody holds an unexpired claim; otherwise notClaimable. On MongoDB the conditional
// findAndModify is atomic; on the embedded FerretDB (whose findAndModify is a read then a
// write) the check and the write run under the in-process lock lockKey, which the queue's
// other writers take too.
func claimQueued[T any, P queued[T]](ctx context.Context, s *Store, coll, lockKey, id, owner string, now time.Time, lease time.Duration, notClaimable error) (*T, error) {
	if owner == "" || lease <= 0 {
		return nil, errors.New("store: claim needs an owner and a lease")
	}
	set := bson.D{{Key: "$set", Value: bson.D{
		{Key: "claimed_by", Value: owner},
		{Key: "claim_until", Value: now.Add(lease)},
	}}}
	var q T
	if s.opts.SingleWriter {
		unlock := s.locks.lock(lockKey)
		defer unlock()
		if err := s.getByID(ctx, coll, id, &q); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, notClaimable
			}
			return nil, err
		}
		if !P(&q).claimable(now) {
			return nil, notClaimable
		}
		res, err := s.c(coll).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, set)
		if err != nil {
			return nil, err
		}
		if res.MatchedCount == 0 {
			return nil, notClaimable
		}
		P(&q).setClaim(owner, now.Add(lease))
		return &q, nil
	}
	filter := bson.D{
		{Key: "_id", Value: id},
		{Key: "next_attempt_at", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "claim_until", Value: bson.D{{Key: "$lte", Value: now}}},
	}
	err := s.c(coll).FindOneAndUpdate(ctx, filter, set,
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&q)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, notClaimable
	}
	if err != nil {
		return nil, err
	}
	return &q, nil
}
