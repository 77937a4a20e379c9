package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kaiku-helpdesk/kaiku/remedies"
)

// Remedies: the catalogue of resolution options, each user's spending per month, and approval
// requests. Every read and write is by _id.

// remedyErr wraps the store's errors in the ones package remedies understands (keeping them
// too, so errors.Is works with either).
func remedyErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound):
		return errors.Join(remedies.ErrNotStored, err)
	case errors.Is(err, ErrDuplicate):
		return errors.Join(remedies.ErrDuplicateID, err)
	case errors.Is(err, ErrVersionMismatch):
		return errors.Join(remedies.ErrVersionMismatch, err)
	}
	return err
}

// ListResolutionOptions returns the whole catalogue (a small collection, a dozen entries),
// from a snapshot at most snapshotTTL old: every grant and decision reads its option.
func (s *Store) ListResolutionOptions(ctx context.Context) ([]remedies.Option, error) {
	return s.options.get(ctx, func(ctx context.Context) ([]remedies.Option, error) {
		return findAll[remedies.Option](ctx, s, collResolutionOptions, nil)
	})
}

// GetResolutionOption reads one option from the snapshot.
func (s *Store) GetResolutionOption(ctx context.Context, id string) (*remedies.Option, error) {
	opts, err := s.ListResolutionOptions(ctx)
	if err != nil {
		return nil, remedyErr(err)
	}
	for i := range opts {
		if opts[i].ID == id {
			return &opts[i], nil
		}
	}
	return nil, remedyErr(ErrNotFound)
}

// InsertResolutionOption stores a new option; a taken ID gives remedies.ErrDuplicateID.
func (s *Store) InsertResolutionOption(ctx context.Context, o *remedies.Option) error {
	defer s.options.drop()
	return remedyErr(s.insert(ctx, collResolutionOptions, o))
}

// UpdateResolutionOption changes an option under its version (see updateVersioned).
func (s *Store) UpdateResolutionOption(ctx context.Context, id string, mutate func(o *remedies.Option) error) (*remedies.Option, error) {
	defer s.options.drop()
	o, err := updateVersioned(ctx, s, collResolutionOptions, id, func(o *remedies.Option) *int64 { return &o.Version }, mutate)
	return o, remedyErr(err)
}

// seedResolutionOptions is migration 0005: the default catalogue, each option inserted by its
// fixed ID, so running it again (or on two replicas at once) adds nothing twice.
func seedResolutionOptions(ctx context.Context, s *Store, now time.Time) error {
	defer s.options.drop()
	for _, o := range remedies.DefaultOptions(now) {
		if err := s.insert(ctx, collResolutionOptions, o); err != nil && !isDup(err) {
			return fmt.Errorf("resolution option %s: %w", o.ID, err)
		}
	}
	return nil
}

// monthlySpend is what one user granted on their own authority in one calendar month. Its _id
// is the user and the month, so the counter is found and raised by _id.
type monthlySpend struct {
	ID      string `bson:"_id"`
	UserID  string `bson:"user_id"`
	Month   string `bson:"month"`
	Spent   int64  `bson:"spent"`
	Version int64  `bson:"version"`
}

func spendID(userID, month string) string { return userID + "/" + month }

// MonthlySpend is what the user has granted in month so far.
func (s *Store) MonthlySpend(ctx context.Context, userID, month string) (int64, error) {
	var m monthlySpend
	err := s.getByID(ctx, collMonthlySpend, spendID(userID, month), &m)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	return m.Spent, err
}

// RaiseMonthlySpend adds amount to the user's month unless the total would pass limit
// (remedies.ErrOverLimit). The check and the raise are one conditional write, one round trip:
// an upsert whose filter holds the room left ({_id, spent <= limit-amount}, $inc). When the
// counter exists but has no room, the upsert's insert hits the _id and fails as a duplicate:
// over the limit. (The first of the month inserts the counter; of two first raises at once on
// MongoDB one may fail on the _id, so a duplicate is tried once more to tell that apart.) So
// two grants at once cannot both pass the limit, on one replica or several. (On the embedded
// database FerretDB reads and writes an update in two steps, but every write to a file goes
// through the process's one write connection, whose commands it runs one after another.) It
// takes no in-process lock: grants and decisions raise it while they hold a case's or a
// request's lock, and the locks are striped.
func (s *Store) RaiseMonthlySpend(ctx context.Context, userID, month string, amount, limit int64) (int64, error) {
	return s.changeMonthlySpend(ctx, userID, month, amount, limit)
}

