package models

import (
	"time"
)

// Notification is an in-app message, for example from an escalation rule: one document for
// everyone it tells, with who has read it.
type Notification struct {
	ID        string               `bson:"_id" json:"id"`
	UserIDs   []string             `bson:"user_ids" json:"-"`
	ReadBy    map[string]time.Time `bson:"read_by,omitempty" json:"-"`
	CaseID    string               `bson:"case_id" json:"case_id"`
	Title     string               `bson:"title" json:"title"`
	Message   string               `bson:"message" json:"message"`
	CreatedAt time.Time            `bson:"created_at" json:"created_at"`
	// ReadAt is when the user it was read for (Notifications) read it.
	ReadAt *time.Time `bson:"-" json:"read_at"`
}
