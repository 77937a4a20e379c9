package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/handlers"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// smallPDF is a file the content check takes for a PDF.
var smallPDF = []byte("%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n")

type caseBody struct {
	Data models.Case `json:"data"`
}

type trackBody struct {
	Data models.PublicCase `json:"data"`
}

// postMessage sends a staff reply or note as a multipart form.
func (s *stack) postMessage(t *testing.T, as, caseID string, fields map[string]string, files map[string][]byte) response {
	t.Helper()
	body, ct := multipartBody(t, fields, files)
	return s.do(s.logins[as], "POST", "/api/v1/cases/"+caseID+"/messages", body, map[string]string{"Content-Type": ct})
}

// filesOfMessage are the case's files that came with message id.
func filesOfMessage(c models.Case, id string) []models.AttachmentRef {
	var out []models.AttachmentRef
	for _, a := range c.Attachments {
		if a.MessageID == id {
			out = append(out, a)
		}
	}
	return out
}

func lastMessage(t *testing.T, c models.Case, kind models.MessageKind) models.Message {
	t.Helper()
	for i := len(c.Messages) - 1; i >= 0; i-- {
		if c.Messages[i].Kind == kind {
			return c.Messages[i]
		}
	}
	t.Fatalf("no %s in %+v", kind, c.Messages)
	return models.Message{}
}

