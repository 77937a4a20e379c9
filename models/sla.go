package models

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
)

// --- policies ---------------------------------------------------------------------------------

// SLAPolicy sets response and resolution targets for the cases its conditions match. Targets
// count business time on the policy's calendar; FinalAnswerDays is a plain calendar-day deadline
// from the case's creation (eight weeks = 56), which never pauses.
type SLAPolicy struct {
	ID       string `bson:"_id" json:"id"`
	Name     string `bson:"name" json:"name"`
	Enabled  bool   `bson:"enabled" json:"enabled"`
	Position int    `bson:"position" json:"position"` // lower first when several policies match
	// Calendar is embedded: a policy is one document and is read by its ID alone.
	Calendar        businesstime.Calendar   `bson:"calendar" json:"calendar"`
	Targets         map[Priority]SLATargets `bson:"targets" json:"targets"`
	FinalAnswerDays int                     `bson:"final_answer_days" json:"final_answer_days"` // 0 = none
	WarnAtPercent   int                     `bson:"warn_at_percent" json:"warn_at_percent"`     // 0 = no warning
	Conditions      SLAConditions           `bson:"conditions" json:"conditions"`
	CreatedAt       time.Time               `bson:"created_at" json:"created_at"`
	UpdatedAt       time.Time               `bson:"updated_at" json:"updated_at"`
	Version         int64                   `bson:"version" json:"version"`
}

// SLATargets are the business-time targets of one priority; 0 means no target of that kind.
// Stored as durations; in JSON as whole minutes ("first_response_minutes", ...).
type SLATargets struct {
	FirstResponse time.Duration `bson:"first_response" json:"-"`
	NextResponse  time.Duration `bson:"next_response" json:"-"`
	Resolution    time.Duration `bson:"resolution" json:"-"`
}

type slaTargetsJSON struct {
	FirstResponseMinutes int64 `json:"first_response_minutes"`
	NextResponseMinutes  int64 `json:"next_response_minutes"`
	ResolutionMinutes    int64 `json:"resolution_minutes"`
}

// MarshalJSON writes the targets in minutes.
func (t SLATargets) MarshalJSON() ([]byte, error) {
	return json.Marshal(slaTargetsJSON{int64(t.FirstResponse / time.Minute), int64(t.NextResponse / time.Minute), int64(t.Resolution / time.Minute)})
}

// UnmarshalJSON reads targets written by MarshalJSON.
func (t *SLATargets) UnmarshalJSON(b []byte) error {
	var j slaTargetsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*t = SLATargets{time.Duration(j.FirstResponseMinutes) * time.Minute, time.Duration(j.NextResponseMinutes) * time.Minute, time.Duration(j.ResolutionMinutes) * time.Minute}
	return nil
}

// Target returns the target of one clock kind (0 for final_answer, which counts days).
func (t SLATargets) Target(k SLAKind) time.Duration {
	switch k {
	case SLAFirstResponse:
		return t.FirstResponse
	case SLANextResponse:
		return t.NextResponse
	case SLAResolution:
		return t.Resolution
	}
	return 0
}

// SLAConditions pick the cases a policy applies to. Each non-empty list must contain the case's
// value; empty lists match everything.
type SLAConditions struct {
	Channels    []string `bson:"channels" json:"channels" validate:"max=6,dive,oneof=web_form email phone walk_in review api"`
	Categories  []string `bson:"categories" json:"categories" validate:"max=50,dive,min=1,max=80"`
	Touchpoints []string `bson:"touchpoints" json:"touchpoints" validate:"max=8,dive,oneof=web_shop store phone delivery app email social_media other"`
}

// Match reports whether a case meets the conditions (categories compare without case).
func (s SLAConditions) Match(c *Case) bool {
	if len(s.Channels) > 0 && !slices.Contains(s.Channels, string(c.Channel)) {
		return false
	}
	if len(s.Touchpoints) > 0 && !slices.Contains(s.Touchpoints, c.Touchpoint) {
		return false
	}
	if len(s.Categories) > 0 && !slices.ContainsFunc(s.Categories, func(cat string) bool {
		return strings.EqualFold(strings.TrimSpace(cat), strings.TrimSpace(c.Category))
	}) {
		return false
	}
	return true
}

