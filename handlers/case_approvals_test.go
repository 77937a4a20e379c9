package handlers_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// caseApproval is a request as GET /cases/{id}/approval-requests shows it.
type caseApproval struct {
	ID                 string    `json:"id"`
	CaseID             string    `json:"case_id"`
	OptionID           string    `json:"option_id"`
	AmountMinor        int64     `json:"amount_minor"`
	DecidedAmountMinor int64     `json:"decided_amount_minor"`
	RequestedByName    string    `json:"requested_by_name"`
	Status             string    `json:"status"`
	DecidedByName      string    `json:"decided_by_name"`
	Comment            string    `json:"comment"`
	CreatedAt          time.Time `json:"created_at"`
}

// The case page's remedies card lists the case's approval requests: waiting ones with what was
// asked, by whom and when, decided ones with the outcome; never another case's, and only to
// those who may see them.
func TestCaseApprovalRequestsListTheCasesOwn(t *testing.T) {
	s := newStack(t)
	agent, manager := s.logins["agent"], s.logins["manager"]
	s.setLimits(t, agent.user.ID, 5000, 100_000)
	s.setLimits(t, manager.user.ID, 500_000, 1_000_000)
	s.createUser("agent2@example.com", "Aku Agent", models.RoleAgent)
	s.logins["agent2"] = s.login("agent2@example.com", testPassword)

	id := s.createCase(t, agent, "Ruined sofa", "The delivery scratched it.", "")
	other := s.createCase(t, agent, "Broken lamp", "It arrived in pieces.", "")
	first := s.grant(t, agent, id, `{"option_id":"full_refund","amount_minor":12000,"message":"Full price back."}`, 202).Data.Approval
	second := s.grant(t, agent, id, `{"option_id":"voucher","amount_minor":6000}`, 202).Data.Approval
	s.grant(t, agent, other, `{"option_id":"goodwill","amount_minor":7000}`, 202)

	list := func(sess *session, caseID string) []caseApproval {
		t.Helper()
		res := s.do(sess, http.MethodGet, "/api/v1/cases/"+caseID+"/approval-requests", "", nil)
		if res.status != http.StatusOK {
			t.Fatalf("list: %d %s", res.status, res.body)
		}
		var out struct {
			Data []caseApproval `json:"data"`
			Meta struct {
				Total int `json:"total"`
			} `json:"meta"`
		}
		if err := json.Unmarshal([]byte(res.body), &out); err != nil {
			t.Fatal(err)
		}
		if out.Meta.Total != len(out.Data) {
			t.Fatalf("total %d for %d items", out.Meta.Total, len(out.Data))
		}
		return out.Data
	}

	// byID puts a listing in the order the requests were made (the test clock stands still, so
	// both have the same time).
	byID := func(got []caseApproval) []caseApproval {
		if len(got) == 2 && got[0].ID == second.ID {
			got[0], got[1] = got[1], got[0]
		}
		return got
	}
	got := byID(list(agent, id))
	if len(got) != 2 || got[0].ID != first.ID || got[1].ID != second.ID {
		t.Fatalf("the case's requests: %+v", got)
	}
	if a := got[0]; a.Status != "waiting" || a.OptionID != "full_refund" || a.AmountMinor != 12000 ||
		a.RequestedByName != agent.user.Name || a.CreatedAt.IsZero() || a.CaseID != id {
		t.Fatalf("what was asked: %+v", a)
	}

	// Decided: one approved, one refused with the manager's reason.
	if res := s.do(manager, http.MethodPost, "/api/v1/approvals/"+first.ID+"/decision", `{"action":"approve","version":1}`, nil); res.status != 200 {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	if res := s.do(manager, http.MethodPost, "/api/v1/approvals/"+second.ID+"/decision", `{"action":"reject","comment":"Already compensated.","version":1}`, nil); res.status != 200 {
		t.Fatalf("reject: %d %s", res.status, res.body)
	}
	got = byID(list(manager, id))
	if len(got) != 2 || got[0].Status != "approved" || got[0].DecidedAmountMinor != 12000 ||
		got[1].Status != "rejected" || got[1].Comment != "Already compensated." || got[1].DecidedByName != manager.user.Name {
		t.Fatalf("after the decisions: %+v", got)
	}

	// Another agent working the case sees them too (so nobody grants again what waits for
	// approval); an unknown case is not found.
	if got := list(s.logins["agent2"], id); len(got) != 2 {
		t.Fatalf("another agent sees %+v", got)
	}
	s.run(t, []scenario{
		{name: "an unknown case", as: "agent", method: "GET", path: "/api/v1/cases/K-2026-999999/approval-requests", wantStatus: 404},
		{name: "anonymous", method: "GET", path: "/api/v1/cases/" + id + "/approval-requests", wantStatus: 401},
	})
}
