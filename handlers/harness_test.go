package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kaiku-helpdesk/kaiku/handlers"
	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/privacy"
	"github.com/kaiku-helpdesk/kaiku/queueworker"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/staff"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
	"github.com/kaiku-helpdesk/kaiku/topics"
	"github.com/kaiku-helpdesk/kaiku/webhook"
)

// stack is the real HTTP server on a real embedded database and a real Bleve index.
type stack struct {
	t      *testing.T
	srv    *httptest.Server
	env    *storetest.Env
	index  search.Index
	users  *staff.Users
	cases  *helpdesk.Cases
	clock  *testClock
	logins map[string]*session // by role name
	events *helpdesk.Events
	mailer *mail.Mailer
	hooks  *webhook.Service
	rules  *helpdesk.Rules
	topics *topics.Service
	// privacy is the data-protection service (issue 18), for sweeping retention in tests.
	privacy *privacy.Service
	// searchDown makes the readiness check see the search backend as failing.
	searchDown atomic.Bool
	// reviews is the review use case, to point its Google connector at a test server.
	reviews *helpdesk.Reviews
}

// testClock is a settable clock.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const testPassword = "correct horse battery"

// session is a logged-in staff user (cookie + CSRF token), an API token holder, or a customer
// holding a tracking cookie.
type session struct {
	user   *models.User
	cookie string
	csrf   string
	token  string
	track  string
}

func newStack(t *testing.T) *stack {
	t.Helper()
	return newStackWith(t, store.Options{SingleWriter: true})
}

