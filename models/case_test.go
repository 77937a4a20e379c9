package models

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newTestCase() *Case {
	return NewCase("K-2026-000001", CaseCreate{Subject: " Broken ", Description: "It broke.",
		Customer: CustomerCreate{Name: "Aino", Email: " AINO@example.COM "}, Tags: []string{"A", "a", " b "}},
		Actor{ID: "u1", Name: "Agent"}, t0)
}

func TestNewCaseDefaults(t *testing.T) {
	c := newTestCase()
	if c.Status != StatusNew || c.Priority != PriorityNormal || c.Version != 1 || c.Subject != "Broken" ||
		c.Customer.Email != "aino@example.com" || strings.Join(c.Tags, ",") != "a,b" || len(c.Timeline) != 1 {
		t.Fatalf("%+v", c)
	}
}

func TestTransitions(t *testing.T) {
	cases := []struct {
		from, to Status
		ok       bool
	}{
		{StatusNew, StatusOpen, true}, {StatusOpen, StatusWaiting, true}, {StatusWaiting, StatusResolved, true},
		{StatusResolved, StatusClosed, true}, {StatusClosed, StatusOpen, true}, {StatusResolved, StatusOpen, true},
		{StatusOpen, StatusNew, false}, {StatusClosed, StatusWaiting, false}, {StatusResolved, StatusWaiting, false},
		{StatusClosed, StatusResolved, false},
	}
	for _, tc := range cases {
		if got := CanTransition(tc.from, tc.to); got != tc.ok {
			t.Errorf("%s -> %s: %v, want %v", tc.from, tc.to, got, tc.ok)
		}
	}
}

func TestApplyPatchRecordsEveryChange(t *testing.T) {
	c := newTestCase()
	assignee, prio := "u2", PriorityUrgent
	if err := c.ApplyPatch(CasePatch{Version: 1, AssigneeID: &assignee, Priority: &prio}, Actor{ID: "u1", Name: "Agent"}, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// assignee, the automatic new -> open, and priority
	if len(c.Timeline) != 4 || c.Status != StatusOpen || !c.UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("timeline %+v status %s", c.Timeline, c.Status)
	}
	bad := StatusNew
	err := c.ApplyPatch(CasePatch{Status: &bad}, Actor{}, t0)
	if de, ok := AsError(err); !ok || de.Kind != KindUnprocessable {
		t.Fatalf("open -> new must be refused, got %v", err)
	}
	// A patch that changes nothing leaves the update time alone.
	before := c.UpdatedAt
	same := PriorityUrgent
	_ = c.ApplyPatch(CasePatch{Priority: &same}, Actor{}, t0.Add(time.Hour))
	if !c.UpdatedAt.Equal(before) {
		t.Fatal("a no-op patch moved updated_at")
	}
}

func TestCustomerReplyReopens(t *testing.T) {
	for _, from := range []Status{StatusWaiting, StatusResolved, StatusClosed} {
		c := newTestCase()
		c.Status = from
		c.AddCustomerMessage("m1", "still broken", t0)
		if c.Status != StatusOpen {
			t.Errorf("a customer reply on a %s case left it %s", from, c.Status)
		}
	}
	c := newTestCase()
	c.AddCustomerMessage("m1", "more info", t0)
	if c.Status != StatusNew {
		t.Errorf("a reply on a new case should leave it new, got %s", c.Status)
	}
}

func TestFirstReplyStampsFirstResponseOnce(t *testing.T) {
	c := newTestCase()
	c.AddStaffMessage("n1", MessageNote, "internal", Actor{ID: "u1", Name: "A"}, t0)
	if c.FirstResponseAt != nil {
		t.Fatal("a note is not a response to the customer")
	}
	c.AddStaffMessage("r1", MessageReply, "hello", Actor{ID: "u1", Name: "A"}, t0.Add(time.Hour))
	c.AddStaffMessage("r2", MessageReply, "again", Actor{ID: "u1", Name: "A"}, t0.Add(2*time.Hour))
	if c.FirstResponseAt == nil || !c.FirstResponseAt.Equal(t0.Add(time.Hour)) || c.Status != StatusOpen {
		t.Fatalf("first response %v status %s", c.FirstResponseAt, c.Status)
	}
}

func TestPublicViewNeverShowsNotes(t *testing.T) {
	c := newTestCase()
	c.AddStaffMessage("n1", MessageNote, "SECRET internal note", Actor{Name: "A"}, t0)
	c.AddStaffMessage("r1", MessageReply, "We will replace it.", Actor{Name: "A"}, t0)
	c.Attachments = []AttachmentRef{{ID: "a1", Public: true}, {ID: "a2", Public: false}}
	p := c.Public()
	for _, m := range p.Messages {
		if strings.Contains(m.Body, "SECRET") {
			t.Fatal("an internal note reached the customer view")
		}
	}
	if len(p.Messages) != 2 || p.Messages[1].From != "support" || len(p.Attachments) != 1 || p.CanFollowUp {
		t.Fatalf("%+v", p)
	}
	c.Status = StatusResolved
	if !c.Public().CanFollowUp {
		t.Fatal("a resolved case without follow-up should offer it")
	}
}

func TestComplaintSubject(t *testing.T) {
	cases := map[string]string{
		"Short one":                   "Short one",
		"First line\nsecond line":     "First line",
		strings.Repeat("long ", 40):   strings.TrimSpace(strings.Repeat("long ", 16)) + "…",
		"  padded\r\nwindows newline": "padded",
		// Cut at a word boundary, never mid-word ("Haluan anteeks…").
		"Tilasin verkkokaupasta uuden sohvan, mutta toimitus myöhästyi kaksi viikkoa ja haluan anteeksipyynnön": "Tilasin verkkokaupasta uuden sohvan, mutta toimitus myöhästyi kaksi viikkoa ja…",
		strings.Repeat("x", 100): strings.Repeat("x", 79) + "…",
	}
	for in, want := range cases {
		if got := (ComplaintCreate{Description: in}).Subject(); got != want {
			t.Errorf("Subject(%q) = %q, want %q", in, got, want)
		}
	}
	// The customer's own "What is it about?" is the subject as written.
	if got := (ComplaintCreate{Topic: "  Sohva  myöhässä ", Description: "Pitkä kuvaus."}).Subject(); got != "Sohva myöhässä" {
		t.Errorf("Subject with a topic = %q", got)
	}
}

func TestRoles(t *testing.T) {
	if !RoleAdmin.AtLeast(RoleManager) || RoleAgent.AtLeast(RoleManager) || Role("boss").AtLeast(RoleAgent) || Role("").Valid() {
		t.Fatal("role order is wrong")
	}
}
