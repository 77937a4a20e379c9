// Command reliability repeats the attack of issue 18 against a real Kaiku on loopback, bounded
// in time, and prints a summary with figures:
//
//		go run ./scripts/reliability            (README: "Reliability run")
//
//	 1. durability: clients file complaints (each with an Idempotency-Key, re-sent until
//	    answered) while the server is killed with SIGKILL and restarted; afterwards every
//	    acknowledged complaint is there and none is there twice;
//	 2. concurrent PATCH: clients PATCH one case at one version, round after round: exactly one
//	    wins, the rest get 409, the winner's change is what the case shows;
//	 3. fuzz: random and malformed bodies, path parameters and queries to every route of the
//	    OpenAPI document, as nobody and as an admin: no 5xx, the process stays up;
//	 4. route x caller matrix: handlers' TestRouteCallerMatrix (the access rules' one table,
//	    every route as nobody, a customer's tracking token, agent, manager, admin);
//	 5. script injection: frontend/e2e/script-injection.mjs files script and HTML payloads by
//	    the form, the API and mail, then opens every staff and customer page in Chromium.
//
// It needs Go, and for the browser pass Node.js, frontend/node_modules, a built web app and
// /usr/bin/chromium (the pass is reported as skipped otherwise). Everything listens on
// 127.0.0.1 and lives in a temporary directory that is removed at the end.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

const adminEmail = "admin@reliability.example"

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "reliability:", err)
		os.Exit(1)
	}
}

type phaseLine struct {
	name, figures string
	passed        bool
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("reliability", flag.ContinueOnError)
	bin := fs.String("bin", "", "kaiku binary (default: go build into the run's temporary directory)")
	timeout := fs.Duration("timeout", 12*time.Minute, "the whole run ends by then")
	phase := fs.Duration("durability", 40*time.Second, "how long complaints are filed during the kill -9 check")
	clients := fs.Int("clients", 8, "clients filing complaints")
	kills := fs.Int("kills", 3, "kill -9 restarts during the durability check")
	patchers := fs.Int("patchers", 16, "clients PATCHing one case at once")
	rounds := fs.Int("rounds", 25, "concurrent PATCH rounds")
	perRoute := fs.Int("fuzz", 12, "fuzz requests per route (half as nobody, half as admin)")
	seed := fs.Uint64("seed", uint64(time.Now().UnixNano()), "fuzz seed (printed, to repeat a run)")
	only := fs.String("only", "durability,patch,fuzz,matrix,browser", "phases to run")
	if err := fs.Parse(args); err != nil {
		return err
	}
	want := map[string]bool{}
	for _, p := range strings.Split(*only, ",") {
		want[strings.TrimSpace(p)] = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	root, err := repoRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "kaiku-reliability-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	logf, err := os.Create(filepath.Join(tmp, "server.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	logw := &lockedWriter{w: logf}
	if *bin == "" {
		*bin = filepath.Join(tmp, "kaiku")
		fmt.Fprintln(stdout, "building kaiku…")
		build := exec.CommandContext(ctx, "go", "build", "-o", *bin, ".")
		build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	}
	started := time.Now()
	var lines []phaseLine
	report := func(name string, passed bool, format string, a ...any) {
		l := phaseLine{name: name, passed: passed, figures: fmt.Sprintf(format, a...)}
		lines = append(lines, l)
		fmt.Fprintf(stdout, "%-18s %s  %s\n", name, verdict(l.passed), l.figures)
	}
	fail := func(name string, err error) { report(name, false, "could not run: %v", err) }

	adminPassword := "Reliability-" + randomHex(12)
	env := serverEnv(filepath.Join(tmp, "data"), adminPassword)
	var p *kaikuProcess
	if want["durability"] || want["patch"] || want["fuzz"] {
		if want["durability"] {
			fmt.Fprintf(stdout, "durability: %d clients for %s, %d × kill -9…\n", *clients, *phase, *kills)
			var d durabilityResult
			p, d, err = runDurability(ctx, *bin, env, logw, *clients, *kills, *phase, adminPassword)
			if err != nil {
				fail("kill -9 restarts", err)
			} else {
				report("kill -9 restarts", d.ok(), "%d complaints acknowledged by %d clients across %d kill -9 restarts; %d requests re-sent with their idempotency keys; %d missing, %d duplicated (index lists %d) in %s",
					d.Acknowledged, d.Clients, d.Kills, d.Resent, d.Missing, d.Duplicates, d.Listed, d.Elapsed.Round(time.Second))
			}
		}
		if p == nil {
			if p, err = startKaiku(ctx, *bin, env, logw); err != nil {
				return err
			}
		}
		base := "http://" + p.addr
		var sessions []*staff
		for range 4 {
			s, err := login(base, adminEmail, adminPassword)
			if err != nil {
				return err
			}
			sessions = append(sessions, s)
		}
		if want["patch"] {
			clientsList := make([]*staff, *patchers)
			for i := range clientsList {
				clientsList[i] = sessions[i%len(sessions)]
			}
			r, err := runPatch(clientsList, *rounds)
			if err != nil {
				fail("concurrent PATCH", err)
			} else {
				report("concurrent PATCH", r.ok(), "%d rounds × %d clients on one case: %d won (one per round: %v), %d got 409, %d other answers, %d lost updates; version %d → %d",
					r.Rounds, r.Clients, r.Wins, r.RoundsNotOneWin == 0, r.Conflicts, r.Other, r.LostUpdates, r.StartVersion, r.FinalVersion)
			}
		}
		if want["fuzz"] {
			var mu sync.Mutex
			current := sessions[0]
			relogins := 0
			admin := func() *staff {
				mu.Lock()
				defer mu.Unlock()
				// A fuzzed request may end the session (a random session id can match none, but
				// a password reset or a role change could): log in again when it stops working.
				if code, _, err := current.do("GET", "/api/v1/me", nil); err == nil && code == 401 {
					if s, err := login(base, adminEmail, adminPassword); err == nil {
						current = s
						relogins++
					}
				}
				return current
			}
			fmt.Fprintf(stdout, "fuzz: seed %d…\n", *seed)
			r, err := runFuzz(base, admin, *perRoute, 4, *seed)
			r.Alive = p.alive()
			if code, _, err := sessions[0].do("GET", "/healthz", nil); err != nil || code != 200 {
				r.Alive = false
			}
			if err != nil {
				fail("fuzz every route", err)
			} else {
				report("fuzz every route", r.ok(), "%d requests to %d routes (seed %d): %d 2xx, %d 4xx, %d 5xx, %d without an answer; server alive: %v%s",
					r.Requests, r.Routes, *seed, r.ByClass["2xx"], r.ByClass["4xx"], r.ByClass["5xx"], r.ByClass["error"], r.Alive, examples(r.ServerErrors))
			}
		}
		if err := p.stop(); err != nil {
			report("clean stop", false, "%v", err)
		}
	}
	if want["matrix"] {
		fmt.Fprintln(stdout, "route × caller matrix (go test ./handlers -run TestRouteCallerMatrix)…")
		figures, passed, err := runMatrix(ctx, root)
		if err != nil {
			fail("route × caller", err)
		} else {
			report("route × caller", passed, "%s", figures)
		}
	}
	if want["browser"] {
		fmt.Fprintln(stdout, "script injection in Chromium (frontend/e2e/script-injection.mjs)…")
		figures, passed, skipped, err := runBrowser(ctx, root, *bin)
		switch {
		case skipped != "":
			report("script injection", true, "skipped: %s", skipped)
		case err != nil:
			fail("script injection", err)
		default:
			report("script injection", passed, "%s", figures)
		}
	}

	allPassed := true
	fmt.Fprintf(stdout, "\nSummary (%s, loopback only):\n", time.Since(started).Round(time.Second))
	for _, l := range lines {
		fmt.Fprintf(stdout, "  %s %-18s %s\n", verdict(l.passed), l.name, l.figures)
		allPassed = allPassed && l.passed
	}
	if !allPassed {
		fmt.Fprintf(stdout, "server log: kept at %s\n", keepLog(logf.Name()))
		return fmt.Errorf("some checks failed")
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func examples(errs []string) string {
	if len(errs) == 0 {
		return ""
	}
	return "; e.g. " + strings.Join(errs, "; ")
}

// keepLog copies the server log out of the temporary directory before it is removed.
func keepLog(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return path
	}
	out := filepath.Join(os.TempDir(), fmt.Sprintf("kaiku-reliability-%d.log", time.Now().Unix()))
	_ = os.WriteFile(out, b, 0o600)
	return out
}

func repoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run from inside the Kaiku repository")
	}
	return filepath.Dir(mod), nil
}