// LowerMonthlySpend takes back a raise whose grant was not stored.
func (s *Store) LowerMonthlySpend(ctx context.Context, userID, month string, amount int64) error {
	_, err := s.changeMonthlySpend(ctx, userID, month, -amount, -1)
	return err
}

// changeMonthlySpend adds delta; limit < 0 means no limit. It returns the new total.
func (s *Store) changeMonthlySpend(ctx context.Context, userID, month string, delta, limit int64) (int64, error) {
	id := spendID(userID, month)
	if limit >= 0 && delta > limit {
		return 0, remedies.ErrOverLimit
	}
	filter := bson.D{{Key: "_id", Value: id}}
	if limit >= 0 {
		filter = append(filter, bson.E{Key: "spent", Value: bson.D{{Key: "$lte", Value: limit - delta}}})
	}
	update := bson.D{
		{Key: "$inc", Value: bson.D{{Key: "spent", Value: delta}, {Key: "version", Value: int64(1)}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "user_id", Value: userID}, {Key: "month", Value: month}}},
	}
	opts := options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)
	for attempt := 0; ; attempt++ {
		var m monthlySpend
		err := mapErr(s.w(collMonthlySpend).FindOneAndUpdate(ctx, filter, update, opts).Decode(&m))
		if isDup(err) && attempt == 0 {
			continue // perhaps a first raise of the month at once elsewhere: decide again
		}
		if isDup(err) {
			return 0, remedies.ErrOverLimit
		}
		return m.Spent, err
	}
}

// InsertApproval stores a new approval request.
func (s *Store) InsertApproval(ctx context.Context, a *remedies.Approval) error {
	return remedyErr(s.insert(ctx, collApprovals, a))
}

// GetApproval reads one approval request.
func (s *Store) GetApproval(ctx context.Context, id string) (*remedies.Approval, error) {
	var a remedies.Approval
	if err := s.getByID(ctx, collApprovals, id, &a); err != nil {
		return nil, remedyErr(err)
	}
	return &a, nil
}

// ApprovalLockKey is the lock key of approval request id, for UpdateCaseBeside.
func ApprovalLockKey(id string) string { return collApprovals + ":" + id }

// ReplaceApproval writes a, which carries its new version, over the stored request if its
// stored version is still read. The caller holds the request's lock and read it under it
// (UpdateCaseBeside with ApprovalLockKey); a stale read gives remedies.ErrVersionMismatch.
func (s *Store) ReplaceApproval(ctx context.Context, a *remedies.Approval, read int64) error {
	return remedyErr(s.replaceIfVersion(ctx, collApprovals, a.ID, read, a))
}

// EachApproval calls fn for every approval request: a scan, used only to rebuild a lost
// approvals index.
func (s *Store) EachApproval(ctx context.Context, fn func(a *remedies.Approval) error) error {
	cur, err := s.c(collApprovals).Find(ctx, bson.D{})
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var a remedies.Approval
		if err := cur.Decode(&a); err != nil {
			return err
		}
		if err := fn(&a); err != nil {
			return err
		}
	}
	return cur.Err()
}

// ApprovalClockSettings reads the approval target, or the defaults when none was saved, from a
// snapshot at most snapshotTTL old: every approval request starts its clock on it.
func (s *Store) ApprovalClockSettings(ctx context.Context) (*remedies.ClockSettings, error) {
	got, err := s.approvalClock.get(ctx, func(ctx context.Context) ([]remedies.ClockSettings, error) {
		var cs remedies.ClockSettings
		err := s.getByID(ctx, collSettings, remedies.ClockSettingsID, &cs)
		if errors.Is(err, ErrNotFound) {
			cs, err = remedies.DefaultClockSettings(), nil
		}
		return []remedies.ClockSettings{cs}, err
	})
	if err != nil {
		return nil, err
	}
	return &got[0], nil
}

// SaveApprovalClockSettings stores the approval target if the stored version is expected (0:
// none stored yet): an insert then, else a replace conditional on the version.
func (s *Store) SaveApprovalClockSettings(ctx context.Context, cs *remedies.ClockSettings, expected int64) error {
	defer s.approvalClock.drop()
	if expected == 0 {
		return remedyErr(s.insert(ctx, collSettings, cs))
	}
	res, err := s.w(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: remedies.ClockSettingsID}, {Key: "version", Value: expected}}, cs)
	if err == nil && res.MatchedCount == 0 {
		return remedyErr(ErrVersionMismatch)
	}
	return remedyErr(err)
}
