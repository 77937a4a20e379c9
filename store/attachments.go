package store

import (
	"context"

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
