// Package rootcause keeps root-cause records (issue 15): a manager names the cause behind a
// recurring problem, links the cases and reviews it explains (one by one or every result of a
// search), tracks it from investigating to fixed on a date, and sees whether matching cases
// stop after the fix. Every record is one document read and written by _id; the list of
// records is one more document, and a case's causes are a document by the case's id.
package rootcause

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// State is where a root cause is.
type State string

const (
	StateInvestigating State = "investigating"
	StateFixPlanned    State = "fix_planned"
	StateFixed         State = "fixed"
)

// States lists the states in order.
var States = []State{StateInvestigating, StateFixPlanned, StateFixed}

// RootCause is one record.
type RootCause struct {
	ID    string `bson:"_id"`
	Name  string `bson:"name"`
	Notes string `bson:"notes"`
	State State  `bson:"state"`
	// FixedOn is the fix's date (YYYY-MM-DD) once fixed.
	FixedOn string `bson:"fixed_on,omitempty"`
	// What "matching cases" means: the search text and topic the cause was made from.
	MatchText  string `bson:"match_text,omitempty"`
	MatchTopic string `bson:"match_topic,omitempty"`
	// CaseIDs are the linked cases, space-separated: one value however many (FerretDB's write
	// cost grows with the number of values).
	CaseIDs   string    `bson:"case_ids"`
	CreatedBy string    `bson:"created_by"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
	Version   int64     `bson:"version"`
}

// Linked returns the linked case ids.
func (r *RootCause) Linked() []string { return strings.Fields(r.CaseIDs) }

// Summary is a record's line in the list.
type Summary struct {
	ID      string `bson:"id"`
	Name    string `bson:"name"`
	State   State  `bson:"state"`
	FixedOn string `bson:"fixed_on,omitempty"`
	Linked  int    `bson:"linked"`
}

// Store is the persistence the Service needs (store.Store implements it).
type Store interface {
	InsertRootCause(ctx context.Context, r *RootCause) error
	GetRootCause(ctx context.Context, id string) (*RootCause, error)
	UpdateRootCause(ctx context.Context, id string, mutate func(r *RootCause) error) (*RootCause, error)
	// RootCauseList returns the list document's entries; PutRootCauseSummary adds or replaces
	// one entry (a conditional write on the list's version, retried).
	RootCauseList(ctx context.Context) ([]Summary, error)
	PutRootCauseSummary(ctx context.Context, s Summary) error
	// CaseRootCauses and AddCaseRootCause read and extend a case's causes (by the case's id).
	CaseRootCauses(ctx context.Context, caseID string) ([]string, error)
	AddCaseRootCause(ctx context.Context, caseID, rootCauseID string) error
}

// Counter counts matching cases per week (topics.Service implements it).
type Counter interface {
	WeeklyCounts(ctx context.Context, q search.Query, starts []time.Time) ([]int, error)
}

// Service is the root-cause use case.
type Service struct {
	store Store
	index search.Index
	count Counter
	clock func() time.Time
	newID func() string
}

// New builds the Service.
func New(st Store, idx search.Index, count Counter, clock func() time.Time, newID func() string) *Service {
	return &Service{store: st, index: idx, count: count, clock: clock, newID: newID}
}

// ErrNotFound is returned for an unknown record.
var ErrNotFound = errors.New("rootcause: not found")

// Create is what a manager names a cause with.
type Create struct {
	Name       string
	Notes      string
	MatchText  string
	MatchTopic string
}

// MaxLinkAll caps how many results of one search are linked at once.
const MaxLinkAll = 2000

func (s *Service) summary(r *RootCause) Summary {
	return Summary{ID: r.ID, Name: r.Name, State: r.State, FixedOn: r.FixedOn, Linked: len(r.Linked())}
}

// Create stores a new root cause under investigation.
func (s *Service) Create(ctx context.Context, by *models.User, c Create) (*RootCause, error) {
	c.Name = strings.TrimSpace(c.Name)
	if c.Name == "" || utf8.RuneCountInString(c.Name) > 200 {
		return nil, models.InvalidField("name", "must be 1 to 200 characters")
	}
	if msg := search.CheckText(c.MatchText); msg != "" {
		return nil, models.InvalidField("match_text", msg)
	}
	now := s.clock()
	r := &RootCause{ID: s.newID(), Name: c.Name, Notes: c.Notes, State: StateInvestigating, MatchText: strings.TrimSpace(c.MatchText),
		MatchTopic: c.MatchTopic, CreatedBy: by.ID, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := s.store.InsertRootCause(ctx, r); err != nil {
		return nil, err
	}
	return r, s.store.PutRootCauseSummary(ctx, s.summary(r))
}

// List returns every root cause's summary.
func (s *Service) List(ctx context.Context) ([]Summary, error) { return s.store.RootCauseList(ctx) }

// Get returns one record.
func (s *Service) Get(ctx context.Context, id string) (*RootCause, error) {
	r, err := s.store.GetRootCause(ctx, id)
	return r, asNotFound(err)
}

// asNotFound turns the store's not-found into the domain's.
func asNotFound(err error) error {
	if errors.Is(err, ErrNotFound) {
		return models.NotFound("root cause")
	}
	return err
}

// Update is a change of name, notes or state.
type Update struct {
	Version int64
	Name    *string
	Notes   *string
	State   *State
	FixedOn *string
}

// Update changes a record under its version.
func (s *Service) Update(ctx context.Context, id string, u Update) (*RootCause, error) {
	if u.State != nil && !slices.Contains(States, *u.State) {
		return nil, models.InvalidField("state", "must be investigating, fix_planned or fixed")
	}
	if u.FixedOn != nil && *u.FixedOn != "" {
		if _, err := time.Parse(time.DateOnly, *u.FixedOn); err != nil {
			return nil, models.InvalidField("fixed_on", "must be a date like 2026-03-01")
		}
	}
	r, err := s.store.UpdateRootCause(ctx, id, func(r *RootCause) error {
		if u.Version != 0 && u.Version != r.Version {
			return models.StaleVersion("root cause", r.Version)
		}
		if u.Name != nil {
			name := strings.TrimSpace(*u.Name)
			if name == "" || utf8.RuneCountInString(name) > 200 {
				return models.InvalidField("name", "must be 1 to 200 characters")
			}
			r.Name = name
		}
		if u.Notes != nil {
			r.Notes = *u.Notes
		}
		if u.State != nil {
			r.State = *u.State
		}
		if u.FixedOn != nil {
			r.FixedOn = *u.FixedOn
		}
		if r.State == StateFixed && r.FixedOn == "" {
			return models.InvalidField("fixed_on", "a fixed cause needs the date of the fix")
		}
		if r.State != StateFixed {
			r.FixedOn = ""
		}
		r.UpdatedAt = s.clock()
		r.Version++
		return nil
	})
	if err != nil {
		return nil, asNotFound(err)
	}
	return r, s.store.PutRootCauseSummary(ctx, s.summary(r))
}

// Link links cases to a record; ids already linked stay once.
func (s *Service) Link(ctx context.Context, id string, caseIDs []string) (*RootCause, int, error) {
	added := 0
	r, err := s.store.UpdateRootCause(ctx, id, func(r *RootCause) error {
		have := map[string]bool{}
		ids := r.Linked()
		for _, c := range ids {
			have[c] = true
		}
		added = 0
		for _, c := range caseIDs {
			if c = strings.TrimSpace(c); c != "" && !have[c] && !strings.ContainsAny(c, " \t\n") {
				have[c] = true
				ids = append(ids, c)
				added++
			}
		}
		r.CaseIDs = strings.Join(ids, " ")
		r.UpdatedAt = s.clock()
		r.Version++
		return nil
	})
	if err != nil {
		return nil, 0, asNotFound(err)
	}
	for _, c := range caseIDs {
		if err := s.store.AddCaseRootCause(ctx, c, id); err != nil {
			return nil, 0, err
		}
	}
	return r, added, s.store.PutRootCauseSummary(ctx, s.summary(r))
}

// SearchQuery is the index query for a search text and topic (either may be empty).
func SearchQuery(text, topic string) search.Query {
	q := search.Query{Text: strings.TrimSpace(text)}
	if topic != "" {
		q.Filters = []search.Filter{{Field: search.FieldTopics, Values: []string{topic}}}
	}
	return q
}

// LinkAll links every result of a search (at most MaxLinkAll).
func (s *Service) LinkAll(ctx context.Context, id, text, topic string) (*RootCause, int, error) {
	if strings.TrimSpace(text) == "" && topic == "" {
		return nil, 0, models.InvalidField("q", "search for something first")
	}
	if msg := search.CheckText(text); msg != "" {
		return nil, 0, models.InvalidField("q", msg)
	}
	q := SearchQuery(text, topic)
	q.Limit = 500
	q.Sort = []search.Sort{{Field: search.FieldCreatedAt}}
	var ids []string
	for len(ids) < MaxLinkAll {
		res, err := s.index.Search(ctx, q)
		if err != nil {
			return nil, 0, models.Unavailable("search is not available right now", err)
		}
		for _, h := range res.Hits {
			ids = append(ids, h.Doc.ID)
		}
		if res.NextCursor == "" {
			break
		}
		q.Cursor = res.NextCursor
	}
	return s.Link(ctx, id, ids)
}

// CausesOf lists the root causes a case is linked to.
func (s *Service) CausesOf(ctx context.Context, caseID string) ([]Summary, error) {
	ids, err := s.store.CaseRootCauses(ctx, caseID)
	if err != nil {
		return nil, err
	}
	out := []Summary{}
	for _, id := range ids {
		r, err := s.store.GetRootCause(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s.summary(r))
	}
	return out, nil
}

// Weeks are weekly counts of the cases matching a cause, before and after its fix.
type Weeks struct {
	Starts []time.Time `json:"starts"`
	Counts []int       `json:"counts"`
	// FixWeek is the index of the first week starting on or after the fix date; -1 when not
	// fixed.
	FixWeek int `json:"fix_week"`
}

// weeksAround is how many weeks are shown on each side of a fix.
const weeksAround = 6

// WeeklyCounts counts the matching cases (the cause's search text and topic) per week: six
// weeks before the fix and up to six after it (the last twelve weeks while not fixed).
func (s *Service) WeeklyCounts(ctx context.Context, r *RootCause) (Weeks, error) {
	w := Weeks{FixWeek: -1}
	if r.MatchText == "" && r.MatchTopic == "" {
		return w, nil
	}
	now := s.clock().UTC()
	var first time.Time
	if fixed, err := time.Parse(time.DateOnly, r.FixedOn); err == nil && r.State == StateFixed {
		first = fixed.AddDate(0, 0, -7*weeksAround)
		w.FixWeek = weeksAround
	} else {
		first = now.Truncate(24*time.Hour).AddDate(0, 0, 1-7*2*weeksAround)
	}
	for t := first; t.Before(now) && len(w.Starts) < 2*weeksAround; t = t.AddDate(0, 0, 7) {
		w.Starts = append(w.Starts, t)
	}
	counts, err := s.count.WeeklyCounts(ctx, SearchQuery(r.MatchText, r.MatchTopic), w.Starts)
	if err != nil {
		return w, models.Unavailable("search is not available right now", err)
	}
	w.Counts = counts
	return w, nil
}
