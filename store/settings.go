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

// Categories returns the category list, or the defaults when none was saved.
func (s *Store) Categories(ctx context.Context) ([]models.Category, error) {
	var doc categoryList
	err := s.getByID(ctx, collSettings, categoriesID, &doc)
	if errors.Is(err, ErrNotFound) {
		return append([]models.Category(nil), models.DefaultCategories...), nil
	}
	return doc.Categories, err
}

// SaveCategories replaces the category list.
func (s *Store) SaveCategories(ctx context.Context, cats []models.Category) error {
	_, err := s.c(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: categoriesID}},
		categoryList{ID: categoriesID, Categories: cats}, options.Replace().SetUpsert(true))
	return err
}
