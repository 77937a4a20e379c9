package handlers_test

import (
	"net/http"
	"strings"
	"testing"
)

// Admins connect a mailbox through the API; its password is never answered back, an edit
// without one keeps it, agents may not see mailboxes at all.
func TestMailboxesAPI(t *testing.T) {
	s := newStack(t)
	res := s.do(s.logins["admin"], http.MethodPost, "/api/v1/mailboxes", `{"name":"Support","address":"Support@Example.com","host":"127.0.0.1",
		"port":1143,"tls":"none","username":"support","password":"hunter2-imap","category":"delivery","locale":"fi"}`, nil)
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	if strings.Contains(string(res.body), "hunter2") || !strings.Contains(string(res.body), `"password_set":true`) ||
		!strings.Contains(string(res.body), `"address":"support@example.com"`) || !strings.Contains(string(res.body), `"folder":"INBOX"`) {
		t.Fatalf("create answered %s", res.body)
	}
	var created struct {
		Data struct {
			ID      string `json:"id"`
			Version int64  `json:"version"`
		} `json:"data"`
	}
	res.decode(t, &created)
	list := s.do(s.logins["admin"], http.MethodGet, "/api/v1/mailboxes", "", nil)
	if list.status != 200 || strings.Contains(string(list.body), "hunter2") || !strings.Contains(string(list.body), created.Data.ID) {
		t.Fatalf("list: %d %s", list.status, list.body)
	}
	if r := s.do(s.logins["agent"], http.MethodGet, "/api/v1/mailboxes", "", nil); r.status != http.StatusForbidden {
		t.Fatalf("an agent listed mailboxes: %d", r.status)
	}
	if r := s.do(s.logins["admin"], http.MethodPost, "/api/v1/mailboxes", `{"name":"X","address":"x@example.com","host":"h","port":993,"tls":"tls","username":"u","password":"p","after_fetch":"move"}`, nil); r.status != http.StatusBadRequest && r.status != http.StatusUnprocessableEntity {
		t.Fatalf("move without a folder: %d %s", r.status, r.body)
	}
	patch := s.do(s.logins["admin"], http.MethodPatch, "/api/v1/mailboxes/"+created.Data.ID, `{"version":1,"enabled":false,"password":""}`, nil)
	if patch.status != 200 || !strings.Contains(string(patch.body), `"enabled":false`) || !strings.Contains(string(patch.body), `"password_set":true`) {
		t.Fatalf("patch: %d %s", patch.status, patch.body)
	}
	if r := s.do(s.logins["admin"], http.MethodPatch, "/api/v1/mailboxes/"+created.Data.ID, `{"version":1,"name":"Stale"}`, nil); r.status != http.StatusConflict {
		t.Fatalf("stale patch: %d", r.status)
	}
	if r := s.do(s.logins["admin"], http.MethodDelete, "/api/v1/mailboxes/"+created.Data.ID, "", nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d", r.status)
	}
	if r := s.do(s.logins["admin"], http.MethodGet, "/api/v1/mailboxes/"+created.Data.ID, "", nil); r.status != http.StatusNotFound {
		t.Fatalf("get deleted: %d", r.status)
	} // Every change is in the audit log, the password never (issue 18).
	audited := s.do(s.logins["admin"], http.MethodGet, "/api/v1/audit-log?kind=mailbox", "", nil)
	for _, want := range []string{`"mailbox.create"`, `"mailbox.update"`, `"mailbox.delete"`} {
		if !strings.Contains(string(audited.body), want) {
			t.Errorf("audit log lacks %s: %s", want, audited.body)
		}
	}
	if strings.Contains(string(audited.body), "hunter2") {
		t.Fatalf("a mailbox password reached the audit log: %s", audited.body)
	}
}
