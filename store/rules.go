package store

import (
	"context"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// InsertRule stores a new escalation rule.
func (s *Store) InsertRule(ctx context.Context, r *models.Rule) error {
	defer s.rules.drop()
	return s.insert(ctx, collRules, r)
}

// GetRule reads a rule by ID.
func (s *Store) GetRule(ctx context.Context, id string) (*models.Rule, error) {
	var r models.Rule
	if err := s.getByID(ctx, collRules, id, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// UpdateRule writes r back if its stored version is still r.Version-1.
func (s *Store) UpdateRule(ctx context.Context, r *models.Rule) error {
	unlock := s.locks.lock("rule:" + r.ID)
	defer unlock()
	defer s.rules.drop()
	if s.opts.SingleWriter {
		cur, err := s.GetRule(ctx, r.ID)
		if err != nil {
			return err
		}
		if cur.Version != r.Version-1 {
			return ErrVersionMismatch
		}
	}
	return s.replaceIfVersion(ctx, collRules, r.ID, r.Version-1, r)
}

// DeleteRule removes a rule.
func (s *Store) DeleteRule(ctx context.Context, id string) error {
	defer s.rules.drop()
	res, err := s.w(collRules).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err == nil && res.DeletedCount == 0 {
		return ErrNotFound
	}
	return err
}

// ListRules returns every rule (dozens at most), from a snapshot at most snapshotTTL old.
func (s *Store) ListRules(ctx context.Context) ([]models.Rule, error) {
	return s.rules.get(ctx, func(ctx context.Context) ([]models.Rule, error) {
		return findAll[models.Rule](ctx, s, collRules, nil)
	})
}

// Notification is an in-app message to one user, for example from an escalation rule.
type Notification struct {
	ID        string     `bson:"_id" json:"id"`
	UserID    string     `bson:"user_id" json:"-"`
	CaseID    string     `bson:"case_id" json:"case_id"`
	Title     string     `bson:"title" json:"title"`
	Message   string     `bson:"message" json:"message"`
	CreatedAt time.Time  `bson:"created_at" json:"created_at"`
	ReadAt    *time.Time `bson:"read_at,omitempty" json:"read_at"`
}

// InsertNotification stores a notification.
func (s *Store) InsertNotification(ctx context.Context, n *Notification) error {
	return s.insert(ctx, collNotices, n)
}

// Notifications returns a user's notifications, newest first. It scans the collection, which
// keeps every notification ever sent (nothing deletes them yet), so it slows down as they add
// up: a per-user document read by _id is the fix still to come.
func (s *Store) Notifications(ctx context.Context, userID string) ([]Notification, error) {
	ns, err := findAll[Notification](ctx, s, collNotices, bson.D{{Key: "user_id", Value: userID}})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(ns, func(i, j int) bool { return ns[i].CreatedAt.After(ns[j].CreatedAt) })
	return ns, nil
}

// MarkNotificationRead marks one of a user's notifications read.
func (s *Store) MarkNotificationRead(ctx context.Context, userID, id string, at time.Time) error {
	unlock := s.locks.lock("notice:" + id)
	defer unlock()
	var n Notification
	if err := s.getByID(ctx, collNotices, id, &n); err != nil {
		return err
	}
	if n.UserID != userID {
		return ErrNotFound
	}
	_, err := s.w(collNotices).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "read_at", Value: at}}}})
	return err
}
