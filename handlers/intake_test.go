package handlers_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/handlers"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// onePixelPNG is a valid 1×1 PNG.
var onePixelPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")

const complaintJSON = `{"name":"Aino Virtanen","email":"aino@example.com","category":"delivery","touchpoint":"delivery","description":"SENTINEL-TEXT The parcel arrived crushed.","expected_outcome":"replacement"}`

type receipt struct {
	Data struct {
		Reference     string `json:"reference"`
		TrackingURL   string `json:"tracking_url"`
		TrackingToken string `json:"tracking_token"`
	} `json:"data"`
}

// multipartBody builds a form with text fields and files under "attachments".
func multipartBody(t *testing.T, fields map[string]string, files map[string][]byte) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	for name, b := range files {
		fw, err := w.CreateFormFile("attachments", name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(b)
	}
	_ = w.Close()
	return buf.String(), w.FormDataContentType()
}

func complaintFields() map[string]string {
	return map[string]string{"name": "Aino Virtanen", "email": "aino@example.com", "category": "product",
		"touchpoint": "store", "description": "The kettle leaks after two days of use.", "expected_outcome": "refund", "locale": "fi"}
}

func (s *stack) file(t *testing.T, body string, headers map[string]string) receipt {
	t.Helper()
	res := s.do(nil, "POST", "/api/v1/complaints", body, headers)
	if res.status != http.StatusCreated {
		t.Fatalf("file complaint: %d %s", res.status, res.body)
	}
	var r receipt
	res.decode(t, &r)
	return r
}

