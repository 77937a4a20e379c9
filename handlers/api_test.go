package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/handlers"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/staff"
)

const validCase = `{"subject":"Broken kettle","description":"It leaks after two days.","customer":{"name":"Aino Virtanen","email":"Aino@Example.com"},"priority":"high","category":"appliances","touchpoint":"store","expected_outcome":"replacement","tags":["Leak","leak"]}`

func TestAuthScenarios(t *testing.T) {
	s := newStack(t)
	s.run(t, []scenario{
		{name: "me anonymous", method: "GET", path: "/api/v1/me", wantStatus: 401, wantCode: "unauthenticated"},
		{name: "me agent", as: "agent", method: "GET", path: "/api/v1/me", wantStatus: 200, wantBody: []string{`"role":"agent"`, `"csrf_token"`}},
		{name: "password hash never leaves", as: "admin", method: "GET", path: "/api/v1/users", wantStatus: 200},
		{name: "wrong password", method: "POST", path: "/api/v1/auth/login", body: `{"email":"agent@example.com","password":"nope nope nope"}`, wantStatus: 401, wantCode: "invalid_credentials"},
		{name: "unknown user same answer", method: "POST", path: "/api/v1/auth/login", body: `{"email":"ghost@example.com","password":"nope nope nope"}`, wantStatus: 401, wantCode: "invalid_credentials"},
		{name: "login field errors", method: "POST", path: "/api/v1/auth/login", body: `{"email":"not-an-email"}`, wantStatus: 400, wantFields: []string{"email", "password"}},
		{name: "bad session cookie", method: "GET", path: "/api/v1/me", headers: map[string]string{"Cookie": handlers.SessionCookie + "=forged"}, wantStatus: 401},
		{name: "bearer garbage", method: "GET", path: "/api/v1/me", headers: map[string]string{"Authorization": "Bearer kaiku_forged"}, wantStatus: 401},
		{name: "cookie write without CSRF", as: "agent", method: "POST", path: "/api/v1/api-tokens", body: `{"name":"x"}`, headers: map[string]string{handlers.CSRFHeader: ""}, wantStatus: 403, wantCode: "forbidden"},
		{name: "cookie write with wrong CSRF", as: "agent", method: "POST", path: "/api/v1/api-tokens", body: `{"name":"x"}`, headers: map[string]string{handlers.CSRFHeader: "wrong"}, wantStatus: 403},
	})
	res := s.do(s.logins["admin"], "GET", "/api/v1/users", "", nil)
	if strings.Contains(res.body, "password") || strings.Contains(res.body, "argon2") {
		t.Fatalf("user list leaks password material: %s", res.body)
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	s := newStack(t)
	sess := s.login("agent@example.com", testPassword)
	if res := s.do(sess, "POST", "/api/v1/auth/logout", "", nil); res.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", res.status, res.body)
	}
	if res := s.do(sess, "GET", "/api/v1/me", "", nil); res.status != http.StatusUnauthorized {
		t.Fatalf("the old cookie still works after logout: %d", res.status)
	}
}

func TestSessionExpires(t *testing.T) {
	s := newStack(t)
	sess := s.login("agent@example.com", testPassword)
	s.clock.Advance(13 * time.Hour)
	if res := s.do(sess, "GET", "/api/v1/me", "", nil); res.status != http.StatusUnauthorized {
		t.Fatalf("a 13-hour-old session still works: %d", res.status)
	}
}

