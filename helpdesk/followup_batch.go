package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// Follow-up checks asked in bulk. When a sweep finds many timers due at once (a morning after
// a week of resolutions, a replica back from an outage), it asks every due check that needs
// nothing else of its case with inserts alone, and leaves the cases to learn of it later:
//
//  1. one query finds the due checks; each part of 1,000 (askPart) goes on while it reads on:
//  2. a batch document lists them (write-ahead);
//  3. a claim per check (its _id is the check's mail id: of two replicas asking one check,
//     one insert wins) beside a fresh tracking link per check;
//  4. the mails of the checks this batch claimed, in one insert per 1,000;
//  5. the batch is marked mailed, listing the checks it claimed.
//
// Writing the cases there would cost a commit per case on the embedded FerretDB (an UpdateMany
// is one per changed document), several times the rest. The fold (FoldFollowUps, run beside
// the sweeps) then writes each case of a mailed batch as a sweep's own write would: the check
// asked, its timeline entry, its answer window's timer, the index and the live event. Until
// then the case shows its check as scheduled; the customer can answer it either way.
//
// Exactly once. A check is mailed by whoever inserted its claim: the bulk ask, or a sweep
// asking case by case (askCustomer claims before it mails). A kill before step 5 leaves the
// batch unmailed: once its lease is over, the fold reads the claims of its checks and mails
// each one it holds that is still pending, once by id (FollowUpCheckOnce looks in the queue
// and the outbox), so a mail that was stored is not stored again. The checks' timer entries
// are finished only after step 5; a later sweep that finds them still due finds their
// claims taken and leaves them to the batch.

// followUpBatchMin is how many due timer entries a group of slots must hold for the sweep to
// ask the due follow-up checks in bulk; fewer go case by case.
const followUpBatchMin = 64

// followUpMailID is the id of the mail asking check c: one per check (its case and when it was
// due to be asked), so a repeat is refused. It is also the id of the check's claim.
func followUpMailID(c *models.Case) string {
	return fmt.Sprintf("followup-%s-%d", c.ID, c.FollowUpCheck.AskAt.Unix())
}

// batchLine is a check in a batch's list: its case and its ask time.
func batchLine(c *models.Case) string {
	return c.ID + " " + strconv.FormatInt(c.FollowUpCheck.AskAt.UnixMilli(), 10)
}

type batchCheck struct {
	caseID string
	askAt  time.Time
}

func parseBatch(checks string) []batchCheck {
	var out []batchCheck
	for line := range strings.Lines(checks) {
		id, ms, ok := strings.Cut(strings.TrimSpace(line), " ")
		n, err := strconv.ParseInt(ms, 10, 64)
		if !ok || err != nil {
			continue
		}
		out = append(out, batchCheck{id, time.UnixMilli(n).UTC()})
	}
	return out
}

// askFollowUpsInBulk asks every follow-up check due by now that needs nothing else of its case
// now. It returns the cases whose question's timer entry is done: true for those it asked,
// false for those another ask had claimed. The due checks are asked a part (askPart) at a time,
// each part a batch of its own, while the query reads the next part; a part that fails leaves
// its entries for the next sweep, and the others stand.
func (sc *Scheduler) askFollowUpsInBulk(ctx context.Context, now time.Time, env *sweepEnv) (map[string]bool, error) {
	fu := sc.cases.followUps
	if fu == nil {
		return nil, nil
	}
	expires := now.Add(fu.settings.AnswerWindow)
	idle := escalation.IdleRules(env.rules)
	var mu sync.Mutex
	done := map[string]bool{}
	var errs []error
	var parts sync.WaitGroup
	inFlight := make(chan struct{}, askPartsAtOnce)
	err := sc.store.DueFollowUps(ctx, now, askPart, func(due []models.Case) error {
		var checks []*models.Case
		for i := range due { // partial cases: read, never written
			c := &due[i]
			cal, known := businesstime.DefaultCalendar(), c.SLAPolicyID == ""
			if p, ok := env.policies[c.SLAPolicyID]; ok {
				cal, known = p.Calendar, true
			}
			if !known || c.NeedsAgent() || !c.AskFollowUp(now, fu.settings.AnswerWindow) {
				continue
			}
			// The check is all the case needs now when its next timer is the answer window's end.
			if next := c.NextTimer(idle, cal); next == nil || !next.Equal(expires) {
				continue
			}
			checks = append(checks, c)
		}
		if len(checks) == 0 {
			return nil
		}
		inFlight <- struct{}{}
		parts.Add(1)
		go func() {
			defer parts.Done()
			asked, err := sc.askBatch(ctx, now, expires, checks)
			<-inFlight
			mu.Lock()
			defer mu.Unlock()
			maps.Copy(done, asked)
			if err != nil {
				errs = append(errs, err)
			}
		}()
		return nil
	})
	parts.Wait()
	if len(done) > 0 {
		sc.kickFold()
	}
	return done, errors.Join(append(errs, err)...)
}

