package helpdesk

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// savedViewsStore is what SavedViews needs of the store: a user's saved views and the teams they
// may filter on.
type savedViewsStore interface {
	GetSavedViews(ctx context.Context, key string) (*store.SavedViewList, error)
	ListTeams(ctx context.Context) ([]models.Team, error)
	UpdateSavedViews(ctx context.Context, key string, mutate func(l *store.SavedViewList) error) (*store.SavedViewList, error)
}

// SavedViews are the inbox's named filters: an agent's own, or shared by a manager with a
// team or with everyone. Each scope's views are one document read by _id.
//
// Who may do what: the owner alone sees and edits a personal view; agents see the shared views
// of their teams and everyone's; managers and admins see every shared view and create, edit
// and delete them. A view the caller may not see is not found.
type SavedViews struct {
	store savedViewsStore
	cases *Cases
	now   Clock
}

// NewSavedViews wires saved views; cases counts their cases through the search index.
func NewSavedViews(st savedViewsStore, cases *Cases, now Clock) *SavedViews {
	return &SavedViews{store: st, cases: cases, now: now}
}

// visibleKeys are the documents holding the views p sees: their own, everyone's, and their
// teams' (every team's for managers).
func (s *SavedViews) visibleKeys(ctx context.Context, p *Principal) ([]string, error) {
	keys := []string{models.SavedViewKey(models.ScopePersonal, p.User.ID, ""), models.SavedViewKey(models.ScopeEveryone, "", "")}
	teams := p.User.TeamIDs
	if p.User.Role.AtLeast(models.RoleManager) {
		ts, err := s.store.ListTeams(ctx)
		if err != nil {
			return nil, err
		}
		teams = nil
		for _, t := range ts {
			teams = append(teams, t.ID)
		}
	}
	for _, t := range teams {
		keys = append(keys, models.SavedViewKey(models.ScopeTeam, "", t))
	}
	return keys, nil
}

// canSee reports whether p may see view v.
func canSee(p *Principal, v models.SavedView) bool {
	switch v.Scope {
	case models.ScopePersonal:
		return v.OwnerID == p.User.ID
	case models.ScopeTeam:
		return p.User.Role.AtLeast(models.RoleManager) || slices.Contains(p.User.TeamIDs, v.TeamID)
	}
	return true
}

// canEdit refuses p changing view v (which p sees).
func canEdit(p *Principal, v models.SavedView) error {
	if v.Scope == models.ScopePersonal {
		if v.OwnerID != p.User.ID {
			return models.Forbidden("only its owner changes a personal view")
		}
		return nil
	}
	if !p.User.Role.AtLeast(models.RoleManager) {
		return models.Forbidden("shared views are changed by managers")
	}
	return nil
}

