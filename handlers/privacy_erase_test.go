package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// After an erasure nothing about the customer is found by search, list, look-up or export, their
// tracking link opens nothing, their files and mail are gone, and another customer's case is
// untouched.
func TestCustomerDataErasure(t *testing.T) {
	s := newStack(t)
	ctx := context.Background()
	admin := s.logins["admin"]
	fields := complaintFields()
	fields["name"], fields["description"] = "Aino Virtanen", "My neighbour Zebulon saw the kettle leak."
	body, ct := multipartBody(t, fields, map[string][]byte{"photo.png": onePixelPNG})
	mine := s.file(t, body, map[string]string{"Content-Type": ct})
	other := s.file(t, `{"name":"Bo Berg","email":"bo@example.com","description":"Zebulon the kettle again.","category":"product","touchpoint":"store","expected_outcome":"refund"}`, nil)
	if r := s.do(nil, "POST", "/api/v1/track/"+mine.Data.TrackingToken+"/messages", `{"body":"Any news, Zebulon?"}`, nil); r.status != http.StatusCreated {
		t.Fatalf("customer message: %d %s", r.status, r.body)
	}
	if _, err := s.mailer.ProcessDue(ctx); err != nil {
		t.Fatal(err)
	}
	stored, err := s.env.Store.GetCase(ctx, mine.Data.Reference)
	if err != nil || len(stored.Attachments) != 1 {
		t.Fatalf("filed case: %v %+v", err, stored)
	}
	fileID := stored.Attachments[0].ID
	if r := s.do(admin, "GET", "/api/v1/privacy/cases?email=Aino@Example.com", "", nil); !strings.Contains(r.body, mine.Data.Reference) {
		t.Fatalf("look-up before: %d %s", r.status, r.body)
	}

	for _, role := range []string{"agent", "manager"} {
		r := s.do(s.logins[role], "POST", "/api/v1/privacy/erase", `{"email":"aino@example.com","confirm_email":"aino@example.com"}`, nil)
		if r.status != http.StatusForbidden {
			t.Fatalf("%s erased a customer's data: %d", role, r.status)
		}
		if r := s.do(s.logins[role], "GET", "/api/v1/privacy/cases?email=aino@example.com", "", nil); r.status != http.StatusForbidden {
			t.Fatalf("%s looked a customer up: %d", role, r.status)
		}
	}
	if r := s.do(admin, "POST", "/api/v1/privacy/erase", `{"email":"aino@example.com","confirm_email":"aini@example.com"}`, nil); r.status != http.StatusBadRequest || !strings.Contains(r.body, "confirm_email") {
		t.Fatalf("a mistyped confirmation: %d %s", r.status, r.body)
	}
	if r := s.do(s.logins["agent"], "GET", "/api/v1/cases?q=Virtanen", "", nil); !strings.Contains(r.body, mine.Data.Reference) {
		t.Fatalf("nothing was erased yet: %s", r.body)
	}

	r := s.do(admin, "POST", "/api/v1/privacy/erase", `{"email":"aino@example.com","confirm_email":" AINO@example.com "}`, nil)
	if r.status != http.StatusOK || !strings.Contains(r.body, `"cases":1`) {
		t.Fatalf("erase: %d %s", r.status, r.body)
	}

	for _, q := range []string{"Virtanen", "aino", "aino@example.com", "Zebulon", "neighbour", "news"} {
		res := s.do(s.logins["agent"], "GET", "/api/v1/cases?q="+q, "", nil)
		if res.status != http.StatusOK || strings.Contains(res.body, mine.Data.Reference) || strings.Contains(res.body, "Aino") {
			t.Fatalf("search %q after erasure: %d %s", q, res.status, res.body)
		}
	}
	if res := s.do(s.logins["agent"], "GET", "/api/v1/cases?q=Zebulon", "", nil); !strings.Contains(res.body, other.Data.Reference) {
		t.Fatalf("the other customer's case went too: %s", res.body)
	}
	list := s.do(s.logins["agent"], "GET", "/api/v1/cases?limit=100", "", nil)
	if strings.Contains(list.body, "Aino") || strings.Contains(list.body, "aino@") || strings.Contains(list.body, "Zebulon saw") {
		t.Fatalf("list after erasure: %s", list.body)
	}
	if res := s.do(admin, "GET", "/api/v1/privacy/cases?email=aino@example.com", "", nil); res.status != http.StatusOK || !strings.Contains(res.body, `"cases":[]`) {
		t.Fatalf("look-up after erasure: %d %s", res.status, res.body)
	}
	exp := s.do(admin, "GET", "/api/v1/privacy/export?email=aino@example.com", "", nil)
	if exp.status != http.StatusOK || strings.Contains(exp.body, "cases/") {
		t.Fatalf("export after erasure holds a case: %d", exp.status)
	}
	if res := s.do(nil, "GET", "/api/v1/track/"+mine.Data.TrackingToken, "", nil); res.status != http.StatusNotFound {
		t.Fatalf("tracking link after erasure: %d %s", res.status, res.body)
	}
	if res := s.do(nil, "POST", "/api/v1/track/session", `{"token":"`+mine.Data.TrackingToken+`"}`, map[string]string{"X-Kaiku-Track": "1"}); res.status != http.StatusNotFound {
		t.Fatalf("tracking session after erasure: %d %s", res.status, res.body)
	}
	if res := s.do(nil, "GET", "/api/v1/track/"+other.Data.TrackingToken, "", nil); res.status != http.StatusOK {
		t.Fatalf("the other customer's link: %d", res.status)
	}

	// The stored case keeps what reports count and nothing of the customer.
	c, err := s.env.Store.GetCase(ctx, mine.Data.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if c.AnonymisedAt == nil || c.Customer.Email != "" || c.Customer.Name != "" || c.Description != "" || len(c.Messages) != 0 ||
		len(c.Attachments) != 0 || c.Category != "product" || c.CreatedAt.IsZero() {
		t.Fatalf("stored case after erasure: %+v", c)
	}
	if _, err := s.env.Store.GetAttachment(ctx, fileID); err == nil {
		t.Fatal("the file is still stored")
	}
	outbox := s.do(admin, "GET", "/api/v1/mail/outbox", "", nil)
	if strings.Contains(outbox.body, "aino@") || strings.Contains(outbox.body, mine.Data.Reference) || !strings.Contains(outbox.body, "bo@example.com") {
		t.Fatalf("outbox after erasure: %s", outbox.body)
	}
	audit := s.do(admin, "GET", "/api/v1/audit-log?kind=customer", "", nil)
	if !strings.Contains(audit.body, `"customer.erase"`) || strings.Contains(audit.body, "aino@") {
		t.Fatalf("audit: %s", audit.body)
	}
	// Again: nothing left to erase, and no error.
	if res := s.do(admin, "POST", "/api/v1/privacy/erase", `{"email":"aino@example.com","confirm_email":"aino@example.com"}`, nil); res.status != http.StatusOK || !strings.Contains(res.body, `"cases":0`) {
		t.Fatalf("second erase: %d %s", res.status, res.body)
	}
}
