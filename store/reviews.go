package store

import (
	"context"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// Review collections: the configured sources (a handful, listed whole), and one small
// document per review whose _id is derived from source and external id (reviews.KeyID)
// pointing at the review's case. A redelivered review is found by _id, and two deliveries of
// a new one race on the insert of that document, which only one wins.
const (
	collReviewSources = "review_sources"
	collReviewKeys    = "review_keys"
)

// ReviewKey maps a review to its case.
type ReviewKey struct {
	ID        string    `bson:"_id"`
	SourceID  string    `bson:"source_id"`
	CaseID    string    `bson:"case_id"`
	CreatedAt time.Time `bson:"created_at"`
}

// InsertReviewSource stores a new source.
func (s *Store) InsertReviewSource(ctx context.Context, src *models.ReviewSource) error {
	return s.insert(ctx, collReviewSources, src)
}

// GetReviewSource reads a source by ID.
func (s *Store) GetReviewSource(ctx context.Context, id string) (*models.ReviewSource, error) {
	var src models.ReviewSource
	if err := s.getByID(ctx, collReviewSources, id, &src); err != nil {
		return nil, err
	}
	return &src, nil
}

// ListReviewSources returns every source, oldest first.
func (s *Store) ListReviewSources(ctx context.Context) ([]models.ReviewSource, error) {
	out, err := findAll[models.ReviewSource](ctx, s, collReviewSources, nil)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b models.ReviewSource) int { return byTimeThenID(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	return out, nil
}

// UpdateReviewSource changes a source under optimistic concurrency (see updateVersioned).
func (s *Store) UpdateReviewSource(ctx context.Context, id string, mutate func(src *models.ReviewSource) error) (*models.ReviewSource, error) {
	return updateVersioned(ctx, s, collReviewSources, id, func(r *models.ReviewSource) *int64 { return &r.Version }, mutate)
}

// DeleteReviewSource removes a source; its cases stay.
func (s *Store) DeleteReviewSource(ctx context.Context, id string) error {
	return s.deleteByID(ctx, collReviewSources, id)
}

// ClaimReviewKey inserts the key of a new review; ErrDuplicate (with the stored key) when
// the review is known already.
func (s *Store) ClaimReviewKey(ctx context.Context, k *ReviewKey) (*ReviewKey, error) {
	err := s.insert(ctx, collReviewKeys, k)
	if err == nil {
		return k, nil
	}
	if !isDup(err) {
		return nil, err
	}
	stored, gerr := s.GetReviewKey(ctx, k.ID)
	if gerr != nil {
		return nil, gerr
	}
	return stored, ErrDuplicate
}

// ClaimReviewKeys inserts the keys of a batch of reviews together (with concurrent batches'
// keys, see insertAll) and answers
// per key: nil for a key claimed now, ErrDuplicate for a review known already (its stored key
// is not read: the caller reads the few it needs).
func (s *Store) ClaimReviewKeys(ctx context.Context, keys []*ReviewKey) []error {
	docs := make([]any, len(keys))
	for i, k := range keys {
		docs[i] = k
	}
	return perItem(len(keys), s.insertAll(ctx, collReviewKeys, docs))
}

// GetReviewKey reads a review's key by _id.
func (s *Store) GetReviewKey(ctx context.Context, id string) (*ReviewKey, error) {
	var k ReviewKey
	if err := s.getByID(ctx, collReviewKeys, id, &k); err != nil {
		return nil, err
	}
	return &k, nil
}

// PointReviewKey moves a key to another case (its reserved reference was taken meanwhile).
func (s *Store) PointReviewKey(ctx context.Context, id, caseID string) error {
	_, err := s.w(collReviewKeys).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "case_id", Value: caseID}}}})
	return mapErr(err)
}
