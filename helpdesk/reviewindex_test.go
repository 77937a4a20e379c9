package helpdesk_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reviews"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// gatedIndex is a real Bleve index whose writes wait until the gate is opened: an index
// that is slow to take a batch.
type gatedIndex struct {
	search.Index
	gate chan struct{}
}

func (g *gatedIndex) Upsert(ctx context.Context, docs ...search.CaseDoc) error {
	<-g.gate
	return g.Index.Upsert(ctx, docs...)
}

// A review import's windows are answered once their reviews are stored, while the index
// takes them in the background; the last window is answered only once the index holds the
// whole import, so the inbox shows every imported review when the import says it is done.
// A webhook delivery is answered once stored too, and Settle waits for its index batch.
func TestReviewFilingIndexesInTheBackground(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return monday9 }
	env := storetest.StartWith(t, t.TempDir(), store.Options{SingleWriter: true, Now: now})
	bl, err := search.OpenBleve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bl.Close() })
	idx := &gatedIndex{Index: bl, gate: make(chan struct{})}
	hd, _, _ := newHelpdesk(t, env, idx, now, mail.Config{})
	if err := hd.Rules.EnsureDefaultRules(ctx); err != nil {
		t.Fatal(err)
	}
	admin := &helpdesk.Principal{User: storetest.NewUser(storetest.WithRole(models.RoleAdmin))}
	listed := func(source string) int {
		t.Helper()
		res, err := bl.Search(ctx, search.Query{Filters: []search.Filter{{Field: search.FieldReviewSource, Values: []string{source}}}, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}

	file, err := os.ReadFile("../reviews/testdata/booking_hotel_reviews.csv") // 25 rows, one bad
	if err != nil {
		t.Fatal(err)
	}
	src, _, err := hd.Reviews.CreateSource(ctx, admin, models.ReviewSourceCreate{Name: "Hotels", Kind: "booking"})
	if err != nil {
		t.Fatal(err)
	}
	importWindow := func(offset int) *helpdesk.ImportOutcome {
		t.Helper()
		out, err := hd.Reviews.Import(ctx, admin, helpdesk.ImportRequest{SourceID: src.ID, Content: file, Offset: offset, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// The index takes nothing: the first two windows are answered all the same.
	created := 0
	for _, offset := range []int{0, 10} {
		out := importWindow(offset)
		created += len(out.Results)
	}
	if created != 20 {
		t.Fatalf("%d cases from the first 20 rows", created)
	}
	// The last window stores its rows, then waits for the index.
	done := make(chan *helpdesk.ImportOutcome)
	go func() { done <- importWindow(20) }()
	for {
		n, err := env.Store.CountCases(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 24 {
			break
		}
		select {
		case out := <-done:
			t.Fatalf("the last window was answered before its rows were stored: %+v", out)
		default:
		}
	}
	select {
	case <-done:
		t.Fatal("the last window was answered while the index did not hold the import")
	default:
	}
	close(idx.gate)
	if out := <-done; len(out.Results) != 4 || len(out.Errors) != 1 {
		t.Fatalf("last window: %d results, errors %+v", len(out.Results), out.Errors)
	}
	if n := listed(string(models.SourceBooking)); n != 24 {
		t.Fatalf("the index lists %d imported reviews when the import is done, want 24", n)
	}

	// A delivery: answered once stored; its cases are listed once settled.
	shop, secret, err := hd.Reviews.CreateSource(ctx, admin, models.ReviewSourceCreate{Name: "Shop", Kind: "generic"})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"reviews":[{"external_id":"a","rating":1,"text":"Broken on arrival"},{"external_id":"b","rating":5,"text":"Lovely"}]}`)
	ts := now().Unix()
	res, err := hd.Reviews.Ingest(ctx, helpdesk.Delivery{SourceID: shop.ID, Timestamp: strconv.FormatInt(ts, 10), Signature: reviews.Sign(secret, ts, body), Body: body})
	if err != nil || len(res) != 2 || res[0].Outcome != helpdesk.IngestCreated {
		t.Fatalf("delivery: %+v %v", res, err)
	}
	if err := hd.Cases.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	if n := listed(string(models.SourceGeneric)); n != 2 {
		t.Fatalf("the index lists %d delivered reviews once settled, want 2", n)
	}
	// The rule made the one-star review a high-priority case with a first-response clock.
	c, err := env.Store.GetCase(ctx, res[0].CaseID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Priority != models.PriorityHigh || c.DueAt == nil {
		t.Fatalf("one-star review case: priority %s due %v", c.Priority, c.DueAt)
	}
}
