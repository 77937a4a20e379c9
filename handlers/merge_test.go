package handlers_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestMergeDuplicateKeepsEverythingAndRedirectsTracking(t *testing.T) {
	s := newStack(t)
	target := s.file(t, complaintJSON, nil)
	dup := s.file(t, strings.Replace(complaintJSON, "SENTINEL-TEXT The parcel arrived crushed.", "DUPLICATE-TEXT again about the crushed parcel", 1), nil)
	agent := s.logins["agent"]

	s.run(t, []scenario{
		{name: "into itself", as: "agent", method: "POST", path: "/api/v1/cases/" + dup.Data.Reference + "/merge", body: `{"into":"` + dup.Data.Reference + `","version":1}`, wantStatus: 400, wantFields: []string{"into"}},
		{name: "into nothing", as: "agent", method: "POST", path: "/api/v1/cases/" + dup.Data.Reference + "/merge", body: `{"into":"K-2026-999999","version":1}`, wantStatus: 400, wantFields: []string{"into"}},
		{name: "stale version", as: "agent", method: "POST", path: "/api/v1/cases/" + dup.Data.Reference + "/merge", body: `{"into":"` + target.Data.Reference + `","version":7}`, wantStatus: 409},
		{name: "anonymous", method: "POST", path: "/api/v1/cases/" + dup.Data.Reference + "/merge", body: `{"into":"x","version":1}`, wantStatus: 401},
	})
	res := s.do(agent, "POST", "/api/v1/cases/"+dup.Data.Reference+"/merge", `{"into":"`+target.Data.Reference+`","version":1}`, nil)
	if res.status != http.StatusOK || !strings.Contains(res.body, "DUPLICATE-TEXT") || !strings.Contains(res.body, `"merged_in"`) {
		t.Fatalf("merge: %d %s", res.status, res.body)
	}
	d, _ := s.env.Store.GetCase(context.Background(), dup.Data.Reference)
	if d.Status != "closed" || d.MergedInto != target.Data.Reference {
		t.Fatalf("duplicate after merge: %s into %q", d.Status, d.MergedInto)
	}
	// The duplicate's tracking link now shows the target case with both texts: through the token
	// route, and through the cookie, which the exchange scopes to the target.
	for _, track := range []response{
		s.do(nil, "GET", "/api/v1/track/"+dup.Data.TrackingToken, "", nil),
		s.do(s.openTracking(t, dup.Data.TrackingToken), "GET", "/api/v1/track/case/"+target.Data.Reference, "", nil),
	} {
		if track.status != http.StatusOK || !strings.Contains(track.body, target.Data.Reference) || !strings.Contains(track.body, "DUPLICATE-TEXT") || !strings.Contains(track.body, "SENTINEL-TEXT") {
			t.Fatalf("tracking after merge: %d %s", track.status, track.body)
		}
	}
	if res := s.do(agent, "POST", "/api/v1/cases/"+dup.Data.Reference+"/merge", `{"into":"`+target.Data.Reference+`","version":`+strconv.FormatInt(d.Version, 10)+`}`, nil); res.status != 409 {
		t.Fatalf("merging twice: %d", res.status)
	}
	// The customer is told.
	if _, err := s.mailer.ProcessDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out := s.do(s.logins["admin"], "GET", "/api/v1/mail/outbox", "", nil); !strings.Contains(out.body, "continues as "+target.Data.Reference) {
		t.Fatalf("no merge mail in the outbox: %s", out.body)
	}
}

func TestCannedReplies(t *testing.T) {
	s := newStack(t)
	r := s.file(t, complaintJSON, nil)
	s.run(t, []scenario{
		{name: "agent cannot create", as: "agent", method: "POST", path: "/api/v1/canned-replies", body: `{"title":"Sorry","body":"x"}`, wantStatus: 403},
		{name: "manager creates", as: "manager", method: "POST", path: "/api/v1/canned-replies", body: `{"title":"Apology","body":"Hello {{customer_name}}, sorry about {{reference}}. {{agent_name}} {{unknown}}"}`, wantStatus: 201},
		{name: "agent lists", as: "agent", method: "GET", path: "/api/v1/canned-replies", wantStatus: 200, wantBody: []string{"Apology", `"placeholders"`}},
		{name: "blank body named", as: "manager", method: "POST", path: "/api/v1/canned-replies", body: `{"title":"T","body":"   "}`, wantStatus: 400, wantFields: []string{"body"}},
	})
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	s.do(s.logins["agent"], "GET", "/api/v1/canned-replies", "", nil).decode(t, &list)
	res := s.do(s.logins["agent"], "GET", "/api/v1/cases/"+r.Data.Reference+"/canned-replies/"+list.Data[0].ID, "", nil)
	if res.status != 200 || !strings.Contains(res.body, "Hello Aino, sorry about "+r.Data.Reference+". Agent User {{unknown}}") {
		t.Fatalf("render: %d %s", res.status, res.body)
	}
	if res := s.do(s.logins["manager"], "PATCH", "/api/v1/canned-replies/"+list.Data[0].ID, `{"title":"  "}`, nil); res.status != 400 || !strings.Contains(res.body, `"title"`) {
		t.Fatalf("blank title on patch: %d %s", res.status, res.body)
	}
	if res := s.do(s.logins["manager"], "DELETE", "/api/v1/canned-replies/"+list.Data[0].ID, "", nil); res.status != 204 {
		t.Fatalf("delete: %d", res.status)
	}
}

// Two customers' cases are never merged: the kept case's tracking page would show each of them
// the other's messages and files.
func TestMergeRefusesAnotherCustomersCase(t *testing.T) {
	s := newStack(t)
	aino := s.file(t, complaintJSON, nil)
	otherBody := strings.Replace(strings.Replace(complaintJSON, "aino@example.com", "bertta@example.com", 1), "SENTINEL-TEXT", "BERTTA-PRIVATE", 1)
	bertta := s.file(t, otherBody, nil)
	agent := s.logins["agent"]
	res := s.do(agent, "POST", "/api/v1/cases/"+bertta.Data.Reference+"/merge", `{"into":"`+aino.Data.Reference+`","version":1}`, nil)
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, `"different_customers"`) || !strings.Contains(res.body, `"into"`) {
		t.Fatalf("merging another customer's case: %d %s", res.status, res.body)
	}
	if track := s.do(nil, "GET", "/api/v1/track/"+aino.Data.TrackingToken, "", nil); strings.Contains(track.body, "BERTTA-PRIVATE") {
		t.Fatalf("Aino sees Bertta's complaint: %s", track.body)
	}
	if d, _ := s.env.Store.GetCase(context.Background(), bertta.Data.Reference); d.MergedInto != "" || d.Status == "closed" {
		t.Fatalf("refused merge changed the duplicate: %s into %q", d.Status, d.MergedInto)
	}
	// The same customer's address written differently is the same customer.
	again := s.file(t, strings.Replace(strings.Replace(complaintJSON, "aino@example.com", "Aino@Example.com", 1), "SENTINEL-TEXT", "AGAIN", 1), nil)
	if res := s.do(agent, "POST", "/api/v1/cases/"+again.Data.Reference+"/merge", `{"into":"`+aino.Data.Reference+`","version":1}`, nil); res.status != http.StatusOK {
		t.Fatalf("merging the same customer's case: %d %s", res.status, res.body)
	}
}
