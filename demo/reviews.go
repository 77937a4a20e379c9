package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reviews"
)

type reviewSource struct{ id, secret string }

// deliveryEvery is how often the review source delivers what is new: the reviews posted and
// the replies published since its last delivery, in one signed batch.
const deliveryEvery = 6 * time.Hour

// delivery is one batch the source will send.
type delivery struct {
	items []reviewItem
	cases []*reviewCase // the new reviews' lives, in item order (nil for replies published)
}

// reviewItem is the source's JSON for one review (the generic shape reviews.Parse reads).
type reviewItem struct {
	ExternalID string  `json:"external_id"`
	Rating     float64 `json:"rating"`
	Author     string  `json:"author"`
	Title      string  `json:"title,omitempty"`
	Text       string  `json:"text"`
	URL        string  `json:"url,omitempty"`
	Language   string  `json:"language"`
	PostedAt   string  `json:"posted_at"`
	Replied    bool    `json:"replied"`
	Positive   string  `json:"positive,omitempty"`
	Negative   string  `json:"negative,omitempty"`
}

// reviewCase is one review's life.
type reviewCase struct {
	item       reviewItem
	id         string
	touchpoint string
	rating     int // normalised 1-5
	agent      *helpdesk.Principal
}

// reviewTouchpoint is the station a review talks about most plainly.
func reviewTouchpoint(rv Review) string {
	text := " " + strings.ToLower(rv.Negative) + " "
	for _, w := range []struct{ tp, words string }{
		{"app", "wifi|wi fi|internet|app "},
		{"web_shop", "booking|website|reservation|booked|charged|price|expensive|overpriced"},
		{"phone", "phone|called|call "},
		{"email", "email|e mail"},
		{"delivery", "room service|luggage|parking|taxi"},
	} {
		for _, word := range strings.Split(w.words, "|") {
			if strings.Contains(text, word) {
				return w.tp
			}
		}
	}
	return "store"
}

// planReviews posts each review at its time; the source delivers it with the next batch.
func (r *runner) planReviews(data []Review) {
	span := r.end.Sub(r.start)
	for i, rv := range data {
		posted := r.start.Add(time.Duration(float64(span) * (float64(i) + r.rnd.Float64()) / float64(len(data))))
		author := strings.TrimSpace(rv.Nationality)
		if author == "" {
			author = "Guest"
		}
		rc := &reviewCase{item: reviewItem{ExternalID: "booking-" + rv.Row, Rating: rv.Score, Author: "Guest from " + author,
			Title: rv.Hotel, Positive: rv.Positive, Negative: rv.Negative, Language: "en", PostedAt: posted.Format(time.RFC3339)},
			touchpoint: reviewTouchpoint(rv), rating: models.NormalizeRating(rv.Score, 10)}
		r.deliver(posted, rc.item, rc)
	}
}

// deliver puts an item into the source's next batch after t.
func (r *runner) deliver(t time.Time, item reviewItem, rc *reviewCase) {
	at := t.Truncate(deliveryEvery).Add(deliveryEvery)
	key := at.Unix()
	r.mu.Lock()
	d, ok := r.pending[key]
	if !ok {
		d = &delivery{}
		r.pending[key] = d
	}
	d.items = append(d.items, item)
	d.cases = append(d.cases, rc)
	r.mu.Unlock()
	if !ok {
		r.at(at, "delivery", func(ctx context.Context, w *worker) error { return r.send(ctx, w, key, d) })
	}
}

// send delivers a batch, signed as the source signs it, and plans the new reviews' handling.
func (r *runner) send(ctx context.Context, w *worker, key int64, d *delivery) error {
	// Taken off the pending list first: an item for this time that comes later goes in a
	// batch of its own.
	r.mu.Lock()
	if r.pending[key] == d {
		delete(r.pending, key)
	}
	items, cases := d.items, d.cases
	r.mu.Unlock()
	body, err := json.Marshal(map[string]any{"reviews": items})
	if err != nil {
		return err
	}
	now := w.clock.Now()
	ts := now.Unix()
	results, err := w.hd.Reviews.Ingest(ctx, helpdesk.Delivery{SourceID: r.source.id, Timestamp: strconv.FormatInt(ts, 10),
		Signature: reviews.Sign(r.source.secret, ts, body), Body: body})
	if err != nil {
		return fmt.Errorf("review delivery: %w", err)
	}
	for i, res := range results {
		rc := cases[i]
		if rc == nil || res.Outcome != helpdesk.IngestCreated {
			continue
		}
		r.count(&r.sum.Reviews)
		rc.id = res.CaseID
		rc.agent = pick(w.rnd, r.agents[teamGuests])
		r.at(workingTime(now.Add(w.between(20*time.Minute, 8*time.Hour))), rc.item.ExternalID, func(ctx context.Context, w *worker) error { return r.triage(ctx, w, rc) })
	}
	return nil
}

