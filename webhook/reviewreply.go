package webhook

import (
	"context"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// EventReviewReply is a delivery carrying a public reply to a review, published or withdrawn,
// for a connector of the business's own to post on the review platform.
const EventReviewReply = "review.reply"

// ReviewReplyPayload is the JSON body of a review reply delivery.
type ReviewReplyPayload struct {
	Event  string             `json:"event"`
	Action string             `json:"action"` // "published" (new or edited) or "withdrawn"
	Review PayloadReview      `json:"review"`
	Reply  PayloadReviewReply `json:"reply"`
	Case   PayloadCase        `json:"case"`
	At     time.Time          `json:"at"`
}

// PayloadReview names the review answered.
type PayloadReview struct {
	SourceID   string `json:"source_id"`
	SourceKind string `json:"source_kind"`
	ExternalID string `json:"external_id"`
	URL        string `json:"url,omitempty"`
}

// PayloadReviewReply is the reply's text ("" when withdrawn).
type PayloadReviewReply struct {
	Text string `json:"text"`
}

func (p ReviewReplyPayload) event() string { return p.Event }

// EnqueueReviewReply queues a signed delivery of c's public reply to endpointID. An unknown
// endpoint gives ErrUnknownEndpoint, a disabled one ErrDisabledEndpoint.
func (s *Service) EnqueueReviewReply(ctx context.Context, endpointID, action string, c *models.Case) error {
	w, err := s.enabledEndpoint(ctx, endpointID)
	if err != nil {
		return err
	}
	now := s.opts.Clock().UTC()
	rv := c.Review
	p := ReviewReplyPayload{Event: EventReviewReply, Action: action,
		Review: PayloadReview{SourceID: rv.SourceID, SourceKind: string(rv.SourceKind), ExternalID: rv.ExternalID, URL: rv.URL},
		Case: PayloadCase{ID: c.ID, Subject: c.Subject, Status: string(c.Status), Priority: string(c.Priority),
			EscalationLevel: c.EscalationLevel, CustomerEmail: c.Customer.Email,
			URL: strings.TrimRight(s.opts.BaseURL, "/") + "/cases/" + c.ID},
		At: now}
	if action != "withdrawn" && rv.Reply != nil {
		p.Reply.Text = rv.Reply.PublishedText
	}
	_, err = s.enqueue(ctx, w, p, models.WebhookDelivery{CaseID: c.ID}, now)
	return err
}
