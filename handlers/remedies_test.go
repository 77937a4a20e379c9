package handlers_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// setLimits gives a user a limit per case and per month (minor units) as the admin.
func (s *stack) setLimits(t *testing.T, userID string, perCase, perMonth int64) {
	t.Helper()
	body := fmt.Sprintf(`{"authority_limit_cents":%d,"monthly_limit_cents":%d}`, perCase, perMonth)
	if res := s.do(s.logins["admin"], http.MethodPatch, "/api/v1/users/"+userID, body, nil); res.status != http.StatusOK {
		t.Fatalf("set limits: %d %s", res.status, res.body)
	}
}

type grantResult struct {
	Data struct {
		Status   string `json:"status"`
		Grant    *models.Grant
		Approval *struct {
			ID                 string `json:"id"`
			AmountMinor        int64  `json:"amount_minor"`
			DecidedAmountMinor int64  `json:"decided_amount_minor"`
			Status             string `json:"status"`
			Reason             string `json:"reason"`
			Version            int64  `json:"version"`
		}
	}
}

func (s *stack) grant(t *testing.T, sess *session, caseID, body string, want int) grantResult {
	t.Helper()
	res := s.do(sess, http.MethodPost, "/api/v1/cases/"+caseID+"/resolution", body, nil)
	if res.status != want {
		t.Fatalf("grant %s: %d, want %d: %s", body, res.status, want, res.body)
	}
	var out grantResult
	if want < 300 {
		res.decode(t, &out)
	}
	return out
}

func (s *stack) caseGrants(t *testing.T, caseID string) []models.Grant {
	t.Helper()
	c, err := s.env.Store.GetCase(t.Context(), caseID)
	if err != nil {
		t.Fatal(err)
	}
	return c.Grants
}

func TestResolutionOptionCatalogue(t *testing.T) {
	s := newStack(t)
	res := s.do(s.logins["agent"], http.MethodGet, "/api/v1/resolution-options", "", nil)
	if res.status != http.StatusOK {
		t.Fatalf("list: %d %s", res.status, res.body)
	}
	var listed struct {
		Data []struct {
			ID             string `json:"id"`
			HasAmount      bool   `json:"has_amount"`
			ReasonRequired bool   `json:"reason_required"`
			FollowUpDays   int    `json:"follow_up_days"`
			Name           struct{ EN, FI string }
			Version        int64 `json:"version"`
		}
	}
	res.decode(t, &listed)
	var ids []string
	for _, o := range listed.Data {
		ids = append(ids, o.ID)
		if o.Name.EN == "" || o.Name.FI == "" || o.FollowUpDays <= 0 {
			t.Errorf("option %s lacks a name in both languages or a follow-up delay: %+v", o.ID, o)
		}
	}
	want := "full_refund partial_refund replacement repair voucher next_purchase_discount goodwill apology no_remedy"
	if strings.Join(ids, " ") != want {
		t.Fatalf("catalogue %v, want %s", ids, want)
	}
	if !listed.Data[0].HasAmount || listed.Data[2].HasAmount || !listed.Data[8].ReasonRequired {
		t.Errorf("money and reason flags wrong: %+v", listed.Data)
	}

	// Running the migrations again adds nothing twice (the seed is idempotent).
	if err := s.env.Store.Migrate(t.Context(), slog.New(slog.NewTextHandler(io.Discard, nil)), s.clock.Now()); err != nil {
		t.Fatal(err)
	}
	newOption := `{"id":"free_shipping","name":{"en":"Free shipping","fi":"Ilmainen toimitus"},"customer_text":{"en":"Your next delivery is free.","fi":"Seuraava toimitus on ilmainen."},"follow_up_days":10,"position":95}`
	s.run(t, []scenario{
		{name: "anonymous", method: "GET", path: "/api/v1/resolution-options", wantStatus: 401},
		{name: "agent may not add", as: "agent", method: "POST", path: "/api/v1/resolution-options", body: newOption, wantStatus: 403},
		{name: "manager may not add", as: "manager", method: "POST", path: "/api/v1/resolution-options", body: newOption, wantStatus: 403},
		{name: "manager may not change", as: "manager", method: "PATCH", path: "/api/v1/resolution-options/voucher", body: `{"follow_up_days":3,"version":1}`, wantStatus: 403},
		{name: "admin adds", as: "admin", method: "POST", path: "/api/v1/resolution-options", body: newOption, wantStatus: 201, wantBody: []string{`"free_shipping"`}},
		{name: "taken id", as: "admin", method: "POST", path: "/api/v1/resolution-options", body: newOption, wantStatus: 409, wantFields: []string{"id"}},
		{name: "blank Finnish", as: "admin", method: "POST", path: "/api/v1/resolution-options", body: strings.Replace(strings.Replace(newOption, "Ilmainen toimitus", " ", 1), "free_shipping", "x_ship", 1), wantStatus: 400, wantFields: []string{"name"}},
		{name: "bad id", as: "admin", method: "POST", path: "/api/v1/resolution-options", body: strings.Replace(newOption, "free_shipping", "Free Shipping", 1), wantStatus: 400, wantFields: []string{"id"}},
		{name: "admin changes", as: "admin", method: "PATCH", path: "/api/v1/resolution-options/voucher", body: `{"follow_up_days":3,"version":1}`, wantStatus: 200, wantBody: []string{`"follow_up_days":3`, `"version":2`}},
		{name: "stale version", as: "admin", method: "PATCH", path: "/api/v1/resolution-options/voucher", body: `{"follow_up_days":4,"version":1}`, wantStatus: 409},
		{name: "unknown option", as: "admin", method: "PATCH", path: "/api/v1/resolution-options/nope", body: `{"follow_up_days":4,"version":1}`, wantStatus: 404},
	})
}

