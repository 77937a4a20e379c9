package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// An approver's decision reads its case once (in the case's write, beside the request), sends
// the requester's notification and the case's change in one event page, reads no settings, and
// costs a fixed handful of commands: approve, change and reject alike.
func TestApprovalDecisionRoundTrips(t *testing.T) {
	log := &commandLog{counts: map[string]int{}}
	s := newStackWith(t, store.Options{SingleWriter: true, Monitor: log.monitor()})
	agent, manager := s.logins["agent"], s.logins["manager"]
	s.setLimits(t, agent.user.ID, 5000, 100_000)
	s.setLimits(t, manager.user.ID, 500_000, 1_000_000)
	for i, body := range []string{
		`{"action":"change","amount_minor":8000,"comment":"80 is fair.","version":1}`,
		`{"action":"approve","version":1}`,
		`{"action":"reject","comment":"Already compensated.","version":1}`,
	} {
		id := s.createCase(t, agent, fmt.Sprint("Ruined sofa ", i), "The delivery scratched it.", "")
		a := s.grant(t, agent, id, `{"option_id":"full_refund","amount_minor":12000}`, 202).Data.Approval
		log.take()
		if res := s.do(manager, http.MethodPost, "/api/v1/approvals/"+a.ID+"/decision", body, nil); res.status != http.StatusOK {
			t.Fatalf("decide %s: %d %s", body, res.status, res.body)
		}
		decided := log.take()
		delete(decided, "find sessions") // the manager's session, read once per login
		// The snapshots of small collections, read again when older than two seconds.
		for _, snapshot := range []string{"find resolution_options", "find users", "find rules", "find sla_policies"} {
			delete(decided, snapshot)
		}
		// The case's index mark is raised instead of inserted while the request's own mark
		// waits for the index to flush (at most a second): an extra update in a test only.
		delete(decided, "update index_queue")
		total := 0
		for _, n := range decided {
			total += n
		}
		if decided["find approval_requests"] > 2 { // to find the case, then under the locks
			t.Errorf("%s: %d reads of the request", body, decided["find approval_requests"])
		}
		want := map[string]int{"find cases": 1, "update approval_requests": 1, "update cases": 1,
			"insert events": 1, "insert notifications": 1, "insert mail_outbox": 1, "find settings": 0}
		for cmd, n := range want {
			if decided[cmd] != n {
				t.Errorf("%s: %d %s, want %d (all: %v)", body, decided[cmd], cmd, n, decided)
			}
		}
		limit := 11 // with the month's raise; a rejection raises nothing
		if strings.Contains(body, "reject") {
			limit = 10
		}
		if total > limit {
			t.Errorf("%s: %d commands, want at most %d: %v", body, total, limit, decided)
		}
		c, err := s.env.Store.GetCase(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.PendingApprovals) != 0 {
			t.Errorf("%s: the case still waits for %v", body, c.PendingApprovals)
		}
	}
}

