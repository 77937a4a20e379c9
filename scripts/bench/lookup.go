package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/search"
)

// Issue 11: lookup by reference, what an agent types first when a customer phones.

const (
	lookupName      = "lookup by reference"
	targetLookupP95 = 20 * time.Millisecond
)

// referenceForms are the forms of a reference a customer reads out: K-2026-000004,
// 2026-000004 and 000004 (the last is shared by the cases of each year with that number).
func referenceForms(id string) []string {
	year := strings.TrimPrefix(id, "K-")
	number := year[strings.LastIndexByte(year, '-')+1:]
	return []string{id, year, number}
}

// lookupSpec is the lookup figure: a reference of a seeded case in one of its three forms,
// drawn with a seeded RNG, as the query string of GET /api/v1/cases and as the query the server
// builds from it (helpdesk.Cases.buildQuery for q alone: highlights on, relevance order, the
// default page size). Every query must find at least one case (see searchFloors): a lookup
// that finds nothing is fast and tells nothing.
func lookupSpec(d *dataset, samples int, seed uint64) listSpec {
	r := rand.New(rand.NewPCG(seed, 6))
	spec := listSpec{name: lookupName, mustFind: true, queries: make([]listQuery, samples)}
	for i := range spec.queries {
		forms := referenceForms(d.ids[r.IntN(len(d.ids))])
		text := forms[r.IntN(len(forms))]
		spec.queries[i] = listQuery{params: url.Values{"q": {text}}, q: search.Query{Text: text, Highlight: true}}
	}
	return spec
}

// printLookup prints the lookup figure and its target.
func printLookup(w io.Writer, l listRow) {
	fmt.Fprintf(w, "%-30s HTTP %s | floor %-22s %s  (%.1f hits; K-YYYY-NNNNNN, YYYY-NNNNNN or NNNNNN of a seeded case, each found)\n",
		l.name, l.http, "bleve search.Search", l.floor, l.hits)
	fmt.Fprintf(w, "target (issue 11): lookup by reference p95 <= %s %s\n", ms(targetLookupP95), verdict(l.http.n > 0 && l.http.p95 <= targetLookupP95))
}
