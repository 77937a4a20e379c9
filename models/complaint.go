package models

import (
	"strings"
	"time"
	"unicode"
)

// ExpectedOutcomes are what a customer may ask for.
var ExpectedOutcomes = []string{"refund", "replacement", "repair", "apology", "explanation", "other"}

// Touchpoints are where a complaint can have happened (the admin-kept list of categories is
// separate; touchpoints are the journey's fixed stations).
var Touchpoints = []string{"web_shop", "store", "phone", "delivery", "app", "email", "social_media", "other"}

// ComplaintCreate is the public complaint form. Website is a honeypot: people never see the
// field, bots fill it in.
type ComplaintCreate struct {
	Name       string `json:"name" validate:"required,max=120"`
	Email      string `json:"email" validate:"required,email,max=254"`
	Phone      string `json:"phone" validate:"max=40"`
	Category   string `json:"category" validate:"required,max=80"`
	Touchpoint string `json:"touchpoint" validate:"required,oneof=web_shop store phone delivery app email social_media other"`
	OrderRef   string `json:"order_ref" validate:"max=80"`
	// Topic is the optional short "What is it about?"; it becomes the subject as written.
	Topic           string `json:"subject" validate:"max=120"`
	Description     string `json:"description" validate:"required,min=10,max=20000"`
	ExpectedOutcome string `json:"expected_outcome" validate:"required,oneof=refund replacement repair apology explanation other"`
	Locale          string `json:"locale" validate:"omitempty,oneof=en fi"`
	Website         string `json:"website" validate:"max=200"`
}

// Subject is the customer's own "What is it about?", else the complaint's first line, cut
// at a word boundary when it is long.
func (c ComplaintCreate) Subject() string {
	if t := strings.Join(strings.Fields(c.Topic), " "); t != "" {
		return t
	}
	s := strings.TrimSpace(c.Description)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return cutAtWord(s, 80)
}

// cutAtWord shortens s to at most limit runes with an ellipsis, ending at the last word
// boundary that fits (a single word longer than the limit is cut where it must be).
func cutAtWord(s string, limit int) string {
	r := []rune(s)
	if len(r) <= limit {
		return s
	}
	head := r[:limit-1] // room for the ellipsis
	if i := strings.LastIndexFunc(string(head), unicode.IsSpace); i > 0 && !unicode.IsSpace(r[limit-1]) {
		head = []rune(string(head)[:i])
	}
	return strings.TrimRightFunc(strings.TrimSpace(string(head)), func(r rune) bool { return unicode.IsPunct(r) && r != ')' }) + "…"
}

// NewComplaintCase builds a case from the public form.
func NewComplaintCase(id string, req ComplaintCreate, trackingHash string, now time.Time) *Case {
	c := NewCase(id, CaseCreate{
		Subject: req.Subject(), Description: req.Description,
		Customer: CustomerCreate{Name: req.Name, Email: req.Email, Phone: req.Phone},
		Channel:  ChannelWebForm, Category: req.Category, Touchpoint: req.Touchpoint,
		ExpectedOutcome: req.ExpectedOutcome,
	}, Actor{Name: strings.TrimSpace(req.Name)}, now)
	c.OrderRef = strings.TrimSpace(req.OrderRef)
	c.TrackingHash = trackingHash
	c.Locale = req.Locale
	if c.Locale == "" {
		c.Locale = "en"
	}
	return c
}

// CustomerMessageCreate is a customer's reply on the tracking page.
type CustomerMessageCreate struct {
	Body string `json:"body" validate:"required,min=1,max=20000"`
}

// MessageCreate is an agent's reply (sent to the customer) or internal note.
type MessageCreate struct {
	Kind string `json:"kind" validate:"required,oneof=reply note"`
	Body string `json:"body" validate:"required,min=1,max=20000"`
	// Status optionally moves the case with the reply (e.g. reply and wait on the customer).
	Status *Status `json:"status" validate:"omitempty,oneof=open waiting resolved"`
	// Version, when given, refuses the reply if the case changed since the agent looked.
	Version int64 `json:"version" validate:"min=0"`
}