func TestComplaintIntakeAndTracking(t *testing.T) {
	s := newStack(t)
	r := s.file(t, complaintJSON, nil)
	if !strings.HasPrefix(r.Data.Reference, "K-2026-") || !strings.HasPrefix(r.Data.TrackingURL, "https://help.example.com/track/") || len(r.Data.TrackingToken) < 40 {
		t.Fatalf("receipt: %+v", r.Data)
	}
	token := r.Data.TrackingToken
	// The token is stored only as a hash.
	c, err := s.env.Store.GetCase(context.Background(), r.Data.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if c.Channel != models.ChannelWebForm || c.Status != models.StatusNew || c.ExpectedOutcome != "replacement" {
		t.Fatalf("stored case: %+v", c)
	}

	// The acknowledgement is queued with the reference and link, never the complaint text.
	if _, err := s.mailer.ProcessDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	outbox := s.do(s.logins["admin"], "GET", "/api/v1/mail/outbox", "", nil)
	if outbox.status != 200 || !strings.Contains(outbox.body, r.Data.Reference) || !strings.Contains(outbox.body, "aino@example.com") {
		t.Fatalf("outbox: %d %s", outbox.status, outbox.body)
	}
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	outbox.decode(t, &list)
	mailRes := s.do(s.logins["admin"], "GET", "/api/v1/mail/outbox/"+list.Data[0].ID, "", nil)
	if mailRes.status != 200 || !strings.Contains(mailRes.body, r.Data.Reference) || !strings.Contains(mailRes.body, "/track/") || strings.Contains(mailRes.body, "SENTINEL-TEXT") {
		t.Fatalf("acknowledgement mail must carry reference and link but not the complaint: %s", mailRes.body)
	}
	// The list and the single mail answer in one shape; only the single mail adds the bodies and
	// its threading headers (issue 17).
	var listed struct {
		Data []map[string]any `json:"data"`
	}
	var single struct {
		Data map[string]any `json:"data"`
	}
	outbox.decode(t, &listed)
	mailRes.decode(t, &single)
	for _, k := range []string{"text", "html", "message_id", "in_reply_to", "references", "reply_to"} {
		delete(single.Data, k)
	}
	if !slices.Equal(slices.Sorted(maps.Keys(listed.Data[0])), slices.Sorted(maps.Keys(single.Data))) {
		t.Fatalf("outbox list entry %v and single mail %v differ in shape", listed.Data[0], single.Data)
	}

	// The customer side runs through the token routes (API clients) and the page's cookie alike.
	s.logins["customer"] = s.openTracking(t, token)
	casePath := "/api/v1/track/case/" + r.Data.Reference
	s.run(t, []scenario{
		{name: "agent cannot read outbox", as: "agent", method: "GET", path: "/api/v1/mail/outbox", wantStatus: 403},
		{name: "track", method: "GET", path: "/api/v1/track/" + token, wantStatus: 200, wantBody: []string{r.Data.Reference, `"status_text":"received"`, "SENTINEL-TEXT"}},
		{name: "track with the cookie", as: "customer", method: "GET", path: casePath, wantStatus: 200, wantBody: []string{r.Data.Reference, `"status_text":"received"`, "SENTINEL-TEXT"}},
		{name: "wrong token", method: "GET", path: "/api/v1/track/" + strings.Repeat("A", 64), wantStatus: 404},
		{name: "short token", method: "GET", path: "/api/v1/track/abc", wantStatus: 404},
		{name: "wrong token exchanged", method: "POST", path: "/api/v1/track/session", body: `{"token":"` + strings.Repeat("A", 64) + `"}`, headers: map[string]string{handlers.TrackHeader: "1"}, wantStatus: 404},
		{name: "short token exchanged", method: "POST", path: "/api/v1/track/session", body: `{"token":"abc"}`, headers: map[string]string{handlers.TrackHeader: "1"}, wantStatus: 404},
		{name: "appears unassigned", as: "agent", method: "GET", path: "/api/v1/cases?view=unassigned", wantBody: []string{r.Data.Reference}, wantStatus: 200},
		{name: "follow-up before resolution refused", method: "POST", path: "/api/v1/track/" + token + "/follow-up", body: `{"resolved":true,"rating":5}`, wantStatus: 422, wantCode: "not_resolved"},
		{name: "follow-up before resolution refused, cookie", as: "customer", method: "POST", path: casePath + "/follow-up", body: `{"resolved":true,"rating":5}`, wantStatus: 422, wantCode: "not_resolved"},
	})

	// Agent replies and notes; the customer sees the reply, never the note.
	agent := s.logins["agent"]
	res := s.do(agent, "POST", "/api/v1/cases/"+r.Data.Reference+"/messages", `{"kind":"note","body":"INTERNAL: check the courier"}`, nil)
	if res.status != 201 {
		t.Fatalf("note: %d %s", res.status, res.body)
	}
	res = s.do(agent, "POST", "/api/v1/cases/"+r.Data.Reference+"/messages", `{"kind":"reply","body":"We are sending a new one.","status":"waiting"}`, nil)
	if res.status != 201 {
		t.Fatalf("reply: %d %s", res.status, res.body)
	}
	var replied struct{ Data models.Case }
	res.decode(t, &replied)
	if replied.Data.FirstResponseAt == nil || replied.Data.Status != models.StatusWaiting {
		t.Fatalf("after reply: first response %v status %s", replied.Data.FirstResponseAt, replied.Data.Status)
	}
	for _, track := range []response{s.do(nil, "GET", "/api/v1/track/"+token, "", nil), s.do(s.logins["customer"], "GET", casePath, "", nil)} {
		if !strings.Contains(track.body, "We are sending a new one.") || strings.Contains(track.body, "INTERNAL") || !strings.Contains(track.body, `"status":"waiting"`) {
			t.Fatalf("tracking view: %s", track.body)
		}
	}

	// The customer answers: the case reopens. A token-route write needs no tracking header.
	res = s.do(nil, "POST", "/api/v1/track/"+token+"/messages", `{"body":"Thanks, when will it arrive?"}`, nil)
	if res.status != 201 || !strings.Contains(res.body, `"status":"open"`) {
		t.Fatalf("customer reply: %d %s", res.status, res.body)
	}
	if res := s.do(s.logins["customer"], "GET", casePath, "", nil); !strings.Contains(res.body, "when will it arrive?") {
		t.Fatalf("the cookie's view lacks the token route's message: %s", res.body)
	}
	// Resolved, then the follow-up: not fixed reopens the case, and it can be answered once.
	stored, _ := s.env.Store.GetCase(context.Background(), r.Data.Reference)
	if res := s.do(agent, "PATCH", "/api/v1/cases/"+r.Data.Reference, fmt.Sprintf(`{"version":%d,"status":"resolved"}`, stored.Version), nil); res.status != 200 {
		t.Fatalf("resolve: %d %s", res.status, res.body)
	}
	s.run(t, []scenario{
		{name: "follow-up field errors", method: "POST", path: "/api/v1/track/" + token + "/follow-up", body: `{"rating":9}`, wantStatus: 400, wantFields: []string{"resolved", "rating"}},
		{name: "follow-up field errors, cookie", as: "customer", method: "POST", path: casePath + "/follow-up", body: `{"rating":9}`, wantStatus: 400, wantFields: []string{"resolved", "rating"}},
		{name: "follow-up not fixed", method: "POST", path: "/api/v1/track/" + token + "/follow-up", body: `{"resolved":false,"rating":2,"comment":"Still leaking"}`, wantStatus: 200, wantBody: []string{`"status":"open"`, `"rating":2`}},
		{name: "follow-up once", method: "POST", path: "/api/v1/track/" + token + "/follow-up", body: `{"resolved":true,"rating":5}`, wantStatus: 409, wantCode: "already_answered"},
		{name: "follow-up once, whichever the credential", as: "customer", method: "POST", path: casePath + "/follow-up", body: `{"resolved":true,"rating":5}`, wantStatus: 409, wantCode: "already_answered"},
	})
}

func TestComplaintFormDefences(t *testing.T) {
	s := newStack(t)
	s.run(t, []scenario{
		{name: "field errors by JSON name", method: "POST", path: "/api/v1/complaints", body: `{"email":"nope","touchpoint":"moon","expected_outcome":"money"}`, wantStatus: 400,
			wantFields: []string{"name", "email", "category", "touchpoint", "description", "expected_outcome"}},
		{name: "unknown category", method: "POST", path: "/api/v1/complaints", body: strings.Replace(complaintJSON, `"delivery","touchpoint"`, `"rockets","touchpoint"`, 1), wantStatus: 400, wantFields: []string{"category"}},
		{name: "honeypot", method: "POST", path: "/api/v1/complaints", body: strings.Replace(complaintJSON, `{`, `{"website":"http://spam.example",`, 1), wantStatus: 422, wantCode: "rejected"},
		{name: "no mass assignment", method: "POST", path: "/api/v1/complaints", body: strings.Replace(complaintJSON, `{`, `{"status":"closed",`, 1), wantStatus: 400, wantFields: []string{"status"}},
		{name: "dollar keys", method: "POST", path: "/api/v1/complaints", body: `{"email":{"$gt":""}}`, wantStatus: 400},
		{name: "form options", method: "GET", path: "/api/v1/form-options?locale=fi", wantStatus: 200, wantBody: []string{"Toimitus", `"touchpoints"`}},
	})
	if n, _ := s.env.Store.CountCases(context.Background()); n != 0 {
		t.Fatalf("refused complaints were stored: %d", n)
	}
}

func TestComplaintIdempotency(t *testing.T) {
	s := newStack(t)
	h := map[string]string{handlers.IdempotencyHeader: "fill-7f3a"}
	first := s.file(t, complaintJSON, h)
	// The same request again (even with its fields in another order) is the same submission:
	// it gets the very receipt it lost, the same reference and the same link, and nothing new
	// is minted.
	reordered := `{"email":"aino@example.com","name":"Aino Virtanen","category":"delivery","touchpoint":"delivery","expected_outcome":"replacement","description":"SENTINEL-TEXT The parcel arrived crushed."}`
	second := s.file(t, reordered, h)
	if first.Data != second.Data {
		t.Fatalf("a retry got another answer: %v vs %v", first.Data, second.Data)
	}
	if res := s.do(nil, "GET", "/api/v1/track/"+first.Data.TrackingToken, "", nil); res.status != 200 {
		t.Fatalf("tracking link after retry: %d", res.status)
	}
	// The same key with another e-mail is another submission: a key alone never reveals a case.
	stranger := s.file(t, strings.Replace(complaintJSON, "aino@example.com", "mallory@example.com", 1), h)
	if stranger.Data.Reference == first.Data.Reference {
		t.Fatal("someone else's key reuse returned Aino's case")
	}
	other := s.file(t, complaintJSON, map[string]string{handlers.IdempotencyHeader: "another-fill"})
	if other.Data.Reference == first.Data.Reference {
		t.Fatal("a different key must file a new complaint")
	}
	if n, _ := s.env.Store.CountCases(context.Background()); n != 3 {
		t.Fatalf("stored %d cases, want 3", n)
	}
	// Retries do not use up the rate limit: five more retries of the first still answer.
	for i := 0; i < 5; i++ {
		if r := s.file(t, complaintJSON, h); r.Data != first.Data {
			t.Fatal("retry answered with another receipt")
		}
	}
}

// Someone who knows a customer's e-mail and the key their shop's integration used (an order
// number) sends their own complaint with both: they get 422, never a link to her case.
func TestReusedIdempotencyKeyWithAnotherRequestIsRefused(t *testing.T) {
	s := newStack(t)
	h := map[string]string{handlers.IdempotencyHeader: "order-10042"}
	first := s.file(t, complaintJSON, h)
	probe := strings.Replace(complaintJSON, "SENTINEL-TEXT The parcel arrived crushed.", "Where is my parcel? It is late.", 1)
	res := s.do(nil, "POST", "/api/v1/complaints", probe, h)
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, `"idempotency_key_reused"`) {
		t.Fatalf("another request with a used key: %d %s", res.status, res.body)
	}
	if strings.Contains(res.body, first.Data.Reference) || strings.Contains(res.body, "track") {
		t.Fatalf("the refusal tells about the case: %s", res.body)
	}
	// A multipart retry of a JSON filing is the same request when its fields are the same.
	fields := map[string]string{"name": "Aino Virtanen", "email": "aino@example.com", "category": "delivery", "touchpoint": "delivery",
		"description": "SENTINEL-TEXT The parcel arrived crushed.", "expected_outcome": "replacement"}
	body, ct := multipartBody(t, fields, nil)
	h2 := map[string]string{handlers.IdempotencyHeader: "order-10042", "Content-Type": ct}
	if r := s.file(t, body, h2); r.Data != first.Data {
		t.Fatalf("multipart retry: %v, want %v", r.Data, first.Data)
	}
	// Another file with the same fields is another request.
	body, ct = multipartBody(t, fields, map[string][]byte{"photo.png": onePixelPNG})
	h2["Content-Type"] = ct
	if res := s.do(nil, "POST", "/api/v1/complaints", body, h2); res.status != http.StatusUnprocessableEntity {
		t.Fatalf("retry with a file added: %d %s", res.status, res.body)
	}
	if n, _ := s.env.Store.CountCases(context.Background()); n != 1 {
		t.Fatalf("stored %d cases, want 1", n)
	}
}