// newStackWith is newStack on a database connected with opts.
func newStackWith(t *testing.T, opts store.Options) *stack {
	t.Helper()
	clock := &testClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	if opts.Now == nil {
		opts.Now = clock.Now // timers go in the minutes a scheduler on the test clock sweeps
	}
	env := storetest.StartWith(t, t.TempDir(), opts)
	idx, err := search.OpenBleve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	approvalIdx, err := search.OpenBleve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { approvalIdx.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The real mailer without SMTP: mails land in the outbox, where tests read them.
	mailer, err := mail.New(env.Store, mail.Config{}, mail.Options{Clock: clock.Now, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	// Webhooks may reach the test receivers on 127.0.0.1, and nothing else private.
	hooks := webhook.New(env.Store, webhook.Options{Clock: clock.Now, Logger: logger, AllowHosts: []string{"127.0.0.1"},
		BaseURL: "https://help.example.com", Settings: queueworker.Settings{PollInterval: time.Hour}})
	limits := helpdesk.DefaultIntakeLimits
	limits.MaxFileBytes = 32 << 10
	hd, err := helpdesk.New(helpdesk.Deps{Store: env.Store, Index: idx, ApprovalIndex: approvalIdx, Mailer: mailer, Webhooks: hooks, Logger: logger,
		Clock: clock.Now, BaseURL: "https://help.example.com", Currency: "EUR", Limits: limits, Location: helsinki(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := hd.SLA.EnsureDefaultPolicy(context.Background()); err != nil {
		t.Fatal(err)
	}
	users, cases, events := hd.Users, hd.Cases, hd.Events
	s := &stack{t: t, env: env, index: idx, users: users, cases: cases, clock: clock, logins: map[string]*session{},
		events: events, mailer: mailer, hooks: hooks, rules: hd.Rules, topics: hd.Topics, privacy: hd.Privacy, reviews: hd.Reviews}
	e := handlers.New(handlers.Deps{
		Logger: logger, Auth: hd.Auth, Users: users, Cases: cases, Intake: hd.Intake, Conversation: hd.Conversation, Events: events,
		Settings: hd.Settings, Outbox: hd.Outbox, Canned: hd.Canned, SLA: hd.SLA, Rules: hd.Rules,
		Webhooks: hd.Webhooks, Remedies: hd.Remedies, Journey: hd.Journey, MaxFileBytes: limits.MaxFileBytes,
		SavedViews: hd.SavedViews, FollowUps: hd.FollowUps,
		Reviews: hd.Reviews,
		Topics:  hd.Topics, RootCauses: hd.RootCauses,
		Reports: hd.Reports,
		Mail:    hd.Mail,
		Audit:   hd.Audit,
		Privacy: hd.Privacy,
		Ready: readyFunc(func(ctx context.Context) map[string]error {
			searchErr := idx.Ping(ctx)
			if s.searchDown.Load() {
				searchErr = errors.New("dial tcp 10.0.0.7:7700: connection refused")
			}
			return map[string]error{"database": env.Store.Ping(ctx), "search": searchErr}
		}),
		Frontend:     fstest.MapFS{"index.html": {Data: []byte("<!doctype html><title>Kaiku</title>")}, "assets/app.js": {Data: []byte("console.log(1)")}},
		MaxBodyBytes: 64 << 10,
		TrustProxy:   true, // tests speak from several addresses with X-Forwarded-For
	})
	s.srv = httptest.NewServer(e)
	t.Cleanup(s.srv.Close)
	if _, err := users.Bootstrap(context.Background(), "admin@example.com", "Ada Admin", testPassword); err != nil {
		t.Fatal(err)
	}
	s.logins["admin"] = s.login("admin@example.com", testPassword)
	for _, role := range []models.Role{models.RoleManager, models.RoleAgent} {
		email := string(role) + "@example.com"
		s.createUser(email, strings.ToUpper(string(role[:1]))+string(role[1:])+" User", role)
		s.logins[string(role)] = s.login(email, testPassword)
	}
	return s
}

// helsinki is the installation's time zone in the tests: months turn at 22:00 or 21:00 UTC.
func helsinki(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

type readyFunc func(ctx context.Context) map[string]error

func (f readyFunc) Ready(ctx context.Context) map[string]error { return f(ctx) }

func (s *stack) createUser(email, name string, role models.Role) *models.User {
	s.t.Helper()
	admin := &helpdesk.Principal{User: s.logins["admin"].user}
	u, err := s.users.Create(context.Background(), admin, models.UserCreate{Email: email, Name: name, Role: role, Password: testPassword})
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

func (s *stack) login(email, password string) *session {
	s.t.Helper()
	res := s.do(nil, http.MethodPost, "/api/v1/auth/login", `{"email":"`+email+`","password":"`+password+`"}`, nil)
	if res.status != http.StatusOK {
		s.t.Fatalf("login %s: %d %s", email, res.status, res.body)
	}
	var body struct {
		Data struct {
			User      models.User `json:"user"`
			CSRFToken string      `json:"csrf_token"`
		} `json:"data"`
	}
	res.decode(s.t, &body)
	var cookie string
	for _, c := range res.cookies {
		if c.Name == handlers.SessionCookie {
			cookie = c.Value
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				s.t.Fatalf("session cookie must be HttpOnly and SameSite=Lax: %+v", c)
			}
		}
	}
	if cookie == "" || body.Data.CSRFToken == "" {
		s.t.Fatalf("login gave no cookie or CSRF token: %s", res.body)
	}
	u := body.Data.User
	return &session{user: &u, cookie: cookie, csrf: body.Data.CSRFToken}
}

type response struct {
	status  int
	body    string
	header  http.Header
	cookies []*http.Cookie
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

// do sends a request as sess (nil: anonymous). headers may override anything, including
// dropping the CSRF header with an empty value.
func (s *stack) do(sess *session, method, path, body string, headers map[string]string) response {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.srv.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if sess != nil {
		switch {
		case sess.track != "":
			req.AddCookie(&http.Cookie{Name: handlers.TrackCookie, Value: sess.track})
			req.Header.Set(handlers.TrackHeader, "1")
		case sess.token != "":
			req.Header.Set("Authorization", "Bearer "+sess.token)
		default:
			req.AddCookie(&http.Cookie{Name: handlers.SessionCookie, Value: sess.cookie})
			req.Header.Set(handlers.CSRFHeader, sess.csrf)
		}
	}
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, body: string(b), header: res.Header, cookies: res.Cookies()}
}

// scenario is one table-driven API check.
type scenario struct {
	name       string
	as         string // "", "agent", "manager", "admin" or a key set up by the test
	method     string
	path       string
	body       string
	headers    map[string]string
	wantStatus int
	wantCode   string   // error envelope code
	wantFields []string // error envelope fields
	wantBody   []string // substrings of the body
}

func (s *stack) run(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			var sess *session
			if sc.as != "" {
				sess = s.logins[sc.as]
				if sess == nil {
					t.Fatalf("no session %q", sc.as)
				}
			}
			res := s.do(sess, sc.method, sc.path, sc.body, sc.headers)
			if res.status != sc.wantStatus {
				t.Fatalf("%s %s: status %d, want %d; body %s", sc.method, sc.path, res.status, sc.wantStatus, res.body)
			}
			if sc.wantCode != "" || len(sc.wantFields) > 0 {
				var env handlers.ErrorBody
				res.decode(t, &env)
				if sc.wantCode != "" && env.Error.Code != sc.wantCode {
					t.Errorf("error code %q, want %q (%s)", env.Error.Code, sc.wantCode, res.body)
				}
				for _, f := range sc.wantFields {
					if _, ok := env.Error.Fields[f]; !ok {
						t.Errorf("error fields %v lack %q", env.Error.Fields, f)
					}
				}
			}
			for _, want := range sc.wantBody {
				if !strings.Contains(res.body, want) {
					t.Errorf("body lacks %q: %s", want, res.body)
				}
			}
		})
	}
}
