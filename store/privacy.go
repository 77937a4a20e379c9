package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// ForgetMail deletes the queued and finished mail to the address email ("" for none) or about
// the cases caseIDs, and their summaries in the recent-outbox view, for an erasure or the
// retention sweep. The two deletes scan the queue and the outbox (FerretDB filters in Go):
// that is accepted for these rare administrative runs, which go in batches of cases.
func (s *Store) ForgetMail(ctx context.Context, email string, caseIDs []string) error {
	var or bson.A
	if email != "" {
		or = append(or, bson.D{{Key: "message.to", Value: email}})
	}
	if len(caseIDs) > 0 {
		or = append(or, bson.D{{Key: "message.case_id", Value: bson.D{{Key: "$in", Value: caseIDs}}}})
	}
	if len(or) == 0 {
		return nil
	}
	filter := bson.D{{Key: "$or", Value: or}}
	for _, coll := range []string{collMailQueue, collMailOutbox} {
		if _, err := s.w(coll).DeleteMany(ctx, filter); err != nil {
			return err
		}
	}
	return s.removeFromOutboxView(ctx, func(o models.OutboxSummary) bool {
		return (email != "" && o.To == email) || (o.CaseID != "" && slices.Contains(caseIDs, o.CaseID))
	})
}

// removeFromOutboxView rewrites the recent-outbox view without the summaries drop selects.
func (s *Store) removeFromOutboxView(ctx context.Context, drop func(models.OutboxSummary) bool) error {
	unlock := s.locks.lock(collMailRecent + ":" + outboxViewID)
	defer unlock()
	for range 10 {
		var v cappedLog
		err := s.getByID(ctx, collMailRecent, outboxViewID, &v)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		items := logEntries[models.OutboxSummary](&v)
		kept := slices.DeleteFunc(slices.Clone(items), drop)
		if len(kept) == len(items) {
			return nil
		}
		data, err := json.Marshal(kept)
		if err != nil {
			return err
		}
		err = s.replaceIfVersion(ctx, collMailRecent, outboxViewID, v.Version, &cappedLogDoc{ID: outboxViewID, Version: v.Version + 1, Items: data})
		if errors.Is(err, ErrVersionMismatch) {
			continue
		}
		return err
	}
	return ErrVersionMismatch
}

// retentionID is the settings document of the retention period and its sweep's lease.
const retentionID = "retention"

// RetentionState is how long closed cases are kept and where the sweep is: Watermark is the
// last-change time up to which every closed case is anonymised; Owner holds the sweep until
// Until, so one replica sweeps at a time.
type RetentionState struct {
	ID        string    `bson:"_id"`
	Months    int       `bson:"months"`
	Owner     string    `bson:"owner"`
	Until     time.Time `bson:"until"`
	Watermark time.Time `bson:"watermark"`
	Version   int64     `bson:"version"`
}

func retentionVersion(r *RetentionState) *int64 { return &r.Version }

// RetentionMonths returns how many months closed cases are kept (0: forever).
func (s *Store) RetentionMonths(ctx context.Context) (int, error) {
	var r RetentionState
	err := s.getByID(ctx, collSettings, retentionID, &r)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	return r.Months, err
}

// SaveRetentionMonths sets the retention period, leaving the sweep's state as it is.
func (s *Store) SaveRetentionMonths(ctx context.Context, months int) error {
	// Under the document's lock: the sweep's claim and finish read and replace this document
	// (updateVersioned), and on the embedded database that replace trusts the lock for its
	// version check, so a save between their read and replace was overwritten (lost).
	unlock := s.locks.lock(collSettings + ":" + retentionID)
	defer unlock()
	_, err := s.w(collSettings).UpdateOne(ctx, bson.D{{Key: "_id", Value: retentionID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "months", Value: months}}}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}},
		options.UpdateOne().SetUpsert(true))
	return err
}

// ClaimRetentionSweep takes the sweep for owner until now+lease unless another owner holds an
// unexpired claim (ok false). It returns the state as claimed.
func (s *Store) ClaimRetentionSweep(ctx context.Context, owner string, now time.Time, lease time.Duration) (*RetentionState, bool, error) {
	r, err := updateVersioned(ctx, s, collSettings, retentionID, retentionVersion, func(r *RetentionState) error {
		if r.Owner != "" && r.Owner != owner && r.Until.After(now) {
			return ErrNotClaimable
		}
		r.Owner, r.Until = owner, now.Add(lease)
		return nil
	})
	if errors.Is(err, ErrNotClaimable) || errors.Is(err, ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return r, true, nil
}

// FinishRetentionSweep records the watermark reached and frees the sweep, if owner still holds it.
func (s *Store) FinishRetentionSweep(ctx context.Context, owner string, watermark time.Time) error {
	_, err := updateVersioned(ctx, s, collSettings, retentionID, retentionVersion, func(r *RetentionState) error {
		if r.Owner != owner {
			return ErrNotClaimable
		}
		if watermark.After(r.Watermark) {
			r.Watermark = watermark
		}
		r.Owner, r.Until = "", time.Time{}
		return nil
	})
	if errors.Is(err, ErrNotClaimable) {
		return nil
	}
	return err
}
