package search_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/search/searchtest"
)

// Run with: go test ./search -run '^$' -bench Bleve -benchtime 2s
// KAIKU_BENCH_DOCS sets the index size for BenchmarkBleveQuery (default 20000).

var benchWords = strings.Fields(`refund delivery parcel damaged broken late invoice order
	package courier blender kettle warranty replacement account password payment card charge
	twice missing wrong size colour store staff rude waiting queue app crash login email
	palautus tilaus toimitus rikki maksu lasku asiakas kauppa odotus sovellus`)

var (
	benchStatuses   = []string{"open", "pending", "resolved", "closed"}
	benchPriorities = []string{"low", "normal", "high", "urgent"}
)

// benchDoc makes a deterministic case with a 30-word body.
func benchDoc(r *rand.Rand, i int) search.CaseDoc {
	words := make([]string, 30)
	for j := range words {
		words[j] = benchWords[r.IntN(len(benchWords))]
	}
	rank := r.IntN(len(benchPriorities))
	return searchtest.Doc(fmt.Sprintf("bench-%07d", i), func(d *search.CaseDoc) {
		d.Subject = strings.Join(words[:4], " ")
		d.Body = strings.Join(words, " ")
		d.CustomerName = "Customer " + strconv.Itoa(r.IntN(5000))
		d.CustomerEmail = fmt.Sprintf("c%d@example.com", r.IntN(5000))
		d.Status = benchStatuses[r.IntN(len(benchStatuses))]
		d.Priority, d.PriorityRank = benchPriorities[rank], rank
		if r.IntN(3) > 0 {
			d.AssigneeID = "agent-" + strconv.Itoa(r.IntN(40))
		}
		d.TeamID = "team-" + strconv.Itoa(r.IntN(5))
		d.Tags = []string{benchWords[r.IntN(10)]}
		d.CreatedAt = searchtest.T0.Add(-time.Duration(r.IntN(90*24)) * time.Hour)
		d.UpdatedAt = d.CreatedAt.Add(time.Duration(r.IntN(72)) * time.Hour)
		// One case in 20 escalated (levels 1-3), from i so the random stream stays as it was.
		if i%20 == 0 {
			d.EscalationLevel = 1 + i/20%3
			d.DueAt = d.CreatedAt.Add(time.Duration(i%48) * time.Hour)
		}
	})
}

func benchDocCount(b *testing.B) int {
	if s := os.Getenv("KAIKU_BENCH_DOCS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("KAIKU_BENCH_DOCS=%q: want a positive integer", s)
		}
		return n
	}
	return 20000
}

func BenchmarkBleveQuery(b *testing.B) {
	n := benchDocCount(b)
	ix, err := search.OpenBleve(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()

	r := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	const batch = 1000
	for i := 0; i < n; i += batch {
		docs := make([]search.CaseDoc, 0, batch)
		for j := i; j < min(i+batch, n); j++ {
			docs = append(docs, benchDoc(r, j))
		}
		if err := ix.Upsert(b.Context(), docs...); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("indexed %d docs in %v", n, time.Since(start).Round(time.Millisecond))

	// A typical inbox search: text, a filter, a sort and facets.
	q := search.Query{
		Text:    "damaged parcel",
		Filters: []search.Filter{{Field: search.FieldStatus, Values: []string{"open", "pending"}}},
		Sort:    []search.Sort{{Field: search.FieldUpdatedAt, Desc: true}},
		Facets:  []string{search.FieldStatus, search.FieldPriority, search.FieldAssigneeID},
		Limit:   50,
	}
	b.Run(fmt.Sprintf("match+filter+sort+facets/docs=%d", n), func(b *testing.B) {
		for b.Loop() {
			if _, err := ix.Search(b.Context(), q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("filter+sort+facets/docs=%d", n), func(b *testing.B) {
		fq := q
		fq.Text = ""
		for b.Loop() {
			if _, err := ix.Search(b.Context(), fq); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The inbox's "Escalated" view: open statuses, level 1 and up, by level then due time.
	escalated := search.Query{
		Filters:   q.Filters,
		IntRanges: []search.IntRange{{Field: search.FieldEscalationLevel, From: 1}},
		Sort:      []search.Sort{{Field: search.FieldEscalationLevel, Desc: true}, {Field: search.FieldDueAt}},
		Limit:     50,
	}
	b.Run(fmt.Sprintf("escalated view/docs=%d", n), func(b *testing.B) {
		for b.Loop() {
			if _, err := ix.Search(b.Context(), escalated); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("escalated count/docs=%d", n), func(b *testing.B) {
		for b.Loop() {
			if _, err := ix.Count(b.Context(), escalated); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkBleveUpsert(b *testing.B) {
	ix, err := search.OpenBleve(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()

	const batch = 100
	r := rand.New(rand.NewPCG(3, 4))
	next := 0
	for b.Loop() {
		docs := make([]search.CaseDoc, batch)
		for j := range docs {
			docs[j] = benchDoc(r, next)
			next++
		}
		if err := ix.Upsert(b.Context(), docs...); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkBleveRanked is a search for most of four words (one misspelt) with highlights, as
// the inbox sends it, beside the raw floor: a Bleve match query of the same words on the body.
// Run with: KAIKU_BENCH_DOCS=5000 go test ./search -run '^$' -bench BleveRanked
func BenchmarkBleveRanked(b *testing.B) {
	n := benchDocCount(b)
	dir := b.TempDir()
	ix, err := search.OpenBleve(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	r := rand.New(rand.NewPCG(1, 2))
	const batch = 1000
	for i := 0; i < n; i += batch {
		docs := make([]search.CaseDoc, 0, batch)
		for j := i; j < min(i+batch, n); j++ {
			docs = append(docs, benchDoc(r, j))
		}
		if err := ix.Upsert(b.Context(), docs...); err != nil {
			b.Fatal(err)
		}
	}
	texts := []string{"damaged parcel courier refund", "card charged twice paymnet", "rude staff waiting queue", "tilaus toimitus rikki palautsu"}
	b.Run(fmt.Sprintf("search.Search/docs=%d", n), func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := ix.Search(b.Context(), search.Query{Text: texts[i%len(texts)], Highlight: true, Limit: 50}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run(fmt.Sprintf("floor: match query/docs=%d", n), func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := search.RawMatchForBench(ix, texts[i%len(texts)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
