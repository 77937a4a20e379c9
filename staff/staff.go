// Package staff holds the staff accounts' use cases: logging in (password, two-factor
// sign-in, the login limits), sessions and API tokens, a user's own account (password,
// "forgot password", sessions), and the administration of users and teams. It resolves a
// request's credentials to a Principal, the staff member every other use case is asked by.
//
// It needs nothing of the cases: helpdesk and handlers build on it, never the other way.
package staff

import (
	"crypto/subtle"
	"errors"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

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
	if p == nil {
		return models.RequireRole(nil, role)
	}
	return models.RequireRole(p.User, role)
}

// CheckCSRF compares the request's CSRF header with the session's token in constant time.
func (p *Principal) CheckCSRF(header string) bool {
	if p.ViaToken {
		return true // bearer tokens are not sent by browsers on their own
	}
	return header != "" && subtle.ConstantTimeCompare([]byte(header), []byte(p.CSRFToken)) == 1
}

// notFoundAs turns the store's not-found into the domain's.
func notFoundAs(err error, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return models.NotFound(what)
	}
	return err
}
