package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reviews"
)

// The reviews part (issue 14), run alone with -only reviews on a fresh directory:
//
//   - import: the Booking.com hotel review file (10,000 rows) through POST /api/v1/reviews/import
//     in windows of 500 rows, as the browser does, beside the floor: a raw InsertMany (batches of
//     1,000) of the same case documents into a scratch collection, before the server starts;
//   - webhook: 16 clients each deliver 4 signed batches of 50 reviews to POST
//     /api/v1/reviews/ingest, then every batch again; the cases are counted afterwards on the
//     database (lost, duplicates), beside a raw InsertMany of as many documents.
const (
	reviewsImportWindow = 500
	reviewsClients      = 16
	reviewsBatches      = 4
	reviewsBatchSize    = 50
)

type reviewsReport struct {
	rows                       int
	importDur, importFloor     time.Duration
	importCreated, importFails int
	hooks                      int
	hookDur, redeliverDur      time.Duration
	hookFloor                  time.Duration
	lost, duplicates           int
	counted                    bool // lost and duplicates were counted (the run got that far)
}

func (r *reviewsReport) print(w io.Writer) {
	rate := func(n int, d time.Duration) string {
		if d <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.0f/s", float64(n)/d.Seconds())
	}
	fmt.Fprintf(w, "reviews (issue 14)\n")
	fmt.Fprintf(w, "  import of %d Booking rows over HTTP, windows of %d   %-10s (%d cases, %d row errors, %.1fs)   floor raw InsertMany of the same documents %s   target >= 1000/s\n",
		r.rows, reviewsImportWindow, rate(r.importCreated, r.importDur), r.importCreated, r.importFails, r.importDur.Seconds(), rate(r.rows, r.importFloor))
	fmt.Fprintf(w, "  webhook ingest, %d clients x %d batches of %d       %-10s (%.1fs)   redelivered %s   floor raw InsertMany %s   target >= 500/s\n",
		reviewsClients, reviewsBatches, reviewsBatchSize, rate(r.hooks, r.hookDur), r.hookDur.Seconds(), rate(r.hooks, r.redeliverDur), rate(r.hooks, r.hookFloor))
	if r.counted {
		fmt.Fprintf(w, "  after redelivering every batch: %d lost, %d duplicates\n", r.lost, r.duplicates)
	} else {
		fmt.Fprintf(w, "  lost and duplicates not counted: the run failed before\n")
	}
}