// Failed logins are limited per account and address together, with growing delays: someone
// guessing from one address is slowed down and cannot keep the account's owner out from
// another address.
func TestLoginIsRateLimited(t *testing.T) {
	s := newStack(t)
	attacker := map[string]string{"X-Forwarded-For": "203.0.113.66"}
	owner := map[string]string{"X-Forwarded-For": "198.51.100.7"}
	wrong := `{"email":"agent@example.com","password":"wrong password"}`
	right := `{"email":"agent@example.com","password":"` + testPassword + `"}`
	for i := 0; i < staff.LoginFreeFailures; i++ {
		if res := s.do(nil, "POST", "/api/v1/auth/login", wrong, attacker); res.status != http.StatusUnauthorized {
			t.Fatalf("free attempt %d: %d %s", i+1, res.status, res.body)
		}
	}
	// From then on each attempt waits, twice as long as the one before; during the wait even
	// the right password is not looked at, so guessing stays slow.
	for _, wait := range []int{1, 2, 4, 8} {
		res := s.do(nil, "POST", "/api/v1/auth/login", right, attacker)
		if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") != strconv.Itoa(wait) {
			t.Fatalf("attempt inside the delay: %d Retry-After %q, want %d s: %s", res.status, res.header.Get("Retry-After"), wait, res.body)
		}
		// Hammering does not change the wait.
		if again := s.do(nil, "POST", "/api/v1/auth/login", wrong, attacker); again.header.Get("Retry-After") != strconv.Itoa(wait) {
			t.Fatalf("a refused attempt counted: Retry-After %q, want %d", again.header.Get("Retry-After"), wait)
		}
		s.clock.Advance(time.Duration(wait) * time.Second)
		if res := s.do(nil, "POST", "/api/v1/auth/login", wrong, attacker); res.status != http.StatusUnauthorized {
			t.Fatalf("attempt after waiting %d s: %d %s", wait, res.status, res.body)
		}
	}
	// The owner, elsewhere, logs in at once, and the attacker's attempts go on waiting.
	if res := s.do(nil, "POST", "/api/v1/auth/login", right, owner); res.status != http.StatusOK {
		t.Fatalf("the owner from another address: %d %s", res.status, res.body)
	}
	if res := s.do(nil, "POST", "/api/v1/auth/login", right, attacker); res.status != http.StatusTooManyRequests {
		t.Fatalf("the attacker's address after the owner's login: %d", res.status)
	}
	// A success clears the address's count: a typo after it is not punished.
	s.clock.Advance(staff.LoginMaxDelay)
	if res := s.do(nil, "POST", "/api/v1/auth/login", right, attacker); res.status != http.StatusOK {
		t.Fatalf("right password after the wait: %d %s", res.status, res.body)
	}
	for i := 0; i < staff.LoginFreeFailures; i++ {
		if res := s.do(nil, "POST", "/api/v1/auth/login", wrong, attacker); res.status != http.StatusUnauthorized {
			t.Fatalf("free attempt %d after a success: %d", i+1, res.status)
		}
	}
}

// Guessing from many addresses: once an account has had LoginAccountFailures failures in the
// window, only addresses that logged in to it before may try.
func TestLoginAcrossAddressesKeepsKnownAddressesIn(t *testing.T) {
	s := newStack(t)
	owner := map[string]string{"X-Forwarded-For": "198.51.100.7"}
	right := `{"email":"agent@example.com","password":"` + testPassword + `"}`
	if res := s.do(nil, "POST", "/api/v1/auth/login", right, owner); res.status != http.StatusOK {
		t.Fatalf("owner: %d", res.status)
	}
	for i := 0; i < staff.LoginAccountFailures; i++ {
		from := map[string]string{"X-Forwarded-For": fmt.Sprintf("203.0.%d.%d", i/200, i%200+1)}
		if res := s.do(nil, "POST", "/api/v1/auth/login", `{"email":"agent@example.com","password":"wrong password"}`, from); res.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s", i, res.status, res.body)
		}
	}
	if res := s.do(nil, "POST", "/api/v1/auth/login", right, map[string]string{"X-Forwarded-For": "192.0.2.200"}); res.status != http.StatusTooManyRequests {
		t.Fatalf("a new address after the flood: %d", res.status)
	}
	if res := s.do(nil, "POST", "/api/v1/auth/login", right, owner); res.status != http.StatusOK {
		t.Fatalf("the owner's known address after the flood: %d %s", res.status, res.body)
	}
}

