package models

import "time"

// TwoFactor is one user's TOTP enrolment, a document whose _id is the user's ID. The secret is
// sealed with the installation's secret key (kept outside the database); recovery codes are
// stored as hashes and each is removed when used.
type TwoFactor struct {
	ID             string     `bson:"_id"`
	Enabled        bool       `bson:"enabled"`
	SecretSealed   []byte     `bson:"secret_sealed,omitempty"`
	PendingSealed  []byte     `bson:"pending_sealed,omitempty"` // a secret shown but not yet confirmed
	RecoveryHashes []string   `bson:"recovery_hashes"`
	LastStep       int64      `bson:"last_step"` // the newest TOTP step used: no code works twice
	EnabledAt      *time.Time `bson:"enabled_at,omitempty"`
	Version        int64      `bson:"version"`
}

// PasswordReset is a "forgot password" link: its _id is the SHA-256 of the token in the link.
type PasswordReset struct {
	ID        string    `bson:"_id"`
	UserID    string    `bson:"user_id"`
	CreatedAt time.Time `bson:"created_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// LoginChallenge is a login whose password was right and whose second factor is awaited: its
// _id is the SHA-256 of the token the browser holds between the two steps. It grants nothing
// but the right to send a code.
type LoginChallenge struct {
	ID        string    `bson:"_id"`
	UserID    string    `bson:"user_id"`
	Attempts  int       `bson:"attempts"`
	UserAgent string    `bson:"user_agent,omitempty"`
	Address   string    `bson:"address,omitempty"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// SecuritySettings are the installation's account-security settings.
type SecuritySettings struct {
	// RequireTwoFactor makes managers and admins enrol in two-factor sign-in at their next login.
	RequireTwoFactor bool `bson:"require_two_factor" json:"require_two_factor"`
}

// PasswordChange is the body of a user changing their own password.
type PasswordChange struct {
	Current string `json:"current_password" validate:"required,max=200"`
	New     string `json:"new_password" validate:"required,min=10,max=200"`
}

// PasswordResetRequest asks for a "forgot password" link.
type PasswordResetRequest struct {
	Email  string `json:"email" validate:"required,email,max=254"`
	Locale string `json:"locale" validate:"omitempty,oneof=en fi"`
}

// PasswordResetConfirm sets a new password with a link's token.
type PasswordResetConfirm struct {
	Token    string `json:"token" validate:"required,max=200"`
	Password string `json:"password" validate:"required,min=10,max=200"`
}

// SecondFactorLogin is the login's second step: a TOTP code or a recovery code.
type SecondFactorLogin struct {
	Challenge string `json:"challenge" validate:"required,max=200"`
	Code      string `json:"code" validate:"required,max=40"`
}

// TwoFactorConfirm confirms an enrolment with a code from the app.
type TwoFactorConfirm struct {
	Code string `json:"code" validate:"required,max=12"`
}

// TwoFactorDisable turns two-factor sign-in off; it asks for the password.
type TwoFactorDisable struct {
	Password string `json:"password" validate:"required,max=200"`
}

// AuditEntry is one administrative action in the audit log: who did what to which thing,
// when, and the thing before and after (as JSON, with secrets left out).
type AuditEntry struct {
	ID        string    `json:"id"`
	At        time.Time `json:"at"`
	ActorID   string    `json:"actor_id"`
	ActorName string    `json:"actor_name"`
	Action    string    `json:"action"` // "<kind>.<verb>", e.g. user.update
	Kind      string    `json:"kind"`   // user, team, rule, sla_policy, webhook, api_token, ...
	TargetID  string    `json:"target_id"`
	Before    any       `json:"before,omitempty"`
	After     any       `json:"after,omitempty"`
}
