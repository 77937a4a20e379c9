package helpdesk

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// Linking a review to the same customer's other case: the review case suggests cases of the
// same e-mail (when the source gave one) and of the reviewer's name, and an agent links one;
// both cases then show each other, and both timelines say so.

// LinkSuggestion is a case that may be the reviewer's, and why.
type LinkSuggestion struct {
	Doc   search.CaseDoc
	Match string // "email" or "name"
}

const maxLinkSuggestions = 10

// LinkSuggestions lists the cases a review case may belong with.
func (r *Reviews) LinkSuggestions(ctx context.Context, p *Principal, caseID string) ([]LinkSuggestion, error) {
	c, err := r.cases.Get(ctx, p, caseID)
	if err != nil {
		return nil, err
	}
	if c.Review == nil {
		return nil, models.Unprocessable("not_a_review", "only a review case suggests cases to link")
	}
	out := []LinkSuggestion{}
	seen := map[string]bool{c.ID: true}
	for _, id := range c.LinkedCases {
		seen[id] = true
	}
	add := func(q search.Query, match string) error {
		res, err := r.cases.index.Search(ctx, q)
		if err != nil {
			return models.Unavailable("search is not available right now", err)
		}
		for _, h := range res.Hits {
			if !seen[h.Doc.ID] && h.Doc.Channel != string(models.ChannelReview) && len(out) < maxLinkSuggestions {
				seen[h.Doc.ID] = true
				out = append(out, LinkSuggestion{Doc: h.Doc, Match: match})
			}
		}
		return nil
	}
	sort := []search.Sort{{Field: search.FieldCreatedAt, Desc: true}}
	if c.Customer.Email != "" {
		if err := add(search.Query{Filters: []search.Filter{{Field: search.FieldCustomerEmail, Values: []string{c.Customer.Email}}}, Sort: sort, Limit: 20}, "email"); err != nil {
			return nil, err
		}
	}
	name := strings.Join(strings.Fields(c.Customer.Name), " ")
	if name != "" && !strings.EqualFold(name, "Anonymous") {
		res, err := r.cases.index.Search(ctx, search.Query{Text: name, Limit: 50})
		if err != nil {
			return nil, models.Unavailable("search is not available right now", err)
		}
		for _, h := range res.Hits {
			// The words matched somewhere; suggest only the cases whose customer has this name.
			if strings.EqualFold(strings.Join(strings.Fields(h.Doc.CustomerName), " "), name) && !seen[h.Doc.ID] &&
				h.Doc.Channel != string(models.ChannelReview) && len(out) < maxLinkSuggestions {
				seen[h.Doc.ID] = true
				out = append(out, LinkSuggestion{Doc: h.Doc, Match: "name"})
			}
		}
	}
	return out, nil
}

// Link links a review case to another case of the same customer and returns the review case.
func (r *Reviews) Link(ctx context.Context, p *Principal, caseID, otherID string) (*models.Case, error) {
	c, err := r.cases.Get(ctx, p, caseID)
	if err != nil {
		return nil, err
	}
	if c.Review == nil {
		return nil, models.Unprocessable("not_a_review", "link from the review's case")
	}
	if otherID == c.ID {
		return nil, models.InvalidField("case_id", "is this case itself")
	}
	other, err := r.store.GetCase(ctx, otherID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, models.InvalidField("case_id", "no such case")
		}
		return nil, err
	}
	if c.Customer.Email != "" && other.Customer.Email != "" && !strings.EqualFold(c.Customer.Email, other.Customer.Email) {
		return nil, models.Unprocessable("different_customers", "the cases have different customer e-mails")
	}
	now := r.now()
	actor := p.Actor()
	link := func(id, to string) (*models.Case, error) {
		return r.cases.write(ctx, id, writeSpec{announce: r.cases.publish(EventCaseUpdated, nil)}, func(c *models.Case) error {
			if slices.Contains(c.LinkedCases, to) {
				return nil
			}
			c.LinkedCases = append(c.LinkedCases, to)
			c.Timeline = append(c.Timeline, models.TimelineEvent{At: now, ActorID: actor.ID, Actor: actor.Name, Type: "linked",
				Data: map[string]string{"case": to}})
			c.UpdatedAt = now
			return nil
		})
	}
	// The other case first: a retry after a failure in between finishes the pair.
	if _, err := link(other.ID, c.ID); err != nil {
		return nil, err
	}
	return link(c.ID, other.ID)
}
