package webhook_test

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/queueworker"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
	"github.com/kaiku-helpdesk/kaiku/webhook"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// newService builds a Service whose worker wakes only on Kick (the poll interval is an hour)
// and may call 127.0.0.1, where the test servers listen.
func newService(t *testing.T, st *store.Store, clock *fakeClock, tune func(*webhook.Options)) *webhook.Service {
	t.Helper()
	o := webhook.Options{Clock: clock.Now, Settings: queueworker.Settings{PollInterval: time.Hour}, AllowHosts: []string{"127.0.0.1"},
		BaseURL: "https://help.example.com", Timeout: 5 * time.Second}
	if tune != nil {
		tune(&o)
	}
	return webhook.New(st, o)
}

func run(t *testing.T, s *webhook.Service) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func endpoint(t *testing.T, st *store.Store, id, url string) *models.WebhookEndpoint {
	t.Helper()
	w := &models.WebhookEndpoint{ID: id, Name: "Hook " + id, URL: url, Secret: webhook.NewSecret(), Enabled: true,
		CreatedAt: time.Now(), UpdatedAt: time.Now(), Version: 1}
	if err := st.InsertWebhookEndpoint(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return w
}

func testCase(id string) *models.Case {
	return &models.Case{ID: id, Subject: "Torn sofa", Status: models.StatusOpen, Priority: models.PriorityUrgent,
		EscalationLevel: 2, Customer: models.Customer{Email: "matti@example.com"}}
}

func deliveries(t *testing.T, s *webhook.Service, endpointID string) []models.WebhookDelivery {
	t.Helper()
	ds, err := s.Deliveries(context.Background(), endpointID, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

type received struct {
	header http.Header
	body   []byte
}

// recorder is a webhook receiver answering with the codes in order (then 200).
type recorder struct {
	mu    sync.Mutex
	got   []received
	codes []int
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, received{req.Header.Clone(), b})
	code := http.StatusOK
	if len(r.codes) > 0 {
		code, r.codes = r.codes[0], r.codes[1:]
	}
	r.mu.Unlock()
	w.WriteHeader(code)
	fmt.Fprintf(w, "answer %d", code)
}

func (r *recorder) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func TestDeliveryIsSignedAndCarriesTheCase(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	clock := newClock()
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	ep := endpoint(t, env.Store, "ep1", srv.URL+"/hook")
	s := newService(t, env.Store, clock, nil)
	run(t, s)
	if err := s.EnqueueRule(ctx, ep.ID, "rule1", "Legal words", testCase("K-2026-000001")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the delivery", func() bool {
		ds := deliveries(t, s, ep.ID)
		return len(ds) == 1 && ds[0].Status == models.WebhookDelivered
	})
	got := rec.received()
	if len(got) != 1 {
		t.Fatalf("%d requests", len(got))
	}
	h, body := got[0].header, got[0].body
	ts, err := strconv.ParseInt(h.Get(webhook.HeaderTimestamp), 10, 64)
	if err != nil || ts != clock.Now().Unix() {
		t.Fatalf("timestamp %q", h.Get(webhook.HeaderTimestamp))
	}
	want := webhook.Sign(ep.Secret, ts, body)
	if !hmac.Equal([]byte(h.Get(webhook.HeaderSignature)), []byte(want)) || !strings.HasPrefix(want, "sha256=") {
		t.Fatalf("signature %q, want %q", h.Get(webhook.HeaderSignature), want)
	}
	if webhook.Sign("wrong", ts, body) == want {
		t.Fatal("the signature does not depend on the secret")
	}
	if h.Get("Content-Type") != "application/json" || h.Get("User-Agent") != "Kaiku-Webhook/1" ||
		h.Get(webhook.HeaderEvent) != webhook.EventRuleFired {
		t.Fatalf("headers %v", h)
	}
	ds := deliveries(t, s, ep.ID)
	if h.Get(webhook.HeaderDelivery) != ds[0].ID || ds[0].Attempts != 1 || ds[0].ResponseCode != 200 ||
		ds[0].ResponseBody != "answer 200" || ds[0].DoneAt == nil || ds[0].CaseID != "K-2026-000001" {
		t.Fatalf("delivery %+v, header %s", ds[0], h.Get(webhook.HeaderDelivery))
	}
	var p webhook.Payload
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Event != webhook.EventRuleFired || p.Rule.Name != "Legal words" || p.Case.ID != "K-2026-000001" ||
		p.Case.Priority != "urgent" || p.Case.EscalationLevel != 2 || p.Case.CustomerEmail != "matti@example.com" ||
		p.Case.URL != "https://help.example.com/cases/K-2026-000001" || !p.At.Equal(clock.Now()) {
		t.Fatalf("payload %s", body)
	}
	// Finishing writes the log entry first and then removes the queue document.
	eventually(t, "the queue emptied", func() bool {
		q, _ := env.Store.QueuedWebhooks(ctx)
		return len(q) == 0
	})
}

func TestRetryAfterServerErrorThenSuccess(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	clock := newClock()
	rec := &recorder{codes: []int{500}}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	ep := endpoint(t, env.Store, "ep1", srv.URL)
	s := newService(t, env.Store, clock, nil)
	run(t, s)
	if err := s.EnqueueRule(ctx, ep.ID, "r", "R", testCase("K-2026-000002")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the failed first attempt", func() bool {
		ds := deliveries(t, s, ep.ID)
		return len(ds) == 1 && ds[0].Attempts == 1
	})
	d := deliveries(t, s, ep.ID)[0]
	if d.Status != models.WebhookPending || d.ResponseCode != 500 || d.Error != "HTTP 500" || d.NextAttempt == nil ||
		!d.NextAttempt.Equal(clock.Now().Add(30*time.Second)) {
		t.Fatalf("after a 500: %+v", d)
	}
	// Not due yet: a wake-up changes nothing.
	s.Kick()
	if n, err := s.ProcessDue(ctx); err != nil || n != 0 {
		t.Fatalf("processed %d early (%v)", n, err)
	}
	clock.Advance(30 * time.Second)
	s.Kick()
	eventually(t, "the retry", func() bool { return deliveries(t, s, ep.ID)[0].Status == models.WebhookDelivered })
	d = deliveries(t, s, ep.ID)[0]
	if d.Attempts != 2 || d.ResponseCode != 200 || d.Error != "" || len(rec.received()) != 2 {
		t.Fatalf("after the retry: %+v, %d requests", d, len(rec.received()))
	}
	if rec.received()[0].header.Get(webhook.HeaderDelivery) != rec.received()[1].header.Get(webhook.HeaderDelivery) {
		t.Fatal("a retry must keep the delivery id")
	}
}

