package helpdesk

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/batch"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reports"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/topics"
)

// indexerStore is what Indexer needs of the store: the cases and their dirty marks.
type indexerStore interface {
	ClearDirtyMany(ctx context.Context, indexed map[string]int64) error
	CountCases(ctx context.Context) (int64, error)
	DeleteSetting(ctx context.Context, id string) error
	DirtyMarks(ctx context.Context, limit int) ([]store.DirtyMark, error)
	EachCase(ctx context.Context, fn func(c *models.Case) error) error
	GetCase(ctx context.Context, id string) (*models.Case, error)
	HasSetting(ctx context.Context, id string) (bool, error)
	InsertSetting(ctx context.Context, id string) error
}

// Indexer keeps the search index in step with the database. Every case write marks the case
// dirty first (store.MarkDirty), then indexes it right away; if that fails (search down, a
// crash), the mark stays and Reconcile indexes the case later, on any replica.
type Indexer struct {
	store  indexerStore
	index  search.Index
	logger *slog.Logger
	now    Clock
	// topics gives a case its recurring topics from its text (topics.Service); nil: none.
	topics TopicTagger
	// writes groups concurrent writers' documents into one index batch: Bleve persists a
	// segment per batch, so one document per call would cost a segment (and later merges)
	// each.
	writes *batch.GroupCommit[search.CaseDoc]

	// unflushed are the versions indexed whose marks wait until the index has them on disk.
	unflushedMu sync.Mutex
	unflushed   map[string]int64
	flushing    map[string]int64 // taken from unflushed by the ClearFlushedMarks under way
	// queued are the versions handed to queue and not yet indexed: the reconciler leaves
	// their marks alone, as it does those of unflushed.
	queued map[string]int64
}

// NewIndexer wires an Indexer.
func NewIndexer(st indexerStore, idx search.Index, logger *slog.Logger, now Clock) *Indexer {
	ix := &Indexer{store: st, index: idx, logger: logger, now: now, unflushed: map[string]int64{}, queued: map[string]int64{}}
	ix.writes = batch.NewGroupCommit(500, ix.indexBatch)
	return ix
}

// TopicTagger names the recurring topics of a customer's text (topics.Service implements it).
type TopicTagger interface {
	Assign(d topics.Doc) []string
}

// SetTopics makes the Indexer give every case it indexes its topics.
func (ix *Indexer) SetTopics(t TopicTagger) { ix.topics = t }

// toDoc is ToDoc with the case's topics.
func (ix *Indexer) toDoc(c *models.Case) search.CaseDoc {
	doc := ToDoc(c)
	if ix.topics != nil {
		doc.Topics = ix.topics.Assign(TopicDoc(c))
	}
	return doc
}

// TopicDoc is what topics learn from and group a case by: its customer's text, and whether it
// is a review or a complaint (the two are learned apart).
func TopicDoc(c *models.Case) topics.Doc {
	kind := topics.KindComplaint
	if c.Review != nil {
		kind = topics.KindReview
	}
	return topics.Doc{Kind: kind, Text: CustomerText(c)}
}

// CustomerText is what the customer wrote when they raised the case: what topics group by
// (agents' replies and notes would blur them). A review is its title and text (its subject
// repeats the place and its first words); one written in two sides (Booking.com) is its title
// and what was wrong: praise is no recurring problem, and in a short review it outweighs the
// complaint beside it.
func CustomerText(c *models.Case) string {
	if rv := c.Review; rv != nil {
		if rv.Positive != "" || rv.Negative != "" {
			return rv.Title + "\n" + rv.Negative
		}
		return rv.Title + "\n" + rv.Text
	}
	return c.Subject + "\n" + c.Description
}

