package handlers_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// resolve sets the case's status to resolved as the agent, on its stored version.
func (s *stack) resolve(t *testing.T, caseID string) *models.Case {
	t.Helper()
	c, err := s.env.Store.GetCase(t.Context(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	res := s.do(s.logins["agent"], http.MethodPatch, "/api/v1/cases/"+caseID, fmt.Sprintf(`{"version":%d,"status":"resolved"}`, c.Version), nil)
	if res.status != http.StatusOK {
		t.Fatalf("resolve: %d %s", res.status, res.body)
	}
	if c, err = s.env.Store.GetCase(t.Context(), caseID); err != nil {
		t.Fatal(err)
	}
	return c
}

// Resolving a case with a grant asks the customer after the granted option's own delay: the
// voucher's 30 days, an option an admin changed to 3, an approved grant's option; without a
// standing grant (none, or reversed) the installation's 7 days.
func TestFollowUpWaitsTheGrantedOptionsDelay(t *testing.T) {
	s := newStack(t)
	agent, manager := s.logins["agent"], s.logins["manager"]
	s.setLimits(t, agent.user.ID, 10_000, 1_000_000)
	s.setLimits(t, manager.user.ID, 500_000, 1_000_000)
	day := 24 * time.Hour
	askAfter := func(c *models.Case) time.Duration {
		t.Helper()
		if c.FollowUpCheck == nil || c.FollowUpCheck.State != models.FollowUpScheduled {
			t.Fatalf("no scheduled check: %+v", c.FollowUpCheck)
		}
		return c.FollowUpCheck.AskAt.Sub(s.clock.Now())
	}

	voucher := s.createCase(t, agent, "Voucher", "Late delivery.", "")
	s.grant(t, agent, voucher, `{"option_id":"voucher","amount_minor":2000}`, 201)
	if got := askAfter(s.resolve(t, voucher)); got != 30*day {
		t.Errorf("voucher: asked after %v, want 30 days", got)
	}

	plain := s.createCase(t, agent, "Nothing granted", "Question.", "")
	if got := askAfter(s.resolve(t, plain)); got != 7*day {
		t.Errorf("no grant: asked after %v, want the default 7 days", got)
	}

	// The latest grant that stands decides; a reversed one does not count.
	mixed := s.createCase(t, agent, "Repair, then a voucher taken back", "Broken.", "")
	s.grant(t, agent, mixed, `{"option_id":"repair"}`, 201)
	g := s.grant(t, agent, mixed, `{"option_id":"voucher","amount_minor":1000}`, 201)
	s.grant(t, agent, mixed, `{"reverses":"`+g.Data.Grant.ID+`"}`, 201)
	if got := askAfter(s.resolve(t, mixed)); got != 21*day {
		t.Errorf("repair after a reversed voucher: asked after %v, want repair's 21 days", got)
	}

	if res := s.do(s.logins["admin"], http.MethodPatch, "/api/v1/resolution-options/goodwill", `{"follow_up_days":3,"version":1}`, nil); res.status != 200 {
		t.Fatalf("change goodwill: %d %s", res.status, res.body)
	}
	changed := s.createCase(t, agent, "Goodwill", "Rude driver.", "")
	s.grant(t, agent, changed, `{"option_id":"goodwill","amount_minor":500}`, 201)
	if got := askAfter(s.resolve(t, changed)); got != 3*day {
		t.Errorf("goodwill changed to 3 days: asked after %v", got)
	}

	// A grant over the limit takes its option's delay once approved.
	approved := s.createCase(t, agent, "Big voucher", "Never arrived.", "")
	r := s.grant(t, agent, approved, `{"option_id":"voucher","amount_minor":20000}`, 202)
	if res := s.do(manager, http.MethodPost, "/api/v1/approvals/"+r.Data.Approval.ID+"/decision", `{"action":"approve","version":1}`, nil); res.status != 200 {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	if got := askAfter(s.resolve(t, approved)); got != 30*day {
		t.Errorf("approved voucher: asked after %v, want its 30 days", got)
	}
}
