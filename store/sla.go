package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// InsertSLAPolicy stores a new policy.
func (s *Store) InsertSLAPolicy(ctx context.Context, p *models.SLAPolicy) error {
	defer s.policies.drop()
	return s.insert(ctx, collSLAPolicy, p)
}

// GetSLAPolicy reads a policy by ID.
func (s *Store) GetSLAPolicy(ctx context.Context, id string) (*models.SLAPolicy, error) {
	var p models.SLAPolicy
	if err := s.getByID(ctx, collSLAPolicy, id, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// UpdateSLAPolicy writes p back if its stored version is still p.Version-1.
func (s *Store) UpdateSLAPolicy(ctx context.Context, p *models.SLAPolicy) error {
	unlock := s.locks.lock("sla:" + p.ID)
	defer unlock()
	defer s.policies.drop()
	if s.opts.SingleWriter {
		cur, err := s.GetSLAPolicy(ctx, p.ID)
		if err != nil {
			return err
		}
		if cur.Version != p.Version-1 {
			return ErrVersionMismatch
		}
	}
	return s.replaceIfVersion(ctx, collSLAPolicy, p.ID, p.Version-1, p)
}

// DeleteSLAPolicy removes a policy.
func (s *Store) DeleteSLAPolicy(ctx context.Context, id string) error {
	defer s.policies.drop()
	res, err := s.w(collSLAPolicy).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err == nil && res.DeletedCount == 0 {
		return ErrNotFound
	}
	return err
}

// ListSLAPolicies returns every policy (a handful), from a snapshot at most snapshotTTL old.
func (s *Store) ListSLAPolicies(ctx context.Context) ([]models.SLAPolicy, error) {
	return s.policies.get(ctx, func(ctx context.Context) ([]models.SLAPolicy, error) {
		return findAll[models.SLAPolicy](ctx, s, collSLAPolicy, nil)
	})
}

// SLATimer says when a case's SLA clocks next need evaluating. There is one per case with a
// pending warning or breach; the scheduler finds the due ones and claims each before acting,
// so with several replicas every event fires once. The collection holds only cases with
// running clocks, so reading the due ones is a small scan.
type SLATimer struct {
	ID         string    `bson:"_id"` // the case ID
	DueAt      time.Time `bson:"due_at"`
	ClaimedBy  string    `bson:"claimed_by"`
	ClaimUntil time.Time `bson:"claim_until"`
}

// SetSLATimer records the case's next event time, or removes the timer when there is none.
func (s *Store) SetSLATimer(ctx context.Context, caseID string, due *time.Time) error {
	if due == nil {
		return s.deleteByID(ctx, collSLATimers, caseID)
	}
	_, err := s.w(collSLATimers).UpdateOne(ctx, bson.D{{Key: "_id", Value: caseID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "due_at", Value: *due}}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "claimed_by", Value: ""}, {Key: "claim_until", Value: time.Time{}}}}},
		options.UpdateOne().SetUpsert(true))
	return err
}

// InsertSLATimer sets the first timer of a new case. It is an insert, so the timers of cases
// filed together are written together; an existing timer (a retried write) is updated.
func (s *Store) InsertSLATimer(ctx context.Context, caseID string, due time.Time) error {
	err := s.insert(ctx, collSLATimers, SLATimer{ID: caseID, DueAt: due})
	if isDup(err) {
		return s.SetSLATimer(ctx, caseID, &due)
	}
	return err
}

// DueSLATimers returns the IDs of timers due by now, soonest first.
func (s *Store) DueSLATimers(ctx context.Context, now time.Time, limit int) ([]string, error) {
	cur, err := s.c(collSLATimers).Find(ctx, bson.D{{Key: "due_at", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetSort(bson.D{{Key: "due_at", Value: 1}}).SetLimit(int64(limit)).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, err
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, nil
}

// ErrNotClaimable is returned when a timer is not due or another worker holds it.
var ErrNotClaimable = errors.New("store: timer not claimable")

// ClaimSLATimer takes the timer of caseID for owner until now+lease, if it is due and free.
// On MongoDB the conditional update is atomic; on the embedded FerretDB (whose findAndModify
// is a read then a write) the in-process lock makes it so.
func (s *Store) ClaimSLATimer(ctx context.Context, caseID, owner string, now time.Time, lease time.Duration) error {
	unlock := s.locks.lock("timer:" + caseID)
	defer unlock()
	set := bson.D{{Key: "$set", Value: bson.D{{Key: "claimed_by", Value: owner}, {Key: "claim_until", Value: now.Add(lease)}}}}
	if s.opts.SingleWriter {
		var t SLATimer
		if err := s.getByID(ctx, collSLATimers, caseID, &t); err != nil {
			if errors.Is(err, ErrNotFound) {
				return ErrNotClaimable
			}
			return err
		}
		if t.DueAt.After(now) || t.ClaimUntil.After(now) {
			return ErrNotClaimable
		}
		_, err := s.w(collSLATimers).UpdateOne(ctx, bson.D{{Key: "_id", Value: caseID}}, set)
		return err
	}
	err := s.w(collSLATimers).FindOneAndUpdate(ctx, bson.D{
		{Key: "_id", Value: caseID},
		{Key: "due_at", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "claim_until", Value: bson.D{{Key: "$lte", Value: now}}},
	}, set).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return ErrNotClaimable
	}
	return err
}

// ReleaseSLATimer sets the timer's next due time (or removes it) and frees the claim.
func (s *Store) ReleaseSLATimer(ctx context.Context, caseID string, next *time.Time) error {
	unlock := s.locks.lock("timer:" + caseID)
	defer unlock()
	if next == nil {
		return s.deleteByID(ctx, collSLATimers, caseID)
	}
	_, err := s.w(collSLATimers).UpdateOne(ctx, bson.D{{Key: "_id", Value: caseID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "due_at", Value: *next}, {Key: "claimed_by", Value: ""}, {Key: "claim_until", Value: time.Time{}}}}})
	return err
}

// CountSLATimers tells how many cases have pending SLA events (tests, benchmarks).
func (s *Store) CountSLATimers(ctx context.Context) (int64, error) {
	return s.c(collSLATimers).CountDocuments(ctx, bson.D{})
}
