package staff

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/tokens"
)

// usersStore is what Users needs of the store: users, teams, and the sessions and tokens ended with
// an account.
type usersStore interface {
	CountUsers(ctx context.Context) (int64, error)
	DeleteUserAPITokens(ctx context.Context, userID string) error
	DeleteUserSessions(ctx context.Context, userID, keep string) error
	GetTeam(ctx context.Context, id string) (*models.Team, error)
	GetUser(ctx context.Context, id string) (*models.User, error)
	InsertTeam(ctx context.Context, t *models.Team) error
	InsertUser(ctx context.Context, u *models.User) error
	ListTeams(ctx context.Context) ([]models.Team, error)
	ListUsers(ctx context.Context) ([]models.User, error)
	ReplaceTeam(ctx context.Context, t *models.Team) error
	UpdateUser(ctx context.Context, u *models.User) error
}

// Users is user and team administration.
type Users struct {
	store    usersStore
	now      func() time.Time
	currency string
}

// NewUsers wires user administration. currency is the one authority limits are in.
func NewUsers(st usersStore, now func() time.Time, currency string) *Users {
	return &Users{store: st, now: now, currency: currency}
}

// List returns all users; managers and admins may see them.
func (s *Users) List(ctx context.Context, p *Principal) ([]models.User, error) {
	if err := p.Require(models.RoleManager); err != nil {
		return nil, err
	}
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(users, func(a, b models.User) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return users, nil
}

// Directory lists every staff user as any staff member may see them (models.StaffMember):
// active people first, then the deactivated ones, each by name.
func (s *Users) Directory(ctx context.Context, p *Principal) ([]models.StaffMember, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]models.StaffMember, len(users))
	for i := range users {
		out[i] = users[i].Directory()
	}
	slices.SortFunc(out, func(a, b models.StaffMember) int {
		if a.Active != b.Active {
			if a.Active {
				return -1
			}
			return 1
		}
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out, nil
}

// Get returns one user.
func (s *Users) Get(ctx context.Context, p *Principal, id string) (*models.User, error) {
	if err := p.Require(models.RoleManager); err != nil {
		return nil, err
	}
	u, err := s.store.GetUser(ctx, id)
	return u, notFoundAs(err, "user")
}

// Create adds a user (admins only).
func (s *Users) Create(ctx context.Context, p *Principal, req models.UserCreate) (*models.User, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	if err := s.checkTeams(ctx, req.TeamIDs); err != nil {
		return nil, err
	}
	return s.create(ctx, req)
}

// Bootstrap creates the first admin when there are no users yet. It reports whether it did.
func (s *Users) Bootstrap(ctx context.Context, email, name, password string) (bool, error) {
	n, err := s.store.CountUsers(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	_, err = s.create(ctx, models.UserCreate{Email: email, Name: name, Role: models.RoleAdmin, Password: password, Locale: "en"})
	if errors.Is(err, store.ErrDuplicate) || isConflict(err) {
		return false, nil // another replica bootstrapped at the same moment
	}
	return err == nil, err
}

func isConflict(err error) bool {
	de, ok := models.AsError(err)
	return ok && de.Kind == models.KindConflict
}

func (s *Users) create(ctx context.Context, req models.UserCreate) (*models.User, error) {
	hash, err := HashPassword(req.Password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	teams := req.TeamIDs
	if teams == nil {
		teams = []string{}
	}
	locale := req.Locale
	if locale == "" {
		locale = "en"
	}
	u := &models.User{
		ID: tokens.NewID(), Email: models.NormalizeEmail(req.Email), Name: strings.TrimSpace(req.Name), Role: req.Role,
		TeamIDs: teams, PasswordHash: hash, Locale: locale, Active: true,
		AuthorityLimitCents: req.AuthorityLimitCents, MonthlyLimitCents: req.MonthlyLimitCents, Currency: s.currency,
		CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if err := s.store.InsertUser(ctx, u); err != nil {
		if store.IsDuplicate(err) {
			return nil, &models.Error{Kind: models.KindConflict, Code: "conflict", Message: "a user with this e-mail exists",
				Fields: map[string]string{"email": "already in use"}}
		}
		return nil, err
	}
	return u, nil
}

// Patch changes a user (admins only). An admin cannot take away their own admin role or
// deactivate themselves, so there is always someone who can undo a mistake.
func (s *Users) Patch(ctx context.Context, p *Principal, id string, req models.UserPatch) (*models.User, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	u, err := s.store.GetUser(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "user")
	}
	if u.ID == p.User.ID {
		if req.Role != nil && *req.Role != models.RoleAdmin {
			return nil, models.InvalidField("role", "you cannot remove your own admin role")
		}
		if req.Active != nil && !*req.Active {
			return nil, models.InvalidField("active", "you cannot deactivate yourself")
		}
	}
	if req.Name != nil {
		u.Name = strings.TrimSpace(*req.Name)
	}
	if req.Role != nil {
		u.Role = *req.Role
	}
	if req.TeamIDs != nil {
		if err := s.checkTeams(ctx, *req.TeamIDs); err != nil {
			return nil, err
		}
		u.TeamIDs = *req.TeamIDs
	}
	if req.AuthorityLimitCents != nil {
		u.AuthorityLimitCents = *req.AuthorityLimitCents
	}
	if req.MonthlyLimitCents != nil {
		limit := *req.MonthlyLimitCents
		u.MonthlyLimitCents = &limit
	} else if req.ResetMonthlyLimit {
		u.MonthlyLimitCents = nil
	}
	if req.Locale != nil {
		u.Locale = *req.Locale
	}
	if req.Active != nil {
		u.Active = *req.Active
	}
	if req.Password != nil {
		if u.PasswordHash, err = HashPassword(*req.Password); err != nil {
			return nil, err
		}
	}
	u.UpdatedAt = s.now()
	u.Version++
	if err := s.store.UpdateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrVersionMismatch) {
			return nil, models.Conflict("version_conflict", "the user was changed at the same time; reload and try again")
		}
		return nil, err
	}
	// A new password is set because the old one may be known: whoever logged in with it is
	// logged out (all but the admin's own session, when they change their own), and, when
	// asked, the tokens made under it stop working too.
	if req.Password != nil {
		keep := ""
		if u.ID == p.User.ID {
			keep = p.SessionID
		}
		if err := s.store.DeleteUserSessions(ctx, u.ID, keep); err != nil {
			return nil, err
		}
	}
	if req.RevokeAPITokens {
		if err := s.store.DeleteUserAPITokens(ctx, u.ID); err != nil {
			return nil, err
		}
	}
	return u, nil
}

func (s *Users) checkTeams(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if _, err := s.store.GetTeam(ctx, id); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return models.InvalidField("team_ids", "no team "+id)
			}
			return err
		}
	}
	return nil
}

