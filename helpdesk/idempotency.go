package helpdesk

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// A retried complaint must be the same request as the first one: an (e-mail, key) pair alone
// is guessable (integrations use order numbers as keys), so it must never be enough to get a
// case's tracking link. The first request's idempotency record keeps
//
//   - a fingerprint of the request (its fields and the SHA-256 of each file), compared with
//     the retry's, so a retry with another body is refused (422 idempotency_key_reused);
//   - the tracking token of its receipt, sealed (AES-256-GCM) under a key derived from the
//     whole request, which the database does not hold.
//
// A genuine retry carries the whole request, so it opens the seal and gets the very receipt
// it lost: the same reference and the same link. Nothing new is minted for anyone, and whoever
// reads the idempotency collection finds neither a usable token nor the key to one.

// requestProof derives, from the idempotency key and the canonical request (the form's fields
// as JSON, so field order, spacing and multipart boundaries do not matter, and the name and
// SHA-256 of every file), the fingerprint the record keeps and the key that seals its token.
// Both come from one SHA-256 of the request under different labels, so the stored fingerprint
// does not give the sealing key.
func requestProof(idempotencyKey string, req models.ComplaintCreate, files []Upload) (fingerprint string, sealKey [32]byte) {
	body, _ := json.Marshal(req) // a struct of strings always marshals
	h := sha256.New()
	h.Write([]byte(idempotencyKey))
	h.Write([]byte{0})
	h.Write(body)
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		h.Write([]byte{0})
		h.Write([]byte(f.Name))
		h.Write([]byte{0})
		h.Write(sum[:])
	}
	request := h.Sum(nil)
	fp := sha256.Sum256(append([]byte("kaiku complaint fingerprint\x00"), request...))
	sealKey = sha256.Sum256(append([]byte("kaiku complaint receipt seal\x00"), request...))
	return hex.EncodeToString(fp[:]), sealKey
}

// sealToken encrypts a tracking token for the idempotency record.
func sealToken(key [32]byte, token string) []byte {
	gcm := newGCM(key)
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return gcm.Seal(nonce, nonce, []byte(token), nil)
}

// openToken decrypts a sealed tracking token.
func openToken(key [32]byte, sealed []byte) (string, error) {
	gcm := newGCM(key)
	if len(sealed) < gcm.NonceSize() {
		return "", errors.New("sealed token too short")
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], nil)
	if err != nil {
		return "", err
	}
	return string(plain), nil
}

func newGCM(key [32]byte) cipher.AEAD {
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return gcm
}

// keyReused is the answer to a used idempotency key sent with another request.
func keyReused() error {
	return models.Unprocessable("idempotency_key_reused",
		"this Idempotency-Key was used for a different complaint; send the same request again, or use a new key for a new complaint")
}
