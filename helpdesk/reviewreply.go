package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/webhook"
)

// Public replies to reviews. A reply is drafted on the review's case, counted against its
// source's length limit, approved by a manager when the source asks for that, then published:
// by hand (copied onto the platform, then marked), through a signed outbound webhook to the
// source's endpoint, or by the Google connector's reply call. Every step but saving a draft
// is on the case's timeline, and so are edits and withdrawals of a published reply.

// replyWebhooks queues the signed outbound deliveries of replies.
type replyWebhooks interface {
	EnqueueReviewReply(ctx context.Context, endpointID, action string, c *models.Case) error
}

// ReplyPublisher posts a reply on the platform itself (the Google Business Profile connector);
// text "" withdraws it.
type ReplyPublisher interface {
	PublishReply(ctx context.Context, src *models.ReviewSource, rv *models.Review, text string) error
}

// ReplyLength counts a reply as the limits do: in characters (code points).
func ReplyLength(s string) int { return utf8.RuneCountInString(s) }

// Reply takes one step of a review case's public reply and returns the case.
func (r *Reviews) Reply(ctx context.Context, p *Principal, caseID string, req models.ReviewReplyRequest) (*models.Case, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	if req.Action == "approve" || req.Action == "send_back" {
		if err := p.Require(models.RoleManager); err != nil {
			return nil, models.Forbidden("only a manager approves a public reply or sends it back")
		}
	}
	c, err := r.store.GetCase(ctx, caseID)
	if err != nil {
		return nil, notFoundAs(err, "case")
	}
	if c.Review == nil {
		return nil, models.Unprocessable("not_a_review", "the case is no review; answer it with a normal reply")
	}
	src := r.sourceOf(ctx, c.Review)
	text := strings.TrimSpace(req.Text)
	// Checks that need only the request and the case as read; the write re-checks the step.
	switch req.Action {
	case "save":
		if text == "" {
			return nil, models.InvalidField("text", "write the reply")
		}
		if n := ReplyLength(text); n > src.ReplyLimit {
			return nil, tooLong(n, src.ReplyLimit)
		}
	case "send_back":
		if strings.TrimSpace(req.Comment) == "" {
			return nil, models.InvalidField("comment", "say what to change")
		}
	case "publish":
		if req.Via == "" {
			req.Via = models.PublishManual
		}
	}
	// Publishing through the platform happens before the case records it, so a case never says
	// published what the platform refused.
	if req.Action == "publish" || req.Action == "withdraw" {
		if err := r.checkStep(c.Review, src, req.Action); err != nil {
			return nil, err
		}
		if err := r.pushOut(ctx, src, c, req); err != nil {
			return nil, err
		}
	}
	now := r.now()
	actor := p.Actor()
	return r.cases.write(ctx, caseID, writeSpec{expected: req.Version, announce: r.cases.publish(EventCaseUpdated, nil)}, func(c *models.Case) error {
		rv := c.Review
		if err := r.checkStep(rv, src, req.Action); err != nil {
			return err
		}
		if rv.Reply == nil {
			rv.Reply = &models.PublicReply{}
		}
		rp := rv.Reply
		event := models.TimelineEvent{At: now, ActorID: actor.ID, Actor: actor.Name}
		switch req.Action {
		case "save":
			if rp.Text == text && rp.Step != models.ReplyStepPublished && rp.Step != models.ReplyStepWithdrawn {
				return nil
			}
			rp.Text, rp.Step, rp.DraftedByID, rp.DraftedBy = text, models.ReplyStepDraft, actor.ID, actor.Name
			rp.DecidedBy, rp.DecisionComment = "", ""
		case "submit":
			rp.Step = models.ReplyStepPending
			event.Type = "review_reply_submitted"
		case "approve":
			rp.Step, rp.DecidedBy, rp.DecisionComment = models.ReplyStepApproved, actor.Name, strings.TrimSpace(req.Comment)
			event.Type = "review_reply_approved"
		case "send_back":
			rp.Step, rp.DecidedBy, rp.DecisionComment = models.ReplyStepReturned, actor.Name, strings.TrimSpace(req.Comment)
			event.Type, event.Data = "review_reply_returned", map[string]string{"comment": rp.DecisionComment}
		case "publish":
			event.Type, event.Data = "review_reply_published", map[string]string{"via": req.Via, "text": rp.Text}
			if rp.PublishedText != "" {
				event.Type, event.Data["from"] = "review_reply_edited", rp.PublishedText
			}
			t := now
			rp.Step, rp.PublishedText, rp.PublishedAt, rp.PublishedVia = models.ReplyStepPublished, rp.Text, &t, req.Via
			rv.ReplyState = models.ReplyPublished
		case "withdraw":
			event.Type, event.Data = "review_reply_withdrawn", map[string]string{"text": rp.PublishedText}
			rp.Step, rp.PublishedText, rp.PublishedAt = models.ReplyStepWithdrawn, "", nil
			rv.ReplyState = models.ReplyNone
		}
		rp.UpdatedAt = now
		if event.Type != "" {
			c.Timeline = append(c.Timeline, event)
		}
		c.UpdatedAt = now
		return nil
	})
}

