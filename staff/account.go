package staff

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/tokens"
)

// A user's own account: their password, their sessions, and "forgot password".

// PasswordResetLifetime is how long a "forgot password" link works (once).
const PasswordResetLifetime = 30 * time.Minute

// Reset requests are limited per address and per e-mail address, counted before the account
// is looked up, so the answer (and the limit) is the same whether or not the account exists.
const (
	resetLimitPerIP    = 10
	resetLimitPerEmail = 3
	resetWindow        = 15 * time.Minute
)

// accountStore is what the account use cases need of the store besides logins.
type accountStore interface {
	DeleteUserSessions(ctx context.Context, userID, keep string) error
	InsertPasswordReset(ctx context.Context, r *models.PasswordReset) error
	ListUserSessions(ctx context.Context, userID string) ([]models.Session, error)
	SaveSecuritySettings(ctx context.Context, v models.SecuritySettings) error
	TakePasswordReset(ctx context.Context, id string) (*models.PasswordReset, error)
	UpdateUser(ctx context.Context, u *models.User) error
}

// resetMailer queues the reset link's e-mail.
type resetMailer interface {
	Enqueue(ctx context.Context, msg mail.Message) error
}

// SetMail gives Auth the mailer and the public address "forgot password" links use.
func (a *Auth) SetMail(m resetMailer, baseURL string) {
	a.mailer, a.baseURL = m, strings.TrimRight(baseURL, "/")
}

