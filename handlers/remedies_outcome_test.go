package handlers_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
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

// An approval request runs on its own clock: the installation's business-time target on the
// case's calendar, warned and breached by the scheduler's durable timers as SLA events of the
// clock "approval", so a rule "approval waiting over 4 h" escalates the case. The approvals
// view shows where the clock stands; a decision stops it.
func TestApprovalRequestsRunOnTheirOwnClock(t *testing.T) {
	s := newStack(t)
	agent, manager := s.logins["agent"], s.logins["manager"]
	s.setLimits(t, agent.user.ID, 5000, 1_000_000)
	s.setLimits(t, manager.user.ID, 500_000, 1_000_000)
	scheduler := helpdesk.NewScheduler(s.env.Store, s.cases, s.events, slog.New(slog.NewTextHandler(io.Discard, nil)), s.clock.Now, "test")
	sweep := func() {
		t.Helper()
		if _, err := scheduler.Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	s.run(t, []scenario{
		{name: "the default target", as: "agent", method: "GET", path: "/api/v1/approval-clock", wantStatus: 200, wantBody: []string{`"target_minutes":240`, `"warn_at_percent":75`, `"version":0`}},
		{name: "anonymous", method: "GET", path: "/api/v1/approval-clock", wantStatus: 401},
		{name: "managers do not set it", as: "manager", method: "PUT", path: "/api/v1/approval-clock", body: `{"target_minutes":120,"warn_at_percent":50,"version":0}`, wantStatus: 403},
		{name: "out of range", as: "admin", method: "PUT", path: "/api/v1/approval-clock", body: `{"target_minutes":-1,"warn_at_percent":100,"version":0}`, wantStatus: 400, wantFields: []string{"target_minutes", "warn_at_percent"}},
		{name: "an admin sets it", as: "admin", method: "PUT", path: "/api/v1/approval-clock", body: `{"target_minutes":240,"warn_at_percent":50,"version":0}`, wantStatus: 200, wantBody: []string{`"target_minutes":240`, `"version":1`}},
		{name: "on a stale version", as: "admin", method: "PUT", path: "/api/v1/approval-clock", body: `{"target_minutes":60,"warn_at_percent":50,"version":0}`, wantStatus: 409},
		{name: "approval waiting over 4 h escalates", as: "manager", method: "POST", path: "/api/v1/rules", wantStatus: 201, body: `{"name":"Approval waiting over 4 h",
		  "trigger":{"type":"sla_breach"},"match":"all","conditions":[{"field":"sla_clock","op":"eq","value":"approval"}],
		  "actions":[{"type":"add_tag","tag":"approval-overdue"},{"type":"raise_escalation"}]}`},
	})

	// Monday 2 March 11:00 in Helsinki: 4 business hours on the default calendar (08-16) end
	// at 15:00 (13:00 UTC), the warning at half of them at 13:00 (11:00 UTC).
	id := s.createCase(t, agent, "Broken sofa", "Refund please.", "")
	g := s.grant(t, agent, id, `{"option_id":"full_refund","amount_minor":9000}`, 202)
	approval := func(sess *session, id string) (st struct{ Data approvalBody }) {
		t.Helper()
		res := s.do(sess, http.MethodGet, "/api/v1/approvals/"+id, "", nil)
		if res.status != 200 {
			t.Fatalf("approval: %d %s", res.status, res.body)
		}
		res.decode(t, &st)
		return st
	}
	a := approval(manager, g.Data.Approval.ID).Data
	due, warn := time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC), time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC)
	if a.Clock == nil || a.Clock.State != "on_track" || !a.Clock.DueAt.Equal(due) || !a.Clock.WarnAt.Equal(warn) || a.Clock.TargetMinutes != 240 {
		t.Fatalf("clock %+v", a.Clock)
	}
	approvalEvents := func() (warned, breached int, tags []string, level int) {
		c, err := s.env.Store.GetCase(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range c.Timeline {
			if e.Data["clock"] == "approval" && e.Type == "sla_warned" {
				warned++
			}
			if e.Data["clock"] == "approval" && e.Type == "sla_breached" {
				breached++
			}
		}
		if c.DueAt != nil && !c.DueAt.After(due) {
			t.Errorf("the approval clock set the case's own due time: %v", c.DueAt)
		}
		return warned, breached, c.Tags, c.EscalationLevel
	}

	s.clock.Advance(warn.Sub(s.clock.Now()) - time.Minute)
	sweep()
	if w, b, _, _ := approvalEvents(); w != 0 || b != 0 {
		t.Fatalf("a minute before the warning: warned %d, breached %d", w, b)
	}
	s.clock.Advance(time.Minute)
	sweep()
	sweep()
	if w, b, _, _ := approvalEvents(); w != 1 || b != 0 {
		t.Fatalf("at the warning: warned %d, breached %d", w, b)
	}
	if st := approval(manager, a.ID).Data.Clock.State; st != "warning" {
		t.Fatalf("state at the warning %q", st)
	}
	s.clock.Advance(due.Sub(s.clock.Now()))
	sweep()
	sweep()
	w, b, tags, level := approvalEvents()
	if w != 1 || b != 1 || !slices.Contains(tags, "approval-overdue") || level != 1 {
		t.Fatalf("at the breach: warned %d, breached %d, tags %v, level %d", w, b, tags, level)
	}
	if st := approval(manager, a.ID).Data.Clock.State; st != "breached" {
		t.Fatalf("state at the breach %q", st)
	}
	manager = s.login("manager@example.com", testPassword)
	if res := s.do(manager, http.MethodPost, "/api/v1/approvals/"+a.ID+"/decision", `{"action":"approve","version":1}`, nil); res.status != 200 || !strings.Contains(res.body, `"state":"met_late"`) {
		t.Fatalf("decided late: %d %s", res.status, res.body)
	}

	// A request decided in time stops its clock: nothing fires for it later.
	agent = s.login("agent@example.com", testPassword)
	other := s.createCase(t, agent, "Scratched table", "Refund please.", "")
	g = s.grant(t, agent, other, `{"option_id":"full_refund","amount_minor":7000}`, 202)
	if res := s.do(manager, http.MethodPost, "/api/v1/approvals/"+g.Data.Approval.ID+"/decision", `{"action":"reject","comment":"No.","version":1}`, nil); res.status != 200 || !strings.Contains(res.body, `"state":"met"`) {
		t.Fatalf("decided in time: %d %s", res.status, res.body)
	}
	s.clock.Advance(48 * time.Hour)
	sweep()
	c, err := s.env.Store.GetCase(t.Context(), other)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range c.Timeline {
		if e.Data["clock"] == "approval" && (e.Type == "sla_warned" || e.Type == "sla_breached") {
			t.Fatalf("a decided request's clock fired: %+v", e)
		}
	}
}

