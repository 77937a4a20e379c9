package demo_test

import (
	"context"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/demo"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// A deferred write is held, yet every read sees it (and only its newest version), and Flush
// hands it to the index itself.
func TestDeferredIndexReadsSeeEveryWriteBeforeThem(t *testing.T) {
	ctx := context.Background()
	ix, err := search.OpenBleve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	d := demo.DeferIndex(ix)
	doc := func(id string, version int64, status string) search.CaseDoc {
		return search.CaseDoc{ID: id, Subject: "s", Status: status, Priority: "normal", Channel: "web_form", Version: version, Tags: []string{}}
	}
	if err := d.Upsert(ctx, doc("a", 2, "open"), doc("b", 1, "new")); err != nil {
		t.Fatal(err)
	}
	if err := d.Upsert(ctx, doc("a", 1, "new")); err != nil { // older: ignored
		t.Fatal(err)
	}
	if n, _ := ix.DocCount(ctx); n != 0 {
		t.Fatalf("the index holds %d documents before any read; want the writes held", n)
	}
	open := search.Query{Filters: []search.Filter{{Field: search.FieldStatus, Values: []string{"open"}}}}
	if n, err := d.Count(ctx, open); err != nil || n != 1 {
		t.Fatalf("open cases through the deferred index: %d, %v; want 1", n, err)
	}
	if err := d.Upsert(ctx, doc("b", 2, "open")); err != nil {
		t.Fatal(err)
	}
	if err := d.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := ix.Count(ctx, open); err != nil || n != 2 {
		t.Fatalf("open cases in the index after Flush: %d, %v; want 2", n, err)
	}
}