func runReviews(ctx context.Context, cfg config) error {
	dataDir := cfg.Data
	if dataDir == "" {
		dataDir = findDataDir(defaultDataDirs())
	}
	file, err := os.ReadFile(filepath.Join(dataDir, bookingFile))
	if err != nil {
		return fmt.Errorf("the reviews part needs %s: %w", bookingFile, err)
	}
	dir, err := os.MkdirTemp("", "kaiku-bench-reviews-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	logger := slog.New(&lazyHandler{h: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})})
	rep := &reviewsReport{}
	defer rep.print(os.Stdout)

	// Floors, before the server holds the files: the same documents the import and the webhook
	// make, inserted raw.
	table, err := reviews.ReadTable(file)
	if err != nil {
		return err
	}
	if cfg.N < len(table.Rows) {
		table.Rows = table.Rows[:cfg.N] // -n smaller than the file imports its first n rows
		file = csvOf(table)
	}
	rep.rows = len(table.Rows)
	_, mapping := reviews.Guess(table.Headers)
	now := time.Now().UTC()
	src := &models.ReviewSource{ID: "floor", Name: "Floor", Kind: models.SourceBooking, ScaleMax: 10}
	var importDocs []any
	for i, row := range table.Rows {
		it, errs := reviews.MapRow(table.Headers, row, mapping, 10)
		if len(errs) > 0 {
			continue
		}
		importDocs = append(importDocs, floorReviewCase(fmt.Sprintf("FI-%d", i), src, it, now))
	}
	rep.hooks = reviewsClients * reviewsBatches * reviewsBatchSize
	hookDocs := make([]any, rep.hooks)
	for i := range hookDocs {
		hookDocs[i] = floorReviewCase(fmt.Sprintf("FW-%d", i), src, reviews.Item{ExternalID: strconv.Itoa(i), Rating: 3, Author: "Guest",
			Title: "Stay", Text: "The room was fine but the breakfast ran out early."}, now)
	}
	db, err := openFloorDB(ctx, dir, logger)
	if err != nil {
		return err
	}
	insertAll := func(coll string, docs []any) (time.Duration, error) {
		c := db.st.Database().Collection(coll)
		start := time.Now()
		for len(docs) > 0 {
			k := min(len(docs), 1000)
			if _, err := c.InsertMany(ctx, docs[:k]); err != nil {
				return 0, err
			}
			docs = docs[k:]
		}
		d := time.Since(start)
		return d, c.Drop(ctx)
	}
	if rep.importFloor, err = insertAll("floor_review_import", importDocs); err == nil {
		rep.hookFloor, err = insertAll("floor_review_hooks", hookDocs)
	}
	db.close()
	if err != nil {
		return err
	}

	srv, err := startServer(ctx, dir, serverOptions{env: []string{"KAIKU_LOG_LEVEL=error"}, commands: cfg.ServerCommands, cpuProfile: cfg.ServerCPUProfile})
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = srv.stop()
		}
	}()
	base := "http://" + srv.addr
	admin, err := login(ctx, base, adminEmail, adminPassword)
	if err != nil {
		return err
	}
	admin.client.Timeout = 10 * time.Minute // a window of 500 rows on a loaded machine
	type sourceAnswer struct {
		Data struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		} `json:"data"`
	}
	var booking, generic sourceAnswer
	if err := admin.call(ctx, http.MethodPost, base+"/api/v1/review-sources", map[string]any{"name": "Hotels", "kind": "booking"}, http.StatusCreated, &booking); err != nil {
		return err
	}
	if err := admin.call(ctx, http.MethodPost, base+"/api/v1/review-sources", map[string]any{"name": "Shop", "kind": "generic"}, http.StatusCreated, &generic); err != nil {
		return err
	}

	// The import, window by window.
	mappingJSON, _ := json.Marshal(mapping)
	start := time.Now()
	for offset := 0; offset < rep.rows; {
		var out struct {
			Data struct {
				NextOffset int `json:"next_offset"`
				Results    []struct {
					Outcome string `json:"outcome"`
				} `json:"results"`
				Errors []json.RawMessage `json:"errors"`
			} `json:"data"`
		}
		if err := importWindow(ctx, admin, base, booking.Data.ID, string(mappingJSON), offset, file, &out); err != nil {
			return fmt.Errorf("import at row %d: %w\nserver log:\n%s", offset, err, srv.stderr.String())
		}
		for _, r := range out.Data.Results {
			if r.Outcome == "created" {
				rep.importCreated++
			}
		}
		rep.importFails += len(out.Data.Errors)
		offset = out.Data.NextOffset
	}
	rep.importDur = time.Since(start)

	// The webhook, then every batch again.
	bodies := make([][]byte, reviewsClients*reviewsBatches)
	for k := range bodies {
		items := make([]string, reviewsBatchSize)
		for j := range items {
			items[j] = fmt.Sprintf(`{"external_id":"w%d-%d","rating":%d,"author":"Guest %d","title":"Stay %d","text":"The room was fine but the breakfast ran out early."}`, k, j, 1+j%5, j, k)
		}
		bodies[k] = []byte(`{"reviews":[` + strings.Join(items, ",") + `]}`)
	}
	client := &http.Client{Timeout: 10 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: reviewsClients}}
	deliverAll := func() (time.Duration, error) {
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, reviewsClients)
		for c := range reviewsClients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := c * reviewsBatches; k < (c+1)*reviewsBatches; k++ {
					if err := deliver(ctx, client, base, generic.Data.ID, generic.Data.Secret, bodies[k]); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		return time.Since(start), <-errs
	}
	// A failed delivery says what the server logged (its errors only; see startServer).
	withLog := func(err error) error { return fmt.Errorf("%w\nserver log:\n%s", err, srv.stderr.String()) }
	if rep.hookDur, err = deliverAll(); err != nil {
		rep.hookDur = 0
		return withLog(err)
	}
	if rep.redeliverDur, err = deliverAll(); err != nil {
		rep.redeliverDur = 0
		return withLog(err)
	}
	stopped = true
	if err := srv.stop(); err != nil {
		return err
	}

	// Count on the database: every external id once.
	db, err = openFloorDB(ctx, dir, logger)
	if err != nil {
		return err
	}
	defer db.close()
	cur, err := db.st.Database().Collection(collCases).Find(ctx, bson.D{{Key: "review.source_id", Value: generic.Data.ID}})
	if err != nil {
		return err
	}
	var got []struct {
		Review struct {
			ExternalID string `bson:"external_id"`
		} `bson:"review"`
	}
	if err := cur.All(ctx, &got); err != nil {
		return err
	}
	seen := map[string]int{}
	for _, c := range got {
		seen[c.Review.ExternalID]++
	}
	for _, n := range seen {
		rep.duplicates += n - 1
	}
	rep.lost = rep.hooks - len(seen)
	rep.counted = true
	return nil
}

// floorReviewCase is a review case document as the server stores one.
func floorReviewCase(id string, src *models.ReviewSource, it reviews.Item, now time.Time) *models.Case {
	c := models.NewCase(id, models.CaseCreate{Subject: "Review", Description: it.Text, Customer: models.CustomerCreate{Name: "Guest"},
		Channel: models.ChannelReview}, models.Actor{Name: src.Name}, now)
	c.Review = &models.Review{SourceID: src.ID, SourceKind: src.Kind, SourceName: src.Name, ExternalID: it.ExternalID,
		Rating: models.NormalizeRating(it.Rating, src.ScaleMax), RatingOriginal: it.Rating, ScaleMax: src.ScaleMax, Author: it.Author,
		Title: it.Title, Text: it.Text, Positive: it.Positive, Negative: it.Negative, Place: it.Place, ReplyState: models.ReplyNone,
		PostedAt: now, SourceUpdated: now}
	return c
}

func importWindow(ctx context.Context, s *session, base, sourceID, mapping string, offset int, file []byte, out any) error {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("source_id", sourceID)
	_ = w.WriteField("mapping", mapping)
	_ = w.WriteField("offset", strconv.Itoa(offset))
	_ = w.WriteField("limit", strconv.Itoa(reviewsImportWindow))
	fw, _ := w.CreateFormFile("file", bookingFile)
	_, _ = fw.Write(file)
	_ = w.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/reviews/import", &buf)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("X-CSRF-Token", s.csrf)
	res, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return &statusError{status: res.StatusCode, body: string(b)}
	}
	return json.Unmarshal(b, out)
}

func deliver(ctx context.Context, client *http.Client, base, sourceID, secret string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/reviews/ingest", bytes.NewReader(body))
	if err != nil {
		return err
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(reviews.HeaderSource, sourceID)
	req.Header.Set(reviews.HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(reviews.HeaderSignature, reviews.Sign(secret, ts, body))
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return &statusError{status: res.StatusCode, body: string(b)}
	}
	return nil
}

// csvOf writes a table back as CSV.
func csvOf(t *reviews.Table) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(t.Headers)
	_ = w.WriteAll(t.Rows)
	return buf.Bytes()
}
