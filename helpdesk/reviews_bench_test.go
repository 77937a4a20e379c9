package helpdesk_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// BenchmarkReviewIngest delivers signed review batches from 16 clients at once through the
// whole use case (signature, parsing, key documents, cases with the shipped rules and SLA
// clocks, the index), then redelivers every batch, and counts the cases: none may be lost
// and none doubled. Beside it, the floor: a raw InsertMany of as many case documents.
//
//	go test ./helpdesk/ -run '^$' -bench BenchmarkReviewIngest -benchtime 1x
func BenchmarkReviewIngest(b *testing.B) {
	const clients, batches, batchSize = 16, 4, 50
	ctx := context.Background()
	now := func() time.Time { return monday9 }
	env, hd, admin := reviewBenchSetup(b, now)

	var ingestTime, redeliverTime, floorTime time.Duration
	total := 0
	for i := range b.N {
		src, secret, err := hd.Reviews.CreateSource(ctx, admin, models.ReviewSourceCreate{Name: fmt.Sprintf("Bench %d", i), Kind: "generic"})
		if err != nil {
			b.Fatal(err)
		}
		bodies := make([][]byte, clients*batches)
		for k := range bodies {
			items := make([]string, batchSize)
			for j := range items {
				items[j] = fmt.Sprintf(`{"external_id":"r%d-%d","rating":%d,"author":"Guest %d","title":"Stay %d","text":"The room was fine but the breakfast ran out early."}`, k, j, 1+j%5, j, k)
			}
			bodies[k] = []byte(`{"reviews":[` + strings.Join(items, ",") + `]}`)
		}
		before, err := env.Store.CountCases(ctx)
		if err != nil {
			b.Fatal(err)
		}
		deliverAll := func(want string) time.Duration {
			start := time.Now()
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			for c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := c * batches; k < (c+1)*batches; k++ {
						ts := now().Unix()
						res, err := hd.Reviews.Ingest(ctx, helpdesk.Delivery{SourceID: src.ID, Timestamp: strconv.FormatInt(ts, 10),
							Signature: reviews.Sign(secret, ts, bodies[k]), Body: bodies[k]})
						if err != nil {
							errs <- err
							return
						}
						for _, r := range res {
							if r.Outcome != want {
								errs <- fmt.Errorf("%s: %s, want %s", r.ExternalID, r.Outcome, want)
								return
							}
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			return time.Since(start)
		}
		ingestTime += deliverAll(helpdesk.IngestCreated)
		redeliverTime += deliverAll(helpdesk.IngestUnchanged)
		after, err := env.Store.CountCases(ctx)
		if err != nil {
			b.Fatal(err)
		}
		n := clients * batches * batchSize
		if got := int(after - before); got != n {
			b.Fatalf("%d review cases after delivering %d reviews twice (lost or doubled)", got, n)
		}
		total += n

		// The floor: the same number of case documents, inserted raw in batches of 1,000.
		docs := make([]any, n)
		for k := range docs {
			c := models.NewCase(fmt.Sprintf("F-%d-%d", i, k), models.CaseCreate{Subject: "Stay", Description: "The room was fine but the breakfast ran out early.",
				Customer: models.CustomerCreate{Name: "Guest"}, Channel: models.ChannelReview}, models.Actor{Name: "Bench"}, now())
			c.Review = &models.Review{SourceID: src.ID, SourceKind: models.SourceGeneric, ExternalID: strconv.Itoa(k), Rating: 3, RatingOriginal: 3, ScaleMax: 5}
			docs[k] = c
		}
		start := time.Now()
		for len(docs) > 0 {
			k := min(len(docs), 1000)
			if _, err := env.Store.Database().Collection("floor_cases").InsertMany(ctx, docs[:k]); err != nil {
				b.Fatal(err)
			}
			docs = docs[k:]
		}
		floorTime += time.Since(start)
	}
	b.ReportMetric(float64(total)/ingestTime.Seconds(), "reviews/s")
	b.ReportMetric(float64(total)/redeliverTime.Seconds(), "redelivered/s")
	b.ReportMetric(float64(total)/floorTime.Seconds(), "floor-inserts/s")
	b.ReportMetric(0, "lost")
	b.ReportMetric(0, "duplicates")
}

// reviewBenchSetup is the whole use case as the server wires it, on the embedded database with
// its single writers, the shipped rules and SLA policy, and an admin.
func reviewBenchSetup(b *testing.B, now func() time.Time) (*storetest.Env, *helpdesk.Helpdesk, *helpdesk.Principal) {
	ctx := context.Background()
	env := storetest.StartWith(b, b.TempDir(), store.Options{SingleWriter: true, Now: now})
	idx, err := search.OpenBleve(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { idx.Close() })
	hd, _, _ := newHelpdesk(b, env, idx, now, mail.Config{})
	if err := hd.Rules.EnsureDefaultRules(ctx); err != nil {
		b.Fatal(err)
	}
	return env, hd, &helpdesk.Principal{User: storetest.NewUser(storetest.WithRole(models.RoleAdmin))}
}

// BenchmarkReviewImport imports a Booking.com hotel review file of 2,000 rows (the 25 rows of
// the test file, repeated with other dates) through the use case in windows of 500 rows, as
// the browser does, beside the floor: a raw InsertMany of the same case documents.
//
//	go test ./helpdesk/ -run '^$' -bench BenchmarkReviewImport -benchtime 1x
func BenchmarkReviewImport(b *testing.B) {
	const rows, window = 2000, 500
	ctx := context.Background()
	now := func() time.Time { return monday9 }
	env, hd, admin := reviewBenchSetup(b, now)
	sample, err := os.ReadFile("../reviews/testdata/booking_hotel_reviews.csv")
	if err != nil {
		b.Fatal(err)
	}
	table, err := reviews.ReadTable(sample)
	if err != nil {
		b.Fatal(err)
	}
	_, mapping := reviews.Guess(table.Headers)
	dateCol := slices.Index(table.Headers, "Review_Date")
	var good [][]string
	for _, row := range table.Rows {
		if _, errs := reviews.MapRow(table.Headers, row, mapping, 10); len(errs) == 0 {
			good = append(good, row)
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(table.Headers)
	var items []reviews.Item
	for i := range rows {
		row := slices.Clone(good[i%len(good)])
		row[dateCol] = monday9.AddDate(0, 0, -i).Format("1/2/2006") // the external id is derived from the row
		_ = w.Write(row)
		it, _ := reviews.MapRow(table.Headers, row, mapping, 10)
		items = append(items, it)
	}
	w.Flush()
	file := buf.Bytes()

	var importTime, floorTime time.Duration
	for i := range b.N {
		src, _, err := hd.Reviews.CreateSource(ctx, admin, models.ReviewSourceCreate{Name: fmt.Sprintf("Hotels %d", i), Kind: "booking"})
		if err != nil {
			b.Fatal(err)
		}
		created := 0
		start := time.Now()
		for offset := 0; offset < rows; {
			out, err := hd.Reviews.Import(ctx, admin, helpdesk.ImportRequest{SourceID: src.ID, Content: file, Mapping: mapping, Offset: offset, Limit: window})
			if err != nil {
				b.Fatal(err)
			}
			if len(out.Errors) > 0 {
				b.Fatalf("row errors: %+v", out.Errors[0])
			}
			for _, r := range out.Results {
				if r.Outcome == helpdesk.IngestCreated {
					created++
				}
			}
			offset = out.NextOffset
		}
		importTime += time.Since(start)
		if created != rows {
			b.Fatalf("%d cases created of %d rows", created, rows)
		}

		docs := make([]any, rows)
		for k, it := range items {
			c := models.NewCase(fmt.Sprintf("FI-%d-%d", i, k), models.CaseCreate{Subject: "Review", Description: it.Text,
				Customer: models.CustomerCreate{Name: "Guest"}, Channel: models.ChannelReview}, models.Actor{Name: src.Name}, now())
			c.Review = &models.Review{SourceID: src.ID, SourceKind: src.Kind, SourceName: src.Name, ExternalID: it.ExternalID,
				Rating: models.NormalizeRating(it.Rating, 10), RatingOriginal: it.Rating, ScaleMax: 10, Text: it.Text,
				Positive: it.Positive, Negative: it.Negative, Place: it.Place, PostedAt: now(), SourceUpdated: now()}
			docs[k] = c
		}
		start = time.Now()
		for len(docs) > 0 {
			k := min(len(docs), 1000)
			if _, err := env.Store.Database().Collection("floor_import").InsertMany(ctx, docs[:k]); err != nil {
				b.Fatal(err)
			}
			docs = docs[k:]
		}
		floorTime += time.Since(start)
	}
	b.ReportMetric(float64(rows*b.N)/importTime.Seconds(), "reviews/s")
	b.ReportMetric(float64(rows*b.N)/floorTime.Seconds(), "floor-inserts/s")
	b.ReportMetric(importTime.Seconds()/floorTime.Seconds(), "x-floor-time")
}
