package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"os/signal"
	runpprof "runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kaiku-helpdesk/kaiku/server"
)

// The server runs in a child process (this same binary, switched by serveEnv), so that its
// start-up is a real process start and its RSS is its own, not the bench's.
const (
	serveEnv      = "KAIKU_BENCH_SERVE"
	serveProfEnv  = "KAIKU_BENCH_SERVER_CPUPROFILE"
	servePprofEnv = "KAIKU_BENCH_SERVER_PPROF"
	serveCmdsEnv  = "KAIKU_BENCH_SERVER_COMMANDS"
	readyMarker   = "KAIKU_BENCH_READY"
	adminEmail    = "bench-admin@example.com"
	adminPassword = "bench-password-not-secret"
)

// serveMain is the child: the real server (server.RunWithHooks) until its stdin closes.
func serveMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin) // the parent closes our stdin to stop us
		cancel()
	}()
	if addr := os.Getenv(servePprofEnv); addr != "" {
		if err := servePprof(addr); err != nil {
			fmt.Fprintln(os.Stderr, "server: pprof:", err)
			return 1
		}
	}
	var profile *os.File
	var tally *commandTally
	start := time.Now()
	hooks := server.Hooks{}
	if os.Getenv(serveCmdsEnv) != "" {
		tally = newCommandTally()
		hooks.Monitor = tally.monitor()
	}
	hooks.OnReady = func(addr string) {
		if tally != nil {
			tally.reset()
		}
		fmt.Fprintf(os.Stdout, "%s %s %d\n", readyMarker, addr, time.Since(start).Nanoseconds())
		if path := os.Getenv(serveProfEnv); path != "" {
			f, err := os.Create(path)
			if err == nil && runpprof.StartCPUProfile(f) == nil {
				profile = f
			}
		}
	}
	err := server.RunWithHooks(ctx, nil, os.Getenv, os.Stdout, os.Stderr, hooks)
	if tally != nil {
		if f, ferr := os.Create(os.Getenv(serveCmdsEnv)); ferr == nil {
			tally.write(f)
			_ = f.Close()
		}
	}
	if profile != nil {
		runpprof.StopCPUProfile()
		_ = profile.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		return 1
	}
	return 0
}

// servePprof serves net/http/pprof on addr, a loopback address, for the life of the child:
// where the server's time goes off the CPU (locks, SQLite's busy waits) shows in its goroutine
// dumps, not in a CPU profile.
func servePprof(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s is not a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	go func() { _ = http.Serve(ln, mux) }()
	return nil
}

// serverOptions are the bench's settings for a server child.
type serverOptions struct {
	cpuProfile string   // file for a CPU profile from ready to shutdown
	pprofAddr  string   // loopback address to serve net/http/pprof on
	commands   string   // file for the tally of database commands from ready to shutdown
	env        []string // KEY=value added to the server's settings
}

// child is a running server process.
type child struct {
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	addr     string
	started  time.Time     // when the process was started
	inProc   time.Duration // RunWithHooks call to OnReady, as the child measured it
	startup  time.Duration // process start to the first /readyz 200, as the parent measured it
	stderr   *tailBuffer
	waitErr  chan error
	stopOnce sync.Once
	memory   *memSampler // from ready to stop
}

// startServer starts the child on dataDir and waits until /readyz answers 200.
func startServer(ctx context.Context, dataDir string, o serverOptions) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe)
	env := []string{}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		// The embedded stack only, configured here and nowhere else.
		if strings.HasPrefix(k, "KAIKU_") || k == "MONGODB_URI" || strings.HasPrefix(k, "MEILI_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		serveEnv+"=1",
		"KAIKU_ADDR=127.0.0.1:0",
		"KAIKU_DATA_DIR="+dataDir,
		"KAIKU_ADMIN_EMAIL="+adminEmail,
		"KAIKU_ADMIN_PASSWORD="+adminPassword,
		"KAIKU_LOG_LEVEL=warn",
	)
	env = append(env, o.env...)
	if o.cpuProfile != "" {
		env = append(env, serveProfEnv+"="+o.cpuProfile)
	}
	if o.pprofAddr != "" {
		env = append(env, servePprofEnv+"="+o.pprofAddr)
	}
	if o.commands != "" {
		env = append(env, serveCmdsEnv+"="+o.commands)
	}
	cmd.Env = env
	c := &child{cmd: cmd, stderr: &tailBuffer{max: 64 << 10}, waitErr: make(chan error, 1)}
	cmd.Stderr = c.stderr
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	ready := make(chan string, 1)
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c.started = t0
	c.memory = startMemSampler(cmd.Process.Pid)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, readyMarker+" ") {
				ready <- line
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { c.waitErr <- cmd.Wait() }()

	select {
	case line := <-ready:
		f := strings.Fields(line)
		if len(f) != 3 {
			c.stop()
			return nil, fmt.Errorf("server child said %q", line)
		}
		c.addr = f[1]
		ns, _ := strconv.ParseInt(f[2], 10, 64)
		c.inProc = time.Duration(ns)
	case err := <-c.waitErr:
		c.waitErr <- err
		return nil, fmt.Errorf("server exited before it was ready (%v):\n%s", err, c.stderr.String())
	case <-time.After(2 * time.Minute):
		c.stop()
		return nil, fmt.Errorf("server not ready after 2 minutes:\n%s", c.stderr.String())
	}
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		resp, err := client.Get("http://" + c.addr + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(t0) > 2*time.Minute {
			c.stop()
			return nil, fmt.Errorf("/readyz did not answer 200 within 2 minutes (last: %v)", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.startup = time.Since(t0)
	return c, nil
}

// rss returns the child's resident set and its peak, from /proc (Linux only).
func (c *child) rss() (cur, peak int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	return procKB(b, "VmRSS:"), procKB(b, "VmHWM:"), nil
}

func procKB(status []byte, key string) int64 {
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n * 1024
			}
		}
	}
	return 0
}

// stop shuts the child down gracefully (closing its stdin), killing it if it takes too long.
func (c *child) stop() error {
	var err error
	c.stopOnce.Do(func() {
		c.memory.finish()
		_ = c.stdin.Close()
		select {
		case err = <-c.waitErr:
		case <-time.After(30 * time.Second):
			_ = c.cmd.Process.Kill()
			err = errors.Join(errors.New("server did not stop within 30s; killed"), <-c.waitErr)
		}
	})
	return err
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
