package search

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
)

// The rows a report query keeps without running it (filterRows) are exactly the rows of the
// documents the index query matches (searchRows), over several segments with replaced and
// deleted documents, empty values and every kind of filter.
func TestReportRowFilterMatchesTheIndexQuery(t *testing.T) {
	ctx := t.Context()
	b, err := OpenBleve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	rnd := rand.New(rand.NewPCG(3, 4))
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	teams, statuses := []string{"", "t1", "t2", emptyValue}, []string{"new", "open", "resolved"}
	doc := func(i int, version int64) CaseDoc {
		d := CaseDoc{ID: fmt.Sprintf("c%03d", i), Subject: "s", Version: version, Tags: []string{},
			Status: statuses[rnd.IntN(len(statuses))], TeamID: teams[rnd.IntN(len(teams))], Channel: "web_form",
			Priority: "normal", SLAOutcome: []string{"", "met", "breached"}[rnd.IntN(3)]}
		if rnd.IntN(10) > 0 { // a few without a creation time
			d.CreatedAt = base.Add(time.Duration(rnd.IntN(30*24)) * time.Hour)
		}
		return d
	}
	for batch := range 4 { // a segment each
		var docs []CaseDoc
		for i := range 50 {
			docs = append(docs, doc(batch*40+i, int64(batch+1))) // overlapping: replaced documents
		}
		if err := b.Upsert(ctx, docs...); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Delete(ctx, "c005", "c050", "c120"); err != nil {
		t.Fatal(err)
	}

	queries := []Query{
		{},
		{Ranges: []TimeRange{{Field: FieldCreatedAt, From: base.Add(5 * 24 * time.Hour), To: base.Add(20 * 24 * time.Hour)}}},
		{Ranges: []TimeRange{{Field: FieldCreatedAt, To: base.Add(10 * 24 * time.Hour)}}},
		{Ranges: []TimeRange{{Field: FieldCreatedAt}}},
		{Filters: []Filter{{Field: FieldTeamID, Values: []string{"t1", ""}}}},
		{Filters: []Filter{{Field: FieldTeamID, Values: []string{emptyValue}}}},
		{Filters: []Filter{{Field: FieldStatus, Values: []string{"resolved"}, Negate: true},
			{Field: FieldSLAOutcome, Values: []string{"met", "breached"}}},
			Ranges: []TimeRange{{Field: FieldCreatedAt, From: base.Add(3 * 24 * time.Hour)}}},
	}
	adv, err := b.idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	reader, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = reader.Close() }()
	snap := reader.(*scorch.IndexSnapshot)
	if len(snap.Segments()) < 2 {
		t.Fatalf("%d segments; the test wants several", len(snap.Segments()))
	}
	segs, err := b.rows.rowsOf(snap)
	if err != nil {
		t.Fatal(err)
	}
	offsets := make([]uint64, len(segs)+1)
	for i, ss := range snap.Segments() {
		offsets[i+1] = offsets[i] + ss.Segment().Count()
	}
	values := b.rows.dict.snapshot()
	key := func(r ReportRow) string { return fmt.Sprint(r) }
	for i, q := range queries {
		f, ok := newRowFilter(q, values)
		if !ok {
			t.Fatalf("query %d: not answerable from rows", i)
		}
		filtered, err := b.filterRows(ctx, snap, segs, f, values)
		if err != nil {
			t.Fatal(err)
		}
		searched, err := b.searchRows(ctx, snap, q, segs, offsets, values)
		if err != nil {
			t.Fatal(err)
		}
		got, want := make([]string, 0), make([]string, 0)
		for _, r := range filtered.Rows {
			got = append(got, key(r))
		}
		for _, r := range searched.Rows {
			want = append(want, key(r))
		}
		slices.Sort(got)
		slices.Sort(want)
		if len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("query %d: %d rows from the rows, %d from the index", i, len(got), len(want))
		}
	}
}
