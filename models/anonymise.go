package models

import (
	"strings"
	"time"
)

// AnonymisedSubject replaces the subject of an anonymised case, so lists still show a row.
const AnonymisedSubject = "[anonymised]"

// Anonymise removes everything that tells who the customer is or what they wrote, in place:
// their name, e-mail address and phone, the subject, description, order reference, the
// conversation, the files (the caller deletes the documents AttachmentIDs names first), the
// follow-up comment, promise and remedy texts, the review's author and text, the tracking
// hash and the free text in the timeline. What reports count stays: status, priority,
// channel, category, touchpoint, expected outcome, tags, times, SLA clocks, the rating, the
// amounts granted and the timeline's entry types.
func (c *Case) Anonymise(now time.Time) {
	customerName := strings.TrimSpace(c.Customer.Name)
	c.Subject = AnonymisedSubject
	c.Description = ""
	c.Customer = Customer{}
	c.OrderRef = ""
	c.Messages = []Message{}
	c.Attachments = []AttachmentRef{}
	c.TrackingHash = ""
	if c.FollowUp != nil {
		f := *c.FollowUp
		f.Comment = ""
		c.FollowUp = &f
	}
	for i := range c.Promises {
		c.Promises[i].Text = ""
	}
	for i := range c.Grants {
		c.Grants[i].Message = ""
	}
	if c.Review != nil {
		r := *c.Review
		r.Author, r.Title, r.Text, r.URL, r.ExternalID = "", "", "", "", ""
		c.Review = &r
	}
	for i := range c.Timeline {
		// Data and field changes can quote the customer (a changed subject, a merge's
		// source); the entry's type and time stay for the history and the reports.
		c.Timeline[i].Data = nil
		// The customer's own entries (a reply, a follow-up answer, their mail) name them as
		// the actor; staff entries carry an actor ID and keep their name.
		if e := &c.Timeline[i]; e.ActorID == "" && (e.Type == "customer_replied" ||
			customerName != "" && strings.EqualFold(strings.TrimSpace(e.Actor), customerName)) {
			e.Actor = ""
		}
		kept := c.Timeline[i].Changes[:0]
		for _, ch := range c.Timeline[i].Changes {
			if countedField(ch.Field) {
				kept = append(kept, ch)
			}
		}
		c.Timeline[i].Changes = kept
	}
	t := now.UTC()
	c.AnonymisedAt = &t
}

// countedFields are the case fields whose changes the timeline keeps on an anonymised case:
// none of them is written by the customer.
func countedField(f string) bool {
	switch f {
	case "status", "priority", "category", "touchpoint", "expected_outcome", "tags", "assignee_id", "team_id", "escalation_level":
		return true
	}
	return false
}

// AttachmentIDs are the ids of the file documents the case points at.
func (c *Case) AttachmentIDs() []string {
	out := make([]string, 0, len(c.Attachments))
	for _, a := range c.Attachments {
		out = append(out, a.ID)
	}
	return out
}

// ErasureRequest names the customer whose data is erased, twice: the second is the admin's
// confirmation.
type ErasureRequest struct {
	Email        string `json:"email" validate:"required,email,max=254"`
	ConfirmEmail string `json:"confirm_email" validate:"required,max=254"`
}

// RetentionSettings is how many months closed cases are kept before they are anonymised
// (0: forever).
type RetentionSettings struct {
	Months int `json:"months" validate:"min=0,max=120"`
}
