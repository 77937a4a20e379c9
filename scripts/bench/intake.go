package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// Issue 3's figures: complaint intake, search, live updates.
const (
	targetIntakeRate  = 500.0 // complaints/s sustained
	targetSearchP95   = 60 * time.Millisecond
	targetLive        = time.Second
	intakeConcurrency = 16
	floorLoadLimit    = 10 * time.Second
	scratchCollection = "bench_scratch_insert"
	collIndexQueue    = "index_queue" // store's write-ahead marks for the search index
	// indexWaitLimit bounds the wait for the server's index after the load: the reconciler
	// runs every KAIKU_REINDEX_INTERVAL (30s by default).
	indexWaitLimit = 35 * time.Second
)

// intakeEnv sets the server up as behind a proxy that reports each customer's address
// (X-Forwarded-For), so that the load's 5,000 customers come from 5,000 addresses, as a public
// form's visitors do, rather than all from the bench's one. The spam limits per address and
// per e-mail are raised from the defaults (20 and 5 per 10 minutes) to 64, the most still kept
// as one document per hit (store.TakeHit), the code path of every real setting: none of the
// customers files that many complaints in one window of the bench.
var intakeEnv = []string{"KAIKU_TRUST_PROXY=true", "KAIKU_INTAKE_LIMIT_PER_IP=64", "KAIKU_INTAKE_LIMIT_PER_EMAIL=64"}

// issue3Report is what the intake part measured.
type issue3Report struct {
	base                     int // cases stored before the intake
	intake                   loadResult
	intakeCPU                time.Duration // server CPU time during the intake (0: not measured)
	shippedOff               int           // shipped escalation rules disabled before the intake
	rules                    *rulesReport  // the intake again with escalation rules; nil: not run
	acked                    int           // 201 answers of both intakes
	insertFloor, upsertFloor loadResult
	served                   int           // the server's unfiltered list total when the wait ended
	indexWait                time.Duration // after the load, until the server listed them all
	stored                   int64         // cases in the database, counted after the server stopped
	found                    int           // acknowledged references found there by _id
	notFound                 []string      // the first acknowledged references not found
	indexed                  int           // index Count without filters, after the server stopped
	marks                    int64         // index queue marks left (cases the index still lacks)
	unindexed                int           // acknowledged cases the index lacks
	unindexedInfo            []string      // the first of them, with when they were filed
	rss, rssPeak             int64         // server after the intake

	search      listRow
	live, patch stats
	changes     int // live updates measured
	missed      int // changes whose event did not arrive within liveWait
}

// runIssue3 measures live updates and then the intake (which adds cases, so it comes last) on
// the running server, without escalation rules and then, unless -intake-rules is 0, with them
// (issue 4), stops it and counts what was stored.
func runIssue3(ctx context.Context, cfg config, rep *report, srv *child, admin *session, d *dataset,
	texts []string, work string, logger *slog.Logger, progress func(string, ...any)) error {
	i3 := rep.i3
	base := "http://" + srv.addr
	progress("HTTP: %d live updates (PATCH by one session, event stream of another)", cfg.Changes)
	if err := measureLive(ctx, base, admin, d, cfg, i3); err != nil {
		return fmt.Errorf("live updates: %w", err)
	}

	// The intake figure is the intake without escalation rules: issue 4 compares the intake with
	// rules to it. (A new installation ships a few rules, enabled.)
	var err error
	if i3.shippedOff, err = disableRules(ctx, admin, base); err != nil {
		return fmt.Errorf("disable the shipped rules: %w", err)
	}
	var refs []string
	if cfg.IntakeRules == 0 && cfg.ApprovalRules == 0 {
		progress("HTTP: POST /api/v1/complaints x %d concurrent for %s (no escalation rules enabled)", intakeConcurrency, cfg.IntakeDuration)
		cpu := srv.cpuMeter()
		i3.intake, refs = runIntake(ctx, base, texts, cfg.IntakeDuration, 0)
		i3.intakeCPU = cpu()
	} else if refs, err = runInterleavedIntake(ctx, cfg, srv, admin, texts, i3, progress); err != nil {
		return fmt.Errorf("intake without and with rules: %w", err)
	}
	i3.acked = len(refs)
	progress("waiting for the server's index to list all %d cases", i3.base+len(refs))
	t := time.Now()
	i3.served, err = waitListed(ctx, admin, base, i3.base+len(refs))
	i3.indexWait = time.Since(t)
	if err != nil {
		return err
	}
	if i3.rss, i3.rssPeak, err = srv.rss(); err != nil {
		rep.notes = append(rep.notes, "RSS after the intake not measured: "+err.Error())
	}
	progress("stopping the server; counting the cases in the database and the index")
	if err := srv.stop(); err != nil {
		return fmt.Errorf("stop server: %w\n%s", err, srv.stderr.String())
	}
	return checkStored(ctx, work, logger, refs, srv.started, i3)
}

