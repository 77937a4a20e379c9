package searchtest

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/search"
)

// Ranked search (issue 15): a search finds the cases matching most of its words, those with
// more of the words first, through typos, English stems and Finnish inflections; AllWords
// asks for every word. Similar cases are found by a case's own words.

func rankingFixtures() []search.CaseDoc {
	return []search.CaseDoc{
		Doc("r-all", func(d *search.CaseDoc) {
			d.Subject = "Card charged twice"
			d.Body = "My credit card was charged twice for one purchase at the store."
		}),
		Doc("r-two", func(d *search.CaseDoc) {
			d.Subject = "Unexpected fee"
			d.Body = "The card was charged a fee on Monday."
		}),
		Doc("r-one", func(d *search.CaseDoc) { d.Body = "My new card arrived broken." }),
		Doc("r-fi", func(d *search.CaseDoc) {
			d.Subject = "Virhe laskussa"
			d.Body = "Kortilta veloitettiin kahdesti saman tilauksen summa."
		}),
		Doc("r-none", func(d *search.CaseDoc) { d.Body = "The courier left the parcel at the wrong door." }),
		Doc("r-apr", func(d *search.CaseDoc) { d.Body = "The promotional APR ended early and interest was added." }),
	}
}

func testRanking(t *testing.T, ix search.Index) {
	upsert(t, ix, rankingFixtures()...)
	top := func(q search.Query, n int) []string {
		t.Helper()
		ids := hitIDs(find(t, ix, q))
		return ids[:min(n, len(ids))]
	}
	hasNot := func(what string, ids []string, id string) {
		t.Helper()
		if slices.Contains(ids, id) {
			t.Errorf("%s: found %s in %v", what, id, ids)
		}
	}

	// More of the words first: all four, then two; a case with none is not found.
	q := search.Query{Text: "credit card charged twice"}
	wantOrder(t, "more words first", top(q, 2), []string{"r-all", "r-two"})
	hasNot("more words first", hitIDs(find(t, ix, q)), "r-none")

	// "All of these words" keeps only the case with every word.
	wantSet(t, "all words", hitIDs(find(t, ix, search.Query{Text: "credit card charged twice", AllWords: true})), []string{"r-all"})

	// A word the cases do not use does not hide them.
	wantOrder(t, "other words", top(search.Query{Text: "customer card charged twice wrongly"}, 2), []string{"r-all", "r-two"})

	// Typos: one letter missing in two words.
	wantOrder(t, "typos", top(search.Query{Text: "credt crd chargd twice"}, 1), []string{"r-all"})

	// English stems: "charging" meets "charged", "purchases" meets "purchase".
	wantOrder(t, "english stem", top(search.Query{Text: "charging purchases"}, 1), []string{"r-all"})

	// Finnish inflection: "laskun" (of the invoice) meets "laskussa" (in the invoice),
	// "kortti" (card) meets "kortilta" (from the card).
	wantOrder(t, "finnish inflection", top(search.Query{Text: "laskun kortti"}, 1), []string{"r-fi"})
	wantSet(t, "finnish inflection, all words", hitIDs(find(t, ix, search.Query{Text: "laskun kortti", AllWords: true})), []string{"r-fi"})

	// Support vocabulary: "duplicate" is a word for "twice", "tuplaveloitus" (double charge)
	// for "kahdesti" (twice); no case has either word.
	wantOrder(t, "synonym", top(search.Query{Text: "duplicate"}, 1), []string{"r-all"})
	wantOrder(t, "finnish synonym", top(search.Query{Text: "tuplaveloitus"}, 1), []string{"r-fi"})

	// A short number is a quantity like any other word ("0% apr"); it need not be in the case.
	wantOrder(t, "short number", top(search.Query{Text: "0% apr interest"}, 1), []string{"r-apr"})

	// Stop words do not count as matched words: "the" and "my" are in most cases.
	res := find(t, ix, search.Query{Text: "the courier and my parcel"})
	wantOrder(t, "stop words", hitIDs(res)[:min(1, len(res.Hits))], []string{"r-none"})
	hasNot("stop words", hitIDs(res), "r-two")
	// ... known as typed: "was" and "this" with their plurals folded ("wa", "thi") are none.
	res = find(t, ix, search.Query{Text: "this courier was"})
	wantOrder(t, "folded stop words", hitIDs(res)[:min(1, len(res.Hits))], []string{"r-none"})
	hasNot("folded stop words", hitIDs(res), "r-two")

	// A misspelling some case has is still a typo: "recived" finds the cases that spell it
	// "received" (five of them to the misspelt one's one).
	var typoDocs []search.CaseDoc
	for i := range 5 {
		typoDocs = append(typoDocs, Doc(fmt.Sprintf("r-received-%d", i), func(d *search.CaseDoc) {
			d.Body = "The replacement was received broken, case " + strconv.Itoa(i) + "."
		}))
	}
	typoDocs = append(typoDocs, Doc("r-recived", func(d *search.CaseDoc) { d.Body = "Nothing recived yet." }))
	upsert(t, ix, typoDocs...)
	res = find(t, ix, search.Query{Text: "recived"})
	if ids := hitIDs(res); !slices.Contains(ids, "r-received-0") || !slices.Contains(ids, "r-recived") {
		t.Errorf("misspelling in a case: got %v, want the received cases and r-recived", ids)
	}
}

