package models

import (
	"math"
	"strconv"
	"time"
)

// ReviewSourceKind is where reviews come from; it decides the rating scale and the payload
// shapes the webhook accepts.
type ReviewSourceKind string

const (
	SourceGoogleBusiness ReviewSourceKind = "google_business"
	SourceTrustpilot     ReviewSourceKind = "trustpilot"
	SourceAppStore       ReviewSourceKind = "app_store"
	SourceGooglePlay     ReviewSourceKind = "google_play"
	SourceBooking        ReviewSourceKind = "booking"
	SourceGeneric        ReviewSourceKind = "generic"
)

// ReviewSourceKinds lists every kind, in the order the admin page offers them.
var ReviewSourceKinds = []string{string(SourceGoogleBusiness), string(SourceTrustpilot), string(SourceAppStore),
	string(SourceGooglePlay), string(SourceBooking), string(SourceGeneric)}

// ScaleMax is the top of the kind's own rating scale: Booking.com scores 1-10, the rest 1-5.
func (k ReviewSourceKind) ScaleMax() int {
	if k == SourceBooking {
		return 10
	}
	return 5
}

// DefaultReplyLimit is the kind's public reply length limit in characters, as the platforms
// document or enforce it (a source may set its own).
func (k ReviewSourceKind) DefaultReplyLimit() int {
	switch k {
	case SourceGoogleBusiness:
		return 4096
	case SourceAppStore:
		return 5970
	case SourceGooglePlay:
		return 350
	case SourceBooking:
		return 2000
	}
	return 5000
}

// ReviewSource is one configured origin of reviews. Its webhook secret is kept sealed (see
// package reviews): SecretSealed never leaves the server and SecretHint shows its last four
// characters.
type ReviewSource struct {
	ID            string           `bson:"_id" json:"id"`
	Name          string           `bson:"name" json:"name"`
	Kind          ReviewSourceKind `bson:"kind" json:"kind"`
	ScaleMax      int              `bson:"scale_max" json:"scale_max"`
	ReplyLimit    int              `bson:"reply_limit" json:"reply_limit"`
	ReplyApproval bool             `bson:"reply_approval" json:"reply_approval"`
	Enabled       bool             `bson:"enabled" json:"enabled"`
	SecretSealed  []byte           `bson:"secret_sealed" json:"-"`
	SecretHint    string           `bson:"secret_hint" json:"secret_hint"`
	// ImportMapping is the column mapping of the last import into the source (field ->
	// column), offered again for the next file with the same columns.
	ImportMapping map[string]string `bson:"import_mapping,omitempty" json:"import_mapping,omitempty"`
	// The Google Business Profile pull connector (kind google_business): the location
	// ("accounts/{a}/locations/{l}") and access token an admin set (the token sealed like the
	// secret), where an interrupted listing resumes, and how far the last full pass reached.
	GoogleLocation    string     `bson:"google_location,omitempty" json:"google_location,omitempty"`
	GoogleTokenSealed []byte     `bson:"google_token_sealed,omitempty" json:"-"`
	GooglePageToken   string     `bson:"google_page_token,omitempty" json:"-"`
	GoogleCycleHigh   time.Time  `bson:"google_cycle_high,omitempty" json:"-"`
	GoogleHighWater   time.Time  `bson:"google_high_water,omitempty" json:"-"`
	GoogleSyncedAt    *time.Time `bson:"google_synced_at,omitempty" json:"google_synced_at,omitempty"`
	GoogleError       string     `bson:"google_error,omitempty" json:"google_error,omitempty"`
	// ReplyWebhookID is the outbound webhook endpoint public replies are published through.
	ReplyWebhookID string    `bson:"reply_webhook_id,omitempty" json:"reply_webhook_id,omitempty"`
	CreatedAt      time.Time `bson:"created_at" json:"created_at"`
	UpdatedAt      time.Time `bson:"updated_at" json:"updated_at"`
	Version        int64     `bson:"version" json:"version"`
}

// ReviewSourceCreate is what an admin sets on a new source.
type ReviewSourceCreate struct {
	Name           string `json:"name" validate:"required,max=80"`
	Kind           string `json:"kind" validate:"required,oneof=google_business trustpilot app_store google_play booking generic"`
	ReplyLimit     int    `json:"reply_limit" validate:"omitempty,min=1,max=20000"`
	ReplyApproval  bool   `json:"reply_approval"`
	ReplyWebhookID string `json:"reply_webhook_id" validate:"max=64"`
}

// ReviewSourcePatch changes a source; Version is the one the client saw.
type ReviewSourcePatch struct {
	Name           *string `json:"name" validate:"omitempty,min=1,max=80"`
	ReplyLimit     *int    `json:"reply_limit" validate:"omitempty,min=1,max=20000"`
	ReplyApproval  *bool   `json:"reply_approval"`
	Enabled        *bool   `json:"enabled"`
	ReplyWebhookID *string `json:"reply_webhook_id" validate:"omitempty,max=64"`
	// GoogleLocation and GoogleAccessToken set the pull connector of a google_business source.
	GoogleLocation    *string `json:"google_location" validate:"omitempty,max=200"`
	GoogleAccessToken *string `json:"google_access_token" validate:"omitempty,max=4096"`
	Version           int64   `json:"version" validate:"required,min=1"`
}

