package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// The server's layout of its data directory (server/run.go): <dir>/db holds the FerretDB
// SQLite files of database "kaiku", <dir>/index the Bleve index.
const (
	dbName      = "kaiku"
	dbSubdir    = "db"
	indexSubdir = "index"
	metaFile    = "bench-seed.json"
	workSubdir  = "work" // a copy of the data set for the parts that write (see copyDataSet)
	seedBatch   = 1000
	settleLimit = 5 * time.Minute
	collCases   = "cases"
)

// seedMeta records which data set a directory holds, so a later run can reuse it.
type seedMeta struct {
	N      int       `json:"n"`
	Seed   uint64    `json:"seed"`
	Anchor time.Time `json:"anchor"`
	Source string    `json:"source"`
}

// seedResult is what the seeding phase measured (zero durations when the data was reused).
type seedResult struct {
	reused     bool
	reindexed  bool          // reused, but the index was empty (an earlier mapping version) and was filled again
	insertDur  time.Duration // sum of the InsertMany calls
	indexDur   time.Duration // sum of the Upsert calls plus the final Close (which persists)
	fixIDDur   time.Duration
	settleDur  time.Duration
	segments   int
	openCases  int
	generation time.Duration
}

func readMeta(dir string) (*seedMeta, error) {
	b, err := os.ReadFile(filepath.Join(dir, metaFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m seedMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", metaFile, err)
	}
	return &m, nil
}

func writeMeta(dir string, m seedMeta) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, metaFile), append(b, '\n'), 0o644)
}

// generate runs the generator over all n cases, calling each for every case.
func generate(src *sources, m seedMeta, each func(i int, c *models.Case) error) (*dataset, error) {
	g := newGenerator(src, m.Seed, m.N, m.Anchor)
	k := newCollector(m.N)
	for i := range m.N {
		c := g.next(i)
		k.add(c)
		if each != nil {
			if err := each(i, c); err != nil {
				return nil, err
			}
		}
	}
	k.d.yearCounts = g.perYear
	return &k.d, nil
}

// floorDB is the embedded database the bench itself runs for seeding and the FindOne floor.
type floorDB struct {
	emb *store.Embedded
	st  *store.Store
}

func openFloorDB(ctx context.Context, dir string, logger *slog.Logger) (*floorDB, error) {
	emb, err := store.StartEmbedded(ctx, filepath.Join(dir, dbSubdir), logger)
	if err != nil {
		return nil, err
	}
	st, err := store.Connect(ctx, emb.URI(), dbName, store.Options{SingleWriter: true})
	if err != nil {
		emb.Close()
		return nil, err
	}
	if err := st.Migrate(ctx, logger, time.Now().UTC()); err != nil {
		_ = st.Close(ctx)
		emb.Close()
		return nil, err
	}
	return &floorDB{emb: emb, st: st}, nil
}

func (f *floorDB) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = f.st.Close(ctx)
	f.emb.Close()
}

