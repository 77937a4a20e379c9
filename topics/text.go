// Package topics groups complaints and reviews into recurring topics by their text, in English
// and Finnish. A Model is learned over the corpus (spherical k-means over TF-IDF vectors of
// stemmed words and word pairs, stop words left out) and stored as one document; each case is
// given its topic when it is indexed (Model.Assign: a sparse dot product with a few dozen
// centroids), so topics are counted per week by the search index's facets like any other field.
package topics

import (
	"bufio"
	"bytes"
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/fi"
	snowball "github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/finnish"
)

// Analyzer turns text into the terms topics are learned from: stemmed content words and pairs
// and triples of adjacent content words (a stop word or a punctuation mark ends a phrase).
type Analyzer struct {
	stopEN, stopFI map[string]bool
}

// NewAnalyzer builds an Analyzer with Snowball's English and Finnish stop words (as shipped
// with Bleve) and a few words every complaint uses.
func NewAnalyzer() *Analyzer {
	a := &Analyzer{stopEN: parseStopWords(en.EnglishStopWords), stopFI: parseStopWords(fi.FinnishStopWords)}
	for _, w := range complaintStopWords {
		a.stopEN[w] = true
	}
	for _, w := range complaintStopWordsFI {
		a.stopFI[w] = true
	}
	return a
}

// complaintStopWords say nothing about what a complaint is about: they occur in complaints of
// every kind (and CFPB's redaction marks are all x).
var complaintStopWords = []string{
	"also", "would", "could", "told", "said", "says", "called", "call", "calls", "get", "got",
	"since", "still", "even", "however", "please", "never", "back", "one", "two", "due",
	"received", "receive", "now", "went", "make", "made", "asked", "want", "wanted", "like",
	"know", "knew", "tried", "try", "time", "times", "day", "days", "going", "stated", "state",
	"per", "well", "way", "take", "took", "need", "needed", "able", "thank", "thanks",
	"dear", "sincerely", "regards", "hello", "hi", "yet", "ago", "may", "might", "shall",
	"will", "can", "cannot", "im", "ive", "dont", "didnt", "doesnt", "isnt", "wasnt", "u",
	"etc", "ok", "okay", "yes", "today", "yesterday", "first", "many", "much", "every",
}

var complaintStopWordsFI = []string{
	"myös", "vielä", "nyt", "sitten", "kun", "jo", "kuitenkin", "mutta", "vain", "ole",
	"eikä", "ei", "sanoi", "kertoi", "kiitos", "terveisin", "moi", "hei",
}

func parseStopWords(b []byte) map[string]bool {
	out := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '|'); i >= 0 {
			line = line[:i]
		}
		for _, w := range strings.Fields(line) {
			out[strings.ToLower(w)] = true
		}
	}
	return out
}

// token is one content word: its stem and the word as written (lower case).
type token struct{ stem, word string }

// Terms returns the document's terms (each at most once per occurrence) and, for phrases,
// the surface form they were written in.
func (a *Analyzer) Terms(text string, names map[string]bool) (terms []string, surface map[string]string) {
	segments := a.segments(text, names)
	surface = map[string]string{}
	for _, seg := range segments {
		for i := range seg {
			terms = append(terms, seg[i].stem)
			if i+1 < len(seg) {
				t := seg[i].stem + " " + seg[i+1].stem
				terms = append(terms, t)
				if _, ok := surface[t]; !ok {
					surface[t] = seg[i].word + " " + seg[i+1].word
				}
			}
			if i+2 < len(seg) {
				t := seg[i].stem + " " + seg[i+1].stem + " " + seg[i+2].stem
				terms = append(terms, t)
				if _, ok := surface[t]; !ok {
					surface[t] = seg[i].word + " " + seg[i+1].word + " " + seg[i+2].word
				}
			}
		}
	}
	return terms, surface
}