// ToDoc is what the index keeps of a case.
func ToDoc(c *models.Case) search.CaseDoc {
	body := c.Description
	for _, m := range c.Messages {
		body += "\n" + m.Body
	}
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	var due time.Time
	if c.DueAt != nil {
		due = *c.DueAt
	}
	doc := search.CaseDoc{
		ID: c.ID, Subject: c.Subject, Body: body,
		CustomerName: c.Customer.Name, CustomerEmail: c.Customer.Email, CustomerPhone: c.Customer.Phone,
		Status: string(c.Status), Priority: string(c.Priority), PriorityRank: c.Priority.Rank(),
		Channel: string(c.Channel), Category: c.Category, Touchpoint: c.Touchpoint,
		ExpectedOutcome: c.ExpectedOutcome, Tags: tags, AssigneeID: c.AssigneeID, TeamID: c.TeamID,
		EscalationLevel: c.EscalationLevel, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		DueAt: due, Version: c.Version,
	}
	if f := c.FollowUpCheck; f != nil {
		doc.FollowUpState = string(f.State)
		if t := c.FollowUpDueAt(); t != nil {
			doc.FollowUpDueAt = *t
		}
	}
	doc.ReportedAt = c.CreatedAt
	if c.FollowUp != nil && !c.FollowUp.Resolved {
		doc.FollowUpFailed = "yes"
	}
	if rv := c.Review; rv != nil {
		if !rv.PostedAt.IsZero() {
			doc.ReportedAt = rv.PostedAt
		}
		doc.ReviewSource, doc.ReviewRating, doc.ReviewReply = string(rv.SourceKind), strconv.Itoa(rv.Rating), string(rv.ReplyState)
	}
	reports.Measure(c, &doc) // Reports (issue 16)
	doc.GrantedOptions, doc.ApprovalWaitingFor = c.GrantedOptions(), c.ApprovalWaitingFor()
	return doc
}

// Indexed indexes a case just written; it returns once the index holds it, so the writer's
// next list shows it. Its mark is cleared later (ClearFlushedMarks), once the index has it on
// disk. A failure is logged, not returned: the write itself succeeded and the reconciler will
// index the case.
func (ix *Indexer) Indexed(ctx context.Context, c *models.Case) {
	_ = ix.writes.Do(ctx, ix.toDoc(c))
}

// queue hands docs to the index in the batches of concurrent writers and returns at once;
// waitQueued waits for them. Every writer's documents go through this one queue, in the
// order the writes were stored, so a newer version of a case is never overwritten in the
// index by an older one still waiting.
func (ix *Indexer) queue(ctx context.Context, docs []search.CaseDoc) {
	ix.unflushedMu.Lock()
	for _, d := range docs {
		ix.queued[d.ID] = max(ix.queued[d.ID], d.Version)
	}
	ix.unflushedMu.Unlock()
	ix.writes.Submit(ctx, docs...)
}

// waitQueued returns once the index holds every document queued before the call.
func (ix *Indexer) waitQueued(ctx context.Context) { _ = ix.writes.Flushed(ctx) }

// indexInOrder indexes docs through the queue and returns once the index holds them.
func (ix *Indexer) indexInOrder(ctx context.Context, docs []search.CaseDoc) {
	ix.queue(ctx, docs)
	ix.waitQueued(ctx)
}

// indexBatch indexes the documents of concurrent writers at once and clears their marks.
func (ix *Indexer) indexBatch(ctx context.Context, docs []search.CaseDoc) []error {
	newest := make(map[string]int, len(docs)) // id -> position in batch
	batch := make([]search.CaseDoc, 0, len(docs))
	for _, d := range docs {
		if i, ok := newest[d.ID]; ok {
			if d.Version > batch[i].Version {
				batch[i] = d
			}
			continue
		}
		newest[d.ID] = len(batch)
		batch = append(batch, d)
	}
	err := ix.index.Upsert(ctx, batch...)
	ix.unflushedMu.Lock()
	for _, d := range batch {
		if v, ok := ix.queued[d.ID]; ok && v <= d.Version {
			delete(ix.queued, d.ID)
		}
		if err == nil {
			ix.unflushed[d.ID] = max(ix.unflushed[d.ID], d.Version)
		}
	}
	ix.unflushedMu.Unlock()
	if err != nil {
		ix.logger.Warn("search index behind; the reconciler will catch up", "cases", len(batch), "err", err)
	}
	return nil
}

