package helpdesk

import (
	"context"
	"sync"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// BulkResult is what became of one case of a bulk change.
type BulkResult struct {
	ID      string
	Outcome string // models.BulkOK, models.BulkConflict, ...
	Message string // why it was refused; empty when ok
	Case    *models.Case
}

// bulkWorkers is how many cases of one bulk change are written at once. Each case write is
// the single-case write (read, change, rules, conditional replace, mark, timer, index, event);
// issued side by side their marks, timers, index documents and events travel in shared group
// commits, and the replaces queue for the records file's one write connection instead of
// each waiting for the previous case's whole round trip.
const bulkWorkers = 32

// Bulk applies one change to many cases. Each case is written as a PATCH of it would be: its
// own version check (against the version the client sent for it), timeline entry, SLA clocks,
// case_updated rules and live event. A case that cannot take the change is refused and
// reported; the others are changed. The results are in the order of the request.
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
		rules = []models.Rule{}
	}
	policies, err := s.policiesByID(ctx)
	if err != nil {
		return nil, err
	}
	results := make([]BulkResult, len(req.Cases))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(bulkWorkers, len(req.Cases)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				results[i] = s.bulkOne(ctx, p, req, req.Cases[i], rules, policies)
			}
		}()
	}
	for i := range req.Cases {
		work <- i
	}
	close(work)
	wg.Wait()
	return results, nil
}

// bulkOne writes the bulk change to one case.
func (s *Cases) bulkOne(ctx context.Context, p *Principal, req models.BulkChange, ref models.BulkCaseRef,
	rules []models.Rule, policies map[string]models.SLAPolicy) BulkResult {
	now := s.now()
	c, err := s.write(ctx, ref.ID, writeSpec{expected: ref.Version, trigger: models.TriggerCaseUpdated,
		rules: rules, policies: policies,
		announce: s.publish(ctx, EventCaseUpdated, map[string]any{"by": p.User.ID, "bulk": true})},
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
		if de, ok := models.AsError(err); ok {
			r.Message = de.Message
			if r.Outcome == models.BulkConflict {
				r.Message = "the case was changed by someone else since it was read; reload it and try again"
			}
		}
	}
	return r
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
