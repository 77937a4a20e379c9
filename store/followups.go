package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// Follow-up checks asked in bulk (issue 13). When many checks fall due at once the scheduler
// asks them without writing their cases: on the embedded FerretDB every changed document is a
// commit of its own (an UpdateMany of 10,000 cases is 10,000 commits), while an insert of
// 1,000 documents is one. So a bulk ask is inserts only: a claim per check (the claim's _id
// is the check's mail id, so of two replicas asking one check one insert wins), the mails, and
// one batch document listing what it asked. The cases learn that their check was asked later,
// in the background, from the batch (the fold, helpdesk/followup_batch.go).

// followUpDue is the filter of the checks scheduled to be asked by now.
func followUpDue(now time.Time) bson.D {
	return bson.D{
		{Key: "follow_up_check.state", Value: string(models.FollowUpScheduled)},
		{Key: "follow_up_check.ask_at", Value: bson.D{{Key: "$lte", Value: now}}},
	}
}

// askFields are the fields of a case a bulk ask reads: whether the check is all it needs now
// (its status, SLA policy and next event, promises, idle state) and its mail (the customer,
// language and mail thread). The rest (messages, timeline) is left in the database.
var askFields = bson.D{
	{Key: "status", Value: 1}, {Key: "locale", Value: 1}, {Key: "customer", Value: 1}, {Key: "email", Value: 1},
	{Key: "follow_up_check", Value: 1}, {Key: "sla_policy_id", Value: 1}, {Key: "next_sla_event_at", Value: 1},
	{Key: "promises", Value: 1}, {Key: "idle_since", Value: 1}, {Key: "idle_done", Value: 1}, {Key: "created_at", Value: 1},
	{Key: "version", Value: 1},
}

// DueFollowUps hands each the cases whose follow-up check is scheduled to be asked by now, size
// at a time as the query's batches arrive (one scan of the cases per bulk ask; each can work
// on a part while the next is read). The cases carry only the fields a bulk ask reads
// (askFields): never to be written back. An error of each ends the query.
func (s *Store) DueFollowUps(ctx context.Context, now time.Time, size int, each func([]models.Case) error) error {
	cur, err := s.c(collCases).Find(ctx, followUpDue(now), options.Find().SetProjection(askFields).SetBatchSize(int32(size)))
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	part := make([]models.Case, 0, size)
	for cur.Next(ctx) {
		var c models.Case
		if err := cur.Decode(&c); err != nil {
			return err
		}
		if part = append(part, c); len(part) == size {
			if err := each(part); err != nil {
				return err
			}
			part = make([]models.Case, 0, size)
		}
	}
	if err := cur.Err(); err != nil {
		return err
	}
	if len(part) > 0 {
		return each(part)
	}
	return nil
}

// FollowUpClaim says who mails one follow-up check: whoever inserted it. Its ID is the
// check's mail id (derived from the case and the check's ask time).
type FollowUpClaim struct {
	ID     string    `bson:"_id"`
	CaseID string    `bson:"case_id"`
	At     time.Time `bson:"at"`
	// Batch is the bulk ask that claimed the check ("" for a sweep's case-by-case ask).
	Batch string `bson:"batch,omitempty"`
}

// ClaimFollowUps inserts the claims together and reports which landed (false: someone claimed
// that check first).
func (s *Store) ClaimFollowUps(ctx context.Context, claims []FollowUpClaim) ([]bool, error) {
	docs := make([]any, len(claims))
	for i := range claims {
		docs[i] = &claims[i]
	}
	won := make([]bool, len(claims))
	for i, err := range s.insertManyEach(ctx, collFollowUpClaims, docs) {
		switch {
		case err == nil:
			won[i] = true
		case !isDup(err):
			return nil, err
		}
	}
	return won, nil
}

// GetFollowUpClaim reads a claim by its id.
func (s *Store) GetFollowUpClaim(ctx context.Context, id string) (*FollowUpClaim, error) {
	var c FollowUpClaim
	if err := s.getByID(ctx, collFollowUpClaims, id, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// DropFollowUpClaimsBefore deletes the claims made before t (one command: a claim is needed
// only while another replica could still find its check due).
func (s *Store) DropFollowUpClaimsBefore(ctx context.Context, t time.Time) error {
	_, err := s.w(collFollowUpClaims).DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: t}}}})
	return err
}

// FollowUpBatch is one bulk ask of follow-up checks, from its start until every case it asked
// knows it. It is written by _id only, under its version.
type FollowUpBatch struct {
	ID string `bson:"_id"`
	// Checks are the checks, one "caseID askAtUnix" a line (one string: FerretDB's cost of
	// writing a document grows with the number of values in it). Until Mailed they are the
	// checks the batch tried to claim; from then on, those it did claim.
	Checks    string    `bson:"checks"`
	AskedAt   time.Time `bson:"asked_at"`
	ExpiresAt time.Time `bson:"expires_at"`
	// Mailed says every claimed check's mail is stored.
	Mailed bool `bson:"mailed"`
	// Folded is how many of Checks the cases know already (they are folded in order).
	Folded     int       `bson:"folded"`
	ClaimedBy  string    `bson:"claimed_by"`
	ClaimUntil time.Time `bson:"claim_until"`
	Version    int64     `bson:"version"`
}

func batchVersion(b *FollowUpBatch) *int64 { return &b.Version }

// InsertFollowUpBatch stores a new batch.
func (s *Store) InsertFollowUpBatch(ctx context.Context, b *FollowUpBatch) error {
	return s.insert(ctx, collFollowUpBatches, b)
}

// FollowUpBatches returns the batches not yet folded (a handful at most).
func (s *Store) FollowUpBatches(ctx context.Context) ([]FollowUpBatch, error) {
	return findAll[FollowUpBatch](ctx, s, collFollowUpBatches, nil)
}

// ErrBatchHeld is returned when another process holds a follow-up batch.
var ErrBatchHeld = errors.New("store: follow-up batch held by another process")

// UpdateFollowUpBatch changes batch id under its version. The change runs only while token
// holds the batch or nobody does (a claim ends at its ClaimUntil); otherwise ErrBatchHeld.
func (s *Store) UpdateFollowUpBatch(ctx context.Context, id, token string, now time.Time, change func(b *FollowUpBatch)) (*FollowUpBatch, error) {
	return updateVersioned(ctx, s, collFollowUpBatches, id, batchVersion, func(b *FollowUpBatch) error {
		if b.ClaimedBy != "" && b.ClaimedBy != token && b.ClaimUntil.After(now) {
			return ErrBatchHeld
		}
		change(b)
		return nil
	})
}

// DeleteFollowUpBatch removes a batch every case of which knows it.
func (s *Store) DeleteFollowUpBatch(ctx context.Context, id string) error {
	return s.deleteByID(ctx, collFollowUpBatches, id)
}

// InsertTrackingMany stores many tracking links (token hash → case) in one insert.
func (s *Store) InsertTrackingMany(ctx context.Context, links map[string]string) error {
	docs := make([]any, 0, len(links))
	for hash, caseID := range links {
		docs = append(docs, trackingLink{ID: hash, CaseID: caseID})
	}
	for _, err := range s.insertManyEach(ctx, collTracking, docs) {
		if err != nil {
			return err
		}
	}
	return nil
}
