// Package helpdesk holds Kaiku's case use cases: what happens when a complaint is filed, a
// case is opened, answered or changed, a rule or an SLA clock fires, or the inbox is listed.
// It ties the store and the search index together and keeps the index in step with the
// database. It knows nothing about HTTP. Staff accounts (logins, sessions, users and teams)
// are in package staff, which this one builds on.
//
// It is one package, larger than the others, because its use cases share one way of changing
// a case: whoever changes it (an agent, the customer, the SLA scheduler, a rule, a mail or a
// review) goes through Cases.write or Cases.fileNew, which run the rules and the SLA clocks
// inside the write, keep the index and timers in step and tell everyone in one round
// (casewrite.go). Split up, that write and its rounds would have to be exported to every part.
// That is also why reviews and mail in (review*.go, mailin.go) are here: each files and
// changes cases. Each file is one use case and declares what it needs of the store. A
// subdomain that needs of cases no more than a small interface can give (staff accounts,
// remedies, topics, reports, journey) gets a package of its own, wired here (wiring.go),
// rather than another file here.
package helpdesk

import (
	"errors"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/staff"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/tokens"
)

// Clock tells the time; tests inject a fixed or stepped one.
type Clock func() time.Time

// SystemClock is the real clock in UTC.
func SystemClock() time.Time { return time.Now().UTC() }

// Principal is the staff member a use case is asked by (see staff.Principal); every use case
// here takes one, so the name is kept short.
type Principal = staff.Principal

// The use cases' short names for tokens' random secrets, their stored hashes and identifiers.
func randomToken() string           { return tokens.New() }
func hashToken(token string) string { return tokens.Hash(token) }
func newID() string                 { return tokens.NewID() }

// notFoundAs turns the store's not-found into the domain's.
func notFoundAs(err error, what string) error {
	if errors.Is(err, store.ErrNotFound) {
		return models.NotFound(what)
	}
	return err
}
