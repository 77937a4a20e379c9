package handlers_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/handlers"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/twofactor"
)

const newPassword = "a brand new passphrase"

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	s := newStack(t)
	here, elsewhere := s.login("agent@example.com", testPassword), s.login("agent@example.com", testPassword)

	wrong := s.do(here, "POST", "/api/v1/account/password", `{"current_password":"not it at all","new_password":"`+newPassword+`"}`, nil)
	if wrong.status != http.StatusBadRequest || !strings.Contains(wrong.body, "current_password") {
		t.Fatalf("a wrong current password: %d %s", wrong.status, wrong.body)
	}
	if r := s.do(here, "POST", "/api/v1/account/password", `{"current_password":"`+testPassword+`","new_password":"`+newPassword+`"}`, nil); r.status != http.StatusNoContent {
		t.Fatalf("change: %d %s", r.status, r.body)
	}
	if r := s.do(elsewhere, "GET", "/api/v1/me", "", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("the other session still works: %d", r.status)
	}
	if r := s.do(here, "GET", "/api/v1/me", "", nil); r.status != http.StatusOK {
		t.Fatalf("the session that changed it ended: %d", r.status)
	}
	if r := s.do(nil, "POST", "/api/v1/auth/login", `{"email":"agent@example.com","password":"`+testPassword+`"}`, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("the old password still logs in: %d", r.status)
	}
	s.login("agent@example.com", newPassword)
}