type approvalBody struct {
	ID    string `json:"id"`
	Clock *struct {
		TargetMinutes int        `json:"target_minutes"`
		WarnAt        *time.Time `json:"warn_at"`
		DueAt         *time.Time `json:"due_at"`
		State         string     `json:"state"`
	} `json:"clock"`
}

// The customer is told what became of the remedies, in their language: on the tracking page
// and in the resolution notice. An approval at a smaller amount tells the amount given, never
// the one first asked; a rejection says it was not approved; a reversed grant is gone.
func TestTheCustomerIsToldTheRemedyOutcomeInTheirLanguage(t *testing.T) {
	s := newStack(t)
	agent, manager := s.logins["agent"], s.logins["manager"]
	s.setLimits(t, agent.user.ID, 5000, 1_000_000)
	s.setLimits(t, manager.user.ID, 500_000, 1_000_000)
	r := s.file(t, strings.Replace(complaintJSON, `"expected_outcome"`, `"locale":"fi","expected_outcome"`, 1), nil)
	ref, token := r.Data.Reference, r.Data.TrackingToken
	track := func() []models.RemedyOutcome {
		t.Helper()
		res := s.do(nil, http.MethodGet, "/api/v1/track/"+token, "", trackHeader)
		if res.status != 200 {
			t.Fatalf("track: %d %s", res.status, res.body)
		}
		var body struct{ Data models.PublicCase }
		res.decode(t, &body)
		if strings.Contains(res.body, "Sorry for the crushed parcel") || strings.Contains(res.body, "Too much") {
			t.Fatalf("the staff's own words reached the customer: %s", res.body)
		}
		return body.Data.Remedies
	}
	if got := track(); len(got) != 0 {
		t.Fatalf("no remedies yet: %+v", got)
	}

	s.grant(t, agent, ref, `{"option_id":"voucher","amount_minor":2000,"message":"Sorry for the crushed parcel"}`, 201)
	big := s.grant(t, agent, ref, `{"option_id":"partial_refund","amount_minor":12000}`, 202)
	no := s.grant(t, agent, ref, `{"option_id":"goodwill","amount_minor":9000}`, 202)
	apology := s.grant(t, agent, ref, `{"option_id":"apology"}`, 201)
	s.grant(t, agent, ref, `{"reverses":"`+apology.Data.Grant.ID+`"}`, 201)
	got := track()
	if len(got) != 3 || got[0].Status != "granted" || got[0].Name != "Lahjakortti" || got[0].AmountMinor != 2000 || got[0].Text != "Lähetämme sinulle lahjakortin." ||
		got[1].Status != "waiting" || got[1].Name != "Osittainen hyvitys" || got[1].AmountMinor != 12000 || got[1].Currency != "EUR" ||
		got[2].Status != "waiting" || got[2].OptionID != "goodwill" {
		t.Fatalf("after the grants: %+v", got)
	}

	decide := func(id, body string) {
		t.Helper()
		if res := s.do(manager, http.MethodPost, "/api/v1/approvals/"+id+"/decision", body, nil); res.status != 200 {
			t.Fatalf("decide: %d %s", res.status, res.body)
		}
	}
	decide(big.Data.Approval.ID, `{"action":"change","amount_minor":8000,"comment":"80 is fair.","version":1}`)
	decide(no.Data.Approval.ID, `{"action":"reject","comment":"Too much","version":1}`)
	got = track()
	if len(got) != 3 || got[0].Name != "Lahjakortti" ||
		got[1].Status != "granted" || got[1].OptionID != "partial_refund" || got[1].AmountMinor != 8000 ||
		got[2].Status != "rejected" || got[2].Name != "Hyvityseleenä annettava korvaus" {
		t.Fatalf("after the decisions: %+v", got)
	}

	s.resolve(t, ref)
	var notice string
	for _, m := range s.outboxTexts(t) {
		if strings.HasPrefix(m, "Asiasi "+ref+" on ratkaistu") {
			notice = m
		}
	}
	for _, want := range []string{
		"- Lahjakortti 20,00\u00a0€. Lähetämme sinulle lahjakortin.",
		"- Osittainen hyvitys 80,00\u00a0€. Palautamme sinulle osan hinnasta.",
		"- Hyvityseleenä annettava korvaus 90,00\u00a0€: ei hyväksytty.",
		"7 päivän kuluttua", // the latest standing grant's option: the partial refund approved last
	} {
		if !strings.Contains(notice, want) {
			t.Errorf("the notice lacks %q:\n%s", want, notice)
		}
	}
	if strings.Contains(notice, "120,00") || strings.Contains(notice, "Anteeksipyyntö") {
		t.Errorf("the notice tells the amount first asked or a reversed remedy:\n%s", notice)
	}
}

