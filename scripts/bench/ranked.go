package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/kaiku-helpdesk/kaiku/search"
)

// Issue 15: ranked search with four words and similar cases, each beside the raw index query
// of the same words (a Bleve match query, any word, over the body) on the same index.

const (
	rankedName         = "search four words (ranked)"
	targetRankedP95    = 60 * time.Millisecond
	targetSimilarP95   = 100 * time.Millisecond
	similarFigureLabel = "similar cases"
)

// rankedSpec is four words as a support lead types them: common and rare words from the data,
// one in four with a typo, in the default "most words" mode with highlights, as GET
// /api/v1/cases sends them and as the server builds the query (helpdesk.Cases.buildQuery).
func rankedSpec(v *vocabulary, samples int, seed uint64) listSpec {
	r := rand.New(rand.NewPCG(seed, 15))
	spec := listSpec{name: rankedName, queries: make([]listQuery, samples)}
	for i := range spec.queries {
		words := make([]string, 4)
		for k := range words {
			switch j := r.IntN(8); {
			case j < 5:
				words[k] = pick(r, v.common)
			case j < 7:
				words[k] = pick(r, v.rare)
			default:
				words[k] = typo(r, pick(r, v.typoBase))
			}
		}
		text := strings.Join(words, " ")
		spec.queries[i] = listQuery{params: url.Values{"q": {text}}, q: search.Query{Text: text, Highlight: true}}
	}
	return spec
}

// rankedReport is issue 15's figures.
type rankedReport struct {
	search                  listRow
	rawSearch               stats // raw Bleve match query of the same words
	similar, similarFloor   stats // HTTP, and search.Similar on the index
	rawSimilar              stats // raw Bleve match query of the case's subject
	similarHits, searchHits float64
}

// rawMatchFloor measures a plain Bleve match query (any of the words, body field, default
// scoring, first 50 hits) of each text on the index in dir: the raw index query beneath both
// figures.
func rawMatchFloor(dir string, texts []string, cfg config) (stats, error) {
	idx, err := bleve.Open(dir)
	if err != nil {
		return stats{}, err
	}
	defer idx.Close()
	return measure(cfg.Warmup, cfg.Requests, func(i int) error {
		mq := bleve.NewMatchQuery(texts[i%len(texts)])
		mq.SetField("body")
		_, err := idx.Search(bleve.NewSearchRequestOptions(mq, 50, 0, false))
		return err
	})
}

// rankedFloors measures search.Similar on the index and the raw floors; the ranked search's
// own search.Search floor is measured with the other lists (searchFloors).
func rankedFloors(ctx context.Context, work string, spec listSpec, ids []string, cfg config, rr *rankedReport, progress func(string, ...any)) error {
	dir := filepath.Join(work, indexSubdir)
	idx, err := search.OpenBleve(dir)
	if err != nil {
		return err
	}
	subjects := make([]string, len(ids))
	hits := 0
	progress("floor: search.Similar on Bleve x %d", cfg.Requests)
	rr.similarFloor, err = measure(cfg.Warmup, cfg.Requests, func(i int) error {
		res, err := idx.Similar(ctx, ids[i], search.Query{Limit: 10})
		if i >= cfg.Warmup {
			hits += len(res.Hits)
		}
		return err
	})
	rr.similarHits = float64(hits) / float64(cfg.Requests)
	if err == nil {
		// The cases' subjects, for the raw floor of similar cases.
		for i, id := range ids {
			res, serr := idx.Search(ctx, search.Query{Filters: nil, Text: id, AllWords: true, Limit: 1})
			if serr == nil && len(res.Hits) > 0 {
				subjects[i] = res.Hits[0].Doc.Subject
			}
		}
	}
	if cerr := idx.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("similar floor: %w", err)
	}
	texts := make([]string, len(spec.queries))
	for i, q := range spec.queries {
		texts[i] = q.q.Text
	}
	progress("floor: raw Bleve match query (four words) x %d", cfg.Requests)
	if rr.rawSearch, err = rawMatchFloor(dir, texts, cfg); err != nil {
		return fmt.Errorf("raw search floor: %w", err)
	}
	progress("floor: raw Bleve match query (a case's subject) x %d", cfg.Requests)
	if rr.rawSimilar, err = rawMatchFloor(dir, subjects, cfg); err != nil {
		return fmt.Errorf("raw similar floor: %w", err)
	}
	return nil
}

// measureSimilar sends GET /api/v1/cases/{id}/similar.
func measureSimilar(ctx context.Context, admin *session, base string, ids []string, cfg config) (stats, error) {
	return measure(cfg.Warmup, cfg.Requests, func(i int) error {
		_, err := httpGet(ctx, admin.client, base+"/api/v1/cases/"+url.PathEscape(ids[i])+"/similar", false)
		return err
	})
}

func (rr *rankedReport) print(w io.Writer) {
	if rr == nil {
		return
	}
	fmt.Fprintf(w, "%-30s HTTP %s | floor %-22s %s | raw %-24s %s  (%.0f hits)\n", rankedName, rr.search.http,
		"bleve search.Search", rr.search.floor, "bleve match query (any)", rr.rawSearch, rr.search.hits)
	fmt.Fprintf(w, "%-30s HTTP %s | floor %-22s %s | raw %-24s %s  (%.1f hits)\n", similarFigureLabel, rr.similar,
		"bleve search.Similar", rr.similarFloor, "match query (subject)", rr.rawSimilar, rr.similarHits)
	fmt.Fprintf(w, "targets (issue 15): search with four words p95 <= %s %s  similar cases p95 <= %s %s\n",
		ms(targetRankedP95), verdict(rr.search.http.n > 0 && rr.search.http.p95 <= targetRankedP95),
		ms(targetSimilarP95), verdict(rr.similar.n > 0 && rr.similar.p95 <= targetSimilarP95))
}
