package store

import (
	"context"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// Follow-up checks asked in bulk (issue 13): when many checks fall due at once, the scheduler
// asks them together. Finding them and marking them asked are one command each, filtered on
// the check's state and time (FerretDB scans for both, once per batch rather than a read and a
// replace per case); the filter carries no list of ids, whose $in FerretDB would test against
// every stored case.

// followUpDue is the filter of the checks scheduled to be asked by now.
func followUpDue(now time.Time) bson.D {
	return bson.D{
		{Key: "follow_up_check.state", Value: string(models.FollowUpScheduled)},
		{Key: "follow_up_check.ask_at", Value: bson.D{{Key: "$lte", Value: now}}},
	}
}

// DueFollowUps returns the cases whose follow-up check is scheduled to be asked by now.
func (s *Store) DueFollowUps(ctx context.Context, now time.Time) ([]models.Case, error) {
	return findAll[models.Case](ctx, s, collCases, followUpDue(now))
}

// FollowUpsAsked says how a bulk ask went: the cases it marked.
type FollowUpsAsked struct {
	Matched int64
}

// MarkFollowUpsAsked moves every check scheduled by now, except those of the cases in skip
// (which need a write of their own), to asked at now with answers taken until expires, in
// one update: the state, the times, the case's next timer (expires), its updated time, its
// version raised by one and entry added to its timeline. ids are the cases the caller read
// as due (DueFollowUps): they are locked against this process's conditional writes meanwhile
// (on MongoDB those writes' version filters see the raised version instead). It returns how
// many cases it changed; when that is not len(ids) minus the skipped, AskedAt tells which.
func (s *Store) MarkFollowUpsAsked(ctx context.Context, ids, skip []string, now, expires time.Time, entry models.TimelineEvent) (int64, error) {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = collCases + ":" + id
	}
	unlock := s.locks.lockMany(keys)
	defer unlock()
	filter := followUpDue(now)
	if len(skip) > 0 {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$nin", Value: skip}}})
	}
	res, err := s.w(collCases).UpdateMany(ctx, filter, bson.D{
		{Key: "$set", Value: bson.D{
			{Key: "follow_up_check.state", Value: string(models.FollowUpAsked)},
			{Key: "follow_up_check.asked_at", Value: now},
			{Key: "follow_up_check.expires_at", Value: expires},
			{Key: "next_timer_at", Value: expires},
			{Key: "updated_at", Value: now},
		}},
		{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}},
		{Key: "$push", Value: bson.D{{Key: "timeline", Value: entry}}},
	})
	if err != nil {
		return 0, err
	}
	return res.ModifiedCount, nil
}

// AskedFollowUps returns the cases whose check was asked at exactly at (one bulk ask's).
func (s *Store) AskedFollowUps(ctx context.Context, at time.Time) ([]models.Case, error) {
	return findAll[models.Case](ctx, s, collCases, bson.D{
		{Key: "follow_up_check.state", Value: string(models.FollowUpAsked)},
		{Key: "follow_up_check.asked_at", Value: at},
	})
}

// MarkDirtyMany is MarkDirty for many cases: one insert, and a raise for each mark that
// existed already.
func (s *Store) MarkDirtyVersions(ctx context.Context, versions map[string]int64, now time.Time) error {
	ids := make([]string, 0, len(versions))
	for id := range versions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	docs := make([]any, len(ids))
	for i, id := range ids {
		docs[i] = DirtyMark{ID: id, Version: versions[id], At: now}
	}
	for i, err := range s.insertManyEach(ctx, collIndexQueue, docs) {
		if err == nil {
			continue
		}
		if !isDup(err) {
			return err
		}
		if _, err := s.w(collIndexQueue).UpdateOne(ctx, bson.D{{Key: "_id", Value: ids[i]}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: versions[ids[i]]}, {Key: "at", Value: now}}}},
			options.UpdateOne().SetUpsert(true)); err != nil {
			return err
		}
	}
	return nil
}

// InsertTrackingMany stores many tracking links (token hash → case) in one insert.
func (s *Store) InsertTrackingMany(ctx context.Context, links map[string]string) error {
	docs := make([]any, 0, len(links))
	for hash, caseID := range links {
		docs = append(docs, trackingLink{ID: hash, CaseID: caseID})
	}
	for _, err := range s.insertManyEach(ctx, collTracking, docs) {
		if err != nil {
			return err
		}
	}
	return nil
}