// FollowUpCreate is the customer's answer to "did our fix hold?".
type FollowUpCreate struct {
	Resolved *bool  `json:"resolved" validate:"required"`
	Rating   int    `json:"rating" validate:"required,min=1,max=5"`
	Comment  string `json:"comment" validate:"max=2000"`
}

// FollowUp is the recorded answer.
type FollowUp struct {
	Resolved bool      `bson:"resolved" json:"resolved"`
	Rating   int       `bson:"rating" json:"rating"`
	Comment  string    `bson:"comment" json:"comment"`
	At       time.Time `bson:"at" json:"at"`
	// RecordedBy is the agent who recorded the answer for the customer (a phone call); empty
	// when the customer answered themselves.
	RecordedBy string `bson:"recorded_by,omitempty" json:"-"`
}

// AttachmentRef is what a case remembers of an uploaded file; the bytes are a document of
// their own, read by ID.
type AttachmentRef struct {
	ID          string    `bson:"id" json:"id"`
	MessageID   string    `bson:"message_id" json:"message_id"`
	Name        string    `bson:"name" json:"name"`
	ContentType string    `bson:"content_type" json:"content_type"`
	Size        int64     `bson:"size" json:"size"`
	Public      bool      `bson:"public" json:"public"` // visible to the customer
	CreatedAt   time.Time `bson:"created_at" json:"created_at"`
}

// StatusWords says a status in plain words for the customer.
func StatusWords(s Status) string {
	switch s {
	case StatusNew:
		return "received"
	case StatusOpen:
		return "being handled"
	case StatusWaiting:
		return "waiting for your reply"
	case StatusResolved:
		return "resolved"
	case StatusClosed:
		return "closed"
	}
	return string(s)
}