func TestFailedAfterMaxAttempts(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	clock := newClock()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, strings.Repeat("x", 10000), http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	ep := endpoint(t, env.Store, "ep1", srv.URL)
	s := newService(t, env.Store, clock, func(o *webhook.Options) { o.MaxAttempts = 3 })
	if err := s.EnqueueRule(ctx, ep.ID, "r", "R", testCase("K-2026-000003")); err != nil {
		t.Fatal(err)
	}
	waits := []time.Duration{30 * time.Second, time.Minute}
	for i := 0; i < 3; i++ {
		if n, err := s.ProcessDue(ctx); err != nil || n != 1 {
			t.Fatalf("attempt %d: handled %d (%v)", i+1, n, err)
		}
		if i < len(waits) {
			d := deliveries(t, s, ep.ID)[0]
			if !d.NextAttempt.Equal(clock.Now().Add(waits[i])) {
				t.Fatalf("attempt %d: next %v, want +%v", i+1, d.NextAttempt, waits[i])
			}
			clock.Advance(waits[i])
		}
	}
	d := deliveries(t, s, ep.ID)[0]
	if d.Status != models.WebhookFailed || d.Attempts != 3 || d.ResponseCode != 503 || d.DoneAt == nil ||
		len(d.ResponseBody) != 1024 {
		t.Fatalf("after the last attempt: %+v", d)
	}
	if hits.Load() != 3 {
		t.Fatalf("%d requests", hits.Load())
	}
	clock.Advance(24 * time.Hour)
	if n, _ := s.ProcessDue(ctx); n != 0 {
		t.Fatal("a failed delivery was tried again")
	}
}

