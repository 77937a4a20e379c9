package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// collSavedViews holds the inbox's saved views: one document per scope (an owner's personal
// views, a team's, everyone's), its _id the scope's key (models.SavedViewKey). The views a
// user sees are a handful of reads by _id, never a scan.
const collSavedViews = "saved_views"

// SavedViewList is the views of one scope, with the version of the document.
type SavedViewList struct {
	Key     string             `bson:"_id"`
	Views   []models.SavedView `bson:"views"`
	Version int64              `bson:"version"`
}

// GetSavedViews reads the views of one scope; a scope without views has an empty list.
func (s *Store) GetSavedViews(ctx context.Context, key string) (*SavedViewList, error) {
	var l SavedViewList
	err := s.getByID(ctx, collSavedViews, key, &l)
	if errors.Is(err, ErrNotFound) {
		return &SavedViewList{Key: key, Views: []models.SavedView{}}, nil
	}
	if err != nil {
		return nil, err
	}
	if l.Views == nil {
		l.Views = []models.SavedView{}
	}
	return &l, nil
}

// UpdateSavedViews reads the views of one scope, lets mutate change them, and writes them
// back only if nobody wrote in between; if someone did, it reads again and calls mutate
// again, so mutate must decide from the list it is given (and refuse a view's stale client
// version by returning an error).
func (s *Store) UpdateSavedViews(ctx context.Context, key string, mutate func(l *SavedViewList) error) (*SavedViewList, error) {
	unlock := s.locks.lock("saved_views:" + key)
	defer unlock()
	const attempts = 5
	for range attempts {
		l, err := s.GetSavedViews(ctx, key)
		if err != nil {
			return nil, err
		}
		read := l.Version
		if err := mutate(l); err != nil {
			return nil, err
		}
		l.Version = read + 1
		if read == 0 {
			err = s.insert(ctx, collSavedViews, l)
			if isDup(err) {
				continue // another replica made the document first; decide again on it
			}
		} else {
			err = s.replaceIfVersion(ctx, collSavedViews, key, read, l)
			if errors.Is(err, ErrVersionMismatch) {
				continue
			}
		}
		if err != nil {
			return nil, err
		}
		return l, nil
	}
	return nil, fmt.Errorf("saved views %s: %w after %d attempts", key, ErrVersionMismatch, attempts)
}