// PublicCase is what the holder of a tracking link sees: never internal notes, assignees,
// tags or the timeline's internal events.
type PublicCase struct {
	Reference       string          `json:"reference"`
	Subject         string          `json:"subject"`
	Status          Status          `json:"status"`
	StatusText      string          `json:"status_text"`
	Category        string          `json:"category"`
	Touchpoint      string          `json:"touchpoint"`
	ExpectedOutcome string          `json:"expected_outcome"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	Messages        []PublicMessage `json:"messages"`
	Attachments     []AttachmentRef `json:"attachments"`
	FollowUp        *FollowUp       `json:"follow_up"`
	CanFollowUp     bool            `json:"can_follow_up"`
	// Locale is the case's language: the tracking page speaks it, as the mails do.
	Locale string `json:"locale"`
	// Remedies are the decisions on remedies, as the customer is told them.
	Remedies []RemedyOutcome `json:"remedies"`
}

// PublicMessage is one message as the customer sees it.
type PublicMessage struct {
	ID        string    `json:"id"`
	From      string    `json:"from"` // "you" or "support"
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// Public renders the customer's view of a case.
func (c *Case) Public() PublicCase {
	p := PublicCase{
		Reference: c.ID, Subject: c.Subject, Status: c.Status, StatusText: StatusWords(c.Status),
		Category: c.Category, Touchpoint: c.Touchpoint, ExpectedOutcome: c.ExpectedOutcome,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Messages: []PublicMessage{},
		Attachments: []AttachmentRef{}, FollowUp: c.FollowUp,
		CanFollowUp: c.FollowUpAnswerable(),
		Locale:      c.Locale,
		Remedies:    c.RemedyOutcomes(),
	}
	if p.Locale == "" {
		p.Locale = "en" // a case staff opened: its mails go out in English
	}
	p.Messages = append(p.Messages, PublicMessage{ID: "original", From: "you", Author: c.Customer.Name, Body: c.Description, CreatedAt: c.CreatedAt})
	for _, m := range c.Messages {
		switch m.Kind {
		case MessageCustomer:
			p.Messages = append(p.Messages, PublicMessage{ID: m.ID, From: "you", Author: m.Author, Body: m.Body, CreatedAt: m.CreatedAt})
		case MessageReply:
			p.Messages = append(p.Messages, PublicMessage{ID: m.ID, From: "support", Author: m.Author, Body: m.Body, CreatedAt: m.CreatedAt})
		}
	}
	for _, a := range c.Attachments {
		if a.Public {
			p.Attachments = append(p.Attachments, a)
		}
	}
	return p
}

// AddCustomerMessage records a customer's reply; it reopens a waiting or resolved case.
func (c *Case) AddCustomerMessage(id, body string, now time.Time) {
	c.Messages = append(c.Messages, Message{ID: id, Kind: MessageCustomer, Author: c.Customer.Name, Body: body, CreatedAt: now})
	c.Timeline = append(c.Timeline, TimelineEvent{At: now, Actor: c.Customer.Name, Type: "customer_replied"})
	if c.Status == StatusWaiting || c.Status == StatusResolved || c.Status == StatusClosed {
		c.Timeline = append(c.Timeline, TimelineEvent{At: now, Actor: c.Customer.Name, Type: "changed",
			Data: map[string]string{"field": "status", "from": string(c.Status), "to": string(StatusOpen), "reason": "customer replied"}})
		c.Status = StatusOpen
		c.ResolvedAt = nil
	}
	c.UpdatedAt = now
}

// AddStaffMessage records an agent's reply or internal note. The first reply stamps the
// first-response time.
func (c *Case) AddStaffMessage(id string, kind MessageKind, body string, by Actor, now time.Time) {
	c.Messages = append(c.Messages, Message{ID: id, Kind: kind, AuthorID: by.ID, Author: by.Name, Body: body, CreatedAt: now})
	typ := "replied"
	if kind == MessageNote {
		typ = "noted"
	}
	c.Timeline = append(c.Timeline, TimelineEvent{At: now, ActorID: by.ID, Actor: by.Name, Type: typ})
	if kind == MessageReply {
		if c.FirstResponseAt == nil {
			t := now
			c.FirstResponseAt = &t
			c.Timeline = append(c.Timeline, TimelineEvent{At: now, ActorID: by.ID, Actor: by.Name, Type: "first_response"})
		}
		if c.Status == StatusNew {
			c.Timeline = append(c.Timeline, TimelineEvent{At: now, ActorID: by.ID, Actor: by.Name, Type: "changed",
				Data: map[string]string{"field": "status", "from": string(c.Status), "to": string(StatusOpen)}})
			c.Status = StatusOpen
		}
	}
	c.UpdatedAt = now
}

// Category is one entry of the admin-kept list of what a complaint can concern.
type Category struct {
	ID     string `bson:"id" json:"id" validate:"omitempty,max=40"`
	NameEN string `bson:"name_en" json:"name_en" validate:"required,max=80"`
	NameFI string `bson:"name_fi" json:"name_fi" validate:"required,max=80"`
	Active bool   `bson:"active" json:"active"`
}

// CategoriesUpdate replaces the category list.
type CategoriesUpdate struct {
	Categories []Category `json:"categories" validate:"required,min=1,max=100,dive"`
}

// DefaultCategories seed a fresh installation; admins edit them.
var DefaultCategories = []Category{
	{ID: "product", NameEN: "A product", NameFI: "Tuote", Active: true},
	{ID: "delivery", NameEN: "Delivery", NameFI: "Toimitus", Active: true},
	{ID: "service", NameEN: "Customer service", NameFI: "Asiakaspalvelu", Active: true},
	{ID: "billing", NameEN: "Billing or payment", NameFI: "Laskutus tai maksu", Active: true},
	{ID: "returns", NameEN: "Returns and refunds", NameFI: "Palautukset ja hyvitykset", Active: true},
	{ID: "other", NameEN: "Something else", NameFI: "Jokin muu", Active: true},
}