func TestGrantWithinLimitsIsExactAndRecordedBesideTheExpectedOutcome(t *testing.T) {
	s := newStack(t)
	agent := s.logins["agent"]
	s.setLimits(t, agent.user.ID, 300_000, 1_000_000)
	body, _ := json.Marshal(map[string]any{"subject": "Broken kettle", "description": "It leaks.", "expected_outcome": "refund",
		"customer": map[string]string{"name": "Aino Virtanen", "email": "aino@example.com"}})
	res := s.do(agent, http.MethodPost, "/api/v1/cases", string(body), nil)
	var created struct{ Data models.Case }
	res.decode(t, &created)
	id := created.Data.ID

	// 0.1 + 0.2, typed as text, is exactly 0.30.
	g := s.grant(t, agent, id, `{"option_id":"partial_refund","amount":"0.1","message":"Part of the price back."}`, 201)
	if g.Data.Status != "granted" || g.Data.Grant.AmountMinor != 10 {
		t.Fatalf("grant: %+v", g.Data)
	}
	s.grant(t, agent, id, `{"option_id":"partial_refund","amount":"0.2"}`, 201)
	// Text as the Finnish UI shows amounts: a comma followed by two digits is the decimal mark
	// even in English, where "1,000" would be a thousand.
	if g := s.grant(t, agent, id, `{"option_id":"voucher","amount":"1\u00a0000,50"}`, 201); g.Data.Grant.AmountMinor != 100050 {
		t.Fatalf("1 000,50 is %d minor units", g.Data.Grant.AmountMinor)
	}
	s.grant(t, agent, id, `{"option_id":"voucher","amount_minor":100050}`, 201)
	s.run(t, []scenario{
		{name: "a float is refused", as: "agent", method: "POST", path: "/api/v1/cases/" + id + "/resolution", body: `{"option_id":"voucher","amount_minor":10.5}`, wantStatus: 400},
		{name: "1.005 euros is refused, not rounded", as: "agent", method: "POST", path: "/api/v1/cases/" + id + "/resolution", body: `{"option_id":"voucher","amount":"1.005"}`, wantStatus: 400, wantFields: []string{"amount"}},
		{name: "over 2^53-1 minor units is refused", as: "agent", method: "POST", path: "/api/v1/cases/" + id + "/resolution", body: `{"option_id":"voucher","amount_minor":9007199254740993}`, wantStatus: 400, wantFields: []string{"amount_minor"}},
		{name: "money option needs an amount", as: "agent", method: "POST", path: "/api/v1/cases/" + id + "/resolution", body: `{"option_id":"voucher"}`, wantStatus: 400, wantFields: []string{"amount"}},
		{name: "no remedy needs a reason", as: "agent", method: "POST", path: "/api/v1/cases/" + id + "/resolution", body: `{"option_id":"no_remedy"}`, wantStatus: 400, wantFields: []string{"message"}},
		{name: "replacement carries no money", as: "agent", method: "POST", path: "/api/v1/cases/" + id + "/resolution", body: `{"option_id":"replacement","amount_minor":500}`, wantStatus: 400, wantFields: []string{"amount"}},
		{name: "unknown option", as: "agent", method: "POST", path: "/api/v1/cases/" + id + "/resolution", body: `{"option_id":"gold_bar","amount_minor":5}`, wantStatus: 400, wantFields: []string{"option_id"}},
		{name: "unknown case", as: "agent", method: "POST", path: "/api/v1/cases/K-1999-000001/resolution", body: `{"option_id":"apology"}`, wantStatus: 404},
		{name: "anonymous", method: "POST", path: "/api/v1/cases/" + id + "/resolution", body: `{"option_id":"apology"}`, wantStatus: 401},
	})
	grants := s.caseGrants(t, id)
	if len(grants) != 4 || grants[0].AmountMinor+grants[1].AmountMinor != 30 || grants[3].AmountMinor != 100050 {
		t.Fatalf("grants %+v", grants)
	}
	c, _ := s.env.Store.GetCase(t.Context(), id)
	last := c.Timeline[len(c.Timeline)-1]
	if last.Type != "remedy_granted" || last.Data["expected_outcome"] != "refund" || last.Data["option"] != "voucher" || last.Data["amount_minor"] != "100050" {
		t.Errorf("timeline entry %+v", last)
	}

	// A reversal is a new entry with the opposite amount; the original stays as it was.
	g = s.grant(t, agent, id, `{"reverses":"`+grants[3].ID+`","message":"Customer returned the voucher."}`, 201)
	if g.Data.Grant.AmountMinor != -100050 || g.Data.Grant.Reverses != grants[3].ID {
		t.Fatalf("reversal %+v", g.Data.Grant)
	}
	s.grant(t, agent, id, `{"reverses":"`+grants[3].ID+`"}`, 409)
	if after := s.caseGrants(t, id); len(after) != 5 || after[3] != grants[3] {
		t.Fatalf("the original grant changed or no entry was added: %+v", after)
	}
}

