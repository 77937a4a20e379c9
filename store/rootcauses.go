package store

import (
	"context"
	"errors"
	"slices"

	"github.com/kaiku-helpdesk/kaiku/rootcause"
)

// Root-cause records (issue 15): each record by _id, the list as one document, and a case's
// causes as a document by the case's id.

type rootCauseListDoc struct {
	ID      string              `bson:"_id"`
	Entries []rootcause.Summary `bson:"entries"`
	Version int64               `bson:"version"`
}

type caseRootCausesDoc struct {
	ID         string   `bson:"_id"`
	RootCauses []string `bson:"root_causes"`
	Version    int64    `bson:"version"`
}

const rootCauseListID = "root_cause_list"

func rootCauseErr(err error) error {
	if errors.Is(err, ErrNotFound) {
		return errors.Join(rootcause.ErrNotFound, err)
	}
	return err
}

// InsertRootCause stores a new record.
func (s *Store) InsertRootCause(ctx context.Context, r *rootcause.RootCause) error {
	return s.insert(ctx, collRootCauses, r)
}

// GetRootCause reads one record.
func (s *Store) GetRootCause(ctx context.Context, id string) (*rootcause.RootCause, error) {
	var r rootcause.RootCause
	if err := s.getByID(ctx, collRootCauses, id, &r); err != nil {
		return nil, rootCauseErr(err)
	}
	return &r, nil
}

// UpdateRootCause changes a record under its version.
func (s *Store) UpdateRootCause(ctx context.Context, id string, mutate func(r *rootcause.RootCause) error) (*rootcause.RootCause, error) {
	r, err := updateVersioned(ctx, s, collRootCauses, id, func(r *rootcause.RootCause) *int64 { return &r.Version }, mutate)
	return r, rootCauseErr(err)
}

// RootCauseList returns the list's entries, newest first.
func (s *Store) RootCauseList(ctx context.Context) ([]rootcause.Summary, error) {
	var doc rootCauseListDoc
	err := s.getByID(ctx, collSettings, rootCauseListID, &doc)
	if errors.Is(err, ErrNotFound) {
		return []rootcause.Summary{}, nil
	}
	if doc.Entries == nil {
		doc.Entries = []rootcause.Summary{}
	}
	return doc.Entries, err
}

// PutRootCauseSummary adds or replaces one entry of the list.
func (s *Store) PutRootCauseSummary(ctx context.Context, sum rootcause.Summary) error {
	err := s.insert(ctx, collSettings, &rootCauseListDoc{ID: rootCauseListID, Entries: []rootcause.Summary{}, Version: 1})
	if err != nil && !errors.Is(err, ErrDuplicate) {
		return err
	}
	_, err = updateVersioned(ctx, s, collSettings, rootCauseListID, func(d *rootCauseListDoc) *int64 { return &d.Version }, func(d *rootCauseListDoc) error {
		i := slices.IndexFunc(d.Entries, func(e rootcause.Summary) bool { return e.ID == sum.ID })
		if i >= 0 {
			d.Entries[i] = sum
		} else {
			d.Entries = append([]rootcause.Summary{sum}, d.Entries...)
		}
		return nil
	})
	return err
}

// CaseRootCauses lists the ids of the causes a case is linked to.
func (s *Store) CaseRootCauses(ctx context.Context, caseID string) ([]string, error) {
	var doc caseRootCausesDoc
	err := s.getByID(ctx, collRootCauseLinks, caseID, &doc)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return doc.RootCauses, err
}

// AddCaseRootCause records that a case is linked to a cause.
func (s *Store) AddCaseRootCause(ctx context.Context, caseID, rootCauseID string) error {
	err := s.insert(ctx, collRootCauseLinks, &caseRootCausesDoc{ID: caseID, RootCauses: []string{rootCauseID}, Version: 1})
	if !errors.Is(err, ErrDuplicate) {
		return err
	}
	_, err = updateVersioned(ctx, s, collRootCauseLinks, caseID, func(d *caseRootCausesDoc) *int64 { return &d.Version }, func(d *caseRootCausesDoc) error {
		if !slices.Contains(d.RootCauses, rootCauseID) {
			d.RootCauses = append(d.RootCauses, rootCauseID)
		}
		return nil
	})
	return err
}
