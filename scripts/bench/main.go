// Command bench measures Kaiku's embedded stack (FerretDB on SQLite + Bleve) with N stored
// cases and prints each figure beside its floor, measured in the same run on the same files:
//
//	go run ./scripts/bench -n 10000
//
// See README.md in this directory for what each figure means.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/search"
)

// Targets from issue 2.
const (
	targetGetP95  = 10 * time.Millisecond
	targetListP95 = 50 * time.Millisecond
	targetStartup = 5 * time.Second
	targetRSS     = 400 << 20
)

type config struct {
	N                int
	Dir              string // "" means a temporary directory, removed afterwards
	Data             string // directory with the CSV files; "" looks in the usual places, "-" means none
	Requests         int
	Warmup           int
	Seed             uint64
	CPUProfile       string // of the bench process (seeding and floors)
	ServerCPUProfile string // of the server child, from ready to shutdown
	Progress         io.Writer
}

func main() {
	if os.Getenv(serveEnv) == "1" {
		os.Exit(serveMain())
	}
	cfg := config{Progress: os.Stderr}
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	fs.IntVar(&cfg.N, "n", 10000, "number of cases stored")
	fs.StringVar(&cfg.Dir, "dir", "", "data directory to seed and keep (reused when it already holds the same n cases); default a temporary one")
	fs.StringVar(&cfg.Data, "data", "", "directory with cfpb_complaints_sample.csv and booking_hotel_reviews_sample.csv; default ../shared/data or /work/shared/data; - for generated text")
	fs.IntVar(&cfg.Requests, "requests", 500, "measured requests per figure (sequential)")
	fs.IntVar(&cfg.Warmup, "warmup", 50, "unmeasured warm-up requests per figure")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the data generator and the samplers")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the bench process (seeding, floors) to this file")
	fs.StringVar(&cfg.ServerCPUProfile, "server-cpuprofile", "", "write a CPU profile of the server process (from ready to shutdown) to this file")
	_ = fs.Parse(os.Args[1:])
	if cfg.N < 1 || cfg.Requests < 1 || cfg.Warmup < 0 {
		fmt.Fprintln(os.Stderr, "bench: -n and -requests must be at least 1, -warmup at least 0")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	rep.print(os.Stdout)
}

// report is everything one run measured.
type report struct {
	n        int
	source   string
	dir      string
	seed     seedResult
	requests int
	warmup   int

	get, getFloor stats
	lists         []listRow

	startup, inProc time.Duration
	rss, rssPeak    int64
	notes           []string

	loadStart, loadEnd string // /proc/loadavg: other work on the machine skews every figure
}

type listRow struct {
	name        string
	hits        float64 // mean number of matching cases (the list's total)
	http, floor stats
}

