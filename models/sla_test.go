package models

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
)

func eventTypes(ev []SLAEvent) string {
	var s []string
	for _, e := range ev {
		s = append(s, string(e.Type))
	}
	return strings.Join(s, ",")
}

func wantEvents(t *testing.T, what string, ev []SLAEvent, want string) {
	t.Helper()
	if got := eventTypes(ev); got != want {
		t.Fatalf("%s: events %q, want %q", what, got, want)
	}
}

func wantTime(t *testing.T, what string, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil || !got.Equal(want) {
		t.Fatalf("%s = %v, want %s", what, got, want)
	}
}

func TestSLAClockRunWarnBreach(t *testing.T) {
	// Monday 09:00, four business hours, warn at 75%: warn 12:00, due 13:00.
	k, started := NewSLAClock(SLAFirstResponse, "p1", 4*time.Hour, 75, office, hel("2026-03-02 09:00"))
	if started.Type != SLAEventStarted || k.State != SLARunning {
		t.Fatalf("started %+v, state %s", started, k.State)
	}
	wantTime(t, "DueAt", k.DueAt, hel("2026-03-02 13:00"))
	wantTime(t, "WarnAt", k.WarnAt, hel("2026-03-02 12:00"))
	if next, ok := k.NextEventAt(); !ok || !next.Equal(hel("2026-03-02 12:00")) {
		t.Fatalf("NextEventAt = %s, %v", next, ok)
	}

	wantEvents(t, "before warning", k.Evaluate(hel("2026-03-02 11:59")), "")
	if s := k.Status(hel("2026-03-02 11:59")); s != SLAStatusOnTrack {
		t.Fatalf("status %s", s)
	}
	// Status reads the times even before Evaluate runs.
	if s := k.Status(hel("2026-03-02 12:00")); s != SLAStatusWarning {
		t.Fatalf("status at warn time %s", s)
	}
	ev := k.Evaluate(hel("2026-03-02 12:00"))
	wantEvents(t, "at warning", ev, "warned")
	if !ev[0].At.Equal(hel("2026-03-02 12:00")) {
		t.Errorf("warned at %s", ev[0].At)
	}
	wantEvents(t, "same time again", k.Evaluate(hel("2026-03-02 12:00")), "")
	wantEvents(t, "later, before due", k.Evaluate(hel("2026-03-02 12:59")), "")
	if next, _ := k.NextEventAt(); !next.Equal(hel("2026-03-02 13:00")) {
		t.Fatalf("NextEventAt after warning = %s", next)
	}
	ev = k.Evaluate(hel("2026-03-02 13:00"))
	wantEvents(t, "at due", ev, "breached")
	if k.State != SLABreached || k.Status(hel("2026-03-02 13:00")) != SLAStatusBreached || k.BreachedAt == nil {
		t.Fatalf("after breach: %+v", k)
	}
	wantEvents(t, "after breach", k.Evaluate(hel("2026-03-09 13:00")), "")
	if _, ok := k.NextEventAt(); ok {
		t.Fatal("a breached clock still has a pending event")
	}
	// Pausing a breached clock changes nothing; meeting it late records MetAt, stays breached.
	wantEvents(t, "pause breached", k.Pause(office, hel("2026-03-02 14:00")), "")
	ev = k.Met(hel("2026-03-02 14:00"))
	wantEvents(t, "met late", ev, "met")
	if !ev[0].Late || k.State != SLABreached || k.MetAt == nil || k.Outstanding() {
		t.Fatalf("met late: %+v %+v", ev[0], k)
	}
	wantEvents(t, "met twice", k.Met(hel("2026-03-02 15:00")), "")
}

