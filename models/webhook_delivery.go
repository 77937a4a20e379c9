package models

import (
	"time"
)

// Webhook delivery statuses.
const (
	WebhookPending   = "pending"   // waiting for its first attempt or a retry
	WebhookDelivered = "delivered" // the endpoint answered 2xx
	WebhookFailed    = "failed"    // given up after the last attempt, or the endpoint is gone
)

// WebhookDelivery is what admins see of one delivery.
type WebhookDelivery struct {
	ID           string     `json:"id"`
	EndpointID   string     `json:"endpoint_id"`
	Event        string     `json:"event"`
	RuleName     string     `json:"rule_name,omitempty"`
	CaseID       string     `json:"case_id,omitempty"`
	Status       string     `json:"status"`
	Attempts     int        `json:"attempts"`
	ResponseCode int        `json:"response_code,omitempty"`
	ResponseBody string     `json:"response_body,omitempty"`
	Error        string     `json:"error,omitempty"`
	DurationMS   int64      `json:"duration_ms"`
	CreatedAt    time.Time  `json:"created_at"`
	LastAttempt  *time.Time `json:"last_attempt_at,omitempty"`
	NextAttempt  *time.Time `json:"next_attempt_at,omitempty"`
	DoneAt       *time.Time `json:"done_at,omitempty"`
}

// Final reports whether the delivery is finished (delivered or failed).
func (d *WebhookDelivery) Final() bool {
	return d.Status == WebhookDelivered || d.Status == WebhookFailed
}
