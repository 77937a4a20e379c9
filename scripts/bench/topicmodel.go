package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/topics"
)

// ensureTopicModel stores a topic model in the seeded database when it has none, learned from
// the data set's first cases as the server would learn it. Without one the server learns the
// topics at start-up and reindexes every case in the background (topics.Service.Run), which
// competes with every figure measured in that run: an installation that has its cases has
// its model too. The model says it stands for all n cases, so the server does not learn again.
func ensureTopicModel(ctx context.Context, db *floorDB, src *sources, m seedMeta, progress func(string, ...any)) error {
	if _, _, ok, err := db.st.TopicModel(ctx); err != nil || ok {
		return err
	}
	g := newGenerator(src, m.Seed, m.N, m.Anchor)
	texts := make([]topics.Doc, 0, min(m.N, topicsLearnDocs))
	for i := 0; i < min(m.N, topicsLearnDocs); i++ {
		texts = append(texts, helpdesk.TopicDoc(g.next(i)))
	}
	progress("learning the topic model from %d cases (stored with the data set)", len(texts))
	model := topics.LearnKinds(topics.NewAnalyzer(), texts, topics.LearnOptions{})
	model.Docs = m.N
	raw, err := json.Marshal(model)
	if err != nil {
		return err
	}
	if err := db.st.SaveTopicModel(ctx, string(raw), time.Now().UTC()); err != nil {
		return fmt.Errorf("store the topic model: %w", err)
	}
	return nil
}