// A double click sends the same key twice at once: one case is filed, and every answer is
// either that case or "in progress", never a second case.
func TestConcurrentRetriesFileOnce(t *testing.T) {
	s := newStack(t)
	h := map[string]string{handlers.IdempotencyHeader: "double-click"}
	var wg sync.WaitGroup
	results := make([]response, 8)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = s.do(nil, "POST", "/api/v1/complaints", complaintJSON, h)
		}(i)
	}
	wg.Wait()
	refs := map[string]bool{}
	for _, res := range results {
		switch res.status {
		case http.StatusCreated:
			var r receipt
			res.decode(t, &r)
			refs[r.Data.Reference] = true
		case http.StatusConflict:
			if !strings.Contains(res.body, "in_progress") {
				t.Fatalf("conflict without in_progress: %s", res.body)
			}
		default:
			t.Fatalf("concurrent retry: %d %s", res.status, res.body)
		}
	}
	if n, _ := s.env.Store.CountCases(context.Background()); n != 1 || len(refs) != 1 {
		t.Fatalf("%d cases stored, %d references answered; want one of each", n, len(refs))
	}
	// An "in progress" answer never gives up the claim of the request that is filing: a later
	// retry still finds the one case.
	again := s.file(t, complaintJSON, h)
	if !refs[again.Data.Reference] {
		t.Fatalf("a later retry filed %s", again.Data.Reference)
	}
	if n, _ := s.env.Store.CountCases(context.Background()); n != 1 {
		t.Fatalf("%d cases after the later retry", n)
	}
}

