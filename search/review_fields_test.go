package search_test

import (
	"context"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/search"
)

// Review fields filter and facet like the other keyword fields, and a case that is no review
// has none of them.
func TestBleveReviewFields(t *testing.T) {
	ctx := context.Background()
	idx, err := search.OpenBleve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	doc := func(id, source, rating, reply string) search.CaseDoc {
		return search.CaseDoc{ID: id, Subject: "s " + id, Status: "new", Priority: "normal", Channel: "review", Tags: []string{},
			CreatedAt: at, UpdatedAt: at, Version: 1, ReviewSource: source, ReviewRating: rating, ReviewReply: reply}
	}
	complaint := search.CaseDoc{ID: "c1", Subject: "complaint", Status: "new", Priority: "normal", Channel: "web_form", Tags: []string{},
		CreatedAt: at, UpdatedAt: at, Version: 1}
	if err := idx.Upsert(ctx, doc("r1", "booking", "1", "none"), doc("r2", "booking", "2", "published"),
		doc("r3", "trustpilot", "5", "none"), complaint); err != nil {
		t.Fatal(err)
	}
	res, err := idx.Search(ctx, search.Query{
		Filters: []search.Filter{{Field: search.FieldReviewRating, Values: []string{"1", "2"}}, {Field: search.FieldReviewReply, Values: []string{"none"}}},
		Facets:  []string{search.FieldReviewSource},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 1 || res.Hits[0].Doc.ID != "r1" || res.Hits[0].Doc.ReviewRating != "1" || res.Hits[0].Doc.ReviewSource != "booking" {
		t.Fatalf("rating <= 2 and not replied: %+v", res.Hits)
	}
	all, err := idx.Search(ctx, search.Query{Facets: []string{search.FieldReviewSource}})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, f := range all.Facets[search.FieldReviewSource] {
		counts[f.Value] = f.Count
	}
	if counts["booking"] != 2 || counts["trustpilot"] != 1 || counts[""] != 1 {
		t.Fatalf("source facet: %+v", all.Facets)
	}
	none, err := idx.Search(ctx, search.Query{Filters: []search.Filter{{Field: search.FieldReviewSource, Values: []string{""}}}})
	if err != nil || none.Total != 1 || none.Hits[0].Doc.ID != "c1" || none.Hits[0].Doc.ReviewRating != "" {
		t.Fatalf("the complaint: %+v %v", none.Hits, err)
	}
}
