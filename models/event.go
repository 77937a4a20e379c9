package models

import (
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Event is one change for live updates.
type Event struct {
	Seq    string    `bson:"-" json:"id"` // source:page:index, for the event stream
	Type   string    `bson:"type" json:"type"`
	CaseID string    `bson:"case_id" json:"case_id"`
	Data   bson.M    `bson:"data,omitempty" json:"data,omitempty"`
	At     time.Time `bson:"at" json:"at"`
}
