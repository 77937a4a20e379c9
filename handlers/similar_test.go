package handlers_test

import (
	"strings"
	"testing"
)

// Similar cases: a case's page lists the cases whose text is most like it, itself left out;
// the inbox's match parameter chooses between most and all of the words.
func TestSimilarCasesAndMatchParameter(t *testing.T) {
	s := newStack(t)
	charge := func(text string) string {
		return strings.Replace(complaintJSON, "SENTINEL-TEXT The parcel arrived crushed.", text, 1)
	}
	a := s.file(t, charge("My credit card was charged twice for one purchase; the duplicate charge is still there."), nil)
	b := s.file(t, charge("The shop charged my credit card twice and will not reverse the duplicate charge."), nil)
	c := s.file(t, charge("The courier left the parcel at the wrong door and it got wet."), nil)
	d := s.file(t, charge("Another parcel left by the courier at a neighbour's door."), nil)

	res := s.do(s.logins["agent"], "GET", "/api/v1/cases/"+a.Data.Reference+"/similar", "", nil)
	if res.status != 200 {
		t.Fatalf("similar: %d %s", res.status, res.body)
	}
	first := strings.Index(res.body, `"id":"`+b.Data.Reference+`"`)
	if first < 0 || strings.Contains(res.body, `"id":"`+a.Data.Reference+`"`) {
		t.Fatalf("similar to %s: want %s first, itself left out: %s", a.Data.Reference, b.Data.Reference, res.body)
	}
	for _, other := range []string{c.Data.Reference, d.Data.Reference} {
		if i := strings.Index(res.body, `"id":"`+other+`"`); i >= 0 && i < first {
			t.Fatalf("a parcel case %s ranks above the duplicate charge: %s", other, res.body)
		}
	}
	if res := s.do(s.logins["agent"], "GET", "/api/v1/cases/K-2020-999999/similar", "", nil); res.status != 404 {
		t.Fatalf("similar of an unknown case: %d %s", res.status, res.body)
	}
	if res := s.do(nil, "GET", "/api/v1/cases/"+a.Data.Reference+"/similar", "", nil); res.status != 401 {
		t.Fatalf("similar, anonymous: %d", res.status)
	}

	// Most words (the default) finds both charge cases for a query one of them lacks a word of;
	// all words finds only the one with every word.
	res = s.do(s.logins["agent"], "GET", "/api/v1/cases?q=purchase+charged+twice", "", nil)
	if res.status != 200 || !strings.Contains(res.body, a.Data.Reference) || !strings.Contains(res.body, b.Data.Reference) {
		t.Fatalf("most words: %d %s", res.status, res.body)
	}
	res = s.do(s.logins["agent"], "GET", "/api/v1/cases?q=purchase+charged+twice&match=all", "", nil)
	if res.status != 200 || !strings.Contains(res.body, a.Data.Reference) || strings.Contains(res.body, b.Data.Reference) {
		t.Fatalf("all words: %d %s", res.status, res.body)
	}
	if res := s.do(s.logins["agent"], "GET", "/api/v1/cases?q=x&match=some", "", nil); res.status != 400 || !strings.Contains(res.body, `"match"`) {
		t.Fatalf("bad match: %d %s", res.status, res.body)
	}
}
