package store

import (
	"context"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// InsertRule stores a new escalation rule.
func (s *Store) InsertRule(ctx context.Context, r *escalation.Rule) error {
	defer s.rules.drop()
	return s.insert(ctx, collRules, r)
}

// GetRule reads a rule by ID.
func (s *Store) GetRule(ctx context.Context, id string) (*escalation.Rule, error) {
	var r escalation.Rule
	if err := s.getByID(ctx, collRules, id, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// UpdateRule writes r back if its stored version is still r.Version-1.
func (s *Store) UpdateRule(ctx context.Context, r *escalation.Rule) error {
	defer s.rules.drop()
	return replaceVersioned(ctx, s, collRules, r.ID, func(r *escalation.Rule) *int64 { return &r.Version }, r)
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
func (s *Store) ListRules(ctx context.Context) ([]escalation.Rule, error) {
	return s.rules.get(ctx, func(ctx context.Context) ([]escalation.Rule, error) {
		return findAll[escalation.Rule](ctx, s, collRules, nil)
	})
}
