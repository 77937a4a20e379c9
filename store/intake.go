package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// trackingLink maps the hash of a customer's tracking token to its case.
type trackingLink struct {
	ID     string `bson:"_id"`
	CaseID string `bson:"case_id"`
}

// InsertTracking records that the token with this hash opens case caseID.
func (s *Store) InsertTracking(ctx context.Context, hash, caseID string) error {
	return s.insert(ctx, collTracking, trackingLink{ID: hash, CaseID: caseID})
}

// TrackedCaseID returns the case a tracking token hash opens.
func (s *Store) TrackedCaseID(ctx context.Context, hash string) (string, error) {
	var t trackingLink
	if err := s.getByID(ctx, collTracking, hash, &t); err != nil {
		return "", err
	}
	return t.CaseID, nil
}

// IdempotencyRecord remembers the answer to a request made with an idempotency key, so a
// retried submission gets the same answer and is not stored twice.
type IdempotencyRecord struct {
	ID     string `bson:"_id"` // scope + ":" + hash of the key
	CaseID string `bson:"case_id"`
	// Fingerprint identifies the request (a retry must match it); SealedToken is the answer's
	// tracking token encrypted under a key only the whole request gives.
	Fingerprint string    `bson:"fingerprint"`
	SealedToken []byte    `bson:"sealed_token"`
	CreatedAt   time.Time `bson:"created_at"`
	ExpiresAt   time.Time `bson:"expires_at"`
}

// ClaimIdempotency stores rec if no record has its ID; otherwise it returns the existing one
// and ErrDuplicate. The insert is the lock: only one of two racing submissions wins.
func (s *Store) ClaimIdempotency(ctx context.Context, rec *IdempotencyRecord) (*IdempotencyRecord, error) {
	err := s.insert(ctx, collIdempotent, rec)
	if err == nil {
		return rec, nil
	}
	if !isDup(err) {
		return nil, err
	}
	var existing IdempotencyRecord
	if err := s.getByID(ctx, collIdempotent, rec.ID, &existing); err != nil {
		return nil, err
	}
	return &existing, ErrDuplicate
}

// CompleteIdempotency stores the answer given for a claimed key (when it is not the one claimed).
func (s *Store) CompleteIdempotency(ctx context.Context, id, caseID string, sealedToken []byte) error {
	_, err := s.w(collIdempotent).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "case_id", Value: caseID}, {Key: "sealed_token", Value: sealedToken}}}})
	return err
}

// ReleaseIdempotency forgets a claim whose request failed, so a retry can go through.
func (s *Store) ReleaseIdempotency(ctx context.Context, id string) error {
	return s.deleteByID(ctx, collIdempotent, id)
}