func TestSLAClockCatchUp(t *testing.T) {
	// The scheduler was down: the first evaluation after the due time emits both, in order.
	k, _ := NewSLAClock(SLAResolution, "p1", 8*time.Hour, 50, office, hel("2026-03-02 08:00"))
	ev := k.Evaluate(hel("2026-03-03 10:00"))
	wantEvents(t, "catch-up", ev, "warned,breached")
	if !ev[0].At.Equal(hel("2026-03-02 12:00")) || !ev[1].At.Equal(hel("2026-03-02 16:00")) {
		t.Errorf("thresholds %s, %s", ev[0].At, ev[1].At)
	}
	wantEvents(t, "again", k.Evaluate(hel("2026-03-03 10:00")), "")

	// Met after the due time but before any evaluation: the breach comes first.
	k, _ = NewSLAClock(SLAFirstResponse, "p1", time.Hour, 0, office, hel("2026-03-02 08:00"))
	if k.WarnAt != nil {
		t.Fatal("warn_at_percent 0 set a warning")
	}
	wantEvents(t, "late reply", k.Met(hel("2026-03-02 09:30")), "breached,met")
}

func TestSLAClockMetInTime(t *testing.T) {
	k, _ := NewSLAClock(SLAFirstResponse, "p1", 4*time.Hour, 75, office, hel("2026-03-02 09:00"))
	ev := k.Met(hel("2026-03-02 11:00"))
	wantEvents(t, "met", ev, "met")
	if ev[0].Late || k.State != SLAMet || k.Status(hel("2026-03-03 11:00")) != SLAStatusOnTrack || k.Outstanding() {
		t.Fatalf("met in time: %+v", k)
	}
	wantEvents(t, "evaluate after met", k.Evaluate(hel("2026-03-09 00:00")), "")
	if _, ok := k.NextEventAt(); ok {
		t.Fatal("met clock has a pending event")
	}
	wantEvents(t, "resume met", k.Resume(office, hel("2026-03-03 11:00")), "")
}

func TestSLAClockPauseResume(t *testing.T) {
	start := hel("2026-03-02 09:00")
	k, _ := NewSLAClock(SLAResolution, "p1", 4*time.Hour, 75, office, start)
	oldDue := *k.DueAt // Mon 13:00

	pausedAt, resumedAt := hel("2026-03-02 10:00"), hel("2026-03-03 10:00")
	wantEvents(t, "pause", k.Pause(office, pausedAt), "paused")
	if k.State != SLAPaused || k.DueAt != nil || k.WarnAt != nil || k.ElapsedBeforePause != time.Hour {
		t.Fatalf("paused: %+v", k)
	}
	if _, ok := k.NextEventAt(); ok {
		t.Fatal("a paused clock has a pending event")
	}
	wantEvents(t, "evaluate while paused", k.Evaluate(hel("2026-03-05 10:00")), "")
	wantEvents(t, "pause twice", k.Pause(office, hel("2026-03-02 11:00")), "")
	if s := k.Status(hel("2026-03-05 10:00")); s != SLAStatusOnTrack {
		t.Fatalf("paused status %s", s)
	}

	wantEvents(t, "resume", k.Resume(office, resumedAt), "resumed")
	wantTime(t, "DueAt after resume", k.DueAt, hel("2026-03-03 13:00"))
	wantTime(t, "WarnAt after resume", k.WarnAt, hel("2026-03-03 12:00"))
	// The due time moved by exactly the open time of the pause.
	if shift, paused := office.BusinessTimeBetween(oldDue, *k.DueAt), office.BusinessTimeBetween(pausedAt, resumedAt); shift != paused {
		t.Fatalf("due moved by %s of business time, the pause held %s", shift, paused)
	}
	wantEvents(t, "resume twice", k.Resume(office, resumedAt), "")

	// Second pause after the warning: the warning is not repeated on resume.
	wantEvents(t, "warn", k.Evaluate(hel("2026-03-03 12:00")), "warned")
	wantEvents(t, "pause after warning", k.Pause(office, hel("2026-03-03 12:30")), "paused")
	if k.ElapsedBeforePause != 3*time.Hour+30*time.Minute || k.Status(hel("2026-03-04 00:00")) != SLAStatusWarning {
		t.Fatalf("second pause: %+v", k)
	}
	k.Resume(office, hel("2026-03-06 15:45")) // Friday 15:45: 15 minutes today, 15 on Monday
	wantTime(t, "DueAt after second resume", k.DueAt, hel("2026-03-09 08:15"))
	wantEvents(t, "no second warning", k.Evaluate(hel("2026-03-09 08:00")), "")
	wantEvents(t, "breach", k.Evaluate(hel("2026-03-09 08:15")), "breached")

	// Pause outside hours: nothing elapsed since the last opening; pause over a weekend.
	k, _ = NewSLAClock(SLANextResponse, "p1", 2*time.Hour, 75, office, hel("2026-03-06 15:00"))
	k.Pause(office, hel("2026-03-06 18:00")) // 1h used
	if k.ElapsedBeforePause != time.Hour {
		t.Fatalf("elapsed %s", k.ElapsedBeforePause)
	}
	k.Resume(office, hel("2026-03-07 11:00")) // Saturday: counting starts Monday 08:00
	wantTime(t, "DueAt resumed on Saturday", k.DueAt, hel("2026-03-09 09:00"))
	wantTime(t, "WarnAt resumed on Saturday", k.WarnAt, hel("2026-03-09 08:30"))

	// Pause past due: breached, not paused.
	k, _ = NewSLAClock(SLANextResponse, "p1", time.Hour, 75, office, hel("2026-03-02 09:00"))
	wantEvents(t, "pause past due", k.Pause(office, hel("2026-03-02 11:00")), "warned,breached")
	if k.State != SLABreached {
		t.Fatalf("state %s", k.State)
	}

	// Met while paused.
	k, _ = NewSLAClock(SLAResolution, "p1", time.Hour, 75, office, hel("2026-03-02 09:00"))
	k.Pause(office, hel("2026-03-02 09:10"))
	wantEvents(t, "met while paused", k.Met(hel("2026-03-04 09:00")), "met")
	if k.State != SLAMet || k.PausedAt != nil {
		t.Fatalf("%+v", k)
	}
}