// A refused complaint leaves no index mark behind (a flood of them must not make work for the
// reconciler): every mark left belongs to a stored case.
func TestRefusedComplaintLeavesNoIndexMark(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	for i := 0; i < 8; i++ { // the per-e-mail limit is 5
		s.do(nil, "POST", "/api/v1/complaints", complaintJSON, nil)
	}
	marks, err := s.env.Store.DirtyMarks(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range marks {
		if _, err := s.env.Store.GetCase(ctx, m.ID); err != nil {
			t.Fatalf("mark %s without a case: %v", m.ID, err)
		}
	}
}

// A filing cut short after its key was claimed (a crash: the claim names a case that was never
// stored) answers "in progress" for a few seconds only, then the retry files the complaint
// under the claim's reference and link, so the receipt is the one the first request would have
// given.
func TestStaleIdempotencyClaimLetsRetryFile(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	h := map[string]string{handlers.IdempotencyHeader: "crashed"}
	first := s.file(t, complaintJSON, h)
	if _, err := s.env.Store.Database().Collection("cases").DeleteOne(ctx, bson.D{{Key: "_id", Value: first.Data.Reference}}); err != nil {
		t.Fatal(err)
	}
	res := s.do(nil, "POST", "/api/v1/complaints", complaintJSON, h)
	if res.status != http.StatusConflict || res.header.Get("Retry-After") != "1" {
		t.Fatalf("retry right after the crash: %d %v %s", res.status, res.header, res.body)
	}
	s.clock.Advance(11 * time.Second)
	again := s.file(t, complaintJSON, h)
	if again.Data != first.Data {
		t.Fatalf("retry after the crash: %v, want the first receipt %v", again.Data, first.Data)
	}
	if _, err := s.env.Store.GetCase(ctx, again.Data.Reference); err != nil {
		t.Fatalf("retry's case not stored: %v", err)
	}
	if res := s.do(nil, "GET", "/api/v1/track/"+again.Data.TrackingToken, "", nil); res.status != 200 {
		t.Fatalf("link after the takeover: %d", res.status)
	}
	if r := s.file(t, complaintJSON, h); r.Data != again.Data {
		t.Fatalf("next retry: %v, want %v", r.Data, again.Data)
	}
	if n, _ := s.env.Store.CountCases(ctx); n != 1 {
		t.Fatalf("%d cases stored, want 1", n)
	}
}

// Retries that take over a crashed filing at the same moment all write the claim's case _id:
// one stores it, the others find it theirs (the same tracking token) and answer with it, never
// filing it again under another number.
func TestConcurrentTakeoversFileOnce(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	h := map[string]string{handlers.IdempotencyHeader: "crashed-twice"}
	first := s.file(t, complaintJSON, h)
	if _, err := s.env.Store.Database().Collection("cases").DeleteOne(ctx, bson.D{{Key: "_id", Value: first.Data.Reference}}); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(time.Minute)
	var wg sync.WaitGroup
	results := make([]response, 6)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = s.do(nil, "POST", "/api/v1/complaints", complaintJSON, h)
		}(i)
	}
	wg.Wait()
	for _, res := range results {
		var r receipt
		if res.status != http.StatusCreated {
			t.Fatalf("takeover: %d %s", res.status, res.body)
		}
		res.decode(t, &r)
		if r.Data != first.Data {
			t.Fatalf("takeover answered %v, want %v", r.Data, first.Data)
		}
	}
	if n, _ := s.env.Store.CountCases(ctx); n != 1 {
		t.Fatalf("%d cases stored, want 1", n)
	}
}

