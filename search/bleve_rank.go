package search

import (
	"context"
	"fmt"
	"math"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Scores of a search for most words: every matched word adds wordScore, and its relevance
// (BM25 over the fields it matched, a few hundred at most) adds far less than any further word
// would, so cases with more of the words always come first and relevance orders cases with
// as many.
const (
	wordScore = 1e6
	// pairBoost weighs two adjacent query words found next to each other (proximity).
	pairBoost = 2.0
	// pairCommonFrac: a pair is looked for only when both its words are in at most this
	// fraction of the cases.
	pairCommonFrac = 0.05
	// synonymBoost weighs a synonym's match against the word's own stem's (1.5).
	synonymBoost = 0.75
	// A rare word (in at most correctionRareFrac of the cases, or correctionMinDF) also matches as the spelling
	// within its typo allowance that at least correctionRatio times as many cases (and at least
	// correctionMinDF) use, weighed correctionBoost of an exact match.
	correctionRareFrac = 0.005
	correctionRatio    = 5
	correctionMinDF    = 3
	correctionBoost    = 0.75
	// correctionCandidates bounds the spellings counted for one word.
	correctionCandidates = 64
)

// wordQuery matches one query word in any text field: exactly (weighted highest), as a prefix,
// within its typo allowance, or by its English or Finnish stem.
func wordQuery(w queryWord, synonyms *textAnalyzers, lastPrefix, typos bool) query.Query {
	var alts []query.Query
	fuzz := 0
	if typos {
		fuzz = w.fuzziness()
	}
	for _, f := range bleveTextFields {
		tq := bleve.NewTermQuery(w.term)
		tq.SetField(f.name)
		tq.SetBoost(f.boost * 2)
		alts = append(alts, tq)
		if lastPrefix && len([]rune(w.term)) >= 3 {
			pq := bleve.NewPrefixQuery(w.term)
			pq.SetField(f.name)
			pq.SetBoost(f.boost * 0.5)
			alts = append(alts, pq)
		}
		// Typos in the text and the name; the lookup forms (references, phone numbers) and
		// e-mail addresses match as typed: a fuzzy automaton per field is the dearest part.
		if fuzz > 0 && f.name != fieldLookup && f.name != bleveFieldEmailText {
			fq := bleve.NewFuzzyQuery(w.term)
			fq.SetField(f.name)
			fq.SetFuzziness(fuzz)
			fq.SetBoost(f.boost * 0.5)
			alts = append(alts, fq)
		}
	}
	for _, s := range []struct{ field, stem string }{{fieldStemEN, w.stemEN}, {fieldStemFI, w.stemFI}} {
		// A Finnish stem equal to the word (English words, mostly) finds what the plain
		// clauses find, its inflections aside, which the English stem covers: one clause less.
		if s.stem == "" || (s.field == fieldStemFI && s.stem == w.term) {
			continue
		}
		tq := bleve.NewTermQuery(s.stem)
		tq.SetField(s.field)
		tq.SetBoost(1.5)
		alts = append(alts, tq)
	}
	// A rare spelling's common neighbour (wordStats): the word as most cases spell it.
	if w.correction != "" {
		cw := synonyms.word(w.correction)
		for _, f := range bleveTextFields {
			if f.name == fieldLookup || f.name == bleveFieldEmailText {
				continue
			}
			tq := bleve.NewTermQuery(cw.term)
			tq.SetField(f.name)
			tq.SetBoost(f.boost * correctionBoost)
			alts = append(alts, tq)
		}
		if cw.stemEN != "" {
			tq := bleve.NewTermQuery(cw.stemEN)
			tq.SetField(fieldStemEN)
			tq.SetBoost(1.5 * correctionBoost / 2)
			alts = append(alts, tq)
		}
	}
	// Synonyms, one clause among the word's: a disjunction scores by the share of its clauses
	// matched, which a word with many synonyms would otherwise lower.
	var syns []query.Query
	for _, s := range []struct {
		field string
		alts  []string
	}{{fieldStemEN, synonyms.synEN[w.stemEN]}, {fieldStemFI, synonyms.synFI[w.stemFI]}} {
		for _, alt := range s.alts {
			tq := bleve.NewTermQuery(alt)
			tq.SetField(s.field)
			tq.SetBoost(synonymBoost)
			syns = append(syns, tq)
		}
	}
	if len(syns) > 0 {
		alts = append(alts, bleve.NewDisjunctionQuery(syns...))
	}
	return bleve.NewDisjunctionQuery(alts...)
}

// textQuery matches terms (plain, as queryTerms returns them). With all every word must match
// (as Meilisearch's "all" matching strategy); otherwise most of them (minWordsToMatch), numbers
// always, each matched word scoring wordScore plus its capped relevance, and adjacent words
// found side by side adding a little more.
func (b *BleveIndex) textQuery(terms []string, all bool) query.Query {
	words := make([]queryWord, len(terms))
	for i, t := range terms {
		words[i] = b.text.word(t)
	}
	if all {
		perWord := make([]query.Query, len(words))
		for i, w := range words {
			// Every word may be a prefix: an "all of these words" search narrows as one types.
			perWord[i] = wordQuery(w, b.text, true, true)
		}
		if len(perWord) == 1 {
			return perWord[0]
		}
		return bleve.NewConjunctionQuery(perWord...)
	}

	known, stemDF, total := b.wordStats(words)

	var required, optional []query.Query
	for i, w := range words {
		// Only a word the cases do not have is looked for with typos and, if it is the last
		// one (half typed), as a prefix: a word spelt as the cases spell it needs neither, and
		// the typo automata and prefix expansions over every field are most of a search's
		// cost. Prefixes of every word would also let "car" stand for "card" and "career".
		wq := wordQuery(w, b.text, !known[i] && i == len(words)-1, !known[i])
		if w.required {
			required = append(required, wq)
			continue
		}
		optional = append(optional, wordTierQuery{wq})
	}
	bq := bleve.NewBooleanQuery()
	if len(required) > 0 {
		bq.AddMust(required...)
	}
	if len(optional) > 0 {
		dq := bleve.NewDisjunctionQuery(optional...)
		if len(required) == 0 {
			dq.SetMin(float64(minWordsToMatch(len(optional))))
		}
		bq.AddMust(dq)
	}
	// Proximity: adjacent words next to each other in the stemmed text. Only where both words
	// are rarer (in at most pairCommonFrac of the cases): a phrase of common words reads two
	// long posting lists with their positions, a quarter of a search's time, and tells little.
	var pairs []query.Query
	rareBelow := pairCommonFrac * float64(total)
	for i := 1; i < len(words); i++ {
		a, c := words[i-1].stemEN, words[i].stemEN
		if a == "" || c == "" || words[i-1].required || words[i].required ||
			float64(stemDF[i-1]) > rareBelow || float64(stemDF[i]) > rareBelow {
			continue
		}
		pq := bleve.NewPhraseQuery([]string{a, c}, fieldStemEN)
		pq.SetBoost(pairBoost)
		pairs = append(pairs, pq)
	}
	if len(pairs) > 0 {
		bq.AddShould(pairs...)
	}
	bq.AddMustNot(textFieldsHint())
	return bq
}

// wordStats marks the words found as they are (or by their stem) in a subject or a body (and
// sets a rare one's correction), and returns each word's English stem's document count and
// the index's document count.
func (b *BleveIndex) wordStats(words []queryWord) (known []bool, stemDF []int, total int) {
	known, stemDF = make([]bool, len(words)), make([]int, len(words))
	ir, err := b.reader()
	if err != nil {
		return known, stemDF, 0 // look for every word with typos, no pairs: slower, never wrong
	}
	defer func() { _ = ir.Close() }()
	if n, err := ir.DocCount(); err == nil {
		total = int(n)
	}
	for i, w := range words {
		if w.stemEN != "" {
			stemDF[i] = ir.docFreq(w.stemEN, fieldStemEN)
		}
		known[i] = stemDF[i] > 0 || ir.docFreq(w.term, fieldBody) > 0 || ir.docFreq(w.term, fieldSubject) > 0 ||
			(w.stemFI != "" && ir.docFreq(w.stemFI, fieldStemFI) > 0)
		if known[i] {
			words[i].correction = ir.correction(w, total)
		}
	}
	return known, stemDF, total
}

// correction returns the spelling of w that far more cases use when w is rare and within its
// typo allowance of it ("acount" for "account"), or "". In a large index most misspellings
// are in some case, so a word being there does not mean it is spelt right.
func (r termReader) correction(w queryWord, total int) string {
	fuzz := w.fuzziness()
	if fuzz == 0 || w.required {
		return ""
	}
	own := r.docFreq(w.term, fieldBody)
	if float64(own) > max(correctionMinDF, correctionRareFrac*float64(total)) {
		return ""
	}
	fr, ok := r.IndexReader.(index.IndexReaderFuzzy)
	if !ok {
		return ""
	}
	dict, err := fr.FieldDictFuzzy(fieldBody, w.term, fuzz, "")
	if err != nil {
		return ""
	}
	defer func() { _ = dict.Close() }()
	best, bestDF := "", max(correctionMinDF, correctionRatio*own)-1
	// The fuzzy dictionary leaves its entries' counts at zero: each is counted.
	for range correctionCandidates {
		e, err := dict.Next()
		if err != nil || e == nil {
			break
		}
		if e.Term == w.term || isNumberTerm(e.Term) {
			continue
		}
		if df := r.docFreq(e.Term, fieldBody); df > bestDF {
			best, bestDF = e.Term, df
		}
	}
	return best
}

// termReader reads term statistics of one index snapshot.
type termReader struct{ index.IndexReader }

func (b *BleveIndex) reader() (termReader, error) {
	adv, err := b.idx.Advanced()
	if err != nil {
		return termReader{}, err
	}
	ir, err := adv.Reader()
	return termReader{ir}, err
}

// docFreq is the number of documents with term in field (0 on any error).
func (r termReader) docFreq(term, field string) int {
	tfr, err := r.TermFieldReader(context.Background(), []byte(term), field, false, false, false)
	if err != nil {
		return 0
	}
	defer func() { _ = tfr.Close() }()
	return int(tfr.Count())
}

// Similar returns the cases most like case id: its subject and body, stemmed, weighed by
// tf-idf over this index, as one query (the case itself excluded), within q's filters. A case
// the index does not hold, or whose words are all common or unique, has no similar cases.
func (b *BleveIndex) Similar(ctx context.Context, id string, q Query) (Result, error) {
	limit, err := checkQuery(Query{Filters: q.Filters, Ranges: q.Ranges, IntRanges: q.IntRanges, Limit: q.Limit})
	if err != nil {
		return Result{}, err
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery([]string{id}), 1, 0, false)
	req.Fields = []string{fieldSubject, fieldBody}
	res, err := b.idx.SearchInContext(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("search: bleve similar: %w", err)
	}
	if len(res.Hits) == 0 {
		return Result{}, nil
	}
	subject, _ := res.Hits[0].Fields[fieldSubject].(string)
	body, _ := res.Hits[0].Fields[fieldBody].(string)

	total, err := b.idx.DocCount()
	if err != nil {
		return Result{}, fmt.Errorf("search: bleve similar: %w", err)
	}
	ir, err := b.reader()
	if err != nil {
		return Result{}, fmt.Errorf("search: bleve similar: %w", err)
	}
	defer func() { _ = ir.Close() }()
	docFreq := func(term string) int { return ir.docFreq(term, fieldStemEN) }
	terms := topTerms(b.text.en, subject, body, int(total), docFreq, similarTerms)
	if len(terms) == 0 {
		return Result{}, nil
	}
	// Only cases with one of the strongest rarer terms (in at most similarCommonFrac of the
	// cases) are candidates; every term scores them. The other terms' posting lists are then
	// skipped through to the candidates rather than read whole, so the common ones cost
	// little while they still tell a case about the same problem from one that merely shares
	// a rare word (scoring them lifts the top 5 sharing the case's CFPB Issue from 1.57 to
	// 1.68 in scripts/searcheval).
	var seeds, all []query.Query
	commonAbove := similarCommonFrac * float64(total)
	for _, t := range terms {
		df := max(1, docFreq(t.term))
		tq := bleve.NewTermQuery(t.term)
		tq.SetField(fieldStemEN)
		tq.SetBoost(t.weight / math.Log(1+float64(total)/float64(df)))
		all = append(all, tq)
		if float64(df) <= commonAbove && len(seeds) < similarSeedTerms {
			// The same term again, scoring nothing: it only finds candidates.
			sq := bleve.NewTermQuery(t.term)
			sq.SetField(fieldStemEN)
			sq.SetBoost(0)
			seeds = append(seeds, sq)
		}
	}
	bq, ok := b.buildQuery(nil, Query{Filters: q.Filters, Ranges: q.Ranges, IntRanges: q.IntRanges}).(*query.BooleanQuery)
	if !ok {
		bq = bleve.NewBooleanQuery()
	}
	if len(seeds) > 0 && len(seeds) < len(all) {
		// The seeds lead (a required clause drives the search); every term scores the cases
		// they find, its posting list advanced to each rather than read whole.
		bq.AddMust(bleve.NewDisjunctionQuery(seeds...))
		bq.AddShould(bleve.NewDisjunctionQuery(all...))
	} else {
		bq.AddMust(bleve.NewDisjunctionQuery(all...))
	}
	bq.AddMustNot(bleve.NewDocIDQuery([]string{id}))
	sreq := bleve.NewSearchRequestOptions(bq, limit, 0, false)
	sreq.Fields = []string{bleveFieldSource, fieldSubject, fieldBody, fieldCustomerName}
	sres, err := b.idx.SearchInContext(ctx, sreq)
	if err != nil {
		return Result{}, fmt.Errorf("search: bleve similar: %w", err)
	}
	out := Result{Total: int(sres.Total)}
	for _, h := range sres.Hits {
		doc, err := bleveHitDoc(h)
		if err != nil {
			return Result{}, err
		}
		out.Hits = append(out.Hits, Hit{Doc: doc, Score: h.Score})
	}
	return out, nil
}

// wordTierQuery scores a case matching one word of a search for most words: wordScore plus
// the word's capped relevance, so that cases with more of the words rank first. It does what
// Bleve's CustomScoreQuery would, without that query's lookup of every matching case's
// external ID (a fifth of a 100k search's time).
type wordTierQuery struct{ word query.Query }

func (q wordTierQuery) Searcher(ctx context.Context, i index.IndexReader, m mapping.IndexMapping, options bsearch.SearcherOptions) (bsearch.Searcher, error) {
	s, err := q.word.Searcher(ctx, i, m, options)
	if err != nil {
		return nil, err
	}
	return wordTierSearcher{s}, nil
}

type wordTierSearcher struct{ bsearch.Searcher }

func tierScore(d *bsearch.DocumentMatch) *bsearch.DocumentMatch {
	if d != nil {
		d.Score = wordScore + math.Min(d.Score, wordScore/100)
	}
	return d
}

func (s wordTierSearcher) Next(ctx *bsearch.SearchContext) (*bsearch.DocumentMatch, error) {
	d, err := s.Searcher.Next(ctx)
	return tierScore(d), err
}

func (s wordTierSearcher) Advance(ctx *bsearch.SearchContext, id index.IndexInternalID) (*bsearch.DocumentMatch, error) {
	d, err := s.Searcher.Advance(ctx, id)
	return tierScore(d), err
}

// textFieldsHint names the fields a search for most words reads, for Bleve's BM25 statistics:
// Bleve gathers them only from the query types it knows, not from inside wordTierQuery. A
// term no case has (a NUL byte) costs nothing to not find.
func textFieldsHint() query.Query {
	var alts []query.Query
	for _, f := range bleveTextFields {
		tq := bleve.NewTermQuery("\x00")
		tq.SetField(f.name)
		alts = append(alts, tq)
	}
	for _, f := range []string{fieldStemEN, fieldStemFI} {
		tq := bleve.NewTermQuery("\x00")
		tq.SetField(f)
		alts = append(alts, tq)
	}
	return bleve.NewDisjunctionQuery(alts...)
}