func TestConcurrentGrantsCannotBothPassTheMonthlyLimit(t *testing.T) {
	s := newStack(t)
	agent := s.logins["agent"]
	s.setLimits(t, agent.user.ID, 1_000_000, 1000) // 10.00 a month
	const n = 8
	ids := make([]string, n)
	for i := range ids {
		ids[i] = s.createCase(t, agent, fmt.Sprintf("Case %d", i), "Refund please.", "")
	}
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res := s.do(agent, http.MethodPost, "/api/v1/cases/"+ids[i]+"/resolution", `{"option_id":"goodwill","amount_minor":300}`, nil)
			statuses[i] = res.status
		})
	}
	wg.Wait()
	granted, requested := 0, 0
	for _, st := range statuses {
		switch st {
		case http.StatusCreated:
			granted++
		case http.StatusAccepted:
			requested++
		default:
			t.Errorf("status %d", st)
		}
	}
	if granted != 3 || requested != n-3 {
		t.Fatalf("%d granted and %d sent for approval; want 3 within 10.00 and %d over it", granted, requested, n-3)
	}
	res := s.do(agent, http.MethodGet, "/api/v1/me/spending", "", nil)
	if !strings.Contains(res.body, `"spent_minor":900`) || !strings.Contains(res.body, `"month":"2026-03"`) {
		t.Fatalf("spending %s", res.body)
	}

	// The month turns in the installation's time zone: 31 March 22:30 UTC is April in Helsinki.
	s.clock.Advance(time.Date(2026, 3, 31, 21, 30, 0, 0, time.UTC).Sub(s.clock.Now()))
	agent = s.login("agent@example.com", testPassword) // the session has expired meanwhile
	s.grant(t, agent, ids[0], `{"option_id":"goodwill","amount_minor":1000}`, 201)
	res = s.do(agent, http.MethodGet, "/api/v1/me/spending", "", nil)
	if !strings.Contains(res.body, `"spent_minor":1000`) || !strings.Contains(res.body, `"month":"2026-04"`) {
		t.Fatalf("spending after the month turned %s", res.body)
	}
	s.grant(t, agent, ids[1], `{"option_id":"goodwill","amount_minor":1}`, 202)
}