func TestAPITokenLifecycle(t *testing.T) {
	s := newStack(t)
	res := s.do(s.logins["agent"], "POST", "/api/v1/api-tokens", `{"name":"CRM sync"}`, nil)
	if res.status != http.StatusCreated {
		t.Fatalf("create token: %d %s", res.status, res.body)
	}
	var created struct {
		Data struct {
			Token struct {
				ID string `json:"id"`
			} `json:"token"`
			Secret string `json:"secret"`
		} `json:"data"`
	}
	res.decode(t, &created)
	if !strings.HasPrefix(created.Data.Secret, "kaiku_") || len(created.Data.Secret) < 40 {
		t.Fatalf("secret %q is not a long kaiku_ token", created.Data.Secret)
	}
	bearer := &session{token: created.Data.Secret}
	if res := s.do(bearer, "GET", "/api/v1/me", "", nil); res.status != 200 || !strings.Contains(res.body, "agent@example.com") {
		t.Fatalf("bearer me: %d %s", res.status, res.body)
	}
	// Bearer writes need no CSRF header: browsers never attach the token on their own.
	if res := s.do(bearer, "POST", "/api/v1/cases", validCase, nil); res.status != http.StatusCreated {
		t.Fatalf("bearer create case: %d %s", res.status, res.body)
	}
	list := s.do(s.logins["agent"], "GET", "/api/v1/api-tokens", "", nil)
	if strings.Contains(list.body, created.Data.Secret) || !strings.Contains(list.body, "CRM sync") {
		t.Fatalf("token list must name the token but never show the secret: %s", list.body)
	}
	// Another user cannot revoke it.
	if res := s.do(s.logins["manager"], "DELETE", "/api/v1/api-tokens/"+created.Data.Token.ID, "", nil); res.status != http.StatusNotFound {
		t.Fatalf("someone else's token revoked: %d", res.status)
	}
	if res := s.do(s.logins["agent"], "DELETE", "/api/v1/api-tokens/"+created.Data.Token.ID, "", nil); res.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", res.status, res.body)
	}
	if res := s.do(bearer, "GET", "/api/v1/me", "", nil); res.status != http.StatusUnauthorized {
		t.Fatalf("revoked token still works: %d", res.status)
	}
}

// A password set by an admin ends the user's sessions (whoever knew the old password is logged
// out) and, when asked, their API tokens; an admin changing their own keeps only the session
// they are using.
func TestNewPasswordEndsOtherSessionsAndOptionallyTokens(t *testing.T) {
	s := newStack(t)
	admin := s.logins["admin"]
	agent := s.logins["agent"]
	agentID := agent.user.ID
	laptop := s.login("agent@example.com", testPassword)
	newToken := func(sess *session) *session {
		t.Helper()
		res := s.do(sess, "POST", "/api/v1/api-tokens", `{"name":"sync"}`, nil)
		var created struct{ Data struct{ Secret string } }
		res.decode(t, &created)
		return &session{token: created.Data.Secret}
	}
	bearer := newToken(agent)
	me := func(sess *session) int { t.Helper(); return s.do(sess, "GET", "/api/v1/me", "", nil).status }

	if res := s.do(admin, "PATCH", "/api/v1/users/"+agentID, `{"password":"a brand new secret 1"}`, nil); res.status != http.StatusOK {
		t.Fatalf("reset: %d %s", res.status, res.body)
	}
	if me(agent) != http.StatusUnauthorized || me(laptop) != http.StatusUnauthorized {
		t.Fatalf("old sessions after the reset: %d %d", me(agent), me(laptop))
	}
	if me(bearer) != http.StatusOK {
		t.Fatal("a token was revoked although not asked to")
	}
	if res := s.do(admin, "PATCH", "/api/v1/users/"+agentID, `{"password":"another new secret 2","revoke_api_tokens":true}`, nil); res.status != http.StatusOK {
		t.Fatalf("reset with tokens: %d %s", res.status, res.body)
	}
	if me(bearer) != http.StatusUnauthorized {
		t.Fatal("the token still works after a reset that revokes tokens")
	}
	s.login("agent@example.com", "another new secret 2")

	// The admin's own password: the session they use stays, their other one ends.
	other := s.login("admin@example.com", testPassword)
	if res := s.do(admin, "PATCH", "/api/v1/users/"+admin.user.ID, `{"password":"admins new secret 3"}`, nil); res.status != http.StatusOK {
		t.Fatalf("own password: %d %s", res.status, res.body)
	}
	if me(admin) != http.StatusOK || me(other) != http.StatusUnauthorized {
		t.Fatalf("after changing their own password: this session %d, the other %d", me(admin), me(other))
	}
}

