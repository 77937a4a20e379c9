package reviews_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reviews"
)

func TestVerify(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	body := []byte(`{"external_id":"r1","rating":4}`)
	ts := now.Unix()
	sig := reviews.Sign("s3cret", ts, body)
	tsText := strconv.FormatInt(ts, 10)
	cases := []struct {
		name    string
		ts, sig string
		body    []byte
		at      time.Time
		want    error
	}{
		{"good", tsText, sig, body, now, nil},
		{"good at the window's edge", tsText, sig, body, now.Add(reviews.ReplayWindow), nil},
		{"old", tsText, sig, body, now.Add(reviews.ReplayWindow + time.Second), reviews.ErrStale},
		{"future", tsText, sig, body, now.Add(-reviews.ReplayWindow - time.Second), reviews.ErrStale},
		{"other body", tsText, sig, append(body, ' '), now, reviews.ErrBadSignature},
		{"other timestamp", strconv.FormatInt(ts-1, 10), sig, body, now, reviews.ErrBadSignature},
		{"not hex", tsText, "sha256=zz", body, now, reviews.ErrBadSignature},
		{"no signature", tsText, "", body, now, reviews.ErrMissingSignature},
		{"bad timestamp", "yesterday", sig, body, now, reviews.ErrBadTimestamp},
	}
	for _, c := range cases {
		err := reviews.Verify("s3cret", c.ts, c.sig, c.body, c.at)
		if err != c.want {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

func TestKeyID(t *testing.T) {
	a, b := reviews.KeyID("s1", "r1"), reviews.KeyID("s1", "r1")
	if a != b || a == reviews.KeyID("s2", "r1") || a == reviews.KeyID("s1", "r2") {
		t.Fatal("key ids are not derived from source and external id alone")
	}
	if strings.ContainsAny(reviews.KeyID("s", "$where"), "$.") {
		t.Fatal("an external id reaches the key as it is")
	}
}

func TestNormalizeRating(t *testing.T) {
	for _, c := range []struct {
		orig  float64
		scale int
		want  int
	}{{1, 5, 1}, {5, 5, 5}, {3, 5, 3}, {1, 10, 1}, {10, 10, 5}, {3.5, 10, 2}, {5.5, 10, 3}, {7.5, 10, 4}, {9, 10, 5}, {2, 10, 1}} {
		if got := models.NormalizeRating(c.orig, c.scale); got != c.want {
			t.Errorf("%v of %d: got %d, want %d", c.orig, c.scale, got, c.want)
		}
	}
}

func TestParseShapes(t *testing.T) {
	items, err := reviews.Parse([]byte(`{"external_id":"r1","rating":4,"author":" Pia ","text":"ok","posted_at":"2026-03-01T10:00:00Z"}`), 5)
	if err != nil || len(items) != 1 || items[0].Author != "Pia" || items[0].Rating != 4 || items[0].PostedAt.IsZero() {
		t.Fatalf("generic one: %+v %v", items, err)
	}
	// Two sides given apart stay apart (topics group the review by the negative one), and
	// make the text when none is given.
	items, err = reviews.Parse([]byte(`{"external_id":"b1","rating":3,"negative":" Noisy room ","positive":"Great breakfast"}`), 10)
	if err != nil || items[0].Negative != "Noisy room" || items[0].Positive != "Great breakfast" || items[0].Text != "Noisy room\n\nGreat breakfast" {
		t.Fatalf("generic with sides: %+v %v", items, err)
	}
	items, err = reviews.Parse([]byte(`{"events":[{"eventName":"service-review-deleted","eventData":{"id":"tp1"}}]}`), 5)
	if err != nil || !items[0].Deleted || items[0].ExternalID != "tp1" {
		t.Fatalf("trustpilot deletion: %+v %v", items, err)
	}
	items, err = reviews.Parse([]byte(`[{"name":"accounts/1/locations/2/reviews/G1","starRating":"TWO","comment":"meh","reviewer":{"isAnonymous":true}}]`), 5)
	if err != nil || items[0].ExternalID != "G1" || items[0].Rating != 2 || items[0].Author != "Anonymous" {
		t.Fatalf("google by name: %+v %v", items, err)
	}
	_, err = reviews.Parse([]byte(`[{"reviewId":"G2","starRating":"STAR_RATING_UNSPECIFIED"}]`), 5)
	if ie, ok := err.(reviews.ItemErrors); !ok || ie["items[0].starRating"] == "" {
		t.Fatalf("unspecified google rating: %v", err)
	}
	_, err = reviews.Parse([]byte(`{"events":[{"eventName":"product-review-created","eventData":{"id":"p"}}]}`), 5)
	if ie, ok := err.(reviews.ItemErrors); !ok || ie["items[0].eventName"] == "" {
		t.Fatalf("unknown trustpilot event: %v", err)
	}
	for _, body := range []string{``, `[]`, `{"reviews":[]}`, `"x"`, `{`} {
		if _, err := reviews.Parse([]byte(body), 5); err == nil {
			t.Errorf("%q was taken", body)
		}
	}
}
