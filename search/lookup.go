package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Looking a case up by what a customer reads out on the phone: its reference
// (K-2026-000004, 2026-000004, 000004) or their phone number in any common form
// (+358 40 123 4567, 00358401234567, 040-123 4567, 0401234567). Both backends index the
// same lookup text and see the same normalised query, so they find the same cases.

// fieldLookup is the hidden text field searched besides the case text.
const fieldLookup = "lookup"

// defaultCountryCode is assumed for a phone number written without one (a leading 0 is
// the trunk prefix): Kaiku's home market is Finland.
const defaultCountryCode = "358"

// trunkZeroCodes are country codes whose national numbers start with a trunk 0, so that
// +CC N and 0N are the same number. The list covers the countries near Kaiku's users.
var trunkZeroCodes = []string{"358", "372", "353", "46", "47", "45", "49", "44", "43", "41", "33", "31", "32", "39", "34", "48", "7"}

// lookupText is what the lookup field holds for d: the reference, its digits alone, and
// the phone number in every form a search may use.
func lookupText(d CaseDoc) string {
	parts := []string{d.ID}
	if digits := onlyDigits(d.ID); digits != "" && digits != d.ID {
		parts = append(parts, digits)
	}
	if d.CustomerPhone != "" {
		parts = append(parts, d.CustomerPhone)
		parts = append(parts, PhoneVariants(d.CustomerPhone)...)
	}
	return strings.Join(parts, " ")
}

// PhoneVariants returns the forms of a phone number a search may use: the international
// digits (358401234567) and, where the country uses a trunk 0, the national ones
// (0401234567). It returns nil for text that is not a phone number.
func PhoneVariants(s string) []string {
	if !phoneLike(s) {
		return nil
	}
	s = strings.TrimSpace(s)
	digits := onlyDigits(s)
	international := ""
	switch {
	case strings.HasPrefix(s, "+"):
		international = digits
	case strings.HasPrefix(digits, "00") && len(digits) >= 10:
		international = digits[2:]
	case strings.HasPrefix(digits, "0") && len(digits) >= 7:
		return []string{digits, defaultCountryCode + digits[1:]}
	default:
		return []string{digits}
	}
	out := []string{international}
	for _, cc := range trunkZeroCodes {
		if strings.HasPrefix(international, cc) && len(international) > len(cc)+4 {
			out = append(out, "0"+international[len(cc):])
			break
		}
	}
	return out
}

// phoneLike reports whether s is written like a phone number: digits with optional
// spaces, dashes, dots, slashes and brackets, an optional leading +, 6 to 15 digits.
func phoneLike(s string) bool {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	n := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			n++
		case r == ' ' || r == '-' || r == '.' || r == '/' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return n >= 6 && n <= 15
}

func onlyDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// lookupQuery rewrites a query written like a phone number into the digits the lookup
// field holds ("040 123 4567" → "0401234567", "+358 40 123 4567" → "358401234567"), so
// that its parts are not searched as separate words, and a full reference into its digits.
// Other text is returned as it is.
// (A reference part such as "2026-000004" becomes "2026000004", which the lookup field
// also holds.)
func lookupQuery(text string) string {
	// A full reference is one term, its digits: cheaper than "k" AND "2026" AND "000004",
	// whose first two parts every case of the year shares.
	if r := strings.TrimSpace(text); len(r) > 2 && (r[0] == 'K' || r[0] == 'k') && r[1] == '-' && phoneLike(r[2:]) {
		return onlyDigits(r[2:])
	}
	if v := PhoneVariants(text); len(v) > 0 {
		return v[0]
	}
	return text
}

// isNumberTerm reports whether a query term has a digit: such terms (reference parts,
// phone numbers, order numbers) are matched exactly or by prefix, never with typos,
// because 000004 and 000005 are different cases.
func isNumberTerm(t string) bool {
	return strings.IndexFunc(t, unicode.IsDigit) >= 0
}

// isIdentifierTerm reports whether a number term names one thing (a reference part, a phone
// or order number: three characters or more), so that a search for most words still needs
// it. A shorter one ("0" of "0% apr", "2" of "2 bureaus") is a quantity: it counts as any
// other word, though never with typos.
func isIdentifierTerm(t string) bool {
	return isNumberTerm(t) && utf8.RuneCountInString(t) >= 3
}