func TestApprovalFlow(t *testing.T) {
	s := newStack(t)
	agent, manager := s.logins["agent"], s.logins["manager"]
	s.setLimits(t, agent.user.ID, 5000, 100_000)
	s.setLimits(t, manager.user.ID, 500_000, 1_000_000)
	other := s.createUser("manager2@example.com", "Maija Manager", models.RoleManager)
	s.logins["manager2"] = s.login("manager2@example.com", testPassword)
	s.setLimits(t, other.ID, 500_000, 1_000_000)
	agent2 := s.createUser("agent2@example.com", "Aku Agent", models.RoleAgent)
	s.logins["agent2"] = s.login("agent2@example.com", testPassword)
	_ = agent2

	id := s.createCase(t, agent, "Ruined sofa", "The delivery scratched it.", "")
	// 9007199254740991 minor units (2^53-1) is kept exactly, all the way through.
	big := s.grant(t, agent, id, `{"option_id":"goodwill","amount_minor":9007199254740991}`, 202)
	if big.Data.Approval.AmountMinor != 9007199254740991 {
		t.Fatalf("amount %d", big.Data.Approval.AmountMinor)
	}
	g := s.grant(t, agent, id, `{"option_id":"full_refund","amount_minor":12000,"message":"Full price back."}`, 202)
	a := g.Data.Approval
	if g.Data.Status != "approval_requested" || a.Reason != "case" || a.Status != "waiting" {
		t.Fatalf("over the limit per case: %+v", g.Data)
	}
	if len(s.caseGrants(t, id)) != 0 {
		t.Fatal("a grant over the limit must wait for approval")
	}

	// Both managers' limits cover 120.00 (not the huge one); the requester sees it as theirs.
	res := s.do(manager, http.MethodGet, "/api/v1/approvals?filter=waiting_for_me", "", nil)
	if !strings.Contains(res.body, a.ID) || strings.Contains(res.body, big.Data.Approval.ID) || !strings.Contains(res.body, `"total":1`) {
		t.Fatalf("waiting for the manager: %s", res.body)
	}
	res = s.do(s.logins["admin"], http.MethodGet, "/api/v1/approvals/count", "", nil)
	if !strings.Contains(res.body, `"waiting_for_me":2`) {
		t.Fatalf("the admin decides anything: %s", res.body)
	}
	res = s.do(agent, http.MethodGet, "/api/v1/approvals?filter=mine", "", nil)
	if !strings.Contains(res.body, a.ID) || !strings.Contains(res.body, `"total":2`) {
		t.Fatalf("the agent's own requests: %s", res.body)
	}
	path := "/api/v1/approvals/" + a.ID
	decide := path + "/decision"
	s.run(t, []scenario{
		{name: "anonymous list", method: "GET", path: "/api/v1/approvals", wantStatus: 401},
		{name: "another agent cannot see it", as: "agent2", method: "GET", path: path, wantStatus: 404},
		{name: "another agent's waiting list is empty", as: "agent2", method: "GET", path: "/api/v1/approvals", wantStatus: 200, wantBody: []string{`"total":0`}},
		{name: "agents do not list everyone's", as: "agent2", method: "GET", path: "/api/v1/approvals?filter=all", wantStatus: 403},
		{name: "unknown filter", as: "manager", method: "GET", path: "/api/v1/approvals?filter=nope", wantStatus: 400},
		{name: "unknown parameter", as: "manager", method: "GET", path: "/api/v1/approvals?sort=x", wantStatus: 400},
		{name: "the requester sees it", as: "agent", method: "GET", path: path, wantStatus: 200, wantBody: []string{`"may_decide":false`}},
		{name: "nobody approves their own request", as: "agent", method: "POST", path: decide, body: `{"action":"approve","version":1}`, wantStatus: 403},
		{name: "another agent cannot decide", as: "agent2", method: "POST", path: decide, body: `{"action":"approve","version":1}`, wantStatus: 404},
		{name: "a rejection needs a comment", as: "manager", method: "POST", path: decide, body: `{"action":"reject","version":1}`, wantStatus: 400, wantFields: []string{"comment"}},
		{name: "a change needs an amount", as: "manager", method: "POST", path: decide, body: `{"action":"change","comment":"less","version":1}`, wantStatus: 400, wantFields: []string{"amount"}},
		{name: "a manager over their own limit", as: "manager", method: "POST", path: "/api/v1/approvals/" + big.Data.Approval.ID + "/decision", body: `{"action":"approve","version":1}`, wantStatus: 403},
		{name: "unknown request", as: "manager", method: "POST", path: "/api/v1/approvals/nope/decision", body: `{"action":"approve","version":1}`, wantStatus: 404},
	})

	// Two managers decide at once on the version they saw: one wins, the other gets 409.
	bodies := []string{`{"action":"change","amount_minor":8000,"comment":"80 is fair.","version":1}`, `{"action":"approve","version":1}`}
	sessions := []*session{manager, s.logins["manager2"]}
	statuses := make([]int, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { statuses[i] = s.do(sessions[i], http.MethodPost, decide, bodies[i], nil).status })
	}
	wg.Wait()
	if !(statuses[0] == 200 && statuses[1] == 409) && !(statuses[0] == 409 && statuses[1] == 200) {
		t.Fatalf("statuses %v, want one 200 and one 409", statuses)
	}
	grants := s.caseGrants(t, id)
	if len(grants) != 1 || grants[0].GrantedByID != agent.user.ID || grants[0].ApprovedBy == "" || grants[0].ApprovalID != a.ID {
		t.Fatalf("grants after the approval %+v", grants)
	}
	winner, want := manager, int64(8000)
	if statuses[1] == 200 {
		winner, want = s.logins["manager2"], 12000
	}
	if grants[0].AmountMinor != want {
		t.Fatalf("granted %d, want %d", grants[0].AmountMinor, want)
	}
	// Only the winner's month counts the grant; the loser's raise was taken back.
	for _, sess := range sessions {
		res := s.do(sess, http.MethodGet, "/api/v1/me/spending", "", nil)
		spent := `"spent_minor":0`
		if sess == winner {
			spent = fmt.Sprintf(`"spent_minor":%d`, want)
		}
		if !strings.Contains(res.body, spent) {
			t.Errorf("%s: %s, want %s", sess.user.Name, res.body, spent)
		}
	}
	s.run(t, []scenario{
		{name: "decided already", as: "manager", method: "POST", path: decide, body: `{"action":"approve","version":2}`, wantStatus: 409},
		{name: "no longer waiting for anyone", as: "manager", method: "GET", path: "/api/v1/approvals/count", wantStatus: 200, wantBody: []string{`"waiting_for_me":0`}},
		{name: "every request for managers", as: "manager", method: "GET", path: "/api/v1/approvals?filter=all&status=approved", wantStatus: 200, wantBody: []string{`"total":1`, `"status":"approved"`}},
	})

	// A rejection is recorded on the case and grants nothing.
	r := s.grant(t, agent, id, `{"option_id":"voucher","amount_minor":6000}`, 202)
	res = s.do(s.logins["admin"], http.MethodPost, "/api/v1/approvals/"+r.Data.Approval.ID+"/decision", `{"action":"reject","comment":"Already compensated.","version":1}`, nil)
	if res.status != 200 || !strings.Contains(res.body, `"status":"rejected"`) {
		t.Fatalf("reject: %d %s", res.status, res.body)
	}
	c, _ := s.env.Store.GetCase(t.Context(), id)
	if len(c.Grants) != 1 || c.Timeline[len(c.Timeline)-1].Type != "approval_rejected" {
		t.Fatalf("after the rejection: grants %d, last entry %+v", len(c.Grants), c.Timeline[len(c.Timeline)-1])
	}
}