// askPart is how many due checks one batch asks: one insert each of claims, links and mails.
const askPart = 1000

// askPartsAtOnce is how many batches are asked at once besides the query reading the next.
const askPartsAtOnce = 2

// askBatch asks the checks as one batch (steps 2 to 5 above) and returns their cases: true for
// those it asked, false for those another ask had claimed.
func (sc *Scheduler) askBatch(ctx context.Context, now, expires time.Time, checks []*models.Case) (map[string]bool, error) {
	fu := sc.cases.followUps
	lines := func(cs []*models.Case) string {
		var b strings.Builder
		for _, c := range cs {
			b.WriteString(batchLine(c))
			b.WriteByte('\n')
		}
		return b.String()
	}
	token := sc.owner + "/" + newID()
	batch := &store.FollowUpBatch{ID: "fub-" + newID(), Checks: lines(checks), AskedAt: now, ExpiresAt: expires,
		ClaimedBy: token, ClaimUntil: now.Add(sc.lease)}
	if err := sc.store.InsertFollowUpBatch(ctx, batch); err != nil {
		return nil, err
	}

	// The claims, beside a link per check.
	claims := make([]store.FollowUpClaim, len(checks))
	links := make(map[string]string, len(checks))
	urls := make(map[string]string, len(checks))
	for i, c := range checks {
		claims[i] = store.FollowUpClaim{ID: followUpMailID(c), CaseID: c.ID, At: now, Batch: batch.ID}
		t := randomToken() + randomToken()
		links[hashToken(t)] = c.ID
		urls[c.ID] = fu.trackingURL(t) + "?check=1"
	}
	var won []bool
	errs := inOneRound(
		func() (err error) { won, err = sc.store.ClaimFollowUps(ctx, claims); return err },
		func() error { return sc.store.InsertTrackingMany(ctx, links) })
	if err := errors.Join(errs...); err != nil {
		return nil, err // the batch stays unmailed: the fold mails what it claimed
	}

	// The mails of the checks it won.
	done := make(map[string]bool, len(checks))
	var mine []*models.Case
	asks := make([]mail.FollowUpAsk, 0, len(checks))
	for i, c := range checks {
		done[c.ID] = won[i]
		if won[i] {
			mine = append(mine, c)
			asks = append(asks, mail.FollowUpAsk{ID: claims[i].ID, Case: c, CheckURL: urls[c.ID]})
		}
	}
	if err := fu.notify.FollowUpChecks(ctx, asks); err != nil {
		return nil, fmt.Errorf("follow-up checks: %w", err)
	}
	if _, err := sc.store.UpdateFollowUpBatch(ctx, batch.ID, token, now, func(b *store.FollowUpBatch) {
		b.Checks, b.Mailed, b.ClaimedBy, b.ClaimUntil = lines(mine), true, "", time.Time{}
	}); err != nil {
		return nil, err
	}
	return done, nil
}

// kickFold tells the fold loop (Run) a batch waits.
func (sc *Scheduler) kickFold() {
	select {
	case sc.foldKick <- struct{}{}:
	default:
	}
}

// foldChunk is how many cases of a batch the fold writes before it records its progress.
const foldChunk = 500

// FoldFollowUps brings every bulk ask into its cases (see above), batch by batch, and returns
// how many cases it wrote. A batch held by another process (a sweep still asking, or another
// replica folding) is left to it. A batch whose asker died before it was mailed is mailed
// first.
func (sc *Scheduler) FoldFollowUps(ctx context.Context) (int, error) {
	fu := sc.cases.followUps
	if fu == nil {
		return 0, nil
	}
	batches, err := sc.store.FollowUpBatches(ctx)
	if err != nil || len(batches) == 0 {
		return 0, err
	}
	env := &sweepEnv{sc: sc}
	if err := env.load(ctx); err != nil {
		return 0, err
	}
	if env.rules == nil {
		env.rules = []escalation.Rule{} // loaded: none
	}
	folded := 0
	var errs []error
	for _, b := range batches {
		n, err := sc.foldBatch(ctx, b.ID, env)
		folded += n
		if err != nil && !errors.Is(err, store.ErrBatchHeld) {
			errs = append(errs, fmt.Errorf("follow-up batch %s: %w", b.ID, err))
		}
	}
	if len(errs) == 0 {
		// The claims outlive the window in which another replica could still find their
		// checks due (the cases know they were asked by now).
		if err := sc.store.DropFollowUpClaimsBefore(ctx, sc.now().Add(-24*time.Hour)); err != nil {
			errs = append(errs, err)
		}
	}
	return folded, errors.Join(errs...)
}

// errNothingToFold is a fold's case write that finds the case knowing its check already.
var errNothingToFold = errors.New("nothing to fold")

