// Command topicseval checks the recurring topics on the CFPB complaint narratives (issue 15):
// it starts Kaiku on a fresh embedded database, files every narrative through the public
// complaint form (the CFPB labels stay in this program and never reach the server), learns the
// topics, and prints for each of the ten largest topics the share of its most common CFPB
// Issue (each must be at least 0.5) and how many of the five most frequent Issues lead one of
// them (at least four):
//
//	go run ./scripts/topicseval [-data ../shared/data]
package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/server"
	topicspkg "github.com/kaiku-helpdesk/kaiku/topics"
)

const (
	adminEmail    = "admin@topicseval.local"
	adminPassword = "topics eval password 1"
	minShare      = 0.5
	minCovered    = 4
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "topicseval:", err)
		os.Exit(1)
	}
}

type narrative struct{ text, issue string }

func run() error {
	data := flag.String("data", "", "directory with cfpb_complaints_sample.csv (default: ../shared/data or /work/shared/data)")
	offline := flag.Bool("offline", false, "learn and assign in this process (the same topics package, no server): seconds instead of minutes, for tuning")
	k := flag.Int("k", 0, "with -offline: the number of topics (0: the default)")
	sim := flag.Float64("sim", 0, "with -offline: the similarity a case needs to join a topic (0: the default)")
	margin := flag.Float64("margin", 0, "with -offline: how many times more like its topic than the next a case must be (0: the default)")
	all := flag.Bool("all", false, "with -offline: print every topic, not only the ten largest")
	shortWords := flag.Int("short-words", 0, "with -offline: median distinct content words under which a corpus is of short texts (0: the default, negative: none is)")
	shortSim := flag.Float64("short-sim", 0, "with -offline: the similarity a text of a short-text corpus needs to join a topic (0: the default)")
	corpus := flag.String("corpus", "all", "with -offline: complaints, reviews, mixed (both learned together) or all three")
	seed := flag.Uint64("seed", 0, "with -offline: the k-means seed (the server learns with 0): another seed shows the figures are no accident of one start")
	flag.Parse()
	path, err := findCSV(*data)
	if err != nil {
		return err
	}
	items, err := readNarratives(path)
	if err != nil {
		return err
	}
	if *offline {
		return offlineReport(path, items, *corpus, topicspkg.LearnOptions{Topics: *k, MinSimilarity: *sim, Seed: *seed, MinMargin: *margin,
			ShortWords: *shortWords, ShortSimilarity: *shortSim}, *all)
	}
	dir, err := os.MkdirTemp("", "topicseval-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, done, err := startServer(ctx, dir)
	if err != nil {
		return err
	}
	defer func() { cancel(); <-done }()

	c, err := newClient(base)
	if err != nil {
		return err
	}
	category, err := c.firstCategory()
	if err != nil {
		return err
	}
	issueOf := map[string]string{} // case reference -> CFPB Issue (kept here, never sent)
	t0 := time.Now()
	for i, it := range items {
		ref, err := c.file(i, category, it.text)
		if err != nil {
			return fmt.Errorf("file narrative %d: %w", i, err)
		}
		issueOf[ref] = it.issue
	}
	fmt.Printf("filed %d narratives through the public form in %s\n", len(items), time.Since(t0).Round(time.Millisecond))
	if err := c.login(); err != nil {
		return err
	}
	t0 = time.Now()
	var learned struct{ Topics int }
	if err := c.do(http.MethodPost, "/api/v1/topics/relearn", nil, &learned); err != nil {
		return err
	}
	fmt.Printf("learned %d topics in %s\n", learned.Topics, time.Since(t0).Round(time.Millisecond))
	var topics []struct {
		ID, Name string
	}
	if err := c.do(http.MethodGet, "/api/v1/topics", nil, &topics); err != nil {
		return err
	}
	var found []topicCases
	for _, tp := range topics {
		refs, err := c.topicCases(tp.ID)
		if err != nil {
			return err
		}
		tc := topicCases{id: tp.ID, name: tp.Name}
		for _, r := range refs {
			tc.issues = append(tc.issues, issueOf[r])
		}
		found = append(found, tc)
	}
	if !report(items, found, false) {
		return errors.New("acceptance not met")
	}
	return nil
}

// topicCases is one topic and the CFPB Issue of each of its cases.
type topicCases struct {
	id, name string
	issues   []string
}

// offlineReport learns and assigns the topics in this process from the texts alone, three
// times: over the complaints (the CFPB figures), over the Booking.com reviews as Kaiku imports
// them, and over both together (what a Kaiku with complaints and reviews learns from). It
// prints each corpus's figures and fails when any falls short.
func offlineReport(path string, items []narrative, corpus string, o topicspkg.LearnOptions, showAll bool) error {
	texts := make([]topicspkg.Doc, len(items))
	for i, it := range items {
		texts[i] = topicspkg.Doc{Kind: topicspkg.KindComplaint, Text: it.text}
	}
	ok := true
	var summary []string
	if corpus == "all" || corpus == "complaints" {
		fmt.Printf("== complaints alone: %d CFPB narratives\n", len(items))
		m, assigned := learnAssign(texts, o)
		pass := report(items, byTopic(m, items, assigned), showAll)
		ok = ok && pass
		summary = append(summary, "CFPB alone "+passText(pass))
	}
	if corpus == "complaints" {
		return result(ok, summary)
	}
	bookingPath, err := findBooking(path)
	if err != nil {
		return err
	}
	rs, err := readReviews(bookingPath)
	if err != nil {
		return err
	}
	reviewTexts := make([]topicspkg.Doc, len(rs))
	for i, r := range rs {
		reviewTexts[i] = r.doc
	}
	if corpus == "all" || corpus == "reviews" {
		fmt.Printf("\n== reviews alone: %d Booking.com reviews as imported\n", len(rs))
		m, assigned := learnAssign(reviewTexts, o)
		f := reportReviews("reviews alone", m, rs, assigned, nil)
		ok = ok && f.share() >= minReviewShare
		summary = append(summary, fmt.Sprintf("negative reviews in a topic (reviews alone) %.0f%%", 100*f.share()))
	}
	if corpus == "all" || corpus == "mixed" {
		fmt.Printf("\n== complaints and reviews together: %d cases\n", len(items)+len(rs))
		m, assigned := learnAssign(append(append([]topicspkg.Doc{}, texts...), reviewTexts...), o)
		pass := report(items, byTopic(m, items, assigned[:len(items)]), showAll)
		f := reportReviews("reviews among complaints", m, rs, assigned[len(items):], assigned[:len(items)])
		ok = ok && pass && f.share() >= minReviewShare
		summary = append(summary, "CFPB with reviews "+passText(pass), fmt.Sprintf("negative reviews in a topic (with complaints) %.0f%%", 100*f.share()))
	}
	return result(ok, summary)
}

func result(ok bool, summary []string) error {
	fmt.Printf("\nsummary: %s\n", strings.Join(summary, "; "))
	if !ok {
		return errors.New("acceptance not met")
	}
	return nil
}

func passText(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// byTopic groups the complaints' CFPB Issues by the topic each was given.
func byTopic(m *topicspkg.Model, items []narrative, assigned []string) []topicCases {
	byID := map[string]*topicCases{}
	var out []*topicCases
	for _, t := range m.Topics {
		if t.Kind != "" && t.Kind != topicspkg.KindComplaint {
			continue // the reviews' topics hold no complaint
		}
		tc := &topicCases{id: t.ID, name: t.Name}
		byID[t.ID] = tc
		out = append(out, tc)
	}
	for i, id := range assigned {
		if id != "" {
			byID[id].issues = append(byID[id].issues, items[i].issue)
		}
	}
	res := make([]topicCases, len(out))
	for i, tc := range out {
		res[i] = *tc
	}
	return res
}

// report prints the acceptance figures and whether they are met; showAll prints every topic
// first, how pure it is, and how many cases are in one.
func report(items []narrative, found []topicCases, showAll bool) bool {
	type scored struct {
		id, name   string
		cases      int
		top        string
		topCases   int
		issueCases map[string]int
	}
	var all []scored
	for _, tc := range found {
		s := scored{id: tc.id, name: tc.name, cases: len(tc.issues), issueCases: map[string]int{}}
		for _, is := range tc.issues {
			s.issueCases[is]++
		}
		for issue, n := range s.issueCases {
			if n > s.topCases || (n == s.topCases && issue < s.top) {
				s.top, s.topCases = issue, n
			}
		}
		all = append(all, s)
	}
	sort.Slice(all, func(i, j int) bool {
		return all[i].cases > all[j].cases || (all[i].cases == all[j].cases && all[i].id < all[j].id)
	})
	largest := all[:min(10, len(all))]
	if showAll {
		assigned := 0
		for i, s := range all {
			assigned += s.cases
			fmt.Printf("%2d. %-32s %4d cases  %.2f %.50s\n", i+1, s.name, s.cases, float64(s.topCases)/float64(max(1, s.cases)), s.top)
		}
		fmt.Printf("%d of %d cases in a topic\n", assigned, len(items))
	}

	freq := map[string]int{}
	for _, it := range items {
		freq[it.issue]++
	}
	issues := make([]string, 0, len(freq))
	for k := range freq {
		issues = append(issues, k)
	}
	sort.Slice(issues, func(i, j int) bool {
		return freq[issues[i]] > freq[issues[j]] || (freq[issues[i]] == freq[issues[j]] && issues[i] < issues[j])
	})
	top5 := issues[:min(5, len(issues))]

	fmt.Printf("\nthe ten largest topics (%d cases filed, %d topics):\n", len(items), len(all))
	pure := 0
	led := map[string]bool{}
	for i, s := range largest {
		share := float64(s.topCases) / float64(max(1, s.cases))
		mark := "ok"
		if share < minShare {
			mark = "LOW"
		} else {
			pure++
		}
		led[s.top] = true
		fmt.Printf("%2d. %-32s %4d cases  %.2f %-4s %s\n", i+1, s.name, s.cases, share, mark, s.top)
	}
	covered := 0
	fmt.Println("\nthe five most frequent CFPB Issues:")
	for _, is := range top5 {
		m := "not leading a top-10 topic"
		if led[is] {
			covered++
			m = "leads a top-10 topic"
		}
		fmt.Printf("  %4d  %-70s %s\n", freq[is], is, m)
	}
	fmt.Printf("\ntopics with a majority Issue (share >= %.1f): %d of %d (want all)\n", minShare, pure, len(largest))
	fmt.Printf("frequent Issues covered: %d of %d (want >= %d)\n", covered, len(top5), minCovered)
	ok := pure == len(largest) && covered >= minCovered
	fmt.Println(passText(ok))
	return ok
}

func findCSV(dir string) (string, error) {
	candidates := []string{dir}
	if dir == "" {
		candidates = []string{"../shared/data", "../../shared/data", "/work/shared/data"}
	}
	for _, d := range candidates {
		p := filepath.Join(d, "cfpb_complaints_sample.csv")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("cfpb_complaints_sample.csv not found in %v (use -data)", candidates)
}

func readNarratives(path string) ([]narrative, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(rows) < 2 {
		return nil, errors.New("empty CSV")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	ti, ii := col["Consumer complaint narrative"], col["Issue"]
	var out []narrative
	for _, r := range rows[1:] {
		if t := strings.TrimSpace(r[ti]); len(t) >= 10 {
			// The form takes 20,000 characters; the few longer narratives are cut, as their
			// writers would have had to.
			if rs := []rune(t); len(rs) > 20000 {
				t = string(rs[:20000])
			}
			out = append(out, narrative{text: t, issue: r[ii]})
		}
	}
	return out, nil
}

// startServer runs Kaiku in this process on dir and returns its address once it is ready.
func startServer(ctx context.Context, dir string) (string, <-chan struct{}, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	env := map[string]string{
		"KAIKU_ADDR": addr, "KAIKU_DATA_DIR": dir, "KAIKU_ADMIN_EMAIL": adminEmail, "KAIKU_ADMIN_PASSWORD": adminPassword,
		"KAIKU_INTAKE_LIMIT_PER_IP": "1000000", "KAIKU_LOG_LEVEL": "warn",
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := server.Run(ctx, nil, func(k string) string { return env[k] }, io.Discard, os.Stderr); err != nil && ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, "server:", err)
		}
	}()
	base := "http://" + addr
	for start := time.Now(); time.Since(start) < time.Minute; time.Sleep(100 * time.Millisecond) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base, done, nil
			}
		}
	}
	return "", done, errors.New("the server did not get ready within a minute")
}

