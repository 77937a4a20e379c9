package models

import (
	"strings"
	"time"
)

// WebhookEndpoint is an outbound webhook target that escalation rules can call (the rule
// action's endpoint_id is its ID). Secret signs every delivery (HMAC-SHA256); the API shows
// it in full only in the answer to the create request and masked everywhere else.
type WebhookEndpoint struct {
	ID        string    `bson:"_id" json:"id"`
	Name      string    `bson:"name" json:"name"`
	URL       string    `bson:"url" json:"url"`
	Secret    string    `bson:"secret" json:"secret"`
	Enabled   bool      `bson:"enabled" json:"enabled"`
	CreatedAt time.Time `bson:"created_at" json:"created_at"`
	UpdatedAt time.Time `bson:"updated_at" json:"updated_at"`
	Version   int64     `bson:"version" json:"version"`
}

// Masked returns a copy whose secret shows only its prefix and last four characters.
func (w WebhookEndpoint) Masked() WebhookEndpoint {
	w.Secret = MaskSecret(w.Secret)
	return w
}

// MaskSecret hides all of a secret but its "whsec_" prefix and last four characters.
func MaskSecret(s string) string {
	if len(s) <= 10 {
		return strings.Repeat("•", 8)
	}
	prefix := ""
	if strings.HasPrefix(s, "whsec_") {
		prefix = "whsec_"
	}
	return prefix + strings.Repeat("•", 8) + s[len(s)-4:]
}

// WebhookCreate is a new webhook endpoint. The URL is checked further when saved (http or
// https, no user name or password, not resolving to a private address unless its host is
// allowed).
type WebhookCreate struct {
	Name    string `json:"name" validate:"required,max=120"`
	URL     string `json:"url" validate:"required,max=2000"`
	Enabled *bool  `json:"enabled"`
}

// WebhookPatch changes a webhook endpoint; fields left out are unchanged. Version is the
// version the client last saw.
type WebhookPatch struct {
	Version int64   `json:"version" validate:"required,min=1"`
	Name    *string `json:"name" validate:"omitempty,min=1,max=120"`
	URL     *string `json:"url" validate:"omitempty,min=1,max=2000"`
	Enabled *bool   `json:"enabled"`
}

// WebhookSecretRotate asks for a fresh signing secret; Version is the version the client last
// saw.
type WebhookSecretRotate struct {
	Version int64 `json:"version" validate:"required,min=1"`
}
