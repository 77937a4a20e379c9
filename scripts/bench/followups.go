package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// The follow-up sweep (issue 13, -only followups): one scheduler sweep asking cfg.FollowUps
// customers their follow-up check at once (target: 10,000 within 5 s), beside the floor, the
// raw driver inserting as many mail documents of a follow-up mail's size in batches of 1,000,
// measured just before on the same files. Then, for the record, the fold that brings the asks
// into the cases in the background (helpdesk/followup_batch.go). Mails go to the outbox (no
// SMTP), where they are counted: one per customer. The same figure is the Go benchmark
// BenchmarkFollowUpSweep.

// followUpReport is what the part measured.
type followUpReport struct {
	n                   int
	sweep, floor, fold  time.Duration
	sweepCPU, floorCPU  time.Duration // CPU time of this process (the database runs in it)
	mails               int64
	loadStart, loadEnd  string
	language, languages map[string]int
}

// followUpsNow is the bench's clock: the store files timers by it, so it is the scheduler's.
var followUpsNow = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

func runFollowUps(ctx context.Context, cfg config) (*followUpReport, error) {
	dir, err := os.MkdirTemp("", "kaiku-bench-followups-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := func() time.Time { return followUpsNow }
	emb, err := store.StartEmbedded(ctx, filepath.Join(dir, dbSubdir), logger)
	if err != nil {
		return nil, err
	}
	defer emb.Close()
	st, err := store.Connect(ctx, emb.URI(), dbName, store.Options{SingleWriter: true, Now: now})
	if err != nil {
		return nil, err
	}
	defer func() { _ = st.Close(context.Background()) }()
	if err := st.Migrate(ctx, logger, now()); err != nil {
		return nil, err
	}
	if _, err := emb.FixIDIndexes(ctx, dbName); err != nil {
		return nil, err
	}
	idx, err := search.OpenBleve(filepath.Join(dir, "index"))
	if err != nil {
		return nil, err
	}
	defer idx.Close()
	mailer, err := mail.New(st, mail.Config{}, mail.Options{Clock: now, Logger: logger})
	if err != nil {
		return nil, err
	}
	hd, err := helpdesk.New(helpdesk.Deps{Store: st, Index: idx, Mailer: mailer, Logger: logger, Clock: now,
		BaseURL: "https://help.example.com", Currency: "EUR", Limits: helpdesk.DefaultIntakeLimits})
	if err != nil {
		return nil, err
	}
	if err := hd.SLA.EnsureDefaultPolicy(ctx); err != nil {
		return nil, err
	}

	// n resolved cases whose checks fell due over the last minute, half in Finnish.
	n := cfg.FollowUps
	rep := &followUpReport{n: n, languages: map[string]int{}}
	docs := make([]any, 0, 1000)
	due := make(map[string]time.Time, n)
	cases := st.Database().Collection("cases")
	for j := range n {
		locale := "en"
		if j%2 == 1 {
			locale = "fi"
		}
		c := models.NewCase(models.FormatReference(2026, int64(j+1)), models.CaseCreate{Subject: fmt.Sprintf("Parcel %d arrived damaged", j),
			Description: "The box was crushed and the vase inside is broken.",
			Customer:    models.CustomerCreate{Name: fmt.Sprintf("Customer %d", j), Email: fmt.Sprintf("customer%d@example.com", j)}},
			models.Actor{}, now().Add(-30*24*time.Hour))
		c.Status, c.Locale = models.StatusResolved, locale
		resolved := now().Add(-7 * 24 * time.Hour)
		c.ResolvedAt = &resolved
		c.ScheduleFollowUp(now().Add(-time.Duration(j%60)*time.Second), resolved)
		c.NextTimerAt = c.FollowUpDueAt()
		due[c.ID] = *c.NextTimerAt
		rep.languages[locale]++
		if docs = append(docs, c); len(docs) == cap(docs) || j == n-1 {
			if _, err := cases.InsertMany(ctx, docs); err != nil {
				return nil, err
			}
			docs = docs[:0]
		}
	}
	if err := st.SetSLATimers(ctx, due); err != nil {
		return nil, err
	}

	rep.loadStart = loadAvg()
	// The floor: n mail documents of a follow-up mail's size, inserted raw in batches of 1,000.
	body := strings.Repeat("Did our solution hold? Tell us in one click. ", 12)
	floorColl := st.Database().Collection("bench_mail_floor")
	mails := make([]any, 0, 1000)
	floorStart, floorCPU := time.Now(), processCPU()
	for j := range n {
		mails = append(mails, bson.D{{Key: "_id", Value: fmt.Sprintf("floor-%d", j)}, {Key: "to", Value: fmt.Sprintf("customer%d@example.com", j)},
			{Key: "subject", Value: "Did this solve it?"}, {Key: "text", Value: body}, {Key: "created_at", Value: now()}})
		if len(mails) == cap(mails) || j == n-1 {
			if _, err := floorColl.InsertMany(ctx, mails); err != nil {
				return nil, err
			}
			mails = mails[:0]
		}
	}
	rep.floor, rep.floorCPU = time.Since(floorStart), processCPU()-floorCPU
	if err := floorColl.Drop(ctx); err != nil {
		return nil, err
	}

	sc := helpdesk.NewScheduler(st, hd.Cases, hd.Events, logger, now, "bench")
	start, sweepCPU := time.Now(), processCPU()
	fired, err := sc.Sweep(ctx)
	rep.sweep, rep.sweepCPU = time.Since(start), processCPU()-sweepCPU
	if err != nil {
		return rep, err
	}
	if fired != n {
		return rep, fmt.Errorf("the sweep asked %d customers, want %d", fired, n)
	}
	foldStart := time.Now()
	folded, err := sc.FoldFollowUps(ctx)
	rep.fold = time.Since(foldStart)
	if err != nil {
		return rep, err
	}
	if folded != n {
		return rep, fmt.Errorf("the fold wrote %d cases, want %d", folded, n)
	}
	rep.loadEnd = loadAvg()
	// One mail per customer, in their language (the outbox is in the queues file).
	outbox := st.Database().Client().Database(dbName + "_queues").Collection("mail_outbox")
	rep.language = map[string]int{}
	for _, l := range []string{"en", "fi"} {
		k, err := outbox.CountDocuments(ctx, bson.D{{Key: "message.locale", Value: l}})
		if err != nil {
			return rep, err
		}
		rep.language[l] = int(k)
		rep.mails += k
	}
	if rep.mails != int64(n) || rep.language["fi"] != rep.languages["fi"] {
		return rep, fmt.Errorf("%d follow-up mails in the outbox (%v), want %d (%v)", rep.mails, rep.language, n, rep.languages)
	}
	return rep, nil
}

func (r *followUpReport) print(w io.Writer) {
	fmt.Fprintf(w, "kaiku bench  -only followups  load average %s .. %s\n", r.loadStart, r.loadEnd)
	fmt.Fprintf(w, "follow-up sweep (issue 13): %d checks asked in one sweep      %8.2f s   (target <= 5 s at 10,000)\n", r.n, r.sweep.Seconds())
	fmt.Fprintf(w, "  floor: raw InsertMany of %d mail documents (batches of 1,000) %8.2f s   sweep/floor %.1fx\n", r.n, r.floor.Seconds(), r.sweep.Seconds()/r.floor.Seconds())
	fmt.Fprintf(w, "  CPU time of the process: sweep %.2f s, floor %.2f s (ratio %.1fx; on a loaded machine it says more than wall time)\n",
		r.sweepCPU.Seconds(), r.floorCPU.Seconds(), r.sweepCPU.Seconds()/r.floorCPU.Seconds())
	fmt.Fprintf(w, "  then, in the background: the fold writes the %d cases      %8.2f s\n", r.n, r.fold.Seconds())
	fmt.Fprintf(w, "  mails in the outbox: %d (en %d, fi %d), one per customer\n", r.mails, r.language["en"], r.language["fi"])
}

// processCPU is the CPU time this process has used so far (user and system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
