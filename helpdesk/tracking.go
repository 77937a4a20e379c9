package helpdesk

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// The tracking page exchanges the token of a mail link for a cookie scoped to that one case,
// so the token leaves its address bar and history and is in none of its later requests. API
// clients keep naming the case by the token (the token routes of the public API); both reach
// the same use cases through tracked.
//
// The exchange is once per browser, not single-use: the token stays valid (tracking tokens
// have no expiry; each mail mints a fresh one), so the same link still opens the case on
// another device or after the cookie has ended. Making it single-use would lock out a customer
// whose mail client or a link scanner opened the link first.
//
// The cookie value is a random 320-bit secret stored as its SHA-256 under _id with an expiry,
// like staff sessions, rather than a signed value: a lookup by _id is cheap, needs no
// signing key shared by every replica, and one session can be ended by deleting its document.
const (
	TrackingSessionLifetime    = 30 * 24 * time.Hour
	TrackingExchangeWindow     = time.Minute
	TrackingExchangeLimitPerIP = 30
)

// CaseAccess is what a customer's request presents for a case: either a tracking token (the
// token routes, for API clients) or the secret of a tracking cookie with the case reference of
// its path (the tracking page, after the exchange). Build it with TokenAccess or CookieAccess.
type CaseAccess struct {
	byToken   bool
	token     string
	reference string
	secret    string
}

// TokenAccess is a request that names its case by the tracking token alone.
func TokenAccess(token string) CaseAccess { return CaseAccess{byToken: true, token: token} }

// CookieAccess is a request to the case reference with a tracking cookie's secret.
func CookieAccess(reference, secret string) CaseAccess {
	return CaseAccess{reference: reference, secret: secret}
}

// TrackingGrant is an opened tracking session: the case it opens and the cookie (shown once).
type TrackingGrant struct {
	Case        *models.PublicCase
	CookieValue string
	ExpiresAt   time.Time
}

// OpenTracking exchanges a tracking token for a session on its case (the case it was merged
// into, if it was). clientIP feeds the per-address limit, counted in the database like logins.
func (in *Intake) OpenTracking(ctx context.Context, token, clientIP string) (*TrackingGrant, error) {
	now := in.now()
	n, err := in.store.CountHit(ctx, "track-open-ip:"+clientIP, TrackingExchangeWindow, now)
	if err != nil {
		return nil, err
	}
	if n > TrackingExchangeLimitPerIP {
		return nil, models.RateLimited("too many attempts; try again in a minute")
	}
	c, err := in.caseOfToken(ctx, token)
	if err != nil {
		return nil, err
	}
	cookie := randomToken() + randomToken()
	ts := &store.TrackingSession{ID: hashToken(cookie), CaseID: c.ID, CreatedAt: now, ExpiresAt: now.Add(TrackingSessionLifetime)}
	if err := in.store.InsertTrackingSession(ctx, ts); err != nil {
		return nil, err
	}
	return &TrackingGrant{Case: in.publicCase(ctx, c), CookieValue: cookie, ExpiresAt: ts.ExpiresAt}, nil
}

// caseOfToken resolves a tracking token to its case. A wrong token is "not found", never a
// hint that the case exists.
func (in *Intake) caseOfToken(ctx context.Context, token string) (*models.Case, error) {
	if len(token) < 40 || len(token) > 100 {
		return nil, models.NotFound("case")
	}
	hash := hashToken(token)
	if reference, _, ok := strings.Cut(token, "."); ok {
		// A case's own token (caseToken): the case holds its hash.
		c, err := in.store.GetCase(ctx, reference)
		if err != nil {
			return nil, notFoundAs(err, "case")
		}
		if c.TrackingHash == "" || subtle.ConstantTimeCompare([]byte(c.TrackingHash), []byte(hash)) != 1 {
			return nil, models.NotFound("case")
		}
		return in.followMerge(ctx, c)
	}
	id, err := in.store.TrackedCaseID(ctx, hash)
	if err != nil {
		return nil, notFoundAs(err, "case")
	}
	c, err := in.store.GetCase(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "case")
	}
	return in.followMerge(ctx, c)
}

// noTrackingSession is the one answer for a missing, forged, expired or other case's cookie,
// given before the reference is looked at, so it never tells whether a case exists.
func noTrackingSession() error {
	return models.Unauthorized("tracking_session", "open the tracking link from your e-mail again")
}

// tracked resolves a customer's credential to the case they may see: the case a token opens,
// or the case a tracking cookie was issued for, if that is the case the request names. Every
// customer read and write goes through here, whichever credential it came with.
func (in *Intake) tracked(ctx context.Context, a CaseAccess) (*models.Case, error) {
	if a.byToken {
		return in.caseOfToken(ctx, a.token)
	}
	if len(a.secret) < 40 || len(a.secret) > 100 {
		return nil, noTrackingSession()
	}
	ts, err := in.store.GetTrackingSession(ctx, hashToken(a.secret))
	if errors.Is(err, store.ErrNotFound) {
		return nil, noTrackingSession()
	}
	if err != nil {
		return nil, err
	}
	if !in.now().Before(ts.ExpiresAt) {
		_ = in.store.DeleteTrackingSession(ctx, ts.ID) // best effort; the sweep removes it too
		return nil, noTrackingSession()
	}
	if ts.CaseID != a.reference {
		return nil, noTrackingSession()
	}
	c, err := in.store.GetCase(ctx, ts.CaseID)
	if err != nil {
		return nil, notFoundAs(err, "case")
	}
	return in.followMerge(ctx, c)
}
