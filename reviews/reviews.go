// Package reviews is the domain of online reviews arriving by signed webhook: checking a
// delivery's signature, reading the payload shapes the webhook accepts (Kaiku's generic JSON,
// Trustpilot's review webhook, Google Business Profile's review resource), and the natural key a
// review is found by. It does no I/O; helpdesk runs the use case.
package reviews

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Signature headers: the same scheme as Kaiku's outbound webhooks (package webhook), so one
// signing helper serves senders of both.
const (
	HeaderTimestamp = "X-Kaiku-Timestamp"
	HeaderSignature = "X-Kaiku-Signature"
	HeaderSource    = "X-Kaiku-Source"
)

// ReplayWindow is how far a delivery's timestamp may be from now, either way.
const ReplayWindow = 5 * time.Minute

// MaxBatch is the most reviews one delivery may carry.
const MaxBatch = 500

// MaxBodyBytes bounds a delivery's body (a full batch of long reviews fits well).
const MaxBodyBytes = 2 << 20

// Signature errors; the handler answers each with 401 and says which.
var (
	ErrMissingSignature = errors.New("the delivery is not signed")
	ErrBadTimestamp     = errors.New("the timestamp is not a number of seconds")
	ErrStale            = errors.New("the timestamp is outside the five-minute window")
	ErrBadSignature     = errors.New("the signature does not match")
)

// Sign returns the signature header value for body sent at timestamp (unix seconds):
// "sha256=" + hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the secret.
func Sign(secret string, timestamp int64, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, strconv.FormatInt(timestamp, 10), body))
}

func mac(secret, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a delivery: its timestamp within ReplayWindow of now, and its signature over
// timestamp and raw body, compared in constant time. A replayed body inside the window passes
// here and is harmless, because ingestion is idempotent on source + external id.
func Verify(secret, timestamp, signature string, body []byte, now time.Time) error {
	if timestamp == "" || signature == "" {
		return ErrMissingSignature
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	if d := now.Sub(time.Unix(ts, 0)); d > ReplayWindow || d < -ReplayWindow {
		return ErrStale
	}
	got, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(signature), "sha256="))
	if err != nil {
		return ErrBadSignature
	}
	if !hmac.Equal(got, mac(secret, strings.TrimSpace(timestamp), body)) {
		return ErrBadSignature
	}
	return nil
}

// NewSecret returns a fresh signing secret of 256 random bits.
func NewSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return "rvsec_" + hex.EncodeToString(b)
}

// KeyID is the _id of the document that maps a review to its case: derived from source and
// external id (hashed, so any external id fits and none reaches a query as it is).
func KeyID(sourceID, externalID string) string {
	sum := sha256.Sum256([]byte(sourceID + "\x00" + externalID))
	return "rv:" + hex.EncodeToString(sum[:20])
}
