package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// kaikuProcess is the server binary running on loopback on a data directory of the run.
type kaikuProcess struct {
	cmd  *exec.Cmd
	addr string // host:port
	done chan error
}

// serverEnv is the environment every start gets: loopback only, a known admin, intake limits
// out of the way (the run files thousands of complaints from one address), quick catch-up.
func serverEnv(dataDir, adminPassword string) []string {
	env := []string{
		"KAIKU_ADDR=127.0.0.1:0", "KAIKU_DATA_DIR=" + dataDir,
		"KAIKU_ADMIN_EMAIL=" + adminEmail, "KAIKU_ADMIN_PASSWORD=" + adminPassword,
		"KAIKU_INTAKE_LIMIT_PER_IP=1000000", "KAIKU_REINDEX_INTERVAL=2s", "KAIKU_LOG_LEVEL=error",
	}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "PATH" || k == "HOME" || k == "TMPDIR" {
			env = append(env, kv)
		}
	}
	return env
}

var runningAt = regexp.MustCompile(`Kaiku is running at http://([^\s/]+)`)

// startKaiku starts the binary and returns once it prints its address and /readyz answers.
func startKaiku(ctx context.Context, bin string, env []string, logw io.Writer) (*kaikuProcess, error) {
	cmd := exec.Command(bin)
	cmd.Env = env
	cmd.Stderr = logw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &kaikuProcess{cmd: cmd, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			fmt.Fprintln(logw, sc.Text())
			if m := runningAt.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addr <- strings.Replace(m[1], "localhost", "127.0.0.1", 1):
				default:
				}
			}
		}
	}()
	go func() { p.done <- cmd.Wait() }()
	select {
	case p.addr = <-addr:
	case err := <-p.done:
		return nil, fmt.Errorf("kaiku exited at start: %v", err)
	case <-time.After(90 * time.Second):
		p.kill()
		return nil, errors.New("kaiku did not start within 90 s")
	case <-ctx.Done():
		p.kill()
		return nil, ctx.Err()
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get("http://" + p.addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.kill()
			return nil, errors.New("kaiku not ready within 60 s")
		}
		time.Sleep(100 * time.Millisecond) // waiting for readiness, bounded by the deadline
	}
}

// kill is kill -9: no shutdown, no flush.
func (p *kaikuProcess) kill() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// stop is a graceful stop (SIGTERM), killed after 30 s.
func (p *kaikuProcess) stop() error {
	_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case err := <-p.done:
		return err
	case <-time.After(30 * time.Second):
		p.kill()
		return errors.New("kaiku did not stop within 30 s of SIGTERM")
	}
}

// alive says whether the process is still running.
func (p *kaikuProcess) alive() bool {
	select {
	case err := <-p.done:
		p.done <- err
		return false
	default:
		return true
	}
}

// staff is a logged-in staff session (cookie and CSRF token).
type staff struct {
	base string
	http *http.Client
	csrf string
	mu   sync.Mutex
}

func login(base, email, password string) (*staff, error) {
	jar, _ := cookiejar.New(nil)
	s := &staff{base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res, err := s.http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var out struct {
		Data struct {
			CSRFToken string `json:"csrf_token"`
		} `json:"data"`
	}
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		return nil, fmt.Errorf("login %s: %d %s", email, res.StatusCode, b)
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return nil, err
	}
	s.csrf = out.Data.CSRFToken
	return s, nil
}

// do sends a JSON request and returns the status and body.
func (s *staff) do(method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-CSRF-Token", s.csrf)
	res, err := s.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}
