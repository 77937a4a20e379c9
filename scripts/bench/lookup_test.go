package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/search"
)

func TestReferenceForms(t *testing.T) {
	got := referenceForms("K-2026-000004")
	if want := []string{"K-2026-000004", "2026-000004", "000004"}; !slices.Equal(got, want) {
		t.Errorf("referenceForms = %q, want %q", got, want)
	}
}

// A lookup that finds nothing is fast and tells nothing: the floor refuses it.
func TestLookupFloorRefusesNoHits(t *testing.T) {
	dir := t.TempDir()
	idx, err := search.OpenBleve(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := idx.Upsert(ctx, search.CaseDoc{ID: "K-2026-000004", Subject: "a parcel", Status: "open"}); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	d := &dataset{ids: []string{"K-2026-000004"}}
	cfg := config{Requests: 5, Warmup: 1}
	nop := func(string, ...any) {}
	if _, err := searchFloors(ctx, dir, []listSpec{lookupSpec(d, 6, 1)}, cfg, nop); err != nil {
		t.Errorf("the seeded reference's forms: %v", err)
	}
	missing := lookupSpec(&dataset{ids: []string{"K-2025-000777"}}, 6, 1)
	_, err = searchFloors(ctx, dir, []listSpec{missing}, cfg, nop)
	if err == nil || !strings.Contains(err.Error(), "found no case") {
		t.Errorf("a reference no case has: err = %v, want \"found no case\"", err)
	}
}
