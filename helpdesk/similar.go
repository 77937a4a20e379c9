package helpdesk

import (
	"context"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// SimilarLimit is how many similar cases a case page shows.
const SimilarLimit = 10

// SimilarCases returns the cases (complaints and reviews) whose text is most like the case's
// own, best first, the case itself left out: "has this happened before?" on every case page.
func (s *Cases) SimilarCases(ctx context.Context, p *Principal, caseID string) ([]search.Hit, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	c, err := s.Get(ctx, p, caseID) // not found, or not for this principal, as on the case page
	if err != nil {
		return nil, err
	}
	res, err := s.index.Similar(ctx, c.ID, search.Query{Limit: SimilarLimit})
	if err != nil {
		return nil, models.Unavailable("search is not available right now", err)
	}
	return res.Hits, nil
}
