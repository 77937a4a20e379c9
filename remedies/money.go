// Package remedies is the domain of remedies granted to customers: the catalogue of resolution
// options, exact money amounts, authority limits per case and per month, and approval requests
// for grants over a limit. The use case (Service) works on the store and the case writer it is
// given; the rest is pure.
package remedies

import (
	"strconv"
	"strings"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// Money is always an integer count of the currency's minor units (cents for EUR): never a
// float, so 0.10 + 0.20 is exactly 0.30 and 1.005 is refused rather than rounded.

// MaxAmountMinor is the largest amount accepted: 2^53-1, the largest integer every JSON client
// (JavaScript included) reads exactly. Larger ones are refused, never rounded.
const MaxAmountMinor int64 = 1<<53 - 1

// minorDigits lists the ISO 4217 currencies whose minor unit is not the hundredth.
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// MinorDigits is how many decimals the currency's minor unit has (2 unless listed).
func MinorDigits(currency string) int {
	if d, ok := minorDigits[strings.ToUpper(currency)]; ok {
		return d
	}
	return 2
}

// ParseAmount reads an amount a person typed ("1000.50", "1 000,50", "1,000.50") into minor
// units of a currency with digits decimals. locale ("en" or "fi") says which mark is the
// decimal one when the text alone cannot: in English "1,000" is a thousand, in Finnish "1,5"
// is one and a half. A mark followed by more decimals than the currency has is refused, as is
// anything negative, empty, or over MaxAmountMinor.
func ParseAmount(text string, digits int, locale string) (int64, error) {
	invalid := func(msg string) (int64, error) { return 0, models.InvalidField("amount", msg) }
	s := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u00a0', '\u202f', '\t':
			return -1 // group separators as typed or as Intl.NumberFormat writes them
		}
		return r
	}, strings.TrimSpace(text))
	if s == "" {
		return invalid("enter an amount")
	}
	decimal, group := byte('.'), byte(',')
	if locale == "fi" {
		decimal, group = ',', '.'
	}
	// A text with only the other mark, once, and not followed by exactly three digits (a
	// group), means that mark as the decimal one: "1000.50" in Finnish, "12,5" in English.
	if strings.IndexByte(s, decimal) < 0 && strings.Count(s, string(group)) == 1 {
		if after := len(s) - strings.IndexByte(s, group) - 1; after != 3 {
			decimal, group = group, decimal
		}
	}
	whole, frac := s, ""
	if i := strings.IndexByte(s, decimal); i >= 0 {
		whole, frac = s[:i], s[i+1:]
		if frac == "" || strings.IndexByte(frac, decimal) >= 0 || strings.IndexByte(frac, group) >= 0 {
			return invalid("not an amount")
		}
	}
	if strings.IndexByte(whole, group) >= 0 {
		groups := strings.Split(whole, string(group))
		for i, g := range groups {
			if (i == 0 && (len(g) == 0 || len(g) > 3)) || (i > 0 && len(g) != 3) {
				return invalid("not an amount")
			}
		}
		whole = strings.Join(groups, "")
	}
	if whole == "" {
		whole = "0"
	}
	if len(frac) > digits {
		if digits == 0 {
			return invalid("this currency has no decimals")
		}
		return invalid("too many decimals for the currency")
	}
	frac += strings.Repeat("0", digits-len(frac))
	var v int64
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return invalid("not an amount")
		}
		if v > (MaxAmountMinor-int64(c-'0'))/10 {
			return invalid("the amount is too large")
		}
		v = v*10 + int64(c-'0')
	}
	return v, nil
}

// FormatAmount writes minor units as a plain decimal ("1000.50"), for mail and logs; the web
// app formats amounts in the reader's locale itself.
func FormatAmount(minor int64, digits int) string {
	neg := minor < 0
	if neg {
		minor = -minor
	}
	s := strconv.FormatInt(minor, 10)
	if digits > 0 {
		for len(s) <= digits {
			s = "0" + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// currencySymbols are the symbols FormatMoney writes; other currencies show their code.
var currencySymbols = map[string]string{"EUR": "€", "USD": "$", "GBP": "£"}

// FormatMoney writes minor units as money in locale, from the integer (no float on the way),
// as the web app's Intl formatting does: "1 000,50 €" in Finnish (no-break spaces), "€1,000.50"
// in English.
func FormatMoney(minor int64, currency, locale string) string {
	plain := FormatAmount(minor, MinorDigits(currency))
	neg := strings.HasPrefix(plain, "-")
	plain = strings.TrimPrefix(plain, "-")
	whole, frac, _ := strings.Cut(plain, ".")
	group, mark := ",", "."
	if locale == "fi" {
		group, mark = "\u00a0", ","
	}
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(r)
	}
	num := b.String()
	if frac != "" {
		num += mark + frac
	}
	sign := ""
	if neg {
		sign = "-"
	}
	sym, ok := currencySymbols[currency]
	switch {
	case locale == "fi" && ok:
		return sign + num + "\u00a0" + sym
	case locale == "fi":
		return sign + num + "\u00a0" + currency
	case ok:
		return sign + sym + num
	}
	return sign + currency + "\u00a0" + num
}
