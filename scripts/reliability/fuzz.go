package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// fuzzResult: random and malformed bodies, path parameters and query strings sent to every
// route of the OpenAPI document as nobody and as an admin: no 5xx, the process stays up.
type fuzzResult struct {
	Routes, Requests int
	ByClass          map[string]int // "2xx", "4xx", "5xx", "error"
	ServerErrors     []string       // the first few 5xx
	Alive            bool
}

func (r fuzzResult) ok() bool { return r.ByClass["5xx"] == 0 && r.ByClass["error"] == 0 && r.Alive }

type route struct{ method, path string }

// openAPIRoutes reads the served API document: the one list of routes the clients see.
func openAPIRoutes(base string) ([]route, error) {
	res, err := http.Get(base + "/api/openapi.json")
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		return nil, err
	}
	var out []route
	for p, ops := range doc.Paths {
		for m := range ops {
			switch m {
			case "get", "post", "put", "patch", "delete":
				out = append(out, route{strings.ToUpper(m), p})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path+out[i].method < out[j].path+out[j].method })
	return out, nil
}

// skippedForAdmin would end the fuzzing admin's own session or lock them out (two-factor
// required at the next login), which stops the pass rather than testing the server.
var skippedForAdmin = map[string]bool{
	"POST /api/v1/auth/logout":        true,
	"PUT /api/v1/settings/security":   true,
	"DELETE /api/v1/me/sessions/{id}": true,
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// Values that have broken parsers before: traversal, NUL, overlong, operators, numbers out of
// range, odd Unicode, template and script syntax.
var nastyStrings = []string{
	"", "K-2026-000001", "../../../../etc/passwd", "..%2f..%2f", "%00", "%ff%fe", "$where", `{"$gt":""}`, "-1", "0",
	"99999999999999999999999", "1e309", "NaN", "null", "true", "ääkköset😀", "\u202e\u0000", "<script>alert(1)</script>",
	"{{constructor.constructor('alert(1)')()}}", strings.Repeat("A", 5000), strings.Repeat("ä", 300), "a b c", "'; DROP TABLE cases; --",
	"K-2026-000001.AAAA", "kaiku_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "2026-13-45", "2026-01-01T00:00:00Z",
}

func nasty(r *rand.Rand) string { return nastyStrings[r.IntN(len(nastyStrings))] }

// randomJSON is a value of a random type, sometimes deep, sometimes with $-keys.
func randomJSON(r *rand.Rand, depth int) any {
	if depth > 4 {
		return nasty(r)
	}
	switch r.IntN(9) {
	case 0:
		return nil
	case 1:
		return r.IntN(3) == 0
	case 2:
		return r.NormFloat64() * 1e12
	case 3, 4:
		return nasty(r)
	case 5:
		n := r.IntN(4)
		out := make([]any, n)
		for i := range out {
			out[i] = randomJSON(r, depth+1)
		}
		return out
	default:
		keys := []string{"email", "password", "name", "subject", "description", "version", "status", "priority", "tags", "body",
			"kind", "url", "role", "months", "rating", "resolved", "case_ids", "conditions", "actions", "trigger", "q", "$where", "$set", "categories"}
		out := map[string]any{}
		for range r.IntN(5) {
			out[keys[r.IntN(len(keys))]] = randomJSON(r, depth+1)
		}
		return out
	}
}

// randomBody is a body and its content type: JSON of the wrong shape, broken JSON, deep
// nesting, binary, an oversized body, a multipart body with a lying boundary.
func randomBody(r *rand.Rand) ([]byte, string) {
	switch r.IntN(10) {
	case 0:
		return nil, ""
	case 1:
		return []byte(`{"a":`), "application/json"
	case 2:
		return []byte(strings.Repeat("[", 20000) + strings.Repeat("]", 20000)), "application/json"
	case 3:
		b := make([]byte, 512)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return b, []string{"application/json", "application/octet-stream", "text/plain"}[r.IntN(3)]
	case 4:
		return bytes.Repeat([]byte(`{"a":"`+strings.Repeat("x", 1000)+`"},`), 2200), "application/json" // > 2 MB
	case 5:
		return []byte("--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\r\n--y--"), "multipart/form-data; boundary=x"
	default:
		b, _ := json.Marshal(randomJSON(r, 0))
		return b, "application/json"
	}
}

func randomQuery(r *rand.Rand) string {
	keys := []string{"q", "view", "status", "limit", "cursor", "sort", "order", "category", "from", "to", "email", "period", "group_by", "facets", "match", "$where", "page"}
	v := url.Values{}
	for range r.IntN(4) {
		v.Add(keys[r.IntN(len(keys))], nasty(r))
	}
	return v.Encode()
}

// runFuzz sends perRoute requests to every route as nobody and as admin, from workers clients.
func runFuzz(base string, admin func() *staff, perRoute, workers int, seed uint64) (fuzzResult, error) {
	routes, err := openAPIRoutes(base)
	if err != nil {
		return fuzzResult{}, err
	}
	res := fuzzResult{Routes: len(routes), ByClass: map[string]int{}}
	type job struct {
		rt    route
		asAdm bool
		n     uint64
	}
	jobs := make(chan job)
	var mu sync.Mutex
	httpc := &http.Client{Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				r := rand.New(rand.NewPCG(seed, j.n))
				path := pathParam.ReplaceAllStringFunc(j.rt.path, func(string) string { return url.PathEscape(nasty(r)) })
				if q := randomQuery(r); q != "" {
					path += "?" + q
				}
				body, ctype := randomBody(r)
				var rd io.Reader
				if body != nil {
					rd = bytes.NewReader(body)
				}
				req, err := http.NewRequest(j.rt.method, base+path, rd)
				if err != nil {
					continue // a path no client could send
				}
				if ctype != "" {
					req.Header.Set("Content-Type", ctype)
				}
				if v := nasty(r); r.IntN(4) == 0 && headerSafe(v) {
					req.Header.Set("Idempotency-Key", v)
				}
				client := httpc
				if j.asAdm {
					s := admin()
					req.Header.Set("X-CSRF-Token", s.csrf)
					client = s.http
				}
				if strings.HasSuffix(j.rt.path, "/events") {
					client = &http.Client{Timeout: 2 * time.Second, Jar: client.Jar} // a stream: the status is enough
				}
				out, err := client.Do(req)
				class := "error"
				if err == nil {
					_, _ = io.Copy(io.Discard, io.LimitReader(out.Body, 1<<20))
					out.Body.Close()
					class = fmt.Sprintf("%dxx", out.StatusCode/100)
				} else if strings.HasSuffix(j.rt.path, "/events") {
					class = "2xx" // the stream stayed open until the client gave up
				}
				mu.Lock()
				res.Requests++
				res.ByClass[class]++
				if (class == "5xx" || class == "error") && len(res.ServerErrors) < 10 {
					detail := ""
					if err != nil {
						detail = err.Error()
					} else {
						detail = fmt.Sprint(out.StatusCode)
					}
					res.ServerErrors = append(res.ServerErrors, fmt.Sprintf("%s %s: %s", j.rt.method, truncate(path, 120), truncate(detail, 200)))
				}
				mu.Unlock()
			}
		}()
	}
	n := uint64(0)
	for _, rt := range routes {
		for i := range perRoute {
			n++
			asAdmin := i%2 == 1 && !skippedForAdmin[rt.method+" "+rt.path]
			jobs <- job{rt: rt, asAdm: asAdmin, n: n}
		}
	}
	close(jobs)
	wg.Wait()
	return res, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// headerSafe: a value net/http will send as a header (no control characters); the others
// would fail in the client, not test the server.
func headerSafe(v string) bool {
	for _, c := range v {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return v != ""
}
