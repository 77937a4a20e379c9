package store

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// categoryList is the settings document holding the complaint categories.
type categoryList struct {
	ID         string            `bson:"_id"`
	Categories []models.Category `bson:"categories"`
}

const categoriesID = "categories"

// Categories returns the category list, or the defaults when none was saved, from a snapshot
// at most snapshotTTL old.
func (s *Store) Categories(ctx context.Context) ([]models.Category, error) {
	return s.categories.get(ctx, func(ctx context.Context) ([]models.Category, error) {
		var doc categoryList
		err := s.getByID(ctx, collSettings, categoriesID, &doc)
		if errors.Is(err, ErrNotFound) {
			return append([]models.Category(nil), models.DefaultCategories...), nil
		}
		return doc.Categories, err
	})
}

// SaveCategories replaces the category list.
func (s *Store) SaveCategories(ctx context.Context, cats []models.Category) error {
	defer s.categories.drop()
	_, err := s.w(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: categoriesID}},
		categoryList{ID: categoriesID, Categories: cats}, options.Replace().SetUpsert(true))
	return err
}

// InsertCannedReply stores a canned reply.
func (s *Store) InsertCannedReply(ctx context.Context, r *models.CannedReply) error {
	return s.insert(ctx, collCanned, r)
}

// GetCannedReply reads one canned reply.
func (s *Store) GetCannedReply(ctx context.Context, id string) (*models.CannedReply, error) {
	var r models.CannedReply
	if err := s.getByID(ctx, collCanned, id, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ReplaceCannedReply writes a canned reply back.
func (s *Store) ReplaceCannedReply(ctx context.Context, r *models.CannedReply) error {
	res, err := s.w(collCanned).ReplaceOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, r)
	if err == nil && res.MatchedCount == 0 {
		return ErrNotFound
	}
	return err
}

// DeleteCannedReply removes a canned reply.
func (s *Store) DeleteCannedReply(ctx context.Context, id string) error {
	res, err := s.w(collCanned).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err == nil && res.DeletedCount == 0 {
		return ErrNotFound
	}
	return err
}

// ListCannedReplies returns all canned replies (a small collection: a team keeps dozens).
func (s *Store) ListCannedReplies(ctx context.Context) ([]models.CannedReply, error) {
	return findAll[models.CannedReply](ctx, s, collCanned, nil)
}

// InsertSetting records a one-time marker (for example that default rules were installed);
// a second insert gives ErrDuplicate.
func (s *Store) InsertSetting(ctx context.Context, id string) error {
	return s.insert(ctx, collSettings, bson.D{{Key: "_id", Value: id}})
}

// HasSetting says whether the marker id is recorded.
func (s *Store) HasSetting(ctx context.Context, id string) (bool, error) {
	var doc bson.M
	err := s.getByID(ctx, collSettings, id, &doc)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// DeleteSetting removes the marker id; a missing marker is no error.
func (s *Store) DeleteSetting(ctx context.Context, id string) error {
	_, err := s.w(collSettings).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return err
}

// Journey view (issue 16): the admins' touchpoint → REAN stage mapping, one settings document.
type journeyStages struct {
	ID     string            `bson:"_id"`
	Stages map[string]string `bson:"stages"`
}

const journeyStagesID = "journey_stages"

// JourneyStages returns the saved mapping (empty when none was saved: the defaults apply).
func (s *Store) JourneyStages(ctx context.Context) (map[string]string, error) {
	var doc journeyStages
	err := s.getByID(ctx, collSettings, journeyStagesID, &doc)
	if errors.Is(err, ErrNotFound) {
		return map[string]string{}, nil
	}
	return doc.Stages, err
}

// SaveJourneyStages replaces the mapping.
func (s *Store) SaveJourneyStages(ctx context.Context, stages map[string]string) error {
	_, err := s.w(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: journeyStagesID}},
		journeyStages{ID: journeyStagesID, Stages: stages}, options.Replace().SetUpsert(true))
	return err
}
