package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reviews"
	"github.com/kaiku-helpdesk/kaiku/webhook"
)

// reviewSource creates a source through the API and returns its id and secret.
func (s *stack) reviewSource(kind string) (id, secret string) {
	s.t.Helper()
	res := s.do(s.logins["admin"], http.MethodPost, "/api/v1/review-sources", `{"name":"Our `+kind+`","kind":"`+kind+`"}`, nil)
	if res.status != http.StatusCreated {
		s.t.Fatalf("create source: %d %s", res.status, res.body)
	}
	var body struct {
		Data struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		} `json:"data"`
	}
	res.decode(s.t, &body)
	if body.Data.Secret == "" {
		s.t.Fatalf("the secret is shown on create: %s", res.body)
	}
	return body.Data.ID, body.Data.Secret
}

// deliver posts body signed with secret at the test clock's time (offset shifts it). A
// delivery is answered once its reviews are stored; their new cases reach the index (and
// their live events go out) right after, in the background: deliver waits for that, as an
// agent's next look at the inbox would.
func (s *stack) deliver(sourceID, secret, body string, offset time.Duration) response {
	s.t.Helper()
	ts := s.clock.Now().Add(offset).Unix()
	res := s.do(nil, http.MethodPost, "/api/v1/reviews/ingest", body, map[string]string{
		reviews.HeaderSource: sourceID, reviews.HeaderTimestamp: strconv.FormatInt(ts, 10),
		reviews.HeaderSignature: reviews.Sign(secret, ts, []byte(body)),
	})
	if err := s.cases.Settle(context.Background()); err != nil {
		s.t.Fatal(err)
	}
	return res
}

type ingestAnswer struct {
	Data []struct {
		ExternalID string `json:"external_id"`
		CaseID     string `json:"case_id"`
		Outcome    string `json:"outcome"`
	} `json:"data"`
}

func (s *stack) reviewCaseCount() int {
	s.t.Helper()
	res := s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases?view=reviews&limit=200", "", nil)
	if res.status != 200 {
		s.t.Fatalf("list reviews: %d %s", res.status, res.body)
	}
	var body struct {
		Meta struct {
			Total int `json:"total"`
		} `json:"meta"`
	}
	res.decode(s.t, &body)
	return body.Meta.Total
}