// markFlushInterval is how often indexed cases get their marks cleared.
const markFlushInterval = time.Second

// ClearFlushedMarks waits until the index has on disk what was indexed so far, then clears
// those cases' marks. Until then a crash leaves the marks, and the reconciler indexes the
// cases again.
func (ix *Indexer) ClearFlushedMarks(ctx context.Context) error {
	ix.waitQueued(ctx) // what was handed to the index with queue is in it
	ix.unflushedMu.Lock()
	taken := ix.unflushed
	ix.unflushed = map[string]int64{}
	ix.flushing = taken
	ix.unflushedMu.Unlock()
	if len(taken) == 0 {
		return nil
	}
	err := ix.index.Flush(ctx)
	if err == nil {
		err = ix.store.ClearDirtyMany(ctx, taken)
	}
	ix.unflushedMu.Lock()
	ix.flushing = nil
	if err != nil {
		for id, v := range taken {
			ix.unflushed[id] = max(ix.unflushed[id], v)
		}
	}
	ix.unflushedMu.Unlock()
	return err
}

// markGrace is how long a mark may name a version the database does not hold yet: a write in
// flight takes milliseconds, so an older such mark was left by a write that never happened
// (a crash between marking and writing) and is cleared once the stored version is indexed.
const markGrace = time.Minute

// Reconcile indexes every case marked dirty and returns how many marks it handled. Each mark is
// looked at once per call, so a mark that must wait cannot keep the loop spinning.
func (ix *Indexer) Reconcile(ctx context.Context) (int, error) {
	handled := 0
	seen := map[string]bool{}
	for {
		marks, err := ix.store.DirtyMarks(ctx, 500)
		if err != nil {
			return handled, err
		}
		fresh := marks[:0]
		for _, m := range marks {
			if !seen[m.ID] {
				seen[m.ID] = true
				if !ix.awaitsFlush(m) {
					fresh = append(fresh, m)
				}
			}
		}
		if len(fresh) == 0 {
			return handled, nil
		}
		if err := ix.reconcileBatch(ctx, fresh); err != nil {
			return handled, err
		}
		handled += len(fresh)
	}
}

// awaitsFlush reports whether this process has indexed the version mark asks for (or queued
// it for the index) and only waits for that before clearing it (ClearFlushedMarks): reading the
// case and indexing it again would be wasted, and under load the marks of the last second's
// writes are always there.
func (ix *Indexer) awaitsFlush(m store.DirtyMark) bool {
	ix.unflushedMu.Lock()
	defer ix.unflushedMu.Unlock()
	for _, versions := range []map[string]int64{ix.unflushed, ix.flushing, ix.queued} {
		if v, ok := versions[m.ID]; ok && v >= m.Version {
			return true
		}
	}
	return false
}

func (ix *Indexer) reconcileBatch(ctx context.Context, marks []store.DirtyMark) error {
	docs := make([]search.CaseDoc, 0, len(marks))
	clearAt := make(map[string]int64, len(marks)) // id -> version that clears its mark
	var gone []string
	now := ix.now()
	for _, m := range marks {
		c, err := ix.store.GetCase(ctx, m.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			// A fresh mark may belong to an insert still under way (the mark is written
			// first): only an old one means the case is really gone.
			if now.Sub(m.At) <= markGrace {
				continue
			}
			gone = append(gone, m.ID)
			clearAt[m.ID] = m.Version
		case err != nil:
			return err
		default:
			docs = append(docs, ix.toDoc(c))
			clearAt[m.ID] = c.Version
			if m.Version > c.Version && now.Sub(m.At) > markGrace {
				clearAt[m.ID] = m.Version
			}
		}
	}
	if len(docs) > 0 {
		if err := ix.index.Upsert(ctx, docs...); err != nil {
			return err
		}
	}
	if len(gone) > 0 {
		if err := ix.index.Delete(ctx, gone...); err != nil {
			return err
		}
	}
	if err := ix.index.Flush(ctx); err != nil {
		return err
	}
	return ix.store.ClearDirtyMany(ctx, clearAt)
}

