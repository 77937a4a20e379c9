package handlers_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/webhook"
)

type caseAnswer struct {
	Data models.Case `json:"data"`
}

// replyStep posts one step of a review reply and returns the answer.
func (s *stack) replyStep(as, caseID, body string) (response, *models.Case) {
	s.t.Helper()
	res := s.do(s.logins[as], http.MethodPost, "/api/v1/cases/"+caseID+"/review-reply", body, nil)
	if res.status != http.StatusOK {
		return res, nil
	}
	var c caseAnswer
	res.decode(s.t, &c)
	return res, &c.Data
}

// reviewCase delivers one review to a new source and returns the source and the case.
func (s *stack) reviewCase(sourceBody string) (sourceID, caseID string) {
	s.t.Helper()
	res := s.do(s.logins["admin"], http.MethodPost, "/api/v1/review-sources", sourceBody, nil)
	var src struct {
		Data struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		} `json:"data"`
	}
	res.decode(s.t, &src)
	res = s.deliver(src.Data.ID, src.Data.Secret, `{"external_id":"r1","rating":1,"author":"Pia","text":"Cold soup"}`, 0)
	var ans ingestAnswer
	res.decode(s.t, &ans)
	if res.status != 200 || len(ans.Data) != 1 {
		s.t.Fatalf("deliver: %d %s", res.status, res.body)
	}
	return src.Data.ID, ans.Data[0].CaseID
}

func TestReviewReplyWithApproval(t *testing.T) {
	s := newStack(t)
	_, id := s.reviewCase(`{"name":"Hotel","kind":"booking","reply_limit":40,"reply_approval":true}`)

	// Over the source's limit (40 characters, counted as characters: ä is one) is refused.
	long := strings.Repeat("ä", 41)
	res, _ := s.replyStep("agent", id, `{"action":"save","text":"`+long+`"}`)
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, `"reply_too_long"`) || !strings.Contains(res.body, `"text"`) {
		t.Fatalf("over the limit: %d %s", res.status, res.body)
	}
	_, c := s.replyStep("agent", id, `{"action":"save","text":"`+strings.Repeat("ä", 40)+`"}`)
	if c == nil || c.Review.Reply.Step != models.ReplyStepDraft {
		t.Fatalf("a reply at the limit is saved: %+v", c)
	}
	_, c = s.replyStep("agent", id, `{"action":"save","text":"Sorry about the soup, Pia."}`)
	if c == nil || c.Review.Reply.Text != "Sorry about the soup, Pia." || c.Review.Reply.DraftedBy == "" {
		t.Fatalf("draft: %+v", c)
	}

	// Approval is required: publishing a draft is refused, agents do not approve.
	for _, step := range []struct{ as, body, code string }{
		{"agent", `{"action":"publish"}`, "reply_step"},
		{"agent", `{"action":"approve"}`, "forbidden"},
	} {
		if res, _ := s.replyStep(step.as, id, step.body); !strings.Contains(res.body, `"`+step.code+`"`) {
			t.Fatalf("%s %s: %d %s", step.as, step.body, res.status, res.body)
		}
	}
	_, c = s.replyStep("agent", id, `{"action":"submit"}`)
	if c == nil || c.Review.Reply.Step != models.ReplyStepPending {
		t.Fatalf("submit: %+v", c)
	}
	if res, _ := s.replyStep("agent", id, `{"action":"save","text":"Changed meanwhile"}`); res.status != http.StatusUnprocessableEntity {
		t.Fatalf("a pending reply is not changed: %d %s", res.status, res.body)
	}

	// The manager sends it back with a comment; the agent edits, resubmits; it is approved.
	if res, _ := s.replyStep("manager", id, `{"action":"send_back"}`); res.status != http.StatusBadRequest {
		t.Fatalf("send back without a comment: %d %s", res.status, res.body)
	}
	_, c = s.replyStep("manager", id, `{"action":"send_back","comment":"Offer a call back"}`)
	if c == nil || c.Review.Reply.Step != models.ReplyStepReturned || c.Review.Reply.DecisionComment != "Offer a call back" {
		t.Fatalf("send back: %+v", c)
	}
	s.replyStep("agent", id, `{"action":"save","text":"Sorry, Pia. We will call you."}`)
	s.replyStep("agent", id, `{"action":"submit"}`)
	_, c = s.replyStep("manager", id, `{"action":"approve"}`)
	if c == nil || c.Review.Reply.Step != models.ReplyStepApproved {
		t.Fatalf("approve: %+v", c)
	}

	// Published by hand: the review counts as replied.
	_, c = s.replyStep("agent", id, `{"action":"publish","via":"manual"}`)
	if c == nil || c.Review.ReplyState != models.ReplyPublished || c.Review.Reply.PublishedText != "Sorry, Pia. We will call you." ||
		c.Review.Reply.PublishedVia != "manual" || c.Review.Reply.PublishedAt == nil {
		t.Fatalf("publish: %+v", c)
	}
	if res := s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases?view=reviews&review_reply=none", "", nil); strings.Contains(res.body, `"id":"`+id+`"`) {
		t.Fatalf("a replied review is not among the unreplied: %s", res.body)
	}

	// An edit of the published reply goes through approval again and is recorded as an edit;
	// the published text stays public until then.
	_, c = s.replyStep("agent", id, `{"action":"save","text":"Sorry, Pia. We called you."}`)
	if c.Review.Reply.PublishedText != "Sorry, Pia. We will call you." || c.Review.ReplyState != models.ReplyPublished {
		t.Fatalf("edit draft: %+v", c.Review.Reply)
	}
	s.replyStep("agent", id, `{"action":"submit"}`)
	s.replyStep("manager", id, `{"action":"approve"}`)
	_, c = s.replyStep("agent", id, `{"action":"publish"}`)
	if c == nil || c.Review.Reply.PublishedText != "Sorry, Pia. We called you." {
		t.Fatalf("edit published: %+v", c)
	}
	_, c = s.replyStep("agent", id, `{"action":"withdraw"}`)
	if c == nil || c.Review.ReplyState != models.ReplyNone || c.Review.Reply.Step != models.ReplyStepWithdrawn {
		t.Fatalf("withdraw: %+v", c)
	}
	var types []string
	for _, e := range c.Timeline {
		if strings.HasPrefix(e.Type, "review_reply_") {
			types = append(types, e.Type)
		}
	}
	want := "review_reply_submitted review_reply_returned review_reply_submitted review_reply_approved review_reply_published " +
		"review_reply_submitted review_reply_approved review_reply_edited review_reply_withdrawn"
	if strings.Join(types, " ") != want {
		t.Fatalf("timeline:\n %s\nwant\n %s", strings.Join(types, " "), want)
	}
	if res, _ := s.replyStep("agent", id, `{"action":"withdraw"}`); res.status != http.StatusUnprocessableEntity {
		t.Fatalf("withdraw twice: %d %s", res.status, res.body)
	}
}