func TestComplaintRateLimitPerEmail(t *testing.T) {
	s := newStack(t)
	var last response
	for i := 0; i < 6; i++ {
		last = s.do(nil, "POST", "/api/v1/complaints", complaintJSON, nil)
	}
	if last.status != http.StatusTooManyRequests {
		t.Fatalf("sixth complaint from one e-mail in ten minutes: %d", last.status)
	}
}

func TestAttachmentsAreCheckedAndScopedToTheirCase(t *testing.T) {
	s := newStack(t)
	body, ct := multipartBody(t, complaintFields(), map[string][]byte{"photo.png": onePixelPNG})
	a := s.file(t, body, map[string]string{"Content-Type": ct})
	b := s.file(t, complaintJSON, nil)

	c, _ := s.env.Store.GetCase(context.Background(), a.Data.Reference)
	if len(c.Attachments) != 1 || c.Attachments[0].ContentType != "image/png" || c.Locale != "fi" {
		t.Fatalf("attachments: %+v locale %q", c.Attachments, c.Locale)
	}
	aid := c.Attachments[0].ID
	s.logins["customerA"] = s.openTracking(t, a.Data.TrackingToken)
	s.logins["customerB"] = s.openTracking(t, b.Data.TrackingToken)
	for _, res := range []response{
		s.do(nil, "GET", "/api/v1/track/"+a.Data.TrackingToken+"/attachments/"+aid, "", nil),
		s.do(s.logins["customerA"], "GET", "/api/v1/track/case/"+a.Data.Reference+"/attachments/"+aid, "", nil),
	} {
		if res.status != 200 || !bytes.Equal([]byte(res.body), onePixelPNG) ||
			!strings.HasPrefix(res.header.Get("Content-Disposition"), "attachment;") || res.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("download: %d %v", res.status, res.header)
		}
	}
	s.run(t, []scenario{
		{name: "other case's token", method: "GET", path: "/api/v1/track/" + b.Data.TrackingToken + "/attachments/" + aid, wantStatus: 404},
		{name: "forged token", method: "GET", path: "/api/v1/track/" + strings.Repeat("A", 64) + "/attachments/" + aid, wantStatus: 404},
		{name: "other case's cookie on this case's path", as: "customerB", method: "GET", path: "/api/v1/track/case/" + a.Data.Reference + "/attachments/" + aid, wantStatus: 401},
		{name: "other case's cookie on its own path", as: "customerB", method: "GET", path: "/api/v1/track/case/" + b.Data.Reference + "/attachments/" + aid, wantStatus: 404},
		{name: "no cookie", method: "GET", path: "/api/v1/track/case/" + a.Data.Reference + "/attachments/" + aid, wantStatus: 401},
		{name: "staff download", as: "agent", method: "GET", path: "/api/v1/cases/" + a.Data.Reference + "/attachments/" + aid, wantStatus: 200},
		{name: "staff via the wrong case", as: "agent", method: "GET", path: "/api/v1/cases/" + b.Data.Reference + "/attachments/" + aid, wantStatus: 404},
		{name: "anonymous staff path", method: "GET", path: "/api/v1/cases/" + a.Data.Reference + "/attachments/" + aid, wantStatus: 401},
	})

	// Content decides, not the name: a text file called .png is refused.
	fields := complaintFields()
	fields["email"] = "someone@example.com"
	body, ct = multipartBody(t, fields, map[string][]byte{"evil.png": []byte("<html><script>alert(1)</script></html>")})
	res := s.do(nil, "POST", "/api/v1/complaints", body, map[string]string{"Content-Type": ct})
	if res.status != 400 || !strings.Contains(res.body, `"attachments"`) {
		t.Fatalf("disguised file: %d %s", res.status, res.body)
	}
	// Too many files.
	files := map[string][]byte{}
	for i := 0; i < 6; i++ {
		files[fmt.Sprintf("p%d.png", i)] = onePixelPNG
	}
	body, ct = multipartBody(t, fields, files)
	if res := s.do(nil, "POST", "/api/v1/complaints", body, map[string]string{"Content-Type": ct}); res.status != 400 {
		t.Fatalf("six files: %d %s", res.status, res.body)
	}
	// Too large a file.
	big := append(append([]byte{}, onePixelPNG...), bytes.Repeat([]byte{0}, 40<<10)...)
	body, ct = multipartBody(t, fields, map[string][]byte{"big.png": big})
	if res := s.do(nil, "POST", "/api/v1/complaints", body, map[string]string{"Content-Type": ct}); res.status != 413 {
		t.Fatalf("big file: %d %s", res.status, res.body)
	}
	// Unknown multipart field.
	fields["status"] = "closed"
	body, ct = multipartBody(t, fields, nil)
	if res := s.do(nil, "POST", "/api/v1/complaints", body, map[string]string{"Content-Type": ct}); res.status != 400 || !strings.Contains(res.body, `"status"`) {
		t.Fatalf("unknown field: %d %s", res.status, res.body)
	}
}

