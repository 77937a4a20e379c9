package search_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/search/searchtest"
)

// TestMeiliConformance runs the shared suite against a real Meilisearch, one fresh index per
// subtest, deleted afterwards.
func TestMeiliConformance(t *testing.T) {
	url := os.Getenv("MEILI_URL")
	if url == "" {
		t.Skip("MEILI_URL not set: Meilisearch conformance skipped")
	}
	apiKey := os.Getenv("MEILI_API_KEY")
	searchtest.RunConformance(t, func(t *testing.T) search.Index {
		suffix := make([]byte, 6)
		_, _ = rand.Read(suffix)
		name := "kaiku_test_" + hex.EncodeToString(suffix)

		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		ix, err := search.OpenMeili(ctx, url, apiKey, name)
		if err != nil {
			t.Fatalf("OpenMeili: %v", err)
		}
		t.Cleanup(func() {
			// t.Context is already cancelled when cleanups run.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := ix.DeleteIndex(ctx); err != nil {
				t.Errorf("DeleteIndex: %v", err)
			}
			_ = ix.Close()
		})
		return ix
	})
}
