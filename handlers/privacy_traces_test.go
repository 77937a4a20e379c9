package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// An erasure also removes what Kaiku keeps about the customer outside their cases: the webhook
// deliveries (queued payloads and the delivery log, where a receiver's answer may echo them),
// the staff notifications about their cases, their name in the cases' timelines, and their
// data in the audit log's text (the audit entries themselves stay, and the erasure's own).
func TestErasureLeavesNoTracesOutsideTheCase(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	admin := s.logins["admin"]
	var mu sync.Mutex
	var received []string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		received = append(received, string(b))
		mu.Unlock()
		_, _ = w.Write(b) // an echo: the delivery log keeps the answer
	}))
	t.Cleanup(receiver.Close)
	res := s.do(admin, "POST", "/api/v1/webhooks", `{"name":"CRM","url":"`+receiver.URL+`/hook"}`, nil)
	if res.status != http.StatusCreated {
		t.Fatalf("webhook: %d %s", res.status, res.body)
	}
	var ep struct{ Data struct{ ID string } }
	res.decode(t, &ep)
	// A rule naming the customer: its audit entry holds their address and name.
	rule := `{"name":"VIP","trigger":{"type":"case_created"},"match":"all",
	  "conditions":[{"field":"customer_email","op":"eq","value":"aino@example.com"}],
	  "actions":[{"type":"webhook","endpoint_id":"` + ep.Data.ID + `"},
	             {"type":"notify","role":"managers","channels":["app"],"message":"New complaint from Aino Virtanen"}]}`
	if res := s.do(admin, "POST", "/api/v1/rules", rule, nil); res.status != http.StatusCreated {
		t.Fatalf("rule: %d %s", res.status, res.body)
	}

	first := s.file(t, complaintJSON, nil)
	if _, err := s.hooks.ProcessDue(ctx); err != nil {
		t.Fatal(err)
	}
	if r := s.do(nil, "POST", "/api/v1/track/"+first.Data.TrackingToken+"/messages", `{"body":"Any news?"}`, nil); r.status != http.StatusCreated {
		t.Fatalf("customer message: %d %s", r.status, r.body)
	}
	second := s.file(t, strings.Replace(complaintJSON, "crushed", "wet", 1), nil) // its delivery stays queued
	other := s.file(t, strings.NewReplacer("Aino Virtanen", "Bo Berg", "aino@", "bo@").Replace(complaintJSON), nil)

	deliveries := "/api/v1/webhooks/" + ep.Data.ID + "/deliveries"
	before := map[string]string{
		"deliveries":    s.do(admin, "GET", deliveries, "", nil).body,
		"notifications": s.do(s.logins["manager"], "GET", "/api/v1/notifications", "", nil).body,
		"timeline":      s.do(s.logins["agent"], "GET", "/api/v1/cases/"+first.Data.Reference, "", nil).body,
		"audit":         s.do(admin, "GET", "/api/v1/audit-log?kind=rule", "", nil).body,
	}
	for what, body := range before {
		if !strings.Contains(body, "Aino Virtanen") && !strings.Contains(body, "aino@example.com") {
			t.Fatalf("%s holds nothing of the customer before the erasure: %s", what, body)
		}
	}
	if q, err := s.env.Store.QueuedWebhooks(ctx); err != nil || len(q) != 1 || !strings.Contains(q[0].Payload, "aino@") {
		t.Fatalf("queued before the erasure: %v %+v", err, q)
	}

	if r := s.do(admin, "POST", "/api/v1/privacy/erase", `{"email":"aino@example.com","confirm_email":"aino@example.com"}`, nil); r.status != http.StatusOK || !strings.Contains(r.body, `"cases":2`) {
		t.Fatalf("erase: %d %s", r.status, r.body)
	}

	after := map[string]string{
		"deliveries":    s.do(admin, "GET", deliveries, "", nil).body,
		"notifications": s.do(s.logins["manager"], "GET", "/api/v1/notifications", "", nil).body,
		"timeline":      s.do(s.logins["agent"], "GET", "/api/v1/cases/"+first.Data.Reference, "", nil).body,
		"audit":         s.do(admin, "GET", "/api/v1/audit-log", "", nil).body,
	}
	for what, body := range after {
		for _, trace := range []string{"Aino", "Virtanen", "aino@", "crushed", "Any news"} {
			if strings.Contains(body, trace) {
				t.Errorf("%s still holds %q after the erasure: %s", what, trace, body)
			}
		}
	}
	for _, ref := range []string{first.Data.Reference, second.Data.Reference} {
		if strings.Contains(after["notifications"], ref) || strings.Contains(after["deliveries"], ref) {
			t.Errorf("%s is still named in notifications or deliveries", ref)
		}
	}
	if r := s.do(s.logins["agent"], "GET", "/api/v1/cases/"+other.Data.Reference, "", nil); !strings.Contains(r.body, "Bo Berg") {
		t.Errorf("the other customer's case lost its customer: %s", r.body)
	}
	if !strings.Contains(after["audit"], `"rule.create"`) || !strings.Contains(after["audit"], `"customer.erase"`) {
		t.Errorf("the audit entries themselves must stay: %s", after["audit"])
	}
	if q, err := s.env.Store.QueuedWebhooks(ctx); err != nil || len(q) != 0 {
		t.Fatalf("queued after the erasure: %v %+v", err, q)
	}
	mu.Lock()
	sent := len(received)
	mu.Unlock()
	if _, err := s.hooks.ProcessDue(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(received) != sent {
		t.Fatalf("a delivery about the erased customer was sent after the erasure: %v", received[sent:])
	}
}
