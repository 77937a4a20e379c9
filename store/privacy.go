package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// ForgetMail deletes the queued and finished mail to the address email ("" for none) or about
// the cases caseIDs, and their summaries in the recent-outbox view, for an erasure or the
// retention sweep. The two deletes scan the queue and the outbox (FerretDB filters in Go):
// that is accepted for these rare administrative runs, which go in batches of cases.
func (s *Store) ForgetMail(ctx context.Context, email string, caseIDs []string) error {
	var or bson.A
	if email != "" {
		or = append(or, bson.D{{Key: "message.to", Value: email}})
	}
	if len(caseIDs) > 0 {
		or = append(or, bson.D{{Key: "message.case_id", Value: bson.D{{Key: "$in", Value: caseIDs}}}})
	}
	if len(or) == 0 {
		return nil
	}
	filter := bson.D{{Key: "$or", Value: or}}
	for _, coll := range []string{collMailQueue, collMailOutbox} {
		if _, err := s.w(coll).DeleteMany(ctx, filter); err != nil {
			return err
		}
	}
	return s.removeFromOutboxView(ctx, func(o models.OutboxSummary) bool {
		return (email != "" && o.To == email) || (o.CaseID != "" && slices.Contains(caseIDs, o.CaseID))
	})
}

// removeFromOutboxView rewrites the recent-outbox view without the summaries drop selects.
func (s *Store) removeFromOutboxView(ctx context.Context, drop func(models.OutboxSummary) bool) error {
	unlock := s.locks.lock(collMailRecent + ":" + outboxViewID)
	defer unlock()
	for range 10 {
		var v cappedLog
		err := s.getByID(ctx, collMailRecent, outboxViewID, &v)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		items := logEntries[models.OutboxSummary](&v)
		kept := slices.DeleteFunc(slices.Clone(items), drop)
		if len(kept) == len(items) {
			return nil
		}
		data, err := json.Marshal(kept)
		if err != nil {
			return err
		}
		err = s.replaceIfVersion(ctx, collMailRecent, outboxViewID, v.Version, &cappedLogDoc{ID: outboxViewID, Version: v.Version + 1, Items: data})
		if errors.Is(err, ErrVersionMismatch) {
			continue
		}
		return err
	}
	return ErrVersionMismatch
}
