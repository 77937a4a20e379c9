package models

import (
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
