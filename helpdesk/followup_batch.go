package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// Follow-up checks asked in bulk. When a sweep finds many timers due at once (a morning after
// a week of resolutions, a replica back from an outage), it asks every due check in one batch
// instead of a read and a replace per case: one query finds the due checks, links and index
// marks are inserted together, one update moves them all to asked (with their timeline entry,
// version and next timer), one insert queues all the mails, then the timers, the index and
// the live events follow in batches. The checks that share the case's write with something
// else due (an SLA event, a promise, an idle rule) are left to that write.
//
// Crash safety. Each check is asked by its state moving from scheduled to asked, which happens
// once (the update's filter is on the state); its mail has an id derived from the check
// (followUpMailID), and the queue and the outbox refuse a second mail under one id. The order
// is: links and index marks, the state, the mails (beside the index), then the timers. A kill before the state moves
// leaves the checks scheduled with their timer entries: the next sweep asks them. A kill after
// the state moved but before the mails were stored leaves asked checks whose timer entries
// (at the time asked) were never finished: when the sweep after the claims' lease reaches
// those entries, the case write finds the check asked but its question's entry still there
// and queues its mail once by id (FollowUpCheckOnce looks in the outbox too, so a mail that
// was stored, or already sent, is not queued again). So no check is mailed twice or never.

// followUpBatchMin is how many due timer entries a group of slots must hold for the sweep to
// ask the due follow-up checks in bulk; fewer go case by case.
const followUpBatchMin = 64

// followUpMailID is the id of the mail asking check c: one per check (its case and when it was
// due to be asked), so a repeat is refused.
func followUpMailID(c *models.Case) string {
	return fmt.Sprintf("followup-%s-%d", c.ID, c.FollowUpCheck.AskAt.Unix())
}

// askFollowUpsInBulk asks every follow-up check due by now that needs nothing else of its case
// now, and returns the cases it asked (their timer entries are done).
func (sc *Scheduler) askFollowUpsInBulk(ctx context.Context, now time.Time, env *sweepEnv) (map[string]bool, error) {
	fu := sc.cases.followUps
	if fu == nil {
		return nil, nil
	}
	due, err := sc.store.DueFollowUps(ctx, now)
	if err != nil || len(due) == 0 {
		return nil, err
	}
	expires := now.Add(fu.settings.AnswerWindow)
	idle := escalation.IdleRules(env.rules)
	var ids, skip []string
	asked := map[string]*models.Case{}
	var entry models.TimelineEvent
	for i := range due {
		c := &due[i]
		ids = append(ids, c.ID)
		cal, known := businesstime.DefaultCalendar(), c.SLAPolicyID == ""
		if p, ok := env.policies[c.SLAPolicyID]; ok {
			cal, known = p.Calendar, true
		}
		if !known || c.NeedsAgent() || !c.AskFollowUp(now, fu.settings.AnswerWindow) {
			skip = append(skip, c.ID)
			continue
		}
		// The check is all the case needs now when its next timer is the answer window's end.
		if next := c.NextTimer(idle, cal); next == nil || !next.Equal(expires) {
			skip = append(skip, c.ID)
			continue
		}
		entry = c.Timeline[len(c.Timeline)-1]
		c.Version++
		c.UpdatedAt, c.NextTimerAt = now, &expires
		asked[c.ID] = c
	}
	if len(asked) == 0 {
		return nil, nil
	}
	// Write-ahead: the index marks and the links before the state moves.
	links := map[string]string{}
	urls := map[string]string{}
	mint := func(cs map[string]*models.Case) error {
		marks := map[string]int64{}
		fresh := map[string]string{}
		for id, c := range cs {
			marks[id] = c.Version
			if _, ok := urls[id]; !ok {
				token := randomToken() + randomToken()
				fresh[hashToken(token)] = id
				urls[id] = sc.cases.followUps.trackingURL(token) + "?check=1"
			}
		}
		for h, id := range fresh {
			links[h] = id
		}
		errs := inOneRound(
			func() error { return sc.store.MarkDirtyVersions(ctx, marks, now) },
			func() error { return sc.store.InsertTrackingMany(ctx, fresh) })
		return errors.Join(errs...)
	}
	if err := mint(asked); err != nil {
		return nil, err
	}
	n, err := sc.store.MarkFollowUpsAsked(ctx, ids, skip, now, expires, entry)
	if err != nil {
		return nil, err
	}
	if int(n) != len(asked) {
		// Some case changed between the query and the update: the stored checks asked at now
		// are the ones to mail.
		stored, err := sc.store.AskedFollowUps(ctx, now)
		if err != nil {
			return nil, err
		}
		asked = make(map[string]*models.Case, len(stored))
		for i := range stored {
			asked[stored[i].ID] = &stored[i]
		}
		if err := mint(asked); err != nil {
			return nil, err
		}
	}
	// The mails, then the timers (the answer window's end), the index and the live events.
	asks := make([]mail.FollowUpAsk, 0, len(asked))
	timers := make(map[string]time.Time, len(asked))
	docs := make([]search.CaseDoc, 0, len(asked))
	done := make(map[string]bool, len(asked))
	for id, c := range asked {
		asks = append(asks, mail.FollowUpAsk{ID: followUpMailID(c), Case: c, CheckURL: urls[id]})
		timers[id] = expires
		docs = append(docs, ToDoc(c))
		done[id] = true
	}
	// The index (its marks are stored) beside the mails: Bleve works while the mails insert.
	errs := inOneRound(func() error { return fu.notify.FollowUpChecks(ctx, asks) },
		func() error { sc.cases.indexer.indexInOrder(ctx, docs); return nil })
	if errs[0] != nil {
		// The checks are asked; their entries stay, so the next sweeps queue what is missing.
		return nil, fmt.Errorf("follow-up checks: %w", errs[0])
	}
	if err := sc.store.SetSLATimers(ctx, timers); err != nil {
		return nil, err
	}
	inParallel(len(ids), sweepWorkers, func(i int) {
		if done[ids[i]] {
			sc.cases.events.Publish(ctx, EventCaseUpdated, ids[i], map[string]any{"by": "sla"})
		}
	})
	return done, nil
}

// mailMissedCheck queues, once by id, the question of a check: one just asked, or one that a
// sweep cut short moved to asked (its timer entry for the question is still there, see above).
func (f *FollowUps) mailMissedCheck(ctx context.Context, c *models.Case) {
	_, url, err := f.trackingLink(ctx, c.ID)
	if err != nil {
		f.logger.Error("tracking link for follow-up check", "case", c.ID, "err", err)
		return
	}
	if err := f.notify.FollowUpCheckOnce(ctx, mail.FollowUpAsk{ID: followUpMailID(c), Case: c, CheckURL: url + "?check=1"}); err != nil {
		f.logger.Error("queue follow-up check", "case", c.ID, "err", err)
	}
}
