package escalation

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// --- text matching --------------------------------------------------------------------------

// wordPattern is one configured word or phrase: its words folded like the text, each possibly a
// prefix (written with a trailing *).
type wordPattern struct {
	entry  string
	words  []string
	prefix []bool
}

// compileWordPattern parses a word or phrase; the second result is an error message.
func compileWordPattern(entry string) (wordPattern, string) {
	p := wordPattern{entry: strings.TrimSpace(entry)}
	if p.entry == "" {
		return p, "must not be empty"
	}
	if utf8.RuneCountInString(p.entry) > MaxRuleWordLen {
		return p, fmt.Sprintf("must be at most %d characters", MaxRuleWordLen)
	}
	for part := range strings.FieldsSeq(p.entry) {
		star := strings.HasSuffix(part, "*")
		stem := strings.TrimSuffix(part, "*")
		if strings.Contains(stem, "*") {
			return p, "* is allowed only at the end of a word (asianajaj* matches asianajajalle)"
		}
		_, words := foldWords(stem, nil)
		if len(words) == 0 {
			if star {
				return p, "* must follow at least 3 letters"
			}
			continue // punctuation only: ignored, as in the text
		}
		for k, w := range words {
			isPrefix := star && k == len(words)-1
			if isPrefix && utf8.RuneCountInString(w) < MinRulePrefixLen {
				return p, fmt.Sprintf("* must follow at least %d letters", MinRulePrefixLen)
			}
			p.words = append(p.words, w)
			p.prefix = append(p.prefix, isPrefix)
		}
	}
	if len(p.words) == 0 {
		return p, "must contain a letter or a digit"
	}
	return p, ""
}

// composeMark joins a base letter and a combining mark into one letter for the decomposed
// forms of ä, ö, å (and ü, é) that some systems send; other marks stay as they are.
func composeMark(base, mark rune) (rune, bool) {
	switch mark {
	case '\u0308':
		switch base {
		case 'a':
			return 'ä', true
		case 'o':
			return 'ö', true
		case 'u':
			return 'ü', true
		}
	case '\u030a':
		if base == 'a' {
			return 'å', true
		}
	case '\u0301':
		if base == 'e' {
			return 'é', true
		}
	}
	return 0, false
}

// foldWords lower-cases s and splits it into words: runs of letters, digits and combining marks
// (Unicode-aware; everything else, including - ' and *, separates words). The words are
// substrings of the returned folded string and are appended to words.
func foldWords(s string, words []string) (string, []string) {
	buf := make([]byte, 0, len(s))
	type span struct{ from, to int }
	var spans []span
	start := -1
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		var word bool
		switch {
		case r < utf8.RuneSelf:
			switch {
			case 'A' <= r && r <= 'Z':
				r += 'a' - 'A'
				word = true
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
				word = true
			}
		case unicode.IsMark(r):
			word = true
			if start >= 0 {
				if base, bs := utf8.DecodeLastRune(buf); bs > 0 {
					if c, ok := composeMark(base, r); ok {
						buf = utf8.AppendRune(buf[:len(buf)-bs], c)
						continue
					}
				}
			}
		case unicode.IsLetter(r), unicode.IsDigit(r):
			r = unicode.ToLower(r)
			word = true
		}
		if word {
			if start < 0 {
				start = len(buf)
			}
			buf = utf8.AppendRune(buf, r)
			continue
		}
		if start >= 0 {
			spans = append(spans, span{start, len(buf)})
			start = -1
			buf = append(buf, ' ')
		}
	}
	if start >= 0 {
		spans = append(spans, span{start, len(buf)})
	}
	folded := string(buf)
	for _, sp := range spans {
		words = append(words, folded[sp.from:sp.to])
	}
	return folded, words
}

// ruleText is the text of a case prepared for matching: the raw text for regexes, the folded
// words in order for phrases, and the distinct words sorted for lookups.
type ruleText struct {
	raw       string
	words     []string
	sorted    []string
	lower     string // raw lower-cased, for regexes (made when first needed)
	aligned   bool   // lower has the same byte offsets as raw
	lowerDone bool
}

// lowered returns the lower-cased text.
func (t *ruleText) lowered() string {
	if !t.lowerDone {
		t.lower, t.lowerDone = strings.ToLower(t.raw), true
		t.aligned = len(t.lower) == len(t.raw)
		if t.aligned {
			for _, r := range t.raw {
				if r >= utf8.RuneSelf && utf8.RuneLen(unicode.ToLower(r)) != utf8.RuneLen(r) {
					t.aligned = false
					break
				}
			}
		}
	}
	return t.lower
}

// caseText is what text conditions look at: subject, description and the customer's messages.
func caseText(c *models.Case) string {
	n := len(c.Subject) + len(c.Description) + 1
	for _, m := range c.Messages {
		if m.Kind == models.MessageCustomer {
			n += len(m.Body) + 1
		}
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(c.Subject)
	b.WriteByte('\n')
	b.WriteString(c.Description)
	for _, m := range c.Messages {
		if m.Kind == models.MessageCustomer {
			b.WriteByte('\n')
			b.WriteString(m.Body)
		}
	}
	return b.String()
}

func newRuleText(raw string) *ruleText {
	t := &ruleText{raw: raw}
	_, t.words = foldWords(raw, make([]string, 0, len(raw)/6))
	t.sorted = slices.Clone(t.words)
	slices.Sort(t.sorted)
	t.sorted = slices.Compact(t.sorted)
	return t
}

// has reports whether the text has the word (or a word starting with it), and which word.
func (t *ruleText) has(w string, prefix bool) (string, bool) {
	i := sort.SearchStrings(t.sorted, w)
	if i == len(t.sorted) {
		return "", false
	}
	if t.sorted[i] == w || (prefix && strings.HasPrefix(t.sorted[i], w)) {
		return t.sorted[i], true
	}
	return "", false
}

// find returns the words of the text that match the pattern, joined by spaces.
func (t *ruleText) find(p *wordPattern) (string, bool) {
	if len(p.words) == 1 {
		return t.has(p.words[0], p.prefix[0])
	}
	for k, w := range p.words {
		if _, ok := t.has(w, p.prefix[k]); !ok {
			return "", false
		}
	}
	match := func(w string, k int) bool {
		return w == p.words[k] || (p.prefix[k] && strings.HasPrefix(w, p.words[k]))
	}
outer:
	for i := 0; i+len(p.words) <= len(t.words); i++ {
		for k := range p.words {
			if !match(t.words[i+k], k) {
				continue outer
			}
		}
		return strings.Join(t.words[i:i+len(p.words)], " "), true
	}
	return "", false
}