func TestUserAdministration(t *testing.T) {
	s := newStack(t)
	s.run(t, []scenario{
		{name: "agent cannot list users", as: "agent", method: "GET", path: "/api/v1/users", wantStatus: 403},
		{name: "manager lists users", as: "manager", method: "GET", path: "/api/v1/users", wantStatus: 200, wantBody: []string{`"total":3`}},
		{name: "manager cannot create", as: "manager", method: "POST", path: "/api/v1/users", body: `{"email":"x@example.com","name":"X","role":"agent","password":"long enough pw"}`, wantStatus: 403},
		{name: "admin creates", as: "admin", method: "POST", path: "/api/v1/users", body: `{"email":"New@Example.com","name":"New Agent","role":"agent","password":"long enough pw","authority_limit_cents":5000}`, wantStatus: 201, wantBody: []string{`"email":"new@example.com"`, `"authority_limit_cents":5000`, `"currency":"EUR"`}},
		{name: "duplicate email", as: "admin", method: "POST", path: "/api/v1/users", body: `{"email":"new@example.com","name":"Again","role":"agent","password":"long enough pw"}`, wantStatus: 409, wantFields: []string{"email"}},
		{name: "field errors by JSON name", as: "admin", method: "POST", path: "/api/v1/users", body: `{"email":"bad","name":"","role":"boss","password":"short","authority_limit_cents":-1}`, wantStatus: 400, wantFields: []string{"email", "name", "role", "password", "authority_limit_cents"}},
		{name: "no mass assignment", as: "admin", method: "POST", path: "/api/v1/users", body: `{"email":"m@example.com","name":"M","role":"agent","password":"long enough pw","password_hash":"x"}`, wantStatus: 400, wantFields: []string{"password_hash"}},
		{name: "unknown team", as: "admin", method: "POST", path: "/api/v1/users", body: `{"email":"t@example.com","name":"T","role":"agent","password":"long enough pw","team_ids":["nope"]}`, wantStatus: 400, wantFields: []string{"team_ids"}},
		{name: "admin cannot demote self", as: "admin", method: "PATCH", path: "/api/v1/users/" + s.logins["admin"].user.ID, body: `{"role":"agent"}`, wantStatus: 400, wantFields: []string{"role"}},
		{name: "patch missing user", as: "admin", method: "PATCH", path: "/api/v1/users/nobody", body: `{"name":"x"}`, wantStatus: 404},
		{name: "agent cannot create team", as: "agent", method: "POST", path: "/api/v1/teams", body: `{"name":"Returns"}`, wantStatus: 403},
		{name: "admin creates team", as: "admin", method: "POST", path: "/api/v1/teams", body: `{"name":"Returns","description":"Refunds and returns"}`, wantStatus: 201},
		{name: "agent lists teams", as: "agent", method: "GET", path: "/api/v1/teams", wantStatus: 200, wantBody: []string{"Returns"}},
	})

	// Deactivating a user ends their access at once, even with a live session.
	agent := s.logins["agent"]
	if res := s.do(s.logins["admin"], "PATCH", "/api/v1/users/"+agent.user.ID, `{"active":false}`, nil); res.status != 200 {
		t.Fatalf("deactivate: %d %s", res.status, res.body)
	}
	if res := s.do(agent, "GET", "/api/v1/me", "", nil); res.status != http.StatusUnauthorized {
		t.Fatalf("deactivated user still in: %d", res.status)
	}
	// A password reset lets the user in with the new password only.
	if res := s.do(s.logins["admin"], "PATCH", "/api/v1/users/"+agent.user.ID, `{"active":true,"password":"a brand new password"}`, nil); res.status != 200 {
		t.Fatalf("reset: %d %s", res.status, res.body)
	}
	s.login("agent@example.com", "a brand new password")
	if res := s.do(nil, "POST", "/api/v1/auth/login", `{"email":"agent@example.com","password":"`+testPassword+`"}`, nil); res.status != 401 {
		t.Fatalf("old password still works: %d", res.status)
	}
}

