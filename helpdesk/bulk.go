package helpdesk

import (
	"context"
	"sync"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// BulkResult is what became of one case of a bulk change.
type BulkResult struct {
	ID      string
	Outcome string // models.BulkOK, models.BulkConflict, ...
	Message string // why it was refused; empty when ok
	Case    *models.Case
}

// bulkWorkers is how many cases of one bulk change are written at once. Issued side by side,
// their index marks and timers travel in shared group commits, and the case replaces queue
// for the records file's one write connection instead of each waiting for the previous
// case's whole round trip.
const bulkWorkers = 32

// Bulk applies one change to many cases. Each case is written as a PATCH of it would be: its
// own version check (against the version the client sent for it), timeline entry, SLA clocks,
// case_updated rules and live event. A case that cannot take the change is refused and
// reported; the others are changed. The results are in the order of the request.
//
// The cases are stored first (each with its index mark), then indexed in one batch, then
// announced together: one index segment instead of one per few cases keeps Bleve's merging
// down, and the live events share event pages.
func (s *Cases) Bulk(ctx context.Context, p *Principal, req models.BulkChange) ([]BulkResult, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	if err := req.Check(); err != nil {
		return nil, err
	}
	if err := s.checkRefs(ctx, req.AssigneeID, req.TeamID); err != nil {
		return nil, err
	}
	// The rules and SLA policies are read once for the batch, as a rule sweep does.
	rules, err := s.loadRules(ctx)
	if err != nil {
		return nil, err
	}
	if rules == nil {
		rules = []escalation.Rule{}
	}
	policies, err := s.policiesByID(ctx)
	if err != nil {
		return nil, err
	}
	results := make([]BulkResult, len(req.Cases))
	effects := make([][]escalation.RuleEffect, len(req.Cases))
	inParallel(len(req.Cases), bulkWorkers, func(i int) {
		results[i], effects[i] = s.bulkStore(ctx, p, req, req.Cases[i], rules, policies)
	})
	docs := make([]search.CaseDoc, 0, len(results))
	for _, r := range results {
		if r.Case != nil {
			docs = append(docs, s.indexer.toDoc(r.Case))
		}
	}
	if len(docs) > 0 {
		s.indexer.indexInOrder(ctx, docs)
	}
	announce := s.publish(EventCaseUpdated, map[string]any{"by": p.User.ID, "bulk": true})
	inParallel(len(results), len(results), func(i int) {
		if c := results[i].Case; c != nil {
			s.afterWrite(ctx, c, s.rules.aftermathOf(ctx, c, effects[i]), announce)
		}
	})
	return results, nil
}

// inParallel calls fn(0..n-1) on at most workers goroutines and returns when all are done.
func inParallel(n, workers int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// bulkStore stores the bulk change of one case (not yet indexed or announced).
func (s *Cases) bulkStore(ctx context.Context, p *Principal, req models.BulkChange, ref models.BulkCaseRef,
	rules []escalation.Rule, policies map[string]models.SLAPolicy) (BulkResult, []escalation.RuleEffect) {
	now := s.now()
	c, effects, err := s.writeStored(ctx, ref.ID, writeSpec{expected: ref.Version, trigger: escalation.TriggerCaseUpdated,
		rules: rules, policies: policies},
		func(c *models.Case) error {
			if c.MergedInto != "" {
				return models.Forbidden("this case was merged into " + c.MergedInto + "; change that case instead")
			}
			patch, err := req.PatchFor(c)
			if err != nil {
				return err
			}
			return c.ApplyPatch(patch, p.Actor(), now)
		})
	r := BulkResult{ID: ref.ID, Outcome: models.BulkOutcomeOf(err), Case: c}
	if err != nil {
		r.Message = "the change could not be saved; try again"
		if de, ok := models.AsError(err); !ok {
			// Not the client's doing: the cause is for the operator's log, not the answer.
			if s.rules != nil {
				s.rules.logger.Error("bulk change not saved", "case", ref.ID, "err", err)
			}
		} else {
			r.Message = de.Message
			if r.Outcome == models.BulkConflict {
				r.Message = "the case was changed by someone else since it was read; reload it and try again"
			}
		}
	}
	return r, effects
}

// policiesByID reads the SLA policies once for a batch of writes.
func (s *Cases) policiesByID(ctx context.Context) (map[string]models.SLAPolicy, error) {
	ps, err := s.store.ListSLAPolicies(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]models.SLAPolicy, len(ps))
	for _, p := range ps {
		out[p.ID] = p
	}
	return out, nil
}
