// Command searcheval measures how well Kaiku's search finds what a person means (issue 15):
// it files the CFPB narratives with text through the public complaint form of a real server
// (embedded stack, a temporary data directory), then runs queries written the way support
// leads type them, each labelled with a CFPB Product and Issue, and prints precision@10 (a
// hit counts when it carries the query's Product and Issue) for the set the ranking was tuned
// on and for a held-out set it never was; then, for every filed case, how many of its five
// most similar cases share its Issue.
//
//	go run ./scripts/searcheval [-data /work/shared/data] [-v] [-direct] [-similar=false]
//	go run ./scripts/searcheval -ceiling
//
// -direct indexes the same cases into a Bleve index alone (no server, no database): the
// figures in seconds, for tuning; report the server's. -v prints each tuning query's
// precision, never the held-out sets'. -ceiling prints bounds computed with the labels in
// hand (ceiling.go): what these labels allow at all, to read the figures against.
//
// Labels are never shown to Kaiku: only the narrative is filed.
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
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kaiku-helpdesk/kaiku/server"
)

const (
	cfpbFile      = "cfpb_complaints_sample.csv"
	adminEmail    = "eval-admin@example.com"
	adminPassword = "eval-password-not-secret"
	maxNarrative  = 20000 // the form's limit on a description
	targetP10     = 0.6
	targetSimilar = 3.0
)

type label struct{ product, issue string }

type narrative struct {
	text string
	label
}

func main() {
	os.Exit(run())
}

func run() int {
	data := flag.String("data", "", "directory with "+cfpbFile+"; default ../shared/data or /work/shared/data")
	verbose := flag.Bool("v", false, "print each tuning query's precision (the held-out set's are never printed)")
	match := flag.String("match", "most", "match parameter of the searches: most or all")
	similar := flag.Bool("similar", true, "also measure the similar cases of every filed case")
	ceil := flag.Bool("ceiling", false, "print only bounds of precision@10 computed with the labels in hand (label centroid, best 4 terms, class size): what the labels allow, not a method")
	direct := flag.Bool("direct", false, "index the narratives into a Bleve index directly (no server, no database): quick figures for tuning")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *ceil {
		path, err := findData(*data)
		if err == nil {
			var rows []narrative
			if rows, err = readNarratives(path); err == nil {
				err = ceiling(rows, os.Stdout)
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "searcheval:", err)
			return 1
		}
		return 0
	}
	if err := evaluate(ctx, *data, *match, *direct, *verbose, *similar, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "searcheval:", err)
		return 1
	}
	return 0
}

func findData(dir string) (string, error) {
	cands := []string{dir}
	if dir == "" {
		cands = []string{"../shared/data", "../../shared/data", "/work/shared/data"}
	}
	for _, d := range cands {
		if _, err := os.Stat(filepath.Join(d, cfpbFile)); err == nil {
			return filepath.Join(d, cfpbFile), nil
		}
	}
	return "", fmt.Errorf("%s not found in %v", cfpbFile, cands)
}

func readNarratives(path string) ([]narrative, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	var out []narrative
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		text := strings.TrimSpace(rec[col["Consumer complaint narrative"]])
		if text == "" {
			continue
		}
		if len(text) > maxNarrative {
			text = strings.ToValidUTF8(text[:maxNarrative], "")
		}
		out = append(out, narrative{text: text, label: label{product: rec[col["Product"]], issue: rec[col["Issue"]]}})
	}
	return out, nil
}

func evaluate(ctx context.Context, dataDir, match string, direct, verbose, similar bool, w io.Writer) error {
	path, err := findData(dataDir)
	if err != nil {
		return err
	}
	rows, err := readNarratives(path)
	if err != nil {
		return err
	}
	if direct {
		return evaluateDirect(ctx, rows, match, verbose, similar, w)
	}
	dir, err := os.MkdirTemp("", "kaiku-searcheval-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// The real server, in this process, on the embedded stack.
	env := map[string]string{
		"KAIKU_ADDR": "127.0.0.1:0", "KAIKU_DATA_DIR": dir, "KAIKU_LOG_LEVEL": "warn",
		"KAIKU_ADMIN_EMAIL": adminEmail, "KAIKU_ADMIN_PASSWORD": adminPassword,
		// Each narrative comes from an address and an e-mail of its own (X-Forwarded-For
		// behind a trusted proxy); the limits stay what they are.
		"KAIKU_TRUST_PROXY": "true", "KAIKU_REINDEX_INTERVAL": "2s",
	}
	srvCtx, cancel := context.WithCancel(ctx)
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.RunWithHooks(srvCtx, nil, func(k string) string { return env[k] }, io.Discard, os.Stderr,
			server.Hooks{OnReady: func(addr string) { ready <- addr }})
	}()
	defer func() { cancel(); <-done }()
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-done:
		return fmt.Errorf("server: %w", err)
	case <-time.After(2 * time.Minute):
		return errors.New("server not ready after 2 minutes")
	}

	t0 := time.Now()
	labels, err := file(ctx, base, rows)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "filed %d CFPB narratives through POST /api/v1/complaints in %s\n", len(labels), time.Since(t0).Round(time.Millisecond))
	s, err := login(ctx, base)
	if err != nil {
		return err
	}
	if err := waitIndexed(ctx, s, base, len(labels)); err != nil {
		return err
	}

	searchIDs := func(text string) ([]string, error) { return s.search(ctx, base, text, match) }
	similarIDs := func(id string) ([]string, error) { return s.similar(ctx, base, id) }
	if !similar {
		similarIDs = nil
	}
	return report(labels, searchIDs, similarIDs, match, verbose, w)
}