// List returns the views p sees: their own first, then their teams', then everyone's, each by
// name.
func (s *SavedViews) List(ctx context.Context, p *Principal) ([]models.SavedView, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	keys, err := s.visibleKeys(ctx, p)
	if err != nil {
		return nil, err
	}
	lists := make([]*store.SavedViewList, len(keys))
	steps := make([]func() error, len(keys))
	for i, k := range keys {
		steps[i] = func() (err error) { lists[i], err = s.store.GetSavedViews(ctx, k); return err }
	}
	if err := errors.Join(inOneRound(steps...)...); err != nil {
		return nil, err
	}
	out := []models.SavedView{}
	for _, l := range lists {
		for _, v := range l.Views {
			if canSee(p, v) {
				out = append(out, v)
			}
		}
	}
	rank := map[models.ViewScope]int{models.ScopePersonal: 0, models.ScopeTeam: 1, models.ScopeEveryone: 2}
	slices.SortStableFunc(out, func(a, b models.SavedView) int {
		if rank[a.Scope] != rank[b.Scope] {
			return rank[a.Scope] - rank[b.Scope]
		}
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out, nil
}

// Get reads one view p sees.
func (s *SavedViews) Get(ctx context.Context, p *Principal, id string) (*models.SavedView, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	key := models.SavedViewKeyOf(id)
	if key == "" {
		return nil, models.NotFound("saved view")
	}
	l, err := s.store.GetSavedViews(ctx, key)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(l.Views, func(v models.SavedView) bool { return v.ID == id })
	if i < 0 || !canSee(p, l.Views[i]) {
		return nil, models.NotFound("saved view")
	}
	return &l.Views[i], nil
}

// checkFilters refuses filters the inbox would refuse, naming the field under filters.
func (s *SavedViews) checkFilters(p *Principal, f models.SavedViewFilters) error {
	if _, err := s.cases.buildQuery(p, listQueryOf(f)); err != nil {
		if de, ok := models.AsError(err); ok && de.Kind == models.KindInvalid {
			fields := map[string]string{}
			for k, v := range de.Fields {
				fields["filters."+k] = v
			}
			return models.Invalid(de.Message, fields)
		}
		return err
	}
	return nil
}

// listQueryOf is the inbox query a view's filters stand for.
func listQueryOf(f models.SavedViewFilters) CaseListQuery {
	return CaseListQuery{View: f.View, Text: strings.TrimSpace(f.Text), Statuses: f.Statuses, Priorities: f.Priorities,
		AssigneeIDs: f.AssigneeIDs, TeamIDs: f.TeamIDs, Categories: f.Categories, Touchpoints: f.Touchpoints,
		Channels: f.Channels, Tags: f.Tags, MinEscalationLevel: f.MinEscalationLevel, Sort: f.Sort, Desc: f.Order != "asc"}
}

// Create saves a new view: a personal one for any staff member, a shared one for managers.
func (s *SavedViews) Create(ctx context.Context, p *Principal, req models.SavedViewCreate) (*models.SavedView, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(req.Name)
	if name == "" {
		return nil, models.InvalidField("name", "must not be blank")
	}
	switch req.Scope {
	case models.ScopePersonal, models.ScopeEveryone:
		if req.TeamID != "" {
			return nil, models.InvalidField("team_id", "only a team view names a team")
		}
	case models.ScopeTeam:
		if req.TeamID == "" {
			return nil, models.InvalidField("team_id", "a team view names its team")
		}
	}
	if req.Scope != models.ScopePersonal {
		if err := p.Require(models.RoleManager); err != nil {
			return nil, models.Forbidden("views shared with a team or everyone are made by managers")
		}
	}
	if req.Scope == models.ScopeTeam {
		if err := s.cases.checkRefs(ctx, nil, &req.TeamID); err != nil {
			return nil, err
		}
	}
	if err := s.checkFilters(p, req.Filters); err != nil {
		return nil, err
	}
	now := s.now()
	key := models.SavedViewKey(req.Scope, p.User.ID, req.TeamID)
	v := models.SavedView{ID: key + "~" + newID(), Name: name, Scope: req.Scope, TeamID: req.TeamID, OwnerID: p.User.ID,
		Filters: req.Filters, Version: 1, CreatedAt: now, UpdatedAt: now}
	_, err := s.store.UpdateSavedViews(ctx, key, func(l *store.SavedViewList) error {
		if len(l.Views) >= models.MaxSavedViews {
			return models.Unprocessable("too_many_views", "there are too many saved views here already; delete one first")
		}
		l.Views = append(l.Views, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// Patch renames a view or replaces its filters, under its version.
func (s *SavedViews) Patch(ctx context.Context, p *Principal, id string, req models.SavedViewPatch) (*models.SavedView, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	if req.Name != nil && strings.TrimSpace(*req.Name) == "" {
		return nil, models.InvalidField("name", "must not be blank")
	}
	if req.Filters != nil {
		if err := s.checkFilters(p, *req.Filters); err != nil {
			return nil, err
		}
	}
	var out models.SavedView
	err := s.change(ctx, p, id, func(l *store.SavedViewList, i int) error {
		v := &l.Views[i]
		if v.Version != req.Version {
			return models.Conflict("version_conflict", "the view was changed by someone else; reload it and try again")
		}
		if req.Name != nil {
			v.Name = strings.TrimSpace(*req.Name)
		}
		if req.Filters != nil {
			v.Filters = *req.Filters
		}
		v.Version++
		v.UpdatedAt = s.now()
		out = *v
		return nil
	})
	return &out, err
}

// Delete removes a view.
func (s *SavedViews) Delete(ctx context.Context, p *Principal, id string) error {
	if _, err := s.Get(ctx, p, id); err != nil {
		return err
	}
	return s.change(ctx, p, id, func(l *store.SavedViewList, i int) error {
		l.Views = slices.Delete(l.Views, i, i+1)
		return nil
	})
}

// change finds view id in its document and applies fn to it if p may edit it.
func (s *SavedViews) change(ctx context.Context, p *Principal, id string, fn func(l *store.SavedViewList, i int) error) error {
	_, err := s.store.UpdateSavedViews(ctx, models.SavedViewKeyOf(id), func(l *store.SavedViewList) error {
		i := slices.IndexFunc(l.Views, func(v models.SavedView) bool { return v.ID == id })
		if i < 0 || !canSee(p, l.Views[i]) {
			return models.NotFound("saved view")
		}
		if err := canEdit(p, l.Views[i]); err != nil {
			return err
		}
		return fn(l, i)
	})
	return err
}

// Counts returns how many cases each of the given views holds for p: one index count each.
func (s *SavedViews) Counts(ctx context.Context, p *Principal, ids []string) (map[string]int, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	if len(ids) > models.MaxSavedViews {
		return nil, models.InvalidField("saved_view", "at most 50 views at once")
	}
	byKey := map[string]*store.SavedViewList{}
	out := make(map[string]int, len(ids))
	for _, id := range ids {
		key := models.SavedViewKeyOf(id)
		if key == "" {
			return nil, models.InvalidField("saved_view", "no saved view "+id)
		}
		l, ok := byKey[key]
		if !ok {
			var err error
			if l, err = s.store.GetSavedViews(ctx, key); err != nil {
				return nil, err
			}
			byKey[key] = l
		}
		i := slices.IndexFunc(l.Views, func(v models.SavedView) bool { return v.ID == id })
		if i < 0 || !canSee(p, l.Views[i]) {
			return nil, models.InvalidField("saved_view", "no saved view "+id)
		}
		sq, err := s.cases.buildQuery(p, listQueryOf(l.Views[i].Filters))
		if err != nil {
			return nil, err
		}
		n, err := s.count(ctx, sq)
		if err != nil {
			return nil, models.Unavailable("search is not available right now", err)
		}
		out[id] = n
	}
	return out, nil
}

// count is how many cases the view's list holds. The index's Count takes the filters only, so
// a view with search words asks for the total of its search (one hit, no sort) instead.
func (s *SavedViews) count(ctx context.Context, q search.Query) (int, error) {
	if strings.TrimSpace(q.Text) == "" {
		return s.cases.index.Count(ctx, q)
	}
	q.Limit, q.Cursor, q.Facets, q.Highlight = 1, "", nil, false
	res, err := s.cases.index.Search(ctx, q)
	if err != nil {
		return 0, err
	}
	return res.Total, nil
}