func TestConcurrentGrantsOnOneCaseCannotPassTheLimitPerCase(t *testing.T) {
	s := newStack(t)
	agent := s.logins["agent"]
	s.setLimits(t, agent.user.ID, 1000, 1_000_000) // 10.00 per case
	id := s.createCase(t, agent, "One case", "Refund please.", "")
	const n = 6
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			statuses[i] = s.do(agent, http.MethodPost, "/api/v1/cases/"+id+"/resolution", `{"option_id":"goodwill","amount_minor":300}`, nil).status
		})
	}
	wg.Wait()
	granted := 0
	for _, st := range statuses {
		if st == http.StatusCreated {
			granted++
		} else if st != http.StatusAccepted {
			t.Errorf("status %d", st)
		}
	}
	c, _ := s.env.Store.GetCase(t.Context(), id)
	if granted != 3 || c.GrantedTotal() != 900 {
		t.Fatalf("%d granted, %d on the case; want 3 and 900 within 10.00 (statuses %v)", granted, c.GrantedTotal(), statuses)
	}
	// The grants that went to approval took their monthly raise back.
	if res := s.do(agent, http.MethodGet, "/api/v1/me/spending", "", nil); !strings.Contains(res.body, `"spent_minor":900`) {
		t.Fatalf("spending %s", res.body)
	}
}