// segments splits text into runs of adjacent content words, stemmed in the text's language.
func (a *Analyzer) segments(text string, names map[string]bool) [][]token {
	var words [][]string // sentences of lower-case words; "" marks a stop word
	var cur []string
	var b strings.Builder
	endWord := func() {
		if b.Len() > 0 {
			cur = append(cur, b.String())
			b.Reset()
		}
	}
	endPhrase := func() {
		endWord()
		if len(cur) > 0 {
			words = append(words, cur)
			cur = nil
		}
	}
	for _, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case r == '\'' || r == '’':
			// don't, customer's: the apostrophe joins the word
		case r == ' ' || r == '\t' || r == '-':
			endWord()
		default:
			endPhrase()
		}
	}
	endPhrase()

	// The language decides the stemmer: stop words of one language and not the other, and
	// letters and endings only Finnish has, say which (short texts have few stop words).
	finnishHits, englishHits := 0, 0
	for _, ws := range words {
		for _, w := range ws {
			switch {
			case a.stopFI[w] && !a.stopEN[w], strings.ContainsAny(w, "äö"), hasSuffix(w, finnishEndings):
				finnishHits++
			case a.stopEN[w] && !a.stopFI[w], hasSuffix(w, englishEndings):
				englishHits++
			}
		}
	}
	isFinnish := finnishHits > englishHits
	stop := a.stopEN
	if isFinnish {
		stop = a.stopFI
	}
	var out [][]token
	for _, ws := range words {
		var seg []token
		for _, w := range ws {
			if a.isNoise(w, stop) || names[w] {
				if len(seg) > 0 {
					out = append(out, seg)
				}
				seg = nil
				continue
			}
			seg = append(seg, token{stem: stem(w, isFinnish), word: w})
		}
		if len(seg) > 0 {
			out = append(out, seg)
		}
	}
	return out
}

func (a *Analyzer) isNoise(w string, stop map[string]bool) bool {
	if len([]rune(w)) < 3 || stop[w] || a.stopEN[w] {
		return true
	}
	// Numbers, codes and references (K-2026-000042, order 55231) name no topic.
	if strings.IndexFunc(w, unicode.IsDigit) >= 0 {
		return true
	}
	return strings.Trim(w, "x") == "" // CFPB's redactions: XXXX
}

func stem(w string, isFinnish bool) string {
	env := snowball.NewEnv(w)
	if isFinnish {
		finnish.Stem(env)
	} else {
		english.Stem(env)
	}
	if s := env.Current(); s != "" {
		return s
	}
	return w
}

// Word endings common in one language and rare in the other.
var (
	finnishEndings = []string{"ssa", "ssä", "sta", "stä", "lla", "llä", "lta", "ltä", "iin", "ksen", "isen", "ttiin", "nen", "kaan", "ään"}
	englishEndings = []string{"ing", "ed", "ly", "tion", "ness"}
)

func hasSuffix(w string, endings []string) bool {
	for _, e := range endings {
		if strings.HasSuffix(w, e) {
			return true
		}
	}
	return false
}

// Capitals counts, for each word (lower case), how often it is written with a capital inside a
// sentence and how often at all there: a word mostly capitalised there is a name (a company,
// a product, a place), which says who a complaint is about, not what went wrong.
func (a *Analyzer) Capitals(text string, capital, seen map[string]int) {
	sentenceStart := true
	var b strings.Builder
	upper := false
	flush := func() {
		if b.Len() == 0 {
			return
		}
		w := strings.ToLower(b.String())
		if !sentenceStart {
			seen[w]++
			if upper {
				capital[w]++
			}
		}
		sentenceStart = false
		b.Reset()
	}
	for _, r := range text {
		switch {
		case unicode.IsLetter(r):
			if b.Len() == 0 {
				upper = unicode.IsUpper(r)
			}
			b.WriteRune(r)
		case r == '.' || r == '!' || r == '?' || r == '\n' || r == ':':
			flush()
			sentenceStart = true
		default:
			flush()
		}
	}
	flush()
}