var matrixLine = regexp.MustCompile(`matrix: (.*)`)

// runMatrix runs the handlers' route x caller matrix test and returns its figures line.
func runMatrix(ctx context.Context, root string) (string, bool, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "./handlers", "-run", "^TestRouteCallerMatrix$", "-count=1", "-v")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	m := matrixLine.FindSubmatch(out)
	if m == nil {
		return "", false, fmt.Errorf("no figures from the test (%v):\n%s", err, tail(out, 2000))
	}
	return string(m[1]), err == nil, nil
}

var injectionLine = regexp.MustCompile(`script-injection: (.*)`)

// runBrowser runs the browser pass through the e2e runner (which starts the binary, the IMAP
// test server and Chromium on loopback).
func runBrowser(ctx context.Context, root, bin string) (figures string, passed bool, skipped string, err error) {
	frontend := filepath.Join(root, "frontend")
	for _, need := range []struct{ path, why string }{
		{"/usr/bin/chromium", "no /usr/bin/chromium (apt-get install chromium)"},
		{filepath.Join(frontend, "node_modules", "playwright-core"), "no frontend/node_modules (cd frontend && npm ci)"},
		{filepath.Join(frontend, "dist", "assets"), "the web app is not built (cd frontend && npm run build)"},
	} {
		if _, err := os.Stat(need.path); err != nil {
			return "", false, need.why, nil
		}
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "", false, "no node", nil
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		return "", false, "", err
	}
	cmd := exec.CommandContext(ctx, "node", "e2e/run.mjs", "e2e/script-injection.mjs")
	cmd.Dir = frontend
	cmd.Env = append(os.Environ(), "KAIKU_BIN="+abs)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", false, "", err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", false, "", err
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := injectionLine.FindStringSubmatch(sc.Text()); m != nil {
			figures = m[1]
		}
	}
	runErr := cmd.Wait()
	if figures == "" {
		return "", false, "", fmt.Errorf("no figures from the browser pass (%v)", runErr)
	}
	return figures, runErr == nil, "", nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