// The rule trigger "approval requested" with the conditions "amount over" and "option is".
func TestApprovalRequestedRulesLookAtTheAmountAndTheOption(t *testing.T) {
	s := newStack(t)
	agent := s.logins["agent"]
	s.setLimits(t, agent.user.ID, 5000, 1_000_000)
	rule := `{"name":"Big goodwill","trigger":{"type":"approval_requested"},"match":"all",
	  "conditions":[{"field":"amount_minor","op":"gt","value":10000},{"field":"option","op":"in","value":["goodwill","full_refund"]}],
	  "actions":[{"type":"add_tag","tag":"big-remedy"},{"type":"set_priority","priority":"high"}]}`
	s.run(t, []scenario{
		{name: "amount over needs the approval trigger", as: "manager", method: "POST", path: "/api/v1/rules", body: strings.Replace(rule, "approval_requested", "case_updated", 1), wantStatus: 400, wantFields: []string{"conditions[0].field"}},
		{name: "amount over is whole minor units", as: "manager", method: "POST", path: "/api/v1/rules", body: strings.Replace(rule, "10000", "100.5", 1), wantStatus: 400, wantFields: []string{"conditions[0].value"}},
		{name: "amount over stays exact", as: "manager", method: "POST", path: "/api/v1/rules", body: strings.Replace(rule, "10000", "9007199254740993", 1), wantStatus: 400, wantFields: []string{"conditions[0].value"}},
		{name: "the rule", as: "manager", method: "POST", path: "/api/v1/rules", body: rule, wantStatus: 201},
	})
	tags := func(id string) []string {
		c, err := s.env.Store.GetCase(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		return c.Tags
	}
	big := s.createCase(t, agent, "Big", "Refund please.", "")
	s.grant(t, agent, big, `{"option_id":"goodwill","amount_minor":10001}`, 202)
	if !slices.Contains(tags(big), "big-remedy") {
		t.Fatalf("10001 over 10000 as goodwill: tags %v", tags(big))
	}
	for _, body := range []string{`{"option_id":"goodwill","amount_minor":10000}`, `{"option_id":"voucher","amount_minor":20000}`} {
		id := s.createCase(t, agent, "Not big", "Refund please.", "")
		s.grant(t, agent, id, body, 202)
		if slices.Contains(tags(id), "big-remedy") {
			t.Fatalf("%s: tags %v", body, tags(id))
		}
	}
	// Within the limit nothing is requested, so the rule does not run.
	small := s.createCase(t, agent, "Small", "Refund please.", "")
	s.grant(t, agent, small, `{"option_id":"goodwill","amount_minor":4000}`, 201)
	if slices.Contains(tags(small), "big-remedy") {
		t.Fatalf("a grant within the limit: tags %v", tags(small))
	}
}

// A grant over the agent's limit per case goes for approval without touching their month: its
// raise was never sent, so nothing is given back either (the month once lost the amount).
func TestGrantOverTheCaseLimitLeavesTheMonthAsItWas(t *testing.T) {
	s := newStack(t)
	agent := s.logins["agent"]
	s.setLimits(t, agent.user.ID, 500, 100_000) // 5.00 a case
	first := s.createCase(t, agent, "First", "Refund please.", "")
	s.grant(t, agent, first, `{"option_id":"goodwill","amount_minor":400}`, 201)
	second := s.createCase(t, agent, "Second", "Refund please.", "")
	s.grant(t, agent, second, `{"option_id":"goodwill","amount_minor":900}`, 202)
	if res := s.do(agent, http.MethodGet, "/api/v1/me/spending", "", nil); !strings.Contains(res.body, `"spent_minor":400`) {
		t.Fatalf("spending after a grant sent for approval: %s, want 400", res.body)
	}
}
