package search_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/search/searchtest"
)

func openTestBleve(t *testing.T, dir string) *search.BleveIndex {
	t.Helper()
	ix, err := search.OpenBleve(dir)
	if err != nil {
		t.Fatalf("OpenBleve: %v", err)
	}
	return ix
}

func TestBleveConformance(t *testing.T) {
	searchtest.RunConformance(t, func(t *testing.T) search.Index {
		ix := openTestBleve(t, filepath.Join(t.TempDir(), "index"))
		t.Cleanup(func() { _ = ix.Close() })
		return ix
	})
}

// TestBleveConformanceNarrowed runs the suite with every newest-first list narrowed to recent
// matches, as lists of more than a thousand matches are.
func TestBleveConformanceNarrowed(t *testing.T) {
	searchtest.RunConformance(t, func(t *testing.T) search.Index {
		ix := openTestBleve(t, filepath.Join(t.TempDir(), "index"))
		search.NarrowAlways(ix)
		t.Cleanup(func() { _ = ix.Close() })
		return ix
	})
}

func TestBleveReopenKeepsDocuments(t *testing.T) {
	dir := t.TempDir() // an existing, empty directory is fine too
	ix := openTestBleve(t, dir)
	doc := searchtest.Doc("keep-1", func(d *search.CaseDoc) {
		d.Subject = "Refund for broken blender"
		d.Version = 5
	})
	if err := ix.Upsert(t.Context(), doc, searchtest.Doc("keep-2")); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	if err := ix.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := ix.Ping(t.Context()); err == nil {
		t.Errorf("Ping after Close: want an error")
	}

	ix = openTestBleve(t, dir)
	defer ix.Close()
	if n, err := ix.DocCount(t.Context()); err != nil || n != 2 {
		t.Fatalf("DocCount after reopen = %d, %v; want 2", n, err)
	}
	res, err := ix.Search(t.Context(), search.Query{Text: "blender"})
	if err != nil || len(res.Hits) != 1 || res.Hits[0].Doc.ID != "keep-1" || res.Hits[0].Doc.Version != 5 {
		t.Fatalf("Search after reopen = %+v, %v", res, err)
	}
}

func TestBleveRefusesForeignIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "other")
	other, err := bleve.New(dir, bleve.NewIndexMapping())
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	if ix, err := search.OpenBleve(dir); err == nil {
		_ = ix.Close()
		t.Fatal("OpenBleve on an index with another mapping: want an error")
	}
}

// An index of Kaiku's earlier mapping is started over empty (the start-up rebuild fills it)
// rather than refused.
func TestBleveStartsOverAnOlderKaikuIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "older")
	older, err := bleve.New(dir, bleve.NewIndexMapping())
	if err != nil {
		t.Fatal(err)
	}
	if err := older.Index("old-1", map[string]any{"subject": "old"}); err != nil {
		t.Fatal(err)
	}
	if err := older.SetInternal([]byte("kaiku_mapping_version"), []byte("kaiku-1")); err != nil {
		t.Fatal(err)
	}
	if err := older.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err := search.OpenBleve(dir)
	if err != nil {
		t.Fatalf("OpenBleve on an older Kaiku index: %v", err)
	}
	defer ix.Close()
	if n, err := ix.DocCount(t.Context()); err != nil || n != 0 {
		t.Fatalf("DocCount = %d, %v; want an empty index", n, err)
	}
}

// Batches return once searchable; Flush returns once they are on disk. A copy of the files
// taken right after Flush (what a crash would leave) holds every document.
func TestBleveFlushPutsBatchesOnDisk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "index")
	ix := openTestBleve(t, dir)
	defer ix.Close()
	for i := 0; i < 5; i++ {
		if err := ix.Upsert(t.Context(), searchtest.Doc(fmt.Sprintf("flush-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Delete(t.Context(), "flush-4"); err != nil {
		t.Fatal(err)
	}
	if err := ix.Flush(t.Context()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	crashCopy := filepath.Join(t.TempDir(), "copy")
	if err := os.CopyFS(crashCopy, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	copied := openTestBleve(t, crashCopy)
	defer copied.Close()
	if n, err := copied.DocCount(t.Context()); err != nil || n != 4 {
		t.Fatalf("documents in the copy taken after Flush: %d, %v; want 4", n, err)
	}
}
