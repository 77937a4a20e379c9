package search

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Shared query handling for both backends, so they validate, page and report facets alike.

const (
	defaultLimit = 50
	maxLimit     = 500

	// facetSize caps the values reported per facet (most frequent first). Keyword facets in a
	// helpdesk (statuses, agents, tags) stay well below it; customer_email is the exception
	// and is not meant to be listed in full.
	facetSize = 100

	// emptyValue is what an empty keyword ("" or no tags) is indexed as, so that a filter on ""
	// (for example unassigned cases) is an ordinary term match in both backends. It is not a
	// plausible real value (an id, a code, an email or a tag) and never leaves this package.
	emptyValue = "\u2205"
)

// Text fields (searched, not filterable); they are also the keys of Hit.Highlights.
const (
	fieldSubject      = "subject"
	fieldBody         = "body"
	fieldCustomerName = "customer_name"
)

var highlightFields = []string{fieldSubject, fieldBody, fieldCustomerName}

// timeFields are the fields a TimeRange accepts.
var timeFields = []string{FieldCreatedAt, FieldUpdatedAt, FieldDueAt, FieldFollowUpDueAt, FieldReportedAt}

func isKeywordField(f string) bool  { return slices.Contains(KeywordFields, f) }
func isSortField(f string) bool     { return slices.Contains(SortFields, f) }
func isTimeField(f string) bool     { return slices.Contains(timeFields, f) }
func isIntRangeField(f string) bool { return slices.Contains(IntRangeFields, f) }

func badQuery(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadQuery, fmt.Sprintf(format, args...))
}

// Limits of a text query. Every word costs a clause per text field, and a fuzzy match builds
// an automaton whose size grows with the word's length (Bleve refuses one for a word of a few
// thousand characters; shorter ones still take seconds and slow every other search). Real
// searches are a few words, none of them longer than a long compound word.
const (
	MaxTextWords     = 16 // words in a search
	MaxTextWordRunes = 64 // characters in one word
	// maxFuzzyRunes is the longest word matched with typos; longer words (codes, pasted
	// identifiers) match exactly or as a prefix.
	maxFuzzyRunes = 30
)

// textWords splits search text into words the way the limits count them: runs of letters,
// digits and combining marks. The backends' analysers never make more or longer terms.
func textWords(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) })
}

// CheckText says what is wrong with search text over the limits, or "" if nothing is. The
// message is for the person searching.
func CheckText(text string) string {
	words := textWords(text)
	if len(words) > MaxTextWords {
		return fmt.Sprintf("search for at most %d words", MaxTextWords)
	}
	for _, w := range words {
		if utf8.RuneCountInString(w) > MaxTextWordRunes {
			return fmt.Sprintf("search words can be at most %d characters long", MaxTextWordRunes)
		}
	}
	return ""
}

// checkQuery validates every field name in q and returns the effective page size.
func checkQuery(q Query) (limit int, err error) {
	if msg := CheckText(q.Text); msg != "" {
		return 0, badQuery("%s", msg)
	}
	for _, f := range q.Filters {
		if !isKeywordField(f.Field) {
			return 0, badQuery("unknown filter field %q", f.Field)
		}
		if len(f.Values) == 0 {
			// An empty value list would silently match nothing (or everything when negated);
			// that is almost always a caller bug, so it is rejected.
			return 0, badQuery("filter on %q has no values", f.Field)
		}
	}
	for _, r := range q.Ranges {
		if !isTimeField(r.Field) {
			return 0, badQuery("unknown time range field %q", r.Field)
		}
	}
	for _, r := range q.IntRanges {
		if !isIntRangeField(r.Field) {
			return 0, badQuery("unknown number range field %q", r.Field)
		}
		if r.From < 0 || r.To < 0 {
			return 0, badQuery("negative bound in the range of %q", r.Field)
		}
	}
	for _, s := range q.Sort {
		if !isSortField(s.Field) {
			return 0, badQuery("unknown sort field %q", s.Field)
		}
	}
	for _, f := range q.Facets {
		if !isKeywordField(f) {
			return 0, badQuery("unknown facet field %q", f)
		}
	}
	switch {
	case q.Limit < 0:
		return 0, badQuery("negative limit %d", q.Limit)
	case q.Limit == 0:
		return defaultLimit, nil
	case q.Limit > maxLimit:
		return maxLimit, nil
	}
	return q.Limit, nil
}

// checkFilterQuery validates the parts of q that Count uses.
func checkFilterQuery(q Query) error {
	_, err := checkQuery(Query{Filters: q.Filters, Ranges: q.Ranges, IntRanges: q.IntRanges})
	return err
}

// checkCountSince validates a CountSince call.
func checkCountSince(q Query, field string, since []time.Time) error {
	if !isTimeField(field) {
		return badQuery("unknown time field %q", field)
	}
	if slices.ContainsFunc(since, time.Time.IsZero) {
		return badQuery("a zero time to count %q since", field)
	}
	return checkFilterQuery(q)
}

// indexedKeyword maps a keyword value to its indexed form.
func indexedKeyword(v string) string {
	if v == "" {
		return emptyValue
	}
	return v
}

// indexedKeywords maps a multi-valued keyword field; no values is indexed as one empty value.
func indexedKeywords(vs []string) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, indexedKeyword(v))
	}
	if len(out) == 0 {
		out = append(out, emptyValue)
	}
	return out
}

// storedKeyword maps an indexed keyword back to its original value.
func storedKeyword(v string) string {
	if v == emptyValue {
		return ""
	}
	return v
}

// storedKeywords maps an indexed multi-valued field back; no values come back as nil.
func storedKeywords(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v == emptyValue {
			continue
		}
		out = append(out, v)
	}
	return out
}

// sortFacet orders facet values by count, then value, so both backends report them alike.
func sortFacet(vs []FacetValue) []FacetValue {
	sort.Slice(vs, func(i, j int) bool {
		if vs[i].Count != vs[j].Count {
			return vs[i].Count > vs[j].Count
		}
		return vs[i].Value < vs[j].Value
	})
	if len(vs) > facetSize {
		vs = vs[:facetSize]
	}
	return vs
}

// normalizeTags returns nil for no tags so both backends round-trip documents identically.
func normalizeTags(tags []string) []string {
	if len(tags) == 0 {
		return nil
	}
	return tags
}

// encodeCursor and decodeCursor make an opaque, URL-safe cursor out of any JSON value.
func encodeCursor(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// The cursor types are plain structs of strings and ints; this cannot fail.
		panic(fmt.Sprintf("search: encode cursor: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return badQuery("malformed cursor")
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badQuery("malformed cursor")
	}
	return nil
}
