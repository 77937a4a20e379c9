package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

const lawyerRule = `{"name":"Legal threat","trigger":{"type":"case_created"},"match":"all",
  "conditions":[{"field":"text","op":"contains_any","value":["lawyer","asianajaj*"]}],
  "actions":[{"type":"set_priority","priority":"urgent"},{"type":"raise_escalation"},
             {"type":"notify","role":"managers","channels":["app","email"],"message":"A customer mentions a lawyer"}]}`

func TestEscalationRuleFromManagerToNotification(t *testing.T) {
	s := newStack(t)
	s.run(t, []scenario{
		{name: "agent cannot create rules", as: "agent", method: "POST", path: "/api/v1/rules", body: lawyerRule, wantStatus: 403},
		{name: "empty actions refused", as: "manager", method: "POST", path: "/api/v1/rules", body: `{"name":"x","trigger":{"type":"case_created"},"actions":[]}`, wantStatus: 400, wantFields: []string{"actions"}},
		{name: "unknown field refused", as: "manager", method: "POST", path: "/api/v1/rules", body: strings.Replace(lawyerRule, `"field":"text"`, `"field":"mood"`, 1), wantStatus: 400, wantFields: []string{"conditions[0].field"}},
		{name: "expensive regex refused", as: "manager", method: "POST", path: "/api/v1/rules", body: strings.Replace(lawyerRule, `"op":"contains_any","value":["lawyer","asianajaj*"]`, `"op":"matches_regex","value":"`+strings.Repeat("(a|b)", 60)+`"`, 1), wantStatus: 400},
		{name: "preview before saving", as: "manager", method: "POST", path: "/api/v1/rules/preview", body: lawyerRule, wantStatus: 200, wantBody: []string{`"total":0`}},
		{name: "manager creates", as: "manager", method: "POST", path: "/api/v1/rules", body: lawyerRule, wantStatus: 201},
	})
	// A customer files a complaint that mentions a lawyer (in Finnish).
	r := s.file(t, strings.Replace(complaintJSON, "The parcel arrived crushed.", "Otan yhteyttä asianajajaani.", 1), nil)
	c, err := s.env.Store.GetCase(context.Background(), r.Data.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if c.Priority != models.PriorityUrgent || c.EscalationLevel != 1 {
		t.Fatalf("rule did not act: priority %s, escalation %d", c.Priority, c.EscalationLevel)
	}
	fired := false
	for _, e := range c.Timeline {
		if e.Type == "rule_fired" && e.Data["rule"] == "Legal threat" && strings.Contains(e.Data["matched"], "asianajaj") {
			fired = true
		}
	}
	if !fired {
		t.Fatalf("timeline lacks the firing with the matched condition: %+v", c.Timeline)
	}
	// Urgent from the start: the SLA targets are the urgent ones (first response 1 h).
	if c.DueAt == nil || c.DueAt.Sub(c.CreatedAt) > 2*time.Hour {
		t.Fatalf("SLA should follow the rule's priority, due %v", c.DueAt)
	}
	// The manager (and the admin) see the notification; the agent does not.
	s.run(t, []scenario{
		{name: "manager notified", as: "manager", method: "GET", path: "/api/v1/notifications", wantStatus: 200, wantBody: []string{r.Data.Reference, "A customer mentions a lawyer", `"unread":1`}},
		{name: "admin notified", as: "admin", method: "GET", path: "/api/v1/notifications", wantStatus: 200, wantBody: []string{r.Data.Reference}},
		{name: "agent not notified", as: "agent", method: "GET", path: "/api/v1/notifications", wantStatus: 200, wantBody: []string{`"total":0`}},
		{name: "preview now matches", as: "manager", method: "POST", path: "/api/v1/rules/preview", body: lawyerRule, wantStatus: 200, wantBody: []string{r.Data.Reference}},
	})
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	s.do(s.logins["manager"], "GET", "/api/v1/notifications", "", nil).decode(t, &list)
	if res := s.do(s.logins["agent"], "POST", "/api/v1/notifications/"+list.Data[0].ID+"/read", "", nil); res.status != 404 {
		t.Fatalf("someone else's notification marked read: %d", res.status)
	}
	if res := s.do(s.logins["manager"], "POST", "/api/v1/notifications/"+list.Data[0].ID+"/read", "", nil); res.status != 204 {
		t.Fatalf("mark read: %d %s", res.status, res.body)
	}
	// One notification told both; each reads it for themselves.
	s.run(t, []scenario{
		{name: "read by the manager", as: "manager", method: "GET", path: "/api/v1/notifications", wantStatus: 200, wantBody: []string{`"unread":0`}},
		{name: "still unread for the admin", as: "admin", method: "GET", path: "/api/v1/notifications", wantStatus: 200, wantBody: []string{`"unread":1`, list.Data[0].ID}},
	})
	// And by e-mail.
	if _, err := s.mailer.ProcessDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := s.do(s.logins["admin"], "GET", "/api/v1/mail/outbox", "", nil)
	if !strings.Contains(out.body, "manager@example.com") {
		t.Fatalf("no notification mail to the manager: %s", out.body)
	}
	// The staff mail leads to the case.
	var outbox struct {
		Data []struct {
			ID string `json:"id"`
			To string `json:"to"`
		} `json:"data"`
	}
	out.decode(t, &outbox)
	for _, m := range outbox.Data {
		if m.To != "manager@example.com" {
			continue
		}
		one := s.do(s.logins["admin"], "GET", "/api/v1/mail/outbox/"+m.ID, "", nil)
		if link := "https://help.example.com/cases/" + r.Data.Reference; !strings.Contains(one.body, link) {
			t.Errorf("the staff mail lacks the link %s: %s", link, one.body)
		}
	}
}

func TestRuleOnUpdateCannotLoop(t *testing.T) {
	s := newStack(t)
	rule := `{"name":"Bounce","trigger":{"type":"case_updated"},"conditions":[{"field":"priority","op":"changed"}],
	  "actions":[{"type":"set_priority","priority":"urgent"},{"type":"add_tag","tag":"bounced"}]}`
	if res := s.do(s.logins["manager"], "POST", "/api/v1/rules", rule, nil); res.status != 201 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	res := s.do(s.logins["agent"], "POST", "/api/v1/cases", validCase, nil)
	var created struct{ Data models.Case }
	res.decode(t, &created)
	res = s.do(s.logins["agent"], "PATCH", "/api/v1/cases/"+created.Data.ID, fmt.Sprintf(`{"version":%d,"priority":"low"}`, created.Data.Version), nil)
	if res.status != 200 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	var patched struct{ Data models.Case }
	res.decode(t, &patched)
	firings := 0
	for _, e := range patched.Data.Timeline {
		if e.Type == "rule_fired" {
			firings++
		}
	}
	if patched.Data.Priority != models.PriorityUrgent || firings != 1 {
		t.Fatalf("priority %s after %d firings (want urgent after exactly one)", patched.Data.Priority, firings)
	}
}

func TestDefaultRulesInstallOnce(t *testing.T) {
	s := newStack(t)
	rules := helpdesk.NewRules(s.env.Store, s.index, s.mailer, s.events, nil, s.clock.Now)
	for i := 0; i < 2; i++ {
		if err := rules.EnsureDefaultRules(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	res := s.do(s.logins["agent"], "GET", "/api/v1/rules", "", nil)
	if res.status != 200 || strings.Count(res.body, `"trigger"`) != len(escalation.DefaultRules())+len(escalation.DefaultReviewRules()) {
		t.Fatalf("default rules: %s", res.body)
	}
}

// "Repeat complainant" counts the customer's cases in the window through the real index,
// including the case being filed, and only that customer's.
func TestRepeatComplainantRuleCountsTheCustomersRecentCases(t *testing.T) {
	s := newStack(t)
	rule := `{"name":"Repeat","trigger":{"type":"case_created"},"match":"all",
	  "conditions":[{"field":"repeat_complainant","op":"gte","value":{"cases":2,"days":30}}],
	  "actions":[{"type":"add_tag","tag":"repeat"}]}`
	// A second window: both are counted by one query to the index.
	regular := strings.NewReplacer(`"Repeat"`, `"Regular"`, `"cases":2,"days":30`, `"cases":3,"days":90`, `"tag":"repeat"`, `"tag":"regular"`).Replace(rule)
	for _, r := range []string{rule, regular} {
		if res := s.do(s.logins["manager"], "POST", "/api/v1/rules", r, nil); res.status != 201 {
			t.Fatalf("create rule: %d %s", res.status, res.body)
		}
	}
	taggedWith := func(ref, tag string) bool {
		c, err := s.env.Store.GetCase(context.Background(), ref)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Contains(c.Tags, tag)
	}
	tagged := func(ref string) bool { return taggedWith(ref, "repeat") }
	first := s.file(t, complaintJSON, nil)
	second := s.file(t, complaintJSON, nil)
	other := s.file(t, strings.Replace(complaintJSON, "aino@example.com", "eero@example.com", 1), nil)
	if tagged(first.Data.Reference) || !tagged(second.Data.Reference) || tagged(other.Data.Reference) {
		t.Fatalf("tags: first %v, second %v, other customer %v", tagged(first.Data.Reference), tagged(second.Data.Reference), tagged(other.Data.Reference))
	}
	if taggedWith(second.Data.Reference, "regular") {
		t.Fatal("two cases counted as three")
	}
	// Forty days later the earlier cases are outside the 30-day window, inside the 90-day one.
	s.clock.Advance(40 * 24 * time.Hour)
	later := s.file(t, complaintJSON, nil)
	if tagged(later.Data.Reference) {
		t.Fatal("a case outside the window counted")
	}
	if !taggedWith(later.Data.Reference, "regular") {
		t.Fatal("the third case in 90 days is not tagged regular")
	}
}

// A round-robin rule hands new cases to the team's active agents in turn, in the write that
// files the case, so it is listed with its assignee by the time the filing is answered.
func TestRoundRobinRuleTakesTurnsWithinTheTeam(t *testing.T) {
	s := newStack(t)
	admin := s.logins["admin"]
	var team struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	s.do(admin, "POST", "/api/v1/teams", `{"name":"Logistics"}`, nil).decode(t, &team)
	var members []string
	for _, name := range []string{"one", "two"} {
		var u struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		s.do(admin, "POST", "/api/v1/users", `{"email":"`+name+`@example.com","name":"Agent `+name+`","role":"agent","password":"long enough pw","team_ids":["`+team.Data.ID+`"]}`, nil).decode(t, &u)
		members = append(members, u.Data.ID)
	}
	rule := `{"name":"Deliveries in turn","trigger":{"type":"case_created"},"match":"all","conditions":[],
	  "actions":[{"type":"round_robin_team","team_id":"` + team.Data.ID + `"}]}`
	if res := s.do(s.logins["manager"], "POST", "/api/v1/rules", rule, nil); res.status != 201 {
		t.Fatalf("create rule: %d %s", res.status, res.body)
	}
	type listedCase struct {
		ID         string `json:"id"`
		AssigneeID string `json:"assignee_id"`
	}
	got := map[string]int{}
	var order []string
	var last string
	for i := 0; i < 4; i++ {
		r := s.file(t, strings.Replace(complaintJSON, "aino@", fmt.Sprintf("rr%d@", i), 1), nil)
		var list struct {
			Data []listedCase `json:"data"`
		}
		s.do(s.logins["agent"], "GET", "/api/v1/cases", "", nil).decode(t, &list)
		i := slices.IndexFunc(list.Data, func(c listedCase) bool { return c.ID == r.Data.Reference })
		if i < 0 {
			t.Fatalf("case %s not listed: %+v", r.Data.Reference, list.Data)
		}
		last = r.Data.Reference
		got[list.Data[i].AssigneeID]++
		order = append(order, list.Data[i].AssigneeID)
	}
	if got[members[0]] != 2 || got[members[1]] != 2 || order[0] == order[1] || order[1] == order[2] {
		t.Fatalf("assignees %v, want the two agents in turn %v", order, members)
	}
	// The turn is taken in the write that files the case, and the firing says what it did.
	var c struct {
		Data models.Case `json:"data"`
	}
	s.do(s.logins["agent"], "GET", "/api/v1/cases/"+last, "", nil).decode(t, &c)
	fired := slices.IndexFunc(c.Data.Timeline, func(e models.TimelineEvent) bool { return e.Type == "rule_fired" })
	if c.Data.Version != 1 || c.Data.Status != models.StatusOpen || fired < 0 ||
		!slices.Contains(c.Data.Timeline[fired].Changes, models.FieldChange{Field: "assignee_id", To: order[3]}) ||
		!slices.Contains(c.Data.Timeline[fired].Changes, models.FieldChange{Field: "status", From: "new", To: "open"}) {
		t.Fatalf("case after the round robin: version %d, status %s, timeline %+v", c.Data.Version, c.Data.Status, c.Data.Timeline)
	}
}

// A new case stores its rules' in-app notifications in the write that stores it. When its
// reference turns out to be taken (a counter reset, a racing replica) it is filed under the
// next one, and the notification stored for the failed attempt is deleted: the bell names only
// cases that exist.
func TestNotificationOfAFailedFilingAttemptIsDeleted(t *testing.T) {
	s := newStack(t)
	rule := `{"name":"Tell the managers","trigger":{"type":"case_created"},"match":"all","conditions":[],
	  "actions":[{"type":"notify","role":"managers","channels":["app"],"message":"New complaint"}]}`
	if res := s.do(s.logins["manager"], "POST", "/api/v1/rules", rule, nil); res.status != 201 {
		t.Fatalf("create rule: %d %s", res.status, res.body)
	}
	first := s.file(t, complaintJSON, nil).Data.Reference
	year, n, ok := strings.Cut(strings.TrimPrefix(first, "K-"), "-")
	if !ok {
		t.Fatalf("reference %q", first)
	}
	seq, err := strconv.Atoi(n)
	if err != nil {
		t.Fatal(err)
	}
	y, _ := strconv.Atoi(year)
	taken := models.FormatReference(y, int64(seq+1))
	squatter := models.NewComplaintCase(taken, models.ComplaintCreate{Name: "Other", Email: "other@example.com", Category: "product",
		Description: "Filed by another replica."}, "", s.clock.Now())
	if err := s.env.Store.InsertCase(context.Background(), squatter); err != nil {
		t.Fatal(err)
	}
	second := s.file(t, strings.Replace(complaintJSON, "aino@", "second@", 1), nil).Data.Reference
	if second == taken || second == first {
		t.Fatalf("filed as %s after %s with %s taken", second, first, taken)
	}
	var list struct {
		Data []struct {
			CaseID string `json:"case_id"`
		} `json:"data"`
	}
	s.do(s.logins["manager"], "GET", "/api/v1/notifications", "", nil).decode(t, &list)
	var cases []string
	for _, n := range list.Data {
		cases = append(cases, n.CaseID)
	}
	slices.Sort(cases)
	if want := []string{first, second}; !slices.Equal(cases, want) {
		t.Fatalf("the manager's notifications name %v, want %v", cases, want)
	}
}

func TestStaleRulePatchIsAConflict(t *testing.T) {
	s := newStack(t)
	res := s.do(s.logins["manager"], "POST", "/api/v1/rules", lawyerRule, nil)
	var created struct {
		Data struct {
			ID      string `json:"id"`
			Version int64  `json:"version"`
		} `json:"data"`
	}
	if res.status != 201 || json.Unmarshal([]byte(res.body), &created) != nil || created.Data.Version != 1 {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	path := "/api/v1/rules/" + created.Data.ID
	s.run(t, []scenario{
		{name: "patch at the current version", as: "manager", method: "PATCH", path: path, body: `{"version":1,"name":"Legal threat, renamed"}`, wantStatus: 200, wantBody: []string{`"version":2`}},
		{name: "patch at the old version", as: "manager", method: "PATCH", path: path, body: `{"version":1,"name":"Overwrite"}`, wantStatus: 409, wantCode: "version_conflict"},
	})
}