func run(ctx context.Context, cfg config) (rep *report, err error) {
	progress := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "bench: "+format+"\n", args...)
		}
	}
	if cfg.CPUProfile != "" {
		f, err := os.Create(cfg.CPUProfile)
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer func() { pprof.StopCPUProfile(); _ = f.Close() }()
	}
	dir := cfg.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "kaiku-bench-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	dataDir := cfg.Data
	switch dataDir {
	case "":
		dataDir = findDataDir(defaultDataDirs())
	case "-":
		dataDir = ""
	}
	src, err := loadSources(dataDir)
	if err != nil {
		return nil, err
	}
	rep = &report{n: cfg.N, source: src.name, dir: dir, requests: cfg.Requests, warmup: cfg.Warmup, loadStart: loadAvg()}
	defer func() { rep.loadEnd = loadAvg() }()
	samples := cfg.Warmup + cfg.Requests

	// 1. Seed (or reuse) and measure the database floor with the bench's own embedded FerretDB,
	// closed again before the server opens the same files.
	// FerretDB warns about every disconnect (the driver's endSessions is not implemented).
	logger := slog.New(&lazyHandler{h: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})})
	db, err := openFloorDB(ctx, dir, logger)
	if err != nil {
		return nil, err
	}
	d, seed, err := seedOrReuse(ctx, cfg, dir, src, db, progress)
	if err != nil {
		db.close()
		return nil, err
	}
	ids := sampleIDs(d, samples, cfg.Seed)
	progress("floor: raw FindOne({_id}) x %d", cfg.Requests)
	coll := db.st.Database().Collection(collCases)
	rep.getFloor, err = measure(cfg.Warmup, cfg.Requests, func(i int) error {
		raw, err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: ids[i]}}).Raw()
		if err == nil && len(raw) == 0 {
			err = errors.New("empty document")
		}
		return err
	})
	db.close()
	if err != nil {
		return nil, fmt.Errorf("FindOne floor: %w", err)
	}

	// 2. Let Bleve finish its merges, then measure the search floor with the same queries the
	// server will run, through the same backend code (search.OpenBleve + Search).
	progress("waiting for Bleve's background merges")
	t := time.Now()
	if seed.segments, err = settleIndex(ctx, dir, settleLimit); err != nil {
		return nil, fmt.Errorf("settle index: %w", err)
	}
	seed.settleDur = time.Since(t)
	rep.seed = seed
	specs := listSpecs(d, samples, cfg.Seed)
	idx, err := search.OpenBleve(filepath.Join(dir, indexSubdir))
	if err != nil {
		return nil, err
	}
	floorTotals := map[string]int{}
	for _, sp := range specs {
		progress("floor: %s (search.Search on Bleve) x %d", sp.name, cfg.Requests)
		hits := 0
		st, err := measure(cfg.Warmup, cfg.Requests, func(i int) error {
			res, err := idx.Search(ctx, sp.queries[i].q)
			if i == 0 {
				floorTotals[sp.name] = res.Total
			}
			if i >= cfg.Warmup {
				hits += res.Total
			}
			return err
		})
		if err != nil {
			_ = idx.Close()
			return nil, fmt.Errorf("%s floor: %w", sp.name, err)
		}
		rep.lists = append(rep.lists, listRow{name: sp.name, floor: st, hits: float64(hits) / float64(cfg.Requests)})
	}
	if err := idx.Close(); err != nil {
		return nil, err
	}

	// 3. The server: start-up with the cases stored, then the same requests over HTTP.
	progress("starting the server on %s", dir)
	srv, err := startServer(ctx, dir, cfg.ServerCPUProfile)
	if err != nil {
		return nil, err
	}
	defer func() {
		if serr := srv.stop(); serr != nil && err == nil {
			err = fmt.Errorf("stop server: %w\n%s", serr, srv.stderr.String())
		}
		if note := serverLogNote(srv.stderr.String()); note != "" {
			rep.notes = append(rep.notes, note)
		}
	}()
	rep.startup, rep.inProc = srv.startup, srv.inProc
	base := "http://" + srv.addr
	client, err := login(ctx, base)
	if err != nil {
		return rep, err
	}
	progress("HTTP: GET /api/v1/cases/{id} x %d", cfg.Requests)
	rep.get, err = measure(cfg.Warmup, cfg.Requests, func(i int) error {
		_, err := httpGet(ctx, client, base+"/api/v1/cases/"+ids[i], false)
		return err
	})
	if err != nil {
		return rep, fmt.Errorf("HTTP get: %w", err)
	}
	for k, sp := range specs {
		progress("HTTP: %s x %d", sp.name, cfg.Requests)
		st, err := measure(cfg.Warmup, cfg.Requests, func(i int) error {
			body, err := httpGet(ctx, client, base+"/api/v1/cases?"+sp.queries[i].params.Encode(), i == 0)
			if err == nil && i == 0 {
				err = checkList(body, floorTotals[sp.name])
			}
			return err
		})
		if err != nil {
			return rep, fmt.Errorf("HTTP %s: %w", sp.name, err)
		}
		rep.lists[k].http = st
	}
	if rep.rss, rep.rssPeak, err = srv.rss(); err != nil {
		rep.notes = append(rep.notes, "RSS not measured: "+err.Error())
		err = nil
	}
	return rep, nil
}

// login opens a staff session; the cookie jar carries kaiku_session from then on.
func login(ctx context.Context, base string) (*http.Client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}
	body, _ := json.Marshal(map[string]string{"email": adminEmail, "password": adminPassword})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("login: %s: %s", resp.Status, b)
	}
	return client, nil
}