func TestTwoWorkersDeliverEachExactlyOnce(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	clock := newClock()
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	ep := endpoint(t, env.Store, "ep1", srv.URL)
	a := newService(t, env.Store, clock, func(o *webhook.Options) { o.WorkerID = "replica-a"; o.BatchSize = 7 })
	b := newService(t, env.Store, clock, func(o *webhook.Options) { o.WorkerID = "replica-b"; o.BatchSize = 7 })
	const n = 30
	for i := 0; i < n; i++ {
		s := a
		if i%2 == 1 {
			s = b
		}
		if err := s.EnqueueRule(ctx, ep.ID, "r", "R", testCase(fmt.Sprintf("K-2026-%06d", i+1))); err != nil {
			t.Fatal(err)
		}
	}
	run(t, a)
	run(t, b)
	a.Kick()
	b.Kick()
	eventually(t, "every delivery", func() bool {
		q, _ := env.Store.QueuedWebhooks(ctx)
		return len(q) == 0
	})
	seen := map[string]int{}
	for _, r := range rec.received() {
		seen[r.header.Get(webhook.HeaderDelivery)]++
	}
	ds := deliveries(t, a, ep.ID)
	if len(ds) != n || len(seen) != n {
		t.Fatalf("%d deliveries logged, %d distinct received", len(ds), len(seen))
	}
	for _, d := range ds {
		if d.Status != models.WebhookDelivered || d.Attempts != 1 || seen[d.ID] != 1 {
			t.Errorf("delivery %s: %+v, received %d times", d.ID, d, seen[d.ID])
		}
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	clock := newClock()
	var followed atomic.Bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { followed.Store(true) }))
	t.Cleanup(target.Close)
	srv := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	t.Cleanup(srv.Close)
	ep := endpoint(t, env.Store, "ep1", srv.URL)
	s := newService(t, env.Store, clock, nil)
	if err := s.EnqueueRule(ctx, ep.ID, "r", "R", testCase("K-2026-000004")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ProcessDue(ctx); err != nil {
		t.Fatal(err)
	}
	d := deliveries(t, s, ep.ID)[0]
	if followed.Load() || d.ResponseCode != http.StatusTemporaryRedirect || d.Status != models.WebhookPending ||
		!strings.Contains(d.Error, "redirect") {
		t.Fatalf("followed=%v delivery %+v", followed.Load(), d)
	}
}

func TestLoopbackIsRefusedAtDialTimeUnlessAllowed(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	clock := newClock()
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	ep := endpoint(t, env.Store, "ep1", srv.URL) // stored directly, as if DNS had changed since
	s := newService(t, env.Store, clock, func(o *webhook.Options) { o.AllowHosts = []string{"intranet.example"} })
	if err := s.EnqueueRule(ctx, ep.ID, "r", "R", testCase("K-2026-000005")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ProcessDue(ctx); err != nil {
		t.Fatal(err)
	}
	d := deliveries(t, s, ep.ID)[0]
	if len(rec.received()) != 0 || d.Status != models.WebhookPending || !strings.Contains(d.Error, "not allowed") {
		t.Fatalf("%d requests reached loopback; delivery %+v", len(rec.received()), d)
	}
}

func TestDialControl(t *testing.T) {
	for addr, blocked := range map[string]bool{
		"127.0.0.1:80": true, "10.0.0.1:443": true, "169.254.169.254:80": true, "[::1]:80": true,
		"172.16.5.4:80": true, "192.168.1.1:80": true, "100.64.0.1:80": true, "[fc00::1]:80": true,
		"[fe80::1]:80": true, "0.0.0.0:80": true, "[::]:80": true, "224.0.0.1:80": true,
		"[::ffff:127.0.0.1]:80": true, "[::ffff:10.0.0.1]:80": true, "255.255.255.255:80": true,
		"93.184.215.14:443": false, "[2606:4700::6810:84e5]:443": false, "8.8.8.8:53": false,
		// IPv6 forms that carry a private or loopback IPv4 address a gateway would forward to.
		"[64:ff9b::7f00:1]:80": true, "[64:ff9b::a9fe:a9fe]:80": true, "[64:ff9b::a00:1]:80": true, // NAT64
		"[2002:7f00:1::]:80": true, "[2002:a00:1::1]:80": true, "[2002:c0a8:101::]:80": true, // 6to4
		"[::127.0.0.1]:80": true, "[::8.8.8.8]:80": true, "[::ffff:0:7f00:1]:80": true, // IPv4-compatible, SIIT
		"[2001:0:7f00:1::1]:80": true, "[2001:0:4136:e378:8000:63bf:f5ff:fffe]:80": true, // Teredo: server, client 10.0.0.1
		"[2606:4700::5efe:7f00:1]:80": true, "[2606:4700::200:5efe:a00:1]:80": true, // ISATAP
		"[64:ff9b::808:808]:53": false, "[2002:808:808::1]:53": false, "[2001:0:4136:e378:8000:63bf:f7f7:f7f7]:80": false,
	} {
		err := webhook.Control("tcp", addr, nil)
		if (err != nil) != blocked {
			t.Errorf("Control(%s) = %v, want blocked %v", addr, err, blocked)
		}
	}
	// The dialer uses it: a connection to a listening loopback port is refused before it is made.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Bool
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted.Store(true)
			c.Close()
		}
	}()
	g := webhook.NewGuard(nil)
	if c, err := g.DialContext(context.Background(), "tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Fatal("dialled loopback")
	}
	allowed := webhook.NewGuard([]string{"127.0.0.1"})
	c, err := allowed.DialContext(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("allowed host refused: %v", err)
	}
	c.Close()
	eventually(t, "the allowed connection", accepted.Load)
	if !webhook.Blocked(netip.MustParseAddr("169.254.169.254")) {
		t.Fatal("metadata address not blocked")
	}
}

