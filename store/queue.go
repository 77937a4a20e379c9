package store

import (
	"context"
	"errors"
	"slices"
	"strings"
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
	queueID() string
}

// dueQueueIDs returns the ids of documents in coll a worker may claim at now (due and not
// claimed, or claimed with an expired claim), longest-waiting first.
func (s *Store) dueQueueIDs(ctx context.Context, coll string, now time.Time, limit int) ([]string, error) {
	cur, err := s.c(coll).Find(ctx, dueFilter(now), options.Find().SetProjection(
		bson.D{{Key: "_id", Value: 1}, {Key: "next_attempt_at", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var due []dueEntry
	if err := cur.All(ctx, &due); err != nil {
		return nil, err
	}
	slices.SortFunc(due, func(a, b dueEntry) int { return byTimeThenID(a.NextAttemptAt, b.NextAttemptAt, a.ID, b.ID) })
	ids := make([]string, 0, len(due))
	for _, d := range due {
		if limit > 0 && len(ids) == limit {
			break
		}
		ids = append(ids, d.ID)
	}
	return ids, nil
}

// dueEntry is what a listing of due queue documents reads of each.
type dueEntry struct {
	ID            string    `bson:"_id"`
	NextAttemptAt time.Time `bson:"next_attempt_at"`
}

// byTimeThenID orders queue and list entries oldest first, by id among equal times, so that
// equal timestamps still give one order on every replica.
func byTimeThenID(ta, tb time.Time, ida, idb string) int {
	if c := ta.Compare(tb); c != 0 {
		return c
	}
	return strings.Compare(ida, idb)
}

// dueFilter matches queue documents a worker may take at now: due, and not claimed or with
// an expired claim.
func dueFilter(now time.Time) bson.D {
	return bson.D{
		{Key: "next_attempt_at", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "claim_until", Value: bson.D{{Key: "$lte", Value: now}}},
	}
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
		res, err := s.w(coll).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, set)
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
	err := s.w(coll).FindOneAndUpdate(ctx, filter, set,
		options.FindOneAndUpdate().SetReturnDocument(options.Before)).Decode(&q)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, notClaimable
	}
	if err != nil {
		return nil, err
	}
	P(&q).setClaim(owner, now.Add(lease))
	return &q, nil
}

// claimDue lists up to limit documents of coll a worker may claim at now and claims them for
// owner, longest-waiting first. On the single-writer embedded database it is one listing,
// one read and one write for the whole batch, under the documents' in-process locks; on
// MongoDB each document is claimed by its own atomic findAndModify.
func claimDue[T any, P queued[T]](ctx context.Context, s *Store, coll, lockPrefix, owner string, now time.Time, lease time.Duration, limit int, notClaimable error) ([]*T, error) {
	if owner == "" || lease <= 0 {
		return nil, errors.New("store: claim needs an owner and a lease")
	}
	ids, err := s.dueQueueIDs(ctx, coll, now, limit)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	if !s.opts.SingleWriter {
		var out []*T
		for _, id := range ids {
			q, err := claimQueued[T, P](ctx, s, coll, lockPrefix+id, id, owner, now, lease, notClaimable)
			if errors.Is(err, notClaimable) {
				continue
			}
			if err != nil {
				return out, err
			}
			out = append(out, q)
		}
		return out, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = lockPrefix + id
	}
	unlock := s.locks.lockMany(keys)
	defer unlock()
	// Read again under the locks: the listing ran before them.
	docs, err := findAll[T](ctx, s, coll, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*T, len(docs))
	var claimIDs []string
	for i := range docs {
		if P(&docs[i]).claimable(now) {
			id := P(&docs[i]).queueID()
			byID[id] = &docs[i]
			claimIDs = append(claimIDs, id)
		}
	}
	if len(claimIDs) == 0 {
		return nil, nil
	}
	if _, err := s.w(coll).UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: claimIDs}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "claimed_by", Value: owner}, {Key: "claim_until", Value: now.Add(lease)}}}}); err != nil {
		return nil, err
	}
	out := make([]*T, 0, len(claimIDs))
	for _, id := range ids { // in due order
		if q, ok := byID[id]; ok {
			P(q).setClaim(owner, now.Add(lease))
			out = append(out, q)
		}
	}
	return out, nil
}

// rescheduleQueued records a failed attempt of document id of coll, which owner must still
// hold: it sets the fields given (the attempt count, the next attempt, what went wrong) and
// releases the claim. Otherwise notClaimable. The ownership check is in the filter on MongoDB
// and under the in-process lock lockKey on the single-writer embedded database.
func (s *Store) rescheduleQueued(ctx context.Context, coll, lockKey, id, owner string, fields bson.D, notClaimable error) error {
	set := append(fields, bson.E{Key: "claimed_by", Value: ""}, bson.E{Key: "claim_until", Value: time.Time{}})
	filter := bson.D{{Key: "_id", Value: id}}
	if s.opts.SingleWriter {
		unlock := s.locks.lock(lockKey)
		defer unlock()
		var held struct {
			ClaimedBy string `bson:"claimed_by"`
		}
		if err := s.getByID(ctx, coll, id, &held); err != nil {
			if errors.Is(err, ErrNotFound) {
				return notClaimable
			}
			return err
		}
		if held.ClaimedBy != owner {
			return notClaimable
		}
	} else {
		filter = append(filter, bson.E{Key: "claimed_by", Value: owner})
	}
	res, err := s.w(coll).UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return err
	}
	if res.MatchedCount == 0 {
		return notClaimable
	}
	return nil
}
