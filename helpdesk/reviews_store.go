package helpdesk

import (
	"context"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// reviewsStore is what the review use cases (reviews.go, review*.go) need of the store: the
// sources, the keys that map a review to its case, and marking cases for the index.
type reviewsStore interface {
	ListReviewSources(ctx context.Context) ([]models.ReviewSource, error)
	GetReviewSource(ctx context.Context, id string) (*models.ReviewSource, error)
	InsertReviewSource(ctx context.Context, src *models.ReviewSource) error
	UpdateReviewSource(ctx context.Context, id string, mutate func(src *models.ReviewSource) error) (*models.ReviewSource, error)
	DeleteReviewSource(ctx context.Context, id string) error

	ClaimReviewKey(ctx context.Context, k *store.ReviewKey) (*store.ReviewKey, error)
	ClaimReviewKeys(ctx context.Context, keys []*store.ReviewKey) []error
	GetReviewKey(ctx context.Context, id string) (*store.ReviewKey, error)
	PointReviewKey(ctx context.Context, id, caseID string) error

	GetCase(ctx context.Context, id string) (*models.Case, error)
	MarkDirty(ctx context.Context, id string, version int64, now time.Time) error
	MarkDirtyMany(ctx context.Context, ids []string, version int64, now time.Time) error
	ClearDirtyMany(ctx context.Context, indexed map[string]int64) error
}
