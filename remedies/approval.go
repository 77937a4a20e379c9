package remedies

import (
	"errors"
	"slices"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// Approval statuses.
const (
	ApprovalWaiting  = "waiting"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
)

// Approval is a grant over the requester's limit waiting for someone whose limit covers it. It
// is a document of its own (read and written by _id, listed through its search index) and each
// decision is a conditional write on its version, so of two approvers acting at once one wins.
type Approval struct {
	ID              string `bson:"_id" json:"id"`
	CaseID          string `bson:"case_id" json:"case_id"`
	CaseSubject     string `bson:"case_subject" json:"case_subject"`
	CustomerName    string `bson:"customer_name" json:"customer_name"`
	ExpectedOutcome string `bson:"expected_outcome" json:"expected_outcome"`
	OptionID        string `bson:"option_id" json:"option_id"`
	// AmountMinor is what was asked for; DecidedAmountMinor what the approver granted.
	AmountMinor        int64  `bson:"amount_minor" json:"amount_minor"`
	DecidedAmountMinor int64  `bson:"decided_amount_minor" json:"decided_amount_minor"`
	Currency           string `bson:"currency" json:"currency"`
	Message            string `bson:"message" json:"message"`
	// Reason says which limit the grant was over: "case" or "month".
	Reason          string `bson:"reason" json:"reason"`
	RequestedByID   string `bson:"requested_by_id" json:"requested_by_id"`
	RequestedByName string `bson:"requested_by_name" json:"requested_by_name"`
	// ApproverIDs are the people whose limit covered the request when it was made (and the
	// admins): its "waiting for me" list.
	ApproverIDs   []string   `bson:"approver_ids" json:"-"`
	Status        string     `bson:"status" json:"status"`
	DecidedByID   string     `bson:"decided_by_id,omitempty" json:"decided_by_id,omitempty"`
	DecidedByName string     `bson:"decided_by_name,omitempty" json:"decided_by_name,omitempty"`
	Comment       string     `bson:"comment,omitempty" json:"comment,omitempty"`
	GrantID       string     `bson:"grant_id,omitempty" json:"grant_id,omitempty"`
	CreatedAt     time.Time  `bson:"created_at" json:"created_at"`
	DecidedAt     *time.Time `bson:"decided_at,omitempty" json:"decided_at,omitempty"`
	Version       int64      `bson:"version" json:"version"`
	// The request's clock (see clock.go): the target it ran on, when it warns and is due.
	TargetMinutes int        `bson:"target_minutes,omitempty" json:"target_minutes,omitempty"`
	WarnAt        *time.Time `bson:"warn_at,omitempty" json:"warn_at,omitempty"`
	DueAt         *time.Time `bson:"due_at,omitempty" json:"due_at,omitempty"`
}

// Decision actions.
const (
	DecideApprove = "approve"
	DecideReject  = "reject"
	DecideChange  = "change" // approve a different amount
)

// Decision is an approver's answer, taken on the version they saw.
type Decision struct {
	Action      string
	AmountMinor int64 // for change
	Comment     string
	Version     int64
}

// ErrOverLimit is the store's answer when raising a monthly spending counter would pass the
// limit.
var ErrOverLimit = errors.New("remedies: over the monthly limit")

// Storage errors the Service understands; the store wraps its own errors in these.
var (
	ErrNotStored       = errors.New("remedies: not stored")
	ErrDuplicateID     = errors.New("remedies: duplicate id")
	ErrVersionMismatch = errors.New("remedies: version mismatch")
)

// decide applies d to a by decider at now. It refuses a stale version, a request already
// decided and the requester's own decision; the caller checks authority beforehand.
func (a *Approval) decide(d Decision, decider *models.User, now time.Time) error {
	if a.Version != d.Version {
		return models.StaleVersion("approval", a.Version)
	}
	if a.Status != ApprovalWaiting {
		return models.Conflict("already_decided", "this request has been decided already")
	}
	if a.RequestedByID == decider.ID {
		return models.Forbidden("nobody approves their own request")
	}
	switch d.Action {
	case DecideApprove:
		a.Status, a.DecidedAmountMinor = ApprovalApproved, a.AmountMinor
	case DecideChange:
		a.Status, a.DecidedAmountMinor = ApprovalApproved, d.AmountMinor
	case DecideReject:
		a.Status = ApprovalRejected
	}
	a.DecidedByID, a.DecidedByName, a.Comment = decider.ID, decider.Name, d.Comment
	at := now
	a.DecidedAt = &at
	return nil
}

// approversFor lists who may decide a request for amount on a case that has granted so far:
// the active users other than the requester whose own limit per case covers it, and the
// admins, who keep the limits and so are never without authority.
func approversFor(users []models.User, requesterID string, grantedSoFar, amount int64) []string {
	ids := []string{}
	for _, u := range users {
		if !u.Active || u.ID == requesterID {
			continue
		}
		if u.Role == models.RoleAdmin || coversCase(&u, grantedSoFar, amount) {
			ids = append(ids, u.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// coversCase says whether u's limit per case covers amount on a case that has granted
// grantedSoFar already.
func coversCase(u *models.User, grantedSoFar, amount int64) bool {
	return grantedSoFar+amount <= u.AuthorityLimitCents
}

// MonthOf is the calendar month of t in the installation's time zone ("2026-03"): the key of
// a user's monthly spending counter.
func MonthOf(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01")
}
