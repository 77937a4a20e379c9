package helpdesk_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// flakyIndex is a real Bleve index whose writes fail while down is set: a search outage.
type flakyIndex struct {
	search.Index
	down atomic.Bool
}

var errDown = errors.New("search backend unreachable")

func (f *flakyIndex) Upsert(ctx context.Context, docs ...search.CaseDoc) error {
	if f.down.Load() {
		return errDown
	}
	return f.Index.Upsert(ctx, docs...)
}

func (f *flakyIndex) Delete(ctx context.Context, ids ...string) error {
	if f.down.Load() {
		return errDown
	}
	return f.Index.Delete(ctx, ids...)
}

type fixture struct {
	env     *storetest.Env
	index   *flakyIndex
	indexer *helpdesk.Indexer
	cases   *helpdesk.Cases
	agent   *helpdesk.Principal
	clock   *atomic.Value
}

func newFixture(t *testing.T) *fixture {
	env := storetest.Start(t)
	bl, err := search.OpenBleve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bl.Close() })
	idx := &flakyIndex{Index: bl}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := &atomic.Value{}
	clock.Store(storetest.Now)
	now := func() time.Time { return clock.Load().(time.Time) }
	ix := helpdesk.NewIndexer(env.Store, idx, logger, now)
	agent := storetest.NewUser()
	return &fixture{env: env, index: idx, indexer: ix, cases: helpdesk.NewCases(env.Store, idx, ix, helpdesk.NewEvents(env.Store, logger, now), helpdesk.NewSLA(env.Store, now), nil, now),
		agent: &helpdesk.Principal{User: agent}, clock: clock}
}

func newCase(subject string) models.CaseCreate {
	return models.CaseCreate{Subject: subject, Description: "d", Customer: models.CustomerCreate{Name: "C", Email: "c@example.com"}}
}