func TestReviewIngestRefusals(t *testing.T) {
	s := newStack(t)
	id, secret := s.reviewSource("generic")
	one := `{"external_id":"r1","rating":2,"author":"Pia","text":"Cold soup"}`
	ts := strconv.FormatInt(s.clock.Now().Unix(), 10)

	cases := []struct {
		name    string
		headers map[string]string
		body    string
		status  int
		code    string
	}{
		{"unsigned", map[string]string{reviews.HeaderSource: id}, one, 401, "unsigned"},
		{"unknown source", map[string]string{reviews.HeaderSource: "nope", reviews.HeaderTimestamp: ts,
			reviews.HeaderSignature: reviews.Sign(secret, s.clock.Now().Unix(), []byte(one))}, one, 401, "unknown_source"},
		{"bad signature", map[string]string{reviews.HeaderSource: id, reviews.HeaderTimestamp: ts,
			reviews.HeaderSignature: reviews.Sign("rvsec_wrong", s.clock.Now().Unix(), []byte(one))}, one, 401, "bad_signature"},
		{"signature of another body", map[string]string{reviews.HeaderSource: id, reviews.HeaderTimestamp: ts,
			reviews.HeaderSignature: reviews.Sign(secret, s.clock.Now().Unix(), []byte(one+" "))}, one, 401, "bad_signature"},
		{"timestamp not signed", map[string]string{reviews.HeaderSource: id, reviews.HeaderTimestamp: strconv.FormatInt(s.clock.Now().Unix()+1, 10),
			reviews.HeaderSignature: reviews.Sign(secret, s.clock.Now().Unix(), []byte(one))}, one, 401, "bad_signature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := s.do(nil, http.MethodPost, "/api/v1/reviews/ingest", c.body, c.headers)
			if res.status != c.status || !strings.Contains(res.body, `"code":"`+c.code+`"`) {
				t.Fatalf("got %d %s, want %d %s", res.status, res.body, c.status, c.code)
			}
		})
	}

	// Old (and future) timestamps are refused even when correctly signed: a replay outside
	// the five-minute window.
	for _, off := range []time.Duration{-6 * time.Minute, 6 * time.Minute} {
		res := s.deliver(id, secret, one, off)
		if res.status != 401 || !strings.Contains(res.body, "stale_timestamp") {
			t.Fatalf("offset %v: %d %s", off, res.status, res.body)
		}
	}

	// A batch over the limit is refused whole.
	var items []string
	for i := range reviews.MaxBatch + 1 {
		items = append(items, fmt.Sprintf(`{"external_id":"b%d","rating":5,"text":"ok"}`, i))
	}
	res := s.deliver(id, secret, `{"reviews":[`+strings.Join(items, ",")+`]}`, 0)
	if res.status != 422 || !strings.Contains(res.body, "at most 500") {
		t.Fatalf("oversized batch: %d %s", res.status, res.body)
	}
	// A body over the byte limit: 413.
	res = s.deliver(id, secret, `{"reviews":[{"external_id":"x","rating":1,"text":"`+strings.Repeat("a", reviews.MaxBodyBytes)+`"}]}`, 0)
	if res.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: %d %s", res.status, res.body)
	}
	// Malformed items: the delivery is refused with each problem named, and nothing of it
	// (not even its good first item) is stored.
	res = s.deliver(id, secret, `[{"external_id":"good","rating":4,"text":"fine"},
		{"external_id":"","rating":3,"text":"x"},{"external_id":"r","rating":6,"text":"x"},
		{"external_id":"u","rating":"high","text":"x"},{"external_id":"l","rating":2,"text":"x","url":"javascript:alert(1)"},
		"nope"]`, 0)
	for _, want := range []string{"items[1].external_id", "items[2].rating", "items[3]", "items[4].url", "items[5]"} {
		if res.status != 400 || !strings.Contains(res.body, want) {
			t.Fatalf("malformed items: want 400 naming %s, got %d %s", want, res.status, res.body)
		}
	}
	res = s.deliver(id, secret, `not json`, 0)
	if res.status != 422 {
		t.Fatalf("not json: %d %s", res.status, res.body)
	}
	if n := s.reviewCaseCount(); n != 0 {
		t.Fatalf("refused deliveries stored %d review cases", n)
	}
	// A disabled source is refused like an unknown one.
	res = s.do(s.logins["admin"], http.MethodPatch, "/api/v1/review-sources/"+id, `{"enabled":false,"version":1}`, nil)
	if res.status != 200 {
		t.Fatalf("disable: %d %s", res.status, res.body)
	}
	if res := s.deliver(id, secret, one, 0); res.status != 401 || !strings.Contains(res.body, "unknown_source") {
		t.Fatalf("disabled source: %d %s", res.status, res.body)
	}
}

