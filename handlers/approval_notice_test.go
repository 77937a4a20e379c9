package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// mailsTo returns the outbox mails to one address, newest first.
func (s *stack) mailsTo(t *testing.T, to string) []models.MailMessage {
	t.Helper()
	if _, err := s.mailer.ProcessDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	list, err := s.mailer.ListOutbox(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []models.MailMessage
	for _, m := range list {
		if m.To != to {
			continue
		}
		full, err := s.mailer.GetOutboxMessage(context.Background(), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, full.Message)
	}
	return out
}

// When a manager decides an approval request, the agent who asked is told in the app and by a
// staff mail in their language, with what was decided, by whom, the comment and the case's link.
func TestApprovalDecisionTellsTheRequester(t *testing.T) {
	s := newStack(t)
	agent, manager := s.logins["agent"], s.logins["manager"]
	s.setLimits(t, agent.user.ID, 5000, 100_000)
	s.setLimits(t, manager.user.ID, 500_000, 1_000_000)
	fiAgent := s.createUser("aino.agentti@example.com", "Aino Agentti", models.RoleAgent)
	s.logins["fi"] = s.login("aino.agentti@example.com", testPassword)
	s.setLimits(t, fiAgent.ID, 5000, 100_000)
	if res := s.do(s.logins["admin"], http.MethodPatch, "/api/v1/users/"+fiAgent.ID, `{"locale":"fi"}`, nil); res.status != http.StatusOK {
		t.Fatalf("set locale: %d %s", res.status, res.body)
	}

	// An English-speaking agent's request, approved with a smaller amount.
	id := s.createCase(t, agent, "Ruined sofa", "The delivery scratched it.", "")
	a := s.grant(t, agent, id, `{"option_id":"full_refund","amount_minor":12000}`, 202).Data.Approval
	if len(s.mailsTo(t, agent.user.Email)) != 0 {
		t.Fatal("mail before any decision")
	}
	res := s.do(manager, http.MethodPost, "/api/v1/approvals/"+a.ID+"/decision", `{"action":"change","amount_minor":8000,"comment":"80 is fair.","version":1}`, nil)
	if res.status != http.StatusOK {
		t.Fatalf("decide: %d %s", res.status, res.body)
	}
	mails := s.mailsTo(t, agent.user.Email)
	if len(mails) != 1 {
		t.Fatalf("%d mails to the requester, want 1", len(mails))
	}
	m := mails[0]
	for _, want := range []string{manager.user.Name + " approved your request with a changed amount: Full refund €80.00 (you asked for €120.00)",
		"Comment: 80 is fair.", "Case " + id + ": Ruined sofa", "https://help.example.com/cases/" + id} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the mail lacks %q:\n%s", want, m.Text)
		}
	}
	if m.Subject != id+": your request was approved with a changed amount" || m.CaseID != id || m.Locale != "en" {
		t.Errorf("mail %q case %q locale %q", m.Subject, m.CaseID, m.Locale)
	}
	if len(s.mailsTo(t, manager.user.Email)) != 0 {
		t.Error("the approver was mailed their own decision")
	}
	res = s.do(agent, http.MethodGet, "/api/v1/notifications", "", nil)
	if !strings.Contains(res.body, id+": Approved with a changed amount") {
		t.Errorf("the requester's notifications: %s", res.body)
	}

	// A Finnish-speaking agent's request, declined: the mail and the notification in Finnish.
	id2 := s.createCase(t, s.logins["fi"], "Rikki", "Sohva naarmuuntui.", "")
	a2 := s.grant(t, s.logins["fi"], id2, `{"option_id":"goodwill","amount_minor":10000}`, 202).Data.Approval
	res = s.do(manager, http.MethodPost, "/api/v1/approvals/"+a2.ID+"/decision", `{"action":"reject","comment":"Jo hyvitetty.","version":1}`, nil)
	if res.status != http.StatusOK {
		t.Fatalf("decide: %d %s", res.status, res.body)
	}
	mails = s.mailsTo(t, "aino.agentti@example.com")
	if len(mails) != 1 {
		t.Fatalf("%d mails to the Finnish requester, want 1", len(mails))
	}
	m = mails[0]
	for _, want := range []string{manager.user.Name + " hylkäsi pyyntösi: Hyvityseleenä annettava korvaus 100,00\u00a0€", "Kommentti: Jo hyvitetty.",
		"Asia " + id2 + ": Rikki", "https://help.example.com/cases/" + id2} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the Finnish mail lacks %q:\n%s", want, m.Text)
		}
	}
	if m.Subject != id2+": pyyntösi hylättiin" || m.Locale != "fi" {
		t.Errorf("Finnish mail %q locale %q", m.Subject, m.Locale)
	}
	res = s.do(s.logins["fi"], http.MethodGet, "/api/v1/notifications", "", nil)
	if !strings.Contains(res.body, id2+": Pyyntö hylätty") {
		t.Errorf("the Finnish requester's notifications: %s", res.body)
	}
}
