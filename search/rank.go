package search

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/fi"
)

// Ranked search: a person types a few words, some misspelt, some inflected, some not in the
// case at all. Both backends return the cases matching most of the words, more of the words
// first, then by relevance; Query.AllWords asks for every word instead.

// Hidden stemmed copies of the case text (subject and body), one per language. Each case is
// indexed in both: stemming English text with the Finnish stemmer (or the reverse) only makes
// terms nobody searches for, and it spares guessing the language of a short complaint.
const (
	fieldStemEN = "text_en"
	fieldStemFI = "text_fi"
)

// textAnalyzers analyses search text the ways the index does: plain (lowercased, plurals
// folded, as the text fields), and stemmed English and Finnish (stop words dropped).
type textAnalyzers struct {
	plain, en, fi analysis.Analyzer
	// contractions are the English stop words with an apostrophe ("can't", "i'm").
	contractions map[string]bool
	// synEN and synFI map an English or Finnish stem to its synonyms' stems (thesaurus.go).
	synEN, synFI thesaurus
}

func newTextAnalyzers() (*textAnalyzers, error) {
	m, err := bleveMapping()
	if err != nil {
		return nil, err
	}
	a := &textAnalyzers{
		plain: m.AnalyzerNamed(bleveTextAnalyzer),
		en:    m.AnalyzerNamed(en.AnalyzerName),
		fi:    m.AnalyzerNamed(fi.AnalyzerName),
	}
	if a.plain == nil || a.en == nil || a.fi == nil {
		return nil, fmt.Errorf("search: text analyzers missing")
	}
	stops := analysis.NewTokenMap()
	if err := stops.LoadBytes(en.EnglishStopWords); err != nil {
		return nil, fmt.Errorf("search: english stop words: %w", err)
	}
	a.contractions = map[string]bool{}
	for w := range stops {
		// Not "i'll", "we'll", "i'd": typed without the apostrophe they are words ("ill",
		// "well", "id") a search means.
		for _, suffix := range []string{"n't", "'m", "'ve", "'re", "'s"} {
			if strings.HasSuffix(w, suffix) {
				a.contractions[w] = true
			}
		}
	}
	a.synEN = newThesaurus(a.en, synonymGroupsEN(), synonymExpansionsEN())
	a.synFI = newThesaurus(a.fi, synonymGroupsFI(), nil)
	return a, nil
}

// single analyses one word and returns its one term, or "" (a stop word).
func single(a analysis.Analyzer, word string) string {
	toks := a.Analyze([]byte(word))
	if len(toks) == 0 {
		return ""
	}
	return string(toks[0].Term)
}

// analyzeTerms returns the terms a analyser makes of text.
func analyzeTerms(a analysis.Analyzer, text string) []string {
	toks := a.Analyze([]byte(text))
	out := make([]string, 0, len(toks))
	for _, tok := range toks {
		out = append(out, string(tok.Term))
	}
	return out
}

// queryWord is one word of a search: its plain term, its English and Finnish stems ("" when
// the word is a stop word in that language) and whether it must match.
type queryWord struct {
	term     string
	stemEN   string
	stemFI   string
	required bool // identifiers (references, phone and order numbers) always must match
	stop     bool // a stop word in English or Finnish
	// correction is how far more cases spell a rare word (Bleve: BleveIndex.correction).
	correction string
}

