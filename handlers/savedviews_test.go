package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

type savedViewAnswer struct {
	Data struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Version int64  `json:"version"`
	} `json:"data"`
}

func (s *stack) saveView(t *testing.T, sess *session, body string) savedViewAnswer {
	t.Helper()
	res := s.do(sess, http.MethodPost, "/api/v1/saved-views", body, nil)
	if res.status != http.StatusCreated {
		t.Fatalf("save view %s: %d %s", body, res.status, res.body)
	}
	var v savedViewAnswer
	res.decode(t, &v)
	return v
}

func (s *stack) viewNames(t *testing.T, sess *session) []string {
	t.Helper()
	res := s.do(sess, http.MethodGet, "/api/v1/saved-views", "", nil)
	if res.status != http.StatusOK {
		t.Fatalf("list views: %d %s", res.status, res.body)
	}
	var l struct {
		Data []struct{ Name string }
		Meta struct{ Total int }
	}
	res.decode(t, &l)
	names := []string{}
	for _, v := range l.Data {
		names = append(names, v.Name)
	}
	if l.Meta.Total != len(names) {
		t.Fatalf("total %d for %d views", l.Meta.Total, len(names))
	}
	return names
}

// Who sees and who changes which saved view.
func TestSavedViewAccess(t *testing.T) {
	s := newStack(t)
	admin := s.logins["admin"]
	var team struct{ Data struct{ ID string } }
	s.do(admin, http.MethodPost, "/api/v1/teams", `{"name":"Deliveries"}`, nil).decode(t, &team)
	var other struct{ Data struct{ ID string } }
	s.do(admin, http.MethodPost, "/api/v1/teams", `{"name":"Billing"}`, nil).decode(t, &other)
	member := s.createUser("member@example.com", "Team Member", models.RoleAgent)
	if res := s.do(admin, http.MethodPatch, "/api/v1/users/"+member.ID, `{"team_ids":["`+team.Data.ID+`"]}`, nil); res.status != http.StatusOK {
		t.Fatalf("join team: %d %s", res.status, res.body)
	}
	s.logins["member"] = s.login("member@example.com", testPassword)

	agentView := s.saveView(t, s.logins["agent"], `{"name":"My urgent","scope":"personal","filters":{"view":"mine","priority":["urgent"]}}`)
	teamView := s.saveView(t, s.logins["manager"], `{"name":"Deliveries due","scope":"team","team_id":"`+team.Data.ID+`","filters":{"view":"all_open","sort":"due","order":"asc"}}`)
	billingView := s.saveView(t, s.logins["manager"], `{"name":"Billing","scope":"team","team_id":"`+other.Data.ID+`","filters":{}}`)
	allView := s.saveView(t, s.logins["manager"], `{"name":"Escalated everywhere","scope":"everyone","filters":{"min_escalation_level":1}}`)

	for who, want := range map[string][]string{
		"agent":   {"My urgent", "Escalated everywhere"},
		"member":  {"Deliveries due", "Escalated everywhere"},
		"manager": {"Billing", "Deliveries due", "Escalated everywhere"},
		"admin":   {"Billing", "Deliveries due", "Escalated everywhere"},
	} {
		if got := s.viewNames(t, s.logins[who]); !slices.Equal(got, want) {
			t.Errorf("%s sees %v, want %v", who, got, want)
		}
	}
	path := func(id string) string { return "/api/v1/saved-views/" + url.PathEscape(id) }
	s.run(t, []scenario{
		{name: "agent shares with a team", as: "agent", method: "POST", path: "/api/v1/saved-views",
			body: `{"name":"x","scope":"team","team_id":"` + team.Data.ID + `"}`, wantStatus: 403},
		{name: "agent shares with everyone", as: "agent", method: "POST", path: "/api/v1/saved-views",
			body: `{"name":"x","scope":"everyone"}`, wantStatus: 403},
		{name: "team view without a team", as: "manager", method: "POST", path: "/api/v1/saved-views",
			body: `{"name":"x","scope":"team"}`, wantStatus: 400, wantFields: []string{"team_id"}},
		{name: "team view of no team", as: "manager", method: "POST", path: "/api/v1/saved-views",
			body: `{"name":"x","scope":"team","team_id":"nope"}`, wantStatus: 400, wantFields: []string{"team_id"}},
		{name: "a filter the inbox refuses", as: "agent", method: "POST", path: "/api/v1/saved-views",
			body: `{"name":"x","scope":"personal","filters":{"status":["gone"]}}`, wantStatus: 400, wantFields: []string{"filters.status"}},
		{name: "an unknown sort", as: "agent", method: "POST", path: "/api/v1/saved-views",
			body: `{"name":"x","scope":"personal","filters":{"sort":"mood"}}`, wantStatus: 400, wantFields: []string{"filters.sort"}},
		{name: "a blank name", as: "agent", method: "POST", path: "/api/v1/saved-views",
			body: `{"name":"  ","scope":"personal"}`, wantStatus: 400, wantFields: []string{"name"}},
		{name: "owner reads own", as: "agent", method: "GET", path: path(agentView.Data.ID), wantStatus: 200, wantBody: []string{`"priority":["urgent"]`}},
		{name: "someone else's personal view is not found", as: "manager", method: "GET", path: path(agentView.Data.ID), wantStatus: 404},
		{name: "nor changed by an admin", as: "admin", method: "PATCH", path: path(agentView.Data.ID), body: `{"version":1,"name":"x"}`, wantStatus: 404},
		{name: "another team's view is not found", as: "member", method: "GET", path: path(billingView.Data.ID), wantStatus: 404},
		{name: "member reads the team view", as: "member", method: "GET", path: path(teamView.Data.ID), wantStatus: 200},
		{name: "member cannot change the team view", as: "member", method: "PATCH", path: path(teamView.Data.ID), body: `{"version":1,"name":"x"}`, wantStatus: 403},
		{name: "agent cannot delete everyone's view", as: "agent", method: "DELETE", path: path(allView.Data.ID), wantStatus: 403},
		{name: "an id of nothing", as: "agent", method: "GET", path: path("nothing"), wantStatus: 404},
		{name: "owner renames", as: "agent", method: "PATCH", path: path(agentView.Data.ID), body: `{"version":1,"name":"Mine, urgent"}`, wantStatus: 200, wantBody: []string{`"version":2`}},
		{name: "stale version", as: "agent", method: "PATCH", path: path(agentView.Data.ID), body: `{"version":1,"name":"Again"}`, wantStatus: 409, wantCode: "version_conflict"},
		{name: "manager edits the team view", as: "manager", method: "PATCH", path: path(teamView.Data.ID), body: `{"version":1,"filters":{"view":"unassigned"}}`, wantStatus: 200, wantBody: []string{`"view":"unassigned"`}},
		{name: "admin edits everyone's view", as: "admin", method: "PATCH", path: path(allView.Data.ID), body: `{"version":1,"name":"Escalated"}`, wantStatus: 200},
		{name: "owner deletes", as: "agent", method: "DELETE", path: path(agentView.Data.ID), wantStatus: 204},
		{name: "gone", as: "agent", method: "GET", path: path(agentView.Data.ID), wantStatus: 404},
		{name: "anonymous", method: "GET", path: "/api/v1/saved-views", wantStatus: 401},
	})
	if got := s.viewNames(t, s.logins["agent"]); !slices.Equal(got, []string{"Escalated"}) {
		t.Errorf("after the changes the agent sees %v", got)
	}
}

