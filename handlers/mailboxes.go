package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// mailboxService is what the mailbox handlers need (issue 17).
type mailboxService interface {
	ListMailboxes(ctx context.Context, p *helpdesk.Principal) ([]helpdesk.MailboxView, error)
	GetMailbox(ctx context.Context, p *helpdesk.Principal, id string) (*helpdesk.MailboxView, error)
	CreateMailbox(ctx context.Context, p *helpdesk.Principal, req models.MailboxCreate) (*helpdesk.MailboxView, error)
	PatchMailbox(ctx context.Context, p *helpdesk.Principal, id string, req models.MailboxPatch) (*helpdesk.MailboxView, error)
	DeleteMailbox(ctx context.Context, p *helpdesk.Principal, id string) error
}

type mailboxHandlers struct {
	mail  mailboxService
	bind  *Binder
	audit auditRecorder
}

// mailboxResponse is a mailbox as the API shows it: never its password, only whether one is
// set.
type mailboxResponse struct {
	ID          string                `json:"id"`
	Name        string                `json:"name"`
	Address     string                `json:"address"`
	Host        string                `json:"host"`
	Port        int                   `json:"port"`
	TLS         string                `json:"tls"`
	Username    string                `json:"username"`
	PasswordSet bool                  `json:"password_set"`
	Folder      string                `json:"folder"`
	AfterFetch  string                `json:"after_fetch"`
	MoveTo      string                `json:"move_to"`
	TeamID      string                `json:"team_id"`
	Category    string                `json:"category"`
	Locale      string                `json:"locale"`
	Enabled     bool                  `json:"enabled"`
	Status      mailboxStatusResponse `json:"status"`
	CreatedAt   time.Time             `json:"created_at"`
	UpdatedAt   time.Time             `json:"updated_at"`
	Version     int64                 `json:"version"`
}

// mailboxStatusResponse is how fetching goes.
type mailboxStatusResponse struct {
	UIDValidity uint32     `json:"uid_validity"`
	LastUID     uint32     `json:"last_uid"`
	Fetched     int64      `json:"fetched"`
	LastFetchAt *time.Time `json:"last_fetch_at,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
}

func mailboxOf(v *helpdesk.MailboxView) mailboxResponse {
	m := v.Mailbox
	return mailboxResponse{ID: m.ID, Name: m.Name, Address: m.Address, Host: m.Host, Port: m.Port, TLS: m.TLS, Username: m.Username,
		PasswordSet: v.PasswordSet, Folder: m.Folder, AfterFetch: m.AfterFetch, MoveTo: m.MoveTo, TeamID: m.TeamID,
		Category: m.Category, Locale: m.Locale, Enabled: m.Enabled, CreatedAt: m.Created, UpdatedAt: m.Updated, Version: m.Version,
		Status: mailboxStatusResponse{UIDValidity: v.Status.UIDValidity, LastUID: v.Status.LastUID, Fetched: v.Status.Fetched,
			LastFetchAt: v.Status.LastFetchAt, LastError: v.Status.LastError}}
}

func (h *mailboxHandlers) list(c echo.Context) error {
	boxes, err := h.mail.ListMailboxes(c.Request().Context(), principal(c))
	return shapedList(c, boxes, err, mailboxOf)
}

func (h *mailboxHandlers) get(c echo.Context) error {
	v, err := h.mail.GetMailbox(c.Request().Context(), principal(c), c.Param("id"))
	return shaped(c, http.StatusOK, v, err, mailboxOf)
}

func (h *mailboxHandlers) create(c echo.Context) error {
	if err := principal(c).Require(models.RoleAdmin); err != nil {
		return err
	}
	var req models.MailboxCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	v, err := h.mail.CreateMailbox(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	after := mailboxOf(v)
	h.audit.record(c, "mailbox", "create", after.ID, nil, after)
	return data(c, http.StatusCreated, after)
}

func (h *mailboxHandlers) patch(c echo.Context) error {
	if err := principal(c).Require(models.RoleAdmin); err != nil {
		return err
	}
	var req models.MailboxPatch
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	before := h.before(c)
	v, err := h.mail.PatchMailbox(c.Request().Context(), principal(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	after := mailboxOf(v)
	h.audit.record(c, "mailbox", "update", after.ID, before, after)
	return data(c, http.StatusOK, after)
}

func (h *mailboxHandlers) remove(c echo.Context) error {
	before := h.before(c)
	if err := h.mail.DeleteMailbox(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	h.audit.record(c, "mailbox", "delete", c.Param("id"), before, nil)
	return c.NoContent(http.StatusNoContent)
}

// before is the mailbox of the request's path before a change, for the audit log (never its
// password: the response type has none); nil when it cannot be read.
func (h *mailboxHandlers) before(c echo.Context) any {
	v, err := h.mail.GetMailbox(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return nil
	}
	return mailboxOf(v)
}
