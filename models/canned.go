package models

import (
	"strings"
	"time"
)

// CannedReply is a saved answer agents insert and adapt. Its body may use placeholders that
// are filled from the case: {{customer_name}}, {{reference}}, {{agent_name}}, {{subject}}.
type CannedReply struct {
	ID        string    `bson:"_id" json:"id"`
	Title     string    `bson:"title" json:"title"`
	Body      string    `bson:"body" json:"body"`
	Locale    string    `bson:"locale" json:"locale"`
	CreatedBy string    `bson:"created_by" json:"created_by"`
	CreatedAt time.Time `bson:"created_at" json:"created_at"`
	UpdatedAt time.Time `bson:"updated_at" json:"updated_at"`
}

// CannedReplyCreate is a new canned reply.
type CannedReplyCreate struct {
	Title  string `json:"title" validate:"required,max=120"`
	Body   string `json:"body" validate:"required,max=10000"`
	Locale string `json:"locale" validate:"omitempty,oneof=en fi"`
}

// CannedReplyPatch changes a canned reply.
type CannedReplyPatch struct {
	Title  *string `json:"title" validate:"omitempty,min=1,max=120"`
	Body   *string `json:"body" validate:"omitempty,min=1,max=10000"`
	Locale *string `json:"locale" validate:"omitempty,oneof=en fi"`
}

// Placeholders lists the names a canned reply may use.
var Placeholders = []string{"customer_name", "reference", "agent_name", "subject"}

// FillPlaceholders renders a canned reply for one case and agent. Unknown placeholders stay as
// written, so a typo shows up in the draft instead of vanishing.
func FillPlaceholders(body string, c *Case, agentName string) string {
	first := strings.Fields(c.Customer.Name)
	name := c.Customer.Name
	if len(first) > 0 {
		name = first[0]
	}
	return strings.NewReplacer(
		"{{customer_name}}", name,
		"{{reference}}", c.ID,
		"{{agent_name}}", agentName,
		"{{subject}}", c.Subject,
	).Replace(body)
}

// MergeRequest merges the case in the path into another one.
type MergeRequest struct {
	Into    string `json:"into" validate:"required,max=40"`
	Version int64  `json:"version" validate:"required,min=1"`
}
