package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/webhook"
)

func TestWebhookEndpointsAndDeliveries(t *testing.T) {
	s := newStack(t)
	var mu sync.Mutex
	var bodies []string
	var sigs []string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		sigs = append(sigs, r.Header.Get(webhook.HeaderTimestamp)+" "+r.Header.Get(webhook.HeaderSignature))
		mu.Unlock()
	}))
	t.Cleanup(receiver.Close)

	s.run(t, []scenario{
		{name: "loopback refused", as: "admin", method: "POST", path: "/api/v1/webhooks",
			body: `{"name":"Local","url":"http://localhost:9/hook"}`, wantStatus: 400, wantFields: []string{"url"}},
		{name: "private refused", as: "admin", method: "POST", path: "/api/v1/webhooks",
			body: `{"name":"Private","url":"http://10.0.0.1/hook"}`, wantStatus: 400, wantFields: []string{"url"}},
		{name: "metadata refused", as: "admin", method: "POST", path: "/api/v1/webhooks",
			body: `{"name":"Meta","url":"http://169.254.169.254/latest/meta-data"}`, wantStatus: 400, wantFields: []string{"url"}},
		{name: "IPv6 loopback refused", as: "admin", method: "POST", path: "/api/v1/webhooks",
			body: `{"name":"Six","url":"http://[::1]:8080/"}`, wantStatus: 400, wantFields: []string{"url"}},
		{name: "userinfo refused", as: "admin", method: "POST", path: "/api/v1/webhooks",
			body: `{"name":"Creds","url":"https://u:p@93.184.215.14/"}`, wantStatus: 400, wantFields: []string{"url"}},
		{name: "scheme refused", as: "admin", method: "POST", path: "/api/v1/webhooks",
			body: `{"name":"FTP","url":"ftp://93.184.215.14/"}`, wantStatus: 400, wantFields: []string{"url"}},
		{name: "blank name", as: "admin", method: "POST", path: "/api/v1/webhooks",
			body: `{"name":"  ","url":"https://93.184.215.14/"}`, wantStatus: 400, wantFields: []string{"name"}},
		{name: "manager refused", as: "manager", method: "GET", path: "/api/v1/webhooks", wantStatus: 403},
	})

	// The allowed test host: created with the secret shown once.
	res := s.do(s.logins["admin"], "POST", "/api/v1/webhooks", `{"name":"CRM","url":"`+receiver.URL+`/hook"}`, nil)
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	var created struct{ Data models.WebhookEndpoint }
	res.decode(t, &created)
	ep := created.Data
	if !strings.HasPrefix(ep.Secret, "whsec_") || len(ep.Secret) < 40 || !ep.Enabled || ep.Version != 1 {
		t.Fatalf("created %+v", ep)
	}
	res = s.do(s.logins["admin"], "GET", "/api/v1/webhooks", "", nil)
	if res.status != 200 || strings.Contains(res.body, ep.Secret) || !strings.Contains(res.body, ep.Secret[len(ep.Secret)-4:]) {
		t.Fatalf("list must mask the secret: %s", res.body)
	}

	s.run(t, []scenario{
		{name: "stale version", as: "admin", method: "PATCH", path: "/api/v1/webhooks/" + ep.ID,
			body: `{"version":7,"name":"X"}`, wantStatus: 409},
		{name: "patch to private refused", as: "admin", method: "PATCH", path: "/api/v1/webhooks/" + ep.ID,
			body: `{"version":1,"url":"http://192.168.0.10/"}`, wantStatus: 400, wantFields: []string{"url"}},
		{name: "rename", as: "admin", method: "PATCH", path: "/api/v1/webhooks/" + ep.ID,
			body: `{"version":1,"name":"CRM hook"}`, wantStatus: 200, wantBody: []string{`"version":2`, `"CRM hook"`}},
		{name: "unknown", as: "admin", method: "GET", path: "/api/v1/webhooks/nope/deliveries", wantStatus: 404},
		{name: "no deliveries yet", as: "admin", method: "GET", path: "/api/v1/webhooks/" + ep.ID + "/deliveries",
			wantStatus: 200, wantBody: []string{`"total":0`}},
	})

	// A rule calls it for every new case.
	rule := `{"name":"Tell the CRM","trigger":{"type":"case_created"},"actions":[{"type":"webhook","endpoint_id":"` + ep.ID + `"}]}`
	if res := s.do(s.logins["manager"], "POST", "/api/v1/rules", rule, nil); res.status != http.StatusCreated {
		t.Fatalf("rule: %d %s", res.status, res.body)
	}
	if res := s.do(s.logins["agent"], "POST", "/api/v1/cases", validCase, nil); res.status != http.StatusCreated {
		t.Fatalf("case: %d %s", res.status, res.body)
	}
	if _, err := s.hooks.ProcessDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(bodies) != 1 || !strings.Contains(bodies[0], `"Tell the CRM"`) || !strings.Contains(bodies[0], `"customer_email":"aino@example.com"`) {
		t.Fatalf("received %v", bodies)
	}
	mu.Unlock()
	res = s.do(s.logins["admin"], "GET", "/api/v1/webhooks/"+ep.ID+"/deliveries", "", nil)
	var ds struct{ Data []models.WebhookDelivery }
	res.decode(t, &ds)
	if res.status != 200 || len(ds.Data) != 1 || ds.Data[0].Status != models.WebhookDelivered || ds.Data[0].ResponseCode != 200 ||
		ds.Data[0].RuleName != "Tell the CRM" {
		t.Fatalf("deliveries: %s", res.body)
	}

	// Disabled: a rule firing queues nothing.
	if res := s.do(s.logins["admin"], "PATCH", "/api/v1/webhooks/"+ep.ID, `{"version":2,"enabled":false}`, nil); res.status != 200 {
		t.Fatalf("disable: %d %s", res.status, res.body)
	}
	if res := s.do(s.logins["agent"], "POST", "/api/v1/cases", validCase, nil); res.status != http.StatusCreated {
		t.Fatalf("case: %d %s", res.status, res.body)
	}
	if q, _ := s.env.Store.QueuedWebhooks(context.Background()); len(q) != 0 {
		t.Fatalf("queued for a disabled endpoint: %+v", q)
	}
	s.clock.Advance(time.Minute)
	s.run(t, []scenario{
		{name: "delete", as: "admin", method: "DELETE", path: "/api/v1/webhooks/" + ep.ID, wantStatus: 204},
		{name: "deleted", as: "admin", method: "DELETE", path: "/api/v1/webhooks/" + ep.ID, wantStatus: 404},
	})
}