func TestSessionsListedAndEnded(t *testing.T) {
	s := newStack(t)
	here := s.logins["agent"]
	phone := s.loginAs("agent@example.com", testPassword, "KaikuTestPhone/1.0", "198.51.100.7")

	var listed struct {
		Data []struct {
			ID, UserAgent, Address string
			Current                bool
		} `json:"data"`
	}
	r := s.do(here, "GET", "/api/v1/account/sessions", "", nil)
	if r.status != http.StatusOK {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	r.decode(t, &listed)
	if len(listed.Data) != 2 || !listed.Data[0].Current || strings.Contains(r.body, phone.cookie) {
		t.Fatalf("sessions: %s", r.body)
	}
	if !strings.Contains(r.body, "KaikuTestPhone/1.0") || !strings.Contains(r.body, "198.51.100.7") {
		t.Fatalf("the phone's agent and address are not listed: %s", r.body)
	}
	other := listed.Data[1].ID

	// Another user cannot end it: it is not one of theirs.
	if r := s.do(s.logins["admin"], "DELETE", "/api/v1/account/sessions/"+other, "", nil); r.status != http.StatusNotFound {
		t.Fatalf("someone else's session: %d", r.status)
	}
	if r := s.do(here, "DELETE", "/api/v1/account/sessions/"+other, "", nil); r.status != http.StatusNoContent {
		t.Fatalf("end: %d %s", r.status, r.body)
	}
	if r := s.do(phone, "GET", "/api/v1/me", "", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("the ended session still works: %d", r.status)
	}
}

// loginAs logs in from a given browser and address.
func (s *stack) loginAs(email, password, userAgent, address string) *session {
	s.t.Helper()
	r := s.do(nil, "POST", "/api/v1/auth/login", `{"email":"`+email+`","password":"`+password+`"}`,
		map[string]string{"User-Agent": userAgent, "X-Forwarded-For": address})
	return s.sessionFrom(r)
}

func (s *stack) sessionFrom(r response) *session {
	s.t.Helper()
	if r.status != http.StatusOK {
		s.t.Fatalf("login: %d %s", r.status, r.body)
	}
	var body struct {
		Data struct {
			User      models.User `json:"user"`
			CSRFToken string      `json:"csrf_token"`
		} `json:"data"`
	}
	r.decode(s.t, &body)
	for _, c := range r.cookies {
		if c.Name == handlers.SessionCookie {
			return &session{user: &body.Data.User, cookie: c.Value, csrf: body.Data.CSRFToken}
		}
	}
	s.t.Fatalf("no session cookie: %s", r.body)
	return nil
}

var resetLink = regexp.MustCompile(`/reset-password#token=([A-Z0-9]+)`)

// lastResetToken reads the newest reset link from the outbox (no SMTP in tests).
func (s *stack) lastResetToken(to string) string {
	s.t.Helper()
	if _, err := s.mailer.ProcessDue(context.Background()); err != nil {
		s.t.Fatal(err)
	}
	list, err := s.mailer.ListOutbox(context.Background(), 50)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, m := range list {
		full, err := s.mailer.GetOutboxMessage(context.Background(), m.ID)
		if err != nil {
			s.t.Fatal(err)
		}
		if full.Message.To == to {
			if found := resetLink.FindStringSubmatch(full.Message.Text); found != nil {
				return found[1]
			}
		}
	}
	s.t.Fatalf("no reset mail to %s", to)
	return ""
}

func TestPasswordResetLinkWorksOnceAndEndsSessions(t *testing.T) {
	s := newStack(t)
	known := s.do(nil, "POST", "/api/v1/auth/password-reset", `{"email":"agent@example.com"}`, nil)
	unknown := s.do(nil, "POST", "/api/v1/auth/password-reset", `{"email":"nobody@example.com"}`, nil)
	if known.status != http.StatusAccepted || known.status != unknown.status || known.body != unknown.body {
		t.Fatalf("the answers differ: %d %s / %d %s", known.status, known.body, unknown.status, unknown.body)
	}
	token := s.lastResetToken("agent@example.com")
	body := `{"token":"` + token + `","password":"` + newPassword + `"}`
	if r := s.do(nil, "POST", "/api/v1/auth/password-reset/confirm", body, nil); r.status != http.StatusNoContent {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	if r := s.do(s.logins["agent"], "GET", "/api/v1/me", "", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("a session from before the reset still works: %d", r.status)
	}
	reused := s.do(nil, "POST", "/api/v1/auth/password-reset/confirm", `{"token":"`+token+`","password":"another one again"}`, nil)
	if reused.status != http.StatusBadRequest || !strings.Contains(reused.body, `"token"`) {
		t.Fatalf("a used link: %d %s", reused.status, reused.body)
	}
	s.login("agent@example.com", newPassword)

	// A link older than 30 minutes is refused.
	s.do(nil, "POST", "/api/v1/auth/password-reset", `{"email":"manager@example.com"}`, nil)
	late := s.lastResetToken("manager@example.com")
	s.clock.Advance(31 * time.Minute)
	if r := s.do(nil, "POST", "/api/v1/auth/password-reset/confirm", `{"token":"`+late+`","password":"`+newPassword+`"}`, nil); r.status != http.StatusBadRequest {
		t.Fatalf("an expired link: %d %s", r.status, r.body)
	}
}

func TestPasswordResetIsRateLimited(t *testing.T) {
	s := newStack(t)
	for i := range 4 {
		r := s.do(nil, "POST", "/api/v1/auth/password-reset", `{"email":"nobody@example.com"}`, nil)
		if want := map[bool]int{true: http.StatusAccepted, false: http.StatusTooManyRequests}[i < 3]; r.status != want {
			t.Fatalf("request %d: %d, want %d", i+1, r.status, want)
		}
	}
}

// enrol turns two-factor sign-in on for sess and returns the secret and recovery codes.
func (s *stack) enrol(sess *session) (string, []string) {
	s.t.Helper()
	var setup struct {
		Data struct {
			Secret string `json:"secret"`
			QRCode string `json:"qr_code"`
		} `json:"data"`
	}
	r := s.do(sess, "POST", "/api/v1/account/two-factor/setup", "", nil)
	if r.status != http.StatusOK {
		s.t.Fatalf("setup: %d %s", r.status, r.body)
	}
	r.decode(s.t, &setup)
	if !strings.HasPrefix(setup.Data.QRCode, "data:image/png;base64,") {
		s.t.Fatalf("no QR code: %.80s", r.body)
	}
	code, err := twofactor.Code(setup.Data.Secret, s.clock.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	var confirmed struct {
		Data struct {
			Codes []string `json:"recovery_codes"`
		} `json:"data"`
	}
	r = s.do(sess, "POST", "/api/v1/account/two-factor/confirm", `{"code":"`+code+`"}`, nil)
	if r.status != http.StatusOK {
		s.t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	r.decode(s.t, &confirmed)
	if len(confirmed.Data.Codes) != twofactor.RecoveryCodeCount {
		s.t.Fatalf("recovery codes: %s", r.body)
	}
	return setup.Data.Secret, confirmed.Data.Codes
}

// challenge logs in with the password and returns the second step's token.
func (s *stack) challenge(email, password string) string {
	s.t.Helper()
	r := s.do(nil, "POST", "/api/v1/auth/login", `{"email":"`+email+`","password":"`+password+`"}`, nil)
	var body struct {
		Data struct {
			TwoFactorRequired bool   `json:"two_factor_required"`
			Challenge         string `json:"challenge"`
		} `json:"data"`
	}
	r.decode(s.t, &body)
	if r.status != http.StatusOK || !body.Data.TwoFactorRequired || body.Data.Challenge == "" {
		s.t.Fatalf("login with two-factor: %d %s", r.status, r.body)
	}
	for _, c := range r.cookies {
		if c.Name == handlers.SessionCookie && c.Value != "" {
			s.t.Fatalf("the password step set a session cookie")
		}
	}
	return body.Data.Challenge
}

func TestTwoFactorLogin(t *testing.T) {
	s := newStack(t)
	secret, recovery := s.enrol(s.logins["agent"])

	challenge := s.challenge("agent@example.com", testPassword)
	// The first step's token is no session and no API token: it reaches nothing.
	for _, stolen := range []*session{{cookie: challenge, csrf: "x"}, {token: challenge}, {token: "kaiku_" + challenge}} {
		if r := s.do(stolen, "GET", "/api/v1/cases", "", nil); r.status != http.StatusUnauthorized {
			t.Fatalf("a first-step token reached the API: %d %s", r.status, r.body)
		}
	}
	// The code used to confirm the enrolment cannot be used again.
	used, _ := twofactor.Code(secret, s.clock.Now())
	if r := s.do(nil, "POST", "/api/v1/auth/login/second-factor", `{"challenge":"`+challenge+`","code":"`+used+`"}`, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("a replayed code: %d %s", r.status, r.body)
	}
	s.clock.Advance(twofactor.Period)
	code, _ := twofactor.Code(secret, s.clock.Now())
	sess := s.sessionFrom(s.do(nil, "POST", "/api/v1/auth/login/second-factor", `{"challenge":"`+challenge+`","code":"`+code+`"}`, nil))
	if r := s.do(sess, "GET", "/api/v1/cases", "", nil); r.status != http.StatusOK {
		t.Fatalf("after the code: %d %s", r.status, r.body)
	}
	s.clock.Advance(twofactor.Period)
	next, _ := twofactor.Code(secret, s.clock.Now())
	if r := s.do(nil, "POST", "/api/v1/auth/login/second-factor", `{"challenge":"`+challenge+`","code":"`+next+`"}`, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("a finished challenge was used again: %d %s", r.status, r.body)
	}

	// A recovery code works once.
	first := s.challenge("agent@example.com", testPassword)
	s.sessionFrom(s.do(nil, "POST", "/api/v1/auth/login/second-factor", `{"challenge":"`+first+`","code":"`+strings.ToUpper(recovery[0])+`"}`, nil))
	again := s.challenge("agent@example.com", testPassword)
	if r := s.do(nil, "POST", "/api/v1/auth/login/second-factor", `{"challenge":"`+again+`","code":"`+recovery[0]+`"}`, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("a used recovery code: %d %s", r.status, r.body)
	}
	if r := s.do(s.logins["agent"], "GET", "/api/v1/account/two-factor", "", nil); !strings.Contains(r.body, `"recovery_codes_left":9`) {
		t.Fatalf("status: %s", r.body)
	}

	// Guessing is cut off: a challenge takes five tries.
	guessed := s.challenge("agent@example.com", testPassword)
	for i := range handlersMaxChallengeAttempts + 1 {
		r := s.do(nil, "POST", "/api/v1/auth/login/second-factor", `{"challenge":"`+guessed+`","code":"000000"}`, nil)
		if i == handlersMaxChallengeAttempts && !strings.Contains(r.body, "login_expired") {
			t.Fatalf("try %d: %d %s", i+1, r.status, r.body)
		}
	}
}

const handlersMaxChallengeAttempts = 5

func TestTwoFactorRequiredForManagers(t *testing.T) {
	s := newStack(t)
	if r := s.do(s.logins["manager"], "PUT", "/api/v1/settings/security", `{"require_two_factor":true}`, nil); r.status != http.StatusForbidden {
		t.Fatalf("a manager changed security settings: %d", r.status)
	}
	if r := s.do(s.logins["admin"], "PUT", "/api/v1/settings/security", `{"require_two_factor":true}`, nil); r.status != http.StatusOK {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	manager := s.login("manager@example.com", testPassword)
	if r := s.do(manager, "GET", "/api/v1/me", "", nil); !strings.Contains(r.body, `"two_factor_enrolment_required":true`) {
		t.Fatalf("me: %s", r.body)
	}
	for _, path := range []string{"/api/v1/cases", "/api/v1/api-tokens", "/api/v1/account/sessions"} {
		if r := s.do(manager, "GET", path, "", nil); r.status != http.StatusForbidden || !strings.Contains(r.body, "two_factor_enrolment_required") {
			t.Fatalf("%s before enrolling: %d %s", path, r.status, r.body)
		}
	}
	if r := s.do(manager, "POST", "/api/v1/api-tokens", `{"name":"escape"}`, nil); r.status != http.StatusForbidden {
		t.Fatalf("a token before enrolling: %d", r.status)
	}
	s.enrol(manager)
	if r := s.do(manager, "GET", "/api/v1/cases", "", nil); r.status != http.StatusOK {
		t.Fatalf("after enrolling: %d %s", r.status, r.body)
	}
	if r := s.do(manager, "POST", "/api/v1/account/two-factor/disable", `{"password":"`+testPassword+`"}`, nil); r.status != http.StatusConflict {
		t.Fatalf("turned off while required: %d %s", r.status, r.body)
	}
	// Agents are not asked.
	agent := s.login("agent@example.com", testPassword)
	if r := s.do(agent, "GET", "/api/v1/cases", "", nil); r.status != http.StatusOK {
		t.Fatalf("agent: %d", r.status)
	}
}

func TestAuditLogRecordsAdminActions(t *testing.T) {
	s := newStack(t)
	admin := s.logins["admin"]
	agentID := s.logins["agent"].user.ID
	if r := s.do(admin, "PATCH", "/api/v1/users/"+agentID, `{"role":"manager","authority_limit_cents":5000}`, nil); r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	if r := s.do(admin, "PATCH", "/api/v1/users/"+agentID, `{"password":"`+newPassword+`"}`, nil); r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	if r := s.do(admin, "POST", "/api/v1/webhooks", `{"name":"W","url":"https://93.184.215.14/hook"}`, nil); r.status != http.StatusCreated {
		t.Fatalf("webhook: %d %s", r.status, r.body)
	}

	var got struct {
		Data []models.AuditEntry `json:"data"`
	}
	r := s.do(admin, "GET", "/api/v1/audit-log?kind=user&actor="+admin.user.ID, "", nil)
	if r.status != http.StatusOK {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	r.decode(t, &got)
	if len(got.Data) != 2 || got.Data[0].Action != "user.set_password" || got.Data[1].Action != "user.update" {
		t.Fatalf("entries: %s", r.body)
	}
	before, _ := got.Data[1].Before.(map[string]any)
	after, _ := got.Data[1].After.(map[string]any)
	if before["role"] != "agent" || after["role"] != "manager" || got.Data[1].ActorName != "Ada Admin" {
		t.Fatalf("before/after: %s", r.body)
	}
	if strings.Contains(r.body, newPassword) || strings.Contains(strings.ToLower(r.body), "password_hash") {
		t.Fatalf("a secret reached the audit log: %s", r.body)
	}
	r = s.do(admin, "GET", "/api/v1/audit-log?kind=webhook", "", nil)
	if !strings.Contains(r.body, `"webhook.create"`) || strings.Contains(r.body, `"secret"`) {
		t.Fatalf("webhook entry: %s", r.body)
	}
	tomorrow := s.clock.Now().AddDate(0, 0, 1).Format("2006-01-02")
	if r := s.do(admin, "GET", "/api/v1/audit-log?from="+tomorrow, "", nil); r.status != http.StatusOK || !strings.Contains(r.body, `"data":[]`) {
		t.Fatalf("from tomorrow: %d %s", r.status, r.body)
	}
	for _, who := range []*session{s.logins["manager"], s.login("agent@example.com", newPassword)} {
		if r := s.do(who, "GET", "/api/v1/audit-log", "", nil); r.status != http.StatusForbidden {
			t.Fatalf("%s read the audit log: %d", who.user.Role, r.status)
		}
	}
}

func TestAdminResetsTwoFactor(t *testing.T) {
	s := newStack(t)
	s.enrol(s.logins["agent"])
	agentID := s.logins["agent"].user.ID
	for _, role := range []string{"agent", "manager"} {
		if r := s.do(s.logins[role], "POST", "/api/v1/users/"+agentID+"/two-factor/reset", "", nil); r.status != http.StatusForbidden {
			t.Fatalf("%s reset two-factor sign-in: %d", role, r.status)
		}
	}
	if r := s.do(s.logins["admin"], "POST", "/api/v1/users/"+agentID+"/two-factor/reset", "", nil); r.status != http.StatusNoContent {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	s.login("agent@example.com", testPassword) // the password alone opens a session again
	r := s.do(s.logins["admin"], "GET", "/api/v1/audit-log?kind=user", "", nil)
	if !strings.Contains(r.body, `"user.reset_two_factor"`) {
		t.Fatalf("not audited: %s", r.body)
	}
}

func TestAuditLogKeepsWebhookBeforeAndAfter(t *testing.T) {
	s := newStack(t)
	admin := s.logins["admin"]
	r := s.do(admin, "POST", "/api/v1/webhooks", `{"name":"Old name","url":"https://93.184.215.14/hook"}`, nil)
	var created struct {
		Data struct {
			ID      string `json:"id"`
			Version int64  `json:"version"`
		} `json:"data"`
	}
	r.decode(t, &created)
	if r := s.do(admin, "PATCH", "/api/v1/webhooks/"+created.Data.ID, `{"version":1,"name":"New name"}`, nil); r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	var got struct {
		Data []models.AuditEntry `json:"data"`
	}
	r = s.do(admin, "GET", "/api/v1/audit-log?kind=webhook", "", nil)
	r.decode(t, &got)
	if len(got.Data) != 2 || got.Data[0].Action != "webhook.update" {
		t.Fatalf("entries: %s", r.body)
	}
	before, _ := got.Data[0].Before.(map[string]any)
	after, _ := got.Data[0].After.(map[string]any)
	if before["name"] != "Old name" || after["name"] != "New name" {
		t.Fatalf("before/after: %s", r.body)
	}
}
