package search

import (
	"slices"
	"testing"
)

// Words typed without their apostrophe are stop words as the stop list has them with it;
// words that merely look like such a form stay words.
func TestQueryWordsDropContractionsTypedWithoutApostrophe(t *testing.T) {
	a, err := newTextAnalyzers()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range a.words("cant dont isnt wont im ive thats parcel ill well id", false) {
		got = append(got, w.term)
	}
	want := []string{"parcel", "ill", "well", "id"}
	if !slices.Equal(got, want) {
		t.Errorf("words = %v, want %v", got, want)
	}
}

// A short number is a quantity, a longer one names something (a reference part, an order).
func TestQueryWordsRequireOnlyIdentifiers(t *testing.T) {
	a, err := newTextAnalyzers()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		term     string
		required bool
	}{{"0", false}, {"12", false}, {"000004", true}, {"401k", true}, {"apr", false}} {
		if got := a.word(c.term).required; got != c.required {
			t.Errorf("word(%q).required = %v, want %v", c.term, got, c.required)
		}
	}
}