// fuzziness is the edit distance a word may be off by (Meilisearch's defaults: 1 typo from 5
// characters, 2 from 9; none for numbers or over maxFuzzyRunes, whose automaton would cost
// every search).
func (w queryWord) fuzziness() int {
	n := utf8.RuneCountInString(w.term)
	switch {
	case isNumberTerm(w.term), n > maxFuzzyRunes:
		return 0
	case n >= 9:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}

// words splits text into query words the way the plain analyser does, at most maxQueryTerms,
// each once. Unless every word is a stop word, stop words are left out of a search for most
// words: "my", "the" or "ja" would otherwise count as matched words in nearly every case.
func (a *textAnalyzers) words(text string, all bool) []queryWord {
	text = lookupQuery(strings.TrimSpace(text))
	if text == "" {
		return nil
	}
	var out []queryWord
	seen := map[string]bool{}
	for _, tok := range a.plain.Analyze([]byte(text)) {
		t := string(tok.Term)
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		w := a.word(t)
		// A stop word is known by the word as typed: the plain analyser folds plurals, and
		// "was", "this", "has" and "his" folded are no stop words ("wa", "thi") yet match
		// in nearly every case.
		if raw := strings.ToLower(text[tok.Start:tok.End]); raw != t && !w.stop && !isNumberTerm(t) {
			w.stop = a.isStop(raw)
		}
		out = append(out, w)
		if len(out) == maxQueryTerms {
			break
		}
	}
	if all {
		return out
	}
	content := slices.DeleteFunc(slices.Clone(out), func(w queryWord) bool { return w.stop })
	if len(content) == 0 {
		return out
	}
	return content
}

// word makes a query word of a plain term.
func (a *textAnalyzers) word(t string) queryWord {
	w := queryWord{term: t, required: isIdentifierTerm(t)}
	if !isNumberTerm(t) {
		w.stemEN, w.stemFI = single(a.en, t), single(a.fi, t)
		w.stop = w.stemEN == "" || w.stemFI == "" || a.contractionStop(t)
	}
	return w
}

// isStop reports whether word (lowercased, unfolded) is a stop word in English or Finnish.
func (a *textAnalyzers) isStop(word string) bool {
	return single(a.en, word) == "" || single(a.fi, word) == "" || a.contractionStop(word)
}

// contractionStop reports whether t is an English stop word typed without its apostrophe,
// as people type in a search box: "cant", "dont", "isnt", "wont", "im", "ive", "thats".
func (a *textAnalyzers) contractionStop(t string) bool {
	for i := 1; i < len(t); i++ {
		if a.contractions[t[:i]+"'"+t[i:]] {
			return true
		}
	}
	return false
}

// allWords reports whether every word of q's text must match: when asked, and for an email
// address, which names one customer rather than a topic.
func allWords(q Query) bool {
	return q.AllWords || strings.ContainsRune(q.Text, '@')
}

// minWordsToMatch is how many of n optional words a case must match: most of them (half,
// rounded up), so one stray word never stands for the whole search, while a search with a
// word the cases do not use still finds them.
func minWordsToMatch(n int) int {
	return max(1, (n+1)/2)
}

// similarTerm is one term of a case's text with its weight in a "more like this" query.
type similarTerm struct {
	term   string
	weight float64
}

// Similar cases: the case's own text, stemmed (English), stop words dropped, weighed by
// tf-idf; the strongest terms make the query. The subject counts twice: it names the problem.
const (
	similarTerms      = 50  // terms in a similar-cases query
	similarCommonFrac = 0.1 // a term in more of the cases finds no candidates, only scores them (Bleve)
	similarSeedTerms  = 5   // the strongest rarer terms find the candidates (Bleve)
	similarSubjectTF  = 2
)

// topTerms weighs the terms of subject and body by tf-idf, where docFreq gives a term's
// document count among total documents, and returns the strongest n.
func topTerms(a analysis.Analyzer, subject, body string, total int, docFreq func(term string) int, n int) []similarTerm {
	tf := map[string]float64{}
	for _, tok := range a.Analyze([]byte(subject)) {
		if t := string(tok.Term); usefulSimilarTerm(t) {
			tf[t] += similarSubjectTF
		}
	}
	for _, tok := range a.Analyze([]byte(body)) {
		if t := string(tok.Term); usefulSimilarTerm(t) {
			tf[t]++
		}
	}
	var out []similarTerm
	for t, f := range tf {
		df := docFreq(t)
		if df <= 1 {
			continue // only in this case (a name, a typo)
		}
		idf := math.Log(1 + float64(total)/float64(df))
		out = append(out, similarTerm{term: t, weight: (1 + math.Log(f)) * idf})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].weight != out[j].weight {
			return out[i].weight > out[j].weight
		}
		return out[i].term < out[j].term
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// usefulSimilarTerm drops numbers and redaction marks (CFPB narratives hide names and dates
// as XXXX) from similar-case terms: they say nothing about what the case is about.
func usefulSimilarTerm(t string) bool {
	if utf8.RuneCountInString(t) < 3 || isNumberTerm(t) {
		return false
	}
	return strings.Trim(t, "x") != ""
}
