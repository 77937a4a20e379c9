package staff

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/tokens"
	"github.com/kaiku-helpdesk/kaiku/twofactor"
)

// The second step of a login with two-factor sign-in. The password step stores a challenge
// (a token of its own, in a collection of its own) and opens no session: the token is good
// for nothing but sending a code, MaxChallengeAttempts times within ChallengeLifetime.
const (
	ChallengeLifetime    = 5 * time.Minute
	MaxChallengeAttempts = 5
	totpIssuer           = "Kaiku"
)

// secondFactorStore is what two-factor sign-in needs of the store.
type secondFactorStore interface {
	CountChallengeAttempt(ctx context.Context, id string) (*models.LoginChallenge, error)
	DeleteLoginChallenge(ctx context.Context, id string) (bool, error)
	GetTwoFactor(ctx context.Context, userID string) (*models.TwoFactor, error)
	InsertLoginChallenge(ctx context.Context, c *models.LoginChallenge) error
	ReleaseEnrolOnly(ctx context.Context, id string) error
	SecuritySettings(ctx context.Context) (models.SecuritySettings, error)
	TouchSession(ctx context.Context, id string, at time.Time) error
	UpdateTwoFactor(ctx context.Context, userID string, mutate func(*models.TwoFactor) error) (*models.TwoFactor, error)
}

var errWrongCode = errors.New("wrong code")

func wrongCode() error {
	return models.Unauthorized("invalid_code", "that code is not right; try the newest code from your app")
}

// challenge stores the second step of u's login and returns its token.
func (a *Auth) challenge(ctx context.Context, u *models.User, client Client) (*LoginResult, error) {
	token := tokens.New() + tokens.New()
	c := &models.LoginChallenge{ID: tokens.Hash(token), UserID: u.ID, UserAgent: truncate(client.UserAgent, 300),
		Address: client.Address, ExpiresAt: a.now().Add(ChallengeLifetime)}
	if err := a.store.InsertLoginChallenge(ctx, c); err != nil {
		return nil, err
	}
	return &LoginResult{Challenge: token}, nil
}

