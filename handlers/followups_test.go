package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The follow-up check is answered only through its own case's tracking token (or by staff),
// and promises are a staff matter.
func TestFollowUpAndPromiseAccess(t *testing.T) {
	s := newStack(t)
	a := s.file(t, complaintJSON, nil)
	b := s.file(t, complaintJSON, nil)
	resolve := func(ref string) {
		res := s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases/"+ref, "", nil)
		var c struct{ Data struct{ Version int64 } }
		res.decode(t, &c)
		res = s.do(s.logins["agent"], http.MethodPatch, "/api/v1/cases/"+ref, fmt.Sprintf(`{"version":%d,"status":"resolved"}`, c.Data.Version), nil)
		if res.status != http.StatusOK || !contains(res.body, `"follow_up_check":{"state":"scheduled"`) {
			t.Fatalf("resolve %s: %d %s", ref, res.status, res.body)
		}
	}
	resolve(a.Data.Reference)
	resolve(b.Data.Reference)
	due := s.clock.Now().Add(3 * time.Hour).Format(time.RFC3339)
	s.run(t, []scenario{
		{name: "a garbage token answers nothing", method: "POST", path: "/api/v1/track/NOTATOKEN/follow-up",
			body: `{"resolved":true,"rating":5}`, wantStatus: 404},
		{name: "anonymous cannot record for the customer", method: "POST", path: "/api/v1/cases/" + a.Data.Reference + "/follow-up",
			body: `{"resolved":true,"rating":5}`, wantStatus: 401},
		{name: "anonymous cannot promise", method: "POST", path: "/api/v1/cases/" + a.Data.Reference + "/promises",
			body: `{"text":"x","due_at":"` + due + `"}`, wantStatus: 401},
		{name: "the case's token answers its own check", method: "POST", path: "/api/v1/track/" + b.Data.TrackingToken + "/follow-up",
			body: `{"resolved":false,"rating":2,"comment":"still broken"}`, wantStatus: 200, wantBody: []string{`"reference":"` + b.Data.Reference + `"`, `"status":"open"`}},
		{name: "and only once", method: "POST", path: "/api/v1/track/" + b.Data.TrackingToken + "/follow-up",
			body: `{"resolved":true,"rating":5}`, wantStatus: 409, wantCode: "already_answered"},
		{name: "a rating out of range is refused", as: "agent", method: "POST", path: "/api/v1/cases/" + a.Data.Reference + "/follow-up",
			body: `{"resolved":true,"rating":9}`, wantStatus: 400, wantFields: []string{"rating"}},
		{name: "a manager records the answer of a call", as: "manager", method: "POST", path: "/api/v1/cases/" + a.Data.Reference + "/follow-up",
			body: `{"resolved":true,"rating":4}`, wantStatus: 200, wantBody: []string{`"status":"closed"`, `"state":"answered"`}},
		{name: "an agent promises", as: "agent", method: "POST", path: "/api/v1/cases/" + b.Data.Reference + "/promises",
			body: `{"text":"We call you by 12:00","due_at":"` + due + `"}`, wantStatus: 201, wantBody: []string{`"state":"open"`}},
		{name: "a promise in the past is refused", as: "agent", method: "POST", path: "/api/v1/cases/" + b.Data.Reference + "/promises",
			body: `{"text":"late","due_at":"2020-01-01T00:00:00Z"}`, wantStatus: 400, wantFields: []string{"due_at"}},
		{name: "an unknown promise is not found", as: "agent", method: "POST", path: "/api/v1/cases/" + b.Data.Reference + "/promises/nope/kept",
			wantStatus: 404},
	})
	// Case A's token never reaches case B: a token names its own case only.
	res := s.do(nil, http.MethodGet, "/api/v1/track/"+a.Data.TrackingToken, "", nil)
	if res.status != http.StatusOK || !contains(res.body, a.Data.Reference) || contains(res.body, b.Data.Reference) {
		t.Fatalf("token of A: %d %s", res.status, res.body)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
