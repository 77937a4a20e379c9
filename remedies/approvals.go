package remedies

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// The approval requests have a search index of their own, built on the case index's schema:
// ID, Subject (the case's subject), CustomerName, Status (the request's), Category (the
// option), AssigneeID (the requester), Tags (who may decide), Touchpoint (the case), TeamID
// (who decided), CreatedAt and UpdatedAt. Lists and counts come from it, the documents of a
// page by _id from the database.

// approvalDoc is what the approvals index keeps of a request.
func approvalDoc(a *Approval) search.CaseDoc {
	updated := a.CreatedAt
	if a.DecidedAt != nil {
		updated = *a.DecidedAt
	}
	approvers := a.ApproverIDs
	if approvers == nil {
		approvers = []string{}
	}
	return search.CaseDoc{ID: a.ID, Subject: a.CaseSubject, Body: a.Message + "\n" + a.Comment, CustomerName: a.CustomerName,
		Status: a.Status, Category: a.OptionID, AssigneeID: a.RequestedByID, Tags: approvers, Touchpoint: a.CaseID,
		TeamID: a.DecidedByID, CreatedAt: a.CreatedAt, UpdatedAt: updated, Version: a.Version}
}

// indexApproval puts a request into its index; a failure is logged (RebuildApprovalIndex
// catches up at the next start).
func (s *Service) indexApproval(ctx context.Context, a *Approval) {
	if err := s.Index.Upsert(ctx, approvalDoc(a)); err != nil {
		s.Logger.Warn("approval request not indexed", "approval", a.ID, "err", err)
	}
}

// Approval list filters.
const (
	FilterWaitingForMe = "waiting_for_me"
	FilterMine         = "mine" // requested by me
	FilterAll          = "all"  // managers and admins
)

// ApprovalQuery selects approval requests.
type ApprovalQuery struct {
	Filter string // FilterWaitingForMe (the default), FilterMine, FilterAll
	Status string // "" for any
	Limit  int
	Cursor string
}

// ApprovalPage is one page of requests and the total.
type ApprovalPage struct {
	Items      []Approval
	Total      int
	NextCursor string
}

// visible says whether u may see a: its requester, and managers and admins.
func visible(u *models.User, a *Approval) bool {
	return a.RequestedByID == u.ID || u.Role.AtLeast(models.RoleManager) || slices.Contains(a.ApproverIDs, u.ID)
}

func (s *Service) approvalQuery(u *models.User, q ApprovalQuery) (search.Query, error) {
	sq := search.Query{Limit: q.Limit, Cursor: q.Cursor, Sort: []search.Sort{{Field: search.FieldCreatedAt}}}
	switch q.Filter {
	case "", FilterWaitingForMe:
		sq.Filters = []search.Filter{{Field: search.FieldStatus, Values: []string{ApprovalWaiting}},
			{Field: search.FieldTags, Values: []string{u.ID}}}
	case FilterMine:
		sq.Filters = []search.Filter{{Field: search.FieldAssigneeID, Values: []string{u.ID}}}
		sq.Sort[0].Desc = true
	case FilterAll:
		if !u.Role.AtLeast(models.RoleManager) {
			return sq, models.Forbidden("only managers and admins see every request")
		}
		sq.Sort[0].Desc = true
	default:
		return sq, models.InvalidField("filter", "one of waiting_for_me, mine, all")
	}
	switch q.Status {
	case "":
	case ApprovalWaiting, ApprovalApproved, ApprovalRejected:
		if q.Filter != "" && q.Filter != FilterWaitingForMe {
			sq.Filters = append(sq.Filters, search.Filter{Field: search.FieldStatus, Values: []string{q.Status}})
		}
	default:
		return sq, models.InvalidField("status", "one of waiting, approved, rejected")
	}
	return sq, nil
}

// Approvals lists requests through the index; the page's documents are read by _id.
func (s *Service) Approvals(ctx context.Context, u *models.User, q ApprovalQuery) (*ApprovalPage, error) {
	if err := require(u, models.RoleAgent); err != nil {
		return nil, err
	}
	sq, err := s.approvalQuery(u, q)
	if err != nil {
		return nil, err
	}
	res, err := s.Index.Search(ctx, sq)
	if err != nil {
		if errors.Is(err, search.ErrBadQuery) {
			return nil, models.InvalidField("cursor", "not a cursor from this list")
		}
		return nil, models.Unavailable("search is unavailable", err)
	}
	items, err := s.readHits(ctx, res.Hits)
	if err != nil {
		return nil, err
	}
	return &ApprovalPage{Items: items, Total: res.Total, NextCursor: res.NextCursor}, nil
}

