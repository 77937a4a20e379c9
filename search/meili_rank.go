package search

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/meilisearch/meilisearch-go"
)

// meiliFieldStems is the searchable attribute of stems (meiliDoc.Stems).
const meiliFieldStems = "stems"

// Similar cases on Meilisearch: the candidate terms whose document counts one multi-search
// asks for, and the strongest of them searched.
const (
	meiliSimilarCandidates = 120
	meiliSimilarTerms      = 15
)

// stems returns the distinct English and Finnish stems of text, space separated.
func (a *textAnalyzers) stems(text string) string {
	seen := map[string]bool{}
	var out []string
	for _, toks := range [][]string{analyzeTerms(a.en, text), analyzeTerms(a.fi, text)} {
		for _, t := range toks {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return strings.Join(out, " ")
}

// meiliRankedText is the query for a search for most words: stop words dropped, each word
// replaced by its stem that differs most from it (the stem of the word's own language, as a
// rule), which meets the document's stems; numbers are kept as they are. A word with synonyms
// is sent as the stem they are listed under (meiliSynonyms).
func (a *textAnalyzers) meiliRankedText(text string) string {
	var out []string
	for _, w := range a.words(text, false) {
		t := w.term
		for _, s := range []string{w.stemEN, w.stemFI} {
			if s != "" && len(s) < len(t) {
				t = s
			}
		}
		switch {
		case len(a.synEN[w.stemEN]) > 0:
			t = w.stemEN
		case len(a.synFI[w.stemFI]) > 0:
			t = w.stemFI
		}
		out = append(out, t)
	}
	return strings.Join(out, " ")
}

// meiliSynonyms is the thesaurus as Meilisearch's synonyms setting: a stem finds its
// synonyms' stems in the stems attribute, and a case with one counts as matching the word.
func (a *textAnalyzers) meiliSynonyms() map[string][]string {
	out := map[string][]string{}
	for _, t := range []thesaurus{a.synEN, a.synFI} {
		for k, alts := range t {
			for _, s := range alts {
				if !slices.Contains(out[k], s) {
					out[k] = append(out[k], s)
				}
			}
		}
	}
	return out
}

// Similar returns the cases most like case id (see BleveIndex.Similar). Meilisearch does not
// expose term statistics: the document frequency of the case's candidate terms comes from one
// multi-search of counts, and the strongest terms are searched with the "frequency" strategy
// (more of them ranking first).
func (m *MeiliIndex) Similar(ctx context.Context, id string, q Query) (Result, error) {
	limit, err := checkQuery(Query{Filters: q.Filters, Ranges: q.Ranges, IntRanges: q.IntRanges, Limit: q.Limit})
	if err != nil {
		return Result{}, err
	}
	var md meiliDoc
	if err := m.index.GetDocumentWithContext(ctx, id, nil, &md); err != nil {
		if isMeiliCode(err, "document_not_found") {
			return Result{}, nil
		}
		return Result{}, fmt.Errorf("search: meilisearch similar: %w", err)
	}
	total, err := m.DocCount(ctx)
	if err != nil {
		return Result{}, err
	}
	// Candidates: every useful term, counted in one request.
	candidates := topTerms(m.text.en, md.Subject, md.Body, total, func(string) int { return 2 }, meiliSimilarCandidates)
	zero := int64(0)
	multi := &meilisearch.MultiSearchRequest{}
	for _, c := range candidates {
		multi.Queries = append(multi.Queries, &meilisearch.SearchRequest{IndexUID: m.name, Query: c.term,
			AttributesToSearchOn: []string{meiliFieldStems}, HitsPerPage: &zero, MatchingStrategy: meilisearch.All})
	}
	df := map[string]int{}
	if len(multi.Queries) > 0 {
		resp, err := m.client.MultiSearchWithContext(ctx, multi)
		if err != nil {
			return Result{}, fmt.Errorf("search: meilisearch similar: %w", err)
		}
		for i, r := range resp.Results {
			if i < len(candidates) {
				df[candidates[i].term] = int(r.TotalHits)
			}
		}
	}
	terms := topTerms(m.text.en, md.Subject, md.Body, total, func(t string) int { return df[t] }, meiliSimilarTerms)
	if len(terms) == 0 {
		return Result{}, nil
	}
	words := make([]string, len(terms))
	for i, t := range terms {
		words[i] = t.term
	}
	filter := "id != " + meiliQuote(id)
	if f, ok := meiliFilter(q).(string); ok && f != "" {
		filter = "(" + f + ") AND " + filter
	}
	hpp := int64(limit)
	resp, err := m.index.SearchWithContext(ctx, strings.Join(words, " "), &meilisearch.SearchRequest{
		Filter: filter, MatchingStrategy: meilisearch.Frequency, HitsPerPage: &hpp, Page: 1,
		AttributesToSearchOn: []string{meiliFieldStems}, ShowRankingScore: true,
	})
	if err != nil {
		return Result{}, fmt.Errorf("search: meilisearch similar: %w", err)
	}
	out := Result{Total: int(resp.TotalHits)}
	for _, h := range resp.Hits {
		var hd meiliDoc
		if err := h.DecodeInto(&hd); err != nil {
			return Result{}, fmt.Errorf("search: meilisearch hit: %w", err)
		}
		doc, err := hd.caseDoc()
		if err != nil {
			return Result{}, err
		}
		hit := Hit{Doc: doc}
		if raw, ok := h["_rankingScore"]; ok {
			_ = json.Unmarshal(raw, &hit.Score)
		}
		out.Hits = append(out.Hits, hit)
	}
	return out, nil
}
