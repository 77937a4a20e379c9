package models

import "time"

// Role is what a staff user may do. Each role includes the ones below it.
type Role string

const (
	RoleAgent   Role = "agent"
	RoleManager Role = "manager"
	RoleAdmin   Role = "admin"
)

func (r Role) rank() int {
	switch r {
	case RoleAgent:
		return 1
	case RoleManager:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r includes the rights of min.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() && r.Valid() }

// RequireRole refuses a user below role, and nil (nobody logged in): the check each use case
// makes before it acts.
func RequireRole(u *User, role Role) error {
	if u == nil {
		return Unauthorized("unauthenticated", "log in first")
	}
	if !u.Role.AtLeast(role) {
		return Forbidden("this needs the " + string(role) + " role")
	}
	return nil
}

// User is a staff member: agent, manager or admin.
type User struct {
	ID           string    `bson:"_id" json:"id"`
	Email        string    `bson:"email" json:"email"`
	Name         string    `bson:"name" json:"name"`
	Role         Role      `bson:"role" json:"role"`
	TeamIDs      []string  `bson:"team_ids" json:"team_ids"`
	PasswordHash string    `bson:"password_hash" json:"-"`
	Locale       string    `bson:"locale" json:"locale"`
	Active       bool      `bson:"active" json:"active"`
	CreatedAt    time.Time `bson:"created_at" json:"created_at"`
	UpdatedAt    time.Time `bson:"updated_at" json:"updated_at"`
	// AuthorityLimitCents is the most this user may grant a customer on their own (refunds,
	// goodwill); above it a manager approves. In minor units of Currency.
	AuthorityLimitCents int64  `bson:"authority_limit_cents" json:"authority_limit_cents"`
	Currency            string `bson:"currency" json:"currency"`
	// MonthlyLimitCents caps what the user may grant on their own in one calendar month (in
	// the installation's time zone); nil means their role's default (DefaultMonthlyLimit).
	MonthlyLimitCents *int64 `bson:"monthly_limit_cents,omitempty" json:"monthly_limit_cents"`
	Version           int64  `bson:"version" json:"-"`
	// WeeklySummary: a manager (or admin) asked for the weekly summary mail (Reports, issue 16).
	WeeklySummary bool `bson:"weekly_summary,omitempty" json:"weekly_summary,omitempty"`
}

// WeeklySummaryChange turns a manager's own weekly summary mail on or off.
type WeeklySummaryChange struct {
	Enabled *bool `json:"enabled" validate:"required"`
}

// DefaultMonthlyLimit is what a role may grant in a calendar month unless an admin sets the
// user's own limit: agents 1 000.00, managers 20 000.00, admins 100 000.00 (in minor units of a
// two-decimal currency).
func DefaultMonthlyLimit(r Role) int64 {
	switch r {
	case RoleManager:
		return 2_000_000
	case RoleAdmin:
		return 10_000_000
	}
	return 100_000
}

// MonthlyLimit is the user's monthly limit: their own, or their role's default.
func (u *User) MonthlyLimit() int64 {
	if u.MonthlyLimitCents != nil {
		return *u.MonthlyLimitCents
	}
	return DefaultMonthlyLimit(u.Role)
}

// StaffMember is a colleague as every staff member sees them in the directory (the assignee
// picker, names in the inbox): who they are, their role and teams, and nothing else: no
// password data, tokens, authority limits or settings. A deactivated user keeps only their
// name, so the cases they handled still say who that was.
type StaffMember struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Email   string   `json:"email,omitempty"`
	Role    Role     `json:"role,omitempty"`
	TeamIDs []string `json:"team_ids"`
	Active  bool     `json:"active"`
}

// Directory is u as a StaffMember.
func (u *User) Directory() StaffMember {
	if !u.Active {
		return StaffMember{ID: u.ID, Name: u.Name, TeamIDs: []string{}}
	}
	teams := u.TeamIDs
	if teams == nil {
		teams = []string{}
	}
	return StaffMember{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, TeamIDs: teams, Active: true}
}

