package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// A review whose case was anonymised (erasure or retention) and is then delivered again by its
// site, edited, must not bring the author's name or text back (issue 18, erasure gaps).
func TestReviewRedeliveredAfterErasureStaysAnonymous(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	id, secret := s.reviewSource("generic")
	res := s.deliver(id, secret, `{"external_id":"gone1","rating":1,"author":"Zebulon Quist","text":"Cold soup and a rude waiter"}`, 0)
	var answer ingestAnswer
	res.decode(t, &answer)
	if res.status != http.StatusOK || len(answer.Data) != 1 || answer.Data[0].CaseID == "" {
		t.Fatalf("ingest: %d %s", res.status, res.body)
	}
	caseID := answer.Data[0].CaseID
	// What erasure and the retention sweep do to the case.
	if _, err := s.env.Store.UpdateCase(ctx, caseID, func(c *models.Case) error { c.Anonymise(s.clock.Now()); return nil }); err != nil {
		t.Fatal(err)
	}
	res = s.deliver(id, secret, `{"external_id":"gone1","rating":2,"author":"Zebulon Quist","text":"Cold soup, edited"}`, 0)
	if res.status != http.StatusOK {
		t.Fatalf("redelivery: %d %s", res.status, res.body)
	}
	got := s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases/"+caseID, "", nil)
	for _, word := range []string{"Zebulon", "Quist", "Cold soup"} {
		if strings.Contains(got.body, word) {
			t.Errorf("the redelivered review brought %q back: %s", word, got.body)
		}
	}
}