func (s SLAConditions) normalized() SLAConditions {
	clean := func(in []string, lower bool) []string {
		out := make([]string, 0, len(in))
		for _, v := range in {
			v = strings.TrimSpace(v)
			if lower {
				v = strings.ToLower(v)
			}
			if v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		return out
	}
	return SLAConditions{Channels: clean(s.Channels, true), Categories: clean(s.Categories, false), Touchpoints: clean(s.Touchpoints, true)}
}

func (s SLAConditions) validateInto(prefix string, fields map[string]string) {
	check := func(name string, vals []string, max int, allowed []string) {
		if len(vals) > max {
			fields[prefix+name] = fmt.Sprintf("must have at most %d items", max)
		}
		for i, v := range vals {
			v = strings.TrimSpace(v)
			key := fmt.Sprintf("%s%s[%d]", prefix, name, i)
			switch {
			case v == "":
				fields[key] = "must not be empty"
			case len(v) > 80:
				fields[key] = "must be at most 80 characters"
			case allowed != nil && !slices.Contains(allowed, strings.ToLower(v)):
				fields[key] = "must be one of: " + strings.Join(allowed, " ")
			}
		}
	}
	check("channels", s.Channels, len(ChannelNames), ChannelNames)
	check("categories", s.Categories, 50, nil)
	check("touchpoints", s.Touchpoints, len(Touchpoints), Touchpoints)
}

// Applies reports whether the policy is enabled and its conditions match the case.
func (p SLAPolicy) Applies(c *Case) bool { return p.Enabled && p.Conditions.Match(c) }

// SelectSLAPolicy returns the policy for a case: the first enabled one whose conditions match,
// by Position, then name, then ID.
func SelectSLAPolicy(policies []SLAPolicy, c *Case) (SLAPolicy, bool) {
	sorted := slices.Clone(policies)
	slices.SortStableFunc(sorted, func(a, b SLAPolicy) int {
		if a.Position != b.Position {
			return a.Position - b.Position
		}
		if n := strings.Compare(a.Name, b.Name); n != 0 {
			return n
		}
		return strings.Compare(a.ID, b.ID)
	})
	for _, p := range sorted {
		if p.Applies(c) {
			return p, true
		}
	}
	return SLAPolicy{}, false
}

// TargetsFor returns the targets of a priority, falling back to those of normal priority.
func (p SLAPolicy) TargetsFor(pr Priority) (SLATargets, bool) {
	if t, ok := p.Targets[pr]; ok {
		return t, true
	}
	t, ok := p.Targets[PriorityNormal]
	return t, ok
}

// Limits of a policy.
const (
	MaxSLATargetMinutes  = 366 * 24 * 60 // a year of business time
	MaxFinalAnswerDays   = 366
	DefaultWarnAtPercent = 75
)

// SLATargetsInput are the targets of one priority as a client sends them, in minutes.
type SLATargetsInput struct {
	FirstResponseMinutes int `json:"first_response_minutes" validate:"min=0,max=527040"`
	NextResponseMinutes  int `json:"next_response_minutes" validate:"min=0,max=527040"`
	ResolutionMinutes    int `json:"resolution_minutes" validate:"min=0,max=527040"`
}

func (in SLATargetsInput) targets() SLATargets {
	return SLATargets{time.Duration(in.FirstResponseMinutes) * time.Minute, time.Duration(in.NextResponseMinutes) * time.Minute, time.Duration(in.ResolutionMinutes) * time.Minute}
}

// SLAPolicyCreate is what a manager sends to create a policy. Omitted: enabled = true, calendar
// = DefaultCalendar(), warn_at_percent = 75.
type SLAPolicyCreate struct {
	Name            string                       `json:"name" validate:"required,max=120"`
	Enabled         *bool                        `json:"enabled"`
	Position        int                          `json:"position" validate:"min=0,max=100000"`
	Calendar        *businesstime.Calendar       `json:"calendar"`
	Targets         map[Priority]SLATargetsInput `json:"targets" validate:"required,min=1,max=4,dive,keys,oneof=low normal high urgent,endkeys"`
	FinalAnswerDays int                          `json:"final_answer_days" validate:"min=0,max=366"`
	WarnAtPercent   *int                         `json:"warn_at_percent" validate:"omitempty,min=0,max=99"`
	Conditions      SLAConditions                `json:"conditions"`
}

// SLAPolicyPatch changes some fields of a policy; nil means unchanged. Targets and Conditions
// replace the whole map or set. Version must name the version the client saw.
type SLAPolicyPatch struct {
	Version         int64                         `json:"version" validate:"required,min=1"`
	Name            *string                       `json:"name" validate:"omitempty,min=1,max=120"`
	Enabled         *bool                         `json:"enabled"`
	Position        *int                          `json:"position" validate:"omitempty,min=0,max=100000"`
	Calendar        *businesstime.Calendar        `json:"calendar"`
	Targets         *map[Priority]SLATargetsInput `json:"targets" validate:"omitempty,min=1,max=4,dive,keys,oneof=low normal high urgent,endkeys"`
	FinalAnswerDays *int                          `json:"final_answer_days" validate:"omitempty,min=0,max=366"`
	WarnAtPercent   *int                          `json:"warn_at_percent" validate:"omitempty,min=0,max=99"`
	Conditions      *SLAConditions                `json:"conditions"`
}

// Priorities lists the priorities, lowest first.
var Priorities = []Priority{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}

func validateTargets(prefix string, targets map[Priority]SLATargetsInput, fields map[string]string) {
	if len(targets) == 0 {
		fields[prefix] = "must have the targets of at least one priority"
	}
	for pr, t := range targets {
		key := prefix + "[" + string(pr) + "]" // as the validator names map entries
		if !slices.Contains(Priorities, pr) {
			fields[key] = "is not a priority (low, normal, high, urgent)"
			continue
		}
		for name, v := range map[string]int{"first_response_minutes": t.FirstResponseMinutes, "next_response_minutes": t.NextResponseMinutes, "resolution_minutes": t.ResolutionMinutes} {
			if v < 0 || v > MaxSLATargetMinutes {
				fields[key+"."+name] = fmt.Sprintf("must be between 0 and %d", MaxSLATargetMinutes)
			}
		}
	}
}

// Validate checks a create request completely (the struct tags cover only the simple limits).
func (r SLAPolicyCreate) Validate() error {
	fields := map[string]string{}
	if n := strings.TrimSpace(r.Name); n == "" || len(n) > 120 {
		fields["name"] = "is required, at most 120 characters"
	}
	if r.Position < 0 || r.Position > 100000 {
		fields["position"] = "must be between 0 and 100000"
	}
	if r.Calendar != nil {
		r.Calendar.AddFieldErrors("calendar.", fields)
	}
	validateTargets("targets", r.Targets, fields)
	if r.FinalAnswerDays < 0 || r.FinalAnswerDays > MaxFinalAnswerDays {
		fields["final_answer_days"] = fmt.Sprintf("must be between 0 and %d", MaxFinalAnswerDays)
	}
	if r.WarnAtPercent != nil && (*r.WarnAtPercent < 0 || *r.WarnAtPercent > 99) {
		fields["warn_at_percent"] = "must be between 0 and 99"
	}
	r.Conditions.validateInto("conditions.", fields)
	if len(fields) > 0 {
		return Invalid("the SLA policy is not valid", fields)
	}
	return nil
}

// Validate checks a patch on its own; ApplyPatch also checks the result.
func (r SLAPolicyPatch) Validate() error {
	fields := map[string]string{}
	if r.Version < 1 {
		fields["version"] = "is required"
	}
	if r.Name != nil {
		if n := strings.TrimSpace(*r.Name); n == "" || len(n) > 120 {
			fields["name"] = "must be 1 to 120 characters"
		}
	}
	if r.Position != nil && (*r.Position < 0 || *r.Position > 100000) {
		fields["position"] = "must be between 0 and 100000"
	}
	if r.Calendar != nil {
		r.Calendar.AddFieldErrors("calendar.", fields)
	}
	if r.Targets != nil {
		validateTargets("targets", *r.Targets, fields)
	}
	if r.FinalAnswerDays != nil && (*r.FinalAnswerDays < 0 || *r.FinalAnswerDays > MaxFinalAnswerDays) {
		fields["final_answer_days"] = fmt.Sprintf("must be between 0 and %d", MaxFinalAnswerDays)
	}
	if r.WarnAtPercent != nil && (*r.WarnAtPercent < 0 || *r.WarnAtPercent > 99) {
		fields["warn_at_percent"] = "must be between 0 and 99"
	}
	if r.Conditions != nil {
		r.Conditions.validateInto("conditions.", fields)
	}
	if len(fields) > 0 {
		return Invalid("the SLA policy is not valid", fields)
	}
	return nil
}

// checkUseful refuses a policy that would never start a clock.
func (p *SLAPolicy) checkUseful() error {
	if p.FinalAnswerDays > 0 {
		return nil
	}
	for _, t := range p.Targets {
		if t.FirstResponse > 0 || t.NextResponse > 0 || t.Resolution > 0 {
			return nil
		}
	}
	return InvalidField("targets", "set at least one target above 0, or final_answer_days")
}

// NewSLAPolicy validates a create request and builds the policy. The caller supplies the ID.
func NewSLAPolicy(id string, req SLAPolicyCreate, now time.Time) (*SLAPolicy, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	p := &SLAPolicy{
		ID:              id,
		Name:            strings.TrimSpace(req.Name),
		Enabled:         req.Enabled == nil || *req.Enabled,
		Position:        req.Position,
		Calendar:        businesstime.DefaultCalendar(),
		Targets:         map[Priority]SLATargets{},
		FinalAnswerDays: req.FinalAnswerDays,
		WarnAtPercent:   DefaultWarnAtPercent,
		Conditions:      req.Conditions.normalized(),
		CreatedAt:       now,
		UpdatedAt:       now,
		Version:         1,
	}
	if req.Calendar != nil {
		p.Calendar = req.Calendar.Normalized()
	}
	for pr, t := range req.Targets {
		p.Targets[pr] = t.targets()
	}
	if req.WarnAtPercent != nil {
		p.WarnAtPercent = *req.WarnAtPercent
	}
	if err := p.checkUseful(); err != nil {
		return nil, err
	}
	return p, nil
}

// ApplyPatch validates a patch and applies it. It does not check or bump Version (the store does
// that atomically). On error the policy is unchanged.
func (p *SLAPolicy) ApplyPatch(req SLAPolicyPatch, now time.Time) error {
	if err := req.Validate(); err != nil {
		return err
	}
	n := *p
	if req.Name != nil {
		n.Name = strings.TrimSpace(*req.Name)
	}
	if req.Enabled != nil {
		n.Enabled = *req.Enabled
	}
	if req.Position != nil {
		n.Position = *req.Position
	}
	if req.Calendar != nil {
		n.Calendar = req.Calendar.Normalized()
	}
	if req.Targets != nil {
		n.Targets = map[Priority]SLATargets{}
		for pr, t := range *req.Targets {
			n.Targets[pr] = t.targets()
		}
	}
	if req.FinalAnswerDays != nil {
		n.FinalAnswerDays = *req.FinalAnswerDays
	}
	if req.WarnAtPercent != nil {
		n.WarnAtPercent = *req.WarnAtPercent
	}
	if req.Conditions != nil {
		n.Conditions = req.Conditions.normalized()
	}
	if err := n.checkUseful(); err != nil {
		return err
	}
	n.UpdatedAt = now
	*p = n
	return nil
}

// --- clocks -----------------------------------------------------------------------------------

// SLAKind names what a clock measures.
type SLAKind string

const (
	SLAFirstResponse SLAKind = "first_response" // from creation to the first agent reply
	SLANextResponse  SLAKind = "next_response"  // from a customer message to the agent's answer
	SLAResolution    SLAKind = "resolution"     // from creation to resolved
	SLAFinalAnswer   SLAKind = "final_answer"   // calendar days from creation; never paused
	// SLAApproval is an approval request's clock: from the request to the decision, on the
	// installation's approval target (see case_approval.go). It never pauses, and neither the
	// case's due time nor its SLA status counts it: it measures the approvers, not the customer.
	SLAApproval SLAKind = "approval"
)

// SLAState is where a clock is.
type SLAState string

const (
	SLARunning  SLAState = "running"
	SLAPaused   SLAState = "paused" // waiting on the customer
	SLAMet      SLAState = "met"    // done in time
	SLABreached SLAState = "breached"
)

// Display statuses of a clock.
const (
	SLAStatusOnTrack  = "on_track"
	SLAStatusWarning  = "warning"
	SLAStatusBreached = "breached"
)

// SLAEventType names what happened to a clock; each goes on the case timeline as "sla_<type>".
type SLAEventType string

const (
	SLAEventStarted  SLAEventType = "started"
	SLAEventPaused   SLAEventType = "paused"
	SLAEventResumed  SLAEventType = "resumed"
	SLAEventWarned   SLAEventType = "warned"
	SLAEventBreached SLAEventType = "breached"
	SLAEventMet      SLAEventType = "met"
)

// SLAEvent is one thing that happened to a clock.
type SLAEvent struct {
	Clock SLAKind      `json:"clock"`
	Type  SLAEventType `json:"type"`
	// At is when it happened: the threshold instant (WarnAt, DueAt) for warned and breached,
	// which the scheduler may notice a little later; the time of the call for the others.
	At    time.Time  `json:"at"`
	DueAt *time.Time `json:"due_at,omitempty"` // the clock's due time after the event, if any
	Late  bool       `json:"late,omitempty"`   // met after the breach
}

// TimelineEvent renders the event for the case timeline.
func (e SLAEvent) TimelineEvent() TimelineEvent {
	data := map[string]string{"clock": string(e.Clock)}
	if e.DueAt != nil {
		data["due_at"] = e.DueAt.UTC().Format(time.RFC3339)
	}
	if e.Late {
		data["late"] = "true"
	}
	return TimelineEvent{At: e.At, Actor: "SLA", Type: "sla_" + string(e.Type), Data: data}
}

// SLAClock is one SLA timer stored on a case. Business clocks (all but final_answer) count open
// time on the policy's calendar: while paused they have no due time, and resuming recomputes
// DueAt and WarnAt from the business time left. The clock's methods are pure; the caller stores
// the clock and puts the returned events on the timeline.
type SLAClock struct {
	Kind          SLAKind `bson:"kind" json:"kind"`
	PolicyID      string  `bson:"policy_id" json:"policy_id"`
	WarnAtPercent int     `bson:"warn_at_percent" json:"warn_at_percent"`
	// Target is business time for business clocks; calendar time for final_answer.
	Target    time.Duration `bson:"target" json:"-"`
	StartedAt time.Time     `bson:"started_at" json:"started_at"`
	DueAt     *time.Time    `bson:"due_at,omitempty" json:"due_at,omitempty"`   // nil while paused, or if the calendar never opens
	WarnAt    *time.Time    `bson:"warn_at,omitempty" json:"warn_at,omitempty"` // nil if no warning is set or pending
	PausedAt  *time.Time    `bson:"paused_at,omitempty" json:"paused_at,omitempty"`
	// ElapsedBeforePause is the business time used up before the current pause (or the last one).
	ElapsedBeforePause time.Duration `bson:"elapsed_before_pause" json:"-"`
	State              SLAState      `bson:"state" json:"state"`
	// WarnedAt and BreachedAt are when Evaluate emitted the event (the thresholds are WarnAt
	// and DueAt); MetAt is when the goal was reached.
	WarnedAt   *time.Time `bson:"warned_at,omitempty" json:"warned_at,omitempty"`
	BreachedAt *time.Time `bson:"breached_at,omitempty" json:"breached_at,omitempty"`
	MetAt      *time.Time `bson:"met_at,omitempty" json:"met_at,omitempty"`
	// ApprovalID names the approval request an approval clock measures.
	ApprovalID string `bson:"approval_id,omitempty" json:"approval_id,omitempty"`
}

type slaClockAlias SLAClock

type slaClockJSON struct {
	slaClockAlias
	TargetSeconds             int64 `json:"target_seconds"`
	ElapsedBeforePauseSeconds int64 `json:"elapsed_before_pause_seconds"`
}

// MarshalJSON writes the durations as whole seconds (target_seconds,
// elapsed_before_pause_seconds).
func (k SLAClock) MarshalJSON() ([]byte, error) {
	return json.Marshal(slaClockJSON{slaClockAlias(k), int64(k.Target / time.Second), int64(k.ElapsedBeforePause / time.Second)})
}

// UnmarshalJSON reads what MarshalJSON wrote (durations to the second).
func (k *SLAClock) UnmarshalJSON(b []byte) error {
	var j slaClockJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*k = SLAClock(j.slaClockAlias)
	k.Target = time.Duration(j.TargetSeconds) * time.Second
	k.ElapsedBeforePause = time.Duration(j.ElapsedBeforePauseSeconds) * time.Second
	return nil
}

func timePtr(t time.Time) *time.Time { return &t }

func warnOffset(target time.Duration, percent int) time.Duration {
	return time.Duration(int64(target)/100*int64(percent)) + time.Duration(int64(target)%100*int64(percent)/100)
}

// NewSLAClock starts a business clock of target business time at start. Due and warning times
// are computed on cal; if cal never opens, the clock has no due time and never breaches.
func NewSLAClock(kind SLAKind, policyID string, target time.Duration, warnAtPercent int, cal businesstime.Calendar, start time.Time) (SLAClock, SLAEvent) {
	k := SLAClock{Kind: kind, PolicyID: policyID, Target: max(target, 0), WarnAtPercent: warnAtPercent, StartedAt: start, State: SLARunning}
	k.schedule(cal, start)
	return k, SLAEvent{Clock: kind, Type: SLAEventStarted, At: start, DueAt: k.DueAt}
}

// NewFinalAnswerClock starts the calendar-day deadline of a case created at createdAt: due the
// given number of days later at the same wall-clock time in the calendar's zone (holidays and
// opening hours do not matter), warned at the configured share of that span. It never pauses.
func NewFinalAnswerClock(policyID string, days, warnAtPercent int, cal businesstime.Calendar, createdAt time.Time) (SLAClock, SLAEvent) {
	loc := cal.Location()
	due := createdAt.In(loc).AddDate(0, 0, days)
	k := SLAClock{Kind: SLAFinalAnswer, PolicyID: policyID, Target: due.Sub(createdAt), WarnAtPercent: warnAtPercent,
		StartedAt: createdAt, DueAt: &due, State: SLARunning}
	if warnAtPercent > 0 {
		k.WarnAt = timePtr(createdAt.Add(warnOffset(k.Target, warnAtPercent)).In(loc))
	}
	return k, SLAEvent{Clock: SLAFinalAnswer, Type: SLAEventStarted, At: createdAt, DueAt: k.DueAt}
}

// schedule sets DueAt and (unless already warned) WarnAt for a business clock running from now
// with ElapsedBeforePause used up.
func (k *SLAClock) schedule(cal businesstime.Calendar, now time.Time) {
	remaining := max(k.Target-k.ElapsedBeforePause, 0)
	k.DueAt, k.WarnAt = nil, nil
	if due, ok := cal.AddBusinessTime(now, remaining); ok {
		k.DueAt = &due
	}
	if k.WarnAtPercent > 0 && k.WarnedAt == nil {
		left := max(warnOffset(k.Target, k.WarnAtPercent)-k.ElapsedBeforePause, 0)
		if w, ok := cal.AddBusinessTime(now, left); ok {
			k.WarnAt = &w
		}
	}
}

// Evaluate emits the warning and the breach that are due at now and not yet emitted, in that
// order, and records them; a second call at the same or a later time emits nothing again.
// Only running clocks emit. A clock found already past due emits its warning (if it has one and
// it was missed) and its breach together.
func (k *SLAClock) Evaluate(now time.Time) []SLAEvent {
	if k.State != SLARunning {
		return nil
	}
	var ev []SLAEvent
	if k.WarnAt != nil && k.WarnedAt == nil && !now.Before(*k.WarnAt) {
		k.WarnedAt = timePtr(now)
		ev = append(ev, SLAEvent{Clock: k.Kind, Type: SLAEventWarned, At: *k.WarnAt, DueAt: k.DueAt})
	}
	if k.DueAt != nil && k.BreachedAt == nil && !now.Before(*k.DueAt) {
		k.BreachedAt = timePtr(now)
		k.State = SLABreached
		ev = append(ev, SLAEvent{Clock: k.Kind, Type: SLAEventBreached, At: *k.DueAt, DueAt: k.DueAt})
	}
	return ev
}

// Pause stops a running business clock while the case waits on the customer. It first emits what
// was due before now (a clock past due is breached and stays so, not paused). The business time
// left is measured from now to the current due time. Final-answer clocks and clocks that are not
// running are left alone (nil).
func (k *SLAClock) Pause(cal businesstime.Calendar, now time.Time) []SLAEvent {
	if k.State != SLARunning || k.Kind == SLAFinalAnswer {
		return nil
	}
	ev := k.Evaluate(now)
	if k.State != SLARunning {
		return ev
	}
	if k.DueAt != nil {
		left := cal.BusinessTimeBetween(now, *k.DueAt)
		k.ElapsedBeforePause = min(max(k.Target-left, k.ElapsedBeforePause, 0), k.Target)
	}
	k.State, k.PausedAt, k.DueAt = SLAPaused, timePtr(now), nil
	if k.WarnedAt == nil {
		k.WarnAt = nil
	}
	return append(ev, SLAEvent{Clock: k.Kind, Type: SLAEventPaused, At: now})
}

// Resume restarts a paused clock at now: DueAt is now plus the business time left, WarnAt (if
// not yet warned) now plus what was left until the warning. Clocks that are not paused are left
// alone (nil).
func (k *SLAClock) Resume(cal businesstime.Calendar, now time.Time) []SLAEvent {
	if k.State != SLAPaused {
		return nil
	}
	k.State, k.PausedAt = SLARunning, nil
	k.schedule(cal, now)
	return []SLAEvent{{Clock: k.Kind, Type: SLAEventResumed, At: now, DueAt: k.DueAt}}
}

// Met stops the clock because its goal was reached at now (a reply was sent, the case resolved).
// A running clock is evaluated first, so a breach that was due is emitted before the (late) met.
// A breached clock stays breached, with MetAt set. Calling it again does nothing.
func (k *SLAClock) Met(now time.Time) []SLAEvent {
	if k.MetAt != nil {
		return nil
	}
	var ev []SLAEvent
	switch k.State {
	case SLARunning:
		ev = k.Evaluate(now)
	case SLAPaused:
		k.PausedAt = nil
	case SLAMet:
		return nil
	}
	k.MetAt = timePtr(now)
	late := k.State == SLABreached
	if !late {
		k.State = SLAMet
	}
	return append(ev, SLAEvent{Clock: k.Kind, Type: SLAEventMet, At: now, DueAt: k.DueAt, Late: late})
}

// Status is the clock's display status at now: "breached" once it is past due (or was breached),
// "warning" once the warning point has passed, else "on_track". It reads the times, not only the
// recorded events, so the display is right even before the scheduler has evaluated the clock. A
// clock met in time is on_track; a paused one keeps the status it had when paused.
func (k SLAClock) Status(now time.Time) string {
	switch {
	case k.State == SLABreached || k.BreachedAt != nil:
		return SLAStatusBreached
	case k.State == SLAMet:
		return SLAStatusOnTrack
	case k.State == SLARunning && k.DueAt != nil && !now.Before(*k.DueAt):
		return SLAStatusBreached
	case k.WarnedAt != nil:
		return SLAStatusWarning
	case k.State == SLARunning && k.WarnAt != nil && !now.Before(*k.WarnAt):
		return SLAStatusWarning
	}
	return SLAStatusOnTrack
}

// Outstanding reports whether the clock still waits for its goal and counts towards "due
// soonest": running, or breached and not yet met.
func (k SLAClock) Outstanding() bool {
	return k.MetAt == nil && (k.State == SLARunning || k.State == SLABreached)
}

// NextEventAt is when Evaluate will next have something to emit: the pending warning, else the
// pending breach. ok is false when nothing is pending (paused, met, breached, no due time).
func (k SLAClock) NextEventAt() (time.Time, bool) {
	if k.State != SLARunning {
		return time.Time{}, false
	}
	if k.WarnAt != nil && k.WarnedAt == nil {
		return *k.WarnAt, true
	}
	if k.DueAt != nil && k.BreachedAt == nil {
		return *k.DueAt, true
	}
	return time.Time{}, false
}

// --- a case's clocks ----------------------------------------------------------------------

// SLANextDue returns the soonest due time among the outstanding clocks (breached ones included,
// so they sort first), for the inbox's "due soonest".
func SLANextDue(clocks []SLAClock) (time.Time, bool) {
	var best time.Time
	found := false
	for _, k := range clocks {
		if k.Kind != SLAApproval && k.Outstanding() && k.DueAt != nil && (!found || k.DueAt.Before(best)) {
			best, found = *k.DueAt, true
		}
	}
	return best, found
}

// SLANextEventAt returns when the scheduler must next evaluate these clocks.
func SLANextEventAt(clocks []SLAClock) (time.Time, bool) {
	var best time.Time
	found := false
	for _, k := range clocks {
		if t, ok := k.NextEventAt(); ok && (!found || t.Before(best)) {
			best, found = t, true
		}
	}
	return best, found
}

// EvaluateSLAClocks evaluates every clock in place and returns their events.
func EvaluateSLAClocks(clocks []SLAClock, now time.Time) []SLAEvent {
	var ev []SLAEvent
	for i := range clocks {
		ev = append(ev, clocks[i].Evaluate(now)...)
	}
	return ev
}

// StartClocks starts the policy's clocks for a case: first response (unless already answered)
// and resolution (unless resolved) from the case's creation, and the final-answer deadline.
// A case waiting on the customer gets its business clocks paused at now. Targets of 0 start no
// clock. Clocks already past due are emitted by the next Evaluate.
func (p SLAPolicy) StartClocks(c *Case, now time.Time) ([]SLAClock, []SLAEvent) {
	var clocks []SLAClock
	var events []SLAEvent
	resolved := c.ResolvedAt != nil || c.Status == StatusResolved || c.Status == StatusClosed
	t, _ := p.TargetsFor(c.Priority)
	start := func(kind SLAKind, target time.Duration) {
		k, e := NewSLAClock(kind, p.ID, target, p.WarnAtPercent, p.Calendar, c.CreatedAt)
		events = append(events, e)
		if c.Status == StatusWaiting {
			events = append(events, k.Pause(p.Calendar, now)...)
		}
		clocks = append(clocks, k)
	}
	if t.FirstResponse > 0 && c.FirstResponseAt == nil && !resolved {
		start(SLAFirstResponse, t.FirstResponse)
	}
	if t.Resolution > 0 && !resolved {
		start(SLAResolution, t.Resolution)
	}
	if p.FinalAnswerDays > 0 && !resolved {
		k, e := NewFinalAnswerClock(p.ID, p.FinalAnswerDays, p.WarnAtPercent, p.Calendar, c.CreatedAt)
		clocks, events = append(clocks, k), append(events, e)
	}
	return clocks, events
}

// StartNextResponse starts a next-response clock at now (a customer message arrived); ok is
// false when the policy sets no such target for the case's priority.
func (p SLAPolicy) StartNextResponse(c *Case, now time.Time) (SLAClock, SLAEvent, bool) {
	t, _ := p.TargetsFor(c.Priority)
	if t.NextResponse <= 0 {
		return SLAClock{}, SLAEvent{}, false
	}
	k, e := NewSLAClock(SLANextResponse, p.ID, t.NextResponse, p.WarnAtPercent, p.Calendar, now)
	return k, e, true
}
