package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// evaluateDirect is the same measurement on a Bleve index alone: each narrative becomes the
// case the public form would make of it (models.NewComplaintCase, helpdesk.ToDoc) and is
// indexed directly, without a server or a database. Seconds instead of minutes, for tuning;
// the figures to report are the server's (without -direct).
func evaluateDirect(ctx context.Context, rows []narrative, match string, verbose, similar bool, w io.Writer) error {
	dir, err := os.MkdirTemp("", "kaiku-searcheval-direct-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	idx, err := search.OpenBleve(filepath.Join(dir, "index"))
	if err != nil {
		return err
	}
	defer idx.Close()
	labels := make(map[string]label, len(rows))
	docs := make([]search.CaseDoc, 0, len(rows))
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i, r := range rows {
		id := models.FormatReference(2026, int64(i)+1)
		c := models.NewComplaintCase(id, models.ComplaintCreate{
			Name: fmt.Sprintf("Consumer %d", i), Email: fmt.Sprintf("consumer%05d@example.com", i),
			Category: "other", Touchpoint: "other", Description: r.text, ExpectedOutcome: "explanation",
		}, "", now.Add(time.Duration(i)*time.Minute))
		c.Channel = models.ChannelWebForm
		docs = append(docs, helpdesk.ToDoc(c))
		labels[id] = r.label
	}
	for i := 0; i < len(docs); i += 500 {
		if err := idx.Upsert(ctx, docs[i:min(i+500, len(docs))]...); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "indexed %d CFPB narratives directly (no server)\n", len(docs))
	searchIDs := func(text string) ([]string, error) {
		res, err := idx.Search(ctx, search.Query{Text: text, Limit: 10, AllWords: match == "all", Highlight: true})
		if err != nil {
			return nil, err
		}
		out := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			out[i] = h.Doc.ID
		}
		return out, nil
	}
	similarIDs := func(id string) ([]string, error) {
		res, err := idx.Similar(ctx, id, search.Query{Limit: helpdesk.SimilarLimit})
		if err != nil {
			return nil, err
		}
		out := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			out[i] = h.Doc.ID
		}
		return out, nil
	}
	if !similar {
		similarIDs = nil
	}
	return report(labels, searchIDs, similarIDs, match, verbose, w)
}
