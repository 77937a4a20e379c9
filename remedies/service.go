package remedies

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// Store is the persistence the Service needs (store.Store implements it).
type Store interface {
	ListResolutionOptions(ctx context.Context) ([]Option, error)
	GetResolutionOption(ctx context.Context, id string) (*Option, error)
	InsertResolutionOption(ctx context.Context, o *Option) error
	UpdateResolutionOption(ctx context.Context, id string, mutate func(o *Option) error) (*Option, error)
	// RaiseMonthlySpend adds amount to the user's counter for month unless that would pass
	// limit (ErrOverLimit), as one conditional write: two grants at once cannot both pass.
	RaiseMonthlySpend(ctx context.Context, userID, month string, amount, limit int64) (int64, error)
	LowerMonthlySpend(ctx context.Context, userID, month string, amount int64) error
	MonthlySpend(ctx context.Context, userID, month string) (int64, error)
	InsertApproval(ctx context.Context, a *Approval) error
	GetApproval(ctx context.Context, id string) (*Approval, error)
	// ReplaceApproval writes a decided request (a carries its new version) over the one read
	// at version read, under the request's lock (Cases.DecideApproval's Read); a stale read
	// gives ErrVersionMismatch.
	ReplaceApproval(ctx context.Context, a *Approval, read int64) error
	UsersSnapshot(ctx context.Context) ([]models.User, error)
	ApprovalClockSettings(ctx context.Context) (*ClockSettings, error)
	// SaveApprovalClockSettings replaces the settings if their stored version is expected
	// (0: none stored yet), else ErrVersionMismatch.
	SaveApprovalClockSettings(ctx context.Context, cs *ClockSettings, expected int64) error
}

// Cases is how the Service reads and changes a case: through the case use case, so a grant is
// indexed, announced and runs the rules like any other change.
type Cases interface {
	AmendCase(ctx context.Context, id string, by *models.User, change func(c *models.Case) error) (*models.Case, error)
	// GrantCase is a grant's write of its case (see GrantWrite): it runs the case_updated
	// rules on a grant, the approval_requested rules (conditions on the option and the
	// amount) on a grant that became an approval request.
	GrantCase(ctx context.Context, id string, by *models.User, optionID string, amountMinor int64, w GrantWrite) (*models.Case, error)
	// CalendarOf is the business calendar a case's clocks count on.
	CalendarOf(ctx context.Context, c *models.Case) (businesstime.Calendar, error)
	// DecideApproval writes approval request approvalID's decision in the write of its case
	// caseID (see ApprovalWrite) and tells the requester of a decision stored, in the app and
	// by e-mail (a failure to tell is its own to log).
	DecideApproval(ctx context.Context, caseID, approvalID string, by *models.User, w ApprovalWrite) (*models.Case, error)
	// ReadCase reads case id by _id; none is a models.NotFound error.
	ReadCase(ctx context.Context, id string) (*models.Case, error)
}

// ApprovalWrite is an approver's decision written with its case, in one conditional write of
// the case: the request's lock is held with the case's, Read reads the request in the same
// round as the case is read, Change decides on both and changes the case, and Save stores the
// decided request in the round before the case is stored (the case is written only if Save
// succeeds) and returns it. Read, Change and Save run again if the case's write is tried again
// (another replica wrote the case); a decision stored stays stored.
type ApprovalWrite struct {
	Read   func(ctx context.Context) error
	Change func(c *models.Case) error
	Save   func(ctx context.Context) (*Approval, error)
}

// GrantWrite is a grant written in one conditional write of its case, whether it is granted
// or, over a limit, becomes an approval request: Change decides on the case as read, and
// either adds the grant or notes the request on the case, and says which (asked); Save stores
// the request, when Change made one, in the round of the case's index mark and timer, before
// the case (which is written only if Save succeeds). Both run again if the case's write is
// tried again; a request stored stays the answer.
type GrantWrite struct {
	Change func(c *models.Case) (asked bool, err error)
	Save   func(ctx context.Context) error
}

// Config is what the Service is built from.
type Config struct {
	Store    Store
	Cases    Cases
	Index    search.Index // the approval requests' index (not the cases')
	Logger   *slog.Logger
	Clock    func() time.Time
	Currency string
	Location *time.Location // the installation's time zone, for calendar months
	NewID    func() string
}

