package store

import (
	"context"
	"errors"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// InsertCase stores a new case; an existing ID gives ErrDuplicate.
func (s *Store) InsertCase(ctx context.Context, c *models.Case) error {
	return s.insert(ctx, collCases, c)
}

// GetCase reads one case by ID.
func (s *Store) GetCase(ctx context.Context, id string) (*models.Case, error) {
	var c models.Case
	if err := s.getByID(ctx, collCases, id, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// UpdateCase reads the case, lets mutate change it, and writes it back with the version raised
// by one, only if nobody wrote in between. If someone did, it reads again and calls mutate
// again, so mutate must decide from the case it is given (and refuse a stale client version by
// returning an error). It returns the case as written.
func (s *Store) UpdateCase(ctx context.Context, id string, mutate func(c *models.Case) error) (*models.Case, error) {
	return updateVersioned(ctx, s, collCases, id, caseVersion, mutate)
}

// UpdateCaseBeside is UpdateCase holding beside's lock too and reading beside's record in the
// same round as the case (an approval request decided in the case's write).
func (s *Store) UpdateCaseBeside(ctx context.Context, id string, beside Beside, mutate func(c *models.Case) error) (*models.Case, error) {
	return updateVersionedBeside(ctx, s, collCases, id, caseVersion, &beside, mutate)
}

func caseVersion(c *models.Case) *int64 { return &c.Version }

// DeleteCase removes a case (used by tests and by merges that discard a duplicate).
func (s *Store) DeleteCase(ctx context.Context, id string) error {
	return s.deleteByID(ctx, collCases, id)
}

// EachCase calls fn for every stored case. It scans the collection, so only the full reindex
// after a lost search index uses it.
func (s *Store) EachCase(ctx context.Context, fn func(c *models.Case) error) error {
	cur, err := s.c(collCases).Find(ctx, map[string]any{})
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var c models.Case
		if err := cur.Decode(&c); err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
	}
	return cur.Err()
}

// CountCases counts every stored case. It scans on FerretDB; used only at start-up to detect
// a lost index, and by tests.
func (s *Store) CountCases(ctx context.Context) (int64, error) {
	return s.c(collCases).EstimatedDocumentCount(ctx)
}

// isDup reports whether err is a duplicate-key failure.
func isDup(err error) bool { return errors.Is(err, ErrDuplicate) }

// IsDuplicate reports whether err is a duplicate-key failure.
func IsDuplicate(err error) bool { return isDup(err) }

// InsertCases stores new cases with the other inserts of cases under way (unordered commands
// of up to maxInsertBatch) and answers per case (an existing ID gives that case
// ErrDuplicate): a window of cases filed together costs a commit or two, shared with
// concurrent windows.
func (s *Store) InsertCases(ctx context.Context, cases []*models.Case) []error {
	docs := make([]any, len(cases))
	for i, c := range cases {
		docs[i] = c
	}
	return perItem(len(cases), s.insertAll(ctx, collCases, docs))
}
