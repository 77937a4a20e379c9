package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/models"
)

type bulkAnswer struct {
	Data struct {
		Results []struct {
			ID      string `json:"id"`
			Outcome string `json:"outcome"`
			Message string `json:"message"`
			Version int64  `json:"version"`
		} `json:"results"`
		Changed int `json:"changed"`
		Refused int `json:"refused"`
	} `json:"data"`
}

func (s *stack) getCase(t *testing.T, sess *session, id string) models.Case {
	t.Helper()
	res := s.do(sess, http.MethodGet, "/api/v1/cases/"+id, "", nil)
	if res.status != http.StatusOK {
		t.Fatalf("GET case %s: %d %s", id, res.status, res.body)
	}
	var c struct{ Data models.Case }
	res.decode(t, &c)
	return c.Data
}

func (s *stack) patchCase(t *testing.T, sess *session, id, body string) models.Case {
	t.Helper()
	res := s.do(sess, http.MethodPatch, "/api/v1/cases/"+id, body, nil)
	if res.status != http.StatusOK {
		t.Fatalf("PATCH case %s: %d %s", id, res.status, res.body)
	}
	var c struct{ Data models.Case }
	res.decode(t, &c)
	return c.Data
}

// A bulk change writes each case as a PATCH would (its version check, timeline entry, rules),
// and answers which cases were changed and why the others were refused.
func TestBulkChangeReportsEachCase(t *testing.T) {
	s := newStack(t)
	agent := s.logins["agent"]
	rule := `{"name":"Urgent is hot","trigger":{"type":"case_updated"},"match":"all",
	  "conditions":[{"field":"priority","op":"changed_to","value":"urgent"}],
	  "actions":[{"type":"add_tag","tag":"hot"}]}`
	if res := s.do(s.logins["manager"], http.MethodPost, "/api/v1/rules", rule, nil); res.status != http.StatusCreated {
		t.Fatalf("create rule: %d %s", res.status, res.body)
	}
	var ids []string
	for i := range 5 {
		ids = append(ids, s.createCase(t, agent, fmt.Sprintf("Broken chair %d", i), "The leg came off.", "product"))
	}
	fresh, stale, closed, merged, tagged := ids[0], ids[1], ids[2], ids[3], ids[4]
	s.patchCase(t, agent, tagged, `{"version":1,"tags":["old","keep"]}`)
	// Someone changes the stale case after the client read it at version 1.
	s.patchCase(t, s.logins["manager"], stale, `{"version":1,"priority":"low"}`)
	s.patchCase(t, agent, closed, `{"version":1,"status":"closed"}`)
	if res := s.do(agent, http.MethodPost, "/api/v1/cases/"+merged+"/merge", `{"into":"`+fresh+`","version":1}`, nil); res.status != http.StatusOK {
		t.Fatalf("merge: %d %s", res.status, res.body)
	}
	mergedCase := s.getCase(t, agent, merged)
	freshCase := s.getCase(t, agent, fresh)

	body, _ := json.Marshal(map[string]any{
		"cases": []map[string]any{{"id": fresh, "version": freshCase.Version}, {"id": stale, "version": 1},
			{"id": closed, "version": 2}, {"id": "K-2026-999999", "version": 1},
			{"id": merged, "version": mergedCase.Version}, {"id": tagged, "version": 2}},
		"status": "waiting", "priority": "urgent", "assignee_id": agent.user.ID,
		"add_tags": []string{"Bulk"}, "remove_tags": []string{"old"},
	})
	events, stop := s.events.Subscribe()
	defer stop()
	res := s.do(agent, http.MethodPost, "/api/v1/cases/bulk", string(body), nil)
	if res.status != http.StatusOK {
		t.Fatalf("bulk: %d %s", res.status, res.body)
	}
	// Each changed case is announced with a live event of its own, before the answer.
	var announced []string
	for len(events) > 0 {
		if e := <-events; e.Type == "case.updated" && e.Data["bulk"] == true {
			announced = append(announced, e.CaseID)
		}
	}
	slices.Sort(announced)
	if want := []string{fresh, tagged}; !slices.Equal(announced, want) {
		t.Errorf("live events for %v, want one for each changed case %v", announced, want)
	}
	var got bulkAnswer
	res.decode(t, &got)
	want := []struct{ id, outcome string }{{fresh, "ok"}, {stale, "conflict"}, {closed, "invalid_transition"},
		{"K-2026-999999", "not_found"}, {merged, "forbidden"}, {tagged, "ok"}}
	if len(got.Data.Results) != len(want) || got.Data.Changed != 2 || got.Data.Refused != 4 {
		t.Fatalf("bulk answered %s", res.body)
	}
	for i, w := range want {
		r := got.Data.Results[i]
		if r.ID != w.id || r.Outcome != w.outcome || (w.outcome == "ok") != (r.Message == "") {
			t.Errorf("result %d = %+v, want %s %s", i, r, w.id, w.outcome)
		}
	}

	// The changed cases: one timeline entry per field by the agent, the rule fired in the same
	// write, the version raised by one (as the answer said).
	for i, id := range []string{fresh, tagged} {
		before := map[int]int64{0: freshCase.Version, 1: 2}[i]
		c := s.getCase(t, agent, id)
		if c.Version != before+1 || got.Data.Results[map[int]int{0: 0, 1: 5}[i]].Version != c.Version {
			t.Errorf("%s: version %d after the change from %d (answer %+v)", id, c.Version, before, got.Data.Results)
		}
		if c.Status != models.StatusWaiting || c.Priority != models.PriorityUrgent || c.AssigneeID != agent.user.ID {
			t.Errorf("%s: status %s priority %s assignee %s", id, c.Status, c.Priority, c.AssigneeID)
		}
		wantTags := []string{"bulk", "hot"}
		if id == tagged {
			wantTags = []string{"keep", "bulk", "hot"}
		}
		if !slices.Equal(c.Tags, wantTags) {
			t.Errorf("%s: tags %v, want %v", id, c.Tags, wantTags)
		}
		changed := map[string]bool{}
		fired := 0
		for _, e := range c.Timeline {
			if e.Type == "changed" && e.ActorID == agent.user.ID && e.At.Equal(s.clock.Now()) {
				changed[e.Data["field"]] = true
			}
			if e.Type == "rule_fired" {
				fired++
			}
		}
		for _, f := range []string{"status", "priority", "assignee_id", "tags"} {
			if !changed[f] {
				t.Errorf("%s: no timeline entry for %s: %+v", id, f, c.Timeline)
			}
		}
		if fired != 1 {
			t.Errorf("%s: the case_updated rule fired %d times", id, fired)
		}
	}
	// The refused cases are as they were.
	if c := s.getCase(t, agent, stale); c.Priority != models.PriorityLow || c.Version != 2 {
		t.Errorf("stale case overwritten: priority %s version %d", c.Priority, c.Version)
	}
	if c := s.getCase(t, agent, closed); c.Status != models.StatusClosed || c.Version != 2 {
		t.Errorf("closed case changed: status %s version %d", c.Status, c.Version)
	}
	if c := s.getCase(t, agent, merged); c.Version != mergedCase.Version {
		t.Errorf("merged case changed: version %d", c.Version)
	}
	// The index has the changes (the inbox lists them as they are now).
	if got := s.listIDs(t, agent, "tag=bulk&sort=created_at&order=asc"); !slices.Equal(got, []string{fresh, tagged}) {
		t.Errorf("listed with tag bulk: %v", got)
	}
}