// indexRebuildPending marks a rebuild of the whole index as begun and not yet finished, so one
// interrupted by a restart (or left undone by a search outage) starts over.
const indexRebuildPending = "index_rebuild_pending"

// RebuildIfNeeded reindexes every case when the index is empty but the database is not (a
// deleted or corrupted index directory, an index of an earlier mapping version, a fresh
// Meilisearch), or when such a rebuild was begun and not finished. It scans the cases once.
// At 100k cases it takes minutes, so Run does it in the background: intake and reads by id
// work meanwhile, and lists fill up as it goes.
func (ix *Indexer) RebuildIfNeeded(ctx context.Context) (int, error) {
	pending, err := ix.store.HasSetting(ctx, indexRebuildPending)
	if err != nil {
		return 0, err
	}
	if !pending {
		n, err := ix.index.DocCount(ctx)
		if err != nil || n > 0 {
			return 0, err
		}
		stored, err := ix.store.CountCases(ctx)
		if err != nil || stored == 0 {
			return 0, err
		}
		if err := ix.store.InsertSetting(ctx, indexRebuildPending); err != nil && !errors.Is(err, store.ErrDuplicate) {
			return 0, err
		}
		ix.logger.Info("search index is empty; rebuilding from the database in the background", "cases", stored)
	} else {
		ix.logger.Info("an unfinished index rebuild starts over")
	}
	batch := make([]search.CaseDoc, 0, 1000)
	total := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := ix.index.Upsert(ctx, batch...)
		total += len(batch)
		batch = batch[:0]
		return err
	}
	err = ix.store.EachCase(ctx, func(c *models.Case) error {
		batch = append(batch, ix.toDoc(c))
		if len(batch) == cap(batch) {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err == nil {
		err = ix.index.Flush(ctx)
	}
	if err != nil {
		return total, err
	}
	return total, ix.store.DeleteSetting(ctx, indexRebuildPending)
}

// ReindexAll indexes every case again (after the topics were learned anew, so every case
// gets the new model's topic). It is marked pending first, so a restart finishes it.
func (ix *Indexer) ReindexAll(ctx context.Context) (int, error) {
	ix.waitQueued(ctx) // a document queued before the new model must not land after it
	if err := ix.store.InsertSetting(ctx, indexRebuildPending); err != nil && !errors.Is(err, store.ErrDuplicate) {
		return 0, err
	}
	return ix.RebuildIfNeeded(ctx)
}

// Run reconciles at start and then every interval until ctx ends, and clears the marks of
// indexed cases every markFlushInterval (and once more on the way out). Errors are logged and
// retried on the next tick: a search outage must not stop the process.
func (ix *Indexer) Run(ctx context.Context, interval time.Duration) {
	reconcile := time.NewTicker(interval)
	defer reconcile.Stop()
	marks := time.NewTicker(markFlushInterval)
	defer marks.Stop()
	defer func() {
		final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := ix.ClearFlushedMarks(final); err != nil {
			ix.logger.Warn("clear index marks at shutdown; the reconciler will redo them", "err", err)
		}
	}()
	rebuilt := false
	for {
		if !rebuilt {
			n, err := ix.RebuildIfNeeded(ctx)
			switch {
			case err != nil && ctx.Err() != nil:
				return
			case err != nil:
				ix.logger.Warn("index rebuild incomplete; will retry", "err", err, "cases", n)
			default:
				rebuilt = true
				if n > 0 {
					ix.logger.Info("index rebuilt", "cases", n)
				}
			}
		}
		if n, err := ix.Reconcile(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			ix.logger.Warn("index reconcile failed; will retry", "err", err)
		} else if n > 0 {
			ix.logger.Info("index caught up", "cases", n)
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				return
			case <-marks.C:
				if err := ix.ClearFlushedMarks(ctx); err != nil && ctx.Err() == nil {
					ix.logger.Warn("clear index marks", "err", err)
				}
			case <-reconcile.C:
				break wait
			}
		}
	}
}