func TestBadInputNeverReachesTheDatabase(t *testing.T) {
	s := newStack(t)
	big := `{"subject":"x","description":"` + strings.Repeat("a", 70<<10) + `","customer":{"name":"a","email":"a@example.com"}}`
	s.run(t, []scenario{
		{name: "malformed JSON", as: "agent", method: "POST", path: "/api/v1/cases", body: `{"subject":`, wantStatus: 400, wantCode: "invalid_request"},
		{name: "not an object", as: "agent", method: "POST", path: "/api/v1/cases", body: `[1,2]`, wantStatus: 400},
		{name: "wrong type", as: "agent", method: "POST", path: "/api/v1/cases", body: `{"subject":5}`, wantStatus: 400, wantFields: []string{"subject"}},
		{name: "unknown field", as: "agent", method: "POST", path: "/api/v1/cases", body: `{"subject":"x","status":"closed"}`, wantStatus: 400, wantFields: []string{"status"}},
		{name: "dollar key at top", as: "agent", method: "POST", path: "/api/v1/cases", body: `{"$where":"1"}`, wantStatus: 400, wantFields: []string{"$where"}},
		{name: "dollar key nested", as: "agent", method: "POST", path: "/api/v1/cases", body: `{"subject":"x","customer":{"email":{"$ne":null}}}`, wantStatus: 400, wantFields: []string{"$ne"}},
		{name: "dollar key in array", as: "agent", method: "POST", path: "/api/v1/cases", body: `{"tags":[{"$gt":""}]}`, wantStatus: 400, wantFields: []string{"$gt"}},
		{name: "dollar string value is fine but validated", as: "agent", method: "POST", path: "/api/v1/cases", body: `{"subject":"$1 overcharge","description":"d","customer":{"name":"a","email":"a@example.com"}}`, wantStatus: 201},
		{name: "dollar login", method: "POST", path: "/api/v1/auth/login", body: `{"email":{"$gt":""},"password":"x"}`, wantStatus: 400},
		{name: "oversized body", as: "agent", method: "POST", path: "/api/v1/cases", body: big, wantStatus: 413, wantCode: "too_large"},
		{name: "two JSON values", as: "agent", method: "POST", path: "/api/v1/cases", body: validCase + validCase, wantStatus: 400},
		{name: "empty body", as: "agent", method: "POST", path: "/api/v1/cases", body: "", headers: map[string]string{"Content-Type": "application/json"}, wantStatus: 400},
		{name: "form body refused", as: "agent", method: "POST", path: "/api/v1/cases", body: "subject=x", headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, wantStatus: 400, wantCode: "unsupported_media_type"},
		{name: "unknown query parameter", as: "agent", method: "GET", path: "/api/v1/cases?$where=1", wantStatus: 400},
		{name: "bad limit", as: "agent", method: "GET", path: "/api/v1/cases?limit=100000", wantStatus: 400, wantFields: []string{"limit"}},
		{name: "bad view", as: "agent", method: "GET", path: "/api/v1/cases?view=everything", wantStatus: 400, wantFields: []string{"view"}},
		{name: "bad cursor", as: "agent", method: "GET", path: "/api/v1/cases?cursor=%7B%7D", wantStatus: 400},
		{name: "bad date", as: "agent", method: "GET", path: "/api/v1/cases?created_from=yesterday", wantStatus: 400, wantFields: []string{"created_from"}},
		{name: "unknown API path", as: "agent", method: "GET", path: "/api/v1/nothing-here", wantStatus: 404, wantCode: "not_found"},
		{name: "wrong method gets the envelope", as: "agent", method: "DELETE", path: "/api/v1/me", wantStatus: 404, wantCode: "not_found"},
	})
}