func TestBulkChangeValidation(t *testing.T) {
	s := newStack(t)
	id := s.createCase(t, s.logins["agent"], "Broken chair", "The leg came off.", "product")
	refs := func(n int) string {
		var parts []string
		for i := range n {
			parts = append(parts, fmt.Sprintf(`{"id":"K-2026-%06d","version":1}`, i+1))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	one := `[{"id":"` + id + `","version":1}]`
	s.run(t, []scenario{
		{name: "over the batch limit", as: "agent", method: "POST", path: "/api/v1/cases/bulk",
			body: `{"cases":` + refs(models.MaxBulkCases+1) + `,"priority":"high"}`, wantStatus: 400, wantFields: []string{"cases"}},
		{name: "no cases", as: "agent", method: "POST", path: "/api/v1/cases/bulk",
			body: `{"cases":[],"priority":"high"}`, wantStatus: 400, wantFields: []string{"cases"}},
		{name: "no change", as: "agent", method: "POST", path: "/api/v1/cases/bulk",
			body: `{"cases":` + one + `}`, wantStatus: 400},
		{name: "a case twice", as: "agent", method: "POST", path: "/api/v1/cases/bulk",
			body: `{"cases":[{"id":"` + id + `","version":1},{"id":"` + id + `","version":1}],"priority":"high"}`, wantStatus: 400, wantFields: []string{"cases[1].id"}},
		{name: "no version", as: "agent", method: "POST", path: "/api/v1/cases/bulk",
			body: `{"cases":[{"id":"` + id + `"}],"priority":"high"}`, wantStatus: 400, wantFields: []string{"cases[0].version"}},
		{name: "unknown assignee", as: "agent", method: "POST", path: "/api/v1/cases/bulk",
			body: `{"cases":` + one + `,"assignee_id":"nobody"}`, wantStatus: 400, wantFields: []string{"assignee_id"}},
		{name: "tag added and removed", as: "agent", method: "POST", path: "/api/v1/cases/bulk",
			body: `{"cases":` + one + `,"add_tags":["x"],"remove_tags":["X"]}`, wantStatus: 400, wantFields: []string{"remove_tags"}},
		{name: "unknown status", as: "agent", method: "POST", path: "/api/v1/cases/bulk",
			body: `{"cases":` + one + `,"status":"gone"}`, wantStatus: 400, wantFields: []string{"status"}},
		{name: "anonymous", method: "POST", path: "/api/v1/cases/bulk",
			body: `{"cases":` + one + `,"priority":"high"}`, wantStatus: 401},
		{name: "the full batch is taken", as: "agent", method: "POST", path: "/api/v1/cases/bulk",
			body: `{"cases":` + refs(models.MaxBulkCases) + `,"priority":"high"}`, wantStatus: 200, wantBody: []string{`"changed":1`, `"refused":499`}},
	})
}