func TestCustomerHistoryAndPresence(t *testing.T) {
	s := newStack(t)
	first := s.file(t, complaintJSON, nil)
	second := s.file(t, strings.Replace(complaintJSON, "crushed", "late", 1), nil)
	res := s.do(s.logins["agent"], "GET", "/api/v1/cases/"+second.Data.Reference+"/customer-history", "", nil)
	if res.status != 200 || !strings.Contains(res.body, first.Data.Reference) || strings.Contains(res.body, `"id":"`+second.Data.Reference+`"`) {
		t.Fatalf("history: %d %s", res.status, res.body)
	}
	res = s.do(s.logins["agent"], "POST", "/api/v1/cases/"+first.Data.Reference+"/presence", "", nil)
	res = s.do(s.logins["manager"], "POST", "/api/v1/cases/"+first.Data.Reference+"/presence", "", nil)
	if res.status != 200 || !strings.Contains(res.body, "Agent User") || !strings.Contains(res.body, "Manager User") {
		t.Fatalf("presence: %d %s", res.status, res.body)
	}
	res = s.do(s.logins["agent"], "DELETE", "/api/v1/cases/"+first.Data.Reference+"/presence", "", nil)
	if strings.Contains(res.body, "Agent User") {
		t.Fatalf("left, still present: %s", res.body)
	}
}

