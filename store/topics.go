package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// topicModelDoc is the learned topic model (issue 15): one settings document, its model one
// JSON string (FerretDB's write cost grows with the number of values, not bytes).
type topicModelDoc struct {
	ID        string    `bson:"_id"`
	Model     string    `bson:"model"`
	LearnedAt time.Time `bson:"learned_at"`
}

const topicModelID = "topic_model"

// TopicModel returns the stored topic model; ok is false when none was learned yet.
func (s *Store) TopicModel(ctx context.Context) (string, time.Time, bool, error) {
	var doc topicModelDoc
	err := s.getByID(ctx, collSettings, topicModelID, &doc)
	if errors.Is(err, ErrNotFound) {
		return "", time.Time{}, false, nil
	}
	if err != nil {
		return "", time.Time{}, false, err
	}
	return doc.Model, doc.LearnedAt, true, nil
}

// SaveTopicModel replaces the stored topic model.
func (s *Store) SaveTopicModel(ctx context.Context, raw string, learnedAt time.Time) error {
	_, err := s.w(collSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: topicModelID}},
		topicModelDoc{ID: topicModelID, Model: raw, LearnedAt: learnedAt}, options.Replace().SetUpsert(true))
	return err
}
