package escalation

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// --- regular expressions --------------------------------------------------------------------

// ruleRegex is a compiled text expression. Expressions are always case-insensitive and run on
// the lower-cased text: the pattern's literals are lower-cased too, so Go's literal-prefix scan
// applies, and need lists literals one of which every match contains, so most texts are
// refused by a substring search before the expression runs.
type ruleRegex struct {
	re   *regexp.Regexp
	need []string
}

// RegexCache keeps compiled text expressions by pattern, so that compiling a new version of the
// rules does not compile again the expressions it shares with the last one; it is cleared when
// it grows past a few hundred entries. It only saves work: results never depend on it. Safe for
// concurrent use; a nil *RegexCache compiles every expression afresh.
type RegexCache struct {
	byPattern sync.Map // pattern -> *ruleRegex
	count     atomic.Int32
}

// NewRegexCache returns an empty cache.
func NewRegexCache() *RegexCache { return &RegexCache{} }

// compile returns the compiled expression of pattern, from the cache when it holds it.
func (rc *RegexCache) compile(pattern string) (*ruleRegex, error) {
	if rc == nil {
		return compileRuleRegex(pattern)
	}
	if rx, ok := rc.byPattern.Load(pattern); ok {
		return rx.(*ruleRegex), nil
	}
	rx, err := compileRuleRegex(pattern)
	if err != nil {
		return nil, err
	}
	if rc.count.Add(1) > 512 {
		rc.byPattern.Clear()
		rc.count.Store(1)
	}
	rc.byPattern.Store(pattern, rx)
	return rx, nil
}

// turnsOffCaseFolding reports whether the pattern holds a flag group that clears the i flag,
// such as (?-i) or (?s-mi:…).
func turnsOffCaseFolding(pattern string) bool {
	isLetter := func(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }
	for from := 0; ; {
		j := strings.Index(pattern[from:], "(?")
		if j < 0 {
			return false
		}
		from += j + 2
		k := from
		for k < len(pattern) && isLetter(pattern[k]) {
			k++
		}
		if k < len(pattern) && pattern[k] == '-' {
			for k++; k < len(pattern) && isLetter(pattern[k]); k++ {
				if pattern[k] == 'i' {
					return true
				}
			}
		}
	}
}

// compileRuleRegex compiles a text condition's expression, refusing one that is too long, too
// complex, case-sensitive ((?-i)) or matches empty text.
func compileRuleRegex(pattern string) (*ruleRegex, error) {
	if strings.TrimSpace(pattern) == "" {
		return nil, fmt.Errorf("must not be empty")
	}
	if n := utf8.RuneCountInString(pattern); n > MaxRuleRegexLen {
		return nil, fmt.Errorf("is too long (%d characters; at most %d)", n, MaxRuleRegexLen)
	}
	if turnsOffCaseFolding(pattern) {
		return nil, fmt.Errorf("is always case-insensitive; (?-i) is not supported")
	}
	parsed, err := syntax.Parse("(?i)"+pattern, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("is not a valid regular expression: %v", err)
	}
	prog, err := syntax.Compile(parsed.Simplify())
	if err != nil {
		return nil, fmt.Errorf("is not a valid regular expression: %v", err)
	}
	if len(prog.Inst) > MaxRuleRegexProg {
		return nil, fmt.Errorf("is too expensive (%d steps; at most %d): use fewer repetitions or alternatives, or a word list", len(prog.Inst), MaxRuleRegexProg)
	}
	lowerLiterals(parsed)
	re, err := regexp.Compile(parsed.String())
	if err != nil {
		// Not expected: String round-trips. Fall back to the expression as written.
		if re, err = regexp.Compile("(?i)" + pattern); err != nil {
			return nil, fmt.Errorf("is not a valid regular expression: %v", err)
		}
	}
	if re.MatchString("") {
		return nil, fmt.Errorf("matches empty text, so it would match every case")
	}
	return &ruleRegex{re: re, need: requiredLiterals(parsed)}, nil
}

// lowerLiterals turns case-folded literals into lower-case ones, for matching lower-cased text.
// Classes were already expanded to every case by the parser.
func lowerLiterals(re *syntax.Regexp) {
	if re.Op == syntax.OpLiteral && re.Flags&syntax.FoldCase != 0 {
		for i, r := range re.Rune {
			re.Rune[i] = unicode.ToLower(r)
		}
		re.Flags &^= syntax.FoldCase
	}
	for _, sub := range re.Sub {
		lowerLiterals(sub)
	}
}

// requiredLiterals returns strings one of which every match of re contains (nil: none known).
func requiredLiterals(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil
		}
		return []string{string(re.Rune)}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []string
		shortest := func(l []string) int {
			n := -1
			for _, s := range l {
				if n < 0 || len(s) < n {
					n = len(s)
				}
			}
			return n
		}
		for _, sub := range re.Sub {
			if l := requiredLiterals(sub); l != nil && shortest(l) > shortest(best) {
				best = l
			}
		}
		return best
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			l := requiredLiterals(sub)
			if l == nil || len(all)+len(l) > 16 {
				return nil
			}
			all = append(all, l...)
		}
		return all
	}
	return nil
}

// find returns the first match in the text (as written, when the lower-cased text lines up).
func (rx *ruleRegex) find(t *ruleText) (string, bool) {
	low := t.lowered()
	if rx.need != nil && !slices.ContainsFunc(rx.need, func(s string) bool { return strings.Contains(low, s) }) {
		return "", false
	}
	loc := rx.re.FindStringIndex(low)
	if loc == nil {
		return "", false
	}
	if t.aligned {
		return t.raw[loc[0]:loc[1]], true
	}
	return low[loc[0]:loc[1]], true
}
