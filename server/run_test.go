package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/server"
)

// running is one in-process server started by Run.
type running struct {
	addr   string
	stdout *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func start(t *testing.T, env map[string]string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stdout: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	ready := make(chan string, 1)
	getenv := func(k string) string { return env[k] }
	go func() {
		r.done <- server.RunWithHooks(ctx, nil, getenv, r.stdout, &syncBuffer{}, server.Hooks{OnReady: func(a string) { ready <- a }})
	}()
	select {
	case r.addr = <-ready:
	case err := <-r.done:
		t.Fatalf("server did not start: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start within 60 s")
	}
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	if err := <-r.done; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

func baseEnv(dir string) map[string]string {
	return map[string]string{
		"KAIKU_ADDR": "127.0.0.1:0", "KAIKU_DATA_DIR": dir, "KAIKU_LOG_LEVEL": "warn",
		"KAIKU_ADMIN_EMAIL": "admin@example.com", "KAIKU_ADMIN_PASSWORD": "start-up test password",
	}
}

func client(t *testing.T, r *running) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	res, err := c.Post("http://"+r.addr+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"email":"admin@example.com","password":"start-up test password"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Data struct {
			CSRFToken string `json:"csrf_token"`
		} `json:"data"`
	}
	if res.StatusCode != 200 || json.NewDecoder(res.Body).Decode(&body) != nil {
		t.Fatalf("login: %d", res.StatusCode)
	}
	return c, body.Data.CSRFToken
}

func createCase(t *testing.T, r *running, c *http.Client, csrf, subject string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+r.addr+"/api/v1/cases", strings.NewReader(
		fmt.Sprintf(`{"subject":%q,"description":"d","customer":{"name":"C","email":"c@example.com"}}`, subject)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if res.StatusCode != 201 || json.NewDecoder(res.Body).Decode(&body) != nil {
		t.Fatalf("create case: %d", res.StatusCode)
	}
	return body.Data.ID
}

func getJSON(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return res.StatusCode, b.String()
}

func TestStartPrintsLoginServesAndRestartsWithData(t *testing.T) {
	dir := t.TempDir()
	env := baseEnv(dir)
	delete(env, "KAIKU_ADMIN_PASSWORD") // a generated password is printed
	r := start(t, env)
	out := r.stdout.String()
	if !strings.Contains(out, "Kaiku is running at http://") || !strings.Contains(out, "admin@example.com") || !strings.Contains(out, "password: ") {
		t.Fatalf("start-up output lacks the URL or the first login:\n%s", out)
	}
	if code, body := getJSON(t, http.DefaultClient, "http://"+r.addr+"/readyz"); code != 200 {
		t.Fatalf("readyz: %d %s", code, body)
	}
	r.stop(t)

	// Restart on the same data with a known password: the admin exists already, so no new
	// admin is created and the generated password stays the one that works.
	var password string
	for _, line := range strings.Split(out, "\n") {
		if p, ok := strings.CutPrefix(strings.TrimSpace(line), "password: "); ok {
			password = p
		}
	}
	env2 := baseEnv(dir)
	env2["KAIKU_ADMIN_PASSWORD"] = password
	r2 := start(t, env2)
	if strings.Contains(r2.stdout.String(), "First admin created") {
		t.Fatal("a second admin was bootstrapped on restart")
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Post("http://"+r2.addr+"/api/v1/auth/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"email":"admin@example.com","password":%q}`, password)))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("login with the printed password after restart: %v %v", err, res)
	}
	res.Body.Close()
}

func TestCasesSurviveRestartAndALostIndexIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	r := start(t, baseEnv(dir))
	c, csrf := client(t, r)
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, createCase(t, r, c, csrf, fmt.Sprintf("Restart case %d", i)))
	}
	r.stop(t)

	// Lose the search index entirely, as after a disk mishap.
	if err := os.RemoveAll(filepath.Join(dir, "index")); err != nil {
		t.Fatal(err)
	}
	r2 := start(t, baseEnv(dir))
	c2, _ := client(t, r2)
	for _, id := range ids {
		if code, body := getJSON(t, c2, "http://"+r2.addr+"/api/v1/cases/"+id); code != 200 {
			t.Fatalf("case %s after restart: %d %s", id, code, body)
		}
	}
	// The rebuild runs in the background (at 100k cases it takes minutes, longer than any
	// start-up timeout): the server is ready at once and the list fills up.
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body := getJSON(t, c2, "http://"+r2.addr+"/api/v1/cases?view=all_open")
		if code == 200 && strings.Contains(body, `"total":3`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rebuilt index should list all 3 cases: %d %s", code, body)
		}
		time.Sleep(100 * time.Millisecond) // polling for the background rebuild, bounded by the deadline
	}
}

