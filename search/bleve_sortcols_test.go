package search_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/search/searchtest"
)

// sortTieDoc is a case of the list-sort fixture: four levels, six due days and no due time at
// all (ties on level and due for dozens of cases at once), three updated times, IDs in an
// order unrelated to the order the cases are written in. round changes level and due, so a
// case written again moves (its old version is deleted in an older segment).
func sortTieDoc(i, round int) search.CaseDoc {
	const n = 400
	return searchtest.Doc(fmt.Sprintf("c%04d", (i*7919)%n), func(d *search.CaseDoc) {
		d.EscalationLevel = (i + round) % 4
		if (i+round)%5 != 0 {
			d.DueAt = searchtest.T0.Add(time.Duration((i*3+round)%6) * 24 * time.Hour)
		}
		d.UpdatedAt = searchtest.T0.Add(time.Duration(i%3) * time.Hour)
		d.PriorityRank = i % 4
		d.Priority = []string{"low", "normal", "high", "urgent"}[d.PriorityRank]
		if i%7 == 0 {
			d.Status = "resolved"
		}
		if i%3 == 0 {
			d.Subject = "Invoice question"
		}
	})
}

// byLevelThenDue is the escalated view's order done by hand: level highest first, due time
// soonest first with no due time last, then ID.
func byLevelThenDue(a, b search.CaseDoc) int {
	if c := b.EscalationLevel - a.EscalationLevel; c != 0 {
		return c
	}
	if a.DueAt.IsZero() != b.DueAt.IsZero() {
		if a.DueAt.IsZero() {
			return 1
		}
		return -1
	}
	if c := a.DueAt.Compare(b.DueAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

func byRankThenNewest(a, b search.CaseDoc) int {
	if c := b.PriorityRank - a.PriorityRank; c != 0 {
		return c
	}
	if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// A list sorted by a number is ordered on sort keys kept per index segment. Every page of it
// must be the page of the full sort done by hand and of Bleve's own sort (the same query on an
// index that sorts in Bleve), over segments written apart, cases written again and deleted.
func TestBleveNumberSortedListsMatchTheFullSort(t *testing.T) {
	kept := openTestBleve(t, filepath.Join(t.TempDir(), "kept"))
	defer kept.Close()
	search.NarrowAlways(kept) // every list sorted by a number takes the kept keys, however short
	full := openTestBleve(t, filepath.Join(t.TempDir(), "full"))
	defer full.Close()

	docs := map[string]search.CaseDoc{}
	write := func(batch []search.CaseDoc, deletes ...string) {
		t.Helper()
		for _, ix := range []*search.BleveIndex{kept, full} {
			if err := ix.Upsert(t.Context(), batch...); err != nil {
				t.Fatal(err)
			}
			if err := ix.Delete(t.Context(), deletes...); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range batch {
			docs[d.ID] = d
		}
		for _, id := range deletes {
			delete(docs, id)
		}
	}

	open := []search.Filter{{Field: search.FieldStatus, Values: []string{"open"}}}
	levelThenDue := []search.Sort{{Field: search.FieldEscalationLevel, Desc: true}, {Field: search.FieldDueAt}}
	cases := []struct {
		name string
		q    search.Query
		keep func(search.CaseDoc) bool
		cmp  func(a, b search.CaseDoc) int
	}{
		{"escalated view", search.Query{Filters: open, IntRanges: []search.IntRange{{Field: search.FieldEscalationLevel, From: 1}}, Sort: levelThenDue},
			func(d search.CaseDoc) bool { return d.Status == "open" && d.EscalationLevel >= 1 }, byLevelThenDue},
		{"every level", search.Query{Sort: levelThenDue},
			func(search.CaseDoc) bool { return true }, byLevelThenDue},
		{"text, every level", search.Query{Text: "invoice", Sort: levelThenDue},
			func(d search.CaseDoc) bool { return strings.Contains(d.Subject, "Invoice") }, byLevelThenDue},
		{"priority then newest", search.Query{Sort: []search.Sort{{Field: search.FieldPriorityRank, Desc: true}, {Field: search.FieldUpdatedAt, Desc: true}}},
			func(search.CaseDoc) bool { return true }, byRankThenNewest},
	}
	check := func(t *testing.T) {
		for _, tc := range cases {
			var want []string
			var matches []search.CaseDoc
			for _, d := range docs {
				if tc.keep(d) {
					matches = append(matches, d)
				}
			}
			slices.SortFunc(matches, tc.cmp)
			for _, d := range matches {
				want = append(want, d.ID)
			}
			for _, limit := range []int{1, 7, 50, 500} {
				q := tc.q
				q.Limit = limit
				t.Run(fmt.Sprintf("%s, pages of %d", tc.name, limit), func(t *testing.T) {
					ids, ok, err := search.ColumnSortedIDs(kept, q)
					if err != nil || !ok {
						t.Fatalf("ordered on the kept keys: ok %v, %v", ok, err)
					}
					if w := want[:min(limit, len(want))]; !slices.Equal(ids, w) {
						t.Errorf("first page on the kept keys %v, want %v", ids, w)
					}
					if got := pageIDs(t, kept, q); !slices.Equal(got, want) {
						t.Errorf("pages on the kept keys\n%v\nwant (sorted by hand)\n%v", got, want)
					}
					if got := pageIDs(t, full, q); !slices.Equal(got, want) {
						t.Errorf("pages of Bleve's own sort\n%v\nwant (sorted by hand)\n%v", got, want)
					}
				})
			}
		}
	}

	var batch []search.CaseDoc
	for i := range 400 {
		if batch = append(batch, sortTieDoc(i, 0)); len(batch) == 50 {
			write(batch) // one segment each
			batch = nil
		}
	}
	t.Run("written in batches", check)

	// Cases written again change level and due time; others leave.
	batch = nil
	for i := 0; i < 400; i += 6 {
		batch = append(batch, sortTieDoc(i, 1))
	}
	var gone []string
	for i := 1; i < 400; i += 19 {
		gone = append(gone, sortTieDoc(i, 0).ID)
	}
	write(batch, gone...)
	t.Run("after changes and deletions", check)
}

// pageIDs follows a list's cursors to its end.
func pageIDs(t *testing.T, ix *search.BleveIndex, q search.Query) []string {
	t.Helper()
	var ids []string
	for range 1000 {
		res, err := ix.Search(t.Context(), q)
		if err != nil {
			t.Fatalf("Search: %v", err)
		}
		for _, h := range res.Hits {
			ids = append(ids, h.Doc.ID)
		}
		if res.NextCursor == "" {
			return ids
		}
		q.Cursor = res.NextCursor
	}
	t.Fatal("paging does not end")
	return nil
}
