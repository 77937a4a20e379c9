package mailin_test

import (
	"testing"

	"github.com/kaiku-helpdesk/kaiku/mailin"
)

func TestSubjectReference(t *testing.T) {
	for subject, want := range map[string]string{
		"Re: New reply to your case K-2026-000042 [K-2026-000042]": "K-2026-000042",
		"Fwd: [K-2025-000001] old, then [K-2026-000007]":           "K-2026-000007",
		"About order 2026-000042":                                  "",
		"XK-2026-0000421":                                          "",
		"":                                                         "",
	} {
		if got := mailin.SubjectReference(subject); got != want {
			t.Errorf("SubjectReference(%q) = %q, want %q", subject, got, want)
		}
	}
	if !mailin.IsReference("K-2026-000042") || mailin.IsReference("K-2026-000042x") || mailin.IsReference("abc") {
		t.Error("IsReference")
	}
}

func TestKeysAreStableAndDistinct(t *testing.T) {
	a, b := mailin.KeyID("a@example.com"), mailin.KeyID("b@example.com")
	if a == b || a != mailin.KeyID(" a@example.com ") || len(a) != 43 {
		t.Fatalf("keys %q %q", a, b)
	}
	raw := []byte("From: x\r\n\r\nhello")
	if mailin.SyntheticMessageID(raw) != mailin.SyntheticMessageID(raw) || mailin.SyntheticMessageID(raw) == mailin.SyntheticMessageID([]byte("other")) {
		t.Fatal("synthetic ids")
	}
}