// triage puts the review at its station; a poor one goes to an agent of Guest care.
func (r *runner) triage(ctx context.Context, w *worker, rc *reviewCase) error {
	c, err := w.hd.Cases.Get(ctx, rc.agent, rc.id)
	if err != nil {
		return err
	}
	category := "hotel_stay"
	patch := models.CasePatch{Version: c.Version, Touchpoint: &rc.touchpoint, Category: &category}
	if rc.rating <= 3 {
		team := r.teams[teamGuests].ID
		patch.AssigneeID, patch.TeamID = &rc.agent.User.ID, &team
	}
	if _, err := w.hd.Cases.Patch(ctx, rc.agent, rc.id, patch); err != nil {
		return fmt.Errorf("triage review %s: %w", rc.id, err)
	}
	now := w.clock.Now()
	st := stations[rc.touchpoint]
	switch {
	case rc.rating <= 3:
		r.at(workingTime(now.Add(w.between(st.firstReply[0], st.firstReply[1]))), rc.item.ExternalID, func(ctx context.Context, w *worker) error {
			return r.answerReview(ctx, w, rc, fmt.Sprintf(pick(w.rnd, poorReviewReplies), rc.agent.User.Name), models.StatusResolved)
		})
	case w.chance(0.6):
		r.at(workingTime(now.Add(w.between(time.Hour, 48*time.Hour))), rc.item.ExternalID, func(ctx context.Context, w *worker) error {
			return r.answerReview(ctx, w, rc, fmt.Sprintf(pick(w.rnd, goodReviewReplies), rc.agent.User.Name), models.StatusClosed)
		})
	default:
		r.closeLater(workingTime(now.Add(w.between(time.Hour, 48*time.Hour))), rc)
	}
	return nil
}

// answerReview posts the public reply and settles the case; the source's next batch says
// the reply is published.
func (r *runner) answerReview(ctx context.Context, w *worker, rc *reviewCase, body string, status models.Status) error {
	if _, err := w.hd.Conversation.AddMessage(ctx, rc.agent, rc.id, models.MessageCreate{Kind: "reply", Body: body, Status: &status}, nil); err != nil {
		return fmt.Errorf("answer review %s: %w", rc.id, err)
	}
	r.count(&r.sum.Replies)
	if status == models.StatusResolved {
		r.count(&r.sum.Resolved)
	}
	published := rc.item
	published.Replied = true
	r.deliver(w.clock.Now(), published, nil)
	return nil
}

// closeLater puts a good review on its agent's pile for the end of that working day.
func (r *runner) closeLater(t time.Time, rc *reviewCase) {
	at := time.Date(t.Year(), t.Month(), t.Day(), 16, 30, 0, 0, time.UTC)
	if at.Before(t) {
		at = at.Add(24 * time.Hour)
	}
	key := at.Unix()
	r.mu.Lock()
	pile, ok := r.piles[key]
	if !ok {
		pile = map[string][]*reviewCase{}
		r.piles[key] = pile
	}
	pile[rc.agent.User.ID] = append(pile[rc.agent.User.ID], rc)
	r.mu.Unlock()
	if ok {
		return
	}
	r.at(at, "pile", func(ctx context.Context, w *worker) error {
		r.mu.Lock()
		if r.piles[key] == nil {
			r.mu.Unlock()
			return nil
		}
		delete(r.piles, key)
		r.mu.Unlock()
		for _, agent := range slices.Sorted(maps.Keys(pile)) {
			if err := r.closeReviews(ctx, w, pile[agent]...); err != nil {
				return err
			}
		}
		return nil
	})
}

// closeReviews closes good reviews that need no answer, the way an agent clears them from the
// inbox: several at once, as one bulk change.
func (r *runner) closeReviews(ctx context.Context, w *worker, rcs ...*reviewCase) error {
	refs := make([]models.BulkCaseRef, 0, len(rcs))
	for _, rc := range rcs {
		c, err := w.hd.Cases.Get(ctx, rc.agent, rc.id)
		if err != nil {
			return err
		}
		refs = append(refs, models.BulkCaseRef{ID: c.ID, Version: c.Version})
	}
	closed := models.StatusClosed
	results, err := w.hd.Cases.Bulk(ctx, rcs[0].agent, models.BulkChange{Cases: refs, Status: &closed})
	if err != nil {
		return fmt.Errorf("close reviews: %w", err)
	}
	for _, res := range results {
		if res.Outcome != models.BulkOK {
			return fmt.Errorf("close review %s: %s", res.ID, res.Message)
		}
	}
	return nil
}

var poorReviewReplies = []string{
	"Dear guest, thank you for taking the time to write. We are sorry your stay fell short; we have shared your comments with the hotel team and are following up on the points you raised. %s, Guest care",
	"Thank you for your honest review. We apologise for the problems during your stay and have already taken them up with the team on site. We hope to welcome you back and do better. %s, Guest care",
}

var goodReviewReplies = []string{
	"Thank you for the kind words! We are glad you enjoyed your stay and hope to see you again. %s, Guest care",
	"Many thanks for your review, it made the team's day. Welcome back any time! %s, Guest care",
}
