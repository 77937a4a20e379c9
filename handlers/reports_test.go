package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/reports"
)

type reportBody struct {
	Data struct {
		Total      reports.Figures
		Groups     []reports.Group
		Breakdowns map[string][]reports.Group
		Series     []reports.Period
		Backlog    []reports.BacklogBucket
		Drill      map[string][]string
	}
}

// A manager's report counts every case; an agent's only their own, whatever they ask for.
func TestReportMeasuresByRole(t *testing.T) {
	s := newStack(t)
	manager, agent := s.logins["manager"], s.logins["agent"]
	mine := s.createCase(t, manager, "Kettle leaks", "It leaks", "Product quality")
	s.createCase(t, manager, "Late parcel", "Two weeks late", "Delivery, late or lost")
	s.patchCase(t, manager, mine, `{"version":1,"assignee_id":"`+agent.user.ID+`"}`)

	get := func(sess *session, query string) (response, reportBody) {
		t.Helper()
		res := s.do(sess, http.MethodGet, "/api/v1/reports/measures?"+query, "", nil)
		var body reportBody
		if res.status == http.StatusOK {
			res.decode(t, &body)
		}
		return res, body
	}
	res, body := get(manager, "group_by=category&interval=month")
	if res.status != http.StatusOK || body.Data.Total.Cases != 2 || len(body.Data.Groups) != 2 {
		t.Fatalf("manager: %d %s", res.status, res.body)
	}
	for _, g := range body.Data.Groups {
		if g.Figures.Cases != 1 || len(g.Drill["category"]) != 1 || g.Drill["category"][0] != g.Value {
			t.Errorf("group %+v: want one case and a drill-down on its category", g)
		}
	}
	// Several groupings in one pass.
	res, body = get(manager, "group_by=category&group_by=priority&group_series=true")
	if res.status != http.StatusOK || len(body.Data.Groups) != 2 || len(body.Data.Breakdowns["priority"]) != 1 ||
		body.Data.Breakdowns["priority"][0].Figures.Cases != 2 || len(body.Data.Breakdowns["priority"][0].Series) == 0 {
		t.Fatalf("breakdowns: %d %.400s", res.status, res.body)
	}
	res, body = get(agent, "group_by=agent&assignee_id="+manager.user.ID)
	if res.status != http.StatusOK || body.Data.Total.Cases != 1 || body.Data.Groups[0].Value != agent.user.ID ||
		body.Data.Drill["assignee_id"][0] != agent.user.ID {
		t.Fatalf("agent: want only their own case: %d %s", res.status, res.body)
	}
	// The category with a comma filters as it is; the open backlog counts it.
	res, body = get(manager, "category="+url.QueryEscape("Delivery, late or lost")+"&from=2026-03-01&to=2026-03-02")
	if res.status != http.StatusOK || body.Data.Total.Cases != 1 || body.Data.Backlog[0].Count != 1 {
		t.Fatalf("category filter: %d %s", res.status, res.body)
	}
	for _, bad := range []string{"interval=day", "group_by=colour", "colour=red", "from=yesterday", "group_series=maybe",
		"from=2026-03-01&to=2026-02-01"} {
		if res, _ := get(manager, bad); res.status != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad, res.status, res.body)
		}
	}
	// Every drill-down parameter is an inbox filter.
	for _, g := range body.Data.Backlog {
		q := url.Values(g.Drill).Encode()
		if ids := s.listIDs(t, manager, q); g.Count != len(ids) {
			t.Errorf("backlog %v: the inbox lists %v", g.Drill, ids)
		}
	}
	if ids := s.listIDs(t, manager, "outcome_gap=met&sla_outcome=met&follow_up_outcome=held&option_granted=repair&expected_outcome=repair"); len(ids) != 0 {
		t.Errorf("report filters: %v", ids)
	}
	if res := s.do(manager, http.MethodGet, "/api/v1/cases?sla_outcome=late", "", nil); res.status != http.StatusBadRequest {
		t.Errorf("an unknown SLA outcome: %d", res.status)
	}
	if res := s.do(nil, http.MethodGet, "/api/v1/reports/measures", "", nil); res.status != http.StatusUnauthorized {
		t.Errorf("without a session: %d", res.status)
	}
}

// A manager turns their own weekly summary on; an agent cannot.
func TestWeeklySummaryOptIn(t *testing.T) {
	s := newStack(t)
	res := s.do(s.logins["manager"], http.MethodPut, "/api/v1/me/weekly-summary", `{"enabled":true}`, nil)
	if res.status != http.StatusOK || !strings.Contains(res.body, `"weekly_summary":true`) {
		t.Fatalf("manager: %d %s", res.status, res.body)
	}
	if res := s.do(s.logins["agent"], http.MethodPut, "/api/v1/me/weekly-summary", `{"enabled":true}`, nil); res.status != http.StatusForbidden {
		t.Errorf("agent: %d %s", res.status, res.body)
	}
	if res := s.do(s.logins["manager"], http.MethodPut, "/api/v1/me/weekly-summary", `{}`, nil); res.status != http.StatusBadRequest {
		t.Errorf("no value: %d %s", res.status, res.body)
	}
}