// readHits reads the requests an index search found, by _id, in the hits' order; one deleted
// since it was indexed is left out.
func (s *Service) readHits(ctx context.Context, hits []search.Hit) ([]Approval, error) {
	out := []Approval{}
	for _, h := range hits {
		a, err := s.Store.GetApproval(ctx, h.Doc.ID)
		if errors.Is(err, ErrNotStored) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, nil
}

// WaitingCount is how many requests wait for u (the Approvals badge).
func (s *Service) WaitingCount(ctx context.Context, u *models.User) (int, error) {
	if err := require(u, models.RoleAgent); err != nil {
		return 0, err
	}
	sq, _ := s.approvalQuery(u, ApprovalQuery{Filter: FilterWaitingForMe})
	n, err := s.Index.Count(ctx, sq)
	if err != nil {
		return 0, models.Unavailable("search is unavailable", err)
	}
	return n, nil
}

// Approval reads one request; those u may not see are not found.
func (s *Service) Approval(ctx context.Context, u *models.User, id string) (*Approval, error) {
	if err := require(u, models.RoleAgent); err != nil {
		return nil, err
	}
	a, err := s.Store.GetApproval(ctx, id)
	if err != nil {
		return nil, storeErr(err, "approval request")
	}
	if !visible(u, a) {
		return nil, models.NotFound("approval request")
	}
	return a, nil
}

// CanDecide says whether u may decide a (for the UI; Decide checks again).
func CanDecide(u *models.User, a *Approval, grantedSoFar int64) bool {
	return a.Status == ApprovalWaiting && a.RequestedByID != u.ID &&
		(u.Role == models.RoleAdmin || coversCase(u, grantedSoFar, a.AmountMinor))
}

// DecisionRequest is an approver's answer as it arrives.
type DecisionRequest struct {
	Action      string
	AmountMinor *int64
	AmountText  string
	Comment     string
	Version     int64
}

// Decide approves, rejects or changes the amount of a request, as a conditional write on the
// version the approver saw: of two approvers at once one wins and the other gets a conflict.
// Nobody decides their own request, and the amount granted must be within the approver's own
// limits (admins' limits per case included: they may decide any request, but their month's
// spending still counts).
//
// The decision is written in its case's write, so the case is read once. The request is read
// to find its case (and refuse at once what its state refuses); then, under the locks of the
// case and the request, both are read again in one round while the approver's month is raised
// beside them; the decision is taken on the request and the case as read there, and the
// decided request goes in the round of the case's index mark and timer, before the case with
// its grant or rejection. The request is indexed and its requester told (in the app and by
// e-mail) while the case is stored. A raise whose decision is not stored is taken back.
func (s *Service) Decide(ctx context.Context, u *models.User, id string, req DecisionRequest) (*Approval, *models.Case, error) {
	if err := require(u, models.RoleAgent); err != nil {
		return nil, nil, err
	}
	// What the request alone says; refused only after the checks on the stored request.
	d := Decision{Action: req.Action, Comment: strings.TrimSpace(req.Comment), Version: req.Version}
	var invalid error
	switch {
	case utf8.RuneCountInString(d.Comment) > maxMessage:
		invalid = models.InvalidField("comment", "at most 5000 characters")
	case d.Action == DecideApprove:
	case d.Action == DecideChange:
		amount, given, err := s.amountOf(req.AmountMinor, req.AmountText, u.Locale)
		switch {
		case err != nil:
			invalid = err
		case !given:
			invalid = models.InvalidField("amount", "give the amount to grant")
		case d.Comment == "":
			invalid = models.InvalidField("comment", "say why the amount changes")
		}
		d.AmountMinor = amount
	case d.Action == DecideReject:
		if d.Comment == "" {
			invalid = models.InvalidField("comment", "say why")
		}
	default:
		invalid = models.InvalidField("action", "one of approve, reject, change")
	}
	pre, err := s.Store.GetApproval(ctx, id)
	if err != nil {
		return nil, nil, storeErr(err, "approval request")
	}
	if err := refusal(u, pre, d, invalid); err != nil {
		return nil, nil, err
	}
	now := s.Clock()
	month := MonthOf(now, s.Location)
	approving := d.Action != DecideReject
	amount := int64(0) // what the approver grants (the version checked fixes the amount asked)
	switch d.Action {
	case DecideApprove:
		amount = pre.AmountMinor
	case DecideChange:
		amount = d.AmountMinor
	}
	followUpDays := 0
	if opt, err := s.Store.GetResolutionOption(ctx, pre.OptionID); err == nil {
		followUpDays = opt.FollowUpDays
	}
	// The raise goes out beside the reads under the locks.
	raise := s.raiseAhead(ctx, u, month, amount, approving)

	grantID := s.NewID()
	var (
		read    *Approval // the request as read under the locks
		decided *Approval // the request as decided, stored by Save
		saved   bool
		indexed sync.WaitGroup
	)
	c, err := s.Cases.DecideApproval(ctx, pre.CaseID, id, u, ApprovalWrite{
		Read: func(ctx context.Context) error {
			a, err := s.Store.GetApproval(ctx, id)
			if err != nil {
				return storeErr(err, "approval request")
			}
			read = a
			return nil
		},
		Change: func(c *models.Case) error {
			if !saved { // a case write tried again keeps the decision stored
				if err := refusal(u, read, d, invalid); err != nil {
					return err
				}
				if approving && u.Role != models.RoleAdmin && !coversCase(u, c.GrantedTotal(), amount) {
					return models.Forbidden("the amount is over your own limit per case")
				}
				if err := raise.wait(); err != nil {
					if errors.Is(err, ErrOverLimit) {
						return models.Unprocessable("over_monthly_limit", "the amount is over what is left of your monthly limit")
					}
					return err
				}
				next := *read
				if err := next.decide(d, u, now); err != nil {
					return err
				}
				next.Version = read.Version + 1
				if approving {
					next.GrantID = grantID
				}
				decided = &next
			}
			a := decided
			c.MeetApprovalClock(a.ID, now)
			c.ApprovalDecided(a.ID)
			if !approving {
				c.Timeline = append(c.Timeline, models.TimelineEvent{At: now, ActorID: u.ID, Actor: u.Name, Type: "approval_rejected",
					Data: map[string]string{"approval_id": a.ID, "comment": a.Comment}})
				c.UpdatedAt = now
				return nil
			}
			c.AddGrant(models.Grant{ID: grantID, OptionID: a.OptionID, AmountMinor: a.DecidedAmountMinor, Currency: a.Currency,
				Message: a.Message, GrantedByID: a.RequestedByID, GrantedBy: a.RequestedByName, ApprovedBy: u.Name, ApprovalID: a.ID,
				At: now, FollowUpDays: followUpDays})
			return nil
		},
		Save: func(ctx context.Context) (*Approval, error) {
			if saved {
				return decided, nil
			}
			if err := s.Store.ReplaceApproval(ctx, decided, read.Version); err != nil {
				return nil, storeErr(err, "approval request")
			}
			saved = true
			// The decision stands: the request is indexed while the case is stored.
			a := decided
			indexed.Go(func() { s.indexApproval(ctx, a) })
			return decided, nil
		},
	})
	indexed.Wait()
	if err != nil {
		if !saved {
			raise.undo(ctx)
			return nil, nil, err
		}
		// The decision stands; the case missed its entry. Say so loudly: it needs a person.
		s.Logger.Error("approval decided but the case entry was not written", "approval", id, "case", pre.CaseID, "err", err)
		return decided, nil, err
	}
	return decided, c, nil
}

// refusal is why u may not decide a as d says (nil: they may, so far as the request alone
// tells), in the order the approver is told: requests they may not see are not found.
func refusal(u *models.User, a *Approval, d Decision, invalid error) error {
	switch {
	case !visible(u, a):
		return models.NotFound("approval request")
	case a.RequestedByID == u.ID:
		return models.Forbidden("nobody approves their own request")
	case invalid != nil:
		return invalid
	case a.Version != d.Version:
		return models.StaleVersion("approval", a.Version)
	case a.Status != ApprovalWaiting:
		return models.Conflict("already_decided", "this request has been decided already")
	}
	return nil
}

// RebuildApprovalIndex indexes every request when the approvals index is empty but requests
// exist (a lost index directory, a fresh Meilisearch).
func (s *Service) RebuildApprovalIndex(ctx context.Context, all func(ctx context.Context, fn func(a *Approval) error) error) (int, error) {
	n, err := s.Index.DocCount(ctx)
	if err != nil || n > 0 {
		return 0, err
	}
	count := 0
	err = all(ctx, func(a *Approval) error {
		count++
		return s.Index.Upsert(ctx, approvalDoc(a))
	})
	return count, err
}

// maxCaseApprovals bounds the requests one case's page lists (a case has a handful).
const maxCaseApprovals = 100

// CaseApprovals lists the approval requests made on case caseID to any staff member, oldest
// first, waiting or decided: the case page shows what was asked beside what was granted. They
// are found through the approvals index (its Touchpoint is the request's case) and read by
// _id, never by a scan of the collection. An unknown case is not found.
func (s *Service) CaseApprovals(ctx context.Context, u *models.User, caseID string) ([]Approval, error) {
	if err := require(u, models.RoleAgent); err != nil {
		return nil, err
	}
	if _, err := s.Cases.ReadCase(ctx, caseID); err != nil {
		return nil, err
	}
	res, err := s.Index.Search(ctx, search.Query{Limit: maxCaseApprovals,
		Filters: []search.Filter{{Field: search.FieldTouchpoint, Values: []string{caseID}}},
		Sort:    []search.Sort{{Field: search.FieldCreatedAt}}})
	if err != nil {
		return nil, models.Unavailable("search is unavailable", err)
	}
	found, err := s.readHits(ctx, res.Hits)
	if err != nil {
		return nil, err
	}
	// Everyone working the case sees what waits on it (the timeline says so to all of them
	// already): a second agent must not grant again what the first asked approval for.
	out := []Approval{}
	for _, a := range found {
		if a.CaseID == caseID {
			out = append(out, a)
		}
	}
	return out, nil
}
