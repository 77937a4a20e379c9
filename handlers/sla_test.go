package handlers_test

import (
	"strings"
	"testing"
)

func TestSLAPolicyAdministration(t *testing.T) {
	s := newStack(t)
	policy := `{"name":"Complaints regime","position":1,"final_answer_days":56,"warn_at_percent":80,
	  "calendar":{"time_zone":"Europe/Helsinki","hours":{"monday":[{"start":"08:00","end":"16:00"}],"tuesday":[{"start":"08:00","end":"16:00"}]},"holidays":[{"date":"2026-12-24","name":"Jouluaatto"}]},
	  "targets":{"normal":{"first_response_minutes":120,"next_response_minutes":240,"resolution_minutes":2400}},
	  "conditions":{"channels":["web_form"]}}`
	s.run(t, []scenario{
		{name: "default policy exists", as: "agent", method: "GET", path: "/api/v1/sla-policies", wantStatus: 200, wantBody: []string{`"id":"default"`, `"Europe/Helsinki"`}},
		{name: "agent cannot create", as: "agent", method: "POST", path: "/api/v1/sla-policies", body: policy, wantStatus: 403},
		{name: "manager creates", as: "manager", method: "POST", path: "/api/v1/sla-policies", body: policy, wantStatus: 201, wantBody: []string{`"final_answer_days":56`, `"first_response_minutes":120`}},
		{name: "bad calendar", as: "manager", method: "POST", path: "/api/v1/sla-policies", body: strings.Replace(policy, `"08:00","end":"16:00"}],"tuesday"`, `"25:00","end":"16:00"}],"tuesday"`, 1), wantStatus: 400},
		{name: "bad zone", as: "manager", method: "POST", path: "/api/v1/sla-policies", body: strings.Replace(policy, "Europe/Helsinki", "Mars/Olympus", 1), wantStatus: 400},
		{name: "unknown priority", as: "manager", method: "POST", path: "/api/v1/sla-policies", body: strings.Replace(policy, `"normal":`, `"extreme":`, 1), wantStatus: 400},
		{name: "stale patch", as: "manager", method: "PATCH", path: "/api/v1/sla-policies/default", body: `{"version":9,"name":"x"}`, wantStatus: 409},
		{name: "patch", as: "manager", method: "PATCH", path: "/api/v1/sla-policies/default", body: `{"version":1,"warn_at_percent":60}`, wantStatus: 200, wantBody: []string{`"warn_at_percent":60`, `"version":2`}},
		{name: "missing", as: "agent", method: "GET", path: "/api/v1/sla-policies/nope", wantStatus: 404},
	})
}

func TestInboxSortsByDueSoonest(t *testing.T) {
	s := newStack(t)
	for _, prio := range []string{"low", "urgent", "normal"} {
		body := strings.Replace(validCase, `"priority":"high"`, `"priority":"`+prio+`"`, 1)
		if res := s.do(s.logins["agent"], "POST", "/api/v1/cases", body, nil); res.status != 201 {
			t.Fatalf("%d %s", res.status, res.body)
		}
	}
	res := s.do(s.logins["agent"], "GET", "/api/v1/cases?view=all_open&sort=due&order=asc", "", nil)
	u, n, l := strings.Index(res.body, `"priority":"urgent"`), strings.Index(res.body, `"priority":"normal"`), strings.Index(res.body, `"priority":"low"`)
	if res.status != 200 || u < 0 || !(u < n && n < l) {
		t.Fatalf("due soonest should list urgent, normal, low: %d %s", res.status, res.body)
	}
}
