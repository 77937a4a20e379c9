package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/webhook"
)

// received is one request a test receiver got.
type received struct {
	event, delivery, signature string
	timestamp                  int64
	body                       []byte
}

// webhookReceiver is a loopback endpoint answering with the status its test sets.
type webhookReceiver struct {
	mu     sync.Mutex
	got    []received
	status int
	srv    *httptest.Server
}

func newWebhookReceiver(t *testing.T) *webhookReceiver {
	r := &webhookReceiver{status: http.StatusOK}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		ts, _ := strconv.ParseInt(req.Header.Get(webhook.HeaderTimestamp), 10, 64)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.got = append(r.got, received{event: req.Header.Get(webhook.HeaderEvent), delivery: req.Header.Get(webhook.HeaderDelivery),
			signature: req.Header.Get(webhook.HeaderSignature), timestamp: ts, body: b})
		w.WriteHeader(r.status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *webhookReceiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func (r *webhookReceiver) answer(status int) {
	r.mu.Lock()
	r.status = status
	r.mu.Unlock()
}

type endpointJSON struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	URL     string `json:"url"`
	Secret  string `json:"secret"`
	Enabled bool   `json:"enabled"`
	Version int64  `json:"version"`
}

type deliveryJSON struct {
	ID           string     `json:"id"`
	Event        string     `json:"event"`
	Status       string     `json:"status"`
	Attempts     int        `json:"attempts"`
	MaxAttempts  int        `json:"max_attempts"`
	ResponseCode int        `json:"response_code"`
	Error        string     `json:"error"`
	NextAttempt  *time.Time `json:"next_attempt_at"`
}

func TestWebhookAdminAccess(t *testing.T) {
	s := newStack(t)
	receiver := newWebhookReceiver(t)
	res := s.do(s.logins["admin"], "POST", "/api/v1/webhooks", `{"name":"CRM","url":"`+receiver.srv.URL+`/hook"}`, nil)
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	var created struct{ Data endpointJSON }
	res.decode(t, &created)
	id := created.Data.ID

	var scenarios []scenario
	for _, role := range []string{"agent", "manager"} {
		scenarios = append(scenarios,
			scenario{name: role + " cannot send a test", as: role, method: "POST", path: "/api/v1/webhooks/" + id + "/test", wantStatus: 403},
			scenario{name: role + " cannot rotate the secret", as: role, method: "POST", path: "/api/v1/webhooks/" + id + "/secret",
				body: `{"version":1}`, wantStatus: 403},
			scenario{name: role + " cannot read deliveries", as: role, method: "GET", path: "/api/v1/webhooks/" + id + "/deliveries", wantStatus: 403},
			scenario{name: role + " cannot list endpoints", as: role, method: "GET", path: "/api/v1/webhooks", wantStatus: 403},
			scenario{name: role + " cannot change an endpoint", as: role, method: "PATCH", path: "/api/v1/webhooks/" + id,
				body: `{"version":1,"enabled":false}`, wantStatus: 403},
			scenario{name: role + " cannot delete an endpoint", as: role, method: "DELETE", path: "/api/v1/webhooks/" + id, wantStatus: 403},
		)
	}
	scenarios = append(scenarios,
		scenario{name: "anonymous cannot send a test", method: "POST", path: "/api/v1/webhooks/" + id + "/test", wantStatus: 401},
		scenario{name: "agents get no choices", as: "agent", method: "GET", path: "/api/v1/webhooks/choices", wantStatus: 403},
		// Managers write rules, so they pick endpoints: by name and host, never secret or path.
		scenario{name: "managers get choices", as: "manager", method: "GET", path: "/api/v1/webhooks/choices", wantStatus: 200,
			wantBody: []string{`"id":"` + id + `"`, `"name":"CRM"`, `"host":"` + strings.TrimPrefix(receiver.srv.URL, "http://") + `"`}},
	)
	s.run(t, scenarios)

	res = s.do(s.logins["manager"], "GET", "/api/v1/webhooks/choices", "", nil)
	if strings.Contains(res.body, "whsec_") || strings.Contains(res.body, "secret") || strings.Contains(res.body, "/hook") {
		t.Fatalf("choices must not show the secret or the URL's path: %s", res.body)
	}
	if got := receiver.requests(); len(got) != 0 {
		t.Fatalf("a refused test still sent: %+v", got)
	}
	if q, _ := s.env.Store.QueuedWebhooks(context.Background()); len(q) != 0 {
		t.Fatalf("a refused test still queued: %+v", q)
	}
}

func TestWebhookTestDeliveryAndSecretRotation(t *testing.T) {
	s := newStack(t)
	receiver := newWebhookReceiver(t)
	admin := s.logins["admin"]
	res := s.do(admin, "POST", "/api/v1/webhooks", `{"name":"CRM","url":"`+receiver.srv.URL+`/hook"}`, nil)
	var created struct{ Data endpointJSON }
	res.decode(t, &created)
	ep := created.Data
	deliveries := func() []deliveryJSON {
		t.Helper()
		res := s.do(admin, "GET", "/api/v1/webhooks/"+ep.ID+"/deliveries", "", nil)
		if res.status != 200 {
			t.Fatalf("deliveries: %d %s", res.status, res.body)
		}
		var out struct{ Data []deliveryJSON }
		res.decode(t, &out)
		return out.Data
	}
	process := func() {
		t.Helper()
		if _, err := s.hooks.ProcessDue(context.Background()); err != nil {
			t.Fatal(err)
		}
	}

	// A test delivery is queued (202), then sent signed with the secret shown at creation.
	res = s.do(admin, "POST", "/api/v1/webhooks/"+ep.ID+"/test", "", nil)
	if res.status != http.StatusAccepted {
		t.Fatalf("test: %d %s", res.status, res.body)
	}
	var queued struct{ Data deliveryJSON }
	res.decode(t, &queued)
	if queued.Data.Event != webhook.EventPing || queued.Data.Status != "pending" || queued.Data.MaxAttempts != 8 {
		t.Fatalf("queued: %s", res.body)
	}
	if ds := deliveries(); len(ds) != 1 || ds[0].ID != queued.Data.ID || ds[0].Status != "pending" {
		t.Fatalf("the queued test must show in the deliveries: %+v", ds)
	}
	process()
	got := receiver.requests()
	if len(got) != 1 || got[0].event != webhook.EventPing || got[0].delivery != queued.Data.ID ||
		got[0].signature != webhook.Sign(ep.Secret, got[0].timestamp, got[0].body) {
		t.Fatalf("received %+v", got)
	}
	var ping webhook.PingPayload
	if err := json.Unmarshal(got[0].body, &ping); err != nil || ping.Event != webhook.EventPing || ping.Endpoint.ID != ep.ID || ping.Endpoint.Name != "CRM" {
		t.Fatalf("ping body %s (%v)", got[0].body, err)
	}
	if ds := deliveries(); len(ds) != 1 || ds[0].Status != "delivered" || ds[0].ResponseCode != 200 || ds[0].Attempts != 1 {
		t.Fatalf("delivered: %+v", ds)
	}

	// A failing receiver: the test delivery waits for a retry, with the error and when.
	receiver.answer(http.StatusServiceUnavailable)
	s.clock.Advance(time.Minute) // newest first: a later creation time
	if res := s.do(admin, "POST", "/api/v1/webhooks/"+ep.ID+"/test", "", nil); res.status != http.StatusAccepted {
		t.Fatalf("test: %d %s", res.status, res.body)
	}
	process()
	ds := deliveries()
	if len(ds) != 2 || ds[0].Status != "pending" || ds[0].Attempts != 1 || ds[0].ResponseCode != 503 || ds[0].Error != "HTTP 503" ||
		ds[0].NextAttempt == nil || !ds[0].NextAttempt.After(s.clock.Now()) {
		t.Fatalf("retrying: %+v", ds)
	}

	// Rotating: a stale version is refused; then a new secret, shown once, signs what is sent.
	s.run(t, []scenario{
		{name: "stale rotation", as: "admin", method: "POST", path: "/api/v1/webhooks/" + ep.ID + "/secret", body: `{"version":7}`,
			wantStatus: 409, wantCode: "version_conflict"},
		{name: "rotation without version", as: "admin", method: "POST", path: "/api/v1/webhooks/" + ep.ID + "/secret", body: `{}`,
			wantStatus: 400, wantFields: []string{"version"}},
		{name: "unknown endpoint", as: "admin", method: "POST", path: "/api/v1/webhooks/nope/test", wantStatus: 404},
	})
	res = s.do(admin, "POST", "/api/v1/webhooks/"+ep.ID+"/secret", `{"version":1}`, nil)
	var rotated struct{ Data endpointJSON }
	res.decode(t, &rotated)
	if res.status != 200 || rotated.Data.Version != 2 || !strings.HasPrefix(rotated.Data.Secret, "whsec_") || len(rotated.Data.Secret) != len(ep.Secret) ||
		rotated.Data.Secret == ep.Secret {
		t.Fatalf("rotate: %d %s", res.status, res.body)
	}
	if res := s.do(admin, "GET", "/api/v1/webhooks", "", nil); strings.Contains(res.body, rotated.Data.Secret) {
		t.Fatalf("the list must mask the new secret: %s", res.body)
	}
	receiver.answer(http.StatusNoContent)
	s.clock.Advance(time.Hour)
	process()
	got = receiver.requests()
	last := got[len(got)-1]
	if len(got) != 3 || last.signature != webhook.Sign(rotated.Data.Secret, last.timestamp, last.body) {
		t.Fatalf("the retry must be signed with the new secret: %+v", got)
	}
	if ds := deliveries(); ds[0].Status != "delivered" || ds[0].Attempts != 2 || ds[0].ResponseCode != 204 || ds[0].NextAttempt != nil {
		t.Fatalf("retried: %+v", ds)
	}

	// Disabled: no test delivery.
	if res := s.do(admin, "PATCH", "/api/v1/webhooks/"+ep.ID, `{"version":2,"enabled":false}`, nil); res.status != 200 {
		t.Fatalf("disable: %d %s", res.status, res.body)
	}
	s.run(t, []scenario{
		{name: "disabled endpoint", as: "admin", method: "POST", path: "/api/v1/webhooks/" + ep.ID + "/test",
			wantStatus: 409, wantCode: "webhook_disabled"},
	})
	if q, _ := s.env.Store.QueuedWebhooks(context.Background()); len(q) != 0 {
		t.Fatalf("queued for a disabled endpoint: %+v", q)
	}
}
