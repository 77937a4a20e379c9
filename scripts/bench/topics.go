package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/topics"
)

// The topics part (issue 15): the topics view (every topic's counts per week for twelve weeks,
// the rising test) over n indexed cases that carry their topics, cold (nothing cached) and
// when nothing changed (cached on the index's state), beside the raw index floors of the same
// run: one facet query over every case, and one per week window as the view makes.
const (
	targetTopicsCold = 2 * time.Second
	targetTopicsWarm = 200 * time.Millisecond
	topicsColdRuns   = 5
	topicsLearnDocs  = 20000
)

type topicsReport struct {
	topics             int
	learnDur, indexDur time.Duration
	cold, warm         stats
	floorAll, floorWk  stats
}

// memModel keeps the learned model in memory: the part measures the index, not the database.
type memModel struct {
	raw string
	at  time.Time
}

func (m *memModel) TopicModel(context.Context) (string, time.Time, bool, error) {
	return m.raw, m.at, m.raw != "", nil
}
func (m *memModel) SaveTopicModel(_ context.Context, raw string, at time.Time) error {
	m.raw, m.at = raw, at
	return nil
}

func runTopics(ctx context.Context, cfg config, src *sources, dir string, progress func(string, ...any)) (*topicsReport, error) {
	anchor := time.Now().UTC()
	rep := &topicsReport{}
	g := newGenerator(src, cfg.Seed, cfg.N, anchor)
	var learn []topics.Doc
	for i := 0; i < min(cfg.N, topicsLearnDocs); i++ {
		learn = append(learn, helpdesk.TopicDoc(g.next(i)))
	}
	progress("topics: learning from %d cases", len(learn))
	t := time.Now()
	a := topics.NewAnalyzer()
	m := topics.LearnKinds(a, learn, topics.LearnOptions{})
	rep.learnDur, rep.topics = time.Since(t), len(m.Topics)
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	idx, err := search.OpenBleve(filepath.Join(dir, "topics-index"))
	if err != nil {
		return nil, err
	}
	defer idx.Close()
	store := &memModel{raw: string(raw), at: anchor}
	clock := func() time.Time { return anchor }
	newService := func() (*topics.Service, error) {
		s := topics.New(topics.Config{Store: store, Index: idx, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Clock: clock})
		_, err := s.Load(ctx)
		return s, err
	}
	svc, err := newService()
	if err != nil {
		return nil, err
	}
	progress("topics: indexing %d cases with their topics", cfg.N)
	g = newGenerator(src, cfg.Seed, cfg.N, anchor)
	t = time.Now()
	batch := make([]search.CaseDoc, 0, 1000)
	for i := 0; i < cfg.N; i++ {
		c := g.next(i)
		d := helpdesk.ToDoc(c)
		d.Topics = svc.Assign(helpdesk.TopicDoc(c))
		batch = append(batch, d)
		if len(batch) == cap(batch) || i == cfg.N-1 {
			if err := idx.Upsert(ctx, batch...); err != nil {
				return nil, err
			}
			batch = batch[:0]
		}
	}
	if err := idx.Flush(ctx); err != nil {
		return nil, err
	}
	rep.indexDur = time.Since(t)

	// Floors: the raw index queries the view is made of.
	if rep.floorAll, err = measure(3, 20, func(int) error {
		_, err := idx.Search(ctx, search.Query{Facets: []string{search.FieldTopics}, Limit: 1})
		return err
	}); err != nil {
		return nil, err
	}
	weekFrom := anchor.Add(-7 * 24 * time.Hour)
	if rep.floorWk, err = measure(3, 20, func(int) error {
		_, err := idx.Search(ctx, search.Query{Ranges: []search.TimeRange{{Field: search.FieldReportedAt, From: weekFrom, To: anchor}},
			Facets: []string{search.FieldTopics}, Limit: 1})
		return err
	}); err != nil {
		return nil, err
	}
	// Cold: a fresh service (nothing cached) each time.
	if rep.cold, err = measure(0, topicsColdRuns, func(int) error {
		s, err := newService()
		if err == nil {
			_, err = s.Overview(ctx)
		}
		return err
	}); err != nil {
		return nil, err
	}
	// Nothing changed: the same service again.
	if _, err := svc.Overview(ctx); err != nil {
		return nil, err
	}
	if rep.warm, err = measure(3, 50, func(int) error {
		_, err := svc.Overview(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	return rep, nil
}

func (r *topicsReport) print(w io.Writer, n int) {
	fmt.Fprintf(w, "\ntopics (issue 15): %d topics learned from %d cases in %s; %d cases indexed with their topic in %s\n",
		r.topics, min(n, topicsLearnDocs), secs(r.learnDur), n, secs(r.indexDur))
	fmt.Fprintf(w, "  floor: one facet query over all cases      %s\n", r.floorAll.withMax())
	fmt.Fprintf(w, "  floor: one week's facet query              %s\n", r.floorWk.withMax())
	fmt.Fprintf(w, "  topics view, cold (12 weeks, rising test)  %s  target <= %s  %s\n", r.cold.withMax(), ms(targetTopicsCold), verdict(r.cold.max <= targetTopicsCold))
	fmt.Fprintf(w, "  topics view, nothing changed (cached)      %s  target <= %s  %s\n", r.warm.withMax(), ms(targetTopicsWarm), verdict(r.warm.max <= targetTopicsWarm))
}
