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
// back through the one conditional update of versioned records (updateVersioned): if someone
// wrote in between, it reads again and calls mutate again, so mutate must decide from the list
// it is given (and refuse a view's stale client version by returning an error). A scope's
// first view creates its document by insert; should another replica create it first, the
// change is decided again on that one.
func (s *Store) UpdateSavedViews(ctx context.Context, key string, mutate func(l *SavedViewList) error) (*SavedViewList, error) {
	const attempts = 5
	for range attempts {
		l, err := updateVersioned(ctx, s, collSavedViews, key, savedViewsVersion, func(l *SavedViewList) error {
			if l.Views == nil {
				l.Views = []models.SavedView{}
			}
			return mutate(l)
		})
		if !errors.Is(err, ErrNotFound) {
			return l, err
		}
		l = &SavedViewList{Key: key, Views: []models.SavedView{}}
		if err := mutate(l); err != nil {
			return nil, err
		}
		l.Version = 1
		err = s.insert(ctx, collSavedViews, l)
		if isDup(err) {
			continue // created meanwhile: update that one
		}
		if err != nil {
			return nil, err
		}
		return l, nil
	}
	return nil, fmt.Errorf("saved views %s: %w after %d attempts", key, ErrVersionMismatch, attempts)
}

func savedViewsVersion(l *SavedViewList) *int64 { return &l.Version }