func TestReviewReplyThroughWebhook(t *testing.T) {
	s := newStack(t)
	var mu sync.Mutex
	var got []webhook.ReviewReplyPayload
	var sigs []string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var p webhook.ReviewReplyPayload
		_ = json.Unmarshal(b, &p)
		mu.Lock()
		got = append(got, p)
		sigs = append(sigs, r.Header.Get(webhook.HeaderSignature))
		mu.Unlock()
	}))
	t.Cleanup(receiver.Close)
	srcID, id := s.reviewCase(`{"name":"Shop","kind":"trustpilot"}`)

	s.replyStep("agent", id, `{"action":"save","text":"Thank you, Pia."}`)
	// No endpoint chosen on the source: refused, nothing published.
	if res, _ := s.replyStep("agent", id, `{"action":"publish","via":"webhook"}`); !strings.Contains(res.body, "no_reply_webhook") {
		t.Fatalf("no webhook: %d %s", res.status, res.body)
	}
	res := s.do(s.logins["admin"], http.MethodPost, "/api/v1/webhooks", `{"name":"Replies","url":"`+receiver.URL+`/replies"}`, nil)
	var ep struct{ Data models.WebhookEndpoint }
	res.decode(t, &ep)
	if res := s.do(s.logins["admin"], http.MethodPatch, "/api/v1/review-sources/"+srcID, `{"version":1,"reply_webhook_id":"`+ep.Data.ID+`"}`, nil); res.status != 200 {
		t.Fatalf("choose the webhook: %d %s", res.status, res.body)
	}
	_, c := s.replyStep("agent", id, `{"action":"publish","via":"webhook"}`)
	if c == nil || c.Review.ReplyState != models.ReplyPublished || c.Review.Reply.PublishedVia != "webhook" {
		t.Fatalf("publish via webhook: %+v", c)
	}
	if _, err := s.hooks.ProcessDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Event != "review.reply" || got[0].Action != "published" || got[0].Reply.Text != "Thank you, Pia." ||
		got[0].Review.ExternalID != "r1" || got[0].Review.SourceID != srcID || !strings.HasPrefix(sigs[0], "sha256=") {
		t.Fatalf("delivered: %+v %v", got, sigs)
	}
}

