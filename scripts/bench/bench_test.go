package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary play the server child, as the bench binary does.
func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" {
		os.Exit(serveMain())
	}
	os.Exit(m.Run())
}

// TestBenchSmall runs the whole bench on 200 cases, then again on the same directory (the
// reuse path), so the bench keeps building and running as the code under it changes.
func TestBenchSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the embedded database, the index and a server process")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	var progress bytes.Buffer
	cfg := config{N: 200, Dir: dir, Requests: 20, Warmup: 2, Seed: 1, Progress: &progress}
	for _, want := range []bool{false, true} {
		rep, err := run(ctx, cfg)
		if err != nil {
			t.Fatalf("reuse=%v: %v\n%s", want, err, progress.String())
		}
		var out bytes.Buffer
		rep.print(&out)
		t.Log("\n" + out.String())
		if rep.seed.reused != want {
			t.Errorf("reused = %v, want %v", rep.seed.reused, want)
		}
		if rep.get.n != cfg.Requests || rep.getFloor.n != cfg.Requests || rep.get.p50 <= 0 || rep.getFloor.p50 <= 0 {
			t.Errorf("get figures missing: %+v %+v", rep.get, rep.getFloor)
		}
		if len(rep.lists) != 3 {
			t.Fatalf("%d list figures, want 3", len(rep.lists))
		}
		for _, l := range rep.lists {
			if l.http.n != cfg.Requests || l.floor.n != cfg.Requests || l.http.p50 <= 0 || l.floor.p50 <= 0 {
				t.Errorf("%s: figures missing: %+v %+v", l.name, l.http, l.floor)
			}
		}
		if rep.startup <= 0 || rep.inProc <= 0 || rep.startup < rep.inProc {
			t.Errorf("start-up %v, in process %v", rep.startup, rep.inProc)
		}
		if rep.rss <= 0 {
			t.Errorf("RSS %d", rep.rss)
		}
		for _, line := range []string{"kaiku bench  n=200", "get case by id", "start-up to /readyz", "targets (issue 2)"} {
			if !strings.Contains(out.String(), line) {
				t.Errorf("report lacks %q", line)
			}
		}
	}
}
