package models

import (
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
)

// slaPolicy: Mon–Fri 08:00–16:00 Helsinki, normal priority: first response 4 h, next response
// 2 h, resolution 16 h, warning at 75%.
func slaPolicy(t *testing.T) SLAPolicy {
	t.Helper()
	enabled, warn, cal := true, 75, businesstime.DefaultCalendar()
	p, err := NewSLAPolicy("p1", SLAPolicyCreate{
		Name: "Default", Enabled: &enabled, WarnAtPercent: &warn, Calendar: &cal,
		Targets: map[Priority]SLATargetsInput{PriorityNormal: {FirstResponseMinutes: 240, NextResponseMinutes: 120, ResolutionMinutes: 960}},
	}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return *p
}

func clock(c *Case, kind SLAKind) *SLAClock {
	for i := range c.SLA {
		if c.SLA[i].Kind == kind {
			return &c.SLA[i]
		}
	}
	return nil
}

func TestCaseSLALifecycle(t *testing.T) {
	helsinki, _ := time.LoadLocation("Europe/Helsinki")
	monday9 := time.Date(2026, 3, 2, 9, 0, 0, 0, helsinki) // Monday 09:00
	p := slaPolicy(t)
	c := NewCase("K-2026-000001", CaseCreate{Subject: "s", Description: "d", Customer: CustomerCreate{Name: "A", Email: "a@example.com"}}, Actor{}, monday9)
	c.StartSLA(p, monday9)
	fr := clock(c, SLAFirstResponse)
	if fr == nil || !fr.DueAt.Equal(monday9.Add(4*time.Hour)) || c.DueAt == nil || !c.DueAt.Equal(*fr.DueAt) {
		t.Fatalf("first response clock %+v, case due %v", fr, c.DueAt)
	}
	if c.NextSLAEventAt == nil || !c.NextSLAEventAt.Equal(monday9.Add(3*time.Hour)) {
		t.Fatalf("next event should be the 75%% warning at 12:00, got %v", c.NextSLAEventAt)
	}
	// Waiting on the customer pauses the business clocks for an hour of open time.
	waitAt := monday9.Add(time.Hour)
	c.Status = StatusWaiting
	c.SLAAfter(p, SLAOnStatus, StatusOpen, waitAt)
	if clock(c, SLAFirstResponse).State != SLAPaused || c.NextSLAEventAt != nil {
		t.Fatalf("paused: %+v next %v", clock(c, SLAFirstResponse), c.NextSLAEventAt)
	}
	// The customer answers an hour later: the clock resumes and the due time moves by an hour.
	resumeAt := waitAt.Add(time.Hour)
	c.AddCustomerMessage("m1", "here you go", resumeAt)
	c.SLAAfter(p, SLAOnCustomerReply, StatusWaiting, resumeAt)
	fr = clock(c, SLAFirstResponse)
	if fr.State != SLARunning || !fr.DueAt.Equal(monday9.Add(5*time.Hour)) {
		t.Fatalf("resumed: %+v", fr)
	}
	// Evaluating after the due time: warning and breach, each once.
	late := monday9.Add(6 * time.Hour)
	if ev := c.EvaluateSLA(late); len(ev) != 2 || ev[0].Type != SLAEventWarned || ev[1].Type != SLAEventBreached {
		t.Fatalf("events at 15:00: %+v", ev)
	}
	if ev := c.EvaluateSLA(late.Add(time.Minute)); len(ev) != 0 {
		t.Fatalf("events emitted twice: %+v", ev)
	}
	if c.SLAStatus(late) != SLAStatusBreached {
		t.Fatalf("status %q", c.SLAStatus(late))
	}
	// The agent finally replies: first response met late; a customer message then starts the
	// next-response clock.
	c.AddStaffMessage("r1", MessageReply, "sorry", Actor{Name: "A"}, late)
	c.SLAAfter(p, SLAOnAgentReply, c.Status, late)
	if k := clock(c, SLAFirstResponse); k.MetAt == nil || k.State != SLABreached {
		t.Fatalf("late first response: %+v", k)
	}
	c.AddCustomerMessage("m2", "and?", late.Add(30*time.Minute))
	c.SLAAfter(p, SLAOnCustomerReply, c.Status, late.Add(30*time.Minute))
	if k := clock(c, SLANextResponse); k == nil || k.State != SLARunning {
		t.Fatalf("next response clock: %+v", k)
	}
	// Resolving meets every clock.
	c.Status = StatusResolved
	c.SLAAfter(p, SLAOnStatus, StatusOpen, late.Add(time.Hour))
	for _, k := range c.SLA {
		if k.MetAt == nil {
			t.Fatalf("clock %s not met on resolve", k.Kind)
		}
	}
	if c.NextSLAEventAt != nil || c.DueAt != nil {
		t.Fatalf("resolved case still has due times: %v %v", c.NextSLAEventAt, c.DueAt)
	}
	// Reopened by the customer: a fresh resolution clock.
	c.AddCustomerMessage("m3", "broken again", late.Add(2*time.Hour))
	c.SLAAfter(p, SLAOnCustomerReply, StatusResolved, late.Add(2*time.Hour))
	n := 0
	for _, k := range c.SLA {
		if k.Kind == SLAResolution && k.MetAt == nil {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("reopened case should have one running resolution clock, has %d", n)
	}
	// Every SLA event is on the timeline.
	kinds := map[string]bool{}
	for _, e := range c.Timeline {
		kinds[e.Type] = true
	}
	for _, want := range []string{"sla_started", "sla_paused", "sla_resumed", "sla_warned", "sla_breached", "sla_met"} {
		if !kinds[want] {
			t.Errorf("timeline lacks %s", want)
		}
	}
}
