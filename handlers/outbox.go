package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// outboxService is what the mail outbox handlers need.
type outboxService interface {
	List(ctx context.Context, p *helpdesk.Principal, limit int) ([]models.OutboxSummary, error)
	Get(ctx context.Context, p *helpdesk.Principal, id string) (*models.OutboxMail, error)
}

type outboxHandlers struct{ outbox outboxService }

// outboxMailResponse is one finished mail, in the same shape in the list and on its own; only
// the answer for one mail carries the bodies.
type outboxMailResponse struct {
	ID        string    `json:"id"`
	To        string    `json:"to"`
	ToName    string    `json:"to_name"`
	Subject   string    `json:"subject"`
	Kind      string    `json:"kind"`
	CaseID    string    `json:"case_id"`
	Locale    string    `json:"locale"`
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"`
	Error     string    `json:"error"`
	CreatedAt time.Time `json:"created_at"`
	DoneAt    time.Time `json:"done_at"`
	// SentAt is DoneAt unless the mail failed, so a client need not tell the two apart.
	SentAt *time.Time `json:"sent_at"`
	Text   *string    `json:"text,omitempty"`
	HTML   string     `json:"html,omitempty"`
	// Threading headers (issue 17), on the mail on its own: its Message-ID, the Message-IDs
	// it answers (References space-separated), and where replies go.
	MessageID  string `json:"message_id,omitempty"`
	InReplyTo  string `json:"in_reply_to,omitempty"`
	References string `json:"references,omitempty"`
	ReplyTo    string `json:"reply_to,omitempty"`
}

func outboxMailOf(s models.OutboxSummary) outboxMailResponse {
	r := outboxMailResponse{ID: s.ID, To: s.To, ToName: s.ToName, Subject: s.Subject, Kind: s.Kind, CaseID: s.CaseID,
		Locale: s.Locale, Status: s.Status, Attempts: s.Attempts, Error: s.LastError, CreatedAt: s.CreatedAt, DoneAt: s.DoneAt}
	if s.Status != models.OutboxFailed && !s.DoneAt.IsZero() {
		r.SentAt = &r.DoneAt
	}
	return r
}

func (h *outboxHandlers) list(c echo.Context) error {
	ms, err := h.outbox.List(c.Request().Context(), principal(c), 200)
	if err != nil {
		return err
	}
	out := make([]outboxMailResponse, len(ms))
	for i, m := range ms {
		out[i] = outboxMailOf(m)
	}
	return list(c, out, map[string]any{"total": len(out)})
}

func (h *outboxHandlers) get(c echo.Context) error {
	m, err := h.outbox.Get(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, outboxMailWithBodies(m))
}

func outboxMailWithBodies(m *models.OutboxMail) outboxMailResponse {
	out := outboxMailOf(m.Summary())
	out.Text, out.HTML = &m.Message.Text, m.Message.HTML
	out.MessageID, out.InReplyTo, out.References, out.ReplyTo = m.Message.MessageID, m.Message.InReplyTo, m.Message.References, m.Message.ReplyTo
	return out
}
