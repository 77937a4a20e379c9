// Package helpdesk holds Kaiku's use cases: what happens when staff log in, open or change a
// case, or list the inbox. It ties the store and the search index together and keeps the index
// in step with the database. It knows nothing about HTTP.
//
// It is one package, larger than the others, because its use cases share one way of changing
// a case: whoever changes it (an agent, the customer, the SLA scheduler, a rule) goes through
// Cases.write or Cases.fileNew, which run the rules and the SLA clocks inside the write, keep
// the index and timers in step and tell everyone in one round (casewrite.go). Split up, that
// write and its rounds would have to be exported to every part. Each file is one use case and
// declares what it needs of the store. A new subdomain (remedies, reviews, reports) gets a
// package of its own on top of this one rather than another file here.
package helpdesk

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// Clock tells the time; tests inject a fixed or stepped one.
type Clock func() time.Time

// SystemClock is the real clock in UTC.
func SystemClock() time.Time { return time.Now().UTC() }

// Principal is who makes a request: a staff user, authenticated by session or API token.
type Principal struct {
	User      *models.User
	SessionID string // empty for API tokens
	CSRFToken string // empty for API tokens
	ViaToken  bool
	// EnrolOnly: the session may only enrol in two-factor sign-in, which the user's role
	// requires, before it may do anything else.
	EnrolOnly bool
}

// Actor names the principal on a case timeline.
func (p *Principal) Actor() models.Actor { return models.Actor{ID: p.User.ID, Name: p.User.Name} }

// Require refuses principals below role.
func (p *Principal) Require(role models.Role) error {
	if p == nil || p.User == nil {
		return models.Unauthorized("unauthenticated", "log in first")
	}
	if !p.User.Role.AtLeast(role) {
		return models.Forbidden("this needs the " + string(role) + " role")
	}
	return nil
}

// randomToken returns a URL-safe token of 160 random bits.
func randomToken() string {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the OS entropy source is gone; nothing is safe
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// hashToken is how tokens are stored: only their SHA-256 (they carry 160 random bits, so a
// fast hash is enough; passwords get argon2id).
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newID returns a short random identifier for users, teams, messages.
func newID() string { return randomToken()[:16] }

// notFoundAs turns the store's not-found into the domain's.
func notFoundAs(err error, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return models.NotFound(what)
	}
	return err
}
