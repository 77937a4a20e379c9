package store

import (
	"context"
	"time"
)

// TrackingSession is a browser's access to one case, opened by exchanging a tracking token.
// Its ID is the SHA-256 of the cookie value, so a database read gives no usable cookie.
type TrackingSession struct {
	ID        string    `bson:"_id"`
	CaseID    string    `bson:"case_id"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// InsertTrackingSession stores a new tracking session.
func (s *Store) InsertTrackingSession(ctx context.Context, ts *TrackingSession) error {
	return s.insert(ctx, collTrackSession, ts)
}

// GetTrackingSession reads a tracking session by the hash of its cookie value.
func (s *Store) GetTrackingSession(ctx context.Context, id string) (*TrackingSession, error) {
	var ts TrackingSession
	if err := s.getByID(ctx, collTrackSession, id, &ts); err != nil {
		return nil, err
	}
	return &ts, nil
}

// DeleteTrackingSession ends a tracking session.
func (s *Store) DeleteTrackingSession(ctx context.Context, id string) error {
	return s.deleteByID(ctx, collTrackSession, id)
}