// foldBatch takes batch id, mails it if its asker died before, and writes its cases.
func (sc *Scheduler) foldBatch(ctx context.Context, id string, env *sweepEnv) (int, error) {
	token := sc.owner + "/" + newID()
	hold := func(change func(b *store.FollowUpBatch)) (*store.FollowUpBatch, error) {
		now := sc.now()
		return sc.store.UpdateFollowUpBatch(ctx, id, token, now, func(b *store.FollowUpBatch) {
			change(b)
			b.ClaimedBy, b.ClaimUntil = token, now.Add(sc.lease)
		})
	}
	b, err := hold(func(*store.FollowUpBatch) {})
	if err != nil {
		return 0, err
	}
	if !b.Mailed {
		checks, err := sc.mailUnmailed(ctx, b)
		if err != nil {
			return 0, err
		}
		if b, err = hold(func(b *store.FollowUpBatch) { b.Checks, b.Mailed = checks, true }); err != nil {
			return 0, err
		}
	}
	checks := parseBatch(b.Checks)
	folded := 0
	for from := b.Folded; from < len(checks); from += foldChunk {
		part := checks[from:min(len(checks), from+foldChunk)]
		later := &writeBatch{}
		failed := make([]error, len(part))
		inParallel(len(part), sweepWorkers, func(i int) {
			_, err := sc.cases.writeWith(ctx, part[i].caseID, writeSpec{rules: env.rules, policies: env.policies,
				announce: sc.cases.publish(EventCaseUpdated, map[string]any{"by": "sla"})}, later, func(c *models.Case) error {
				if !c.RecordFollowUpAsked(part[i].askAt, b.AskedAt, b.ExpiresAt) {
					return errNothingToFold
				}
				return nil
			})
			if err != nil && !errors.Is(err, errNothingToFold) && !isNotFound(err) {
				failed[i] = err
			}
		})
		sc.cases.finishWrites(ctx, later)
		folded += len(later.cases)
		if err := errors.Join(failed...); err != nil {
			return folded, err // the next fold writes this part again (a written case is left as is)
		}
		end := from + len(part)
		if b, err = hold(func(b *store.FollowUpBatch) { b.Folded = end }); err != nil {
			return folded, err
		}
	}
	return folded, sc.store.DeleteFollowUpBatch(ctx, id)
}

// mailUnmailed mails the checks of a batch whose asker stopped before it stored the mails: each
// check the batch claimed whose case still waits for it, once by id. It returns the checks the
// batch claimed.
func (sc *Scheduler) mailUnmailed(ctx context.Context, b *store.FollowUpBatch) (string, error) {
	fu := sc.cases.followUps
	checks := parseBatch(b.Checks)
	mine := make([]bool, len(checks))
	failed := make([]error, len(checks))
	inParallel(len(checks), sweepWorkers, func(i int) {
		k := checks[i]
		c, err := sc.cases.store.GetCase(ctx, k.caseID)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				failed[i] = err
			}
			return
		}
		f := c.FollowUpCheck
		if f == nil || !f.AskAt.Equal(k.askAt) {
			return // another check by now: this one is gone
		}
		claim, err := sc.store.GetFollowUpClaim(ctx, followUpMailID(c))
		switch {
		case errors.Is(err, store.ErrNotFound):
			return
		case err != nil:
			failed[i] = err
			return
		case claim.Batch != b.ID:
			return
		}
		mine[i] = true
		if f.Pending() {
			failed[i] = fu.mailCheckOnce(ctx, c)
		}
	})
	if err := errors.Join(failed...); err != nil {
		return "", err
	}
	var out strings.Builder
	for i, k := range checks {
		if mine[i] {
			fmt.Fprintf(&out, "%s %d\n", k.caseID, k.askAt.UnixMilli())
		}
	}
	return out.String(), nil
}

// mailCheckOnce queues, once by id, the question of a check: one asked case by case, or one
// whose asker stopped before its mail was stored.
func (f *FollowUps) mailCheckOnce(ctx context.Context, c *models.Case) error {
	_, url, err := f.trackingLink(ctx, c.ID)
	if err != nil {
		return fmt.Errorf("tracking link for follow-up check: %w", err)
	}
	if err := f.notify.FollowUpCheckOnce(ctx, mail.FollowUpAsk{ID: followUpMailID(c), Case: c, CheckURL: url + "?check=1"}); err != nil {
		return fmt.Errorf("queue follow-up check: %w", err)
	}
	return nil
}

// mailMissedCheck is mailCheckOnce with a failure logged.
func (f *FollowUps) mailMissedCheck(ctx context.Context, c *models.Case) {
	if err := f.mailCheckOnce(ctx, c); err != nil {
		f.logger.Error("follow-up check", "case", c.ID, "err", err)
	}
}