func TestReviewLinkedToTheCustomersCase(t *testing.T) {
	s := newStack(t)
	res := s.do(s.logins["agent"], http.MethodPost, "/api/v1/cases",
		`{"subject":"Cold soup at dinner","description":"The soup was cold and nobody came.","customer":{"name":"Pia Virta","email":"pia@example.com"}}`, nil)
	if res.status != http.StatusCreated {
		t.Fatalf("complaint: %d %s", res.status, res.body)
	}
	var complaint caseAnswer
	res.decode(t, &complaint)
	s.do(s.logins["agent"], http.MethodPost, "/api/v1/cases",
		`{"subject":"Other person","description":"Pia told me about it.","customer":{"name":"Ola","email":"ola@example.com"}}`, nil)
	srcRes := s.do(s.logins["admin"], http.MethodPost, "/api/v1/review-sources", `{"name":"Google","kind":"google_business"}`, nil)
	var src struct {
		Data struct{ ID, Secret string }
	}
	srcRes.decode(t, &src)
	res = s.deliver(src.Data.ID, src.Data.Secret, `{"external_id":"r9","rating":1,"author":"Pia Virta","text":"Cold soup"}`, 0)
	var ans ingestAnswer
	res.decode(t, &ans)
	review := ans.Data[0].CaseID

	// Suggested by the reviewer's name: Pia's complaint, not Ola's case that names her.
	res = s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases/"+review+"/review-links", "", nil)
	var sugg struct {
		Data []struct {
			ID    string `json:"id"`
			Match string `json:"match"`
		} `json:"data"`
	}
	res.decode(t, &sugg)
	if res.status != 200 || len(sugg.Data) != 1 || sugg.Data[0].ID != complaint.Data.ID || sugg.Data[0].Match != "name" {
		t.Fatalf("suggestions: %d %s", res.status, res.body)
	}
	if res := s.do(s.logins["agent"], http.MethodPost, "/api/v1/cases/"+review+"/review-links", `{"case_id":"K-2099-999999"}`, nil); res.status != 400 {
		t.Fatalf("link to no case: %d %s", res.status, res.body)
	}
	res = s.do(s.logins["agent"], http.MethodPost, "/api/v1/cases/"+review+"/review-links", `{"case_id":"`+complaint.Data.ID+`"}`, nil)
	var linked caseAnswer
	res.decode(t, &linked)
	if res.status != 200 || len(linked.Data.LinkedCases) != 1 || linked.Data.LinkedCases[0] != complaint.Data.ID {
		t.Fatalf("link: %d %s", res.status, res.body)
	}
	// Linking again changes nothing; the complaint shows the review too, both timelines say so.
	s.do(s.logins["agent"], http.MethodPost, "/api/v1/cases/"+review+"/review-links", `{"case_id":"`+complaint.Data.ID+`"}`, nil)
	var other caseAnswer
	s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases/"+complaint.Data.ID, "", nil).decode(t, &other)
	if len(other.Data.LinkedCases) != 1 || other.Data.LinkedCases[0] != review || other.Data.Timeline[len(other.Data.Timeline)-1].Type != "linked" {
		t.Fatalf("the complaint: %+v", other.Data.LinkedCases)
	}
	res = s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases/"+review+"/review-links", "", nil)
	res.decode(t, &sugg)
	if len(sugg.Data) != 0 {
		t.Fatalf("a linked case is suggested again: %s", res.body)
	}
}