type client struct {
	base string
	http *http.Client
	csrf string
}

func newClient(base string) (*client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	return &client{base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Minute}}, nil
}

// do sends a JSON request and decodes the envelope's data into out.
func (c *client) do(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
	}
	if out == nil {
		return nil
	}
	var env struct{ Data json.RawMessage }
	if err := json.Unmarshal(raw, &env); err != nil {
		return err
	}
	return json.Unmarshal(env.Data, out)
}

func (c *client) firstCategory() (string, error) {
	var opts struct {
		Categories []struct{ ID string }
	}
	if err := c.do(http.MethodGet, "/api/v1/form-options", nil, &opts); err != nil {
		return "", err
	}
	if len(opts.Categories) == 0 {
		return "", errors.New("no complaint categories")
	}
	return opts.Categories[0].ID, nil
}

// file sends one narrative through the public form, as a customer would, and returns the
// case reference.
func (c *client) file(i int, category, text string) (string, error) {
	var receipt struct{ Reference string }
	err := c.do(http.MethodPost, "/api/v1/complaints", map[string]any{
		"name": fmt.Sprintf("Consumer %d", i), "email": fmt.Sprintf("consumer%04d@example.com", i),
		"category": category, "touchpoint": "other", "description": text, "expected_outcome": "explanation",
	}, &receipt)
	return receipt.Reference, err
}

func (c *client) login() error {
	var s struct {
		CSRFToken string `json:"csrf_token"`
	}
	if err := c.do(http.MethodPost, "/api/v1/auth/login", map[string]string{"email": adminEmail, "password": adminPassword}, &s); err != nil {
		return err
	}
	c.csrf = s.CSRFToken
	return nil
}

// topicCases lists the references of every case in a topic, a page at a time.
func (c *client) topicCases(id string) ([]string, error) {
	var refs []string
	cursor := ""
	for {
		q := url.Values{"topic": {id}, "limit": {"200"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		req, err := http.NewRequest(http.MethodGet, c.base+"/api/v1/cases?"+q.Encode(), nil)
		if err != nil {
			return nil, err
		}
		res, err := c.http.Do(req)
		if err != nil {
			return nil, err
		}
		var page struct {
			Data []struct{ ID string }
			Meta struct {
				NextCursor string `json:"next_cursor"`
			}
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil {
			return nil, err
		}
		for _, d := range page.Data {
			refs = append(refs, d.ID)
		}
		if page.Meta.NextCursor == "" {
			return refs, nil
		}
		cursor = page.Meta.NextCursor
	}
}