// UserCreate is what an admin may set when adding a user.
type UserCreate struct {
	Email               string   `json:"email" validate:"required,email,max=254"`
	Name                string   `json:"name" validate:"required,max=120"`
	Role                Role     `json:"role" validate:"required,oneof=agent manager admin"`
	Password            string   `json:"password" validate:"required,min=10,max=200"`
	TeamIDs             []string `json:"team_ids" validate:"max=50,dive,max=64"`
	AuthorityLimitCents int64    `json:"authority_limit_cents" validate:"min=0,max=100000000000"`
	MonthlyLimitCents   *int64   `json:"monthly_limit_cents" validate:"omitempty,min=0,max=100000000000"`
	Locale              string   `json:"locale" validate:"omitempty,oneof=en fi"`
}

// UserPatch changes some fields of a user; nil means unchanged.
type UserPatch struct {
	Name                *string   `json:"name" validate:"omitempty,min=1,max=120"`
	Role                *Role     `json:"role" validate:"omitempty,oneof=agent manager admin"`
	TeamIDs             *[]string `json:"team_ids" validate:"omitempty,max=50,dive,max=64"`
	AuthorityLimitCents *int64    `json:"authority_limit_cents" validate:"omitempty,min=0,max=100000000000"`
	// MonthlyLimitCents sets the monthly limit; ResetMonthlyLimit goes back to the role's default.
	MonthlyLimitCents *int64  `json:"monthly_limit_cents" validate:"omitempty,min=0,max=100000000000"`
	ResetMonthlyLimit bool    `json:"reset_monthly_limit"`
	Locale            *string `json:"locale" validate:"omitempty,oneof=en fi"`
	Active            *bool   `json:"active"`
	Password          *string `json:"password" validate:"omitempty,min=10,max=200"`
	// RevokeAPITokens also revokes all the user's API tokens (with a new password, or alone).
	RevokeAPITokens bool `json:"revoke_api_tokens"`
}

// Team groups users; cases can be routed to a team.
type Team struct {
	ID          string    `bson:"_id" json:"id"`
	Name        string    `bson:"name" json:"name"`
	Description string    `bson:"description" json:"description"`
	CreatedAt   time.Time `bson:"created_at" json:"created_at"`
	UpdatedAt   time.Time `bson:"updated_at" json:"updated_at"`
}

// TeamCreate is what an admin may set when adding a team.
type TeamCreate struct {
	Name        string `json:"name" validate:"required,max=80"`
	Description string `json:"description" validate:"max=500"`
}

// TeamPatch changes some fields of a team.
type TeamPatch struct {
	Name        *string `json:"name" validate:"omitempty,min=1,max=80"`
	Description *string `json:"description" validate:"omitempty,max=500"`
}

// APIToken is a bearer credential for integrations. The secret itself is never stored: the
// document's ID is the SHA-256 of the secret, so looking a token up is a read by _id.
type APIToken struct {
	ID         string     `bson:"_id" json:"-"`
	PublicID   string     `bson:"public_id" json:"id"`
	UserID     string     `bson:"user_id" json:"-"`
	Name       string     `bson:"name" json:"name"`
	CreatedAt  time.Time  `bson:"created_at" json:"created_at"`
	LastUsedAt *time.Time `bson:"last_used_at,omitempty" json:"last_used_at"`
}

// APITokenCreate names a new token.
type APITokenCreate struct {
	Name string `json:"name" validate:"required,max=80"`
}

// Session is a logged-in browser. Its ID is the SHA-256 of the cookie value.
type Session struct {
	ID        string    `bson:"_id"`
	UserID    string    `bson:"user_id"`
	CSRFToken string    `bson:"csrf_token"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
	// Account security (issue 18): where the session was opened and when it was last used,
	// for the user's list of their sessions; EnrolOnly marks a session that may only enrol in
	// two-factor sign-in (required for the user's role) before it may do anything else.
	UserAgent  string    `bson:"user_agent,omitempty"`
	Address    string    `bson:"address,omitempty"`
	LastSeenAt time.Time `bson:"last_seen_at,omitempty"`
	EnrolOnly  bool      `bson:"enrol_only,omitempty"`
}

// LoginRequest is the body of a password login.
type LoginRequest struct {
	Email    string `json:"email" validate:"required,email,max=254"`
	Password string `json:"password" validate:"required,max=200"`
}