// SecondFactor finishes a login: with a TOTP code (or an unused recovery code) for the
// challenge's account it opens the session. Each challenge takes MaxChallengeAttempts tries,
// and an account's tries wait longer and longer after LoginFreeFailures wrong ones in a row,
// whatever the challenge, so guessing a six-digit code stays hopeless.
func (a *Auth) SecondFactor(ctx context.Context, req models.SecondFactorLogin) (*LoginResult, error) {
	now := a.now()
	id := tokens.Hash(strings.TrimSpace(req.Challenge))
	expired := models.Unauthorized("login_expired", "this login has expired; log in again")
	c, err := a.store.CountChallengeAttempt(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, expired
	}
	if err != nil {
		return nil, err
	}
	if !now.Before(c.ExpiresAt) || c.Attempts > MaxChallengeAttempts {
		_, _ = a.store.DeleteLoginChallenge(ctx, id)
		return nil, expired
	}
	guard := tokens.Hash("second-factor\x00" + c.UserID)
	allowed, wait, err := a.store.ClaimLoginAttempt(ctx, guard, loginDelay, loginFailureMemory, now)
	if err != nil {
		return nil, err
	}
	if !allowed {
		return nil, tooManyLogins(wait)
	}
	u, err := a.activeUser(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	if err := a.checkSecondFactor(ctx, u.ID, req.Code); err != nil {
		return nil, err
	}
	if won, err := a.store.DeleteLoginChallenge(ctx, id); err != nil {
		return nil, err
	} else if !won {
		return nil, expired // the same challenge finished at the same moment elsewhere
	}
	if err := a.store.ForgetLoginFailures(ctx, guard); err != nil {
		a.logger.Warn("record second factor", "err", err)
	}
	return a.openSession(ctx, u, Client{Address: c.Address, UserAgent: c.UserAgent}, false)
}

// checkSecondFactor accepts a TOTP code newer than the last one used, or a recovery code,
// which it uses up. Both are one conditional write, so a code cannot pass twice.
func (a *Auth) checkSecondFactor(ctx context.Context, userID, code string) error {
	code = strings.TrimSpace(code)
	_, err := a.store.UpdateTwoFactor(ctx, userID, func(tf *models.TwoFactor) error {
		if !tf.Enabled {
			return errWrongCode
		}
		if isDigits(code) {
			secret, err := a.sealer.Open("totp:"+userID, tf.SecretSealed)
			if err != nil {
				return err
			}
			step, ok := twofactor.Check(secret, code, a.now(), tf.LastStep)
			if !ok {
				return errWrongCode
			}
			tf.LastStep = step
			return nil
		}
		h := twofactor.HashRecoveryCode(code)
		i := slices.Index(tf.RecoveryHashes, h)
		if i < 0 {
			return errWrongCode
		}
		tf.RecoveryHashes = slices.Delete(tf.RecoveryHashes, i, i+1)
		return nil
	})
	if errors.Is(err, errWrongCode) {
		return wrongCode()
	}
	return err
}

func isDigits(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// TwoFactorStatus is what the account page shows of two-factor sign-in.
type TwoFactorStatus struct {
	Enabled           bool `json:"enabled"`
	Required          bool `json:"required"` // by the installation, for the user's role
	RecoveryCodesLeft int  `json:"recovery_codes_left"`
}

// TwoFactorEnrolment is a new secret to add to an authenticator app.
type TwoFactorEnrolment struct {
	Secret string `json:"secret"`
	URL    string `json:"otpauth_url"`
	QRCode string `json:"qr_code"` // a data: URL of a PNG image
}

// RecoveryCodes are shown once, when made.
type RecoveryCodes struct {
	Codes []string `json:"recovery_codes"`
}

// TwoFactorStatus tells whether the principal has two-factor sign-in.
func (a *Auth) TwoFactorStatus(ctx context.Context, p *Principal) (*TwoFactorStatus, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	out := &TwoFactorStatus{}
	tf, err := a.store.GetTwoFactor(ctx, p.User.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if tf != nil && tf.Enabled {
		out.Enabled, out.RecoveryCodesLeft = true, len(tf.RecoveryHashes)
	}
	settings, err := a.store.SecuritySettings(ctx)
	if err != nil {
		return nil, err
	}
	out.Required = settings.RequireTwoFactor && p.User.Role.AtLeast(models.RoleManager)
	return out, nil
}

// StartTwoFactor makes a new secret for the principal, kept pending until a code from it
// confirms it. Starting again replaces a pending secret.
func (a *Auth) StartTwoFactor(ctx context.Context, p *Principal) (*TwoFactorEnrolment, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	if p.ViaToken {
		return nil, models.Forbidden("two-factor sign-in is set up in the browser, not with an API token")
	}
	e, err := twofactor.NewEnrolment(totpIssuer, p.User.Email)
	if err != nil {
		return nil, err
	}
	sealed := a.sealer.Seal("totp:"+p.User.ID, e.Secret)
	_, err = a.store.UpdateTwoFactor(ctx, p.User.ID, func(tf *models.TwoFactor) error {
		if tf.Enabled {
			return models.Conflict("two_factor_enabled", "two-factor sign-in is already on; turn it off first")
		}
		tf.PendingSealed = sealed
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &TwoFactorEnrolment{Secret: e.Secret, URL: e.URL, QRCode: e.QRCode}, nil
}

// ConfirmTwoFactor turns two-factor sign-in on with a code from the pending secret and
// returns the recovery codes (shown this once; only their hashes are kept). A session that
// could only enrol may now do everything.
func (a *Auth) ConfirmTwoFactor(ctx context.Context, p *Principal, req models.TwoFactorConfirm) (*RecoveryCodes, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	codes, hashes, err := twofactor.NewRecoveryCodes()
	if err != nil {
		return nil, err
	}
	now := a.now()
	_, err = a.store.UpdateTwoFactor(ctx, p.User.ID, func(tf *models.TwoFactor) error {
		if tf.Enabled {
			return models.Conflict("two_factor_enabled", "two-factor sign-in is already on")
		}
		if len(tf.PendingSealed) == 0 {
			return models.InvalidField("code", "start the set-up first")
		}
		secret, err := a.sealer.Open("totp:"+p.User.ID, tf.PendingSealed)
		if err != nil {
			return err
		}
		step, ok := twofactor.Check(secret, req.Code, now, 0)
		if !ok {
			return models.InvalidField("code", "that code is not right; check your device's clock and type the newest code")
		}
		tf.Enabled, tf.SecretSealed, tf.PendingSealed = true, tf.PendingSealed, nil
		tf.LastStep, tf.RecoveryHashes, tf.EnabledAt = step, hashes, &now
		return nil
	})
	if err != nil {
		return nil, err
	}
	if p.EnrolOnly && p.SessionID != "" {
		if err := a.store.ReleaseEnrolOnly(ctx, p.SessionID); err != nil {
			return nil, err
		}
	}
	return &RecoveryCodes{Codes: codes}, nil
}

// checkOwnPassword checks the principal's password, slowed like logins after a few wrong
// ones, so a session left open cannot be used to guess it.
func (a *Auth) checkOwnPassword(ctx context.Context, p *Principal, password string) error {
	now := a.now()
	guard := tokens.Hash("own-password\x00" + p.User.ID)
	allowed, wait, err := a.store.ClaimLoginAttempt(ctx, guard, loginDelay, loginFailureMemory, now)
	if err != nil {
		return err
	}
	if !allowed {
		return tooManyLogins(wait)
	}
	u, err := a.store.GetUser(ctx, p.User.ID)
	if err != nil {
		return err
	}
	if ok, err := argon2id.ComparePasswordAndHash(password, u.PasswordHash); err != nil || !ok {
		return models.InvalidField("current_password", "this is not your current password")
	}
	return a.store.ForgetLoginFailures(ctx, guard)
}

// DisableTwoFactor turns two-factor sign-in off (with the password). Where the installation
// requires it for the user's role, it cannot be turned off, only set up again.
func (a *Auth) DisableTwoFactor(ctx context.Context, p *Principal, req models.TwoFactorDisable) error {
	st, err := a.TwoFactorStatus(ctx, p)
	if err != nil {
		return err
	}
	if st.Required {
		return models.Conflict("two_factor_required", "two-factor sign-in is required for your role")
	}
	if err := a.checkOwnPassword(ctx, p, req.Password); err != nil {
		return err
	}
	_, err = a.store.UpdateTwoFactor(ctx, p.User.ID, func(tf *models.TwoFactor) error {
		*tf = models.TwoFactor{ID: tf.ID, RecoveryHashes: []string{}, LastStep: tf.LastStep, Version: tf.Version}
		return nil
	})
	return err
}

// NewRecoveryCodes replaces the principal's recovery codes (with the password).
func (a *Auth) NewRecoveryCodes(ctx context.Context, p *Principal, req models.TwoFactorDisable) (*RecoveryCodes, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	if err := a.checkOwnPassword(ctx, p, req.Password); err != nil {
		return nil, err
	}
	codes, hashes, err := twofactor.NewRecoveryCodes()
	if err != nil {
		return nil, err
	}
	_, err = a.store.UpdateTwoFactor(ctx, p.User.ID, func(tf *models.TwoFactor) error {
		if !tf.Enabled {
			return models.Conflict("two_factor_off", "two-factor sign-in is off")
		}
		tf.RecoveryHashes = hashes
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &RecoveryCodes{Codes: codes}, nil
}

// ResetTwoFactor turns another user's two-factor sign-in off (admins), for someone who lost
// both their phone and their recovery codes. They sign in with their password alone next time
// (or are led to set it up again where it is required).
func (a *Auth) ResetTwoFactor(ctx context.Context, p *Principal, userID string) error {
	if err := p.Require(models.RoleAdmin); err != nil {
		return err
	}
	if _, err := a.store.GetUser(ctx, userID); err != nil {
		return notFoundAs(err, "user")
	}
	_, err := a.store.UpdateTwoFactor(ctx, userID, func(tf *models.TwoFactor) error {
		*tf = models.TwoFactor{ID: tf.ID, RecoveryHashes: []string{}, LastStep: tf.LastStep, Version: tf.Version}
		return nil
	})
	return err
}
