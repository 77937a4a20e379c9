package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Presence says a user has a case open, until ExpiresAt (refreshed by heartbeats).
type Presence struct {
	ID        string    `bson:"_id"` // case + "|" + user
	CaseID    string    `bson:"case_id"`
	UserID    string    `bson:"user_id"`
	Name      string    `bson:"name"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// TouchPresence records or refreshes a viewer.
func (s *Store) TouchPresence(ctx context.Context, p *Presence) error {
	_, err := s.w(collPresence).ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.ID}}, p, options.Replace().SetUpsert(true))
	return err
}

// LeavePresence removes a viewer.
func (s *Store) LeavePresence(ctx context.Context, id string) error {
	return s.deleteByID(ctx, collPresence, id)
}

// CaseViewers lists who has a case open now. The collection holds one document per open case
// page, so the scan is small.
func (s *Store) CaseViewers(ctx context.Context, caseID string, now time.Time) ([]Presence, error) {
	return findAll[Presence](ctx, s, collPresence, bson.D{{Key: "case_id", Value: caseID}, {Key: "expires_at", Value: bson.D{{Key: "$gt", Value: now}}}})
}
