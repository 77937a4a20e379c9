package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// InsertAttachment stores a file.
func (s *Store) InsertAttachment(ctx context.Context, a *models.Attachment) error {
	return s.insert(ctx, collAttachment, a)
}

// GetAttachment reads a file by ID.
func (s *Store) GetAttachment(ctx context.Context, id string) (*models.Attachment, error) {
	var a models.Attachment
	if err := s.getByID(ctx, collAttachment, id, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// DeleteAttachment removes a file by ID (one listed by no case); a missing file is no error.
func (s *Store) DeleteAttachment(ctx context.Context, id string) error {
	_, err := s.w(collAttachment).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return err
}
