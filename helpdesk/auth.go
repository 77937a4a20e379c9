package helpdesk

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// PasswordParams are argon2id's costs: OWASP's recommended minimum (19 MiB, 2 passes), which
// keeps a login under ~50 ms on one core without letting a flood of logins exhaust memory.
var PasswordParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// HashPassword returns the argon2id hash of a password in PHC string form.
func HashPassword(password string) (string, error) {
	return argon2id.CreateHash(password, PasswordParams)
}

// Login limits: per e-mail and per client address, in a fixed window counted in the database.
const (
	LoginWindow       = time.Minute
	LoginLimitPerUser = 10
	LoginLimitPerIP   = 30
	SessionLifetime   = 12 * time.Hour
	APITokenPrefix    = "kaiku_"
)

// Auth is staff authentication: password login, sessions, API tokens.
type Auth struct {
	store  *store.Store
	logger *slog.Logger
	now    Clock
	// dummyHash is compared against when the e-mail is unknown, so a login takes as long
	// whether or not the account exists.
	dummyHash string
}

// NewAuth wires authentication.
func NewAuth(st *store.Store, logger *slog.Logger, now Clock) (*Auth, error) {
	h, err := HashPassword(randomToken())
	if err != nil {
		return nil, err
	}
	return &Auth{store: st, logger: logger, now: now, dummyHash: h}, nil
}

// LoginResult is a new session: the cookie value (shown once) and its CSRF token.
type LoginResult struct {
	User        *models.User
	CookieValue string
	CSRFToken   string
	ExpiresAt   time.Time
}

// Login checks a password and opens a session. clientIP feeds the per-address limit.
func (a *Auth) Login(ctx context.Context, req models.LoginRequest, clientIP string) (*LoginResult, error) {
	now := a.now()
	email := models.NormalizeEmail(req.Email)
	for _, k := range []struct {
		key   string
		limit int
	}{{"login-email:" + email, LoginLimitPerUser}, {"login-ip:" + clientIP, LoginLimitPerIP}} {
		hit, err := a.store.TakeHit(ctx, k.key, k.limit, LoginWindow, now)
		if err != nil {
			return nil, err
		}
		if !hit.Allowed {
			return nil, models.RateLimited("too many login attempts; try again in a minute")
		}
	}
	u, err := a.store.GetUserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	hash := a.dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	ok, err := argon2id.ComparePasswordAndHash(req.Password, hash)
	if err != nil || !ok || u == nil || !u.Active {
		return nil, models.Unauthorized("invalid_credentials", "wrong e-mail or password")
	}
	cookie := randomToken() + randomToken()
	sess := &models.Session{ID: hashToken(cookie), UserID: u.ID, CSRFToken: randomToken(),
		CreatedAt: now, ExpiresAt: now.Add(SessionLifetime)}
	if err := a.store.InsertSession(ctx, sess); err != nil {
		return nil, err
	}
	a.logger.Info("login", "user", u.ID)
	return &LoginResult{User: u, CookieValue: cookie, CSRFToken: sess.CSRFToken, ExpiresAt: sess.ExpiresAt}, nil
}

// Logout ends the session of the principal.
func (a *Auth) Logout(ctx context.Context, p *Principal) error {
	if p == nil || p.SessionID == "" {
		return nil
	}
	return a.store.DeleteSession(ctx, p.SessionID)
}

// SessionPrincipal resolves a session cookie value to its principal.
func (a *Auth) SessionPrincipal(ctx context.Context, cookieValue string) (*Principal, error) {
	sess, err := a.store.GetSession(ctx, hashToken(cookieValue))
	if errors.Is(err, store.ErrNotFound) {
		return nil, models.Unauthorized("unauthenticated", "your session has ended; log in again")
	}
	if err != nil {
		return nil, err
	}
	if !a.now().Before(sess.ExpiresAt) {
		_ = a.store.DeleteSession(ctx, sess.ID)
		return nil, models.Unauthorized("unauthenticated", "your session has ended; log in again")
	}
	u, err := a.activeUser(ctx, sess.UserID)
	if err != nil {
		return nil, err
	}
	return &Principal{User: u, SessionID: sess.ID, CSRFToken: sess.CSRFToken}, nil
}

// CheckCSRF compares the request's CSRF header with the session's token in constant time.
func (p *Principal) CheckCSRF(header string) bool {
	if p.ViaToken {
		return true // bearer tokens are not sent by browsers on their own
	}
	return header != "" && subtle.ConstantTimeCompare([]byte(header), []byte(p.CSRFToken)) == 1
}

// TokenPrincipal resolves a bearer API token to its principal.
func (a *Auth) TokenPrincipal(ctx context.Context, secret string) (*Principal, error) {
	if !strings.HasPrefix(secret, APITokenPrefix) {
		return nil, models.Unauthorized("unauthenticated", "invalid API token")
	}
	h := hashToken(secret)
	t, err := a.store.GetAPIToken(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return nil, models.Unauthorized("unauthenticated", "invalid API token")
	}
	if err != nil {
		return nil, err
	}
	u, err := a.activeUser(ctx, t.UserID)
	if err != nil {
		return nil, err
	}
	now := a.now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		_ = a.store.TouchAPIToken(ctx, h, now) // best effort; a lost touch only blurs "last used"
	}
	return &Principal{User: u, ViaToken: true}, nil
}

func (a *Auth) activeUser(ctx context.Context, id string) (*models.User, error) {
	u, err := a.store.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !u.Active) {
		return nil, models.Unauthorized("unauthenticated", "this account is not active")
	}
	return u, err
}

// NewAPIToken is a created token with its secret, which is shown once and never stored.
type NewAPIToken struct {
	Token  *models.APIToken `json:"token"`
	Secret string           `json:"secret"`
}

// CreateAPIToken makes a bearer token for the principal's own integrations.
func (a *Auth) CreateAPIToken(ctx context.Context, p *Principal, req models.APITokenCreate) (*NewAPIToken, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	secret := APITokenPrefix + randomToken() + randomToken()
	t := &models.APIToken{ID: hashToken(secret), PublicID: newID(), UserID: p.User.ID, Name: req.Name, CreatedAt: a.now()}
	if err := a.store.InsertAPIToken(ctx, t); err != nil {
		return nil, err
	}
	return &NewAPIToken{Token: t, Secret: secret}, nil
}

// ListAPITokens lists the principal's own tokens.
func (a *Auth) ListAPITokens(ctx context.Context, p *Principal) ([]models.APIToken, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	return a.store.ListAPITokens(ctx, p.User.ID)
}

// RevokeAPIToken deletes one of the principal's tokens.
func (a *Auth) RevokeAPIToken(ctx context.Context, p *Principal, publicID string) error {
	if err := p.Require(models.RoleAgent); err != nil {
		return err
	}
	return notFoundAs(a.store.DeleteAPIToken(ctx, p.User.ID, publicID), "API token")
}
