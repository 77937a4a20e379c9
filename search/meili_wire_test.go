package search

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests run without a Meilisearch server: a stub records what the backend sends and
// answers like Meilisearch, so the wire format (paths, filter strings, paging parameters,
// settings) and the decoding of answers are checked on every run. The behaviour itself is
// checked by the conformance suite when MEILI_URL is set.

type stubRequest struct {
	method, path string
	body         map[string]any
	rawBody      string
}

type meiliStub struct {
	t        *testing.T
	mu       sync.Mutex
	reqs     []stubRequest
	indexed  bool   // GET /indexes/{uid} finds the index
	failTask string // error code the next document task fails with
	search   string // JSON answer to searches
}

func (s *meiliStub) requests(method, path string) []stubRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []stubRequest
	for _, r := range s.reqs {
		if r.method == method && r.path == path {
			out = append(out, r)
		}
	}
	return out
}

func (s *meiliStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	s.mu.Lock()
	s.reqs = append(s.reqs, stubRequest{method: r.Method, path: r.URL.Path, body: body, rawBody: string(raw)})
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	task := func(uid int) {
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"taskUid":`+jsonInt(uid)+`,"indexUid":"cases","status":"enqueued","type":"x","enqueuedAt":"2025-03-03T09:00:00Z"}`)
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/indexes/cases":
		if !s.indexed {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"Index not found","code":"index_not_found","type":"invalid_request","link":""}`)
			return
		}
		_, _ = io.WriteString(w, `{"uid":"cases","primaryKey":"id","createdAt":"2025-03-03T09:00:00Z","updatedAt":"2025-03-03T09:00:00Z"}`)
	case r.Method == http.MethodPost && r.URL.Path == "/indexes":
		task(1)
	case r.Method == http.MethodPatch && r.URL.Path == "/indexes/cases/settings":
		task(2)
	case r.Method == http.MethodGet && r.URL.Path == "/indexes/cases/settings/typo-tolerance":
		_, _ = io.WriteString(w, `{"enabled":true,"minWordSizeForTypos":{"oneTypo":5,"twoTypos":9},"disableOnWords":[],"disableOnAttributes":[]}`)
	case r.Method == http.MethodPost && r.URL.Path == "/indexes/cases/documents":
		task(3)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/tasks/"):
		uid := strings.TrimPrefix(r.URL.Path, "/tasks/")
		if uid == "3" && s.failTask != "" {
			_, _ = io.WriteString(w, `{"uid":3,"status":"failed","type":"documentAdditionOrUpdate","indexUid":"cases","enqueuedAt":"2025-03-03T09:00:00Z","error":{"message":"bad","code":"`+s.failTask+`","type":"invalid_request","link":""}}`)
			return
		}
		_, _ = io.WriteString(w, `{"uid":`+uid+`,"status":"succeeded","type":"x","indexUid":"cases","enqueuedAt":"2025-03-03T09:00:00Z"}`)
	case r.Method == http.MethodPost && r.URL.Path == "/indexes/cases/search":
		_, _ = io.WriteString(w, s.search)
	case r.Method == http.MethodPost && r.URL.Path == "/indexes/cases/documents/fetch":
		_, _ = io.WriteString(w, `{"results":[{"id":"a","version":4}],"offset":0,"limit":2,"total":1}`)
	case r.Method == http.MethodGet && r.URL.Path == "/indexes/cases/stats":
		_, _ = io.WriteString(w, `{"numberOfDocuments":12,"isIndexing":false,"fieldDistribution":{}}`)
	case r.Method == http.MethodGet && r.URL.Path == "/health":
		_, _ = io.WriteString(w, `{"status":"available"}`)
	default:
		s.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
	}
}

func jsonInt(n int) string { b, _ := json.Marshal(n); return string(b) }

