package helpdesk

import (
	"context"
	"errors"
	"sort"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// Merge folds a duplicate case into another: the duplicate's messages and files move to the
// target (each marked with where it came from), both timelines say what happened, the
// duplicate is closed and its tracking links lead to the target, and the customer is told.
// Two single-document writes, no transaction: the target is written first, so a crash in
// between leaves the duplicate open with its content also in the target, and a retry (which
// skips messages already moved) finishes the job.
func (cv *Conversation) Merge(ctx context.Context, p *Principal, dupID string, req models.MergeRequest) (*models.Case, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	if dupID == req.Into {
		return nil, models.InvalidField("into", "a case cannot be merged into itself")
	}
	dup, err := cv.store.GetCase(ctx, dupID)
	if err != nil {
		return nil, notFoundAs(err, "case")
	}
	if dup.Version != req.Version {
		return nil, models.StaleVersion("case", dup.Version)
	}
	if dup.MergedInto != "" {
		return nil, models.Conflict("already_merged", "this case was merged into "+dup.MergedInto)
	}
	now := cv.now()
	by := p.Actor()
	target, err := cv.cases.update(ctx, req.Into, 0, func(t *models.Case) error {
		if t.MergedInto != "" {
			return models.InvalidField("into", "that case was itself merged into "+t.MergedInto)
		}
		if !sameCustomer(dup, t) {
			return otherCustomersCase()
		}
		have := map[string]bool{}
		for _, m := range t.Messages {
			have[m.ID] = true
		}
		moved := []models.Message{{ID: dup.ID + "-original", Kind: models.MessageCustomer, Author: dup.Customer.Name,
			Body: dup.Description, CreatedAt: dup.CreatedAt}}
		moved = append(moved, dup.Messages...)
		for _, m := range moved {
			if have[m.ID] {
				continue
			}
			m.MergedFrom = dup.ID
			t.Messages = append(t.Messages, m)
		}
		sort.SliceStable(t.Messages, func(i, j int) bool { return t.Messages[i].CreatedAt.Before(t.Messages[j].CreatedAt) })
		haveFile := map[string]bool{}
		for _, a := range t.Attachments {
			haveFile[a.ID] = true
		}
		for _, a := range dup.Attachments {
			if !haveFile[a.ID] {
				t.Attachments = append(t.Attachments, a)
			}
		}
		t.Tags = models.NormalizeTags(append(t.Tags, dup.Tags...))
		t.Timeline = append(t.Timeline, models.TimelineEvent{At: now, ActorID: by.ID, Actor: by.Name, Type: "merged_in",
			Data: map[string]string{"from": dup.ID}})
		t.UpdatedAt = now
		return nil
	})
	if err != nil {
		var de *models.Error
		if errors.As(err, &de) && de.Kind == models.KindNotFound {
			return nil, models.InvalidField("into", "no such case")
		}
		return nil, err
	}
	closed, err := cv.cases.update(ctx, dup.ID, req.Version, func(d *models.Case) error {
		d.MergedInto = target.ID
		d.Timeline = append(d.Timeline, models.TimelineEvent{At: now, ActorID: by.ID, Actor: by.Name, Type: "merged_into",
			Data: map[string]string{"into": target.ID}})
		if d.Status != models.StatusClosed {
			d.Timeline = append(d.Timeline, models.TimelineEvent{At: now, ActorID: by.ID, Actor: by.Name, Type: "changed",
				Data: map[string]string{"field": "status", "from": string(d.Status), "to": string(models.StatusClosed), "reason": "merged"}})
			d.Status = models.StatusClosed
		}
		d.UpdatedAt = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, url, err := cv.trackingLink(ctx, target.ID); err == nil {
		if err := cv.notify.Merged(ctx, closed, target, url); err != nil {
			cv.logger.Error("queue merge mail", "case", dup.ID, "err", err)
		}
	}
	cv.events.Publish(ctx, EventCaseUpdated, dup.ID, map[string]any{"by": p.User.ID})
	cv.events.Publish(ctx, EventCaseUpdated, target.ID, map[string]any{"by": p.User.ID})
	return target, nil
}

// sameCustomer says whether two cases are one customer's: the same e-mail address. A merge
// shows the kept case, with both conversations and files, to whoever holds either case's
// tracking link, so cases of different customers (or of customers without an address to tell
// them apart) are never merged.
func sameCustomer(a, b *models.Case) bool {
	ea, eb := models.NormalizeEmail(a.Customer.Email), models.NormalizeEmail(b.Customer.Email)
	return ea != "" && ea == eb
}

// otherCustomersCase refuses a merge across customers.
func otherCustomersCase() error {
	return &models.Error{Kind: models.KindUnprocessable, Code: "different_customers",
		Message: "only cases of the same customer can be merged: each customer would see the other's messages and files",
		Fields:  map[string]string{"into": "that case belongs to another customer"}}
}

// followMerge turns a tracked case that was merged into the case it lives on in; an
// anonymised case is not found.
func (in *Intake) followMerge(ctx context.Context, c *models.Case) (*models.Case, error) {
	for hops := 0; c.MergedInto != "" && hops < 5; hops++ {
		next, err := in.store.GetCase(ctx, c.MergedInto)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		c = next
	}
	if c.AnonymisedAt != nil {
		return nil, models.NotFound("case") // erased or past retention: the links open nothing
	}
	return c, nil
}