func testSimilar(t *testing.T, ix search.Index) {
	upsert(t, ix,
		Doc("s-charge-1", func(d *search.CaseDoc) {
			d.Subject = "Card charged twice"
			d.Body = "My credit card was charged twice for the same purchase. The duplicate charge is still pending."
		}),
		Doc("s-charge-2", func(d *search.CaseDoc) {
			d.Subject = "Duplicate charge"
			d.Body = "The merchant charged my credit card twice; I want the duplicate charge reversed."
		}),
		Doc("s-charge-3", func(d *search.CaseDoc) {
			d.Subject = "Charged two times"
			d.Body = "A purchase was charged to my card two times and the bank refuses the duplicate dispute."
		}),
		Doc("s-mortgage-1", func(d *search.CaseDoc) {
			d.Subject = "Escrow shortage"
			d.Body = "The mortgage servicer raised my escrow payment after a shortage in the escrow account."
		}),
		Doc("s-mortgage-2", func(d *search.CaseDoc) {
			d.Subject = "Escrow refund missing"
			d.Body = "After paying off the mortgage the servicer never sent the escrow refund."
		}),
		Doc("s-courier", func(d *search.CaseDoc) { d.Body = "The courier left the parcel at the wrong door." }),
		Doc("s-courier-2", func(d *search.CaseDoc) { d.Body = "The parcel never arrived; the courier says it was delivered." }),
	)
	res, err := ix.Similar(t.Context(), "s-charge-1", search.Query{Limit: 2})
	if err != nil {
		t.Fatalf("Similar: %v", err)
	}
	wantSet(t, "similar to a duplicate charge", hitIDs(res), []string{"s-charge-2", "s-charge-3"})

	res, err = ix.Similar(t.Context(), "s-mortgage-2", search.Query{Limit: 1})
	if err != nil {
		t.Fatalf("Similar: %v", err)
	}
	wantSet(t, "similar to an escrow refund", hitIDs(res), []string{"s-mortgage-1"})

	// Filters apply; an unknown case has no similar cases.
	res, err = ix.Similar(t.Context(), "s-charge-1", search.Query{Limit: 5, Filters: []search.Filter{{Field: search.FieldStatus, Values: []string{"closed"}}}})
	if err != nil || len(res.Hits) != 0 {
		t.Errorf("Similar within closed cases: %v, %v", hitIDs(res), err)
	}
	res, err = ix.Similar(t.Context(), "no-such-case", search.Query{Limit: 5})
	if err != nil || len(res.Hits) != 0 {
		t.Errorf("Similar of an unknown case: %v, %v", hitIDs(res), err)
	}
}