func TestUnreachableDatabaseFailsClearlyWithoutHanging(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now
	env := baseEnv(t.TempDir())
	env["MONGODB_URI"] = "mongodb://" + addr + "/?connectTimeoutMS=300&serverSelectionTimeoutMS=300"
	env["KAIKU_STARTUP_TIMEOUT"] = "2s"
	done := make(chan error, 1)
	go func() {
		done <- server.Run(context.Background(), nil, func(k string) string { return env[k] }, &syncBuffer{}, &syncBuffer{})
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "database") {
			t.Fatalf("want a clear database error, got %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("start-up hung on an unreachable database")
	}
}

func TestBadConfigurationIsRefused(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"bad duration":   {"KAIKU_REINDEX_INTERVAL": "often"},
		"bad bool":       {"KAIKU_TRUST_PROXY": "maybe"},
		"bad log format": {"KAIKU_LOG_FORMAT": "xml"},
		"tiny body":      {"KAIKU_MAX_BODY_BYTES": "10"},
	} {
		t.Run(name, func(t *testing.T) {
			err := server.Run(context.Background(), nil, func(k string) string { return env[k] }, &syncBuffer{}, &syncBuffer{})
			if err == nil || !strings.Contains(err.Error(), "configuration") {
				t.Fatalf("want a configuration error, got %v", err)
			}
		})
	}
}

func TestShutdownLetsRequestsInFlightFinish(t *testing.T) {
	r := start(t, baseEnv(t.TempDir()))
	c, csrf := client(t, r)
	// Keep a request in flight (a slow upload of the body), then shut down: it must complete.
	body := &slowBody{first: []byte(`{"subject":"in flight","description":"d",`), rest: []byte(`"customer":{"name":"C","email":"c@example.com"}}`),
		release: make(chan struct{}), started: make(chan struct{})}
	req, _ := http.NewRequest("POST", "http://"+r.addr+"/api/v1/cases", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	// A fresh connection (an idle keep-alive one may be closed by the shutdown before the
	// request reaches it, which is correct behaviour), and Expect: 100-continue so the body is
	// sent only once the handler runs: the request is really in flight when shutdown starts.
	req.Header.Set("Expect", "100-continue")
	fresh := &http.Client{Jar: c.Jar, Transport: &http.Transport{DisableKeepAlives: true, ExpectContinueTimeout: 30 * time.Second}}
	result := make(chan int, 1)
	go func() {
		res, err := fresh.Do(req)
		if err != nil {
			t.Logf("in-flight request: %v", err)
			result <- -1
			return
		}
		res.Body.Close()
		result <- res.StatusCode
	}()
	<-body.started // the server is reading the body now
	stopped := make(chan struct{})
	go func() { r.stop(t); close(stopped) }()
	close(body.release)
	if code := <-result; code != 201 {
		t.Fatalf("request in flight during shutdown: %d", code)
	}
	<-stopped
}

// slowBody sends its first part, signals, and sends the rest only when released.
type slowBody struct {
	first, rest []byte
	release     chan struct{}
	started     chan struct{}
	state       int
}

func (b *slowBody) Read(p []byte) (int, error) {
	switch b.state {
	case 0:
		b.state = 1
		return copy(p, b.first), nil
	case 1:
		close(b.started)
		<-b.release
		b.state = 2
		return copy(p, b.rest), nil
	}
	return 0, io.EOF
}
