package models

import (
	"testing"
	"time"
)

// A question asked in bulk reaches its case later (RecordFollowUpAsked): a scheduled check
// becomes asked; one answered meanwhile stays answered but its timeline says, at the time it
// was asked, that it was; a second record, or one of another check, changes nothing.
func TestRecordFollowUpAsked(t *testing.T) {
	resolved := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	askAt := resolved.Add(7 * 24 * time.Hour)
	askedAt, until := askAt.Add(time.Minute), askAt.Add(15*24*time.Hour)
	fresh := func() *Case {
		c := &Case{ID: "K-2026-000001", Status: StatusResolved}
		c.ScheduleFollowUp(askAt, resolved)
		return c
	}

	c := fresh()
	if c.RecordFollowUpAsked(askAt.Add(time.Second), askedAt, until) {
		t.Fatal("recorded the question of another check")
	}
	if !c.RecordFollowUpAsked(askAt, askedAt, until) {
		t.Fatal("a scheduled check was not recorded as asked")
	}
	f := c.FollowUpCheck
	if f.State != FollowUpAsked || !f.AskedAt.Equal(askedAt) || !f.ExpiresAt.Equal(until) {
		t.Fatalf("check %+v", f)
	}
	if last := c.Timeline[len(c.Timeline)-1]; last.Type != "follow_up_asked" || !last.At.Equal(askedAt) {
		t.Fatalf("last entry %+v", last)
	}
	if c.RecordFollowUpAsked(askAt, askedAt, until) {
		t.Fatal("recorded twice")
	}

	// The customer answered from the mail before the case heard it was sent.
	c = fresh()
	yes := true
	if _, err := c.AnswerFollowUp(FollowUpCreate{Resolved: &yes, Rating: 5}, Actor{}, askedAt.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !c.RecordFollowUpAsked(askAt, askedAt, until) || c.FollowUpCheck.State != FollowUpAnswered || c.Status != StatusClosed {
		t.Fatalf("after the answer: recorded state %s, status %s", c.FollowUpCheck.State, c.Status)
	}
	var types []string
	for _, e := range c.Timeline {
		types = append(types, e.Type)
	}
	if want := []string{"follow_up_scheduled", "follow_up_asked", "follow_up", "changed"}; len(types) != len(want) || types[1] != want[1] || types[2] != want[2] {
		t.Fatalf("timeline %v, want %v", types, want)
	}
	if c.RecordFollowUpAsked(askAt, askedAt, until) {
		t.Fatal("recorded twice after the answer")
	}
}
