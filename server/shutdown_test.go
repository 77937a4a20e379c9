package server_test

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The live-update stream never ends by itself, and http.Server.Shutdown waits for it: before
// the fix a stream a browser kept open (or one a client abandoned without the server noticing,
// as the reliability run's fuzz pass left behind) held SIGTERM until the shutdown limit and Kaiku
// exited with "shutdown: context deadline exceeded".
func TestShutdownEndsOpenEventStreams(t *testing.T) {
	env := baseEnv(t.TempDir())
	env["KAIKU_SHUTDOWN_TIMEOUT"] = "5s"
	r := start(t, env)
	c, _ := client(t, r)

	// A stream a browser keeps open.
	res, err := c.Get("http://" + r.addr + "/api/v1/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	lines := bufio.NewReader(res.Body)
	if line, err := lines.ReadString('\n'); err != nil || !strings.HasPrefix(line, "retry:") {
		t.Fatalf("stream did not open: %q %v", line, err)
	}

	// A stream opened with a body the handler never reads, then abandoned: the server does not
	// see the client go (it only watches a connection once the body is read).
	raw, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := http.NewRequest("GET", "http://"+r.addr+"/api/v1/events", strings.NewReader(`{"x":1}`))
	for _, ck := range c.Jar.Cookies(u.URL) {
		u.AddCookie(ck)
	}
	if err := u.Write(raw); err != nil {
		t.Fatal(err)
	}
	abandoned := bufio.NewReader(raw)
	if line, err := abandoned.ReadString('\n'); err != nil || !strings.Contains(line, "200") {
		t.Fatalf("abandoned stream did not open: %q %v", line, err)
	}
	raw.Close()

	r.cancel() // what SIGTERM does
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("shutdown with open event streams: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Run did not return within 60 s of shutdown")
	}
	// The open stream was ended by the server, not left hanging.
	for {
		if _, err := lines.ReadString('\n'); err != nil {
			break
		}
	}
}
