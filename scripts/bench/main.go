// Command bench measures Kaiku's embedded stack (FerretDB on SQLite + Bleve) with N stored
// cases and prints each figure beside its floor, measured in the same run on the same files:
//
//	go run ./scripts/bench -n 10000
//
// See README.md in this directory for what each figure means.
//
// It is one program, larger than the other scripts: each file is one family of figures
// (intake, views, mail, rules, reviews, reports …) with its own floor, and all share the data
// set (data.go, seed.go), the server it starts (serve.go) and how a figure is sampled and
// printed (measure.go).
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

// The parts of the bench (-only).
const (
	partPlatform = "platform" // issue 2: get by id, inbox lists, start-up, RSS
	partIntake   = "intake"   // issue 3: complaint intake, search, live updates
	partBulk     = "bulk"     // issue 11: a bulk change beside single PATCHes
	partSearch   = "search"   // issue 15: ranked search with four words, similar cases
	partRemedies = "remedies" // issue 13: a grant within the limit and an approval decision
	partReviews  = "reviews"  // issue 14: review import and webhook ingest (alone, not in all)
	partTopics   = "topics"   // issue 15: the topics view (the index alone; not part of all)
	partMail     = "mail"     // issue 17: mail ingest from IMAP, and a kill -9 mid-fetch (mail.go)
	// Issue 13: one sweep asking many follow-up checks (followups.go; alone, not in all).
	partFollowUps = "followups"
	partAll       = "all"
)

type config struct {
	N                int
	Dir              string // "" means a temporary directory, removed afterwards
	Data             string // directory with the CSV files; "" looks in the usual places, "-" means none
	Only             string // partPlatform, partIntake or partAll
	Requests         int
	Warmup           int
	IntakeDuration   time.Duration // of the HTTP intake load; its floors run as long, at most floorLoadLimit
	Changes          int           // live updates measured
	Bulk             int           // cases per bulk change (issue 11)
	IntakeRules      int           // escalation rules of the second intake (issue 4); 0: no second intake
	ApprovalRules    int           // approval_requested rules added to the second intake (issue 13)
	Seed             uint64
	CPUProfile       string        // of the bench process (seeding and floors)
	ServerCPUProfile string        // of the server child, from ready to shutdown
	ServerPprof      string        // loopback address where the server child serves net/http/pprof
	ServerCommands   string        // file for the server child's tally of database commands
	ViewDuration     time.Duration // of each 16-client view load and its floor (issue 11); 0 skips them
	Progress         io.Writer
	// Reports (issue 16): the -only reports part's index.
	ReportCases, ReportReviews int
	Mails                      int  // issue 17: mails queued for -only mail
	FollowUps                  int  // issue 13: follow-up checks due for -only followups
	MailCrash                  bool // issue 17: also the kill -9 run
}

func (c config) platform() bool { return c.Only == partPlatform || c.Only == partAll }
func (c config) issue3() bool   { return c.Only == partIntake || c.Only == partAll }
func (c config) bulk() bool     { return c.Only == partBulk || c.Only == partAll }
func (c config) ranked() bool   { return c.Only == partSearch || c.Only == partAll }
func (c config) remedies() bool { return c.Only == partRemedies || c.Only == partAll }

