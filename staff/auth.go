package staff

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/kaiku-helpdesk/kaiku/batch"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/seal"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/tokens"
)

// PasswordParams are argon2id's costs: OWASP's recommended minimum (19 MiB, 2 passes), which
// keeps a login under ~50 ms on one core without letting a flood of logins exhaust memory.
var PasswordParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// HashPassword returns the argon2id hash of a password in PHC string form.
func HashPassword(password string) (string, error) {
	return argon2id.CreateHash(password, PasswordParams)
}

// Login limits, all counted in the database so every replica enforces them.
//
// Failed attempts are counted per account and address together: after LoginFreeFailures in a
// row, each further attempt from that address to that account waits twice as long as the one
// before (1 s, 2 s, 4 s, … up to LoginMaxDelay) and a success clears the count. Someone
// guessing from one address stays slow, and cannot lock the account's owner out from
// anywhere else. Across all addresses, once an account has LoginAccountFailures failures in
// LoginAccountWindow (guessing from many addresses), only addresses that logged in to it
// before may try until the window ends. Each address may also try LoginLimitPerIP times a
// minute across accounts. An IPv6 address counts by its /64, which one host usually holds.
const (
	LoginWindow          = time.Minute
	LoginLimitPerIP      = 30
	LoginFreeFailures    = 5
	LoginMaxDelay        = 15 * time.Minute
	LoginAccountWindow   = time.Hour
	LoginAccountFailures = 100
	loginFailureMemory   = 24 * time.Hour      // a failure streak is forgotten a day after its last attempt
	loginKnownAddress    = 90 * 24 * time.Hour // how long a successful address stays known
	SessionLifetime      = 12 * time.Hour
	APITokenPrefix       = "kaiku_"
)

// loginDelay is how long the attempt after n failed ones in a row must wait.
func loginDelay(n int) time.Duration {
	if n < LoginFreeFailures {
		return 0
	}
	if shift := n - LoginFreeFailures; shift < 20 {
		return min(time.Second<<shift, LoginMaxDelay)
	}
	return LoginMaxDelay
}

// addressKey is the part of a client address that identifies one client: the address itself
// for IPv4, its /64 network for IPv6 (a host can use any address in it).
func addressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// tooManyLogins is the refusal of an attempt that must wait.
func tooManyLogins(wait time.Duration) error {
	e := models.RateLimited("too many login attempts; wait a moment and try again")
	e.RetryAfter = max(wait, time.Second)
	return e
}

// authStore is what Auth needs of the store: sessions, API tokens, login limits and users.
type authStore interface {
	ClaimLoginAttempt(ctx context.Context, key string, delay func(failures int) time.Duration, memory time.Duration, now time.Time) (allowed bool, wait time.Duration, err error)
	CountHit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error)
	DeleteAPIToken(ctx context.Context, userID, publicID string) error
	DeleteSession(ctx context.Context, id string) error
	ForgetLoginFailures(ctx context.Context, key string) error
	GetAPIToken(ctx context.Context, hash string) (*models.APIToken, error)
	GetSession(ctx context.Context, id string) (*models.Session, error)
	GetUser(ctx context.Context, id string) (*models.User, error)
	ActiveUser(ctx context.Context, id string) (*models.User, error)
	GetUserByEmail(ctx context.Context, email string) (*models.User, error)
	HitsSoFar(ctx context.Context, key string, window time.Duration, now time.Time) (int, error)
	InsertAPIToken(ctx context.Context, t *models.APIToken) error
	InsertSession(ctx context.Context, sess *models.Session) error
	KnownLoginAddress(ctx context.Context, key string, now time.Time) (bool, error)
	ListAPITokens(ctx context.Context, userID string) ([]models.APIToken, error)
	RememberLoginAddress(ctx context.Context, key string, expires time.Time) error
	TakeHit(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (*store.Hit, error)
	TouchAPIToken(ctx context.Context, hash string, at time.Time) error
	secondFactorStore
	accountStore
}

// Auth is staff authentication: password login, sessions, API tokens.
type Auth struct {
	store  authStore
	logger *slog.Logger
	now    func() time.Time
	// dummyHash is compared against when the e-mail is unknown, so a login takes as long
	// whether or not the account exists.
	dummyHash string
	// sealer seals TOTP secrets with the installation's secret key.
	sealer *seal.Sealer
	// mailer and baseURL send "forgot password" links (SetMail).
	mailer  resetMailer
	baseURL string
}

// NewAuth wires authentication. secretKey (32 bytes, kept outside the database) seals TOTP
// secrets; nil: a random key for the life of the process (tests).
func NewAuth(st authStore, secretKey []byte, logger *slog.Logger, now func() time.Time) (*Auth, error) {
	h, err := HashPassword(tokens.New())
	if err != nil {
		return nil, err
	}
	sealer, err := seal.New(secretKey)
	if err != nil {
		return nil, err
	}
	return &Auth{store: st, logger: logger, now: now, dummyHash: h, sealer: sealer}, nil
}

// Client is where a login comes from: its address (for limits and the session list) and its
// browser's User-Agent (shown in the session list).
type Client struct {
	Address   string
	UserAgent string
}