func (s *stack) countAttachmentDocs(t *testing.T) int64 {
	t.Helper()
	n, err := s.env.Store.Database().Collection("attachments").CountDocuments(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// outboxTexts delivers the queued mail and returns the text of every mail in the outbox.
func (s *stack) outboxTexts(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	if _, err := s.mailer.ProcessDue(ctx); err != nil {
		t.Fatal(err)
	}
	recent, err := s.mailer.ListOutbox(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range recent {
		m, err := s.env.Store.GetOutboxMail(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m.Message.Subject+"\n"+m.Message.Text)
	}
	return out
}

// An agent's reply carries files the customer sees and downloads on the tracking page and
// that the reply mail names; a note's files stay with staff on every customer route.
func TestStaffReplyAndNoteWithFiles(t *testing.T) {
	s := newStack(t)
	r := s.file(t, complaintJSON, nil)
	ref, token := r.Data.Reference, r.Data.TrackingToken
	s.logins["customer"] = s.openTracking(t, token)

	res := s.postMessage(t, "agent", ref, map[string]string{"kind": "reply", "body": "Here is your return label.", "status": "waiting"},
		map[string][]byte{"return-label.pdf": smallPDF, "where.png": onePixelPNG})
	if res.status != http.StatusCreated {
		t.Fatalf("reply with files: %d %s", res.status, res.body)
	}
	var afterReply caseBody
	res.decode(t, &afterReply)
	reply := lastMessage(t, afterReply.Data, models.MessageReply)
	replyFiles := filesOfMessage(afterReply.Data, reply.ID)
	if len(replyFiles) != 2 || afterReply.Data.Status != models.StatusWaiting || reply.Body != "Here is your return label." {
		t.Fatalf("reply stored as %+v with files %+v, status %s", reply, replyFiles, afterReply.Data.Status)
	}
	byType := map[string]models.AttachmentRef{}
	for _, a := range replyFiles {
		if !a.Public {
			t.Fatalf("a reply's file is the customer's to see: %+v", a)
		}
		byType[a.ContentType] = a
	}
	pdf, ok := byType["application/pdf"]
	if !ok || pdf.Name != "return-label.pdf" || byType["image/png"].Name != "where.png" {
		t.Fatalf("files by type: %+v", byType)
	}

	res = s.postMessage(t, "agent", ref, map[string]string{"kind": "note", "body": "Warehouse photo, internal."},
		map[string][]byte{"warehouse-internal.png": onePixelPNG})
	if res.status != http.StatusCreated {
		t.Fatalf("note with a file: %d %s", res.status, res.body)
	}
	var afterNote caseBody
	res.decode(t, &afterNote)
	note := lastMessage(t, afterNote.Data, models.MessageNote)
	noteFiles := filesOfMessage(afterNote.Data, note.ID)
	if len(noteFiles) != 1 || noteFiles[0].Public {
		t.Fatalf("a note's file is staff-only: %+v", noteFiles)
	}
	noteFile := noteFiles[0]

	// The tracking page lists the reply's files with the reply and nothing of the note's, by
	// token and by cookie alike.
	for _, res := range []response{
		s.do(nil, "GET", "/api/v1/track/"+token, "", nil),
		s.do(s.logins["customer"], "GET", "/api/v1/track/case/"+ref, "", nil),
	} {
		var tb trackBody
		res.decode(t, &tb)
		if res.status != 200 {
			t.Fatalf("track: %d %s", res.status, res.body)
		}
		listed := map[string]string{}
		for _, a := range tb.Data.Attachments {
			listed[a.ID] = a.MessageID
		}
		if listed[pdf.ID] != reply.ID || listed[byType["image/png"].ID] != reply.ID || len(listed) != 2 {
			t.Fatalf("tracking page lists %v, want the reply's two files", listed)
		}
		if strings.Contains(res.body, noteFile.ID) || strings.Contains(res.body, "warehouse-internal") || strings.Contains(res.body, note.ID) {
			t.Fatalf("the note or its file reached the tracking page: %s", res.body)
		}
	}

	// The customer downloads the reply's PDF as a download that no browser renders.
	for _, res := range []response{
		s.do(nil, "GET", "/api/v1/track/"+token+"/attachments/"+pdf.ID, "", nil),
		s.do(s.logins["customer"], "GET", "/api/v1/track/case/"+ref+"/attachments/"+pdf.ID, "", nil),
	} {
		if res.status != 200 || !bytes.Equal([]byte(res.body), smallPDF) || res.header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(res.header.Get("Content-Disposition"), "attachment;") || res.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("download of the reply's PDF: %d %v", res.status, res.header)
		}
	}

	// The note's file: staff may fetch it; no customer route, by token or cookie, can.
	s.run(t, []scenario{
		{name: "agent fetches the note's file", as: "agent", method: "GET", path: "/api/v1/cases/" + ref + "/attachments/" + noteFile.ID, wantStatus: 200},
		{name: "manager fetches the note's file", as: "manager", method: "GET", path: "/api/v1/cases/" + ref + "/attachments/" + noteFile.ID, wantStatus: 200},
		{name: "token route refuses the note's file", method: "GET", path: "/api/v1/track/" + token + "/attachments/" + noteFile.ID, wantStatus: 404},
		{name: "cookie route refuses the note's file", as: "customer", method: "GET", path: "/api/v1/track/case/" + ref + "/attachments/" + noteFile.ID, wantStatus: 404},
		{name: "anonymous staff route refuses the note's file", method: "GET", path: "/api/v1/cases/" + ref + "/attachments/" + noteFile.ID, wantStatus: 401},
		{name: "customer cookie on the staff route", as: "customer", method: "GET", path: "/api/v1/cases/" + ref + "/attachments/" + noteFile.ID, wantStatus: 401},
	})

	// The customer's own reply keeps the note hidden too (its answer is the tracking view).
	res = s.do(s.logins["customer"], "POST", "/api/v1/track/case/"+ref+"/messages", `{"body":"Thanks, got it."}`, nil)
	if res.status != http.StatusCreated || strings.Contains(res.body, noteFile.ID) || !strings.Contains(res.body, pdf.ID) {
		t.Fatalf("customer reply answer: %d %s", res.status, res.body)
	}

	// The reply mail names the reply's files and points to the tracking page; no mail names
	// the note's file.
	var replyMail string
	for _, text := range s.outboxTexts(t) {
		if strings.Contains(text, "warehouse-internal") || strings.Contains(text, "Warehouse photo") {
			t.Fatalf("a mail carries the note or its file:\n%s", text)
		}
		if strings.Contains(text, "Here is your return label.") {
			replyMail = text
		}
	}
	if !strings.Contains(replyMail, "- return-label.pdf\n") || !strings.Contains(replyMail, "- where.png\n") || !strings.Contains(replyMail, "/track/") {
		t.Fatalf("reply mail does not name its files and the tracking link:\n%s", replyMail)
	}
}

// Agents' files pass the public form's checks; a refused message stores neither the message
// nor any of its files.
func TestStaffMessageFilesAreChecked(t *testing.T) {
	s := newStack(t)
	ref := s.file(t, complaintJSON, nil).Data.Reference
	before, _ := s.env.Store.GetCase(context.Background(), ref)
	docsBefore := s.countAttachmentDocs(t)

	six := map[string][]byte{}
	for i := range 6 {
		six[fmt.Sprintf("p%d.png", i)] = onePixelPNG
	}
	big := append(append([]byte{}, onePixelPNG...), bytes.Repeat([]byte{0}, 40<<10)...) // over the stack's 32 KB per file
	reply := map[string]string{"kind": "reply", "body": "See attached."}
	for _, tc := range []struct {
		name       string
		fields     map[string]string
		files      map[string][]byte
		wantStatus int
		wantField  string
	}{
		{"html disguised as a PDF", reply, map[string][]byte{"label.pdf": []byte("<html><script>alert(1)</script></html>")}, 400, "attachments"},
		{"an executable", reply, map[string][]byte{"tool.png": append([]byte("MZ\x90\x00\x03"), bytes.Repeat([]byte{0}, 64)...)}, 400, "attachments"},
		{"an empty file", reply, map[string][]byte{"empty.pdf": {}}, 400, "attachments"},
		{"six files", reply, six, 400, "attachments"},
		{"a file over the size limit", reply, map[string][]byte{"big.png": big}, 413, "attachments"},
		{"files in another field", nil, nil, 400, "photo"},
		{"a field the form does not have", map[string]string{"kind": "reply", "body": "x", "assignee_id": "u1"}, map[string][]byte{"a.png": onePixelPNG}, 400, "assignee_id"},
		{"no body", map[string]string{"kind": "reply"}, map[string][]byte{"a.png": onePixelPNG}, 400, "body"},
		{"an unknown kind", map[string]string{"kind": "shout", "body": "x"}, map[string][]byte{"a.png": onePixelPNG}, 400, "kind"},
		{"a version that is no number", map[string]string{"kind": "reply", "body": "x", "version": "v1"}, map[string][]byte{"a.png": onePixelPNG}, 400, "version"},
		{"a status a reply cannot set", map[string]string{"kind": "reply", "body": "x", "status": "closed"}, map[string][]byte{"a.png": onePixelPNG}, 400, "status"},
	} {
		var res response
		if tc.name == "files in another field" {
			res = s.postRawFile(t, "agent", ref, "photo", "a.png", onePixelPNG)
		} else {
			res = s.postMessage(t, "agent", ref, tc.fields, tc.files)
		}
		var env struct {
			Error struct {
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		res.decode(t, &env)
		if res.status != tc.wantStatus || env.Error.Fields[tc.wantField] == "" {
			t.Errorf("%s: %d %s, want %d with a %q field error", tc.name, res.status, res.body, tc.wantStatus, tc.wantField)
		}
	}

	// A stale version is refused, and the files it brought are not kept.
	stale := before.Version
	if res := s.do(s.logins["manager"], "POST", "/api/v1/cases/"+ref+"/messages", `{"kind":"note","body":"plain JSON still works"}`, nil); res.status != http.StatusCreated {
		t.Fatalf("JSON message: %d %s", res.status, res.body)
	}
	current, _ := s.env.Store.GetCase(context.Background(), ref)
	res := s.postMessage(t, "agent", ref, map[string]string{"kind": "reply", "body": "Late.", "version": fmt.Sprint(stale)},
		map[string][]byte{"a.png": onePixelPNG, "b.pdf": smallPDF})
	if res.status != http.StatusConflict {
		t.Fatalf("stale version: %d %s", res.status, res.body)
	}
	after, _ := s.env.Store.GetCase(context.Background(), ref)
	if len(after.Messages) != len(current.Messages) || len(after.Attachments) != len(before.Attachments) {
		t.Fatalf("a refused message was stored: %+v", after.Messages)
	}
	if n := s.countAttachmentDocs(t); n != docsBefore {
		t.Fatalf("refused messages left %d file documents behind", n-docsBefore)
	}

	// The current version passes.
	res = s.postMessage(t, "agent", ref, map[string]string{"kind": "reply", "body": "On time.", "version": fmt.Sprint(current.Version)},
		map[string][]byte{"a.png": onePixelPNG})
	if res.status != http.StatusCreated {
		t.Fatalf("current version: %d %s", res.status, res.body)
	}
	if n := s.countAttachmentDocs(t); n != docsBefore+1 {
		t.Fatalf("file documents: %d, want %d", n, docsBefore+1)
	}
}

// postRawFile sends a message whose file is in a form field other than "attachments".
func (s *stack) postRawFile(t *testing.T, as, caseID, field, name string, data []byte) response {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("kind", "reply")
	_ = w.WriteField("body", "x")
	fw, _ := w.CreateFormFile(field, name)
	_, _ = fw.Write(data)
	_ = w.Close()
	return s.do(s.logins[as], "POST", "/api/v1/cases/"+caseID+"/messages", buf.String(), map[string]string{"Content-Type": w.FormDataContentType()})
}

// Every staff role may attach files; nobody else may post to a case.
func TestStaffMessageFilesRoleAccess(t *testing.T) {
	s := newStack(t)
	r := s.file(t, complaintJSON, nil)
	ref := r.Data.Reference
	s.logins["customer"] = s.openTracking(t, r.Data.TrackingToken)
	for _, role := range []string{"agent", "manager", "admin"} {
		res := s.postMessage(t, role, ref, map[string]string{"kind": "note", "body": "from " + role}, map[string][]byte{role + ".pdf": smallPDF})
		if res.status != http.StatusCreated {
			t.Errorf("%s: %d %s", role, res.status, res.body)
		}
	}
	body, ct := multipartBody(t, map[string]string{"kind": "reply", "body": "hi"}, map[string][]byte{"a.pdf": smallPDF})
	docs := s.countAttachmentDocs(t)
	for name, res := range map[string]response{
		"anonymous":       s.do(nil, "POST", "/api/v1/cases/"+ref+"/messages", body, map[string]string{"Content-Type": ct}),
		"customer cookie": s.do(s.logins["customer"], "POST", "/api/v1/cases/"+ref+"/messages", body, map[string]string{"Content-Type": ct}),
		"agent without the CSRF header": s.do(s.logins["agent"], "POST", "/api/v1/cases/"+ref+"/messages", body,
			map[string]string{"Content-Type": ct, handlers.CSRFHeader: ""}),
	} {
		if res.status != http.StatusUnauthorized && res.status != http.StatusForbidden {
			t.Errorf("%s: %d %s", name, res.status, res.body)
		}
	}
	if n := s.countAttachmentDocs(t); n != docs {
		t.Fatalf("refused callers stored %d files", n-docs)
	}
}