func TestCaseLifecycleOverHTTP(t *testing.T) {
	s := newStack(t)
	agent := s.logins["agent"]
	res := s.do(agent, "POST", "/api/v1/cases", validCase, nil)
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	var created struct{ Data models.Case }
	res.decode(t, &created)
	c := created.Data
	if !strings.HasPrefix(c.ID, "K-2026-") || c.Version != 1 || c.Status != models.StatusNew ||
		c.Customer.Email != "aino@example.com" || len(c.Tags) != 1 || c.Timeline[0].Type != "created" {
		t.Fatalf("created case: %+v", c)
	}
	// Under the default SLA policy: high priority, first response due in 4 business hours.
	if c.SLAPolicyID != "default" || c.DueAt == nil || len(c.SLA) == 0 || c.Timeline[1].Type != "sla_started" {
		t.Fatalf("SLA not started: policy %q due %v clocks %d", c.SLAPolicyID, c.DueAt, len(c.SLA))
	}

	// The case is listed from the index straight away.
	s.run(t, []scenario{
		{name: "listed unassigned", as: "agent", method: "GET", path: "/api/v1/cases?view=unassigned", wantStatus: 200, wantBody: []string{c.ID, `"total":1`}},
		{name: "text search", as: "agent", method: "GET", path: "/api/v1/cases?q=kettle", wantStatus: 200, wantBody: []string{c.ID, `\u003cmark\u003ekettle\u003c/mark\u003e`}},
		{name: "filter excludes", as: "agent", method: "GET", path: "/api/v1/cases?priority=low", wantStatus: 200, wantBody: []string{`"total":0`}},
		{name: "facets", as: "agent", method: "GET", path: "/api/v1/cases?facets=priority&facets=status", wantStatus: 200, wantBody: []string{`"priority":[{"value":"high","count":1}]`}},
		{name: "anonymous cannot read", method: "GET", path: "/api/v1/cases/" + c.ID, wantStatus: 401},
		{name: "anonymous cannot list", method: "GET", path: "/api/v1/cases", wantStatus: 401},
		{name: "missing case", as: "agent", method: "GET", path: "/api/v1/cases/K-2026-999999", wantStatus: 404},
	})

	// Claim it: PATCH with the version seen.
	patch := fmt.Sprintf(`{"version":1,"assignee_id":%q,"priority":"urgent"}`, agent.user.ID)
	res = s.do(agent, "PATCH", "/api/v1/cases/"+c.ID, patch, nil)
	if res.status != 200 {
		t.Fatalf("patch: %d %s", res.status, res.body)
	}
	var patched struct{ Data models.Case }
	res.decode(t, &patched)
	if patched.Data.Version != 2 || patched.Data.Status != models.StatusOpen || patched.Data.AssigneeID != agent.user.ID {
		t.Fatalf("after claim: %+v", patched.Data)
	}
	if n := len(patched.Data.Timeline); n < 6 {
		t.Fatalf("timeline should record assignee, status and priority changes with who: %+v", patched.Data.Timeline)
	}

	s.run(t, []scenario{
		{name: "stale version refused", as: "manager", method: "PATCH", path: "/api/v1/cases/" + c.ID, body: `{"version":1,"subject":"overwrite"}`, wantStatus: 409, wantCode: "version_conflict"},
		{name: "version required", as: "manager", method: "PATCH", path: "/api/v1/cases/" + c.ID, body: `{"subject":"overwrite"}`, wantStatus: 400, wantFields: []string{"version"}},
		{name: "lifecycle enforced", as: "agent", method: "PATCH", path: "/api/v1/cases/" + c.ID, body: `{"version":2,"status":"new"}`, wantStatus: 422, wantCode: "invalid_transition"},
		{name: "unknown assignee", as: "agent", method: "PATCH", path: "/api/v1/cases/" + c.ID, body: `{"version":2,"assignee_id":"ghost"}`, wantStatus: 400, wantFields: []string{"assignee_id"}},
		{name: "now mine", as: "agent", method: "GET", path: "/api/v1/cases?view=mine", wantStatus: 200, wantBody: []string{c.ID}},
		{name: "not unassigned", as: "agent", method: "GET", path: "/api/v1/cases?view=unassigned", wantStatus: 200, wantBody: []string{`"total":0`}},
		{name: "sorted by priority", as: "agent", method: "GET", path: "/api/v1/cases?sort=priority", wantStatus: 200, wantBody: []string{`"priority":"urgent"`}},
		{name: "view counts", as: "agent", method: "GET", path: "/api/v1/cases/counts", wantStatus: 200, wantBody: []string{`"mine":1`, `"unassigned":0`, `"all_open":1`}},
	})
	stored, err := s.env.Store.GetCase(t.Context(), c.ID)
	if err != nil || stored.Subject != "Broken kettle" {
		t.Fatalf("the refused stale write changed the case: %+v %v", stored, err)
	}
}

func TestScriptInComplaintIsJSONText(t *testing.T) {
	s := newStack(t)
	body := `{"subject":"<script>alert(1)</script>","description":"<img src=x onerror=alert(1)>","customer":{"name":"x","email":"x@example.com"}}`
	res := s.do(s.logins["agent"], "POST", "/api/v1/cases", body, nil)
	if res.status != 201 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	if strings.Contains(res.body, "<script>") || !strings.Contains(res.body, `\u003cscript\u003e`) {
		t.Fatalf("markup must be JSON-escaped text: %s", res.body)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || res.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("headers: %v", res.header)
	}
}

func TestWebAppAndHealth(t *testing.T) {
	s := newStack(t)
	s.run(t, []scenario{
		{name: "healthz", method: "GET", path: "/healthz", wantStatus: 200},
		{name: "readyz", method: "GET", path: "/readyz", wantStatus: 200, wantBody: []string{`"database":"ok"`, `"search":"ok"`}},
		{name: "spa root", method: "GET", path: "/", wantStatus: 200, wantBody: []string{"<title>Kaiku</title>"}},
		{name: "spa deep link", method: "GET", path: "/inbox/some/where", wantStatus: 200, wantBody: []string{"<title>Kaiku</title>"}},
		{name: "asset", method: "GET", path: "/assets/app.js", wantStatus: 200, wantBody: []string{"console.log"}},
		{name: "missing asset is 404", method: "GET", path: "/assets/missing.js", wantStatus: 404},
		{name: "openapi", method: "GET", path: "/api/openapi.json", wantStatus: 200, wantBody: []string{`"openapi"`}},
	})
}

