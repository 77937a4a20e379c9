package searchtest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/search"
)

// listFixtures are cases spread over years around T0 (some after the present, some decades
// before), with many sharing one time exactly, some without a due time, in two statuses and
// two texts: what a backend that finds a newest-first page among recent matches only must get
// exactly as a full sort would.
func listFixtures() []search.CaseDoc {
	const n = 240
	docs := make([]search.CaseDoc, 0, n)
	for i := range n {
		docs = append(docs, Doc(fmt.Sprintf("l%03d", i), func(d *search.CaseDoc) {
			// A deterministic spread: most within a year of T0, every seventh at T0 exactly
			// (ties), a few years ahead of T0 (after the present), a few decades back.
			offset := time.Duration((i*7919)%8760) * time.Hour
			switch {
			case i%7 == 0:
				offset = 0
			case i%31 == 0:
				offset = time.Duration(3*365*24+i) * time.Hour
			case i%37 == 0:
				offset = -time.Duration(40*365*24+i) * time.Hour
			case i%2 == 0:
				offset = -offset
			}
			d.UpdatedAt = T0.Add(offset)
			d.CreatedAt = T0.Add(offset / 2).Add(-time.Duration(i%3) * time.Minute)
			if i%3 != 0 {
				d.DueAt = T0.Add(offset / 3).Truncate(24 * time.Hour) // ties again
			}
			if i%4 == 0 {
				d.Status = "resolved"
			}
			d.Priority = []string{"low", "normal", "high", "urgent"}[i%4]
			d.PriorityRank = i % 4
			switch {
			case i%9 == 0:
				d.EscalationLevel = 2
			case i%3 == 0:
				d.EscalationLevel = 1
			}
			if i%5 == 0 {
				d.Subject = "Invoice question"
				d.Body = "Please check my invoice."
			}
		}))
	}
	return docs
}

// testNewestFirstLists pages through lists sorted by a time, newest first (the inbox's default
// order), or by a number, highest first (the escalated view, the priority sort), and checks
// every page, the total and the facets against a sort done here.
func testNewestFirstLists(t *testing.T, ix search.Index) {
	docs := listFixtures()
	upsert(t, ix, docs...)
	byTime := func(field string) func(d search.CaseDoc) time.Time {
		return func(d search.CaseDoc) time.Time {
			switch field {
			case search.FieldCreatedAt:
				return d.CreatedAt
			case search.FieldDueAt:
				return d.DueAt
			}
			return d.UpdatedAt
		}
	}
	// expect sorts the matching docs newest first by field (absent times last), then by ID.
	expect := func(keep func(search.CaseDoc) bool, field string) []string {
		at := byTime(field)
		var s []search.CaseDoc
		for _, d := range docs {
			if keep(d) {
				s = append(s, d)
			}
		}
		slices.SortFunc(s, func(a, b search.CaseDoc) int {
			ta, tb := at(a), at(b)
			switch {
			case ta.IsZero() != tb.IsZero():
				if ta.IsZero() {
					return 1
				}
				return -1
			case !ta.Equal(tb):
				return tb.Compare(ta)
			}
			return strings.Compare(a.ID, b.ID)
		})
		ids := make([]string, 0, len(s))
		for _, d := range s {
			ids = append(ids, d.ID)
		}
		return ids
	}
	all := func(search.CaseDoc) bool { return true }
	open := func(d search.CaseDoc) bool { return d.Status == "open" }
	invoice := func(d search.CaseDoc) bool { return strings.Contains(d.Subject, "Invoice") }
	openFilter := []search.Filter{{Field: search.FieldStatus, Values: []string{"open"}}}
	newest := func(field string) []search.Sort { return []search.Sort{{Field: field, Desc: true}} }

	cases := []struct {
		name string
		q    search.Query
		keep func(search.CaseDoc) bool
		by   string
	}{
		{"default order, pages of 7", search.Query{Limit: 7}, all, search.FieldUpdatedAt},
		{"updated_at desc, open, pages of 50", search.Query{Filters: openFilter, Sort: newest(search.FieldUpdatedAt), Limit: 50}, open, search.FieldUpdatedAt},
		{"updated_at desc, open, pages of 1", search.Query{Filters: openFilter, Sort: newest(search.FieldUpdatedAt), Limit: 1}, open, search.FieldUpdatedAt},
		{"created_at desc, pages of 11", search.Query{Sort: newest(search.FieldCreatedAt), Limit: 11}, all, search.FieldCreatedAt},
		{"due_at desc, no due time last, pages of 9", search.Query{Sort: newest(search.FieldDueAt), Limit: 9}, all, search.FieldDueAt},
		{"text, updated_at desc, pages of 4", search.Query{Text: "invoice", Sort: newest(search.FieldUpdatedAt), Limit: 4}, invoice, search.FieldUpdatedAt},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := expect(tc.keep, tc.by)
			wantOrder(t, "pages", pageAll(t, ix, tc.q, len(want)), want)
		})
	}

	// Sorted by a number, highest first, then by a time; IDs break the remaining ties.
	byNumber := func(num func(search.CaseDoc) int, field string, desc bool) func(a, b search.CaseDoc) int {
		at := byTime(field)
		return func(a, b search.CaseDoc) int {
			if c := num(b) - num(a); c != 0 {
				return c
			}
			ta, tb := at(a), at(b)
			switch {
			case ta.IsZero() != tb.IsZero():
				if ta.IsZero() {
					return 1
				}
				return -1
			case !ta.Equal(tb) && desc:
				return tb.Compare(ta)
			case !ta.Equal(tb):
				return ta.Compare(tb)
			}
			return strings.Compare(a.ID, b.ID)
		}
	}
	level := func(d search.CaseDoc) int { return d.EscalationLevel }
	rank := func(d search.CaseDoc) int { return d.PriorityRank }
	for _, tc := range []struct {
		name string
		q    search.Query
		keep func(search.CaseDoc) bool
		cmp  func(a, b search.CaseDoc) int
	}{
		{"escalation desc, due soonest, open, pages of 6",
			search.Query{Filters: openFilter, Sort: []search.Sort{{Field: search.FieldEscalationLevel, Desc: true}, {Field: search.FieldDueAt}}, Limit: 6},
			open, byNumber(level, search.FieldDueAt, false)},
		{"escalated only, pages of 5",
			search.Query{Filters: openFilter, IntRanges: []search.IntRange{{Field: search.FieldEscalationLevel, From: 1}},
				Sort: []search.Sort{{Field: search.FieldEscalationLevel, Desc: true}, {Field: search.FieldDueAt}}, Limit: 5},
			func(d search.CaseDoc) bool { return open(d) && d.EscalationLevel >= 1 }, byNumber(level, search.FieldDueAt, false)},
		{"priority desc, newest, pages of 13",
			search.Query{Sort: []search.Sort{{Field: search.FieldPriorityRank, Desc: true}, {Field: search.FieldUpdatedAt, Desc: true}}, Limit: 13},
			all, byNumber(rank, search.FieldUpdatedAt, true)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s []search.CaseDoc
			for _, d := range docs {
				if tc.keep(d) {
					s = append(s, d)
				}
			}
			slices.SortFunc(s, tc.cmp)
			want := make([]string, 0, len(s))
			for _, d := range s {
				want = append(want, d.ID)
			}
			wantOrder(t, "pages", pageAll(t, ix, tc.q, len(want)), want)
		})
	}

	t.Run("facets on every page", func(t *testing.T) {
		q := search.Query{Filters: openFilter, Sort: newest(search.FieldUpdatedAt), Limit: 20,
			Facets: []string{search.FieldPriority, search.FieldStatus}}
		want := map[string]int{}
		for _, d := range docs {
			if open(d) {
				want[d.Priority]++
			}
		}
		for page := 0; page < 3; page++ {
			res := find(t, ix, q)
			got := map[string]int{}
			for _, fv := range res.Facets[search.FieldPriority] {
				got[fv.Value] = fv.Count
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("page %d: priority facet %v, want %v", page, got, want)
			}
			if st := res.Facets[search.FieldStatus]; len(st) != 1 || st[0].Value != "open" || st[0].Count != res.Total {
				t.Errorf("page %d: status facet %+v with total %d", page, st, res.Total)
			}
			q.Cursor = res.NextCursor
		}
	})
}

