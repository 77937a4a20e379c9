package remedies

import (
	"testing"
	"time"
)

func TestParseAmountIsExact(t *testing.T) {
	cases := []struct {
		text   string
		digits int
		locale string
		want   int64
	}{
		{"1000.50", 2, "en", 100050},
		{"1000.50", 2, "fi", 100050}, // a Finn typing a point: one mark, two decimals
		{"1 000,50", 2, "fi", 100050},
		{"1\u00a0000,50", 2, "fi", 100050}, // as Intl.NumberFormat writes it
		{"1\u202f000,50", 2, "fi", 100050},
		{"1,000.50", 2, "en", 100050},
		{"1,000", 2, "en", 100000},
		{"12,5", 2, "en", 1250},
		{"0.1", 2, "en", 10},
		{"0.2", 2, "en", 20},
		{"0.3", 2, "en", 30},
		{"1.005", 3, "en", 1005}, // a three-decimal currency
		{"1.005", 2, "fi", 100500},
		{",5", 2, "fi", 50},
		{"90071992547409.91", 2, "en", 9007199254740991},
		{"1000", 0, "en", 1000},
	}
	for _, c := range cases {
		got, err := ParseAmount(c.text, c.digits, c.locale)
		if err != nil || got != c.want {
			t.Errorf("ParseAmount(%q, %d, %s) = %d, %v; want %d", c.text, c.digits, c.locale, got, err, c.want)
		}
	}
	// 0.1 + 0.2 in minor units is exactly 0.3, where float64 gives 0.30000000000000004.
	a, _ := ParseAmount("0.1", 2, "en")
	b, _ := ParseAmount("0.2", 2, "en")
	c, _ := ParseAmount("0.3", 2, "en")
	if a+b != c {
		t.Errorf("0.1 + 0.2 = %d minor units, want %d", a+b, c)
	}
}

func TestParseAmountRefusesRatherThanRounds(t *testing.T) {
	for _, c := range []struct {
		text   string
		digits int
		locale string
	}{
		{"1.005", 2, "en"},                // float64 rounds 1.005*100 to 100.49999…; we refuse
		{"90071992547409.93", 2, "en"},    // 9007199254740993 minor units: over 2^53-1
		{"99999999999999999999", 2, "en"}, // overflows int64
		{"-5", 2, "en"},
		{"", 2, "en"},
		{"1e3", 2, "en"},
		{"1.5", 0, "en"},
		{"1,00,000", 2, "en"},
		{"1.000,5.0", 2, "fi"},
		{"12.", 2, "en"},
		{"abc", 2, "en"},
	} {
		if got, err := ParseAmount(c.text, c.digits, c.locale); err == nil {
			t.Errorf("ParseAmount(%q, %d, %s) = %d, want an error", c.text, c.digits, c.locale, got)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	for _, c := range []struct {
		minor  int64
		digits int
		want   string
	}{{100050, 2, "1000.50"}, {5, 2, "0.05"}, {-250, 2, "-2.50"}, {9007199254740991, 2, "90071992547409.91"}, {7, 0, "7"}} {
		if got := FormatAmount(c.minor, c.digits); got != c.want {
			t.Errorf("FormatAmount(%d, %d) = %q, want %q", c.minor, c.digits, got, c.want)
		}
	}
}

func TestMonthOfTurnsInTheInstallationsTimeZone(t *testing.T) {
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	// 31 March 21:30 UTC is already 1 April 00:30 in Helsinki (summer time).
	if got := MonthOf(time.Date(2026, 3, 31, 21, 30, 0, 0, time.UTC), loc); got != "2026-04" {
		t.Errorf("month %s, want 2026-04", got)
	}
	if got := MonthOf(time.Date(2026, 3, 31, 20, 30, 0, 0, time.UTC), loc); got != "2026-03" {
		t.Errorf("month %s, want 2026-03", got)
	}
}

func TestFormatMoneyInTheReadersLocale(t *testing.T) {
	for _, tc := range []struct {
		minor    int64
		currency string
		locale   string
		want     string
	}{
		{100050, "EUR", "fi", "1\u00a0000,50\u00a0€"},
		{100050, "EUR", "en", "€1,000.50"},
		{30, "EUR", "fi", "0,30\u00a0€"},
		{9007199254740991, "EUR", "en", "€90,071,992,547,409.91"},
		{-2550, "EUR", "en", "-€25.50"},
		{1500, "JPY", "en", "JPY\u00a01,500"},
		{123456, "SEK", "fi", "1\u00a0234,56\u00a0SEK"},
	} {
		if got := FormatMoney(tc.minor, tc.currency, tc.locale); got != tc.want {
			t.Errorf("FormatMoney(%d, %s, %s) = %q, want %q", tc.minor, tc.currency, tc.locale, got, tc.want)
		}
	}
}
