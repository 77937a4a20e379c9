package store

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
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

// Attachment is an uploaded file: one document each, size-limited far below MongoDB's 16 MB.
type Attachment struct {
	ID          string    `bson:"_id"`
	CaseID      string    `bson:"case_id"`
	Name        string    `bson:"name"`
	ContentType string    `bson:"content_type"`
	Size        int64     `bson:"size"`
	Data        []byte    `bson:"data"`
	CreatedAt   time.Time `bson:"created_at"`
}

// InsertAttachment stores a file.
func (s *Store) InsertAttachment(ctx context.Context, a *Attachment) error {
	return s.insert(ctx, collAttachment, a)
}

// GetAttachment reads a file by ID.
func (s *Store) GetAttachment(ctx context.Context, id string) (*Attachment, error) {
	var a Attachment
	if err := s.getByID(ctx, collAttachment, id, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

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