func (f *fixture) listed(t *testing.T) int {
	res, err := f.index.Search(context.Background(), search.Query{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return res.Total
}

func TestIntakeWorksDuringSearchOutageAndIndexCatchesUp(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, err := f.cases.Create(ctx, f.agent, newCase("before outage")); err != nil {
		t.Fatal(err)
	}
	// The mark stays until the index has the case on disk; then the indexer's loop clears it.
	if marks, _ := f.env.Store.DirtyMarks(ctx, 10); len(marks) != 1 {
		t.Fatalf("marks right after indexing: %+v", marks)
	}
	// The reconciler leaves a mark alone that waits only for the flush: the case is indexed.
	if n, err := f.indexer.Reconcile(ctx); err != nil || n != 0 {
		t.Fatalf("reconcile before the flush handled %d marks (err %v); want 0", n, err)
	}
	if err := f.indexer.ClearFlushedMarks(ctx); err != nil {
		t.Fatal(err)
	}
	if marks, _ := f.env.Store.DirtyMarks(ctx, 10); len(marks) != 0 {
		t.Fatalf("marks after the flush: %+v", marks)
	}
	f.index.down.Store(true)
	var during []*models.Case
	for _, s := range []string{"during outage one", "during outage two"} {
		c, err := f.cases.Create(ctx, f.agent, newCase(s))
		if err != nil {
			t.Fatalf("a case must be stored even when search is down: %v", err)
		}
		during = append(during, c)
	}
	// An update during the outage is also stored, and also waits for the index.
	subject := "renamed during outage"
	if _, err := f.cases.Patch(ctx, f.agent, during[0].ID, models.CasePatch{Version: 1, Subject: &subject}); err != nil {
		t.Fatal(err)
	}
	if n := f.listed(t); n != 1 {
		t.Fatalf("index should still hold only the first case, holds %d", n)
	}
	// Reconciling while search is still down fails and keeps the marks.
	if _, err := f.indexer.Reconcile(ctx); err == nil {
		t.Fatal("reconcile during the outage should report the failure")
	}
	f.index.down.Store(false)
	n, err := f.indexer.Reconcile(ctx)
	if err != nil || n != 2 {
		t.Fatalf("reconcile after the outage: handled %d, err %v; want 2", n, err)
	}
	if n := f.listed(t); n != 3 {
		t.Fatalf("after catching up the index holds %d cases, want 3", n)
	}
	res, err := f.index.Search(ctx, search.Query{Text: "renamed"})
	if err != nil || res.Total != 1 || res.Hits[0].Doc.Version != 2 {
		t.Fatalf("the index must hold the newest version: %+v %v", res, err)
	}
	// Nothing left to do.
	if n, err := f.indexer.Reconcile(ctx); err != nil || n != 0 {
		t.Fatalf("second reconcile: %d %v", n, err)
	}
}

func TestReconcileAfterCrashBetweenMarkAndWrite(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	c, err := f.cases.Create(ctx, f.agent, newCase("indexed"))
	if err != nil {
		t.Fatal(err)
	}
	// A crash after marking but before the database write: the mark names a version the
	// database never got. Reconcile indexes what the database holds and clears the mark.
	if err := f.env.Store.MarkDirty(ctx, c.ID, 7, storetest.Now); err != nil {
		t.Fatal(err)
	}
	// And a case deleted from the database while its mark stood is dropped from the index.
	gone, _ := f.cases.Create(ctx, f.agent, newCase("to be deleted"))
	if err := f.env.Store.MarkDirty(ctx, gone.ID, 2, storetest.Now); err != nil {
		t.Fatal(err)
	}
	if err := f.env.Store.DeleteCase(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	// A mark without a case may be an insert still under way: within the grace period the
	// case is neither dropped from the index nor its mark cleared; the mark ahead of the
	// database stays too, as its write could still be in flight.
	if _, err := f.indexer.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.listed(t); n != 2 {
		t.Fatalf("index holds %d; a fresh mark without a case must not drop it yet", n)
	}
	if marks, _ := f.env.Store.DirtyMarks(ctx, 10); len(marks) != 2 {
		t.Fatalf("marks after the first pass: %+v", marks)
	}
	f.clock.Store(storetest.Now.Add(30 * time.Second))
	if _, err := f.indexer.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.listed(t); n != 2 {
		t.Fatalf("index holds %d within the grace period", n)
	}
	// Both are abandoned after the grace period: the deleted case leaves the index and
	// every mark is cleared.
	f.clock.Store(storetest.Now.Add(3 * time.Minute))
	if _, err := f.indexer.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.listed(t); n != 1 {
		t.Fatalf("index holds %d, want only the surviving case", n)
	}
	if marks, _ := f.env.Store.DirtyMarks(ctx, 10); len(marks) != 0 {
		t.Fatalf("abandoned mark kept: %+v", marks)
	}
}

func TestRunCatchesUpOnItsOwn(t *testing.T) {
	f := newFixture(t)
	f.index.down.Store(true)
	if _, err := f.cases.Create(context.Background(), f.agent, newCase("waits for the reconciler")); err != nil {
		t.Fatal(err)
	}
	f.index.down.Store(false)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.indexer.Run(ctx, time.Hour); close(done) }() // the first pass runs at once
	deadline := time.Now().Add(10 * time.Second)
	for f.listed(t) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the reconciler did not index the case")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
}

// A lost index is rebuilt from the database; a rebuild cut short (search down midway, or a
// restart) leaves its marker, so the next try starts over even though the index is no longer
// empty, and only a finished rebuild clears it.
func TestRebuildAfterALostIndexResumesUntilDone(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	for _, s := range []string{"one", "two", "three"} {
		if _, err := f.cases.Create(ctx, f.agent, newCase(s)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := f.indexer.RebuildIfNeeded(ctx); err != nil || n != 0 {
		t.Fatalf("a full index needs no rebuild: %d %v", n, err)
	}
	// Lose the index: delete every case from it.
	res, err := f.index.Search(ctx, search.Query{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.Doc.ID)
	}
	if err := f.index.Delete(ctx, ids...); err != nil {
		t.Fatal(err)
	}
	// The rebuild fails: search is down.
	f.index.down.Store(true)
	if _, err := f.indexer.RebuildIfNeeded(ctx); err == nil {
		t.Fatal("a rebuild while search is down should fail")
	}
	f.index.down.Store(false)
	// Meanwhile one case got indexed (a new write), so the index is no longer empty; the
	// marker still says the rebuild is owed.
	if _, err := f.cases.Create(ctx, f.agent, newCase("four")); err != nil {
		t.Fatal(err)
	}
	if n, err := f.indexer.RebuildIfNeeded(ctx); err != nil || n != 4 {
		t.Fatalf("the unfinished rebuild should start over over all 4 cases: %d %v", n, err)
	}
	if got := f.listed(t); got != 4 {
		t.Fatalf("listed after the rebuild: %d", got)
	}
	if n, err := f.indexer.RebuildIfNeeded(ctx); err != nil || n != 0 {
		t.Fatalf("a finished rebuild clears its marker: %d %v", n, err)
	}
}