func TestReviewIngestIdempotentEditsAndDeletes(t *testing.T) {
	s := newStack(t)
	if err := s.rules.EnsureDefaultRules(context.Background()); err != nil {
		t.Fatal(err)
	}
	id, secret := s.reviewSource("generic")
	batch := `{"reviews":[
		{"external_id":"r1","rating":1,"author":"Pia","title":"Never again","text":"<b>Cold</b> soup","url":"https://reviews.example.com/r1"},
		{"external_id":"r2","rating":5,"author":"Ola","text":"Lovely"}]}`
	res := s.deliver(id, secret, batch, 0)
	var ans ingestAnswer
	res.decode(t, &ans)
	if res.status != 200 || len(ans.Data) != 2 || ans.Data[0].Outcome != "created" || ans.Data[1].Outcome != "created" {
		t.Fatalf("first delivery: %d %s", res.status, res.body)
	}
	low := ans.Data[0].CaseID

	// The same batch again (a replayed body inside the window, a platform's redelivery)
	// creates nothing.
	s.clock.Advance(time.Minute)
	res = s.deliver(id, secret, batch, 0)
	var again ingestAnswer
	res.decode(t, &again)
	if res.status != 200 || again.Data[0].Outcome != "unchanged" || again.Data[0].CaseID != low || again.Data[1].Outcome != "unchanged" {
		t.Fatalf("redelivery: %d %s", res.status, res.body)
	}
	if n := s.reviewCaseCount(); n != 2 {
		t.Fatalf("review cases after redelivery: %d, want 2", n)
	}

	// The case: a review case with the review on it; the default rule made it high priority.
	var c struct {
		Data models.Case `json:"data"`
	}
	s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases/"+low, "", nil).decode(t, &c)
	rv := c.Data.Review
	if c.Data.Channel != models.ChannelReview || rv == nil || rv.Rating != 1 || rv.Author != "Pia" || rv.Text != "<b>Cold</b> soup" ||
		rv.URL != "https://reviews.example.com/r1" || rv.ReplyState != models.ReplyNone || c.Data.Priority != models.PriorityHigh {
		t.Fatalf("review case: %+v review %+v", c.Data, rv)
	}

	// An edit updates the case, and the timeline shows it.
	res = s.deliver(id, secret, `{"external_id":"r1","rating":3,"author":"Pia","title":"Better","text":"They called me back"}`, 0)
	if res.status != 200 || !strings.Contains(res.body, `"outcome":"updated"`) {
		t.Fatalf("edit: %d %s", res.status, res.body)
	}
	s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases/"+low, "", nil).decode(t, &c)
	last := c.Data.Timeline[len(c.Data.Timeline)-1]
	if c.Data.Review.Rating != 3 || c.Data.Review.Edits != 1 || c.Data.Review.Text != "They called me back" ||
		last.Type != "changed" || last.Data["field"] != models.ReviewEditedField ||
		!strings.Contains(last.Data["from"], "Cold") || !strings.Contains(last.Data["to"], "called me back") {
		t.Fatalf("edited case: review %+v last %+v", c.Data.Review, last)
	}
	// The index follows: rating 3 now, and the rating filter finds it there.
	res = s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases?view=reviews&review_rating=3&facets=review_rating", "", nil)
	if !strings.Contains(res.body, `"id":"`+low+`"`) || !strings.Contains(res.body, `"review_rating":3`) {
		t.Fatalf("rating filter after the edit: %s", res.body)
	}

	// A deletion marks the case, once.
	del := `{"external_id":"r1","deleted":true}`
	if res := s.deliver(id, secret, del, 0); !strings.Contains(res.body, `"outcome":"deleted"`) {
		t.Fatalf("delete: %d %s", res.status, res.body)
	}
	if res := s.deliver(id, secret, del, 0); !strings.Contains(res.body, `"outcome":"unchanged"`) {
		t.Fatalf("delete again: %d %s", res.status, res.body)
	}
	if res := s.deliver(id, secret, `{"external_id":"never-seen","deleted":true}`, 0); !strings.Contains(res.body, `"outcome":"unknown"`) {
		t.Fatalf("delete of an unknown review: %d %s", res.status, res.body)
	}
	s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases/"+low, "", nil).decode(t, &c)
	if c.Data.Review.DeletedAt == nil || c.Data.Timeline[len(c.Data.Timeline)-1].Type != "review_deleted" {
		t.Fatalf("deleted review: %+v", c.Data.Review)
	}
	if n := s.reviewCaseCount(); n != 2 {
		t.Fatalf("review cases at the end: %d, want 2", n)
	}
}