// seedOrReuse fills dir with cfg.N cases (database and index) unless it already holds exactly
// that data set. It leaves the database open (for the FindOne floor) and the index closed.
func seedOrReuse(ctx context.Context, cfg config, dir string, src *sources, db *floorDB, progress func(string, ...any)) (*dataset, seedResult, error) {
	var res seedResult
	meta, err := readMeta(dir)
	if err != nil {
		return nil, res, err
	}
	stored, err := db.st.CountCases(ctx)
	if err != nil {
		return nil, res, fmt.Errorf("count cases: %w", err)
	}
	want := seedMeta{N: cfg.N, Seed: cfg.Seed, Source: src.name}
	if meta != nil {
		if meta.N != cfg.N || meta.Seed != cfg.Seed || meta.Source != src.name {
			return nil, res, fmt.Errorf("%s holds another data set (n=%d seed=%d source %q); use another -dir", dir, meta.N, meta.Seed, meta.Source)
		}
		if stored != int64(cfg.N) {
			return nil, res, fmt.Errorf("%s: %s says %d cases but the database holds %d; delete the directory", dir, metaFile, cfg.N, stored)
		}
		idx, err := search.OpenBleve(filepath.Join(dir, indexSubdir))
		if err != nil {
			return nil, res, err
		}
		n, err := idx.DocCount(ctx)
		_ = idx.Close()
		if err != nil {
			return nil, res, err
		}
		if n == 0 {
			// search.OpenBleve starts an index of an earlier mapping version over, empty (as
			// the server does at start-up): index the same cases again.
			progress("the index in %s is empty (an earlier mapping version?): indexing the %d cases again", dir, cfg.N)
			if res.indexDur, err = indexCases(ctx, src, *meta, dir, progress); err != nil {
				return nil, res, err
			}
			res.reindexed, n = true, cfg.N
		}
		if n != cfg.N {
			return nil, res, fmt.Errorf("%s: the index holds %d cases, want %d; delete the directory", dir, n, cfg.N)
		}
		progress("reusing the %d cases already in %s", cfg.N, dir)
		res.reused = true
		t := time.Now()
		d, err := generate(src, *meta, nil)
		res.generation = time.Since(t)
		if err != nil {
			return nil, res, err
		}
		// The server adds this index on every start anyway; a reused directory has it already.
		if _, err := db.emb.FixIDIndexes(ctx, dbName); err != nil {
			return nil, res, err
		}
		if err := ensureTopicModel(ctx, db, src, *meta, progress); err != nil {
			return nil, res, err
		}
		return d, res, nil
	}
	if stored != 0 {
		return nil, res, fmt.Errorf("%s already holds %d cases that this bench did not seed (no %s); use an empty -dir", dir, stored, metaFile)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, indexSubdir)); len(entries) > 0 {
		return nil, res, fmt.Errorf("%s has a search index but no %s; use an empty -dir", dir, metaFile)
	}

	want.Anchor = time.Now().UTC().Truncate(time.Second)

	// Pass 1: the database, with the raw driver, exactly the documents store.InsertCase writes.
	progress("seeding %d cases into the embedded FerretDB (InsertMany, batches of %d)", cfg.N, seedBatch)
	coll := db.st.Database().Collection(collCases)
	batch := make([]any, 0, seedBatch)
	flushDB := func() error {
		if len(batch) == 0 {
			return nil
		}
		t := time.Now()
		_, err := coll.InsertMany(ctx, batch)
		res.insertDur += time.Since(t)
		batch = batch[:0]
		return err
	}
	t := time.Now()
	d, err := generate(src, want, func(i int, c *models.Case) error {
		batch = append(batch, c)
		if len(batch) == seedBatch {
			return flushDB()
		}
		return nil
	})
	if err == nil {
		err = flushDB()
	}
	if err != nil {
		return nil, res, fmt.Errorf("insert cases: %w", err)
	}
	res.generation = time.Since(t) - res.insertDur
	// Keep the reference counters in step, as if the cases had come in through the API: the
	// store's own counter call, since the counters live in a file of their own.
	for year, n := range d.yearCounts {
		if _, err := db.st.NextSequenceBlock(ctx, fmt.Sprintf("case-ref-%d", year), n); err != nil {
			return nil, res, err
		}
	}
	t = time.Now()
	if _, err := db.emb.FixIDIndexes(ctx, dbName); err != nil {
		return nil, res, fmt.Errorf("fix _id indexes: %w", err)
	}
	res.fixIDDur = time.Since(t)

	// Pass 2: the search index.
	if res.indexDur, err = indexCases(ctx, src, want, dir, progress); err != nil {
		return nil, res, err
	}
	if err := ensureTopicModel(ctx, db, src, want, progress); err != nil {
		return nil, res, err
	}
	if err := writeMeta(dir, want); err != nil {
		return nil, res, err
	}
	return d, res, nil
}

// indexCases indexes the data set's cases into the index under dir through the Bleve backend in
// batches, and returns the time spent inside Upsert plus the final Close (which persists).
func indexCases(ctx context.Context, src *sources, want seedMeta, dir string, progress func(string, ...any)) (time.Duration, error) {
	progress("indexing %d cases into Bleve (batches of %d)", want.N, seedBatch)
	var indexDur time.Duration
	idx, err := search.OpenBleve(filepath.Join(dir, indexSubdir))
	if err != nil {
		return 0, err
	}
	docs := make([]search.CaseDoc, 0, seedBatch)
	flushIndex := func() error {
		if len(docs) == 0 {
			return nil
		}
		t := time.Now()
		err := idx.Upsert(ctx, docs...)
		indexDur += time.Since(t)
		docs = docs[:0]
		return err
	}
	_, err = generate(src, want, func(i int, c *models.Case) error {
		docs = append(docs, helpdesk.ToDoc(c))
		if len(docs) == seedBatch {
			if err := flushIndex(); err != nil {
				return err
			}
			if (i+1)%(20*seedBatch) == 0 {
				progress("  indexed %d", i+1)
			}
		}
		return nil
	})
	if err == nil {
		err = flushIndex()
	}
	t := time.Now()
	if cerr := idx.Close(); err == nil {
		err = cerr
	}
	indexDur += time.Since(t)
	if err != nil {
		return indexDur, fmt.Errorf("index cases: %w", err)
	}
	return indexDur, nil
}