// The counts of saved views come with the built-in ones, for whoever asks ("mine" is theirs).
func TestSavedViewCounts(t *testing.T) {
	s := newStack(t)
	agent, manager := s.logins["agent"], s.logins["manager"]
	for _, subject := range []string{"Broken chair", "Broken table", "Late sofa"} {
		s.createCase(t, agent, subject, "It is not right.", "product")
	}
	ids := s.listIDs(t, agent, "sort=created_at&order=asc")
	s.patchCase(t, agent, ids[0], `{"version":1,"assignee_id":"`+agent.user.ID+`","priority":"urgent"}`)
	s.patchCase(t, agent, ids[1], `{"version":1,"priority":"urgent"}`)
	mineUrgent := s.saveView(t, manager, `{"name":"My urgent","scope":"everyone","filters":{"view":"mine","priority":["urgent"]}}`)
	urgent := s.saveView(t, agent, `{"name":"Urgent","scope":"personal","filters":{"priority":["urgent"]}}`)
	// A view with search words counts the cases the words find, as its list shows them.
	broken := s.saveView(t, agent, `{"name":"Broken","scope":"personal","filters":{"q":"broken"}}`)
	private := s.saveView(t, manager, `{"name":"Private","scope":"personal","filters":{}}`)

	counts := func(sess *session, ids ...string) (int, map[string]any) {
		q := url.Values{"saved_view": ids}
		res := s.do(sess, http.MethodGet, "/api/v1/cases/counts?"+q.Encode(), "", nil)
		var body struct{ Data map[string]any }
		if res.status == http.StatusOK {
			res.decode(t, &body)
		}
		return res.status, body.Data
	}
	if _, got := counts(agent, broken.Data.ID); got["saved_views"].(map[string]any)[broken.Data.ID] != float64(2) {
		t.Errorf("a view with search words: %v", got)
	}
	status, got := counts(agent, mineUrgent.Data.ID, urgent.Data.ID)
	saved, _ := got["saved_views"].(map[string]any)
	if status != http.StatusOK || got["all_open"] != float64(3) || saved[mineUrgent.Data.ID] != float64(1) || saved[urgent.Data.ID] != float64(2) {
		t.Fatalf("agent's counts: %d %v", status, got)
	}
	if _, got := counts(manager, mineUrgent.Data.ID); got["saved_views"].(map[string]any)[mineUrgent.Data.ID] != float64(0) {
		t.Errorf("the manager's own urgent cases: %v", got)
	}
	if status, _ := counts(agent, private.Data.ID); status != http.StatusBadRequest {
		t.Errorf("counting someone else's personal view: %d", status)
	}
	res := s.do(agent, http.MethodGet, "/api/v1/cases/counts", "", nil)
	var plain struct{ Data map[string]json.RawMessage }
	res.decode(t, &plain)
	if _, ok := plain.Data["saved_views"]; ok || len(plain.Data) != len(helpdesk.Views) { // the built-in views
		t.Errorf("counts without saved views: %s", res.body)
	}
}