func TestUserJSONShape(t *testing.T) {
	s := newStack(t)
	res := s.do(s.logins["manager"], "GET", "/api/v1/me", "", nil)
	var body struct {
		Data struct {
			User map[string]any `json:"user"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(res.body), &body); err != nil {
		t.Fatal(err)
	}
	u := body.Data.User
	for _, k := range []string{"id", "email", "name", "role", "team_ids", "authority_limit_cents", "currency", "locale", "active", "created_at", "updated_at"} {
		if _, ok := u[k]; !ok {
			t.Errorf("user JSON lacks %q: %v", k, u)
		}
	}
}

func TestHighlightsEscapeMarkup(t *testing.T) {
	s := newStack(t)
	body := `{"subject":"<b>bold</b> refund request","description":"<script>x</script> refund","customer":{"name":"x","email":"x@example.com"}}`
	if res := s.do(s.logins["agent"], "POST", "/api/v1/cases", body, nil); res.status != 201 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	res := s.do(s.logins["agent"], "GET", "/api/v1/cases?q=refund", "", nil)
	var out struct {
		Data []struct {
			Highlights map[string][]string `json:"highlights"`
		} `json:"data"`
	}
	res.decode(t, &out)
	if len(out.Data) != 1 || len(out.Data[0].Highlights) == 0 {
		t.Fatalf("no highlights: %s", res.body)
	}
	for field, frags := range out.Data[0].Highlights {
		for _, f := range frags {
			stripped := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(f)
			if strings.ContainsAny(stripped, "<>") {
				t.Errorf("%s highlight %q carries markup other than <mark>: the UI renders highlights as HTML", field, f)
			}
		}
	}
}

func TestListFilterValidationAndDateRanges(t *testing.T) {
	s := newStack(t)
	if res := s.do(s.logins["agent"], "POST", "/api/v1/cases", validCase, nil); res.status != 201 {
		t.Fatal(res.body)
	}
	s.run(t, []scenario{
		{name: "unknown status", as: "agent", method: "GET", path: "/api/v1/cases?status=bogus", wantStatus: 400, wantFields: []string{"status"}},
		{name: "unknown priority", as: "agent", method: "GET", path: "/api/v1/cases?priority=meh", wantStatus: 400, wantFields: []string{"priority"}},
		{name: "unknown channel", as: "agent", method: "GET", path: "/api/v1/cases?channel=pigeon", wantStatus: 400, wantFields: []string{"channel"}},
		// The case was created 2026-03-02: a date-only "to" includes that whole day.
		{name: "to date includes the day", as: "agent", method: "GET", path: "/api/v1/cases?created_to=2026-03-02", wantStatus: 200, wantBody: []string{`"total":1`}},
		{name: "to the day before excludes", as: "agent", method: "GET", path: "/api/v1/cases?created_to=2026-03-01", wantStatus: 200, wantBody: []string{`"total":0`}},
		{name: "from the day includes", as: "agent", method: "GET", path: "/api/v1/cases?created_from=2026-03-02", wantStatus: 200, wantBody: []string{`"total":1`}},
		{name: "unknown assignee on create", as: "agent", method: "POST", path: "/api/v1/cases", body: `{"subject":"s","description":"d","customer":{"name":"a","email":"a@example.com"},"assignee_id":"ghost"}`, wantStatus: 400, wantFields: []string{"assignee_id"}},
		{name: "unknown team on create", as: "agent", method: "POST", path: "/api/v1/cases", body: `{"subject":"s","description":"d","customer":{"name":"a","email":"a@example.com"},"team_id":"ghost"}`, wantStatus: 400, wantFields: []string{"team_id"}},
	})
}

func TestReadyzDoesNotLeakErrors(t *testing.T) {
	s := newStack(t)
	s.searchDown.Store(true)
	res := s.do(nil, "GET", "/readyz", "", nil)
	if res.status != 503 || !strings.Contains(res.body, `"search":"down"`) || strings.Contains(res.body, "10.0.0.7") {
		t.Fatalf("readyz with search closed: %d %s", res.status, res.body)
	}
}
