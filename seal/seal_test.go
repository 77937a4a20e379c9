package seal_test

import (
	"strings"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/seal"
)

func TestSealer(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	s, err := seal.New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal("src1", "rvsec_abc")
	if strings.Contains(string(sealed), "rvsec_abc") {
		t.Fatal("sealed secret holds the plain text")
	}
	if got, err := s.Open("src1", sealed); err != nil || got != "rvsec_abc" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := s.Open("src2", sealed); err == nil {
		t.Fatal("a sealed secret opened for another owner")
	}
	other, _ := seal.New([]byte(strings.Repeat("x", 32)))
	if _, err := other.Open("src1", sealed); err == nil {
		t.Fatal("a sealed secret opened with another key")
	}
	if _, err := seal.New([]byte("short")); err == nil {
		t.Fatal("a short key was taken")
	}
}

// A nil key is a random one: two sealers made so do not open each other's secrets.
func TestNilKeyIsRandom(t *testing.T) {
	a, err := seal.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := seal.New(nil)
	sealed := a.Seal("m1", "pw")
	if got, err := a.Open("m1", sealed); err != nil || got != "pw" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := b.Open("m1", sealed); err == nil {
		t.Fatal("two random keys were the same")
	}
}