// httpGet fetches url and reads the whole body; keep says whether to return it.
func httpGet(ctx context.Context, client *http.Client, url string, keep bool) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || keep {
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s: %.300s", url, resp.Status, b)
		}
		return b, nil
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return nil, err
}

// checkList makes sure the HTTP list answered what the floor query found.
func checkList(body []byte, floorTotal int) error {
	var out struct {
		Data []json.RawMessage `json:"data"`
		Meta struct {
			Total int `json:"total"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return fmt.Errorf("list body: %w", err)
	}
	if out.Meta.Total != floorTotal || len(out.Data) != min(50, floorTotal) {
		return fmt.Errorf("list answered %d rows of %d, the floor query found %d", len(out.Data), out.Meta.Total, floorTotal)
	}
	return nil
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "kaiku bench  n=%d  cpus=%d  %s/%s  %s\n", r.n, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintf(w, "data: %s   load average at start %s, at end %s\n", r.source, r.loadStart, r.loadEnd)
	s := r.seed
	if s.reused {
		fmt.Fprintf(w, "seed: reused the cases already in %s (seeding rates not measured)\n", r.dir)
	} else {
		fmt.Fprintf(w, "seed: raw InsertMany %.0f docs/s (%s)   bleve index %.0f docs/s (%s)   _id index fix %s\n",
			rate(r.n, s.insertDur), secs(s.insertDur), rate(r.n, s.indexDur), secs(s.indexDur), secs(s.fixIDDur))
	}
	fmt.Fprintf(w, "bleve merges settled in %s (%d segments)\n", secs(s.settleDur), s.segments)
	fmt.Fprintf(w, "%d sequential requests per figure after %d warm-up; floors measured before the server started, on the same files\n", r.requests, r.warmup)
	fmt.Fprintf(w, "%-30s HTTP %s | floor %-22s %s\n", "get case by id", r.get, "raw FindOne({_id})", r.getFloor)
	for _, l := range r.lists {
		fmt.Fprintf(w, "%-30s HTTP %s | floor %-22s %s  (%.0f hits)\n", l.name, l.http, "bleve search.Search", l.floor, l.hits)
	}
	fmt.Fprintf(w, "start-up to /readyz: %s (process start -> 200; RunWithHooks -> OnReady %s)    RSS: %d MB (peak %d MB)\n",
		secs(r.startup), secs(r.inProc), r.rss>>20, r.rssPeak>>20)
	listP95 := time.Duration(0)
	for _, l := range r.lists {
		listP95 = max(listP95, l.http.p95)
	}
	fmt.Fprintf(w, "targets (issue 2): get p95 <= 10ms %s  list p95 <= 50ms %s  start-up <= 5s %s  RSS <= 400MB %s\n",
		verdict(r.get.p95 <= targetGetP95), verdict(listP95 <= targetListP95),
		verdict(r.startup <= targetStartup), verdict(r.rss > 0 && r.rss <= targetRSS))
	for _, n := range r.notes {
		fmt.Fprintln(w, n)
	}
}

// loadAvg returns the 1, 5 and 15 minute load averages, or "n/a" off Linux.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

// serverLogNote summarises the server's warnings, leaving out FerretDB's dumps of its answer to
// the driver's endSessions (not implemented by FerretDB v1; harmless, logged on disconnect).
func serverLogNote(log string) string {
	var keep []string
	endSessions := 0
	for _, rec := range strings.Split(strings.TrimSpace(log), "\ntime=") {
		switch {
		case rec == "":
		case strings.Contains(rec, "component=ferretdb") &&
			(strings.Contains(rec, "endSessions") || strings.Contains(rec, "msg=\"Response header:")):
			endSessions++
		default:
			keep = append(keep, strings.TrimPrefix(rec, "time="))
		}
	}
	if len(keep) == 0 {
		return ""
	}
	return fmt.Sprintf("server log (warn and above, %d FerretDB endSessions records left out):\n%s",
		endSessions, indent(lastLines(strings.Join(keep, "\n"), 10)))
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