// ListTeams returns all teams; every staff member may see them.
func (s *Users) ListTeams(ctx context.Context, p *Principal) ([]models.Team, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	teams, err := s.store.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(teams, func(a, b models.Team) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return teams, nil
}

// CreateTeam adds a team (admins only).
func (s *Users) CreateTeam(ctx context.Context, p *Principal, req models.TeamCreate) (*models.Team, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	now := s.now()
	t := &models.Team{ID: tokens.NewID(), Name: strings.TrimSpace(req.Name), Description: req.Description, CreatedAt: now, UpdatedAt: now}
	return t, s.store.InsertTeam(ctx, t)
}

// PatchTeam changes a team (admins only).
func (s *Users) PatchTeam(ctx context.Context, p *Principal, id string, req models.TeamPatch) (*models.Team, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	t, err := s.store.GetTeam(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "team")
	}
	if req.Name != nil {
		t.Name = strings.TrimSpace(*req.Name)
	}
	if req.Description != nil {
		t.Description = *req.Description
	}
	t.UpdatedAt = s.now()
	return t, notFoundAs(s.store.ReplaceTeam(ctx, t), "team")
}

// SetWeeklySummary turns the caller's own weekly summary mail on or off (Reports, issue 16):
// managers and admins, who see every case, get it.
func (s *Users) SetWeeklySummary(ctx context.Context, p *Principal, req models.WeeklySummaryChange) (*models.User, error) {
	if err := p.Require(models.RoleManager); err != nil {
		return nil, err
	}
	u, err := s.store.GetUser(ctx, p.User.ID)
	if err != nil {
		return nil, notFoundAs(err, "user")
	}
	u.WeeklySummary = *req.Enabled
	u.UpdatedAt = s.now()
	u.Version++
	if err := s.store.UpdateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrVersionMismatch) {
			return nil, models.Conflict("version_conflict", "your profile was changed at the same time; try again")
		}
		return nil, err
	}
	return u, nil
}
