package topics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kaiku-helpdesk/kaiku/search"
)

// Store keeps the learned model as one document (read and written by _id).
type Store interface {
	// TopicModel returns the stored model's JSON and when it was learned; ok false when none.
	TopicModel(ctx context.Context) (raw string, learnedAt time.Time, ok bool, err error)
	SaveTopicModel(ctx context.Context, raw string, learnedAt time.Time) error
}

// Corpus hands Learn the customers' texts (a background scan of the cases) and reindexes
// every case once a new model is in place.
type Corpus interface {
	EachText(ctx context.Context, fn func(d Doc) error) error
	ReindexAll(ctx context.Context) (int, error)
}

// Config builds a Service.
type Config struct {
	Store  Store
	Corpus Corpus
	Index  search.Index // the cases' index
	Logger *slog.Logger
	Clock  func() time.Time
	// Weeks is how many weeks the overview counts (the last one is the week tested for a
	// rise against the ones before it); 0: 12.
	Weeks int
}

// Service learns topics, tags cases with them and counts them per week from the index.
type Service struct {
	Config
	analyzer *Analyzer
	model    atomic.Pointer[loaded]

	cacheMu sync.Mutex
	cache   map[string]any // overview and details by key: index fingerprint, window, model
}

type loaded struct {
	model     *Model
	learnedAt time.Time
}

// New builds the Service; call Load to read the stored model.
func New(c Config) *Service {
	if c.Weeks == 0 {
		c.Weeks = 12
	}
	return &Service{Config: c, analyzer: NewAnalyzer(), cache: map[string]any{}}
}

// ErrNotFound is returned for an unknown topic id.
var ErrNotFound = errors.New("topics: no such topic")

// Assign gives a customer's text its topic under the current model (none before one is
// learned). The indexer calls it for every case it indexes.
func (s *Service) Assign(d Doc) []string {
	l := s.model.Load()
	if l == nil {
		return nil
	}
	return l.model.AssignDoc(s.analyzer, d)
}

// Model returns the current model (nil before one is learned).
func (s *Service) Model() *Model {
	if l := s.model.Load(); l != nil {
		return l.model
	}
	return nil
}

// Load reads the stored model when it is newer than the one in use (another replica may have
// learned it) and reports whether it changed.
func (s *Service) Load(ctx context.Context) (bool, error) {
	raw, at, ok, err := s.Store.TopicModel(ctx)
	if err != nil || !ok {
		return false, err
	}
	if cur := s.model.Load(); cur != nil && !at.After(cur.learnedAt) {
		return false, nil
	}
	var m Model
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return false, fmt.Errorf("topics: decode stored model: %w", err)
	}
	m.prepare()
	s.model.Store(&loaded{model: &m, learnedAt: at})
	return true, nil
}

// maxLearnDocs caps the texts learned from: a uniform sample of this many is as good a guide
// to the recurring topics as all of them, and keeps learning within seconds.
const maxLearnDocs = 20000