// The inbox's "Waiting for my approval" view holds the cases with a request the caller may
// decide, counted beside the other views, and the list filters by the option granted.
func TestInboxWaitingForMyApprovalAndTheGrantedOptionFilter(t *testing.T) {
	s := newStack(t)
	agent, manager := s.logins["agent"], s.logins["manager"]
	s.setLimits(t, agent.user.ID, 5000, 1_000_000)
	s.setLimits(t, manager.user.ID, 500_000, 1_000_000)
	voucher := s.createCase(t, agent, "Voucher case", "Late.", "")
	repair := s.createCase(t, agent, "Repair case", "Broken.", "")
	reversed := s.createCase(t, agent, "Reversed voucher", "Late.", "")
	big := s.createCase(t, agent, "Big refund", "Never came.", "")
	s.grant(t, agent, voucher, `{"option_id":"voucher","amount_minor":1000}`, 201)
	s.grant(t, agent, repair, `{"option_id":"repair"}`, 201)
	g := s.grant(t, agent, reversed, `{"option_id":"voucher","amount_minor":1000}`, 201)
	s.grant(t, agent, reversed, `{"reverses":"`+g.Data.Grant.ID+`"}`, 201)
	a := s.grant(t, agent, big, `{"option_id":"full_refund","amount_minor":30000}`, 202)

	if got := s.listIDs(t, agent, "granted_option=voucher"); !slices.Equal(got, []string{voucher}) {
		t.Errorf("granted voucher: %v, want %v", got, []string{voucher})
	}
	if got := s.listIDs(t, agent, "granted_option=voucher&granted_option=repair&sort=created_at&order=asc"); !slices.Equal(got, []string{voucher, repair}) {
		t.Errorf("voucher or repair: %v", got)
	}
	if got := s.listIDs(t, agent, "granted_option=full_refund"); len(got) != 0 {
		t.Errorf("a request waiting is no grant: %v", got)
	}
	counts := func(sess *session) map[string]int {
		t.Helper()
		res := s.do(sess, http.MethodGet, "/api/v1/cases/counts", "", nil)
		var body struct{ Data map[string]any }
		res.decode(t, &body)
		out := map[string]int{}
		for k, v := range body.Data {
			if f, ok := v.(float64); ok {
				out[k] = int(f)
			}
		}
		return out
	}
	if n := counts(manager)["waiting_for_my_approval"]; n != 1 {
		t.Errorf("the manager's count %d, want 1", n)
	}
	if n := counts(agent)["waiting_for_my_approval"]; n != 0 {
		t.Errorf("the requester's count %d, want 0", n)
	}
	if got := s.listIDs(t, manager, "view=waiting_for_my_approval"); !slices.Equal(got, []string{big}) {
		t.Errorf("waiting for the manager: %v", got)
	}
	if res := s.do(manager, http.MethodPost, "/api/v1/approvals/"+a.Data.Approval.ID+"/decision", `{"action":"approve","version":1}`, nil); res.status != 200 {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	if n := counts(manager)["waiting_for_my_approval"]; n != 0 {
		t.Errorf("after the decision the manager's count is %d", n)
	}
	if got := s.listIDs(t, agent, "granted_option=full_refund"); !slices.Equal(got, []string{big}) {
		t.Errorf("approved full refund: %v", got)
	}
}

// Who may do what with remedies, besides what TestApprovalFlow covers: a customer's tracking
// token opens no staff route (grants, approvals, the catalogue, the approval clock), an agent
// may not list everyone's requests, and an approver's amounts stay exact (text that floats get
// wrong, a JSON fraction refused) and within what is left of their month (422; the request
// keeps waiting for someone else).
func TestRemedyAccessAndExactDecisions(t *testing.T) {
	s := newStack(t)
	agent, manager := s.logins["agent"], s.logins["manager"]
	s.setLimits(t, agent.user.ID, 1000, 1_000_000)
	s.setLimits(t, manager.user.ID, 500_000, 10_000) // 100.00 a month
	r := s.file(t, complaintJSON, nil)
	ref, token := r.Data.Reference, r.Data.TrackingToken
	a1 := s.grant(t, agent, ref, `{"option_id":"goodwill","amount_minor":5000}`, 202).Data.Approval
	a2 := s.grant(t, agent, ref, `{"option_id":"voucher","amount_minor":9000}`, 202).Data.Approval
	a3 := s.grant(t, agent, ref, `{"option_id":"partial_refund","amount_minor":1500}`, 202).Data.Approval
	bearer := map[string]string{"Authorization": "Bearer " + token}
	var scenarios []scenario
	for _, route := range []struct{ method, path, body string }{
		{"POST", "/api/v1/cases/" + ref + "/resolution", `{"option_id":"apology"}`},
		{"GET", "/api/v1/approvals", ""},
		{"GET", "/api/v1/approvals/count", ""},
		{"GET", "/api/v1/approvals/" + a1.ID, ""},
		{"POST", "/api/v1/approvals/" + a1.ID + "/decision", `{"action":"approve","version":1}`},
		{"GET", "/api/v1/approval-clock", ""},
		{"GET", "/api/v1/resolution-options", ""},
		{"GET", "/api/v1/me/spending", ""},
		{"POST", "/api/v1/cases/" + ref + "/follow-up", `{"resolved":true,"rating":5}`},
	} {
		scenarios = append(scenarios, scenario{name: "a tracking token on " + route.method + " " + route.path, method: route.method,
			path: route.path, body: route.body, headers: bearer, wantStatus: 401})
	}
	decide := "/api/v1/approvals/" + a2.ID + "/decision"
	scenarios = append(scenarios,
		scenario{name: "agents do not list every request", as: "agent", method: "GET", path: "/api/v1/approvals?filter=all", wantStatus: 403},
		scenario{name: "a fraction of a minor unit is refused", as: "manager", method: "POST", path: decide, body: `{"action":"change","amount_minor":80.5,"comment":"c","version":1}`, wantStatus: 400},
		scenario{name: "text with more decimals than the currency is refused", as: "manager", method: "POST", path: decide, body: `{"action":"change","amount":"0.295","comment":"c","version":1}`, wantStatus: 400, wantFields: []string{"amount"}},
		// 0.29 and 1.13 are 28.999… and 112.999… as floats: exact here.
		scenario{name: "0.29 is 29 minor units", as: "manager", method: "POST", path: "/api/v1/approvals/" + a3.ID + "/decision", body: `{"action":"change","amount":"0.29","comment":"a token","version":1}`, wantStatus: 200, wantBody: []string{`"decided_amount_minor":29`}},
		scenario{name: "1,13 is 113 minor units", as: "manager", method: "POST", path: decide, body: `{"action":"change","amount":"1,13","comment":"less","version":1}`, wantStatus: 200, wantBody: []string{`"decided_amount_minor":113`}},
		// 100.00 a month: 1.42 used, 50.00 fits, then nothing more over what is left.
		scenario{name: "within the approver's month", as: "manager", method: "POST", path: "/api/v1/approvals/" + a1.ID + "/decision", body: `{"action":"approve","version":1}`, wantStatus: 200},
	)
	s.run(t, scenarios)
	a4 := s.grant(t, agent, ref, `{"option_id":"voucher","amount_minor":4900}`, 202).Data.Approval
	s.run(t, []scenario{
		{name: "over what is left of the approver's month", as: "manager", method: "POST", path: "/api/v1/approvals/" + a4.ID + "/decision", body: `{"action":"approve","version":1}`, wantStatus: 422, wantCode: "over_monthly_limit"},
		{name: "the request still waits", as: "manager", method: "GET", path: "/api/v1/approvals/" + a4.ID, wantStatus: 200, wantBody: []string{`"status":"waiting"`, `"version":1`}},
		{name: "the admin decides it", as: "admin", method: "POST", path: "/api/v1/approvals/" + a4.ID + "/decision", body: `{"action":"approve","version":1}`, wantStatus: 200},
	})
	if res := s.do(manager, http.MethodGet, "/api/v1/me/spending", "", nil); !strings.Contains(res.body, `"spent_minor":5142`) {
		t.Fatalf("the manager's month: %s", res.body)
	}
	if got := s.caseGrants(t, ref); len(got) != 4 || got[0].AmountMinor != 29 || got[1].AmountMinor != 113 || got[2].AmountMinor != 5000 || got[3].AmountMinor != 4900 {
		t.Fatalf("grants %+v", got)
	}
}