// checkStep says whether action may be taken on the reply as it is.
func (r *Reviews) checkStep(rv *models.Review, src *models.ReviewSource, action string) error {
	step := models.ReplyStep("")
	text := ""
	if rv.Reply != nil {
		step, text = rv.Reply.Step, rv.Reply.Text
	}
	refuse := func(msg string) error { return models.Unprocessable("reply_step", msg) }
	switch action {
	case "save":
		if step == models.ReplyStepPending {
			return refuse("the reply waits for a manager's approval; it cannot be changed meanwhile")
		}
	case "submit":
		if !src.ReplyApproval {
			return refuse("replies on this source need no approval; publish it")
		}
		if step != models.ReplyStepDraft && step != models.ReplyStepReturned {
			return refuse("only a draft is submitted for approval")
		}
	case "approve", "send_back":
		if step != models.ReplyStepPending {
			return refuse("no reply waits for approval")
		}
	case "publish":
		ready := step == models.ReplyStepApproved || (!src.ReplyApproval && (step == models.ReplyStepDraft || step == models.ReplyStepReturned))
		if !ready {
			if src.ReplyApproval {
				return refuse("a manager approves the reply before it is published")
			}
			return refuse("write the reply first")
		}
		if n := ReplyLength(text); n > src.ReplyLimit {
			return tooLong(n, src.ReplyLimit)
		}
	case "withdraw":
		if rv.Reply == nil || rv.Reply.PublishedText == "" {
			return refuse("no reply is published")
		}
	}
	return nil
}

// pushOut publishes or withdraws through the webhook or the platform; by hand needs nothing.
func (r *Reviews) pushOut(ctx context.Context, src *models.ReviewSource, c *models.Case, req models.ReviewReplyRequest) error {
	via := req.Via
	if req.Action == "withdraw" && c.Review.Reply != nil {
		via = c.Review.Reply.PublishedVia
	}
	switch via {
	case models.PublishWebhook:
		if r.webhooks == nil || src.ReplyWebhookID == "" {
			return models.Unprocessable("no_reply_webhook", "the review source has no webhook for replies; choose one on the source, or publish by hand")
		}
		out := *c
		rv := *c.Review
		rp := *rv.Reply
		rp.PublishedText = rp.Text
		rv.Reply, out.Review = &rp, &rv
		action := "published"
		if req.Action == "withdraw" {
			action = "withdrawn"
		}
		err := r.webhooks.EnqueueReviewReply(ctx, src.ReplyWebhookID, action, &out)
		if errors.Is(err, webhook.ErrUnknownEndpoint) || errors.Is(err, webhook.ErrDisabledEndpoint) {
			return models.Unprocessable("no_reply_webhook", "the source's reply webhook is missing or disabled")
		}
		return err
	case models.PublishGoogle:
		pub := r.publishers[src.Kind]
		if pub == nil {
			return models.Unprocessable("no_connector", "this source has no connector that publishes replies")
		}
		text := ""
		if req.Action == "publish" {
			text = c.Review.Reply.Text
		}
		if err := pub.PublishReply(ctx, src, c.Review, text); err != nil {
			return models.Unavailable("the platform did not take the reply; try again", err)
		}
	}
	return nil
}

func tooLong(n, limit int) error {
	return &models.Error{Kind: models.KindUnprocessable, Code: "reply_too_long",
		Message: fmt.Sprintf("the reply is %d characters; this source takes at most %d", n, limit),
		Fields:  map[string]string{"text": fmt.Sprintf("at most %d characters (now %d)", limit, n)}}
}

// sourceOf is the review's source; a deleted one is stood in for by its kind's defaults.
func (r *Reviews) sourceOf(ctx context.Context, rv *models.Review) *models.ReviewSource {
	src, err := r.store.GetReviewSource(ctx, rv.SourceID)
	if err != nil {
		return &models.ReviewSource{ID: rv.SourceID, Kind: rv.SourceKind, Name: rv.SourceName, ScaleMax: rv.ScaleMax,
			ReplyLimit: rv.SourceKind.DefaultReplyLimit()}
	}
	return src
}