// LoginResult is a new session: the cookie value (shown once) and its CSRF token. When the
// account has two-factor sign-in, no session is opened yet: Challenge is the token of the
// second step (SecondFactor), and nothing else is set.
type LoginResult struct {
	User        *models.User
	CookieValue string
	CSRFToken   string
	ExpiresAt   time.Time
	Challenge   string
	// EnrolOnly: the session may only enrol in two-factor sign-in (required for the role).
	EnrolOnly bool
}

// Login checks a password and opens a session, or, for an account with two-factor sign-in,
// a challenge for the second step. client.Address feeds the per-address limit.
func (a *Auth) Login(ctx context.Context, req models.LoginRequest, client Client) (*LoginResult, error) {
	clientIP := client.Address
	now := a.now()
	email := models.NormalizeEmail(req.Email)
	address := addressKey(clientIP)
	hit, err := a.store.TakeHit(ctx, "login-ip:"+address, LoginLimitPerIP, LoginWindow, now)
	if err != nil {
		return nil, err
	}
	if !hit.Allowed {
		return nil, tooManyLogins(now.Truncate(LoginWindow).Add(LoginWindow).Sub(now))
	}
	pair := tokens.Hash(email + "\x00" + address)
	accountFailures := "login-failures:" + tokens.Hash(email)
	if n, err := a.store.HitsSoFar(ctx, accountFailures, LoginAccountWindow, now); err != nil {
		return nil, err
	} else if n >= LoginAccountFailures {
		known, err := a.store.KnownLoginAddress(ctx, pair, now)
		if err != nil {
			return nil, err
		}
		if !known {
			return nil, tooManyLogins(now.Truncate(LoginAccountWindow).Add(LoginAccountWindow).Sub(now))
		}
	}
	allowed, wait, err := a.store.ClaimLoginAttempt(ctx, pair, loginDelay, loginFailureMemory, now)
	if err != nil {
		return nil, err
	}
	if !allowed {
		return nil, tooManyLogins(wait)
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
		if _, err := a.store.CountHit(ctx, accountFailures, LoginAccountWindow, now); err != nil {
			a.logger.Warn("count failed login", "err", err)
		}
		return nil, models.Unauthorized("invalid_credentials", "wrong e-mail or password")
	}
	if errs := batch.InOneRound(
		func() error { return a.store.ForgetLoginFailures(ctx, pair) },
		func() error { return a.store.RememberLoginAddress(ctx, pair, now.Add(loginKnownAddress)) },
	); errors.Join(errs...) != nil {
		a.logger.Warn("record successful login", "err", errors.Join(errs...))
	}
	tf, err := a.store.GetTwoFactor(ctx, u.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if tf != nil && tf.Enabled {
		return a.challenge(ctx, u, client)
	}
	enrolOnly := false
	if u.Role.AtLeast(models.RoleManager) {
		settings, err := a.store.SecuritySettings(ctx)
		if err != nil {
			return nil, err
		}
		enrolOnly = settings.RequireTwoFactor
	}
	return a.openSession(ctx, u, client, enrolOnly)
}

// openSession opens a session for u, a user who has proved who they are.
func (a *Auth) openSession(ctx context.Context, u *models.User, client Client, enrolOnly bool) (*LoginResult, error) {
	now := a.now()
	cookie := tokens.New() + tokens.New()
	sess := &models.Session{ID: tokens.Hash(cookie), UserID: u.ID, CSRFToken: tokens.New(),
		CreatedAt: now, ExpiresAt: now.Add(SessionLifetime),
		UserAgent: truncate(client.UserAgent, 300), Address: client.Address, LastSeenAt: now, EnrolOnly: enrolOnly}
	if err := a.store.InsertSession(ctx, sess); err != nil {
		return nil, err
	}
	a.logger.Info("login", "user", u.ID)
	return &LoginResult{User: u, CookieValue: cookie, CSRFToken: sess.CSRFToken, ExpiresAt: sess.ExpiresAt, EnrolOnly: enrolOnly}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
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
	sess, err := a.store.GetSession(ctx, tokens.Hash(cookieValue))
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
	if now := a.now(); now.Sub(sess.LastSeenAt) > time.Minute {
		_ = a.store.TouchSession(ctx, sess.ID, now) // best effort; a lost touch only blurs "last seen"
	}
	return &Principal{User: u, SessionID: sess.ID, CSRFToken: sess.CSRFToken, EnrolOnly: sess.EnrolOnly}, nil
}

// TokenPrincipal resolves a bearer API token to its principal.
func (a *Auth) TokenPrincipal(ctx context.Context, secret string) (*Principal, error) {
	if !strings.HasPrefix(secret, APITokenPrefix) {
		return nil, models.Unauthorized("unauthenticated", "invalid API token")
	}
	h := tokens.Hash(secret)
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
	u, err := a.store.ActiveUser(ctx, id)
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
	secret := APITokenPrefix + tokens.New() + tokens.New()
	t := &models.APIToken{ID: tokens.Hash(secret), PublicID: tokens.NewID(), UserID: p.User.ID, Name: req.Name, CreatedAt: a.now()}
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