func TestSLAClockOverDST(t *testing.T) {
	// 24/7 support: a 24-hour target started on Saturday noon before spring forward is due on
	// Sunday at 13:00 wall time (the day has 23 hours). A pause over the night of fall back lasts
	// four real hours though the wall clock moves three; the due time stays exact.
	k, _ := NewSLAClock(SLAResolution, "p", 24*time.Hour, 50, alwaysOpen, hel("2026-03-28 12:00"))
	wantTime(t, "DueAt", k.DueAt, hel("2026-03-29 13:00"))
	wantTime(t, "WarnAt", k.WarnAt, hel("2026-03-29 00:00"))

	k, _ = NewSLAClock(SLAResolution, "p", 10*time.Hour, 50, alwaysOpen, utc("2026-10-24 20:00"))
	k.Pause(alwaysOpen, utc("2026-10-24 22:00"))  // 01:00 EEST
	k.Resume(alwaysOpen, utc("2026-10-25 02:00")) // 04:00 EET: four real hours later
	wantTime(t, "DueAt", k.DueAt, utc("2026-10-25 10:00"))
}

func TestFinalAnswerClock(t *testing.T) {
	created := hel("2026-03-02 10:00")
	k, ev := NewFinalAnswerClock("p1", 56, 75, office, created)
	if ev.Type != SLAEventStarted || k.Kind != SLAFinalAnswer {
		t.Fatalf("%+v %+v", ev, k)
	}
	// Eight weeks later at the same wall time, over spring forward (one hour less in real time).
	wantTime(t, "DueAt", k.DueAt, hel("2026-04-27 10:00"))
	if k.Target != 56*24*time.Hour-time.Hour {
		t.Errorf("target %s", k.Target)
	}
	wantTime(t, "WarnAt", k.WarnAt, created.Add(k.Target*3/4))
	// Never paused, and holidays and weekends do not matter.
	wantEvents(t, "pause", k.Pause(office, hel("2026-03-03 10:00")), "")
	wantEvents(t, "resume", k.Resume(office, hel("2026-03-04 10:00")), "")
	wantEvents(t, "before", k.Evaluate(hel("2026-04-10 00:00")), "")
	wantEvents(t, "warn", k.Evaluate(hel("2026-04-15 00:00")), "warned")
	wantEvents(t, "breach", k.Evaluate(hel("2026-04-27 10:00")), "breached")
	wantEvents(t, "again", k.Evaluate(hel("2026-05-27 10:00")), "")
}

