// Package searchtest holds the conformance suite every search.Index backend must pass, so the
// embedded Bleve index and Meilisearch behave the same for the rest of Kaiku.
package searchtest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/search"
)

// T0 is the fixed base time of all fixtures; assertions never depend on the clock.
var T0 = time.Date(2025, time.March, 3, 9, 0, 0, 0, time.UTC)

// Doc builds a fixture: a plausible open case with neutral text (none of the words the text
// tests search for), changed by mods.
func Doc(id string, mods ...func(*search.CaseDoc)) search.CaseDoc {
	d := search.CaseDoc{
		ID:              id,
		Subject:         "Question about my order",
		Body:            "Hello, I have a question about my order.",
		CustomerName:    "Test Customer",
		CustomerEmail:   "customer@example.com",
		Status:          "open",
		Priority:        "normal",
		PriorityRank:    1,
		Channel:         "web",
		Category:        "general",
		Touchpoint:      "website",
		ExpectedOutcome: "information",
		TeamID:          "team-a",
		CreatedAt:       T0,
		UpdatedAt:       T0,
		Version:         1,
	}
	for _, m := range mods {
		m(&d)
	}
	return d
}

// RunConformance runs the suite; open must return a new, empty index for each subtest and
// arrange its cleanup. Writes must be visible to the next read when Upsert/Delete return.
func RunConformance(t *testing.T, open func(t *testing.T) search.Index) {
	tests := []struct {
		name string
		run  func(t *testing.T, ix search.Index)
	}{
		{"Ping", testPing},
		{"RoundTrip", testRoundTrip},
		{"UpsertReplaces", testUpsertReplaces},
		{"Delete", testDelete},
		{"TextSearch", testTextSearch},
		{"ExactMatchRanksFirst", testExactRanksFirst},
		{"ReferenceAndPhoneLookup", testLookup},
		{"Filters", testFilters},
		{"TimeRanges", testTimeRanges},
		{"IntRanges", testIntRanges},
		{"Sort", testSort},
		{"Paging", testPaging},
		{"NewestFirstLists", testNewestFirstLists},
		{"CountsFollowWrites", testCountsFollowWrites},
		{"TotalAndFacets", testTotalAndFacets},
		{"Highlights", testHighlights},
		{"Count", testCount},
		{"CountSince", testCountSince},
		{"Versions", testVersions},
		{"DocCount", testDocCount},
		{"Limits", testLimits},
		{"BadQueries", testBadQueries},
		{"ConcurrentUpserts", testConcurrentUpserts},
		{"Ranking", testRanking},
		{"Similar", testSimilar},
		{"ReportRows", testReportRows},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

// --- helpers ---

func upsert(t *testing.T, ix search.Index, docs ...search.CaseDoc) {
	t.Helper()
	if err := ix.Upsert(t.Context(), docs...); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
}

func find(t *testing.T, ix search.Index, q search.Query) search.Result {
	t.Helper()
	res, err := ix.Search(t.Context(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return res
}

func hitIDs(res search.Result) []string {
	ids := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		ids = append(ids, h.Doc.ID)
	}
	return ids
}

func sorted(ids []string) []string {
	out := slices.Clone(ids)
	sort.Strings(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// wantSet compares ids regardless of order.
func wantSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	if g, w := sorted(got), sorted(want); !slices.Equal(g, w) {
		t.Errorf("%s: got %v, want %v", what, g, w)
	}
}

// wantOrder compares ids in order.
func wantOrder(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func hours(n int) time.Time { return T0.Add(time.Duration(n) * time.Hour) }

// --- tests ---

func testPing(t *testing.T, ix search.Index) {
	if err := ix.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func testRoundTrip(t *testing.T, ix search.Index) {
	full := Doc("rt-full", func(d *search.CaseDoc) {
		d.Subject = "Broken <kettle> & lid"
		d.Body = "Line one.\nLine two with \"quotes\"."
		d.CustomerName = "Åsa Öberg"
		d.CustomerEmail = "asa@example.se"
		d.Status = "pending"
		d.Priority = "urgent"
		d.PriorityRank = 3
		d.Channel = "review"
		d.Category = "product"
		d.Touchpoint = "store"
		d.ExpectedOutcome = "replacement"
		d.Tags = []string{"vip", "kettle"}
		d.AssigneeID = "user-7"
		d.TeamID = "team-b"
		d.EscalationLevel = 2
		d.CreatedAt = hours(1)
		d.UpdatedAt = hours(2).Add(1500 * time.Millisecond)
		d.DueAt = hours(30)
		d.Version = 42
	})
	bare := Doc("rt-bare", func(d *search.CaseDoc) {
		d.CustomerEmail, d.Channel, d.Category, d.Touchpoint, d.ExpectedOutcome, d.TeamID = "", "", "", "", "", ""
		d.Tags = []string{}
	})
	upsert(t, ix, full, bare)

	res := find(t, ix, search.Query{Sort: []search.Sort{{Field: search.FieldCreatedAt}}})
	if len(res.Hits) != 2 {
		t.Fatalf("got %d hits, want 2", len(res.Hits))
	}
	bare.Tags = nil // no tags come back as nil
	for i, want := range []search.CaseDoc{bare, full} {
		if got := res.Hits[i].Doc; !reflect.DeepEqual(got, want) {
			t.Errorf("hit %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
}

func testUpsertReplaces(t *testing.T, ix search.Index) {
	upsert(t, ix, Doc("r1", func(d *search.CaseDoc) {
		d.Subject = "Blender refund"
		d.Status = "open"
	}))
	upsert(t, ix, Doc("r1", func(d *search.CaseDoc) {
		d.Subject = "Kettle exchange"
		d.Status = "closed"
		d.Version = 2
	}))

	if n, err := ix.DocCount(t.Context()); err != nil || n != 1 {
		t.Fatalf("DocCount = %d, %v; want 1", n, err)
	}
	wantSet(t, "old text", hitIDs(find(t, ix, search.Query{Text: "blender"})), nil)
	wantSet(t, "new text", hitIDs(find(t, ix, search.Query{Text: "kettle"})), []string{"r1"})
	wantSet(t, "old status", hitIDs(find(t, ix, search.Query{
		Filters: []search.Filter{{Field: search.FieldStatus, Values: []string{"open"}}},
	})), nil)
	res := find(t, ix, search.Query{Filters: []search.Filter{{Field: search.FieldStatus, Values: []string{"closed"}}}})
	if len(res.Hits) != 1 || res.Hits[0].Doc.Version != 2 || res.Hits[0].Doc.Subject != "Kettle exchange" {
		t.Errorf("after replace got %+v", res.Hits)
	}
}

func testDelete(t *testing.T, ix search.Index) {
	upsert(t, ix, Doc("d1"), Doc("d2"), Doc("d3"))
	if err := ix.Delete(t.Context(), "d2", "no-such-id"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := ix.Delete(t.Context()); err != nil {
		t.Fatalf("Delete with no ids: %v", err)
	}
	if n, err := ix.DocCount(t.Context()); err != nil || n != 2 {
		t.Fatalf("DocCount = %d, %v; want 2", n, err)
	}
	res := find(t, ix, search.Query{})
	wantSet(t, "after delete", hitIDs(res), []string{"d1", "d3"})
	if res.Total != 2 {
		t.Errorf("Total = %d, want 2", res.Total)
	}
}

func textFixtures() []search.CaseDoc {
	return []search.CaseDoc{
		Doc("t1", func(d *search.CaseDoc) {
			d.Subject = "Refund for broken blender"
			d.Body = "The blender stopped working after two days."
			d.CustomerName = "Anna Korhonen"
			d.CustomerEmail = "anna.korhonen@example.fi"
		}),
		Doc("t2", func(d *search.CaseDoc) {
			d.Subject = "Late delivery"
			d.Body = "The courier never arrived with my package."
			d.CustomerName = "John Smith"
			d.CustomerEmail = "john@example.com"
		}),
		Doc("t3", func(d *search.CaseDoc) {
			d.Subject = "Tilaus 4471"
			d.Body = "Haluan palautus rahoille, tuote oli rikki."
			d.CustomerName = "Matti Virtanen"
			d.CustomerEmail = "matti.virtanen@example.fi"
		}),
		Doc("t4", func(d *search.CaseDoc) {
			d.Subject = "Damaged parcel"
			d.Body = "The parcel arrived damaged and wet."
			d.CustomerName = "Liisa Mäkinen"
			d.CustomerEmail = "liisa@example.org"
		}),
		Doc("t5", func(d *search.CaseDoc) {
			d.Subject = "Where is my parcel"
			d.Body = "Tracking shows nothing."
			d.CustomerName = "Peter Parker"
		}),
	}
}

func testTextSearch(t *testing.T, ix search.Index) {
	upsert(t, ix, textFixtures()...)
	cases := []struct {
		name, text string
		want       []string
	}{
		{"subject and body word", "blender", []string{"t1"}},
		{"body only", "courier", []string{"t2"}},
		{"customer name", "Korhonen", []string{"t1"}},
		{"customer name with diacritics", "Mäkinen", []string{"t4"}},
		{"customer email", "john@example.com", []string{"t2"}},
		{"case insensitive", "BLENDER", []string{"t1"}},
		{"typo: transposition", "refnud", []string{"t1"}},
		{"typo: missing letter", "delivry", []string{"t2"}},
		{"finnish word", "palautus", []string{"t3"}},
		// t1's "broken" is a synonym of "damaged" (search/thesaurus.go).
		{"most words match", "damaged parcel", []string{"t1", "t4", "t5"}},
		{"word in two docs", "parcel", []string{"t4", "t5"}},
		{"no match", "xylophone", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := find(t, ix, search.Query{Text: tc.text})
			wantSet(t, fmt.Sprintf("Text %q", tc.text), hitIDs(res), tc.want)
			if res.Total != len(tc.want) {
				t.Errorf("Total = %d, want %d", res.Total, len(tc.want))
			}
		})
	}
	// The longest word and the most words allowed are searched (and find nothing here).
	for _, text := range []string{strings.Repeat("x", search.MaxTextWordRunes), strings.Repeat("parcel ", search.MaxTextWords-1) + "xylophone"} {
		if res := find(t, ix, search.Query{Text: text, AllWords: true}); res.Total != 0 {
			t.Errorf("Text at the limits %.40q: %d hits", text, res.Total)
		}
	}
	// A long word (a pasted code) still matches exactly and as a prefix.
	code := "ordercode" + strings.Repeat("q", 40)
	upsert(t, ix, Doc("code", func(d *search.CaseDoc) { d.Body = "Reference " + code + " from the shop." }))
	for _, text := range []string{code, code[:len(code)-5]} {
		wantSet(t, "long word "+text[:12], hitIDs(find(t, ix, search.Query{Text: text})), []string{"code"})
	}
	wantSet(t, "all words must match", hitIDs(find(t, ix, search.Query{Text: "damaged parcel", AllWords: true})), []string{"t4"})
	// Text combines with filters (AND).
	res := find(t, ix, search.Query{Text: "parcel", Filters: []search.Filter{
		{Field: search.FieldCustomerEmail, Values: []string{"liisa@example.org"}},
	}})
	wantSet(t, "text and filter", hitIDs(res), []string{"t4"})
}

func testExactRanksFirst(t *testing.T, ix search.Index) {
	upsert(t, ix,
		Doc("a-prefix", func(d *search.CaseDoc) { d.Subject = "Refunded twice" }),
		Doc("b-exact", func(d *search.CaseDoc) { d.Subject = "Refund request" }),
	)
	res := find(t, ix, search.Query{Text: "refund"})
	wantOrder(t, "relevance", hitIDs(res), []string{"b-exact", "a-prefix"})
}

func filterFixtures() []search.CaseDoc {
	return []search.CaseDoc{
		Doc("f1", func(d *search.CaseDoc) {
			d.Status, d.Priority, d.AssigneeID, d.TeamID, d.Tags = "open", "high", "u1", "t1", []string{"vip", "billing"}
		}),
		Doc("f2", func(d *search.CaseDoc) {
			d.Status, d.Priority, d.AssigneeID, d.TeamID, d.Tags = "open", "low", "", "t1", []string{"billing"}
		}),
		Doc("f3", func(d *search.CaseDoc) {
			d.Status, d.Priority, d.AssigneeID, d.TeamID, d.Tags = "pending", "high", "u2", "t2", nil
		}),
		Doc("f4", func(d *search.CaseDoc) {
			d.Status, d.Priority, d.AssigneeID, d.TeamID, d.Tags = "closed", "urgent", "", "t2", []string{"vip"}
		}),
		Doc("f5", func(d *search.CaseDoc) {
			d.Status, d.Priority, d.AssigneeID, d.TeamID, d.Tags = "open", "normal", "u1", "", nil
		}),
	}
}

func filterCases() []struct {
	name    string
	filters []search.Filter
	want    []string
} {
	f := func(field string, neg bool, vals ...string) search.Filter {
		return search.Filter{Field: field, Values: vals, Negate: neg}
	}
	return []struct {
		name    string
		filters []search.Filter
		want    []string
	}{
		{"single value", []search.Filter{f(search.FieldStatus, false, "open")}, []string{"f1", "f2", "f5"}},
		{"values are OR-ed", []search.Filter{f(search.FieldStatus, false, "open", "pending")}, []string{"f1", "f2", "f3", "f5"}},
		{"filters are AND-ed", []search.Filter{f(search.FieldStatus, false, "open"), f(search.FieldPriority, false, "high")}, []string{"f1"}},
		{"negate", []search.Filter{f(search.FieldStatus, true, "open")}, []string{"f3", "f4"}},
		{"negate several values", []search.Filter{f(search.FieldStatus, true, "open", "closed")}, []string{"f3"}},
		{"empty value is unassigned", []search.Filter{f(search.FieldAssigneeID, false, "")}, []string{"f2", "f4"}},
		{"negated empty value is assigned", []search.Filter{f(search.FieldAssigneeID, true, "")}, []string{"f1", "f3", "f5"}},
		{"empty value OR-ed with a value", []search.Filter{f(search.FieldAssigneeID, false, "", "u2")}, []string{"f2", "f3", "f4"}},
		{"multi-valued field", []search.Filter{f(search.FieldTags, false, "vip")}, []string{"f1", "f4"}},
		{"multi-valued field AND", []search.Filter{f(search.FieldTags, false, "vip"), f(search.FieldTags, false, "billing")}, []string{"f1"}},
		{"no tags", []search.Filter{f(search.FieldTags, false, "")}, []string{"f3", "f5"}},
		{"negated tag", []search.Filter{f(search.FieldTags, true, "vip")}, []string{"f2", "f3", "f5"}},
		{"empty team", []search.Filter{f(search.FieldTeamID, false, "")}, []string{"f5"}},
		{"filter and negated filter", []search.Filter{f(search.FieldStatus, false, "open"), f(search.FieldAssigneeID, true, "")}, []string{"f1", "f5"}},
		{"unknown value", []search.Filter{f(search.FieldStatus, false, "archived")}, nil},
		{"value with quotes and backslash", []search.Filter{f(search.FieldStatus, false, `o"pen\`, "open")}, []string{"f1", "f2", "f5"}},
	}
}

func testFilters(t *testing.T, ix search.Index) {
	upsert(t, ix, filterFixtures()...)
	for _, tc := range filterCases() {
		t.Run(tc.name, func(t *testing.T) {
			res := find(t, ix, search.Query{Filters: tc.filters})
			wantSet(t, "hits", hitIDs(res), tc.want)
			if res.Total != len(tc.want) {
				t.Errorf("Total = %d, want %d", res.Total, len(tc.want))
			}
		})
	}
}

func testTimeRanges(t *testing.T, ix search.Index) {
	var docs []search.CaseDoc
	for i := range 5 {
		docs = append(docs, Doc(fmt.Sprintf("w%d", i), func(d *search.CaseDoc) {
			d.CreatedAt = hours(-i)
			d.UpdatedAt = hours(i)
			if i < 2 {
				d.DueAt = hours(24 * (i + 1))
			}
		}))
	}
	upsert(t, ix, docs...)
	r := func(field string, from, to time.Time) search.TimeRange {
		return search.TimeRange{Field: field, From: from, To: to}
	}
	var zero time.Time
	cases := []struct {
		name   string
		ranges []search.TimeRange
		want   []string
	}{
		{"from inclusive, to exclusive", []search.TimeRange{r(search.FieldUpdatedAt, hours(1), hours(3))}, []string{"w1", "w2"}},
		{"open end", []search.TimeRange{r(search.FieldUpdatedAt, hours(3), zero)}, []string{"w3", "w4"}},
		{"open start", []search.TimeRange{r(search.FieldUpdatedAt, zero, hours(1))}, []string{"w0"}},
		{"due excludes cases without SLA", []search.TimeRange{r(search.FieldDueAt, zero, hours(30))}, []string{"w0"}},
		{"due from", []search.TimeRange{r(search.FieldDueAt, T0, zero)}, []string{"w0", "w1"}},
		{"both bounds open: field present", []search.TimeRange{r(search.FieldDueAt, zero, zero)}, []string{"w0", "w1"}},
		{"ranges are AND-ed", []search.TimeRange{
			r(search.FieldUpdatedAt, hours(1), zero),
			r(search.FieldCreatedAt, hours(-3), zero),
		}, []string{"w1", "w2", "w3"}},
		{"empty range", []search.TimeRange{r(search.FieldUpdatedAt, hours(3), hours(3))}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := find(t, ix, search.Query{Ranges: tc.ranges})
			wantSet(t, "hits", hitIDs(res), tc.want)
			n, err := ix.Count(t.Context(), search.Query{Ranges: tc.ranges})
			if err != nil || n != len(tc.want) {
				t.Errorf("Count = %d, %v; want %d", n, err, len(tc.want))
			}
		})
	}
}

func testIntRanges(t *testing.T, ix search.Index) {
	var docs []search.CaseDoc
	for i := range 6 {
		docs = append(docs, Doc(fmt.Sprintf("e%d", i), func(d *search.CaseDoc) {
			d.EscalationLevel = []int{0, 1, 2, 3, 10, 0}[i]
			d.PriorityRank = i % 4
			if i%2 == 0 {
				d.Status = "resolved"
			}
			d.DueAt = hours(10 - i)
			if m := []int{0, 1, 59, 60, 1440, 0}[i]; m > 0 {
				d.ResolutionMinutes = &m
			}
			d.Rating, d.Reopened = i%6, i%2 == 1
		}))
	}
	upsert(t, ix, docs...)
	r := func(field string, from, to int) search.IntRange {
		return search.IntRange{Field: field, From: from, To: to}
	}
	cases := []struct {
		name    string
		ranges  []search.IntRange
		filters []search.Filter
		want    []string
	}{
		{"escalated: level 1 and up", []search.IntRange{r(search.FieldEscalationLevel, 1, 0)}, nil, []string{"e1", "e2", "e3", "e4"}},
		{"from inclusive, to exclusive", []search.IntRange{r(search.FieldEscalationLevel, 2, 3)}, nil, []string{"e2"}},
		{"open start: not escalated", []search.IntRange{r(search.FieldEscalationLevel, 0, 1)}, nil, []string{"e0", "e5"}},
		{"two digits compare as numbers", []search.IntRange{r(search.FieldEscalationLevel, 3, 0)}, nil, []string{"e3", "e4"}},
		{"both bounds open: everything", []search.IntRange{r(search.FieldEscalationLevel, 0, 0)}, nil, []string{"e0", "e1", "e2", "e3", "e4", "e5"}},
		{"priority rank", []search.IntRange{r(search.FieldPriorityRank, 2, 0)}, nil, []string{"e2", "e3"}},
		{"ranges are AND-ed", []search.IntRange{r(search.FieldEscalationLevel, 1, 0), r(search.FieldPriorityRank, 0, 2)}, nil, []string{"e1", "e4"}},
		{"with a keyword filter", []search.IntRange{r(search.FieldEscalationLevel, 1, 0)},
			[]search.Filter{{Field: search.FieldStatus, Values: []string{"open"}}}, []string{"e1", "e3"}},
		{"empty range", []search.IntRange{r(search.FieldEscalationLevel, 2, 2)}, nil, nil},
		// Journey view (issue 16): the measures.
		{"resolved within an hour", []search.IntRange{r(search.FieldResolutionMinutes, 1, 60)}, nil, []string{"e1", "e2"}},
		{"resolved in an hour or more", []search.IntRange{r(search.FieldResolutionMinutes, 60, 0)}, nil, []string{"e3", "e4"}},
		{"rating 4 and up", []search.IntRange{r(search.FieldRating, 4, 0)}, nil, []string{"e4", "e5"}},
		{"reopened", []search.IntRange{r(search.FieldReopened, 1, 2)}, nil, []string{"e1", "e3", "e5"}},
		{"first response unmeasured", []search.IntRange{r(search.FieldFirstResponseMinutes, 0, 1)}, nil, []string{"e0", "e1", "e2", "e3", "e4", "e5"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := search.Query{IntRanges: tc.ranges, Filters: tc.filters}
			res := find(t, ix, q)
			wantSet(t, "hits", hitIDs(res), tc.want)
			if res.Total != len(tc.want) {
				t.Errorf("Total = %d, want %d", res.Total, len(tc.want))
			}
			n, err := ix.Count(t.Context(), q)
			if err != nil || n != len(tc.want) {
				t.Errorf("Count = %d, %v; want %d", n, err, len(tc.want))
			}
		})
	}
	// The inbox's "Escalated" view: highest level first, then due soonest, paged.
	t.Run("sorted and paged", func(t *testing.T) {
		q := search.Query{
			IntRanges: []search.IntRange{r(search.FieldEscalationLevel, 1, 0)},
			Sort:      []search.Sort{{Field: search.FieldEscalationLevel, Desc: true}, {Field: search.FieldDueAt}},
			Text:      "question",
			Limit:     3,
		}
		wantOrder(t, "pages", pageAll(t, ix, q, 4), []string{"e4", "e3", "e2", "e1"})
	})
}

func testSort(t *testing.T, ix search.Index) {
	mk := func(id string, rank, esc, updated, due int) search.CaseDoc {
		return Doc(id, func(d *search.CaseDoc) {
			d.Subject = "Blender " + id
			d.PriorityRank = rank
			d.EscalationLevel = esc
			d.UpdatedAt = hours(updated)
			if due > 0 {
				d.DueAt = hours(due)
			}
		})
	}
	upsert(t, ix,
		mk("s1", 2, 1, 3, 10),
		mk("s2", 3, 0, 1, 0),
		mk("s3", 2, 2, 5, 5),
		mk("s4", 0, 0, 2, 0),
		mk("s5", 2, 1, 4, 20),
	)
	s := func(field string, desc bool) search.Sort { return search.Sort{Field: field, Desc: desc} }
	cases := []struct {
		name string
		q    search.Query
		want []string
	}{
		{"updated_at desc", search.Query{Sort: []search.Sort{s(search.FieldUpdatedAt, true)}}, []string{"s3", "s5", "s1", "s4", "s2"}},
		{"updated_at asc", search.Query{Sort: []search.Sort{s(search.FieldUpdatedAt, false)}}, []string{"s2", "s4", "s1", "s5", "s3"}},
		{"priority_rank desc, id tiebreak", search.Query{Sort: []search.Sort{s(search.FieldPriorityRank, true)}}, []string{"s2", "s1", "s3", "s5", "s4"}},
		{"priority_rank asc, id tiebreak", search.Query{Sort: []search.Sort{s(search.FieldPriorityRank, false)}}, []string{"s4", "s1", "s3", "s5", "s2"}},
		{"two keys", search.Query{Sort: []search.Sort{s(search.FieldPriorityRank, true), s(search.FieldUpdatedAt, true)}}, []string{"s2", "s3", "s5", "s1", "s4"}},
		{"escalation_level desc", search.Query{Sort: []search.Sort{s(search.FieldEscalationLevel, true)}}, []string{"s3", "s1", "s5", "s2", "s4"}},
		{"escalation_level desc, then due soonest", search.Query{Sort: []search.Sort{s(search.FieldEscalationLevel, true), s(search.FieldDueAt, false)}}, []string{"s3", "s1", "s5", "s2", "s4"}},
		{"escalation_level asc, then due soonest", search.Query{Sort: []search.Sort{s(search.FieldEscalationLevel, false), s(search.FieldDueAt, false)}}, []string{"s2", "s4", "s1", "s5", "s3"}},
		{"due_at asc, no due date last", search.Query{Sort: []search.Sort{s(search.FieldDueAt, false)}}, []string{"s3", "s1", "s5", "s2", "s4"}},
		{"due_at desc, no due date last", search.Query{Sort: []search.Sort{s(search.FieldDueAt, true)}}, []string{"s5", "s1", "s3", "s2", "s4"}},
		{"default: newest activity first", search.Query{}, []string{"s3", "s5", "s1", "s4", "s2"}},
		{"text without words is ignored", search.Query{Text: " ?! "}, []string{"s3", "s5", "s1", "s4", "s2"}},
		{"sort applies to text matches", search.Query{Text: "blender", Sort: []search.Sort{s(search.FieldUpdatedAt, false)}}, []string{"s2", "s4", "s1", "s5", "s3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantOrder(t, "order", hitIDs(find(t, ix, tc.q)), tc.want)
		})
	}
}

// pageAll follows cursors until the last page, checking page sizes and totals on the way.
func pageAll(t *testing.T, ix search.Index, q search.Query, total int) []string {
	t.Helper()
	var ids []string
	for page := 0; ; page++ {
		if page > total {
			t.Fatalf("paging does not end")
		}
		res := find(t, ix, q)
		if res.Total != total {
			t.Errorf("page %d: Total = %d, want %d", page, res.Total, total)
		}
		if res.NextCursor != "" && len(res.Hits) != q.Limit {
			t.Errorf("page %d: %d hits with a next page, want %d", page, len(res.Hits), q.Limit)
		}
		ids = append(ids, hitIDs(res)...)
		if res.NextCursor == "" {
			return ids
		}
		q.Cursor = res.NextCursor
	}
}

func testPaging(t *testing.T, ix search.Index) {
	const n = 23
	var docs []search.CaseDoc
	for i := range n {
		docs = append(docs, Doc(fmt.Sprintf("p%02d", i), func(d *search.CaseDoc) {
			d.Subject = "Invoice question"
			d.Body = strings.Repeat("invoice ", 1+i%3) + "please check"
			d.UpdatedAt = hours(i % 5) // many ties: the ID tiebreak decides
			d.PriorityRank = i % 4
		}))
	}
	upsert(t, ix, docs...)

	expect := func(less func(a, b search.CaseDoc) int) []string {
		s := slices.Clone(docs)
		slices.SortFunc(s, func(a, b search.CaseDoc) int {
			if c := less(a, b); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		var ids []string
		for _, d := range s {
			ids = append(ids, d.ID)
		}
		return ids
	}

	t.Run("updated_at desc", func(t *testing.T) {
		q := search.Query{Sort: []search.Sort{{Field: search.FieldUpdatedAt, Desc: true}}, Limit: 10}
		got := pageAll(t, ix, q, n)
		wantOrder(t, "pages", got, expect(func(a, b search.CaseDoc) int { return b.UpdatedAt.Compare(a.UpdatedAt) }))
		// First page sizes: 10, 10, 3.
		first := find(t, ix, q)
		if len(first.Hits) != 10 || first.NextCursor == "" {
			t.Fatalf("first page: %d hits, cursor %q", len(first.Hits), first.NextCursor)
		}
	})
	t.Run("priority_rank asc", func(t *testing.T) {
		q := search.Query{Sort: []search.Sort{{Field: search.FieldPriorityRank}}, Limit: 10}
		got := pageAll(t, ix, q, n)
		wantOrder(t, "pages", got, expect(func(a, b search.CaseDoc) int { return a.PriorityRank - b.PriorityRank }))
	})
	t.Run("relevance", func(t *testing.T) {
		q := search.Query{Text: "invoice", Limit: 10}
		got := pageAll(t, ix, q, n)
		all := hitIDs(find(t, ix, search.Query{Text: "invoice", Limit: 500}))
		wantOrder(t, "pages equal one big page", got, all)
		wantSet(t, "every doc once", got, expect(func(a, b search.CaseDoc) int { return 0 }))
	})
	t.Run("with filter and facets", func(t *testing.T) {
		q := search.Query{
			Filters: []search.Filter{{Field: search.FieldStatus, Values: []string{"open"}}},
			Sort:    []search.Sort{{Field: search.FieldUpdatedAt}},
			Facets:  []string{search.FieldStatus},
			Limit:   7,
		}
		got := pageAll(t, ix, q, n)
		wantOrder(t, "pages", got, expect(func(a, b search.CaseDoc) int { return a.UpdatedAt.Compare(b.UpdatedAt) }))
		q.Cursor = find(t, ix, q).NextCursor
		res := find(t, ix, q)
		if fv := res.Facets[search.FieldStatus]; len(fv) != 1 || fv[0].Count != n {
			t.Errorf("facets on page 2 = %+v, want open: %d", fv, n)
		}
	})
}

func testTotalAndFacets(t *testing.T, ix search.Index) {
	upsert(t, ix, filterFixtures()...)
	facets := []string{search.FieldStatus, search.FieldTags, search.FieldAssigneeID}

	res := find(t, ix, search.Query{Facets: facets, Limit: 2})
	if res.Total != 5 || len(res.Hits) != 2 || res.NextCursor == "" {
		t.Fatalf("Total %d, %d hits, cursor %q; want 5, 2, non-empty", res.Total, len(res.Hits), res.NextCursor)
	}
	want := map[string][]search.FacetValue{
		search.FieldStatus:     {{Value: "open", Count: 3}, {Value: "closed", Count: 1}, {Value: "pending", Count: 1}},
		search.FieldTags:       {{Value: "", Count: 2}, {Value: "billing", Count: 2}, {Value: "vip", Count: 2}},
		search.FieldAssigneeID: {{Value: "", Count: 2}, {Value: "u1", Count: 2}, {Value: "u2", Count: 1}},
	}
	for _, f := range facets {
		if !reflect.DeepEqual(res.Facets[f], want[f]) {
			t.Errorf("facet %s = %+v, want %+v", f, res.Facets[f], want[f])
		}
	}

	res = find(t, ix, search.Query{
		Filters: []search.Filter{{Field: search.FieldStatus, Values: []string{"open"}}},
		Facets:  facets,
		Limit:   1,
	})
	if res.Total != 3 {
		t.Errorf("filtered Total = %d, want 3", res.Total)
	}
	wantStatus := []search.FacetValue{{Value: "open", Count: 3}}
	if !reflect.DeepEqual(res.Facets[search.FieldStatus], wantStatus) {
		t.Errorf("filtered status facet = %+v, want %+v", res.Facets[search.FieldStatus], wantStatus)
	}
	wantAssignee := []search.FacetValue{{Value: "u1", Count: 2}, {Value: "", Count: 1}}
	if !reflect.DeepEqual(res.Facets[search.FieldAssigneeID], wantAssignee) {
		t.Errorf("filtered assignee facet = %+v, want %+v", res.Facets[search.FieldAssigneeID], wantAssignee)
	}

	res = find(t, ix, search.Query{
		Filters: []search.Filter{{Field: search.FieldStatus, Values: []string{"archived"}}},
		Facets:  facets,
	})
	if res.Total != 0 || len(res.Hits) != 0 || len(res.Facets[search.FieldStatus]) != 0 || res.NextCursor != "" {
		t.Errorf("no matches: got %+v", res)
	}
}

func testHighlights(t *testing.T, ix search.Index) {
	upsert(t, ix, Doc("h1", func(d *search.CaseDoc) {
		d.Subject = "Refund <b>now</b> please"
		d.Body = "I want a refund for the blender I bought last week."
	}))
	res := find(t, ix, search.Query{Text: "refund", Highlight: true})
	if len(res.Hits) != 1 {
		t.Fatalf("got %d hits, want 1", len(res.Hits))
	}
	hl := res.Hits[0].Highlights
	for _, field := range []string{"subject", "body"} {
		frags := hl[field]
		if len(frags) == 0 || !strings.Contains(strings.Join(frags, " "), "<mark>") {
			t.Errorf("highlights[%s] = %q, want a <mark>", field, frags)
		}
	}
	// Fragments are HTML: the document's own markup arrives escaped.
	if subj := strings.Join(hl["subject"], " "); strings.Contains(subj, "<b>") || !strings.Contains(subj, "&lt;b&gt;") {
		t.Errorf("subject highlight %q: want markup escaped", subj)
	}
	if _, ok := hl["customer_name"]; ok {
		t.Errorf("customer_name highlighted without a match: %q", hl["customer_name"])
	}

	res = find(t, ix, search.Query{Text: "refnud", Highlight: true})
	if len(res.Hits) != 1 || !strings.Contains(strings.Join(res.Hits[0].Highlights["subject"], " "), "<mark>") {
		t.Errorf("typo match not highlighted: %+v", res.Hits)
	}

	res = find(t, ix, search.Query{Text: "refund"})
	if len(res.Hits) != 1 || len(res.Hits[0].Highlights) != 0 {
		t.Errorf("highlights without asking: %+v", res.Hits)
	}

	// Every hit of a page carries its own fragments, on a page sorted by a field too.
	upsert(t, ix, Doc("h2", func(d *search.CaseDoc) {
		d.Subject = "Kettle leaks"
		d.Body = "The kettle I bought leaks; a refund would do."
	}))
	for _, q := range []search.Query{
		{Text: "refund kettle", Highlight: true},
		{Text: "refund kettle", Highlight: true, Sort: []search.Sort{{Field: search.FieldUpdatedAt, Desc: true}}},
	} {
		res = find(t, ix, q)
		if len(res.Hits) != 2 {
			t.Fatalf("%+v: got %d hits, want 2", q, len(res.Hits))
		}
		for _, h := range res.Hits {
			body := strings.Join(h.Highlights["body"], " ")
			own := map[string]string{"h1": "blender", "h2": "leaks"}[h.Doc.ID]
			if !strings.Contains(body, "<mark>") || !strings.Contains(body, own) {
				t.Errorf("%+v: hit %s body highlights %q, want its own text marked", q, h.Doc.ID, body)
			}
		}
	}
}

func testCount(t *testing.T, ix search.Index) {
	upsert(t, ix, filterFixtures()...)
	for _, tc := range filterCases() {
		n, err := ix.Count(t.Context(), search.Query{Filters: tc.filters})
		if err != nil || n != len(tc.want) {
			t.Errorf("%s: Count = %d, %v; want %d", tc.name, n, err, len(tc.want))
		}
	}
	// Text, sort and paging are ignored.
	n, err := ix.Count(t.Context(), search.Query{
		Text:    "xylophone",
		Filters: []search.Filter{{Field: search.FieldStatus, Values: []string{"open"}}},
		Sort:    []search.Sort{{Field: search.FieldDueAt}},
		Limit:   1,
	})
	if err != nil || n != 3 {
		t.Errorf("Count ignoring text = %d, %v; want 3", n, err)
	}
}

func testCountSince(t *testing.T, ix search.Index) {
	// Two customers: one with cases 0, 10, 20, 30 and 40 days old, one with a case today.
	var docs []search.CaseDoc
	for i := range 5 {
		docs = append(docs, Doc(fmt.Sprintf("r%d", i), func(d *search.CaseDoc) {
			d.CustomerEmail = "repeat@example.com"
			d.CreatedAt = hours(-24 * 10 * i)
		}))
	}
	docs = append(docs, Doc("other", func(d *search.CaseDoc) { d.CustomerEmail = "other@example.com" }))
	upsert(t, ix, docs...)
	repeat := search.Query{Filters: []search.Filter{{Field: search.FieldCustomerEmail, Values: []string{"repeat@example.com"}}}}
	since := []time.Time{hours(1), T0, hours(-24 * 15), hours(-24 * 30), hours(-24 * 365)}
	got, err := ix.CountSince(t.Context(), repeat, search.FieldCreatedAt, since)
	if want := []int{0, 1, 2, 4, 5}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("CountSince = %v, %v; want %v (the bound is inclusive)", got, err, want)
	}
	// The query's own ranges still apply.
	q := repeat
	q.Ranges = []search.TimeRange{{Field: search.FieldCreatedAt, To: hours(-24 * 15)}}
	if got, err := ix.CountSince(t.Context(), q, search.FieldCreatedAt, since[2:]); err != nil || !reflect.DeepEqual(got, []int{0, 2, 3}) {
		t.Errorf("CountSince with a range = %v, %v; want [0 2 3]", got, err)
	}
	if got, err := ix.CountSince(t.Context(), repeat, search.FieldCreatedAt, nil); err != nil || len(got) != 0 {
		t.Errorf("CountSince of no times = %v, %v", got, err)
	}
	for name, call := range map[string]func() error{
		"unknown field": func() error { _, err := ix.CountSince(t.Context(), repeat, "subject", since); return err },
		"zero time": func() error {
			_, err := ix.CountSince(t.Context(), repeat, search.FieldCreatedAt, []time.Time{{}})
			return err
		},
		"bad filter": func() error {
			_, err := ix.CountSince(t.Context(), search.Query{Filters: []search.Filter{{Field: "nope", Values: []string{"x"}}}}, search.FieldCreatedAt, since)
			return err
		},
	} {
		if err := call(); !errors.Is(err, search.ErrBadQuery) {
			t.Errorf("%s: err = %v, want ErrBadQuery", name, err)
		}
	}
}

func testVersions(t *testing.T, ix search.Index) {
	upsert(t, ix,
		Doc("v1", func(d *search.CaseDoc) { d.Version = 3 }),
		Doc("v2", func(d *search.CaseDoc) { d.Version = 7 }),
		Doc("v3", func(d *search.CaseDoc) { d.Version = 1 }),
	)
	got, err := ix.Versions(t.Context(), []string{"v1", "v2", "missing", "v1"})
	if err != nil {
		t.Fatalf("Versions: %v", err)
	}
	if want := map[string]int64{"v1": 3, "v2": 7}; !reflect.DeepEqual(got, want) {
		t.Errorf("Versions = %v, want %v", got, want)
	}
	got, err = ix.Versions(t.Context(), nil)
	if err != nil || len(got) != 0 {
		t.Errorf("Versions(nil) = %v, %v; want empty", got, err)
	}
}

func testDocCount(t *testing.T, ix search.Index) {
	if n, err := ix.DocCount(t.Context()); err != nil || n != 0 {
		t.Fatalf("empty DocCount = %d, %v", n, err)
	}
	if err := ix.Upsert(t.Context()); err != nil {
		t.Fatalf("Upsert with no docs: %v", err)
	}
	upsert(t, ix, Doc("c1"), Doc("c2"), Doc("c3"))
	if n, err := ix.DocCount(t.Context()); err != nil || n != 3 {
		t.Fatalf("DocCount = %d, %v; want 3", n, err)
	}
}

func testLimits(t *testing.T, ix search.Index) {
	var docs []search.CaseDoc
	for i := range 510 {
		docs = append(docs, Doc(fmt.Sprintf("l%03d", i)))
	}
	upsert(t, ix, docs...)
	res := find(t, ix, search.Query{})
	if len(res.Hits) != 50 || res.Total != 510 || res.NextCursor == "" {
		t.Errorf("default limit: %d hits, Total %d, cursor %q; want 50, 510, non-empty", len(res.Hits), res.Total, res.NextCursor)
	}
	res = find(t, ix, search.Query{Limit: 10000})
	if len(res.Hits) != 500 || res.NextCursor == "" {
		t.Errorf("capped limit: %d hits, cursor %q; want 500, non-empty", len(res.Hits), res.NextCursor)
	}
	res = find(t, ix, search.Query{Limit: 10000, Cursor: res.NextCursor})
	if len(res.Hits) != 10 || res.NextCursor != "" {
		t.Errorf("last page: %d hits, cursor %q; want 10, empty", len(res.Hits), res.NextCursor)
	}
}

func testBadQueries(t *testing.T, ix search.Index) {
	upsert(t, ix, filterFixtures()...)
	page := find(t, ix, search.Query{Limit: 2, Sort: []search.Sort{{Field: search.FieldUpdatedAt}}})
	if page.NextCursor == "" {
		t.Fatal("no cursor to tamper with")
	}
	cases := []struct {
		name string
		q    search.Query
	}{
		{"unknown filter field", search.Query{Filters: []search.Filter{{Field: "password", Values: []string{"x"}}}}},
		{"text field as filter", search.Query{Filters: []search.Filter{{Field: "subject", Values: []string{"x"}}}}},
		{"filter without values", search.Query{Filters: []search.Filter{{Field: search.FieldStatus}}}},
		{"unknown facet", search.Query{Facets: []string{"body"}}},
		{"unknown sort field", search.Query{Sort: []search.Sort{{Field: "subject"}}}},
		{"keyword sort field", search.Query{Sort: []search.Sort{{Field: search.FieldStatus}}}},
		{"unknown range field", search.Query{Ranges: []search.TimeRange{{Field: "closed_at", From: T0}}}},
		{"unknown number range field", search.Query{IntRanges: []search.IntRange{{Field: "version", From: 1}}}},
		{"keyword field as number range", search.Query{IntRanges: []search.IntRange{{Field: search.FieldStatus, From: 1}}}},
		{"negative number bound", search.Query{IntRanges: []search.IntRange{{Field: search.FieldEscalationLevel, From: -1}}}},
		{"negative limit", search.Query{Limit: -1}},
		{"cursor not base64", search.Query{Cursor: "!!not a cursor!!"}},
		{"cursor not json", search.Query{Cursor: "bm90IGpzb24"}},
		{"cursor of another sort", search.Query{Cursor: page.NextCursor, Sort: []search.Sort{{Field: search.FieldPriorityRank}}}},
		{"tampered cursor", search.Query{Cursor: page.NextCursor[:len(page.NextCursor)-3] + "xyz", Sort: []search.Sort{{Field: search.FieldUpdatedAt}}}},
		{"cursor with an injection", search.Query{Cursor: "eyJvIjoiMSBPUiAxPTEifQ"}}, // {"o":"1 OR 1=1"}
		// Text over the limits is refused, never run: a 5,000-character word made Bleve's fuzzy
		// automaton fail (and shorter ones slowed every search).
		{"a 5,000-character word", search.Query{Text: strings.Repeat("a", 5000)}},
		{"a word one character too long", search.Query{Text: "parcel " + strings.Repeat("ä", search.MaxTextWordRunes+1)}},
		{"one word too many", search.Query{Text: strings.TrimSpace(strings.Repeat("parcel ", search.MaxTextWords+1))}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ix.Search(t.Context(), tc.q)
			if !errors.Is(err, search.ErrBadQuery) {
				t.Errorf("Search: err = %v, want ErrBadQuery", err)
			}
		})
	}
	_, err := ix.Count(t.Context(), search.Query{Filters: []search.Filter{{Field: "nope", Values: []string{"x"}}}})
	if !errors.Is(err, search.ErrBadQuery) {
		t.Errorf("Count: err = %v, want ErrBadQuery", err)
	}
	_, err = ix.Count(t.Context(), search.Query{Ranges: []search.TimeRange{{Field: "nope"}}})
	if !errors.Is(err, search.ErrBadQuery) {
		t.Errorf("Count with bad range: err = %v, want ErrBadQuery", err)
	}
	_, err = ix.Count(t.Context(), search.Query{IntRanges: []search.IntRange{{Field: "nope", From: 1}}})
	if !errors.Is(err, search.ErrBadQuery) {
		t.Errorf("Count with bad number range: err = %v, want ErrBadQuery", err)
	}
}

func testConcurrentUpserts(t *testing.T, ix search.Index) {
	const workers, perWorker = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Go(func() {
			for i := 0; i < perWorker; i += 2 {
				a := Doc(fmt.Sprintf("w%d-%02d", w, i))
				b := Doc(fmt.Sprintf("w%d-%02d", w, i+1))
				if err := ix.Upsert(t.Context(), a, b); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Upsert: %v", err)
	}
	if n, err := ix.DocCount(t.Context()); err != nil || n != workers*perWorker {
		t.Errorf("DocCount = %d, %v; want %d", n, err, workers*perWorker)
	}
	n, err := ix.Count(t.Context(), search.Query{Filters: []search.Filter{{Field: search.FieldStatus, Values: []string{"open"}}}})
	if err != nil || n != workers*perWorker {
		t.Errorf("Count = %d, %v; want %d", n, err, workers*perWorker)
	}
}

// testLookup: a case is found by its reference in full or in part, and by the customer's
// phone number in any common form; a number one digit off is another case.
func testLookup(t *testing.T, ix search.Index) {
	upsert(t, ix,
		Doc("K-2026-000004", func(d *search.CaseDoc) { d.CustomerPhone = "+358 40 123 4567" }),
		Doc("K-2026-000005", func(d *search.CaseDoc) { d.CustomerPhone = "050 765 4321" }),
		Doc("K-2025-000004"),
	)
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"K-2026-000004", []string{"K-2026-000004"}},
		{"k-2026-000004", []string{"K-2026-000004"}},
		{"2026-000004", []string{"K-2026-000004"}},
		{"000004", []string{"K-2025-000004", "K-2026-000004"}},
		{"000005", []string{"K-2026-000005"}},
		{"+358 40 123 4567", []string{"K-2026-000004"}},
		{"+358401234567", []string{"K-2026-000004"}},
		{"00358 40 1234567", []string{"K-2026-000004"}},
		{"0401234567", []string{"K-2026-000004"}},
		{"040-123 4567", []string{"K-2026-000004"}},
		{"+358 50 765 4321", []string{"K-2026-000005"}},
		{"0507654321", []string{"K-2026-000005"}},
	} {
		res := find(t, ix, search.Query{Text: tc.text})
		wantSet(t, fmt.Sprintf("search %q", tc.text), hitIDs(res), tc.want)
	}
	// The phone number comes back with the document.
	res := find(t, ix, search.Query{Text: "K-2026-000004"})
	if len(res.Hits) == 1 && res.Hits[0].Doc.CustomerPhone != "+358 40 123 4567" {
		t.Errorf("customer_phone: got %q", res.Hits[0].Doc.CustomerPhone)
	}
}