func TestReviewIngestPlatformShapes(t *testing.T) {
	s := newStack(t)
	tp, tpSecret := s.reviewSource("trustpilot")
	// Trustpilot's service review webhook, as its documentation shows it.
	res := s.deliver(tp, tpSecret, `{"events":[{"eventName":"service-review-created","version":"1","eventData":{
		"id":"53bffd360000640002975387","language":"en","title":"Slow delivery","text":"Took three weeks.",
		"referenceId":"ABC-123","stars":2,"createdAt":"2026-03-01T09:34:44.000Z","isVerified":true,
		"link":"https://api.trustpilot.com/v1/reviews/53bffd360000640002975387",
		"consumer":{"id":"53bffc39","name":"Kari","link":"https://api.trustpilot.com/v1/consumers/53bffc39"},
		"tags":[{"group":"Generic","value":"x"}]}}]}`, 0)
	var ans ingestAnswer
	res.decode(t, &ans)
	if res.status != 200 || len(ans.Data) != 1 || ans.Data[0].Outcome != "created" {
		t.Fatalf("trustpilot: %d %s", res.status, res.body)
	}
	var c struct {
		Data models.Case `json:"data"`
	}
	s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases/"+ans.Data[0].CaseID, "", nil).decode(t, &c)
	if rv := c.Data.Review; rv.SourceKind != models.SourceTrustpilot || rv.Rating != 2 || rv.Author != "Kari" || rv.Title != "Slow delivery" ||
		!rv.PostedAt.Equal(time.Date(2026, 3, 1, 9, 34, 44, 0, time.UTC)) {
		t.Fatalf("trustpilot review: %+v", rv)
	}

	// Google Business Profile's Review resource, in a list answer.
	g, gSecret := s.reviewSource("google_business")
	res = s.deliver(g, gSecret, `{"reviews":[{"name":"accounts/1/locations/2/reviews/AbC","reviewId":"AbC",
		"reviewer":{"displayName":"Liisa","profilePhotoUrl":"https://x.example/p.png","isAnonymous":false},
		"starRating":"FOUR","comment":"Nice staff","createTime":"2026-03-01T10:00:00Z","updateTime":"2026-03-01T10:00:00Z",
		"reviewReply":{"comment":"Thank you!","updateTime":"2026-03-01T12:00:00Z"}}],"averageRating":4,"totalReviewCount":1}`, 0)
	res.decode(t, &ans)
	if res.status != 200 || ans.Data[0].Outcome != "created" {
		t.Fatalf("google: %d %s", res.status, res.body)
	}
	s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases/"+ans.Data[0].CaseID, "", nil).decode(t, &c)
	if rv := c.Data.Review; rv.Rating != 4 || rv.Author != "Liisa" || rv.ReplyState != models.ReplyPublished {
		t.Fatalf("google review: %+v", rv)
	}

	// Booking.com scores 1-10: normalised to 1-5, the original kept.
	b, bSecret := s.reviewSource("booking")
	res = s.deliver(b, bSecret, `[{"external_id":"bk1","rating":3.5,"text":"Noisy room"},{"external_id":"bk2","rating":10,"text":"Perfect"}]`, 0)
	res.decode(t, &ans)
	s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases/"+ans.Data[0].CaseID, "", nil).decode(t, &c)
	if rv := c.Data.Review; rv.Rating != 2 || rv.RatingOriginal != 3.5 || rv.ScaleMax != 10 {
		t.Fatalf("booking review: %+v", rv)
	}

	// The inbox facets and filters by source and reply state.
	res = s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases?view=reviews&review_reply=none&review_source=trustpilot&review_source=booking&facets=review_source", "", nil)
	var list struct {
		Meta struct {
			Total  int            `json:"total"`
			Facets map[string]any `json:"facets"`
		} `json:"meta"`
	}
	res.decode(t, &list)
	if list.Meta.Total != 3 || !strings.Contains(res.body, `"value":"booking","count":2`) {
		t.Fatalf("source + not replied filter: %s", res.body)
	}
	if res := s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases?review_rating=9", "", nil); res.status != 400 {
		t.Fatalf("bad rating filter: %d", res.status)
	}
}

