package handlers_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestCustomerDataExport(t *testing.T) {
	s := newStack(t)
	agent := s.logins["agent"]
	mine := s.createCase(t, agent, "Broken kettle", "The kettle leaks from the bottom.", "")
	other := s.do(agent, "POST", "/api/v1/cases", `{"subject":"Not hers","description":"Someone else's case.","customer":{"name":"Bo","email":"bo@example.com"}}`, nil)
	if other.status != http.StatusCreated {
		t.Fatalf("other case: %d %s", other.status, other.body)
	}
	for _, body := range []string{`{"kind":"note","body":"INTERNAL: a difficult customer"}`, `{"kind":"reply","body":"A new kettle is on its way."}`} {
		if r := s.do(agent, "POST", "/api/v1/cases/"+mine+"/messages", body, nil); r.status != http.StatusCreated {
			t.Fatalf("message: %d %s", r.status, r.body)
		}
	}
	for _, role := range []string{"agent", "manager"} {
		if r := s.do(s.logins[role], "GET", "/api/v1/privacy/export?email=aino@example.com", "", nil); r.status != http.StatusForbidden {
			t.Fatalf("%s exported a customer's data: %d", role, r.status)
		}
	}
	r := s.do(s.logins["admin"], "GET", "/api/v1/privacy/export?email=AINO@example.com", "", nil)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/zip" || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", r.status, r.header)
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(r.body)), int64(len(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(b)
	}
	got, ok := files["cases/"+mine+".json"]
	if !ok || len(files) != 2 {
		t.Fatalf("archive holds %v", keys(files))
	}
	var c struct {
		Reference string `json:"reference"`
		Messages  []struct{ Body string }
	}
	if err := json.Unmarshal([]byte(got), &c); err != nil {
		t.Fatal(err)
	}
	if c.Reference != mine || !strings.Contains(got, "A new kettle is on its way.") || strings.Contains(got, "INTERNAL") {
		t.Fatalf("exported case: %s", got)
	}
	audit := s.do(s.logins["admin"], "GET", "/api/v1/audit-log?kind=customer", "", nil)
	if !strings.Contains(audit.body, `"customer.export"`) || strings.Contains(audit.body, "aino@") {
		t.Fatalf("audit: %s", audit.body)
	}
	if r := s.do(s.logins["admin"], "GET", "/api/v1/privacy/export", "", nil); r.status != http.StatusBadRequest || strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("no address: %d %v", r.status, r.header)
	}
}

func keys(m map[string]string) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	return out
}
