package search

import (
	"slices"

	"github.com/blevesearch/bleve/v2/analysis"
)

// A support lead searches in their own words, not the customer's: "wrong info" for
// "incorrect information", "hard pull" for "inquiry", "house payment" for "mortgage". These are
// groups of words that name one thing in customer complaints (consumer finance, orders and
// deliveries, accounts and billing), written from the domain, in English and Finnish. A
// search word also finds its group's other words (each weighed below the word itself), and a
// case matching any of them counts as matching that word.

// synonymGroups are two-way: every word of a group stands for every other.
func synonymGroupsEN() [][]string {
	return [][]string{
		{"wrong", "incorrect", "inaccurate", "erroneous", "error", "mistake"},
		{"info", "information", "data", "details"},
		{"dispute", "contest", "challenge"},
		{"inquiry", "inquiries", "pull", "pulled"},
		{"collector", "collection", "collecting"},
		{"sue", "sued", "lawsuit", "court", "litigation", "judgment"},
		{"garnish", "garnishment", "levy"},
		{"threaten", "threatened", "threat", "intimidate"},
		{"harass", "harassment", "harassing", "abusive"},
		{"validation", "validate", "verification", "verify"},
		{"letter", "notice", "notification", "correspondence"},
		{"servicer", "lender"},
		{"modification", "mod"},
		{"forbearance", "deferment", "deferral"},
		{"refinance", "refi"},
		{"freeze", "froze", "frozen", "lock", "locked", "block", "blocked", "restrict", "restricted"},
		{"overdraft", "overdrawn", "nsf", "insufficient"},
		{"fee", "penalty", "surcharge"},
		{"refund", "reimburse", "reimbursement", "chargeback"},
		{"twice", "duplicate", "double"},
		{"purchase", "transaction"},
		{"unauthorized", "fraudulent", "unrecognized"},
		{"fraud", "scam", "scammer", "fraudster", "fraudulent"},
		{"interest", "apr"},
		{"promo", "promotional", "promotion", "offer"},
		{"bonus", "reward", "rewards", "points", "cashback"},
		{"forgiveness", "forgive", "discharge", "cancellation"},
		{"deceased", "dead", "death"},
		{"bankruptcy", "bankrupt"},
		{"delinquent", "late", "overdue"},
		{"closed", "shut", "terminated"},
		{"car", "auto", "vehicle", "automobile"},
		{"score", "rating"},
		{"representative", "rep", "agent"},
		{"ignore", "ignored", "unresponsive"},
		{"broken", "damaged", "defective", "faulty"},
		{"delivery", "shipping", "shipment"},
		{"invoice", "bill", "billing", "statement"},
		{"cancel", "cancelled", "canceled", "terminate"},
		{"delay", "delayed", "late"},
		{"rude", "unprofessional", "disrespectful"},
		{"wire", "transfer", "remittance"},
	}
}

// synonymExpansionsEN are one-way: the general word also finds the particular ones (a credit
// bureau is one of the three), not the reverse (Equifax is not Experian).
func synonymExpansionsEN() map[string][]string {
	return map[string][]string{
		"bureau":   {"equifax", "experian", "transunion"},
		"bureaus":  {"equifax", "experian", "transunion"},
		"student":  {"navient", "nelnet", "mohela", "fedloan"},
		"transfer": {"zelle", "venmo", "paypal", "moneygram"},
		"house":    {"mortgage"},
		"home":     {"mortgage"},
		"phone":    {"call", "calls", "calling"},
		"money":    {"funds"},
		"funds":    {"money"},
	}
}

func synonymGroupsFI() [][]string {
	return [][]string{
		{"lasku", "laskutus", "maksu", "veloitus"},
		{"palautus", "hyvitys"},
		{"rikki", "viallinen", "vaurioitunut", "vioittunut"},
		{"toimitus", "lähetys", "paketti", "kuljetus"},
		{"kahdesti", "tuplaveloitus", "kaksinkertainen"},
		{"peruutus", "peruuttaa", "irtisanominen", "irtisanoa"},
		{"huijaus", "petos", "huijari"},
		{"myöhässä", "viivästys", "myöhästyi"},
		{"perintä", "perintätoimisto"},
		{"laina", "luotto"},
		{"virhe", "väärä", "virheellinen"},
		{"tili", "pankkitili"},
		{"asiakaspalvelu", "asiakaspalvelija"},
		{"epäkohtelias", "töykeä"},
	}
}

// thesaurus maps a stem to the stems its word also finds, per language analyser.
type thesaurus map[string][]string

// newThesaurus stems the groups and expansions with a (an entry that is a stop word is left
// out).
func newThesaurus(a analysis.Analyzer, groups [][]string, oneWay map[string][]string) thesaurus {
	stem := func(w string) string {
		terms := analyzeTerms(a, w)
		if len(terms) != 1 {
			return ""
		}
		return terms[0]
	}
	t := thesaurus{}
	add := func(from string, to []string) {
		if from == "" {
			return
		}
		for _, s := range to {
			if s != "" && s != from && !slices.Contains(t[from], s) {
				t[from] = append(t[from], s)
			}
		}
	}
	for _, g := range groups {
		stems := make([]string, 0, len(g))
		for _, w := range g {
			stems = append(stems, stem(w))
		}
		for _, s := range stems {
			add(s, stems)
		}
	}
	for w, alts := range oneWay {
		stems := make([]string, 0, len(alts))
		for _, a := range alts {
			stems = append(stems, stem(a))
		}
		add(stem(w), stems)
	}
	return t
}
