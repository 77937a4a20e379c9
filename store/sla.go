package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

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
	defer s.policies.drop()
	return replaceVersioned(ctx, s, collSLAPolicy, p.ID, func(p *models.SLAPolicy) *int64 { return &p.Version }, p)
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