func TestReviewSourcesAdmin(t *testing.T) {
	s := newStack(t)
	id, secret := s.reviewSource("app_store")
	// Agents may list sources (the inbox names them) but never see a secret; only admins
	// change them.
	res := s.do(s.logins["agent"], http.MethodGet, "/api/v1/review-sources", "", nil)
	if res.status != 200 || strings.Contains(res.body, secret) || strings.Contains(res.body, `"secret":`) ||
		!strings.Contains(res.body, `"secret_hint":"`+secret[len(secret)-4:]+`"`) || !strings.Contains(res.body, `"scale_max":5`) {
		t.Fatalf("list: %d %s", res.status, res.body)
	}
	if res := s.do(s.logins["manager"], http.MethodPost, "/api/v1/review-sources", `{"name":"x","kind":"generic"}`, nil); res.status != 403 {
		t.Fatalf("manager create: %d", res.status)
	}
	if res := s.do(s.logins["admin"], http.MethodPost, "/api/v1/review-sources", `{"name":"x","kind":"yelp"}`, nil); res.status != 400 || !strings.Contains(res.body, `"kind"`) {
		t.Fatalf("unknown kind: %d %s", res.status, res.body)
	}
	// The stored record holds no usable secret: only its sealed form.
	src, err := s.env.Store.GetReviewSource(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(src.SecretSealed), secret) || len(src.SecretSealed) == 0 {
		t.Fatal("the secret is stored in the clear")
	}
	// Rotating gives a new secret; the old one stops working.
	res = s.do(s.logins["admin"], http.MethodPost, "/api/v1/review-sources/"+id+"/secret", "", nil)
	var rot struct {
		Data struct {
			Secret string `json:"secret"`
		} `json:"data"`
	}
	res.decode(t, &rot)
	if res.status != 200 || rot.Data.Secret == "" || rot.Data.Secret == secret {
		t.Fatalf("rotate: %d %s", res.status, res.body)
	}
	one := `{"external_id":"a1","rating":1,"text":"crashes"}`
	if res := s.deliver(id, secret, one, 0); res.status != 401 {
		t.Fatalf("old secret after rotation: %d", res.status)
	}
	if res := s.deliver(id, rot.Data.Secret, one, 0); res.status != 200 {
		t.Fatalf("new secret: %d %s", res.status, res.body)
	}
	// The signature scheme is the outbound webhooks' one: a sender can use either helper.
	ts := s.clock.Now().Unix()
	if reviews.Sign("k", ts, []byte("b")) != webhook.Sign("k", ts, []byte("b")) {
		t.Fatal("inbound and outbound signatures differ")
	}
	if res := s.do(s.logins["admin"], http.MethodDelete, "/api/v1/review-sources/"+id, "", nil); res.status != 204 {
		t.Fatalf("delete: %d", res.status)
	}
	if res := s.deliver(id, rot.Data.Secret, one, 0); res.status != 401 {
		t.Fatalf("deleted source: %d", res.status)
	}
}

// Reviews carry no e-mail: they must not all count as one returning customer (the repeat
// complainant rule, the case page's customer history).
func TestReviewsAreNoRepeatCustomer(t *testing.T) {
	s := newStack(t)
	if err := s.rules.EnsureDefaultRules(context.Background()); err != nil {
		t.Fatal(err)
	}
	id, secret := s.reviewSource("generic")
	var ids []string
	for i := range 4 {
		res := s.deliver(id, secret, fmt.Sprintf(`{"external_id":"p%d","rating":5,"author":"Guest %d","text":"Lovely"}`, i, i), 0)
		var ans ingestAnswer
		res.decode(t, &ans)
		if res.status != 200 {
			t.Fatalf("deliver: %d %s", res.status, res.body)
		}
		ids = append(ids, ans.Data[0].CaseID)
	}
	var c struct {
		Data models.Case `json:"data"`
	}
	s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases/"+ids[3], "", nil).decode(t, &c)
	if c.Data.Priority != models.PriorityNormal || len(c.Data.Tags) != 0 {
		t.Fatalf("the fourth review of four strangers: priority %s, tags %v", c.Data.Priority, c.Data.Tags)
	}
	res := s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases/"+ids[3]+"/customer-history", "", nil)
	if res.status != 200 || strings.Contains(res.body, ids[0]) {
		t.Fatalf("customer history of a review: %d %s", res.status, res.body)
	}
}