// Relearn learns the topics anew from the cases, stores the model, and reindexes every case
// so each carries its new topic. It returns the number of topics.
func (s *Service) Relearn(ctx context.Context) (int, error) {
	// Reservoir sampling keeps a uniform sample however many cases there are.
	r := rand.New(rand.NewPCG(1, 2))
	var texts []Doc
	seen := 0
	err := s.Corpus.EachText(ctx, func(t Doc) error {
		seen++
		if len(texts) < maxLearnDocs {
			texts = append(texts, t)
		} else if j := r.IntN(seen); j < maxLearnDocs {
			texts[j] = t
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	m := LearnKinds(s.analyzer, texts, LearnOptions{})
	m.Docs = seen // the corpus it stands for, not the sample: Run relearns when that grows
	raw, err := json.Marshal(m)
	if err != nil {
		return 0, err
	}
	at := s.Clock().UTC()
	if cur := s.model.Load(); cur != nil && !at.After(cur.learnedAt) {
		at = cur.learnedAt.Add(time.Millisecond)
	}
	if err := s.Store.SaveTopicModel(ctx, string(raw), at); err != nil {
		return 0, err
	}
	m.prepare()
	s.model.Store(&loaded{model: m, learnedAt: at})
	if _, err := s.Corpus.ReindexAll(ctx); err != nil {
		return len(m.Topics), err
	}
	s.Logger.Info("topics learned", "topics", len(m.Topics), "cases", len(texts))
	return len(m.Topics), nil
}

// minLearnCases is how many cases a first model waits for: fewer say little about recurring
// topics.
const minLearnCases = 50

// Run loads the stored model, learns one when there is none and enough cases, and learns
// anew when the cases have grown by a quarter since; other replicas pick the new model up.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Load(ctx); err != nil && ctx.Err() == nil {
			s.Logger.Warn("load topic model", "err", err)
		}
		n, err := s.Index.DocCount(ctx)
		if err == nil {
			m := s.Model()
			if (m == nil && n >= minLearnCases) || (m != nil && n >= minLearnCases && float64(n) >= 1.25*float64(m.Docs)) {
				if _, err := s.Relearn(ctx); err != nil && ctx.Err() == nil {
					s.Logger.Warn("learn topics", "err", err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Summary is one topic in the overview.
type Summary struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Phrases []string `json:"phrases"`
	Weekly  []int    `json:"weekly"` // oldest week first; the last is the week to now
	Total   int      `json:"total"`  // over the weeks counted
	Rising  bool     `json:"rising"`
	PValue  float64  `json:"p_value"`
	Kind    string   `json:"kind,omitempty"` // the kind of case it groups (KindComplaint, KindReview)
}

// Overview is every topic with its weekly counts, the rising ones first.
type Overview struct {
	WeekStarts []time.Time `json:"week_starts"`
	Topics     []Summary   `json:"topics"`
	LearnedAt  time.Time   `json:"learned_at"`
}

// weekStarts are the starts of the counted weeks: seven-day windows ending at the next full
// hour, so the last window is "the last seven days" and the cache turns hourly.
func (s *Service) weekStarts() (starts []time.Time, end time.Time) {
	end = s.Clock().UTC().Truncate(time.Hour).Add(time.Hour)
	for i := s.Weeks; i >= 1; i-- {
		starts = append(starts, end.Add(-time.Duration(i)*7*24*time.Hour))
	}
	return starts, end
}

// fingerprint identifies the index's state cheaply: the number of cases and the newest
// change. Any indexed write changes one of them.
func (s *Service) fingerprint(ctx context.Context) (string, error) {
	res, err := s.Index.Search(ctx, search.Query{Sort: []search.Sort{{Field: search.FieldUpdatedAt, Desc: true}}, Limit: 1})
	if err != nil {
		return "", err
	}
	key := fmt.Sprint(res.Total)
	if len(res.Hits) > 0 {
		d := res.Hits[0].Doc
		key += fmt.Sprintf("|%s|%d|%d", d.ID, d.Version, d.UpdatedAt.UnixNano())
	}
	return key, nil
}

func (s *Service) cached(ctx context.Context, kind string, build func(starts []time.Time, end time.Time) (any, error)) (any, error) {
	fp, err := s.fingerprint(ctx)
	if err != nil {
		return nil, err
	}
	starts, end := s.weekStarts()
	var learned time.Time
	if l := s.model.Load(); l != nil {
		learned = l.learnedAt
	}
	key := fmt.Sprintf("%s|%s|%d|%d", kind, fp, end.Unix(), learned.UnixNano())
	s.cacheMu.Lock()
	v, ok := s.cache[key]
	s.cacheMu.Unlock()
	if ok {
		return v, nil
	}
	v, err = build(starts, end)
	if err != nil {
		return nil, err
	}
	s.cacheMu.Lock()
	if len(s.cache) > 200 {
		clear(s.cache)
	}
	s.cache[key] = v
	s.cacheMu.Unlock()
	return v, nil
}

// Overview counts every topic per week: one facet query per week over the index.
func (s *Service) Overview(ctx context.Context) (*Overview, error) {
	v, err := s.cached(ctx, "overview", func(starts []time.Time, end time.Time) (any, error) {
		m := s.Model()
		out := &Overview{WeekStarts: starts, Topics: []Summary{}}
		if l := s.model.Load(); l != nil {
			out.LearnedAt = l.learnedAt
		}
		if m == nil {
			return out, nil
		}
		counts := make(map[string][]int, len(m.Topics))
		for w, from := range starts {
			to := end
			if w+1 < len(starts) {
				to = starts[w+1]
			}
			res, err := s.Index.Search(ctx, search.Query{
				Ranges: []search.TimeRange{{Field: search.FieldReportedAt, From: from, To: to}},
				Facets: []string{search.FieldTopics}, Limit: 1,
			})
			if err != nil {
				return nil, err
			}
			for _, fv := range res.Facets[search.FieldTopics] {
				if counts[fv.Value] == nil {
					counts[fv.Value] = make([]int, len(starts))
				}
				counts[fv.Value][w] = fv.Count
			}
		}
		for _, t := range m.Topics {
			sm := summarize(t, counts[t.ID], len(starts))
			out.Topics = append(out.Topics, sm)
		}
		sort.SliceStable(out.Topics, func(i, j int) bool {
			a, b := out.Topics[i], out.Topics[j]
			if a.Rising != b.Rising {
				return a.Rising
			}
			if a.Rising {
				return a.PValue < b.PValue
			}
			return a.Total > b.Total
		})
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Overview), nil
}

func summarize(t Topic, weekly []int, weeks int) Summary {
	if weekly == nil {
		weekly = make([]int, weeks)
	}
	sm := Summary{ID: t.ID, Name: t.Name, Phrases: t.Phrases, Weekly: weekly, PValue: 1, Kind: t.Kind}
	for _, c := range weekly {
		sm.Total += c
	}
	if n := len(weekly); n >= 2 {
		sm.PValue = RisingPValue(weekly[n-1], weekly[:n-1])
		sm.Rising = sm.PValue < RisingAlpha
	}
	return sm
}

// Complainant is a customer with several cases in one topic.
type Complainant struct {
	Email string `json:"email"`
	Cases int    `json:"cases"`
}

// Detail is one topic: its weekly counts, its repeat complainants and the cases reopened
// after a failed follow-up.
type Detail struct {
	Summary
	WeekStarts   []time.Time      `json:"week_starts"`
	AllTime      int              `json:"all_time"`
	Repeat       []Complainant    `json:"repeat_complainants"`
	Reopened     []search.CaseDoc `json:"-"`
	ReopenedMore int              `json:"reopened_total"`
}

// Detail returns one topic.
func (s *Service) Detail(ctx context.Context, id string) (*Detail, error) {
	m := s.Model()
	t, ok := m.Topic(id)
	if !ok {
		return nil, ErrNotFound
	}
	v, err := s.cached(ctx, "topic:"+id, func(starts []time.Time, end time.Time) (any, error) {
		inTopic := search.Filter{Field: search.FieldTopics, Values: []string{id}}
		since := append(append([]time.Time{}, starts...), end)
		cum, err := s.Index.CountSince(ctx, search.Query{Filters: []search.Filter{inTopic}}, search.FieldReportedAt, since)
		if err != nil {
			return nil, err
		}
		weekly := make([]int, len(starts))
		for i := range starts {
			weekly[i] = cum[i] - cum[i+1]
		}
		d := &Detail{Summary: summarize(t, weekly, len(starts)), WeekStarts: starts}
		all, err := s.Index.Search(ctx, search.Query{Filters: []search.Filter{inTopic}, Facets: []string{search.FieldCustomerEmail}, Limit: 1})
		if err != nil {
			return nil, err
		}
		d.AllTime = all.Total
		d.Repeat = []Complainant{}
		for _, fv := range all.Facets[search.FieldCustomerEmail] {
			if fv.Count >= 2 && fv.Value != "" {
				d.Repeat = append(d.Repeat, Complainant{Email: fv.Value, Cases: fv.Count})
			}
		}
		reopened, err := s.Index.Search(ctx, search.Query{
			Filters: []search.Filter{inTopic, {Field: search.FieldFollowUpFailed, Values: []string{"yes"}}},
			Sort:    []search.Sort{{Field: search.FieldUpdatedAt, Desc: true}}, Limit: 50,
		})
		if err != nil {
			return nil, err
		}
		for _, h := range reopened.Hits {
			d.Reopened = append(d.Reopened, h.Doc)
		}
		d.ReopenedMore = reopened.Total
		return d, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Detail), nil
}

// WeeklyCounts counts the cases matching q per week around a date (root causes' before and
// after a fix): weeks before and after, each [start, start+7d).
func (s *Service) WeeklyCounts(ctx context.Context, q search.Query, starts []time.Time) ([]int, error) {
	out := make([]int, len(starts))
	for i, from := range starts {
		qq := q
		qq.Ranges = append(append([]search.TimeRange{}, q.Ranges...), search.TimeRange{Field: search.FieldReportedAt, From: from, To: from.Add(7 * 24 * time.Hour)})
		qq.Limit, qq.Facets, qq.Sort, qq.Cursor, qq.Highlight = 1, nil, nil, "", false
		res, err := s.Index.Search(ctx, qq)
		if err != nil {
			return nil, err
		}
		out[i] = res.Total
	}
	return out, nil
}

// RisingTopics names the topics flagged rising, most significant first, at most limit of them:
// the weekly summary mail's topics section (reports.TopicSource). The flag compares the last
// seven days with the weeks before (Overview), which on the summary's Monday morning is the week
// the mail reports on; from and to only bound that: outside them nothing is named.
func (s *Service) RisingTopics(ctx context.Context, from, to time.Time, limit int) ([]string, error) {
	if now := s.Clock(); now.Before(from) || now.Sub(to) > 7*24*time.Hour {
		return nil, nil
	}
	ov, err := s.Overview(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, t := range ov.Topics {
		if t.Rising && len(names) < limit {
			names = append(names, t.Name)
		}
	}
	return names, nil
}
