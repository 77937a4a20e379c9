package helpdesk

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// DefaultSLAPolicyID is the policy a fresh installation starts with.
const DefaultSLAPolicyID = "default"

// slaStore is what SLA needs of the store: the SLA policies.
type slaStore interface {
	DeleteSLAPolicy(ctx context.Context, id string) error
	GetSLAPolicy(ctx context.Context, id string) (*models.SLAPolicy, error)
	InsertSLAPolicy(ctx context.Context, p *models.SLAPolicy) error
	ListSLAPolicies(ctx context.Context) ([]models.SLAPolicy, error)
	UpdateSLAPolicy(ctx context.Context, p *models.SLAPolicy) error
}

// SLA keeps SLA policies and moves each case's clocks as the case changes.
type SLA struct {
	store slaStore
	now   Clock
}

// NewSLA wires SLA policies.
func NewSLA(st slaStore, now Clock) *SLA { return &SLA{store: st, now: now} }

// EnsureDefaultPolicy creates the default policy when there is none at all: Mon–Fri 08–16
// Helsinki, first response 8/4/2/1 business hours by priority, warning at 75%.
func (s *SLA) EnsureDefaultPolicy(ctx context.Context) error {
	ps, err := s.store.ListSLAPolicies(ctx)
	if err != nil || len(ps) > 0 {
		return err
	}
	enabled, warn, cal := true, 75, businesstime.DefaultCalendar()
	hours := func(first, next, resolve int) models.SLATargetsInput {
		return models.SLATargetsInput{FirstResponseMinutes: first * 60, NextResponseMinutes: next * 60, ResolutionMinutes: resolve * 60}
	}
	p, err := models.NewSLAPolicy(DefaultSLAPolicyID, models.SLAPolicyCreate{
		Name: "Standard", Enabled: &enabled, WarnAtPercent: &warn, Calendar: &cal,
		Targets: map[models.Priority]models.SLATargetsInput{
			models.PriorityLow: hours(16, 16, 80), models.PriorityNormal: hours(8, 8, 40),
			models.PriorityHigh: hours(4, 4, 24), models.PriorityUrgent: hours(1, 2, 8),
		},
	}, s.now())
	if err != nil {
		return err
	}
	if err := s.store.InsertSLAPolicy(ctx, p); err != nil && !store.IsDuplicate(err) {
		return err
	}
	return nil
}

// start puts a new case under the first matching policy.
func (s *SLA) start(ctx context.Context, c *models.Case, now time.Time) error {
	ps, err := s.store.ListSLAPolicies(ctx)
	if err != nil {
		return err
	}
	if p, ok := models.SelectSLAPolicy(ps, c); ok {
		c.StartSLA(p, now)
	}
	return nil
}

// policyOf returns the case's policy; ok is false for a case under none (or a deleted one).
// known, when not nil, holds every policy (read once for many cases by the scheduler).
func (s *SLA) policyOf(ctx context.Context, c *models.Case, known map[string]models.SLAPolicy) (models.SLAPolicy, bool, error) {
	if c.SLAPolicyID == "" {
		return models.SLAPolicy{}, false, nil
	}
	if known != nil {
		p, ok := known[c.SLAPolicyID]
		return p, ok, nil
	}
	// The store's snapshot of the policies (a handful), as the rules are read: a case write
	// needs no round trip for its policy.
	ps, err := s.store.ListSLAPolicies(ctx)
	if err != nil {
		return models.SLAPolicy{}, false, err
	}
	for _, p := range ps {
		if p.ID == c.SLAPolicyID {
			return p, true, nil
		}
	}
	return models.SLAPolicy{}, false, nil
}

// after moves a case's clocks after a change: what names the event (agent or customer reply)
// or is "" for a plain update, where only a status change matters.
func (s *SLA) after(ctx context.Context, c *models.Case, what string, previous models.Status, now time.Time, known map[string]models.SLAPolicy) error {
	p, ok, err := s.policyOf(ctx, c, known)
	if err != nil {
		return err
	}
	if !ok {
		c.StopSLA("policy deleted", now)
		return nil
	}
	switch what {
	case models.SLAOnCustomerReply:
		c.SLAAfter(p, what, previous, now) // it handles the reopening itself
	case models.SLAOnAgentReply:
		c.SLAAfter(p, what, previous, now)
		if c.Status != previous {
			c.SLAAfter(p, models.SLAOnStatus, previous, now)
		}
	default:
		if c.Status != previous {
			c.SLAAfter(p, models.SLAOnStatus, previous, now)
		}
	}
	return nil
}

// List returns every policy, first-matching first; every staff member may read them.
func (s *SLA) List(ctx context.Context, p *Principal) ([]models.SLAPolicy, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	ps, err := s.store.ListSLAPolicies(ctx)
	// The order in which SelectSLAPolicy tries them: position, then name, then ID.
	slices.SortStableFunc(ps, func(a, b models.SLAPolicy) int {
		if a.Position != b.Position {
			return a.Position - b.Position
		}
		if a.Name != b.Name {
			return strings.Compare(a.Name, b.Name)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return ps, err
}

// Get returns one policy.
func (s *SLA) Get(ctx context.Context, p *Principal, id string) (*models.SLAPolicy, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	pol, err := s.store.GetSLAPolicy(ctx, id)
	return pol, notFoundAs(err, "SLA policy")
}

// Create adds a policy (managers and admins).
func (s *SLA) Create(ctx context.Context, p *Principal, req models.SLAPolicyCreate) (*models.SLAPolicy, error) {
	if err := p.Require(models.RoleManager); err != nil {
		return nil, err
	}
	pol, err := models.NewSLAPolicy(newID(), req, s.now())
	if err != nil {
		return nil, err
	}
	return pol, s.store.InsertSLAPolicy(ctx, pol)
}

// Patch changes a policy (managers and admins). Running clocks keep the targets they started
// with; new clocks use the new ones.
func (s *SLA) Patch(ctx context.Context, p *Principal, id string, req models.SLAPolicyPatch) (*models.SLAPolicy, error) {
	if err := p.Require(models.RoleManager); err != nil {
		return nil, err
	}
	pol, err := s.store.GetSLAPolicy(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "SLA policy")
	}
	if pol.Version != req.Version {
		return nil, models.Conflict("version_conflict", "the policy was changed by someone else; reload and try again")
	}
	if err := pol.ApplyPatch(req, s.now()); err != nil {
		return nil, err
	}
	pol.Version++
	if err := s.store.UpdateSLAPolicy(ctx, pol); err != nil {
		if errors.Is(err, store.ErrVersionMismatch) {
			return nil, models.Conflict("version_conflict", "the policy was changed by someone else; reload and try again")
		}
		return nil, err
	}
	return pol, nil
}

// Delete removes a policy (managers and admins). Cases under it keep their clocks but no
// longer move them.
func (s *SLA) Delete(ctx context.Context, p *Principal, id string) error {
	if err := p.Require(models.RoleManager); err != nil {
		return err
	}
	return notFoundAs(s.store.DeleteSLAPolicy(ctx, id), "SLA policy")
}