// copyDataSet copies the database and the index of dir into work, replacing whatever work held,
// and returns the number of bytes copied. Both must be closed.
func copyDataSet(dir, work string) (int64, error) {
	if err := os.RemoveAll(work); err != nil {
		return 0, err
	}
	var size int64
	for _, sub := range []string{dbSubdir, indexSubdir} {
		src := filepath.Join(dir, sub)
		if err := os.CopyFS(filepath.Join(work, sub), os.DirFS(src)); err != nil {
			return size, fmt.Errorf("copy %s: %w", src, err)
		}
		err := filepath.WalkDir(src, func(_ string, e fs.DirEntry, err error) error {
			if err == nil && e.Type().IsRegular() {
				info, ierr := e.Info()
				if ierr == nil {
					size += info.Size()
				}
			}
			return err
		})
		if err != nil {
			return size, err
		}
	}
	return size, nil
}

// settleIndex opens the index with Bleve directly and waits until its background merges are
// done, so that neither the floor nor the server measures an index still being compacted
// (which is what a server that has been running for a while sees). It returns the number of
// segments left. Settled means: the merger has run since the index was opened, no merge is in
// flight, no segment is only in memory, and that state held for three polls. (Scorch's own
// index_bgthreads_active never turns false on a reopened index that has nothing to persist.)
func settleIndex(ctx context.Context, dir string, limit time.Duration) (segments int, err error) {
	idx, err := bleve.Open(filepath.Join(dir, indexSubdir))
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := idx.Close(); err == nil {
			err = cerr
		}
	}()
	deadline := time.Now().Add(limit)
	stable := 0
	var last [4]int
	for {
		st, _ := idx.StatsMap()["index"].(map[string]any)
		now := [4]int{toInt(st["LastMergedEpoch"]), toInt(st["num_root_filesegments"]),
			toInt(st["TotFileMergeZapBeg"]), toInt(st["TotFileMergeZapEnd"])}
		quiet := now[0] > 0 && now[2] == now[3] && toInt(st["num_root_memorysegments"]) == 0
		if quiet && now == last {
			stable++
		} else {
			stable = 0
		}
		last = now
		files := now[1]
		if stable >= 3 || time.Now().After(deadline) {
			return files, nil
		}
		select {
		case <-ctx.Done():
			return files, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func toInt(v any) int {
	switch x := v.(type) {
	case uint64:
		return int(x)
	case int:
		return x
	case int64:
		return int(x)
	}
	return 0
}

// openStatuses are the statuses of the all_open view (helpdesk.ViewAllOpen).
func openStatuses() []string {
	out := make([]string, len(models.OpenStatuses))
	for i, s := range models.OpenStatuses {
		out[i] = string(s)
	}
	return out
}

// lazyHandler defers WithAttrs until a record is actually handled. FerretDB calls
// logger.With(query arguments...) for a debug line on every SQL statement, and slog's text
// and JSON handlers format those attributes (whole documents) eagerly, whatever the level;
// without this the InsertMany floor would include formatting every document as a quoted string.
type lazyHandler struct {
	h     slog.Handler
	attrs []slog.Attr
}

func (l *lazyHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return l.h.Enabled(ctx, level)
}

func (l *lazyHandler) Handle(ctx context.Context, r slog.Record) error {
	h := l.h
	if len(l.attrs) > 0 {
		h = h.WithAttrs(l.attrs)
	}
	return h.Handle(ctx, r)
}

func (l *lazyHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &lazyHandler{h: l.h, attrs: append(slices.Clip(l.attrs), attrs...)}
}

func (l *lazyHandler) WithGroup(name string) slog.Handler {
	h := l.h
	if len(l.attrs) > 0 {
		h = h.WithAttrs(l.attrs)
	}
	return &lazyHandler{h: h.WithGroup(name)}
}