// However many approvers decide one request at once, one decision is stored: one 200, the
// rest 409, one grant on the case, and only the winner's month counts it (the others' raises,
// made beside their reads, are taken back).
func TestManyApproversAtOnceStoreOneDecision(t *testing.T) {
	s := newStack(t)
	agent := s.logins["agent"]
	s.setLimits(t, agent.user.ID, 5000, 100_000)
	const approvers = 6
	sessions := make([]*session, approvers)
	for i := range sessions {
		email := fmt.Sprintf("manager%d@example.com", i)
		u := s.createUser(email, fmt.Sprint("Manager ", i), models.RoleManager)
		s.setLimits(t, u.ID, 500_000, 1_000_000)
		sessions[i] = s.login(email, testPassword)
	}
	spent := make([]int64, approvers)
	for round := range 3 {
		id := s.createCase(t, agent, fmt.Sprint("Ruined sofa ", round), "The delivery scratched it.", "")
		a := s.grant(t, agent, id, `{"option_id":"full_refund","amount_minor":12000}`, 202).Data.Approval
		statuses := make([]int, approvers)
		var wg sync.WaitGroup
		for i := range approvers {
			body := `{"action":"approve","version":1}`
			if i%2 == 1 {
				body = `{"action":"change","amount_minor":8000,"comment":"80 is fair.","version":1}`
			}
			wg.Go(func() {
				statuses[i] = s.do(sessions[i], http.MethodPost, "/api/v1/approvals/"+a.ID+"/decision", body, nil).status
			})
		}
		wg.Wait()
		winner := -1
		for i, st := range statuses {
			switch {
			case st == http.StatusOK && winner < 0:
				winner = i
			case st != http.StatusConflict:
				t.Fatalf("round %d: statuses %v, want one 200 and the rest 409", round, statuses)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: statuses %v, nobody won", round, statuses)
		}
		want := int64(12000)
		if winner%2 == 1 {
			want = 8000
		}
		grants := s.caseGrants(t, id)
		if len(grants) != 1 || grants[0].AmountMinor != want || grants[0].ApprovalID != a.ID {
			t.Fatalf("round %d: grants %+v, want one of %d", round, grants, want)
		}
		stored, err := s.env.Store.GetApproval(t.Context(), a.ID)
		if err != nil || stored.Version != 2 || stored.DecidedAmountMinor != want || stored.GrantID != grants[0].ID {
			t.Fatalf("round %d: stored request %+v (%v)", round, stored, err)
		}
		spent[winner] += want
		for i, sess := range sessions {
			res := s.do(sess, http.MethodGet, "/api/v1/me/spending", "", nil)
			var out struct {
				Data struct {
					SpentMinor int64 `json:"spent_minor"`
				} `json:"data"`
			}
			res.decode(t, &out)
			if out.Data.SpentMinor != spent[i] {
				t.Errorf("round %d: approver %d's month counts %d, want %d", round, i, out.Data.SpentMinor, spent[i])
			}
		}
	}
}

// A grant over the agent's limits that asks for approval reads its case once: the grant's own
// case write turns into the request (stored beside the case, in the round of its index mark
// and timer), so neither a second read to build the request nor a third write to note it on
// the case is needed. Over the limit per case (with and without a raise of the month to give
// back) and over the month's limit alike.
func TestApprovalRequestRoundTrips(t *testing.T) {
	log := &commandLog{counts: map[string]int{}}
	s := newStackWith(t, store.Options{SingleWriter: true, Monitor: log.monitor()})
	agent := s.logins["agent"]
	s.setLimits(t, agent.user.ID, 5000, 12_000)
	for _, tc := range []struct {
		name, before, ask, reason string
		raised                    bool // a raise of the month was sent and is given back
	}{
		{name: "over the limit per case", ask: `{"option_id":"full_refund","amount_minor":12000}`, reason: "case"},
		{name: "over what is left on the case", before: `{"option_id":"full_refund","amount_minor":4000}`,
			ask: `{"option_id":"full_refund","amount_minor":2000}`, reason: "case", raised: true},
		{name: "over the month", ask: `{"option_id":"full_refund","amount_minor":4000}`, reason: "month"},
	} {
		id := s.createCase(t, agent, "Ruined sofa "+tc.name, "The delivery scratched it.", "")
		if tc.before != "" {
			s.grant(t, agent, id, tc.before, 201)
		}
		if tc.reason == "month" { // 4,000 granted above and 5,000 here leave 3,000 of 12,000
			other := s.createCase(t, agent, "Another sofa", "Scratched too.", "")
			s.grant(t, agent, other, `{"option_id":"full_refund","amount_minor":5000}`, 201)
		}
		log.take()
		a := s.grant(t, agent, id, tc.ask, 202).Data.Approval
		asked := log.take()
		if a == nil || a.Reason != tc.reason || a.Status != "waiting" {
			t.Fatalf("%s: approval %+v", tc.name, a)
		}
		delete(asked, "find sessions")
		for _, snapshot := range []string{"find resolution_options", "find users", "find rules", "find sla_policies", "find settings"} {
			delete(asked, snapshot)
		}
		delete(asked, "update index_queue") // see TestApprovalDecisionRoundTrips
		want := map[string]int{"find cases": 1, "update cases": 1, "insert approval_requests": 1, "insert events": 1}
		for cmd, n := range want {
			if asked[cmd] != n {
				t.Errorf("%s: %d %s, want %d (all: %v)", tc.name, asked[cmd], cmd, n, asked)
			}
		}
		total := 0
		for _, n := range asked {
			total += n
		}
		limit := 7
		switch {
		case tc.raised:
			limit = 9 // the month raised beside the read, and lowered again
		case tc.reason == "month":
			limit = 8 // the refused raise, upserting, is tried twice (changeMonthlySpend)
		}
		if total > limit {
			t.Errorf("%s: %d commands, want at most %d: %v", tc.name, total, limit, asked)
		}
		c, err := s.env.Store.GetCase(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.PendingApprovals) != 1 || c.PendingApprovals[0].ID != a.ID {
			t.Errorf("%s: the case waits for %v, want %s", tc.name, c.PendingApprovals, a.ID)
		}
	}
}
