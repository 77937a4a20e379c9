// Package seal encrypts the few secrets Kaiku must read back (review sources' HMAC secrets and
// Google tokens, mailbox passwords, staff TOTP secrets) with the installation's secret key,
// kept outside the database (AES-256-GCM). Such a secret cannot be stored hashed, since the
// server computes with it; sealed, a dump of the database alone gives nobody a secret that
// works. Tokens Kaiku only compares are hashed instead (package tokens).
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
)

// Sealer seals and opens secrets with one key.
type Sealer struct{ aead cipher.AEAD }

// New takes the 32-byte secret key; nil takes a random key that lives as long as the process
// (tests, where nothing sealed outlives the run).
func New(key []byte) (*Sealer, error) {
	if key == nil {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
	}
	if len(key) != 32 {
		return nil, errors.New("seal: the secret key must be 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts a secret; owner (what the secret belongs to, e.g. a source's or mailbox's ID)
// is bound in, so a sealed secret copied onto another owner does not open.
func (s *Sealer) Seal(owner, secret string) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return s.aead.Seal(nonce, nonce, []byte(secret), []byte(owner))
}

// Open decrypts a sealed secret.
func (s *Sealer) Open(owner string, sealed []byte) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("seal: sealed secret too short")
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(owner))
	if err != nil {
		return "", errors.New("seal: the sealed secret does not open with this key")
	}
	return string(plain), nil
}
