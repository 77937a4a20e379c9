package handlers_test

import (
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kaiku-helpdesk/kaiku/handlers"
)

// publicRoutes need no staff login: the customer side takes a tracking token (the token routes
// and the exchange) or a case's tracking cookie (tracking_test.go checks those).
var publicRoutes = map[string]bool{
	"GET /healthz": true, "GET /readyz": true, "GET /api/openapi.json": true,
	"POST /api/v1/auth/login": true, "GET /api/v1/form-options": true, "POST /api/v1/complaints": true,
	"GET /api/v1/track/:token": true, "POST /api/v1/track/:token/messages": true,
	"POST /api/v1/track/:token/follow-up": true, "GET /api/v1/track/:token/attachments/:aid": true,
	"POST /api/v1/track/session": true, "GET /api/v1/track/case/:reference": true, "POST /api/v1/track/case/:reference/messages": true,
	"POST /api/v1/track/case/:reference/follow-up": true, "GET /api/v1/track/case/:reference/attachments/:aid": true,
	"POST /api/v1/auth/login/second-factor": true, "POST /api/v1/auth/password-reset": true,
	"POST /api/v1/auth/password-reset/confirm": true,
	// Signed with a review source's secret instead of a login (the route x caller matrix).
	"POST /api/v1/reviews/ingest": true,
}

// minRole lists the staff routes an agent may not use; every other staff route is for agents.
var minRole = map[string]string{
	"GET /api/v1/users": "manager", "GET /api/v1/users/:id": "manager",
	"POST /api/v1/users": "admin", "PATCH /api/v1/users/:id": "admin",
	"POST /api/v1/teams": "admin", "PATCH /api/v1/teams/:id": "admin",
	"PUT /api/v1/categories":  "admin",
	"GET /api/v1/mail/outbox": "admin", "GET /api/v1/mail/outbox/:id": "admin",
	"POST /api/v1/canned-replies": "manager", "PATCH /api/v1/canned-replies/:id": "manager",
	"DELETE /api/v1/canned-replies/:id": "manager",
	"POST /api/v1/sla-policies":         "manager", "PATCH /api/v1/sla-policies/:id": "manager",
	"DELETE /api/v1/sla-policies/:id": "manager",
	"POST /api/v1/rules":              "manager", "POST /api/v1/rules/preview": "manager",
	"PATCH /api/v1/rules/:id": "manager", "DELETE /api/v1/rules/:id": "manager",
	"GET /api/v1/webhooks": "admin", "POST /api/v1/webhooks": "admin", "PATCH /api/v1/webhooks/:id": "admin",
	"DELETE /api/v1/webhooks/:id": "admin", "GET /api/v1/webhooks/:id/deliveries": "admin",
	"GET /api/v1/topics":                      "manager",
	"GET /api/v1/topics/:id":                  "manager",
	"POST /api/v1/topics/relearn":             "manager",
	"GET /api/v1/root-causes":                 "manager",
	"POST /api/v1/root-causes":                "manager",
	"GET /api/v1/root-causes/:id":             "manager",
	"PATCH /api/v1/root-causes/:id":           "manager",
	"POST /api/v1/root-causes/:id/cases":      "manager",
	"GET /api/v1/cases/:id/root-causes":       "manager",
	"GET /api/v1/settings/security":           "admin",
	"PUT /api/v1/settings/security":           "admin",
	"GET /api/v1/audit-log":                   "admin",
	"POST /api/v1/users/:id/two-factor/reset": "admin",
	"GET /api/v1/privacy/export":              "admin",
	"GET /api/v1/privacy/cases":               "admin",
	"POST /api/v1/privacy/erase":              "admin",
	"GET /api/v1/settings/retention":          "admin",
	"PUT /api/v1/settings/retention":          "admin",
	// Found missing by the route x caller matrix (access_matrix_test.go): these already
	// refused lower roles, the table did not say so.
	"GET /api/v1/mailboxes": "admin", "POST /api/v1/mailboxes": "admin", "GET /api/v1/mailboxes/:id": "admin",
	"PATCH /api/v1/mailboxes/:id": "admin", "DELETE /api/v1/mailboxes/:id": "admin",
	"POST /api/v1/review-sources": "admin", "PATCH /api/v1/review-sources/:id": "admin",
	"DELETE /api/v1/review-sources/:id": "admin", "POST /api/v1/review-sources/:id/secret": "admin",
	"POST /api/v1/webhooks/:id/secret": "admin", "POST /api/v1/webhooks/:id/test": "admin",
	"GET /api/v1/webhooks/choices": "manager", "GET /api/v1/journey": "manager",
	"PUT /api/v1/approval-clock": "admin", "POST /api/v1/reviews/import": "manager",
	// Merged after the matrix: testing a Google source uses its stored token, admins only.
	"POST /api/v1/review-sources/:id/google-test": "admin",
}