// report runs both query sets and the similar cases of every filed case and prints the
// figures: precision@10 per set, and how many of each case's top 5 similar cases share its
// Issue (unless similarIDs is nil).
func report(labels map[string]label, searchIDs, similarIDs func(string) ([]string, error), match string, verbose bool, w io.Writer) error {
	for _, set := range []struct {
		name    string
		queries []query
		each    bool // -v prints each query of the tuning set only: the held-out set stays unseen
	}{{"tuning set", tuningQueries, verbose}, {"held-out set", heldOutQueries, false}, {"held-out set 2", heldOut2Queries, false}} {
		var sum float64
		for _, q := range set.queries {
			ids, err := searchIDs(q.text)
			if err != nil {
				return err
			}
			hits := 0
			for _, id := range ids {
				if labels[id] == q.label {
					hits++
				}
			}
			p := float64(hits) / 10
			sum += p
			if set.each {
				fmt.Fprintf(w, "  %.1f  %-55q %s / %s\n", p, q.text, short(q.product), q.issue)
			}
		}
		mean := sum / float64(len(set.queries))
		fmt.Fprintf(w, "precision@10, %s (%d queries, match=%s): %.3f (target >= %.1f) %s\n",
			set.name, len(set.queries), match, mean, targetP10, verdict(mean >= targetP10))
	}

	if similarIDs == nil {
		return nil
	}
	// Similar cases: the top five of every filed case.
	ids := make([]string, 0, len(labels))
	for id := range labels {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var shared, sharedBoth, none int
	for _, id := range ids {
		sim, err := similarIDs(id)
		if err != nil {
			return err
		}
		if len(sim) == 0 {
			none++
		}
		for _, o := range sim[:min(5, len(sim))] {
			if labels[o].issue == labels[id].issue {
				shared++
				if labels[o].product == labels[id].product {
					sharedBoth++
				}
			}
		}
	}
	mean := float64(shared) / float64(len(ids))
	fmt.Fprintf(w, "similar cases: of the top 5, %.2f share the case's Issue on average (target >= %.0f) %s; %.2f its Product and Issue; %d cases without similar cases\n",
		mean, targetSimilar, verdict(mean >= targetSimilar), float64(sharedBoth)/float64(len(ids)), none)
	return nil
}

func short(s string) string {
	if i := strings.IndexByte(s, ','); i > 0 {
		return s[:i]
	}
	return s
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "BELOW TARGET"
}

// file posts every narrative through the public form, four at a time, and returns the labels
// by the reference each got.
func file(ctx context.Context, base string, rows []narrative) (map[string]label, error) {
	client := &http.Client{Timeout: 60 * time.Second}
	out := make(map[string]label, len(rows))
	var mu sync.Mutex
	var firstErr error
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				ref, err := fileOne(ctx, client, base, i, rows[i].text)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if err == nil {
					out[ref] = rows[i].label
				}
				mu.Unlock()
			}
		}()
	}
	for i := range rows {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return out, firstErr
}

func fileOne(ctx context.Context, client *http.Client, base string, i int, text string) (string, error) {
	body, _ := json.Marshal(map[string]string{
		"name": fmt.Sprintf("Consumer %d", i), "email": fmt.Sprintf("consumer%05d@example.com", i),
		"category": "other", "touchpoint": "other", "description": text, "expected_outcome": "explanation",
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/complaints", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i/65536%256, i/256%256, i%256))
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("filing narrative %d: %d %s", i, resp.StatusCode, b)
	}
	var r struct {
		Data struct {
			Reference string `json:"reference"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &r); err != nil || r.Data.Reference == "" {
		return "", fmt.Errorf("filing narrative %d: answer %s", i, b)
	}
	return r.Data.Reference, nil
}

type session struct {
	client *http.Client
}

func login(ctx context.Context, base string) (*session, error) {
	jar, _ := cookiejar.New(nil)
	s := &session{client: &http.Client{Jar: jar, Timeout: 60 * time.Second}}
	body, _ := json.Marshal(map[string]string{"email": adminEmail, "password": adminPassword})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("login: %d %s", resp.StatusCode, b)
	}
	return s, nil
}

type caseList struct {
	Data []struct {
		ID string `json:"id"`
	} `json:"data"`
	Meta struct {
		Total int `json:"total"`
	} `json:"meta"`
}

func (s *session) get(ctx context.Context, u string) (caseList, error) {
	var out caseList
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return out, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return out, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return out, fmt.Errorf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return out, json.Unmarshal(b, &out)
}

func ids(l caseList) []string {
	out := make([]string, len(l.Data))
	for i, d := range l.Data {
		out[i] = d.ID
	}
	return out
}

func (s *session) search(ctx context.Context, base, text, match string) ([]string, error) {
	l, err := s.get(ctx, base+"/api/v1/cases?limit=10&match="+match+"&q="+url.QueryEscape(text))
	return ids(l), err
}

func (s *session) similar(ctx context.Context, base, id string) ([]string, error) {
	l, err := s.get(ctx, base+"/api/v1/cases/"+url.PathEscape(id)+"/similar")
	return ids(l), err
}

// waitIndexed waits until the inbox lists every filed case (the index catches up on its own).
func waitIndexed(ctx context.Context, s *session, base string, n int) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		l, err := s.get(ctx, base+"/api/v1/cases?limit=1")
		if err == nil && l.Meta.Total >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the index lists %d of %d cases after 2 minutes (%v)", l.Meta.Total, n, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