// SessionInfo is one of a user's sessions as they see it. ID is derived from the stored
// key (itself a hash of the cookie), so listing gives away nothing that logs in.
type SessionInfo struct {
	ID         string    `json:"id"`
	UserAgent  string    `json:"user_agent"`
	Address    string    `json:"address"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	Current    bool      `json:"current"`
}

func sessionPublicID(storedID string) string {
	sum := sha256.Sum256([]byte("session:" + storedID))
	return hex.EncodeToString(sum[:12])
}

// Sessions lists the principal's open sessions, the current one first, then the most
// recently used.
func (a *Auth) Sessions(ctx context.Context, p *Principal) ([]SessionInfo, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	all, err := a.store.ListUserSessions(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	now := a.now()
	out := []SessionInfo{}
	for _, s := range all {
		if !now.Before(s.ExpiresAt) {
			continue
		}
		last := s.LastSeenAt
		if last.IsZero() {
			last = s.CreatedAt
		}
		out = append(out, SessionInfo{ID: sessionPublicID(s.ID), UserAgent: s.UserAgent, Address: s.Address,
			CreatedAt: s.CreatedAt, LastSeenAt: last, Current: s.ID == p.SessionID})
	}
	slices.SortFunc(out, func(x, y SessionInfo) int {
		if x.Current != y.Current {
			if x.Current {
				return -1
			}
			return 1
		}
		return y.LastSeenAt.Compare(x.LastSeenAt)
	})
	return out, nil
}

// EndSession ends one of the principal's sessions (their own current one too: that is a logout).
func (a *Auth) EndSession(ctx context.Context, p *Principal, publicID string) error {
	if err := p.Require(models.RoleAgent); err != nil {
		return err
	}
	all, err := a.store.ListUserSessions(ctx, p.User.ID)
	if err != nil {
		return err
	}
	for _, s := range all {
		if sessionPublicID(s.ID) == publicID {
			return notFoundAs(a.store.DeleteSession(ctx, s.ID), "session")
		}
	}
	return models.NotFound("session")
}

// EndOtherSessions ends every session of the principal but the current one.
func (a *Auth) EndOtherSessions(ctx context.Context, p *Principal) error {
	if err := p.Require(models.RoleAgent); err != nil {
		return err
	}
	return a.store.DeleteUserSessions(ctx, p.User.ID, p.SessionID)
}

// ChangePassword sets the principal's own password after checking the current one, and ends
// their other sessions (whoever else may have been logged in is logged out).
func (a *Auth) ChangePassword(ctx context.Context, p *Principal, req models.PasswordChange) error {
	if err := p.Require(models.RoleAgent); err != nil {
		return err
	}
	if p.ViaToken {
		return models.Forbidden("a password is changed in the browser, not with an API token")
	}
	if err := a.checkOwnPassword(ctx, p, req.Current); err != nil {
		return err
	}
	if err := a.setPassword(ctx, p.User.ID, req.New); err != nil {
		return err
	}
	return a.store.DeleteUserSessions(ctx, p.User.ID, p.SessionID)
}

func (a *Auth) setPassword(ctx context.Context, userID, password string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	for range 3 {
		u, err := a.store.GetUser(ctx, userID)
		if err != nil {
			return err
		}
		u.PasswordHash, u.UpdatedAt = hash, a.now()
		u.Version++
		err = a.store.UpdateUser(ctx, u)
		if !errors.Is(err, store.ErrVersionMismatch) {
			return err
		}
	}
	return fmt.Errorf("set password: %w", store.ErrVersionMismatch)
}

// RequestPasswordReset e-mails a single-use link to the account with this address, if there
// is an active one. The caller answers the same either way.
func (a *Auth) RequestPasswordReset(ctx context.Context, req models.PasswordResetRequest, client Client) error {
	now := a.now()
	email := models.NormalizeEmail(req.Email)
	for _, limit := range []struct {
		key string
		max int
	}{{"reset-ip:" + addressKey(client.Address), resetLimitPerIP}, {"reset-email:" + tokens.Hash(email), resetLimitPerEmail}} {
		hit, err := a.store.TakeHit(ctx, limit.key, limit.max, resetWindow, now)
		if err != nil {
			return err
		}
		if !hit.Allowed {
			e := models.RateLimited("too many password reset requests; wait a while and try again")
			e.RetryAfter = max(now.Truncate(resetWindow).Add(resetWindow).Sub(now), time.Second)
			return e
		}
	}
	u, err := a.store.GetUserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Active) {
		a.logger.Info("password reset for an unknown or inactive address")
		return nil
	}
	if err != nil {
		return err
	}
	token := tokens.New() + tokens.New() // 320 random bits
	r := &models.PasswordReset{ID: tokens.Hash(token), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(PasswordResetLifetime)}
	if err := a.store.InsertPasswordReset(ctx, r); err != nil {
		return err
	}
	if a.mailer == nil {
		return errors.New("password reset: no mailer")
	}
	locale := u.Locale
	if req.Locale != "" {
		locale = req.Locale
	}
	// The token travels in the fragment, which browsers never send to the server or in a
	// Referer, so it stays out of access logs.
	link := a.baseURL + "/reset-password#token=" + token
	msg := resetMessage(locale, u.Name, link)
	msg.To, msg.ToName = u.Email, u.Name
	return a.mailer.Enqueue(ctx, msg)
}

func resetMessage(locale, name, link string) mail.Message {
	subject := "Reset your Kaiku password"
	text := fmt.Sprintf("Hello %s,\n\nSomeone (we hope you) asked to reset the password of your Kaiku account. "+
		"Open this link within 30 minutes to choose a new password. It works once:\n\n%s\n\n"+
		"If you did not ask for this, ignore this message: your password stays as it is.\n", name, link)
	if locale == "fi" {
		subject = "Kaiku-salasanan vaihtaminen"
		text = fmt.Sprintf("Hei %s,\n\nJoku (toivottavasti sinä) pyysi Kaiku-tilisi salasanan vaihtamista. "+
			"Avaa tämä linkki 30 minuutin kuluessa ja valitse uusi salasana. Linkki toimii kerran:\n\n%s\n\n"+
			"Jos et pyytänyt tätä, jätä viesti huomiotta: salasanasi pysyy ennallaan.\n", name, link)
	}
	return mail.Message{Subject: subject, Text: text, Kind: mail.KindNotification, Locale: locale, Secrets: []string{link}}
}

// ResetPassword sets a new password with a reset link's token. The link is used up whether
// or not the rest succeeds, and every session of the account ends.
func (a *Auth) ResetPassword(ctx context.Context, req models.PasswordResetConfirm) error {
	invalid := models.InvalidField("token", "this link has expired or was used already; ask for a new one")
	r, err := a.store.TakePasswordReset(ctx, tokens.Hash(strings.TrimSpace(req.Token)))
	if errors.Is(err, store.ErrNotFound) {
		return invalid
	}
	if err != nil {
		return err
	}
	if !a.now().Before(r.ExpiresAt) {
		return invalid
	}
	if _, err := a.activeUser(ctx, r.UserID); err != nil {
		return invalid
	}
	if err := a.setPassword(ctx, r.UserID, req.Password); err != nil {
		return err
	}
	return a.store.DeleteUserSessions(ctx, r.UserID, "")
}

// SecuritySettings returns the installation's account-security settings (admins).
func (a *Auth) SecuritySettings(ctx context.Context, p *Principal) (models.SecuritySettings, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return models.SecuritySettings{}, err
	}
	return a.store.SecuritySettings(ctx)
}

// SaveSecuritySettings changes them (admins) and returns the settings before and after.
func (a *Auth) SaveSecuritySettings(ctx context.Context, p *Principal, v models.SecuritySettings) (before models.SecuritySettings, err error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return before, err
	}
	if before, err = a.store.SecuritySettings(ctx); err != nil {
		return before, err
	}
	return before, a.store.SaveSecuritySettings(ctx, v)
}