// validBodies let a write pass binding, so a refusal can only come from the role check.
var validBodies = map[string]string{
	"POST /api/v1/users":                 `{"email":"n@example.com","name":"N","role":"agent","password":"long enough pw"}`,
	"PATCH /api/v1/users/:id":            `{"name":"N"}`,
	"POST /api/v1/teams":                 `{"name":"T"}`,
	"PATCH /api/v1/teams/:id":            `{"name":"T"}`,
	"PUT /api/v1/categories":             `{"categories":[{"name_en":"A","name_fi":"B","active":true}]}`,
	"POST /api/v1/canned-replies":        `{"title":"T","body":"B"}`,
	"PATCH /api/v1/canned-replies/:id":   `{"title":"T"}`,
	"POST /api/v1/sla-policies":          `{"name":"P","targets":{"normal":{"first_response_minutes":60}}}`,
	"PATCH /api/v1/sla-policies/:id":     `{"version":1,"name":"P"}`,
	"POST /api/v1/rules":                 `{"name":"R","trigger":{"type":"case_created"},"actions":[{"type":"add_tag","tag":"x"}]}`,
	"POST /api/v1/rules/preview":         `{"name":"R","trigger":{"type":"case_created"},"actions":[{"type":"add_tag","tag":"x"}]}`,
	"PATCH /api/v1/rules/:id":            `{"version":1,"name":"R"}`,
	"POST /api/v1/webhooks":              `{"name":"W","url":"https://93.184.215.14/hook"}`,
	"PATCH /api/v1/webhooks/:id":         `{"version":1,"enabled":false}`,
	"POST /api/v1/root-causes":           `{"name":"N"}`,
	"PATCH /api/v1/root-causes/:id":      `{"version":1,"state":"fixed","fixed_on":"2026-01-01"}`,
	"POST /api/v1/root-causes/:id/cases": `{"case_ids":["x"]}`,
	"PUT /api/v1/settings/security":      `{"require_two_factor":false}`,
	"PUT /api/v1/settings/retention":     `{"months":0}`,
	"POST /api/v1/privacy/erase":         `{"email":"n@example.com","confirm_email":"n@example.com"}`,
	"PUT /api/v1/approval-clock":         `{"target_minutes":120,"warn_at_percent":50,"version":0}`,
}

func staffRoutes(t *testing.T) []string {
	e := handlers.New(handlers.Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Frontend: fstest.MapFS{}, MaxBodyBytes: 1 << 20})
	var out []string
	for _, r := range e.Routes() {
		key := r.Method + " " + r.Path
		if !strings.HasPrefix(r.Path, "/api/v1/") || strings.HasSuffix(r.Path, "*") || publicRoutes[key] || r.Method == "echo_route_not_found" {
			continue
		}
		out = append(out, key)
	}
	if len(out) < 20 {
		t.Fatalf("only %d staff routes found: %v", len(out), out)
	}
	return out
}

func concrete(path string) string {
	return strings.NewReplacer(":id", "K-2026-000001", ":aid", "a1", ":rid", "r1").Replace(path)
}

