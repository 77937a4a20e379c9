package privacy

import (
	"context"
	"log/slog"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// Retention: an admin sets how many months closed cases are kept (0: forever). A sweep, run
// by one replica at a time under a lease in the database, anonymises each closed case whose
// last change is older than that, the way an erasure does (anonymise). It walks the closed
// cases by last change from a watermark kept with the lease, so a run reads only the cases
// that came past the limit since the last one: a case reopened and closed again has a newer
// last change and is reached again later.

// MaxRetentionMonths bounds the setting (ten years).
const MaxRetentionMonths = 120

// retentionLease is how long a sweep holds the lease; a crashed replica's lease runs out.
const retentionLease = 10 * time.Minute

// RetentionMonths returns the retention period (admins only).
func (s *Service) RetentionMonths(ctx context.Context, viewer *models.User) (int, error) {
	if err := requireAdminTo(viewer, "read the retention period"); err != nil {
		return 0, err
	}
	return s.store.RetentionMonths(ctx)
}

// SetRetentionMonths sets the retention period (admins only) and returns the one before.
func (s *Service) SetRetentionMonths(ctx context.Context, viewer *models.User, months int) (int, error) {
	if err := requireAdminTo(viewer, "set the retention period"); err != nil {
		return 0, err
	}
	if months < 0 || months > MaxRetentionMonths {
		return 0, models.InvalidField("months", "give 0 (keep forever) to 120 months")
	}
	before, err := s.store.RetentionMonths(ctx)
	if err != nil {
		return 0, err
	}
	return before, s.store.SaveRetentionMonths(ctx, months)
}

// SweepRetention anonymises the closed cases past the retention period, if this owner gets
// the lease. It returns how many it anonymised.
func (s *Service) SweepRetention(ctx context.Context, owner string) (int, error) {
	months, err := s.store.RetentionMonths(ctx)
	if err != nil || months <= 0 {
		return 0, err
	}
	now := s.now()
	state, ok, err := s.store.ClaimRetentionSweep(ctx, owner, now, retentionLease)
	if err != nil || !ok {
		return 0, err
	}
	cutoff := now.AddDate(0, -months, 0)
	past := func(c *models.Case) bool { return c.Status == models.StatusClosed && c.UpdatedAt.Before(cutoff) }
	n, cursor := 0, ""
	for ctx.Err() == nil {
		res, err := s.index.Search(ctx, search.Query{
			Filters: []search.Filter{{Field: search.FieldStatus, Values: []string{string(models.StatusClosed)}}},
			Ranges:  []search.TimeRange{{Field: search.FieldUpdatedAt, From: state.Watermark, To: cutoff}},
			Sort:    []search.Sort{{Field: search.FieldUpdatedAt}},
			Limit:   200, Cursor: cursor,
		})
		if err != nil {
			return n, err
		}
		var ids []string
		for _, h := range res.Hits {
			done, err := s.anonymise(ctx, h.Doc.ID, past)
			if err != nil {
				return n, err
			}
			if done {
				n++
				ids = append(ids, h.Doc.ID)
			}
		}
		if err := s.store.ForgetMail(ctx, "", ids); err != nil {
			return n, err
		}
		if res.NextCursor == "" || len(res.Hits) == 0 {
			return n, s.store.FinishRetentionSweep(ctx, owner, cutoff)
		}
		cursor = res.NextCursor
	}
	return n, ctx.Err()
}

// RunRetention sweeps every interval until ctx ends. owner names this replica.
func (s *Service) RunRetention(ctx context.Context, owner string, interval time.Duration, logger *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.SweepRetention(ctx, owner); err != nil && ctx.Err() == nil {
			logger.Warn("retention sweep", "err", err)
		} else if n > 0 {
			logger.Info("retention sweep: cases anonymised", "cases", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