// A redelivered batch takes case references for its reviews before it learns they are known;
// it gives them back, so the next new review gets the next number: redeliveries leave no gaps.
func TestReviewRedeliveryLeavesNoReferenceGap(t *testing.T) {
	s := newStack(t)
	id, secret := s.reviewSource("generic")
	batch := `{"reviews":[{"external_id":"a","rating":4,"text":"Fine"},{"external_id":"b","rating":5,"text":"Great"},{"external_id":"c","rating":3,"text":"Fair"}]}`
	var first, again, next ingestAnswer
	s.deliver(id, secret, batch, 0).decode(t, &first)
	s.deliver(id, secret, batch, 0).decode(t, &again)
	for i, r := range again.Data {
		if r.Outcome != "unchanged" || r.CaseID != first.Data[i].CaseID {
			t.Fatalf("redelivered %s: %s %s, want unchanged %s", r.ExternalID, r.Outcome, r.CaseID, first.Data[i].CaseID)
		}
	}
	s.deliver(id, secret, `{"external_id":"d","rating":4,"text":"Nice"}`, 0).decode(t, &next)
	highest := ""
	for _, r := range first.Data {
		highest = max(highest, r.CaseID)
	}
	number := func(ref string) int {
		n, err := strconv.Atoi(ref[strings.LastIndex(ref, "-")+1:])
		if err != nil {
			t.Fatalf("reference %q", ref)
		}
		return n
	}
	if len(next.Data) != 1 || next.Data[0].Outcome != "created" || number(next.Data[0].CaseID) != number(highest)+1 {
		t.Fatalf("the next review after %s: %+v, want the next number", highest, next.Data)
	}
	if n := s.reviewCaseCount(); n != 4 {
		t.Fatalf("review cases: %d, want 4", n)
	}
}

// An admin tests a Google source's connection: the stored location and token are used to list
// the first page of reviews (nothing is filed); a wrong token and a source without one are
// clear 422s; agents may not.
func TestReviewSourceGoogleTest(t *testing.T) {
	s := newStack(t)
	const loc = "accounts/1/locations/2"
	google := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer good-token" {
			http.Error(w, `{"error":{"code":401,"status":"UNAUTHENTICATED"}}`, http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodGet || r.URL.Path != "/v4/"+loc+"/reviews" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(`{"reviews":[],"averageRating":4.5,"totalReviewCount":12}`))
	}))
	defer google.Close()
	s.reviews.SetGoogleAPI(google.URL, google.Client())
	id, _ := s.reviewSource("google_business")
	test := func(role string) response {
		return s.do(s.logins[role], http.MethodPost, "/api/v1/review-sources/"+id+"/google-test", "", nil)
	}
	if res := test("admin"); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "no_connector") {
		t.Fatalf("test without a token: %d %s", res.status, res.body)
	}
	version := 1
	patch := func(token string) {
		t.Helper()
		res := s.do(s.logins["admin"], http.MethodPatch, "/api/v1/review-sources/"+id,
			fmt.Sprintf(`{"google_location":%q,"google_access_token":%q,"version":%d}`, loc, token, version), nil)
		if res.status != http.StatusOK || strings.Contains(res.body, token) {
			t.Fatalf("set the connector: %d %s", res.status, res.body)
		}
		version++
	}
	patch("wrong-token")
	if res := test("admin"); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "google_failed") || !strings.Contains(res.body, "401") {
		t.Fatalf("test with a wrong token: %d %s", res.status, res.body)
	}
	patch("good-token")
	if res := test("agent"); res.status != http.StatusForbidden {
		t.Fatalf("an agent tests: %d %s", res.status, res.body)
	}
	res := test("admin")
	if res.status != http.StatusOK || !strings.Contains(res.body, `"reviews":12`) || !strings.Contains(res.body, `"average_rating":4.5`) {
		t.Fatalf("test: %d %s", res.status, res.body)
	}
	if n := s.reviewCaseCount(); n != 0 {
		t.Fatalf("a connection test filed %d reviews", n)
	}
}