func main() {
	if os.Getenv(serveEnv) == "1" {
		os.Exit(serveMain())
	}
	cfg := config{Progress: os.Stderr}
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	fs.IntVar(&cfg.N, "n", 10000, "number of cases stored")
	fs.StringVar(&cfg.Dir, "dir", "", "data directory to seed and keep (reused when it already holds the same n cases); default a temporary one")
	fs.StringVar(&cfg.Data, "data", "", "directory with cfpb_complaints_sample.csv and booking_hotel_reviews_sample.csv; default ../shared/data or /work/shared/data; - for generated text")
	fs.StringVar(&cfg.Only, "only", partAll, "which part to run: platform (issue 2), intake (issue 3: intake, search, live updates), bulk (issue 11: a bulk change beside single PATCHes), search (issue 15: ranked search with four words, similar cases), remedies (issue 13: a grant and an approval decision), reviews (issue 14: review import and webhook ingest; not in all), topics (issue 15: the topics view over the index alone), reports (issue 16: the reports' data over an index of its own), mail (issue 17: IMAP ingest and a kill -9 mid-fetch), followups (issue 13: one sweep asking 10,000 follow-up checks; not in all) or all")
	fs.IntVar(&cfg.Requests, "requests", 500, "measured requests per sequential figure")
	fs.IntVar(&cfg.Warmup, "warmup", 50, "unmeasured warm-up requests per sequential figure")
	fs.DurationVar(&cfg.IntakeDuration, "intake-duration", 30*time.Second, "how long the HTTP complaint intake runs (its floors run as long, at most 10s)")
	fs.IntVar(&cfg.Changes, "changes", 100, "live updates measured (sequential case changes)")
	fs.IntVar(&cfg.Bulk, "bulk", 200, "cases per bulk change (and single PATCHes beside it)")
	fs.IntVar(&cfg.IntakeRules, "intake-rules", defaultIntakeRules, "escalation rules created for a second complaint intake of -intake-duration (issue 4); 0 skips it")
	fs.IntVar(&cfg.ApprovalRules, "intake-approval-rules", 0, "approval_requested rules (issue 13) added to the second intake's rules; with -intake-rules 0 the second intake runs with these alone")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the data generator and the samplers")
	fs.StringVar(&cfg.CPUProfile, "cpuprofile", "", "write a CPU profile of the bench process (seeding, floors) to this file")
	fs.StringVar(&cfg.ServerCPUProfile, "server-cpuprofile", "", "write a CPU profile of the server process (from ready to shutdown) to this file")
	fs.StringVar(&cfg.ServerPprof, "server-pprof", "", "serve net/http/pprof of the server process on this loopback address (e.g. 127.0.0.1:6061), for goroutine dumps during a run")
	fs.DurationVar(&cfg.ViewDuration, "view-duration", 5*time.Second, "how long 16 clients list each built-in view (and its floor runs); 0 skips the view figures")
	fs.StringVar(&cfg.ServerCommands, "server-commands", "", "write a tally of the server process's database commands (by name and collection, from ready to shutdown) to this file")
	fs.IntVar(&cfg.ReportCases, "report-cases", 100000, "cases indexed for -only reports (issue 16)")
	fs.IntVar(&cfg.ReportReviews, "report-reviews", 10000, "reviews indexed besides them for -only reports")
	fs.IntVar(&cfg.Mails, "mails", 5000, "mails queued in the IMAP mailbox for -only mail")
	fs.IntVar(&cfg.FollowUps, "followups", 10000, "follow-up checks due at once for -only followups")
	fs.BoolVar(&cfg.MailCrash, "mail-crash", true, "-only mail: also kill -9 the server a third of the way through a fetch, restart it and check every mail was filed exactly once")
	_ = fs.Parse(os.Args[1:])
	if cfg.N < 1 || cfg.Requests < 1 || cfg.Warmup < 0 || cfg.Changes < 1 || cfg.IntakeDuration <= 0 || cfg.IntakeRules < 0 ||
		cfg.ViewDuration < 0 || cfg.Bulk < 1 || cfg.Bulk > 500 {
		fmt.Fprintln(os.Stderr, "bench: -n, -requests and -changes must be at least 1, -warmup, -intake-rules and -view-duration at least 0, -intake-duration positive, -bulk from 1 to 500")
		os.Exit(2)
	}
	if cfg.Only != partPlatform && cfg.Only != partIntake && cfg.Only != partBulk && cfg.Only != partSearch && cfg.Only != partRemedies && cfg.Only != partReviews && cfg.Only != partTopics && cfg.Only != partReports && cfg.Only != partMail && cfg.Only != partFollowUps && cfg.Only != partAll {
		fmt.Fprintln(os.Stderr, "bench: -only must be platform, intake, bulk, search, remedies, reviews, topics, reports, mail, followups or all")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.Only == partMail {
		rep, err := benchMail(ctx, cfg)
		if rep != nil {
			rep.print(os.Stdout)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if cfg.Only == partFollowUps {
		rep, err := runFollowUps(ctx, cfg)
		if rep != nil {
			rep.print(os.Stdout)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if cfg.Only == partReviews {
		if err := runReviews(ctx, cfg); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if cfg.Only == partReports { // Reports (issue 16): an index of its own, no server
		rb, err := runReportsBench(ctx, cfg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		fmt.Printf("kaiku bench  cpus=%d  %s/%s  %s  -only reports   load average %s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), loadAvg())
		rb.print(os.Stdout)
		return
	}
	rep, err := run(ctx, cfg)
	if err == nil || (rep != nil && rep.startup > 0) {
		rep.print(os.Stdout) // after a failure, what was measured before it helps to find it
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// report is everything one run measured.
type report struct {
	cfg    config
	source string
	dir    string
	seed   seedResult

	work    string // the copy the measurements ran on, if not dir
	copied  int64
	copyDur time.Duration

	get, getFloor stats     // issue 2
	lists         []listRow // issue 2
	lookup        *listRow  // issue 11: lookup by reference
	i3            *issue3Report
	bulk          *bulkReport   // issue 11
	ranked        *rankedReport // issue 15
	remedies      *remedyReport // issue 13
	topics        *topicsReport // issue 15

	views     []viewRow // issue 11: 16 clients per built-in view
	viewCount viewRow   // issue 11: the view counts under the same load

	startup, inProc time.Duration
	rss, rssPeak    int64    // after the reading figures (before live updates and intake)
	memory          memPeaks // the server's memory over the whole run, from start to stop
	notes           []string

	loadStart, loadEnd string // /proc/loadavg: other work on the machine skews every figure
}

type listRow struct {
	name        string
	hits        float64 // mean number of matching cases (the list's total)
	http, floor stats
	floorTotal  int // the first query's total, to check the first HTTP answer against
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
	rep = &report{cfg: cfg, source: src.name, dir: dir, loadStart: loadAvg()}
	defer func() {
		if rep != nil {
			rep.loadEnd = loadAvg()
		}
	}()
	if cfg.Only == partTopics {
		rep.topics, err = runTopics(ctx, cfg, src, dir, progress)
		return rep, err
	}
	samples := cfg.Warmup + cfg.Requests
	var i3 *issue3Report
	if cfg.issue3() {
		i3 = &issue3Report{base: cfg.N}
		rep.i3 = i3
	}
	texts := src.texts()

	// 1. Seed (or reuse) with the bench's own embedded FerretDB.
	// FerretDB warns about every disconnect (the driver's endSessions is not implemented).
	logger := slog.New(&lazyHandler{h: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})})
	db, err := openFloorDB(ctx, dir, logger)
	if err != nil {
		return nil, err
	}
	d, seed, err := seedOrReuse(ctx, cfg, dir, src, db, progress)
	if err == nil {
		// Let Bleve finish its merges (before any copy, so the copy is settled too), so that
		// neither the floors nor the server measure an index still being compacted.
		progress("waiting for Bleve's background merges")
		t := time.Now()
		seed.segments, err = settleIndex(ctx, dir, settleLimit)
		seed.settleDur = time.Since(t)
		rep.seed = seed
	}
	if err != nil {
		db.close()
		return nil, err
	}

	// 2. The intake part writes (complaints, case changes). A kept data set stays as seeded: the
	// run then works on a copy, removed afterwards. A temporary one is used as it is.
	work := dir
	if (cfg.issue3() || cfg.bulk() || cfg.remedies()) && cfg.Dir != "" {
		db.close()
		work = filepath.Join(dir, workSubdir)
		rep.work = work
		progress("copying the data set to %s", work)
		t := time.Now()
		rep.copied, err = copyDataSet(dir, work)
		rep.copyDur = time.Since(t)
		defer os.RemoveAll(work)
		if err != nil {
			return rep, err
		}
		if db, err = openFloorDB(ctx, work, logger); err != nil {
			return rep, err
		}
	}

	// 3. Database floors, closed again before the server opens the same files.
	var ids []string
	if cfg.platform() {
		ids = sampleIDs(d, samples, cfg.Seed)
		progress("floor: raw FindOne({_id}) x %d", cfg.Requests)
		coll := db.st.Database().Collection(collCases)
		rep.getFloor, err = measure(cfg.Warmup, cfg.Requests, func(i int) error {
			raw, err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: ids[i]}}).Raw()
			if err == nil && len(raw) == 0 {
				err = errors.New("empty document")
			}
			return err
		})
		if err != nil {
			err = fmt.Errorf("FindOne floor: %w", err)
		}
	}
	var bulkCases []string
	if err == nil && cfg.bulk() {
		rep.bulk = &bulkReport{}
		bulkCases = bulkIDs(d, cfg.Bulk, cfg.Seed)
		if len(bulkCases) < cfg.Bulk*(bulkRounds+1) {
			err = fmt.Errorf("the bulk part needs %d cases, -n is %d", cfg.Bulk*(bulkRounds+1), cfg.N)
		} else {
			progress("floor: raw FindOne+ReplaceOne x %d", cfg.Bulk)
			rep.bulk.floorN = cfg.Bulk
			rep.bulk.floor, err = bulkFloor(ctx, db, bulkCases[cfg.Bulk:2*cfg.Bulk])
		}
	}
	var remedyCases []string
	if err == nil && cfg.remedies() {
		rep.remedies = &remedyReport{}
		remedyCases = remedyIDs(d, cfg.Requests+cfg.Warmup, cfg.Seed)
		progress("floor: raw FindOne+ReplaceOne of one case x %d", cfg.Requests)
		rep.remedies.floor, err = remedyFloor(ctx, db, remedyCases, cfg.Warmup, cfg.Requests)
	}
	if err == nil && cfg.issue3() {
		progress("floor: raw InsertOne x %d concurrent for %s", intakeConcurrency, floorDuration(cfg))
		i3.insertFloor, err = insertFloor(ctx, db, texts, floorDuration(cfg))
	}
	db.close()
	if err != nil {
		return rep, err
	}

	// 4. Search floors through the same backend code as the server (search.OpenBleve + Search),
	// with exactly the queries the server builds.
	var specs []listSpec
	if cfg.platform() {
		specs = append(listSpecs(d, samples, cfg.Seed), lookupSpec(d, samples, cfg.Seed))
	}
	i3Row := -1
	if cfg.issue3() {
		i3Row = len(specs)
		specs = append(specs, searchSpec(newVocabulary(texts), samples, cfg.Seed))
	}
	var similarIDs []string
	if cfg.ranked() {
		specs = append(specs, rankedSpec(newVocabulary(texts), samples, cfg.Seed))
		similarIDs = sampleIDs(d, samples, cfg.Seed+15)
		rep.ranked = &rankedReport{}
	}
	rows, err := searchFloors(ctx, filepath.Join(work, indexSubdir), specs, cfg, progress)
	if err != nil {
		return rep, err
	}
	if cfg.ranked() {
		if err := rankedFloors(ctx, work, specs[len(specs)-1], similarIDs, cfg, rep.ranked, progress); err != nil {
			return rep, err
		}
	}
	if cfg.platform() {
		rep.lists = rows[:3] // shares the rows: the HTTP figures below land in both
		rep.lookup = &rows[3]
	}
	var views []viewSpec
	if cfg.platform() && cfg.ViewDuration > 0 {
		views = viewSpecs()
		if rep.views, rep.viewCount, err = viewFloors(ctx, filepath.Join(work, indexSubdir), views, viewCountQueries(), cfg.ViewDuration, progress); err != nil {
			return rep, err
		}
	}
	if cfg.issue3() {
		progress("floor: bleve single-document Upsert x %d concurrent for %s (scratch index)", intakeConcurrency, floorDuration(cfg))
		if i3.upsertFloor, err = upsertFloor(ctx, work, texts, floorDuration(cfg)); err != nil {
			return rep, err
		}
	}

	// 5. The server: start-up with the cases stored, then the same requests over HTTP.
	progress("starting the server on %s", work)
	opts := serverOptions{cpuProfile: cfg.ServerCPUProfile, pprofAddr: cfg.ServerPprof, commands: cfg.ServerCommands}
	if cfg.issue3() {
		opts.env = intakeEnv
	}
	srv, err := startServer(ctx, work, opts)
	if err != nil {
		return rep, err
	}
	defer func() {
		serr := srv.stop()
		rep.memory = srv.memory.peaks()
		if serr != nil && err == nil {
			err = fmt.Errorf("stop server: %w\n%s", serr, srv.stderr.String())
		}
		if note := serverLogNote(srv.stderr.String()); note != "" {
			rep.notes = append(rep.notes, note)
		}
	}()
	rep.startup, rep.inProc = srv.startup, srv.inProc
	base := "http://" + srv.addr
	admin, err := login(ctx, base, adminEmail, adminPassword)
	if err != nil {
		return rep, err
	}
	if cfg.platform() {
		progress("HTTP: GET /api/v1/cases/{id} x %d", cfg.Requests)
		rep.get, err = measure(cfg.Warmup, cfg.Requests, func(i int) error {
			_, err := httpGet(ctx, admin.client, base+"/api/v1/cases/"+ids[i], false)
			return err
		})
		if err != nil {
			return rep, fmt.Errorf("HTTP get: %w", err)
		}
	}
	for k, sp := range specs {
		progress("HTTP: %s x %d", sp.name, cfg.Requests)
		if rows[k].http, err = measureList(ctx, admin.client, base, sp, rows[k].floorTotal, cfg); err != nil {
			return rep, fmt.Errorf("HTTP %s: %w", sp.name, err)
		}
	}
	if cfg.issue3() {
		i3.search = rows[i3Row]
	}
	if cfg.ranked() {
		rep.ranked.search = rows[len(rows)-1]
		progress("HTTP: GET /api/v1/cases/{id}/similar x %d", cfg.Requests)
		if rep.ranked.similar, err = measureSimilar(ctx, admin, base, similarIDs, cfg); err != nil {
			return rep, fmt.Errorf("HTTP similar: %w", err)
		}
	}
	if len(views) > 0 {
		if err = viewLoads(ctx, admin, base, views, rep.views, &rep.viewCount, cfg.ViewDuration, progress); err != nil {
			return rep, err
		}
	}
	if rep.rss, rep.rssPeak, err = srv.rss(); err != nil {
		rep.notes = append(rep.notes, "RSS not measured: "+err.Error())
		err = nil
	}
	if cfg.bulk() {
		progress("HTTP: %d single PATCHes, then %d bulk changes of %d cases", cfg.Bulk, bulkRounds, cfg.Bulk)
		if err := measureBulk(ctx, srv, admin, bulkCases, cfg.Bulk, rep.bulk); err != nil {
			return rep, fmt.Errorf("bulk: %w", err)
		}
	}
	if cfg.remedies() {
		progress("HTTP: %d grants within the limit, then %d approval decisions", cfg.Requests, cfg.Requests)
		if err := measureRemedies(ctx, base, admin, remedyCases, cfg.Warmup, cfg.Requests, rep.remedies); err != nil {
			return rep, fmt.Errorf("remedies: %w", err)
		}
	}
	if cfg.issue3() {
		err = runIssue3(ctx, cfg, rep, srv, admin, d, texts, work, logger, progress)
	}
	return rep, err
}

// floorDuration is how long each concurrent floor of the intake runs.
func floorDuration(cfg config) time.Duration { return min(cfg.IntakeDuration, floorLoadLimit) }

// searchFloors measures each spec's queries with search.Search on the index in dir, after
// nothing else has touched it.
func searchFloors(ctx context.Context, dir string, specs []listSpec, cfg config, progress func(string, ...any)) ([]listRow, error) {
	idx, err := search.OpenBleve(dir)
	if err != nil {
		return nil, err
	}
	rows := make([]listRow, len(specs))
	for k, sp := range specs {
		progress("floor: %s (search.Search on Bleve) x %d", sp.name, cfg.Requests)
		hits := 0
		st, err := measure(cfg.Warmup, cfg.Requests, func(i int) error {
			res, err := idx.Search(ctx, sp.queries[i].q)
			if err == nil && sp.mustFind && res.Total == 0 {
				err = fmt.Errorf("%q found no case", sp.queries[i].q.Text)
			}
			if i == 0 {
				rows[k].floorTotal = res.Total
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
		rows[k].name, rows[k].floor, rows[k].hits = sp.name, st, float64(hits)/float64(cfg.Requests)
	}
	return rows, idx.Close()
}

// measureList sends a spec's queries over HTTP; the first answer must match the floor's total.
func measureList(ctx context.Context, client *http.Client, base string, sp listSpec, floorTotal int, cfg config) (stats, error) {
	return measure(cfg.Warmup, cfg.Requests, func(i int) error {
		body, err := httpGet(ctx, client, base+"/api/v1/cases?"+sp.queries[i].params.Encode(), i == 0)
		if err == nil && i == 0 {
			err = checkList(body, floorTotal)
		}
		return err
	})
}

// session is a logged-in staff member: the cookie jar carries kaiku_session, csrf goes with
// every write.
type session struct {
	client *http.Client
	csrf   string
}

func login(ctx context.Context, base, email, password string) (*session, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	s := &session{client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}}
	var out struct {
		Data struct {
			CSRFToken string `json:"csrf_token"`
		} `json:"data"`
	}
	if err := s.call(ctx, http.MethodPost, base+"/api/v1/auth/login", map[string]string{"email": email, "password": password}, http.StatusOK, &out); err != nil {
		return nil, fmt.Errorf("login %s: %w", email, err)
	}
	s.csrf = out.Data.CSRFToken
	return s, nil
}

// call sends body as JSON (nil: none), expects status want and decodes the answer into out
// (nil: discarded).
func (s *session) call(ctx context.Context, method, url string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.csrf != "" && method != http.MethodGet {
		req.Header.Set("X-CSRF-Token", s.csrf)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return &statusError{status: resp.StatusCode, body: string(b)}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
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
	fmt.Fprintf(w, "kaiku bench  n=%d  cpus=%d  %s/%s  %s  -only %s\n", r.cfg.N, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), r.cfg.Only)
	fmt.Fprintf(w, "data: %s   load average at start %s, at end %s\n", r.source, r.loadStart, r.loadEnd)
	if r.topics != nil {
		r.topics.print(w, r.cfg.N)
		return
	}
	s := r.seed
	if s.reused {
		fmt.Fprintf(w, "seed: reused the cases already in %s (seeding rates not measured)\n", r.dir)
		if s.reindexed {
			fmt.Fprintf(w, "seed: the index was empty (an earlier mapping version): bleve index %.0f docs/s (%s)\n", rate(r.cfg.N, s.indexDur), secs(s.indexDur))
		}
	} else {
		fmt.Fprintf(w, "seed: raw InsertMany %.0f docs/s (%s)   bleve index %.0f docs/s (%s)   _id index fix %s\n",
			rate(r.cfg.N, s.insertDur), secs(s.insertDur), rate(r.cfg.N, s.indexDur), secs(s.indexDur), secs(s.fixIDDur))
	}
	fmt.Fprintf(w, "bleve merges settled in %s (%d segments)\n", secs(s.settleDur), s.segments)
	if r.work != "" {
		fmt.Fprintf(w, "measured on a copy: %d MB copied to %s in %s (removed afterwards; the kept data set stays as seeded)\n",
			r.copied>>20, r.work, secs(r.copyDur))
	}
	fmt.Fprintf(w, "start-up to /readyz: %s (process start -> 200; RunWithHooks -> OnReady %s)    RSS: %d MB (peak %d MB) after the sequential figures\n",
		secs(r.startup), secs(r.inProc), r.rss>>20, r.rssPeak>>20)
	fmt.Fprintf(w, "sequential figures: %d requests each after %d warm-up; all floors measured before the server started, on the same files\n",
		r.cfg.Requests, r.cfg.Warmup)
	if r.cfg.platform() {
		fmt.Fprintf(w, "%-30s HTTP %s | floor %-22s %s\n", "get case by id", r.get, "raw FindOne({_id})", r.getFloor)
		for _, l := range r.lists {
			fmt.Fprintf(w, "%-30s HTTP %s | floor %-22s %s  (%.0f hits)\n", l.name, l.http, "bleve search.Search", l.floor, l.hits)
		}
		listP95 := time.Duration(0)
		for _, l := range r.lists {
			listP95 = max(listP95, l.http.p95)
		}
		fmt.Fprintf(w, "targets (issue 2): get p95 <= 10ms %s  list p95 <= 50ms %s  start-up <= 5s %s  RSS <= 400MB %s\n",
			verdict(r.get.p95 <= targetGetP95), verdict(listP95 <= targetListP95),
			verdict(r.startup <= targetStartup), verdict(r.rss > 0 && r.rss <= targetRSS))
	}
	if r.lookup != nil {
		printLookup(w, *r.lookup)
	}
	if len(r.views) > 0 {
		printViews(w, r.views, r.viewCount, r.cfg.ViewDuration)
	}
	r.bulk.print(w)
	r.ranked.print(w)
	r.remedies.print(w, r.cfg.N)
	if r.i3 != nil {
		r.i3.print(w)
	}
	if r.memory.hwm > 0 {
		fmt.Fprintf(w, "server memory over the whole run: %s\ntarget (issue 11): peak RSS <= 400MB %s\n",
			r.memory, verdict(r.memory.hwm <= targetRSS))
	}
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
