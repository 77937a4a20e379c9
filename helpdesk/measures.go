package helpdesk

import (
	"math"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// Journey view (issue 16): the per-case measures the index keeps, so the journey view (and
// reports) count and bucket them with the index instead of reading cases.

// withMeasures fills the doc's measures from the case.
func withMeasures(doc *search.CaseDoc, c *models.Case) {
	if c.FirstResponseAt != nil {
		doc.FirstResponseMinutes = measuredMinutes(c.FirstResponseAt.Sub(c.CreatedAt))
	}
	if c.ResolvedAt != nil && (c.Status == models.StatusResolved || c.Status == models.StatusClosed) {
		doc.ResolutionMinutes = measuredMinutes(c.ResolvedAt.Sub(c.CreatedAt))
	}
	switch {
	case c.Review != nil:
		doc.Rating = c.Review.Rating
	case c.FollowUp != nil:
		doc.Rating = c.FollowUp.Rating
	}
	if wasReopened(c) {
		doc.Reopened = 1
	}
}

// measuredMinutes is a duration in whole minutes, rounded up and at least 1: 0 is kept for
// "not measured yet".
func measuredMinutes(d time.Duration) int {
	return max(1, int(math.Ceil(d.Minutes())))
}

// wasReopened reports whether the case ever went back to work after being resolved or closed
// (a customer's reply, a failed follow-up, an agent reopening it).
func wasReopened(c *models.Case) bool {
	done := func(s string) bool { return s == string(models.StatusResolved) || s == string(models.StatusClosed) }
	for _, ev := range c.Timeline {
		if ev.Type == "changed" && ev.Data["field"] == "status" && done(ev.Data["from"]) && !done(ev.Data["to"]) {
			return true
		}
	}
	return false
}