// ReplyState says whether a review has a public answer.
type ReplyState string

const (
	ReplyNone      ReplyState = "none"
	ReplyPublished ReplyState = "published"
)

// Review is what a review case knows of the review it stands for.
type Review struct {
	SourceID   string           `bson:"source_id" json:"source_id"`
	SourceKind ReviewSourceKind `bson:"source_kind" json:"source_kind"`
	SourceName string           `bson:"source_name" json:"source_name"`
	ExternalID string           `bson:"external_id" json:"external_id"`
	// Rating is normalised to 1-5; RatingOriginal is as the source gave it, on 1-ScaleMax.
	Rating         int     `bson:"rating" json:"rating"`
	RatingOriginal float64 `bson:"rating_original" json:"rating_original"`
	ScaleMax       int     `bson:"scale_max" json:"scale_max"`
	Author         string  `bson:"author" json:"author"`
	Title          string  `bson:"title,omitempty" json:"title,omitempty"`
	Text           string  `bson:"text" json:"text"`
	// Positive and Negative are a review written in two sides (Booking.com), kept apart; Text
	// then joins them for search. Place is what was reviewed (a hotel), where a file names it.
	Positive      string     `bson:"positive,omitempty" json:"positive,omitempty"`
	Negative      string     `bson:"negative,omitempty" json:"negative,omitempty"`
	Place         string     `bson:"place,omitempty" json:"place,omitempty"`
	URL           string     `bson:"url,omitempty" json:"url,omitempty"`
	Language      string     `bson:"language,omitempty" json:"language,omitempty"`
	ReplyState    ReplyState `bson:"reply_state" json:"reply_state"`
	PostedAt      time.Time  `bson:"posted_at" json:"posted_at"`
	SourceUpdated time.Time  `bson:"source_updated" json:"source_updated"`
	Edits         int        `bson:"edits,omitempty" json:"edits"`
	DeletedAt     *time.Time `bson:"deleted_at,omitempty" json:"deleted_at,omitempty"`
	// Reply is the business's public answer, from draft to published (see PublicReply).
	Reply *PublicReply `bson:"reply,omitempty" json:"reply,omitempty"`
}

// ReplyStep is where a public reply is on its way out.
type ReplyStep string

const (
	ReplyStepDraft     ReplyStep = "draft"
	ReplyStepPending   ReplyStep = "pending_approval" // waits for a manager
	ReplyStepApproved  ReplyStep = "approved"
	ReplyStepReturned  ReplyStep = "returned" // sent back by a manager with a comment
	ReplyStepPublished ReplyStep = "published"
	ReplyStepWithdrawn ReplyStep = "withdrawn"
)

// Ways a reply is published.
const (
	PublishManual  = "manual"  // copied by hand onto the platform, then marked
	PublishWebhook = "webhook" // a signed outbound webhook to the source's endpoint
	PublishGoogle  = "google"  // the Google Business Profile connector's reply call
)

// PublicReply is the answer to a review that the public sees. Text is the current draft;
// PublishedText what is public now (an edit of a published reply is a new draft until it is
// published in turn).
type PublicReply struct {
	Text            string     `bson:"text" json:"text"`
	Step            ReplyStep  `bson:"step" json:"step"`
	DraftedByID     string     `bson:"drafted_by_id" json:"drafted_by_id"`
	DraftedBy       string     `bson:"drafted_by" json:"drafted_by"`
	UpdatedAt       time.Time  `bson:"updated_at" json:"updated_at"`
	DecidedBy       string     `bson:"decided_by,omitempty" json:"decided_by,omitempty"`
	DecisionComment string     `bson:"decision_comment,omitempty" json:"decision_comment,omitempty"`
	PublishedText   string     `bson:"published_text,omitempty" json:"published_text,omitempty"`
	PublishedAt     *time.Time `bson:"published_at,omitempty" json:"published_at,omitempty"`
	PublishedVia    string     `bson:"published_via,omitempty" json:"published_via,omitempty"`
}

// ReviewReplyRequest is one step of a public reply: save a draft, submit it for approval,
// approve or send it back (managers), publish it, or withdraw the published one.
type ReviewReplyRequest struct {
	Action  string `json:"action" validate:"required,oneof=save submit approve send_back publish withdraw"`
	Text    string `json:"text" validate:"max=20000"`
	Comment string `json:"comment" validate:"max=2000"`
	Via     string `json:"via" validate:"omitempty,oneof=manual webhook google"`
	Version int64  `json:"version" validate:"omitempty,min=1"`
}

// NormalizeRating maps a rating on 1..scaleMax linearly onto 1..5, rounded half up: a
// Booking.com 10 is 5, a 1 is 1, a 7.5 is 4.
func NormalizeRating(original float64, scaleMax int) int {
	if scaleMax <= 1 {
		return 1
	}
	r := int(math.Floor(1 + (original-1)*4/float64(scaleMax-1) + 0.5))
	return min(5, max(1, r))
}

// RatingText renders a rating for the timeline and the index: "3" or "7.5".
func RatingText(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// ReviewEditedField is the field a review edit's "changed" timeline entry names: the rules'
// "review edited" condition looks for it among the fields an update changed.
const ReviewEditedField = "review_edited"
