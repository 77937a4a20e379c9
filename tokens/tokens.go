// Package tokens makes the random secrets and identifiers Kaiku hands out, and says how a
// secret is kept: only its SHA-256. Staff sessions and API tokens (staff) and customers'
// tracking links (helpdesk) are made and stored the same way.
package tokens

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
)

// New returns a URL-safe token of 160 random bits.
func New() string {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the OS entropy source is gone; nothing is safe
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// Hash is how tokens are stored: only their SHA-256 (they carry 160 random bits or more, so
// a fast hash is enough; passwords get argon2id).
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewID returns a short random identifier for users, teams, messages.
func NewID() string { return New()[:16] }
