// Package mailin brings complaints in by e-mail: it fetches new mail from the shared IMAP
// mailboxes admins connect (on a timer and on IMAP IDLE, by UID with UIDVALIDITY kept, under a
// lease so one replica at a time fetches a mailbox) and hands each message to a Filer, which
// turns it into a case or a reply in one (helpdesk.Mail). The pure rules of the domain live
// here too: the key a mail is remembered by and the reference a subject names. Parsing the
// message is package mailin/parse.
package mailin

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// KeyID is the _id of the document that maps an inbound mail to its case: derived from the
// Message-ID (hashed, so any id fits and none reaches a query as it is). Message-IDs compare
// case-sensitively in the local part, but mail programs do not change them, so they are
// hashed as they are.
func KeyID(messageID string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(messageID)))
	return "mi:" + hex.EncodeToString(sum[:20])
}

// SyntheticMessageID stands in for the Message-ID of a mail that has none: derived from its
// bytes, so fetching the same mail again gives the same id.
func SyntheticMessageID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "no-message-id." + hex.EncodeToString(sum[:16]) + "@kaiku.invalid"
}

var subjectRef = regexp.MustCompile(`\b(K-\d{4}-\d{6})\b`)

// SubjectReference is the case reference a subject names ("Re: ... [K-2026-000042]"), or "".
// The last one wins: a forwarded thread keeps the newest reference at the end.
func SubjectReference(subject string) string {
	all := subjectRef.FindAllString(subject, -1)
	if len(all) == 0 {
		return ""
	}
	return all[len(all)-1]
}

// IsReference says whether s is a whole case reference (K-2026-000042).
func IsReference(s string) bool {
	return len(s) == 13 && subjectRef.MatchString(s)
}