func TestEveryStaffRouteRefusesAnonymousCallers(t *testing.T) {
	s := newStack(t)
	for _, key := range staffRoutes(t) {
		method, path, _ := strings.Cut(key, " ")
		res := s.do(nil, method, concrete(path), "{}", nil)
		if res.status != http.StatusUnauthorized {
			t.Errorf("%s without login: %d, want 401", key, res.status)
		}
		// A forged bearer token is no better.
		res = s.do(&session{token: "kaiku_FORGED0000000000000000000000000000000000"}, method, concrete(path), "{}", nil)
		if res.status != http.StatusUnauthorized {
			t.Errorf("%s with a forged token: %d, want 401", key, res.status)
		}
	}
}

func TestRoleLimitedRoutesRefuseLowerRoles(t *testing.T) {
	s := newStack(t)
	routes := map[string]bool{}
	for _, k := range staffRoutes(t) {
		routes[k] = true
	}
	for key, role := range minRole {
		if !routes[key] {
			t.Errorf("minRole names %s, which is not a route", key)
			continue
		}
		method, path, _ := strings.Cut(key, " ")
		lower := []string{"agent"}
		if role == "admin" {
			lower = append(lower, "manager")
		}
		for _, who := range lower {
			res := s.do(s.logins[who], method, concrete(path), validBodies[key], nil)
			if res.status != http.StatusForbidden {
				t.Errorf("%s as %s: %d, want 403", key, who, res.status)
			}
		}
	}
}

// The staff directory is for every staff member and tells them only what picking a colleague
// needs: no password data, tokens, authority limits or settings, and nothing but the name of
// someone who has left.
func TestStaffDirectoryIsMinimal(t *testing.T) {
	s := newStack(t)
	gone := s.createUser("left@example.com", "Leena Left", "agent")
	admin := s.logins["admin"]
	if res := s.do(admin, http.MethodPatch, "/api/v1/users/"+gone.ID, `{"active":false}`, nil); res.status != http.StatusOK {
		t.Fatalf("deactivate: %d %s", res.status, res.body)
	}
	tracked := s.file(t, complaintJSON, nil)
	s.run(t, []scenario{
		{name: "anonymous refused", method: "GET", path: "/api/v1/staff", wantStatus: 401},
		{name: "a tracking token is no staff login", method: "GET", path: "/api/v1/staff",
			headers: map[string]string{"Authorization": "Bearer " + tracked.Data.TrackingToken}, wantStatus: 401},
	})
	for _, who := range []string{"agent", "manager", "admin"} {
		res := s.do(s.logins[who], http.MethodGet, "/api/v1/staff", "", nil)
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d %s", who, res.status, res.body)
		}
		var body struct {
			Data []map[string]any
			Meta struct{ Total int }
		}
		res.decode(t, &body)
		if len(body.Data) != 4 || body.Meta.Total != 4 {
			t.Fatalf("%s: %d people, total %d: %s", who, len(body.Data), body.Meta.Total, res.body)
		}
		for _, p := range body.Data {
			for key := range p {
				if !slices.Contains([]string{"id", "name", "email", "role", "team_ids", "active"}, key) {
					t.Errorf("%s: directory entry has %q: %v", who, key, p)
				}
			}
		}
		last := body.Data[3]
		if last["id"] != gone.ID || last["active"] != false || last["email"] != nil || last["role"] != nil {
			t.Errorf("%s: the deactivated user should come last with only a name: %v", who, last)
		}
		if first := body.Data[0]; first["name"] != "Ada Admin" || first["email"] != "admin@example.com" || first["role"] != "admin" {
			t.Errorf("%s: first entry %v", who, first)
		}
		for _, secret := range []string{"left@example.com", "password", "authority_limit", "currency", "locale", "csrf", "token"} {
			if strings.Contains(res.body, secret) {
				t.Errorf("%s: the directory mentions %q: %s", who, secret, res.body)
			}
		}
	}
}