func TestLiveEventsReachSubscribers(t *testing.T) {
	s := newStack(t)
	ch, stop := s.events.Subscribe()
	defer stop()
	r := s.file(t, complaintJSON, nil)
	if _, err := s.events.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := <-ch
	if e.Type != "case.created" || e.CaseID != r.Data.Reference {
		t.Fatalf("event %+v", e)
	}
	// Over HTTP: the stream needs staff and serves text/event-stream.
	if res := s.do(nil, "GET", "/api/v1/events", "", nil); res.status != 401 {
		t.Fatalf("anonymous events: %d", res.status)
	}
	req, _ := http.NewRequest("GET", s.srv.URL+"/api/v1/events", nil)
	req.AddCookie(&http.Cookie{Name: handlers.SessionCookie, Value: s.logins["agent"].cookie})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("content type %q", resp.Header.Get("Content-Type"))
	}
	buf := make([]byte, 64)
	n, _ := io.ReadAtLeast(resp.Body, buf, 10)
	if !strings.Contains(string(buf[:n]), "connected") {
		t.Fatalf("stream start: %q", buf[:n])
	}
}

func TestPresenceNeedsACase(t *testing.T) {
	s := newStack(t)
	s.run(t, []scenario{
		{name: "no such case", as: "agent", method: "POST", path: "/api/v1/cases/K-2026-424242/presence", wantStatus: 404},
		{name: "empty categories", as: "admin", method: "PUT", path: "/api/v1/categories", body: `{"categories":[]}`, wantStatus: 400, wantFields: []string{"categories"}},
		{name: "blank category names", as: "admin", method: "PUT", path: "/api/v1/categories", body: `{"categories":[{"name_en":"  ","name_fi":"x","active":true}]}`, wantStatus: 400},
		{name: "save categories", as: "admin", method: "PUT", path: "/api/v1/categories", body: `{"categories":[{"name_en":"Spare parts","name_fi":"Varaosat","active":true}]}`, wantStatus: 200, wantBody: []string{`"id":"spare_parts"`}},
		{name: "agent cannot save", as: "agent", method: "PUT", path: "/api/v1/categories", body: `{"categories":[{"name_en":"a","name_fi":"b","active":true}]}`, wantStatus: 403},
	})
}