func openStub(t *testing.T, stub *meiliStub) *MeiliIndex {
	t.Helper()
	srv := httptest.NewServer(stub)
	t.Cleanup(srv.Close)
	m, err := OpenMeili(t.Context(), srv.URL, "key", "cases")
	if err != nil {
		t.Fatalf("OpenMeili: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func TestMeiliOpenCreatesIndexWithSettings(t *testing.T) {
	stub := &meiliStub{t: t}
	openStub(t, stub)

	created := stub.requests(http.MethodPost, "/indexes")
	if len(created) != 1 || created[0].body["uid"] != "cases" || created[0].body["primaryKey"] != "id" {
		t.Fatalf("create index requests: %+v", created)
	}
	settings := stub.requests(http.MethodPatch, "/indexes/cases/settings")
	if len(settings) != 1 {
		t.Fatalf("settings requests: %d", len(settings))
	}
	body := settings[0].body
	for _, attr := range []string{"status", "assignee_id", "tags", "customer_email", "id", "due_at_ms", "escalation_level", "priority_rank"} {
		if !contains(body["filterableAttributes"], attr) {
			t.Errorf("filterableAttributes %v lacks %s", body["filterableAttributes"], attr)
		}
	}
	for _, attr := range []string{"updated_at_ms", "priority_rank", "id"} {
		if !contains(body["sortableAttributes"], attr) {
			t.Errorf("sortableAttributes %v lacks %s", body["sortableAttributes"], attr)
		}
	}
	want := []any{"subject", "lookup", "customer_name", "body", "customer_email", "stems"}
	if !reflect.DeepEqual(body["searchableAttributes"], want) {
		t.Errorf("searchableAttributes = %v, want %v", body["searchableAttributes"], want)
	}
	// The support vocabulary goes by stems: "wrong" finds "incorrect" and "inaccurate".
	syn, _ := body["synonyms"].(map[string]any)
	if !contains(syn["wrong"], "incorrect") || !contains(syn["wrong"], "inaccur") {
		t.Errorf("synonyms of wrong = %v", syn["wrong"])
	}
	if _, ok := body["typoTolerance"]; ok {
		t.Errorf("settings carry typoTolerance (rejected by Meilisearch < v1.15): %s", settings[0].rawBody)
	}
	if len(stub.requests(http.MethodGet, "/indexes/cases/settings/typo-tolerance")) != 1 {
		t.Errorf("typo tolerance not checked")
	}

	// An existing index is not created again.
	stub2 := &meiliStub{t: t, indexed: true}
	openStub(t, stub2)
	if n := len(stub2.requests(http.MethodPost, "/indexes")); n != 0 {
		t.Errorf("existing index created again (%d requests)", n)
	}
}

func TestMeiliUpsertSendsIndexedForm(t *testing.T) {
	stub := &meiliStub{t: t, indexed: true}
	m := openStub(t, stub)
	doc := CaseDoc{ID: "case-1", Subject: "Hi", Status: "open", CreatedAt: time.Date(2025, 3, 3, 9, 0, 0, 500_000_000, time.UTC)}
	if err := m.Upsert(t.Context(), doc); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	reqs := stub.requests(http.MethodPost, "/indexes/cases/documents")
	if len(reqs) != 1 {
		t.Fatalf("document requests: %d", len(reqs))
	}
	var sent []map[string]any
	if err := json.Unmarshal([]byte(reqs[0].rawBody), &sent); err != nil || len(sent) != 1 {
		t.Fatalf("body %s: %v", reqs[0].rawBody, err)
	}
	d := sent[0]
	if d["assignee_id"] != emptyValue || !reflect.DeepEqual(d["tags"], []any{emptyValue}) {
		t.Errorf("empty keywords not indexed as the empty value: %v", d)
	}
	if _, ok := d["due_at_ms"]; ok {
		t.Errorf("zero due_at sent as a number: %v", d["due_at_ms"])
	}
	if d["created_at"] != "2025-03-03T09:00:00.5Z" || d["created_at_ms"] != float64(doc.CreatedAt.UnixMilli()) {
		t.Errorf("created_at sent as %v / %v", d["created_at"], d["created_at_ms"])
	}

	if err := m.Upsert(t.Context(), CaseDoc{ID: "bad id/1"}); err == nil {
		t.Errorf("Upsert with an invalid id: want an error")
	}
	stub.failTask = "invalid_document_fields"
	if err := m.Upsert(t.Context(), doc); err == nil || !strings.Contains(err.Error(), "invalid_document_fields") {
		t.Errorf("Upsert with a failing task: err = %v", err)
	}
}

func TestMeiliSearchRequestAndAnswer(t *testing.T) {
	stub := &meiliStub{t: t, indexed: true, search: `{
		"hits": [{
			"id": "c1", "subject": "Refund <b>now</b>", "body": "x", "customer_name": "Anna",
			"customer_email": "\u2205", "status": "open", "priority": "high", "priority_rank": 2,
			"channel": "web", "category": "c", "touchpoint": "t", "expected_outcome": "e",
			"tags": ["\u2205"], "assignee_id": "\u2205", "team_id": "t1", "escalation_level": 1,
			"created_at": "2025-03-03T09:00:00Z", "updated_at": "2025-03-03T10:00:00Z",
			"due_at": "0001-01-01T00:00:00Z", "created_at_ms": 1, "updated_at_ms": 2, "version": 3,
			"_rankingScore": 0.75,
			"_formatted": {"subject": "\ue000Refund\ue001 <b>now</b>", "customer_name": "Anna", "body": "x"}
		}],
		"query": "refund", "processingTimeMs": 1, "hitsPerPage": 1, "page": 1, "totalPages": 3, "totalHits": 3,
		"facetDistribution": {"assignee_id": {"\u2205": 2, "u1": 1}}
	}`}
	m := openStub(t, stub)
	res, err := m.Search(t.Context(), Query{
		Text:      " refund ",
		Filters:   []Filter{{Field: FieldAssigneeID, Values: []string{"", `u"1\`}}, {Field: FieldStatus, Values: []string{"closed"}, Negate: true}},
		Ranges:    []TimeRange{{Field: FieldDueAt, From: time.UnixMilli(1000), To: time.UnixMilli(2000)}},
		IntRanges: []IntRange{{Field: FieldEscalationLevel, From: 1}, {Field: FieldPriorityRank, To: 3}, {Field: FieldEscalationLevel}},
		Facets:    []string{FieldAssigneeID},
		Limit:     1,
		Highlight: true,
	})
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	reqs := stub.requests(http.MethodPost, "/indexes/cases/search")
	if len(reqs) != 1 {
		t.Fatalf("search requests: %d", len(reqs))
	}
	body := reqs[0].body
	wantFilter := `assignee_id IN ["` + emptyValue + `", "u\"1\\"] AND status NOT IN ["closed"] AND due_at_ms >= 1000 AND due_at_ms < 2000` +
		` AND escalation_level >= 1 AND priority_rank < 3`
	if body["filter"] != wantFilter {
		t.Errorf("filter = %v\n want %v", body["filter"], wantFilter)
	}
	// A search for most words: the rarest words first, each sent as its stem.
	if body["q"] != "refund" || body["matchingStrategy"] != "frequency" || body["hitsPerPage"] != 1.0 || body["page"] != 1.0 {
		t.Errorf("search body: %s", reqs[0].rawBody)
	}
	if _, ok := body["sort"]; ok {
		t.Errorf("relevance search sent a sort: %v", body["sort"])
	}

	if res.Total != 3 || len(res.Hits) != 1 || res.NextCursor == "" {
		t.Fatalf("result: %+v", res)
	}
	h := res.Hits[0]
	if h.Score != 0.75 || h.Doc.AssigneeID != "" || h.Doc.CustomerEmail != "" || h.Doc.Tags != nil || !h.Doc.DueAt.IsZero() || h.Doc.Version != 3 {
		t.Errorf("hit: %+v", h)
	}
	wantHL := map[string][]string{"subject": {"<mark>Refund</mark> &lt;b&gt;now&lt;/b&gt;"}}
	if !reflect.DeepEqual(h.Highlights, wantHL) {
		t.Errorf("highlights = %v, want %v", h.Highlights, wantHL)
	}
	wantFacet := []FacetValue{{Value: "", Count: 2}, {Value: "u1", Count: 1}}
	if !reflect.DeepEqual(res.Facets[FieldAssigneeID], wantFacet) {
		t.Errorf("facets = %v, want %v", res.Facets[FieldAssigneeID], wantFacet)
	}

	// The next page uses the cursor's offset as a page number; the sort is explicit now.
	if _, err := m.Search(t.Context(), Query{Text: "refund", Limit: 1, Cursor: res.NextCursor}); err != nil {
		t.Fatalf("Search page 2: %v", err)
	}
	if b := stub.requests(http.MethodPost, "/indexes/cases/search")[1].body; b["page"] != 2.0 {
		t.Errorf("page 2 request: %v", b)
	}
	if _, err := m.Search(t.Context(), Query{Sort: []Sort{{Field: FieldDueAt, Desc: true}}}); err != nil {
		t.Fatalf("Search sorted: %v", err)
	}
	b := stub.requests(http.MethodPost, "/indexes/cases/search")[2].body
	if !reflect.DeepEqual(b["sort"], []any{"due_at_ms:desc", "id:asc"}) || b["hitsPerPage"] != 50.0 {
		t.Errorf("sorted request: %v", b)
	}
	// A cursor off a page boundary (the limit changed) fetches from the start and cuts.
	odd := encodeCursor(meiliCursor{Sort: "-_score,_id", Offset: 3})
	if _, err := m.Search(t.Context(), Query{Text: "refund", Limit: 2, Cursor: odd}); err != nil {
		t.Fatalf("Search at offset 3: %v", err)
	}
	if b := stub.requests(http.MethodPost, "/indexes/cases/search")[3].body; b["page"] != 1.0 || b["hitsPerPage"] != 5.0 {
		t.Errorf("offset 3 request: %v", b)
	}
	if _, err := m.Search(t.Context(), Query{Cursor: res.NextCursor}); !errors.Is(err, ErrBadQuery) {
		t.Errorf("cursor of another sort: err = %v", err)
	}
}

func TestMeiliCountVersionsDocCountPing(t *testing.T) {
	stub := &meiliStub{t: t, indexed: true, search: `{"hits":[],"totalHits":7,"hitsPerPage":0,"page":1,"totalPages":0,"processingTimeMs":1,"query":""}`}
	m := openStub(t, stub)
	n, err := m.Count(t.Context(), Query{Text: "ignored", Filters: []Filter{{Field: FieldStatus, Values: []string{"open"}}}})
	if err != nil || n != 7 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	body := stub.requests(http.MethodPost, "/indexes/cases/search")[0].body
	if body["hitsPerPage"] != 0.0 || body["q"] != "" || body["filter"] != `status IN ["open"]` {
		t.Errorf("count body: %v", body)
	}

	// CountSince: one count per window, each with the query's filters and its lower bound.
	since := []time.Time{time.UnixMilli(1000), time.UnixMilli(2000)}
	counts, err := m.CountSince(t.Context(), Query{Filters: []Filter{{Field: FieldCustomerEmail, Values: []string{"a@example.com"}}}}, FieldCreatedAt, since)
	if err != nil || !reflect.DeepEqual(counts, []int{7, 7}) {
		t.Fatalf("CountSince = %v, %v", counts, err)
	}
	searches := stub.requests(http.MethodPost, "/indexes/cases/search")
	for i, want := range []string{
		`customer_email IN ["a@example.com"] AND created_at` + meiliMsSuffix + ` >= 1000`,
		`customer_email IN ["a@example.com"] AND created_at` + meiliMsSuffix + ` >= 2000`,
	} {
		if got := searches[1+i].body["filter"]; got != want || searches[1+i].body["hitsPerPage"] != 0.0 {
			t.Errorf("count since %d: filter %v, want %s", i, got, want)
		}
	}

	v, err := m.Versions(t.Context(), []string{"a", "b", "a", "not valid"})
	if err != nil || !reflect.DeepEqual(v, map[string]int64{"a": 4}) {
		t.Fatalf("Versions = %v, %v", v, err)
	}
	fetch := stub.requests(http.MethodPost, "/indexes/cases/documents/fetch")[0].body
	if fetch["filter"] != `id IN ["a", "b"]` || fetch["limit"] != 2.0 {
		t.Errorf("fetch body: %v", fetch)
	}

	if n, err := m.DocCount(t.Context()); err != nil || n != 12 {
		t.Errorf("DocCount = %d, %v", n, err)
	}
	if err := m.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func contains(list any, s string) bool {
	l, _ := list.([]any)
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

func TestMeiliQueryText(t *testing.T) {
	for in, want := range map[string]string{
		" refund ":              "refund",
		`"broken blender"`:      "broken blender",
		"-refund delivery":      "refund delivery",
		"  ?! -- ":              "",
		"palautus   rikki":      "palautus rikki",
		"anna.k@example.fi":     "anna.k@example.fi",
		`refund -"late" parcel`: "refund late parcel",
	} {
		if got := meiliQueryText(in); got != want {
			t.Errorf("meiliQueryText(%q) = %q, want %q", in, got, want)
		}
	}
}
