package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// NotificationRetention is how long notifications are kept.
const NotificationRetention = 90 * 24 * time.Hour

// InsertNotification stores a notification.
func (s *Store) InsertNotification(ctx context.Context, n *models.Notification) error {
	return s.insert(ctx, collNotices, n)
}

// DeleteNotification removes one notification.
func (s *Store) DeleteNotification(ctx context.Context, id string) error {
	return s.deleteByID(ctx, collNotices, id)
}

// Notifications returns a user's notifications, newest first, with ReadAt theirs. It scans
// the collection, which DeleteNotificationsBefore keeps to the last NotificationRetention.
func (s *Store) Notifications(ctx context.Context, userID string) ([]models.Notification, error) {
	ns, err := findAll[models.Notification](ctx, s, collNotices, bson.D{{Key: "user_ids", Value: userID}})
	if err != nil {
		return nil, err
	}
	for i := range ns {
		if at, ok := ns[i].ReadBy[userID]; ok {
			ns[i].ReadAt = &at
		}
	}
	sort.SliceStable(ns, func(i, j int) bool { return ns[i].CreatedAt.After(ns[j].CreatedAt) })
	return ns, nil
}

// MarkNotificationRead marks a notification read for one of the users it tells; ErrNotFound
// for anyone else.
func (s *Store) MarkNotificationRead(ctx context.Context, userID, id string, at time.Time) error {
	var n models.Notification
	if err := s.getByID(ctx, collNotices, id, &n); err != nil {
		return err
	}
	if !slices.Contains(n.UserIDs, userID) || strings.ContainsAny(userID, ".$") {
		return ErrNotFound
	}
	if _, read := n.ReadBy[userID]; read {
		return nil
	}
	// Only this user's entry is set, so readers marking the same notification at once do not
	// overwrite each other (user IDs are base32: field names that need no escaping).
	_, err := s.w(collNotices).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "read_by." + userID, Value: at}}}})
	return err
}

// DeleteNotificationsBefore drops notifications created before t (one scan).
func (s *Store) DeleteNotificationsBefore(ctx context.Context, t time.Time) error {
	_, err := s.w(collNotices).DeleteMany(ctx, bson.D{{Key: "created_at", Value: bson.D{{Key: "$lt", Value: t}}}})
	return err
}

// migrateNotifications turns notifications stored one per user (user_id, read_at) into the
// shape with a list of users; documents already in that shape are left alone.
func migrateNotifications(ctx context.Context, s *Store, _ time.Time) error {
	type oldNotification struct {
		ID     string     `bson:"_id"`
		UserID string     `bson:"user_id"`
		ReadAt *time.Time `bson:"read_at"`
	}
	old, err := findAll[oldNotification](ctx, s, collNotices, bson.D{{Key: "user_id", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil {
		return err
	}
	for _, n := range old {
		set := bson.D{{Key: "user_ids", Value: []string{n.UserID}}}
		if n.ReadAt != nil {
			set = append(set, bson.E{Key: "read_by", Value: bson.D{{Key: n.UserID, Value: *n.ReadAt}}})
		}
		_, err := s.w(collNotices).UpdateOne(ctx, bson.D{{Key: "_id", Value: n.ID}}, bson.D{
			{Key: "$set", Value: set},
			{Key: "$unset", Value: bson.D{{Key: "user_id", Value: ""}, {Key: "read_at", Value: ""}}},
		})
		if err != nil {
			return fmt.Errorf("notification %s: %w", n.ID, err)
		}
	}
	return nil
}
