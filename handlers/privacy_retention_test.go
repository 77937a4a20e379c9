package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Closed cases past the retention period are anonymised by the sweep, the way an erasure
// does it; open cases and recent closed ones are kept; 0 keeps everything.
func TestRetentionSweepAnonymisesOldClosedCases(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	agent, admin := s.logins["agent"], s.logins["admin"]
	closeCase := func(id string) {
		t.Helper()
		got := s.do(agent, "GET", "/api/v1/cases/"+id, "", nil)
		var c struct {
			Data struct {
				Version int64 `json:"version"`
			} `json:"data"`
		}
		got.decode(t, &c)
		if r := s.do(agent, "PATCH", "/api/v1/cases/"+id, fmt.Sprintf(`{"version":%d,"status":"closed"}`, c.Data.Version), nil); r.status != http.StatusOK {
			t.Fatalf("close: %d %s", r.status, r.body)
		}
	}
	old := s.file(t, `{"name":"Olga Old","email":"olga@example.com","description":"Olga's old kettle.","category":"product","touchpoint":"store","expected_outcome":"refund"}`, nil)
	closeCase(old.Data.Reference)
	stillOpen := s.file(t, `{"name":"Otto Open","email":"otto@example.com","description":"Otto's open kettle.","category":"product","touchpoint":"store","expected_outcome":"refund"}`, nil)

	// Nothing happens while the period is 0 (keep forever), however old the cases are.
	s.clock.Advance(400 * 24 * time.Hour)
	agent = s.login("agent@example.com", testPassword) // sessions end in the meantime
	if n, err := s.privacy.SweepRetention(ctx, "replica-a"); err != nil || n != 0 {
		t.Fatalf("sweep with no period: %d %v", n, err)
	}
	recent := s.file(t, `{"name":"Rita Recent","email":"rita@example.com","description":"Rita's new kettle.","category":"product","touchpoint":"store","expected_outcome":"refund"}`, nil)
	closeCase(recent.Data.Reference)

	admin = s.login("admin@example.com", testPassword)
	if r := s.do(agent, "PUT", "/api/v1/settings/retention", `{"months":1}`, nil); r.status != http.StatusForbidden {
		t.Fatalf("an agent set the retention period: %d", r.status)
	}
	if r := s.do(admin, "PUT", "/api/v1/settings/retention", `{"months":121}`, nil); r.status != http.StatusBadRequest {
		t.Fatalf("121 months: %d", r.status)
	}
	if r := s.do(admin, "PUT", "/api/v1/settings/retention", `{"months":12}`, nil); r.status != http.StatusOK {
		t.Fatalf("set retention: %d %s", r.status, r.body)
	}
	if r := s.do(admin, "GET", "/api/v1/settings/retention", "", nil); !strings.Contains(r.body, `"months":12`) {
		t.Fatalf("read retention: %s", r.body)
	}
	n, err := s.privacy.SweepRetention(ctx, "replica-a")
	if err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	c, err := s.env.Store.GetCase(ctx, old.Data.Reference)
	if err != nil || c.AnonymisedAt == nil || c.Customer.Email != "" || c.Description != "" || c.Status != "closed" {
		t.Fatalf("old closed case after the sweep: %v %+v", err, c)
	}
	for _, q := range []string{"Olga", "olga@example.com"} {
		if r := s.do(agent, "GET", "/api/v1/cases?q="+q, "", nil); strings.Contains(r.body, old.Data.Reference) {
			t.Fatalf("search %q finds the anonymised case: %s", q, r.body)
		}
	}
	if r := s.do(nil, "GET", "/api/v1/track/"+old.Data.TrackingToken, "", nil); r.status != http.StatusNotFound {
		t.Fatalf("tracking an anonymised case: %d", r.status)
	}
	for _, keep := range []receipt{stillOpen, recent} {
		c, err := s.env.Store.GetCase(ctx, keep.Data.Reference)
		if err != nil || c.AnonymisedAt != nil || c.Customer.Email == "" {
			t.Fatalf("%s was anonymised: %+v", keep.Data.Reference, c)
		}
	}

	// Another replica's lease holds the sweep; once it is over, the recent case's turn comes.
	s.clock.Advance(366 * 24 * time.Hour)
	agent = s.login("agent@example.com", testPassword)
	if _, ok, err := s.env.Store.ClaimRetentionSweep(ctx, "replica-b", s.clock.Now(), time.Hour); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if n, err := s.privacy.SweepRetention(ctx, "replica-a"); err != nil || n != 0 {
		t.Fatalf("sweep under another replica's lease: %d %v", n, err)
	}
	s.clock.Advance(2 * time.Hour)
	if n, err := s.privacy.SweepRetention(ctx, "replica-a"); err != nil || n != 1 {
		t.Fatalf("sweep after the lease ran out: %d %v", n, err)
	}
	if c, _ := s.env.Store.GetCase(ctx, stillOpen.Data.Reference); c.AnonymisedAt != nil {
		t.Fatal("an open case was anonymised")
	}
}
