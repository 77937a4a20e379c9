package store

import (
	"context"
	"time"
)

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