func TestCheckURL(t *testing.T) {
	g := webhook.NewGuard([]string{"intranet.local", "10.1.2.3"})
	ctx := context.Background()
	// Each refusal carries the code the app words in the admin's language.
	for u, want := range map[string]string{
		"https://93.184.215.14/hook":                "",
		"http://10.1.2.3:8080/hook":                 "", // allowed
		"https://intranet.local/x":                  "", // allowed, never resolved
		"http://127.0.0.1/hook":                     "private_address",
		"http://localhost:9/hook":                   "private_address", // resolves to loopback
		"http://10.0.0.1/":                          "private_address",
		"http://169.254.169.254/latest":             "private_address",
		"http://[::1]/":                             "private_address",
		"http://[fd00::1]/":                         "private_address",
		"http://100.64.1.1/":                        "private_address",
		"ftp://93.184.215.14/":                      "not_http",
		"https://user:pw@93.184.215.14/":            "credentials",
		"/relative":                                 "not_http",
		"https://":                                  "no_host",
		"https://93.184.215.14:99999/":              "bad_port",
		"http://0.0.0.0/":                           "private_address",
		"http://[64:ff9b::7f00:1]/":                 "private_address",
		"http://[2002:7f00:1::]/":                   "private_address",
		"https://name.that.does.not.exist.invalid/": "unresolved",
	} {
		got := ""
		if p := g.CheckURL(ctx, u); p != nil {
			got = p.Code
			if p.Message == "" {
				t.Errorf("CheckURL(%q): a refusal without a message", u)
			}
		}
		if got != want {
			t.Errorf("CheckURL(%q) = %q, want %q", u, got, want)
		}
	}
}

func TestEnqueueRefusesUnknownAndDisabledEndpoints(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	s := newService(t, env.Store, newClock(), nil)
	if err := s.EnqueueRule(ctx, "nope", "r", "R", testCase("K-1")); err == nil || !strings.Contains(err.Error(), "unknown") {
		t.Fatalf("unknown endpoint: %v", err)
	}
	ep := endpoint(t, env.Store, "ep1", "http://127.0.0.1:1/")
	ep.Enabled, ep.Version = false, 2
	if err := env.Store.UpdateWebhookEndpoint(ctx, ep); err != nil {
		t.Fatal(err)
	}
	if err := s.EnqueueRule(ctx, ep.ID, "r", "R", testCase("K-1")); err == nil || !strings.Contains(err.Error(), "disabled") {
		t.Fatalf("disabled endpoint: %v", err)
	}
}