// Service is the remedies use case: the catalogue, grants within limits, and approvals.
type Service struct{ Config }

// New builds the Service.
func New(c Config) *Service {
	if c.Location == nil {
		c.Location = time.UTC
	}
	return &Service{Config: c}
}

// Currency is the installation's one currency, with its number of decimals.
func (s *Service) Currency() (string, int) { return s.Config.Currency, MinorDigits(s.Config.Currency) }

func require(u *models.User, role models.Role) error { return models.RequireRole(u, role) }

// Options lists the catalogue in its order; every staff member reads it (the grant form).
func (s *Service) Options(ctx context.Context, u *models.User) ([]Option, error) {
	if err := require(u, models.RoleAgent); err != nil {
		return nil, err
	}
	opts, err := s.Store.ListResolutionOptions(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(opts, func(a, b Option) int {
		if a.Position != b.Position {
			return a.Position - b.Position
		}
		return strings.Compare(a.ID, b.ID)
	})
	return opts, nil
}

// CreateOption adds an option (admins).
func (s *Service) CreateOption(ctx context.Context, u *models.User, req OptionCreate) (*Option, error) {
	if err := require(u, models.RoleAdmin); err != nil {
		return nil, err
	}
	o, err := NewOption(req, s.Clock())
	if err != nil {
		return nil, err
	}
	if err := s.Store.InsertResolutionOption(ctx, o); err != nil {
		if errors.Is(err, ErrDuplicateID) {
			return nil, &models.Error{Kind: models.KindConflict, Code: "conflict", Message: "an option with this id exists",
				Fields: map[string]string{"id": "already in use"}}
		}
		return nil, err
	}
	return o, nil
}

// PatchOption changes an option (admins), on the version the admin saw.
func (s *Service) PatchOption(ctx context.Context, u *models.User, id string, req OptionPatch) (*Option, error) {
	if err := require(u, models.RoleAdmin); err != nil {
		return nil, err
	}
	o, err := s.Store.UpdateResolutionOption(ctx, id, func(o *Option) error {
		if o.Version != req.Version {
			return models.StaleVersion("resolution option", o.Version)
		}
		return o.Apply(req, s.Clock())
	})
	return o, storeErr(err, "resolution option")
}

// storeErr turns the store's answers into domain errors.
func storeErr(err error, what string) error {
	switch {
	case errors.Is(err, ErrNotStored):
		return models.NotFound(what)
	case errors.Is(err, ErrVersionMismatch):
		return models.Conflict("version_conflict", "the "+what+" is being changed by others; try again")
	}
	return err
}

// GrantRequest is an agent's grant on a case. The amount comes as integer minor units, or as
// text the agent typed (parsed in their locale); never as a float.
type GrantRequest struct {
	OptionID    string
	AmountMinor *int64
	AmountText  string
	Message     string
	// Reverses names a grant on the case to undo: a new entry with the opposite amount.
	Reverses string
}

// GrantOutcome says what became of a grant: applied to the case, or waiting for approval.
type GrantOutcome struct {
	Case     *models.Case
	Grant    *models.Grant
	Approval *Approval
}

// maxMessage bounds a grant's message.
const maxMessage = 5000

// amountOf reads the request's amount.
func (s *Service) amountOf(minor *int64, text string, locale string) (int64, bool, error) {
	if minor != nil && text != "" {
		return 0, false, models.InvalidField("amount", "send amount_minor or amount, not both")
	}
	if minor != nil {
		if *minor < 0 || *minor > MaxAmountMinor {
			return 0, false, models.InvalidField("amount_minor", "must be between 0 and 9007199254740991 minor units")
		}
		return *minor, true, nil
	}
	if text != "" {
		_, digits := s.Currency()
		v, err := ParseAmount(text, digits, locale)
		return v, err == nil, err
	}
	return 0, false, nil
}

// Grant gives a remedy on a case. Within the user's limit per case and their month's limit it
// is recorded at once; over either it becomes an approval request.
//
// Either way it is one write of the case, which is read once (the option comes from the
// store's snapshot of the catalogue): the month's counter is raised (one conditional write on
// the counter document, never a sum over grants) while the case write reads the case; the case
// write decides the limit per case on the case as stored and waits for the raise. Within both
// limits it stores the grant with its index mark. Over either it builds the approval request
// on the case as read, stores it in the round of the case's index mark and timer, and notes it
// on the case; the request is indexed while the case is stored. A raise whose grant is not
// stored is taken back.
func (s *Service) Grant(ctx context.Context, u *models.User, caseID string, req GrantRequest) (*GrantOutcome, error) {
	if err := require(u, models.RoleAgent); err != nil {
		return nil, err
	}
	if req.Reverses != "" {
		return s.reverse(ctx, u, caseID, req)
	}
	opt, err := s.Store.GetResolutionOption(ctx, req.OptionID)
	if err != nil || !opt.Active {
		if err != nil && !errors.Is(err, ErrNotStored) {
			return nil, err
		}
		return nil, models.InvalidField("option_id", "no such resolution option")
	}
	amount, given, err := s.amountOf(req.AmountMinor, req.AmountText, u.Locale)
	if err != nil {
		return nil, err
	}
	message := strings.TrimSpace(req.Message)
	switch {
	case opt.HasAmount && (!given || amount == 0):
		return nil, models.InvalidField("amount", "this option needs an amount")
	case !opt.HasAmount && given && amount != 0:
		return nil, models.InvalidField("amount", "this option carries no amount")
	case opt.ReasonRequired && message == "":
		return nil, models.InvalidField("message", "say why")
	case utf8.RuneCountInString(message) > maxMessage:
		return nil, models.InvalidField("message", "at most 5000 characters")
	}
	now := s.Clock()
	currency, _ := s.Currency()
	month := MonthOf(now, s.Location)
	// The raise goes out beside the case write's read of the case.
	raise := s.raiseAhead(ctx, u, month, amount, coversCase(u, 0, amount))
	g := models.Grant{ID: s.NewID(), OptionID: opt.ID, AmountMinor: amount, Currency: currency, Message: message,
		GrantedByID: u.ID, GrantedBy: u.Name, At: now, FollowUpDays: opt.FollowUpDays}
	var (
		asked   *approvalAsked // the request Change made on the case as read, if one
		saved   bool           // the request is stored
		indexed sync.WaitGroup
	)
	written, err := s.Cases.GrantCase(ctx, caseID, u, opt.ID, amount, GrantWrite{
		Change: func(c *models.Case) (bool, error) {
			if saved { // a case write tried again notes the stored request again
				asked.noteOn(c, u, now)
				return true, nil
			}
			asked = nil
			// Decided on the case as stored: another grant on it may have landed since.
			reason := ""
			if !coversCase(u, c.GrantedTotal(), amount) {
				reason = "case"
			} else if err := raise.wait(); errors.Is(err, ErrOverLimit) {
				reason = "month"
			} else if err != nil {
				return false, err
			}
			if reason == "" {
				c.AddGrant(g)
				return false, nil
			}
			a, err := s.newApproval(ctx, u, c, opt, amount, message, reason, now)
			if err != nil {
				return false, err
			}
			asked = a
			a.noteOn(c, u, now)
			return true, nil
		},
		Save: func(ctx context.Context) error {
			if asked == nil || saved {
				return nil
			}
			if err := s.Store.InsertApproval(ctx, asked.approval); err != nil {
				return err
			}
			saved = true
			// The request stands: it is indexed while the case is stored.
			a := asked.approval
			indexed.Go(func() { s.indexApproval(ctx, a) })
			return nil
		},
	})
	indexed.Wait()
	if err != nil || asked != nil {
		raise.undo(ctx) // the grant was not stored
	}
	switch {
	case err != nil && saved:
		// The request stands; its case missed the entry. Say so loudly: it needs a person.
		s.Logger.Error("approval request stored but the case entry was not written", "approval", asked.approval.ID, "case", caseID, "err", err)
		return nil, err
	case err != nil:
		return nil, err
	case asked != nil:
		return &GrantOutcome{Case: written, Approval: asked.approval}, nil
	}
	return &GrantOutcome{Case: written, Grant: &g}, nil
}

// refund takes back a counter raise whose grant was not stored.
func (s *Service) refund(ctx context.Context, userID, month string, amount int64) {
	if amount == 0 {
		return
	}
	if err := s.Store.LowerMonthlySpend(context.WithoutCancel(ctx), userID, month, amount); err != nil {
		s.Logger.Error("monthly spending left raised by a grant that was not stored", "user", userID, "month", month, "amount_minor", amount, "err", err)
	}
}

// reverse records a reversal of one of the case's grants: a new entry, never an edit.
func (s *Service) reverse(ctx context.Context, u *models.User, caseID string, req GrantRequest) (*GrantOutcome, error) {
	var g models.Grant
	c, err := s.Cases.AmendCase(ctx, caseID, u, func(c *models.Case) error {
		var orig *models.Grant
		for i := range c.Grants {
			switch {
			case c.Grants[i].ID == req.Reverses:
				orig = &c.Grants[i]
			case c.Grants[i].Reverses == req.Reverses:
				return models.Conflict("already_reversed", "this grant has been reversed already")
			}
		}
		if orig == nil || orig.Reverses != "" {
			return models.InvalidField("reverses", "no such grant on this case")
		}
		g = models.Grant{ID: s.NewID(), OptionID: orig.OptionID, AmountMinor: -orig.AmountMinor, Currency: orig.Currency,
			Message: strings.TrimSpace(req.Message), GrantedByID: u.ID, GrantedBy: u.Name, Reverses: orig.ID, At: s.Clock()}
		c.AddGrant(g)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &GrantOutcome{Case: c, Grant: &g}, nil
}

// approvalAsked is an approval request made in a grant's case write, with what it notes on
// its case.
type approvalAsked struct {
	approval *Approval
	clock    *models.SLAClock // nil: no approval clock runs
}

// newApproval builds the approval request for a grant over a limit on case c as read, with
// its clock (the approvers and the clock's settings come from the store's snapshots).
func (s *Service) newApproval(ctx context.Context, u *models.User, c *models.Case, opt *Option, amount int64, message, reason string, now time.Time) (*approvalAsked, error) {
	users, err := s.Store.UsersSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	currency, _ := s.Currency()
	a := &Approval{ID: s.NewID(), CaseID: c.ID, CaseSubject: c.Subject, CustomerName: c.Customer.Name,
		ExpectedOutcome: c.ExpectedOutcome, OptionID: opt.ID, AmountMinor: amount, Currency: currency, Message: message,
		Reason: reason, RequestedByID: u.ID, RequestedByName: u.Name,
		ApproverIDs: approversFor(users, u.ID, c.GrantedTotal(), amount), Status: ApprovalWaiting, CreatedAt: now, Version: 1}
	clock, err := s.startClock(ctx, a, c, now)
	if err != nil {
		return nil, err
	}
	return &approvalAsked{approval: a, clock: clock}, nil
}

// noteOn notes the request on its case: the approval_requested timeline entry, its clock, and
// who it waits for.
func (r *approvalAsked) noteOn(c *models.Case, u *models.User, now time.Time) {
	a := r.approval
	c.Timeline = append(c.Timeline, models.TimelineEvent{At: now, ActorID: u.ID, Actor: u.Name, Type: "approval_requested",
		Data: map[string]string{"approval_id": a.ID, "option": a.OptionID, "amount_minor": FormatAmount(a.AmountMinor, 0), "currency": a.Currency, "reason": a.Reason}})
	if r.clock != nil {
		c.StartApprovalClock(*r.clock)
	}
	c.AwaitApproval(a.ID, a.ApproverIDs)
}

// Spending is where a user stands against their limits this month.
type Spending struct {
	Month        string
	SpentMinor   int64
	MonthlyLimit int64
	CaseLimit    int64
	Currency     string
	Digits       int
}

// MySpending tells u their limits and what they have granted this month (the grant form).
func (s *Service) MySpending(ctx context.Context, u *models.User) (*Spending, error) {
	if err := require(u, models.RoleAgent); err != nil {
		return nil, err
	}
	month := MonthOf(s.Clock(), s.Location)
	spent, err := s.Store.MonthlySpend(ctx, u.ID, month)
	if err != nil {
		return nil, err
	}
	currency, digits := s.Currency()
	return &Spending{Month: month, SpentMinor: spent, MonthlyLimit: u.MonthlyLimit(), CaseLimit: u.AuthorityLimitCents,
		Currency: currency, Digits: digits}, nil
}