func testPolicy(t *testing.T) *SLAPolicy {
	t.Helper()
	cal := office
	p, err := NewSLAPolicy("pol-1", SLAPolicyCreate{
		Name:     "  Standard  ",
		Calendar: &cal,
		Targets: map[Priority]SLATargetsInput{
			PriorityNormal: {FirstResponseMinutes: 240, NextResponseMinutes: 480, ResolutionMinutes: 2400},
			PriorityUrgent: {FirstResponseMinutes: 30, NextResponseMinutes: 60, ResolutionMinutes: 480},
		},
		FinalAnswerDays: 56,
		Conditions:      SLAConditions{Channels: []string{"web_form", "email"}},
	}, hel("2026-03-01 12:00"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSLAPolicyCreateAndPatch(t *testing.T) {
	p := testPolicy(t)
	if p.Name != "Standard" || !p.Enabled || p.WarnAtPercent != DefaultWarnAtPercent || p.Version != 1 {
		t.Fatalf("%+v", p)
	}
	if p.Calendar.Holidays == nil || p.Calendar.TimeZone != "Europe/Helsinki" {
		t.Errorf("calendar not normalized: %+v", p.Calendar)
	}
	if p.Targets[PriorityUrgent].FirstResponse != 30*time.Minute {
		t.Errorf("targets %+v", p.Targets)
	}
	if tg, _ := p.TargetsFor(PriorityHigh); tg.FirstResponse != 4*time.Hour {
		t.Errorf("high falls back to normal: %+v", tg)
	}
	def, err := NewSLAPolicy("p2", SLAPolicyCreate{Name: "x", Targets: map[Priority]SLATargetsInput{PriorityLow: {ResolutionMinutes: 60}}}, time.Time{})
	if err != nil || def.Calendar.WeeklyOpenTime() != 40*time.Hour {
		t.Fatalf("default calendar: %v %+v", err, def)
	}

	bad := []struct {
		name  string
		req   SLAPolicyCreate
		field string
	}{
		{"no name", SLAPolicyCreate{Name: " ", Targets: p.inputTargets()}, "name"},
		{"no targets", SLAPolicyCreate{Name: "x"}, "targets"},
		{"bad priority", SLAPolicyCreate{Name: "x", Targets: map[Priority]SLATargetsInput{"critical": {FirstResponseMinutes: 1}}}, "targets[critical]"},
		{"negative", SLAPolicyCreate{Name: "x", Targets: map[Priority]SLATargetsInput{PriorityLow: {ResolutionMinutes: -1}}}, "targets[low].resolution_minutes"},
		{"all zero", SLAPolicyCreate{Name: "x", Targets: map[Priority]SLATargetsInput{PriorityLow: {}}}, "targets"},
		{"warn 100", SLAPolicyCreate{Name: "x", Targets: p.inputTargets(), WarnAtPercent: ptr(100)}, "warn_at_percent"},
		{"final days", SLAPolicyCreate{Name: "x", Targets: p.inputTargets(), FinalAnswerDays: 400}, "final_answer_days"},
		{"bad channel", SLAPolicyCreate{Name: "x", Targets: p.inputTargets(), Conditions: SLAConditions{Channels: []string{"fax"}}}, "conditions.channels[0]"},
		{"bad touchpoint", SLAPolicyCreate{Name: "x", Targets: p.inputTargets(), Conditions: SLAConditions{Touchpoints: []string{"moon"}}}, "conditions.touchpoints[0]"},
		{"bad calendar", SLAPolicyCreate{Name: "x", Targets: p.inputTargets(), Calendar: &businesstime.Calendar{TimeZone: "Nowhere/Town", Hours: office.Hours}}, "calendar.time_zone"},
		{"bad hours", SLAPolicyCreate{Name: "x", Targets: p.inputTargets(), Calendar: &businesstime.Calendar{Hours: businesstime.WeeklyHours{Monday: []businesstime.Interval{{Start: "08:00", End: "25:00"}}}}}, "calendar.hours.monday[0].end"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSLAPolicy("x", tc.req, time.Time{})
			de, ok := AsError(err)
			if !ok || de.Fields[tc.field] == "" {
				t.Fatalf("error %v, want field %q", err, tc.field)
			}
		})
	}

	now := hel("2026-03-05 12:00")
	if err := p.ApplyPatch(SLAPolicyPatch{Version: 1, Name: ptr("Renamed"), WarnAtPercent: ptr(80), Enabled: ptr(false)}, now); err != nil {
		t.Fatal(err)
	}
	if p.Name != "Renamed" || p.WarnAtPercent != 80 || p.Enabled || !p.UpdatedAt.Equal(now) {
		t.Fatalf("patched %+v", p)
	}
	before := *p
	zero := map[Priority]SLATargetsInput{PriorityNormal: {}}
	err = p.ApplyPatch(SLAPolicyPatch{Version: 1, Targets: &zero, FinalAnswerDays: ptr(0)}, now)
	if de, ok := AsError(err); !ok || de.Fields["targets"] == "" {
		t.Fatalf("useless policy accepted: %v", err)
	}
	if p.Name != before.Name || p.FinalAnswerDays != 56 {
		t.Fatal("a refused patch changed the policy")
	}
	if err := p.ApplyPatch(SLAPolicyPatch{Name: ptr("x")}, now); err == nil {
		t.Fatal("patch without version accepted")
	}
}

func (p *SLAPolicy) inputTargets() map[Priority]SLATargetsInput {
	out := map[Priority]SLATargetsInput{}
	for pr, t := range p.Targets {
		out[pr] = SLATargetsInput{int(t.FirstResponse / time.Minute), int(t.NextResponse / time.Minute), int(t.Resolution / time.Minute)}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestSLAPolicyApplies(t *testing.T) {
	p := testPolicy(t)
	c := &Case{Channel: ChannelEmail, Category: "Billing", Touchpoint: "web_shop", Priority: PriorityNormal}
	if !p.Applies(c) {
		t.Fatal("policy should apply")
	}
	c.Channel = ChannelPhone
	if p.Applies(c) {
		t.Fatal("phone case matched an email/web policy")
	}
	c.Channel = ChannelEmail
	p.Conditions.Categories = []string{"billing", "delivery"}
	p.Conditions.Touchpoints = []string{"web_shop"}
	if !p.Applies(c) {
		t.Fatal("category should match without case")
	}
	c.Touchpoint = "store"
	if p.Applies(c) {
		t.Fatal("touchpoint should not match")
	}
	p.Enabled = false
	c.Touchpoint = "web_shop"
	if p.Applies(c) {
		t.Fatal("disabled policy applies")
	}

	catchAll := SLAPolicy{ID: "b", Name: "Catch-all", Enabled: true, Position: 10}
	specific := SLAPolicy{ID: "a", Name: "Email", Enabled: true, Position: 1, Conditions: SLAConditions{Channels: []string{"email"}}}
	off := SLAPolicy{ID: "c", Name: "Off", Enabled: false, Position: 0}
	if got, ok := SelectSLAPolicy([]SLAPolicy{catchAll, off, specific}, c); !ok || got.ID != "a" {
		t.Fatalf("selected %q", got.ID)
	}
	c.Channel = ChannelPhone
	if got, ok := SelectSLAPolicy([]SLAPolicy{catchAll, off, specific}, c); !ok || got.ID != "b" {
		t.Fatalf("selected %q", got.ID)
	}
	if _, ok := SelectSLAPolicy([]SLAPolicy{off, specific}, c); ok {
		t.Fatal("selected a policy that does not match")
	}
}

func TestSLAPolicyStartClocks(t *testing.T) {
	p := testPolicy(t)
	created := hel("2026-03-02 09:00")
	c := &Case{ID: "K-2026-000001", Channel: ChannelWebForm, Priority: PriorityUrgent, Status: StatusNew, CreatedAt: created}
	clocks, events := p.StartClocks(c, created)
	if len(clocks) != 3 || eventTypes(events) != "started,started,started" {
		t.Fatalf("clocks %+v events %s", clocks, eventTypes(events))
	}
	wantTime(t, "first response due", clocks[0].DueAt, hel("2026-03-02 09:30"))
	wantTime(t, "resolution due", clocks[1].DueAt, hel("2026-03-03 09:00")) // 7h on Monday, 1h on Tuesday
	if clocks[2].Kind != SLAFinalAnswer {
		t.Fatal("no final-answer clock")
	}
	if due, ok := SLANextDue(clocks); !ok || !due.Equal(hel("2026-03-02 09:30")) {
		t.Fatalf("SLANextDue = %s", due)
	}
	if next, ok := SLANextEventAt(clocks); !ok || !next.Equal(created.Add(30*time.Minute*3/4)) {
		t.Fatalf("SLANextEventAt = %s", next)
	}
	ev := EvaluateSLAClocks(clocks, hel("2026-03-02 10:00"))
	wantEvents(t, "sweep", ev, "warned,breached")
	wantEvents(t, "sweep again", EvaluateSLAClocks(clocks, hel("2026-03-02 10:00")), "")
	if due, _ := SLANextDue(clocks); !due.Equal(hel("2026-03-02 09:30")) {
		t.Fatal("a breached unanswered clock must stay first in due order")
	}

	// A case waiting on the customer gets paused business clocks; an answered one no first response.
	now := hel("2026-03-02 12:00")
	t1 := now
	c = &Case{Priority: PriorityNormal, Status: StatusWaiting, CreatedAt: created, FirstResponseAt: &t1}
	clocks, events = p.StartClocks(c, now)
	if len(clocks) != 2 || clocks[0].Kind != SLAResolution || clocks[0].State != SLAPaused || clocks[0].ElapsedBeforePause != 3*time.Hour {
		t.Fatalf("waiting case clocks %+v", clocks)
	}
	if eventTypes(events) != "started,paused,started" {
		t.Fatalf("events %s", eventTypes(events))
	}

	nr, ev1, ok := p.StartNextResponse(c, now)
	if !ok || nr.Kind != SLANextResponse || ev1.Type != SLAEventStarted {
		t.Fatalf("next response %+v", nr)
	}
	wantTime(t, "next response due", nr.DueAt, hel("2026-03-03 12:00"))
	if tl := ev1.TimelineEvent(); tl.Type != "sla_started" || tl.Data["clock"] != "next_response" || tl.Data["due_at"] != "2026-03-03T10:00:00Z" {
		t.Fatalf("timeline %+v", tl)
	}
}

func TestSLAJSON(t *testing.T) {
	p := testPolicy(t)
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"urgent":{"first_response_minutes":30,"next_response_minutes":60,"resolution_minutes":480}`) {
		t.Errorf("policy JSON %s", b)
	}
	var back SLAPolicy
	if err := json.Unmarshal(b, &back); err != nil || back.Targets[PriorityNormal].Resolution != 40*time.Hour {
		t.Fatalf("round trip: %v %+v", err, back.Targets)
	}

	k, _ := NewSLAClock(SLAResolution, "p1", 4*time.Hour, 75, office, hel("2026-03-02 09:00"))
	k.Pause(office, hel("2026-03-02 10:30"))
	b, err = json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"kind":"resolution"`, `"state":"paused"`, `"target_seconds":14400`, `"elapsed_before_pause_seconds":5400`, `"paused_at":`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("clock JSON %s lacks %s", b, want)
		}
	}
	if strings.Contains(string(b), `"due_at"`) {
		t.Errorf("paused clock JSON has a due time: %s", b)
	}
	var kb SLAClock
	if err := json.Unmarshal(b, &kb); err != nil || kb.Target != k.Target || kb.ElapsedBeforePause != k.ElapsedBeforePause || kb.State != SLAPaused {
		t.Fatalf("clock round trip: %v %+v", err, kb)
	}
}