// testCountsFollowWrites checks that a count, a list's total and its facets change with every
// write, however often the same query was answered before it.
func testCountsFollowWrites(t *testing.T, ix search.Index) {
	docs := listFixtures()
	upsert(t, ix, docs...)
	openFilter := []search.Filter{{Field: search.FieldStatus, Values: []string{"open"}}}
	list := search.Query{Filters: openFilter, Limit: 5, Facets: []string{search.FieldPriority}}
	state := func() (count, total int, facets string, first []string) {
		t.Helper()
		n, err := ix.Count(t.Context(), search.Query{Filters: openFilter})
		if err != nil {
			t.Fatalf("Count: %v", err)
		}
		res := find(t, ix, list)
		return n, res.Total, fmt.Sprint(res.Facets[search.FieldPriority]), hitIDs(res)
	}
	c0, t0, f0, _ := state()
	if c0 != t0 {
		t.Fatalf("count %d, list total %d", c0, t0)
	}
	state() // answered twice: a backend may keep what it counted

	added := Doc("l-new", func(d *search.CaseDoc) {
		d.UpdatedAt = T0.Add(10 * 365 * 24 * time.Hour) // the newest of all
		d.Priority = "urgent"
	})
	upsert(t, ix, added)
	c1, t1, f1, first := state()
	if c1 != c0+1 || t1 != t0+1 || f1 == f0 || len(first) == 0 || first[0] != "l-new" {
		t.Errorf("after an upsert: count %d, total %d (want %d), facets %s (were %s), first %v", c1, t1, c0+1, f1, f0, first)
	}

	added.Status = "resolved"
	upsert(t, ix, added)
	if c2, t2, f2, first := state(); c2 != c0 || t2 != t0 || f2 != f0 || slices.Contains(first, "l-new") {
		t.Errorf("after a status change: count %d, total %d (want %d), facets %s (want %s), first %v", c2, t2, c0, f2, f0, first)
	}

	if err := ix.Delete(t.Context(), docs[1].ID); err != nil { // docs[1] is open
		t.Fatalf("Delete: %v", err)
	}
	if c3, t3, _, _ := state(); c3 != c0-1 || t3 != t0-1 {
		t.Errorf("after a delete: count %d, total %d, want %d", c3, t3, c0-1)
	}
}
