package models

// TrackingSessionCreate exchanges a tracking token (from the receipt or a mail link) for a
// cookie scoped to its case.
type TrackingSessionCreate struct {
	Token string `json:"token" validate:"required,max=200"`
}