// insertFloor is the raw driver's InsertOne of case documents built as the intake builds them,
// at the intake's concurrency, into a scratch collection dropped afterwards.
func insertFloor(ctx context.Context, db *floorDB, texts []string, dur time.Duration) (loadResult, error) {
	coll := db.st.Database().Collection(scratchCollection)
	if err := coll.Drop(ctx); err != nil {
		return loadResult{}, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	res := runLoad(intakeConcurrency, dur, func(_, seq int) error {
		_, err := coll.InsertOne(ctx, intakeCase(texts, seq, now))
		return err
	})
	return res, coll.Drop(ctx)
}

// upsertFloor is the Bleve backend's Upsert of one document per call (as the intake indexes
// each case), at the intake's concurrency, into a scratch index removed afterwards.
func upsertFloor(ctx context.Context, work string, texts []string, dur time.Duration) (res loadResult, err error) {
	dir, err := os.MkdirTemp(work, "scratch-index-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	idx, err := search.OpenBleve(filepath.Join(dir, indexSubdir))
	if err != nil {
		return res, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	res = runLoad(intakeConcurrency, dur, func(_, seq int) error {
		return idx.Upsert(ctx, helpdesk.ToDoc(intakeCase(texts, seq, now)))
	})
	return res, idx.Close()
}

// intakeCase is the case the intake stores for complaint seq (helpdesk.Intake.file).
func intakeCase(texts []string, seq int, now time.Time) *models.Case {
	return models.NewComplaintCase(models.FormatReference(now.Year(), int64(seq)+1), complaint(texts, seq), "", now)
}

// runIntake posts complaints as JSON from intakeConcurrency clients for dur, each with its own
// idempotency key, and returns what it measured and the references of the 201 answers. The
// complaints are complaint(texts, seqFrom+seq) for seq from 0.
func runIntake(ctx context.Context, base string, texts []string, dur time.Duration, seqFrom int) (loadResult, []string) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConnsPerHost: intakeConcurrency, DisableCompression: true}}
	defer client.CloseIdleConnections()
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	keyPrefix := "bench-" + hex.EncodeToString(nonce) + "-"
	refs := make([][]string, intakeConcurrency)
	res := runLoad(intakeConcurrency, dur, func(worker, seq int) error {
		body, err := json.Marshal(complaint(texts, seqFrom+seq))
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/complaints", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", keyPrefix+strconv.Itoa(seq))
		req.Header.Set("X-Forwarded-For", complaintClientAddr(seqFrom+seq))
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusCreated {
			return &statusError{status: resp.StatusCode, body: string(b)}
		}
		var out struct {
			Data struct {
				Reference string `json:"reference"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &out); err != nil || out.Data.Reference == "" {
			return fmt.Errorf("201 without a reference: %.200s", b)
		}
		refs[worker] = append(refs[worker], out.Data.Reference)
		return nil
	})
	var all []string
	for _, r := range refs {
		all = append(all, r...)
	}
	return res, all
}

// waitListed polls the server's unfiltered case list until its total (from the server's
// search index) reaches want or indexWaitLimit has passed, and returns the last total.
func waitListed(ctx context.Context, admin *session, base string, want int) (int, error) {
	deadline := time.Now().Add(indexWaitLimit)
	for {
		var out struct {
			Meta struct {
				Total int `json:"total"`
			} `json:"meta"`
		}
		if err := admin.call(ctx, http.MethodGet, base+"/api/v1/cases?limit=1", nil, http.StatusOK, &out); err != nil {
			return 0, fmt.Errorf("list all cases: %w", err)
		}
		if out.Meta.Total >= want || time.Now().After(deadline) {
			return out.Meta.Total, nil
		}
		select {
		case <-ctx.Done():
			return out.Meta.Total, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// checkStored counts, with the server stopped, the cases in the database, looks every
// acknowledged reference up by _id, counts the index queue's marks and the index's documents,
// and names acknowledged cases the index lacks (with when they were filed, relative to the
// server's start: its reconciler runs at start and every KAIKU_REINDEX_INTERVAL).
func checkStored(ctx context.Context, work string, logger *slog.Logger, refs []string, serverStart time.Time, i3 *issue3Report) error {
	db, err := openFloorDB(ctx, work, logger)
	if err != nil {
		return err
	}
	defer db.close()
	// FerretDB answers the count by reading every document: about 25s at 100k cases.
	if i3.stored, err = db.st.CountCases(ctx); err != nil {
		return fmt.Errorf("count cases: %w", err)
	}
	coll := db.st.Database().Collection(collCases)
	found := make([]bool, len(refs))
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for w := range errs {
		wg.Go(func() {
			for k := int(next.Add(1) - 1); k < len(refs) && errs[w] == nil; k = int(next.Add(1) - 1) {
				err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: refs[k]}}, options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
				switch {
				case err == nil:
					found[k] = true
				case !errors.Is(err, mongo.ErrNoDocuments):
					errs[w] = err
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("look up the acknowledged cases: %w", err)
	}
	for k, ok := range found {
		if ok {
			i3.found++
		} else if len(i3.notFound) < 5 {
			i3.notFound = append(i3.notFound, refs[k])
		}
	}
	if i3.marks, err = db.st.Database().Collection(collIndexQueue).CountDocuments(ctx, bson.D{}); err != nil {
		return err
	}

	idx, err := search.OpenBleve(filepath.Join(work, indexSubdir))
	if err != nil {
		return err
	}
	defer idx.Close()
	if i3.indexed, err = idx.Count(ctx, search.Query{}); err != nil {
		return err
	}
	for start := 0; start < len(refs); start += 1000 {
		chunk := refs[start:min(start+1000, len(refs))]
		have, err := idx.Versions(ctx, chunk)
		if err != nil {
			return err
		}
		for _, id := range chunk {
			if _, ok := have[id]; ok {
				continue
			}
			i3.unindexed++
			if len(i3.unindexedInfo) < 5 {
				info := id
				if c, err := db.st.GetCase(ctx, id); err == nil {
					info += fmt.Sprintf(" (filed %s after the server started)", secs(c.CreatedAt.Sub(serverStart)))
				}
				i3.unindexedInfo = append(i3.unindexedInfo, info)
			}
		}
	}
	return nil
}

func (i3 *issue3Report) print(w io.Writer) {
	in := i3.intake
	fmt.Fprintf(w, "%-30s HTTP %-35s | floor %-22s %s\n", fmt.Sprintf("complaint intake, %d clients", in.conc),
		in, fmt.Sprintf("raw InsertOne x%d", i3.insertFloor.conc), i3.insertFloor)
	fmt.Fprintf(w, "%-30s      %-35s | floor %-22s %s\n", "", "", fmt.Sprintf("bleve Upsert(1 doc) x%d", i3.upsertFloor.conc), i3.upsertFloor)
	fmt.Fprintf(w, "  %d complaints acknowledged (201) in %s; failed: %s\n", in.ok, secs(in.elapsed), in.errSummary())
	if i3.intakeCPU > 0 && in.ok > 0 {
		fmt.Fprintf(w, "  server CPU during the intake: %.1fs = %.2f of %d cores, %.2fms per complaint\n", i3.intakeCPU.Seconds(),
			i3.intakeCPU.Seconds()/in.elapsed.Seconds(), runtime.NumCPU(), cpuPer(i3.intakeCPU, in.ok))
	}
	fmt.Fprintf(w, "  no escalation rules enabled (%d were at start, the ones a new installation ships: disabled first)\n", i3.shippedOff)
	if i3.rules != nil {
		i3.rules.print(w, in, i3.intakeCPU)
	}
	lost := i3.acked - i3.found
	fmt.Fprintf(w, "  database after the server stopped: %d cases = %d before %+d; %d of %d acknowledged references found by _id",
		i3.stored, i3.base, i3.stored-int64(i3.base), i3.found, i3.acked)
	switch extra := i3.stored - int64(i3.base) - int64(i3.found); {
	case lost > 0:
		fmt.Fprintf(w, ": %d LOST (%s)\n", lost, strings.Join(i3.notFound, ", "))
	case extra != 0:
		fmt.Fprintf(w, "; %d stored without a 201 answer\n", extra)
	default:
		fmt.Fprintln(w, ": none lost")
	}
	fmt.Fprintf(w, "  search index: server listed %d cases %s after the load; after it stopped Count() = %d (%s the database), index queue %d marks\n",
		i3.served, secs(i3.indexWait), i3.indexed, map[bool]string{true: "=", false: "MISMATCH with"}[int64(i3.indexed) == i3.stored], i3.marks)
	if i3.unindexed > 0 {
		fmt.Fprintf(w, "  %d acknowledged cases are not in the index: %s\n", i3.unindexed, strings.Join(i3.unindexedInfo, ", "))
	}
	l := i3.search
	fmt.Fprintf(w, "%-30s HTTP %s | floor %-22s %s  (%.0f hits)\n", l.name, l.http, "bleve search.Search", l.floor, l.hits)
	fmt.Fprintf(w, "%-30s HTTP %s | floor %-22s %s\n", fmt.Sprintf("live update x%d (to event)", i3.changes), i3.live.withMax(), "PATCH round trip", i3.patch.withMax())
	if i3.missed > 0 {
		fmt.Fprintf(w, "  %d of %d changes never reached the other session's event stream (waited %s each)\n", i3.missed, i3.changes, liveWait)
	}
	fmt.Fprintf(w, "server RSS after the intake: %d MB (peak %d MB)\n", i3.rss>>20, i3.rssPeak>>20)
	fmt.Fprintf(w, "targets (issue 3): intake >= 500/s %s  none lost %s  index complete %s  search p95 <= 60ms %s  live update <= 1s (max) %s\n",
		verdict(in.rate() >= targetIntakeRate), verdict(i3.acked > 0 && lost == 0),
		verdict(int64(i3.indexed) == i3.stored && i3.unindexed == 0 && i3.marks == 0),
		verdict(l.http.n > 0 && l.http.p95 <= targetSearchP95),
		verdict(i3.live.n > 0 && i3.missed == 0 && i3.live.max <= targetLive))
	if r := i3.rules; r != nil {
		fmt.Fprintf(w, "targets (issue 4): intake with %d rules >= %.0f%% of the rate without %s\n",
			r.enabled, 100*targetRulesShare, verdict(r.intake.ok > 0 && r.ratio(in) >= targetRulesShare))
	}
}