// The first response promised in the receipt and the acknowledgement comes from the case's SLA
// on its business calendar: filed on Friday afternoon, the answer is due on Monday.
func TestPromisedFirstResponseFollowsTheSLA(t *testing.T) {
	s := newStack(t)
	s.clock.Advance(4*24*time.Hour + 5*time.Hour) // Friday 6 March 2026, 14:00 UTC (16:00 in Helsinki)
	res := s.do(nil, "POST", "/api/v1/complaints", complaintJSON, nil)
	var r struct {
		Data struct {
			Reference          string    `json:"reference"`
			FirstResponseHours int       `json:"first_response_hours"`
			FirstResponseDue   time.Time `json:"first_response_due"`
			TimeZone           string    `json:"time_zone"`
		} `json:"data"`
	}
	res.decode(t, &r)
	// Said as a time, not a vague number of hours: the due time in the calendar's zone.
	if r.Data.TimeZone != "Europe/Helsinki" || r.Data.FirstResponseDue.Weekday() != time.Monday {
		t.Fatalf("receipt: due %v in %q, want a Monday in Europe/Helsinki", r.Data.FirstResponseDue, r.Data.TimeZone)
	}
	c, err := s.env.Store.GetCase(context.Background(), r.Data.Reference)
	if err != nil {
		t.Fatal(err)
	}
	want := c.FirstResponseHours()
	if want <= 24 || r.Data.FirstResponseHours != want {
		t.Fatalf("promised %d hours, the SLA says %d (a weekend lies between)", r.Data.FirstResponseHours, want)
	}
	if _, err := s.mailer.ProcessDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	// (Read from the store: the staff sessions of the stack ended during the four days.)
	recent, err := s.env.Store.RecentOutbox(context.Background(), 1)
	if err != nil || len(recent) != 1 {
		t.Fatalf("outbox: %v %v", recent, err)
	}
	ack, err := s.env.Store.GetOutboxMail(context.Background(), recent[0].ID)
	if err != nil || !strings.Contains(ack.Message.Text, "by Monday "+r.Data.FirstResponseDue.Format("15:04")+".") {
		t.Fatalf("acknowledgement does not promise an answer by Monday %s: %v %v", r.Data.FirstResponseDue.Format("15:04"), ack, err)
	}
}

// Every field error carries a machine-readable reason, so the app can word it in the
// customer's language instead of showing the server's English.
func TestFieldErrorsCarryTheirReason(t *testing.T) {
	s := newStack(t)
	body := `{"name":"","email":"not-an-address","category":"delivery","touchpoint":"moon","description":"short","expected_outcome":"replacement"}`
	res := s.do(nil, http.MethodPost, "/api/v1/complaints", body, nil)
	if res.status != http.StatusBadRequest {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	var env struct {
		Error struct {
			Fields      map[string]string            `json:"fields"`
			FieldIssues map[string]models.FieldIssue `json:"field_issues"`
		} `json:"error"`
	}
	res.decode(t, &env)
	want := map[string]models.FieldIssue{
		"name":        {Code: "required"},
		"email":       {Code: "invalid_email"},
		"touchpoint":  {Code: "not_allowed"},
		"description": {Code: "too_short", Limit: 10},
	}
	if !reflect.DeepEqual(env.Error.FieldIssues, want) {
		t.Errorf("field_issues = %+v, want %+v", env.Error.FieldIssues, want)
	}
	for f := range env.Error.Fields {
		if _, ok := env.Error.FieldIssues[f]; !ok {
			t.Errorf("field %s has a message but no reason", f)
		}
	}
}
