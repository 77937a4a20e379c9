package remedies

import (
	"context"
	"errors"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// ClockSettings are the installation's target for deciding an approval request: business
// time on the case's SLA calendar (the default calendar for a case under none), with a warning
// at a share of it. Its warnings and breaches are the case's SLA events of the clock
// "approval", so the sla_warning and sla_breach rules escalate a request waiting too long.
type ClockSettings struct {
	ID string `bson:"_id" json:"-"`
	// TargetMinutes is the business time to a decision; 0 runs no clock.
	TargetMinutes int       `bson:"target_minutes" json:"target_minutes"`
	WarnAtPercent int       `bson:"warn_at_percent" json:"warn_at_percent"`
	UpdatedAt     time.Time `bson:"updated_at" json:"updated_at"`
	Version       int64     `bson:"version" json:"version"`
}

// ClockSettingsID is the settings document's _id.
const ClockSettingsID = "approval_clock"

// DefaultClockSettings: a decision within 4 business hours, warned at 75% (3 hours).
func DefaultClockSettings() ClockSettings {
	return ClockSettings{ID: ClockSettingsID, TargetMinutes: 240, WarnAtPercent: 75}
}

// ClockSettingsUpdate is what an admin sets, on the version they saw (0 before the first save).
type ClockSettingsUpdate struct {
	TargetMinutes int   `json:"target_minutes" validate:"min=0,max=43200"`
	WarnAtPercent int   `json:"warn_at_percent" validate:"min=0,max=99"`
	Version       int64 `json:"version" validate:"min=0"`
}

// ApprovalClock reads the approval target (every staff member: the approvals view shows it).
func (s *Service) ApprovalClock(ctx context.Context, u *models.User) (*ClockSettings, error) {
	if err := require(u, models.RoleAgent); err != nil {
		return nil, err
	}
	return s.Store.ApprovalClockSettings(ctx)
}

// SetApprovalClock changes the approval target (admins); requests made from now on run on it.
func (s *Service) SetApprovalClock(ctx context.Context, u *models.User, req ClockSettingsUpdate) (*ClockSettings, error) {
	if err := require(u, models.RoleAdmin); err != nil {
		return nil, err
	}
	cs := &ClockSettings{ID: ClockSettingsID, TargetMinutes: req.TargetMinutes, WarnAtPercent: req.WarnAtPercent,
		UpdatedAt: s.Clock(), Version: req.Version + 1}
	err := s.Store.SaveApprovalClockSettings(ctx, cs, req.Version)
	if errors.Is(err, ErrDuplicateID) || errors.Is(err, ErrVersionMismatch) {
		return nil, models.Conflict("version_conflict", "the approval clock was changed by someone else; reload it")
	}
	if err != nil {
		return nil, err
	}
	return cs, nil
}

// startClock is the clock of a new request a on case c at now, per the settings (nil: none);
// the request keeps its due and warning times for the approvals view.
func (s *Service) startClock(ctx context.Context, a *Approval, c *models.Case, now time.Time) (*models.SLAClock, error) {
	cs, err := s.Store.ApprovalClockSettings(ctx)
	if err != nil {
		return nil, err
	}
	if cs.TargetMinutes <= 0 {
		return nil, nil
	}
	cal, err := s.Cases.CalendarOf(ctx, c)
	if err != nil {
		return nil, err
	}
	k := models.NewApprovalClock(a.ID, time.Duration(cs.TargetMinutes)*time.Minute, cs.WarnAtPercent, cal, now)
	a.TargetMinutes, a.DueAt, a.WarnAt = cs.TargetMinutes, k.DueAt, k.WarnAt
	return &k, nil
}

// Clock states of a request, as the approvals view shows them.
const (
	ClockNone     = ""         // no clock ran
	ClockOnTrack  = "on_track" // waiting, before the warning
	ClockWarning  = "warning"  // waiting, past the warning
	ClockBreached = "breached" // waiting, past due
	ClockMet      = "met"      // decided in time
	ClockMetLate  = "met_late" // decided after it was due
)

// ClockState is where a's clock stands at now.
func (a *Approval) ClockState(now time.Time) string {
	switch {
	case a.DueAt == nil && a.WarnAt == nil:
		return ClockNone
	case a.DecidedAt != nil:
		if a.DueAt != nil && !a.DecidedAt.Before(*a.DueAt) {
			return ClockMetLate
		}
		return ClockMet
	case a.DueAt != nil && !now.Before(*a.DueAt):
		return ClockBreached
	case a.WarnAt != nil && !now.Before(*a.WarnAt):
		return ClockWarning
	}
	return ClockOnTrack
}

// Now is the Service's clock (the approvals view reads clock states at it).
func (s *Service) Now() time.Time { return s.Clock() }
