package helpdesk

import (
	"context"
	"errors"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// The tracking page exchanges the token of a mail link for a cookie scoped to that one case,
// so the token leaves the address bar and history and never travels in a request path.
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

// CaseAccess is what a cookie-authenticated tracking request presents: the case reference in
// its path and the secret of its tracking cookie.
type CaseAccess struct {
	Reference string
	Secret    string
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
	p := c.Public()
	return &TrackingGrant{Case: &p, CookieValue: cookie, ExpiresAt: ts.ExpiresAt}, nil
}

// caseOfToken resolves a tracking token to its case. A wrong token is "not found", never a
// hint that the case exists.
func (in *Intake) caseOfToken(ctx context.Context, token string) (*models.Case, error) {
	if len(token) < 40 || len(token) > 100 {
		return nil, models.NotFound("case")
	}
	id, err := in.store.TrackedCaseID(ctx, hashToken(token))
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

// tracked resolves a tracking cookie to the case it opens, if that is the case the request
// names.
func (in *Intake) tracked(ctx context.Context, a CaseAccess) (*models.Case, error) {
	if len(a.Secret) < 40 || len(a.Secret) > 100 {
		return nil, noTrackingSession()
	}
	ts, err := in.store.GetTrackingSession(ctx, hashToken(a.Secret))
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
	if ts.CaseID != a.Reference {
		return nil, noTrackingSession()
	}
	c, err := in.store.GetCase(ctx, ts.CaseID)
	if err != nil {
		return nil, notFoundAs(err, "case")
	}
	return in.followMerge(ctx, c)
}
