// Package twofactor is the pure part of two-factor sign-in: TOTP secrets and codes (RFC 6238,
// through github.com/pquerna/otp), the enrolment QR code, and recovery codes. It keeps no
// state; the account use cases store what it returns.
package twofactor

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Period is the TOTP time step every authenticator app uses by default.
const Period = 30 * time.Second

// Skew is how many steps either side of now a code is accepted: one, for a phone clock a
// little off and a code typed as it changes.
const Skew = 1

// RecoveryCodeCount is how many recovery codes an enrolment gives.
const RecoveryCodeCount = 10

// Enrolment is a new TOTP secret for an account, with what the authenticator app needs.
type Enrolment struct {
	Secret string // base32, as apps take it when typed
	URL    string // the otpauth:// URL the QR code carries
	QRCode string // a data: URL of a PNG image of URL
}

// NewEnrolment makes a secret of 160 bits (the RFC's recommended length for SHA-1) for
// account at issuer, and its QR code. The code is drawn on the server by the library's own
// encoder (github.com/boombuler/barcode, which pquerna/otp depends on), so the browser needs
// no QR library and the secret never leaves the response that shows it.
func NewEnrolment(issuer, account string) (*Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, SecretSize: 20})
	if err != nil {
		return nil, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return &Enrolment{Secret: key.Secret(), URL: key.URL(),
		QRCode: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// Step is the TOTP counter of time t.
func Step(t time.Time) int64 { return t.Unix() / int64(Period/time.Second) }

// Check tells whether code is secret's code for a step within Skew of now that is later than
// lastStep (a code is good once: a code seen over a shoulder cannot be replayed), and which
// step it was.
func Check(secret, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	opts := totp.ValidateOpts{Period: uint(Period / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	for d := -Skew; d <= Skew; d++ {
		s := Step(now) + int64(d)
		if s <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*int64(Period/time.Second), 0), opts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// Code is secret's code at t (for tests and the enrolment check).
func Code(secret string, t time.Time) (string, error) { return totp.GenerateCode(secret, t) }

// NewRecoveryCodes returns RecoveryCodeCount codes to show once (ten characters of base32 in
// two groups, 50 random bits each) and their hashes to store.
func NewRecoveryCodes() (codes, hashes []string, err error) {
	for range RecoveryCodeCount {
		b := make([]byte, 7)
		if _, err := rand.Read(b); err != nil {
			return nil, nil, err
		}
		s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:10]
		code := fmt.Sprintf("%s-%s", s[:5], s[5:])
		codes = append(codes, code)
		hashes = append(hashes, HashRecoveryCode(code))
	}
	return codes, hashes, nil
}

// HashRecoveryCode is the stored form of a recovery code. The codes are random (not chosen by
// people) and each try is rate limited, so a plain SHA-256 is enough; spaces, dashes and case
// do not matter.
func HashRecoveryCode(code string) string {
	c := strings.ToLower(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(code)))
	sum := sha256.Sum256([]byte("kaiku-recovery:" + c))
	return hex.EncodeToString(sum[:])
}
