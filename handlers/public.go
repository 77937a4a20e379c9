package handlers

import (
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// intakeService is what the public complaint and tracking handlers need.
type intakeService interface {
	Submit(ctx context.Context, req models.ComplaintCreate, files []helpdesk.Upload, idempotencyKey, clientIP string) (*helpdesk.Receipt, error)
	OpenTracking(ctx context.Context, token, clientIP string) (*helpdesk.TrackingGrant, error)
	Track(ctx context.Context, access helpdesk.CaseAccess) (*models.PublicCase, error)
	Reply(ctx context.Context, access helpdesk.CaseAccess, req models.CustomerMessageCreate, files []helpdesk.Upload) (*models.PublicCase, error)
	FollowUp(ctx context.Context, access helpdesk.CaseAccess, req models.FollowUpCreate) (*models.PublicCase, error)
	CustomerAttachment(ctx context.Context, access helpdesk.CaseAccess, attachmentID string) (*models.Attachment, error)
}

type publicHandlers struct {
	intake        intakeService
	bind          *Binder
	maxUpload     int64 // whole multipart body
	maxFileSize   int64
	secureCookies bool
}

// TrackCookie is the name of a customer's tracking cookie. A browser holds one per case, each
// under its own Path, so several cases can be open side by side.
const TrackCookie = "kaiku_track"

// trackCasePath is the tracking API of one case, and the Path its cookie is limited to. The
// page (/track/{reference}) is static and needs no cookie, so the cookie goes nowhere else.
func trackCasePath(reference string) string { return "/api/v1/track/case/" + reference }

// openTracking exchanges the tracking token of a mail link for the case's cookie; the page then
// drops the token from its address.
func (h *publicHandlers) openTracking(c echo.Context) error {
	var req models.TrackingSessionCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	g, err := h.intake.OpenTracking(c.Request().Context(), req.Token, c.RealIP())
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: TrackCookie, Value: g.CookieValue, Path: trackCasePath(g.Case.Reference), Expires: g.ExpiresAt,
		HttpOnly: true, Secure: h.secureCookies, SameSite: http.SameSiteStrictMode,
	})
	return data(c, http.StatusOK, g.Case)
}

// caseAccess reads a customer's credential for a case from a tracking request. The two route
// families share every handler and use case and differ only in this.
type caseAccess func(echo.Context) helpdesk.CaseAccess

// byToken: API clients name the case by its tracking token in the path. No cookie is involved,
// so there is nothing for another site to ride on and no CSRF header is asked for.
func byToken(c echo.Context) helpdesk.CaseAccess { return helpdesk.TokenAccess(c.Param("token")) }

// byCookie: the tracking page names the case by reference and sends the case's cookie.
func byCookie(c echo.Context) helpdesk.CaseAccess {
	secret := ""
	if ck, err := c.Cookie(TrackCookie); err == nil {
		secret = ck.Value
	}
	return helpdesk.CookieAccess(c.Param("reference"), secret)
}

// IdempotencyHeader carries the client's idempotency key for a complaint submission.
const IdempotencyHeader = "Idempotency-Key"

func (h *publicHandlers) submit(c echo.Context) error {
	var req models.ComplaintCreate
	files, err := h.bindForm(c, &req, map[string]*string{
		"name": &req.Name, "email": &req.Email, "phone": &req.Phone, "category": &req.Category,
		"touchpoint": &req.Touchpoint, "order_ref": &req.OrderRef, "subject": &req.Topic, "description": &req.Description,
		"expected_outcome": &req.ExpectedOutcome, "locale": &req.Locale, "website": &req.Website,
	})
	if err != nil {
		return err
	}
	key := strings.TrimSpace(c.Request().Header.Get(IdempotencyHeader))
	if len(key) > 200 {
		return models.InvalidField(IdempotencyHeader, "at most 200 characters")
	}
	receipt, err := h.intake.Submit(c.Request().Context(), req, files, key, c.RealIP())
	if err != nil {
		return err
	}
	return data(c, http.StatusCreated, receipt)
}

// bindForm binds a JSON body, or a multipart form whose text fields are named in fields and
// whose files come as "attachments", then validates dst.
func (h *publicHandlers) bindForm(c echo.Context, dst any, fields map[string]*string) ([]helpdesk.Upload, error) {
	if !isMultipart(c) {
		return nil, h.bind.bindJSON(c, dst)
	}
	files, err := readUploadForm(c, h.maxUpload, h.maxFileSize, fields)
	if err != nil {
		return nil, err
	}
	return files, h.bind.check(dst)
}

func isMultipart(c echo.Context) bool {
	return strings.HasPrefix(strings.ToLower(c.Request().Header.Get(echo.HeaderContentType)), echo.MIMEMultipartForm)
}

// readUploadForm reads a multipart form of at most maxBody bytes: its text fields into the
// strings named in fields (any other field is refused), its files, each at most maxFile
// bytes, from "attachments". The customer's forms and the agent's composer share it.
func readUploadForm(c echo.Context, maxBody, maxFile int64, fields map[string]*string) ([]helpdesk.Upload, error) {
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, maxBody)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		if strings.Contains(err.Error(), "too large") {
			return nil, models.TooLarge("the upload is too large")
		}
		return nil, models.Invalid("malformed multipart form", nil)
	}
	defer r.MultipartForm.RemoveAll()
	for name, values := range r.MultipartForm.Value {
		dstField, ok := fields[name]
		if !ok {
			return nil, models.InvalidField(name, "is not a field of this form")
		}
		if len(values) > 0 {
			*dstField = values[0]
		}
	}
	var files []helpdesk.Upload
	for name, headers := range r.MultipartForm.File {
		if name != "attachments" {
			return nil, models.InvalidField(name, "files go in the attachments field")
		}
		for _, fh := range headers {
			up, err := readUpload(fh, maxFile)
			if err != nil {
				return nil, err
			}
			files = append(files, up)
		}
	}
	return files, nil
}

func readUpload(fh *multipart.FileHeader, limit int64) (helpdesk.Upload, error) {
	if fh.Size > limit {
		return helpdesk.Upload{}, &models.Error{Kind: models.KindTooLarge, Code: "too_large", Message: fh.Filename + " is too large",
			Fields:      map[string]string{"attachments": "file too large: " + fh.Filename},
			FieldIssues: map[string]models.FieldIssue{"attachments": {Code: "file_too_large", Limit: int(limit >> 20), File: fh.Filename}}}
	}
	f, err := fh.Open()
	if err != nil {
		return helpdesk.Upload{}, models.Invalid("could not read "+fh.Filename, nil)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return helpdesk.Upload{}, models.Invalid("could not read "+fh.Filename, nil)
	}
	return helpdesk.Upload{Name: fh.Filename, Data: b}, nil
}

func (h *publicHandlers) track(access caseAccess) echo.HandlerFunc {
	return func(c echo.Context) error {
		pc, err := h.intake.Track(c.Request().Context(), access(c))
		if err != nil {
			return err
		}
		return data(c, http.StatusOK, pc)
	}
}

func (h *publicHandlers) reply(access caseAccess) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req models.CustomerMessageCreate
		files, err := h.bindForm(c, &req, map[string]*string{"body": &req.Body})
		if err != nil {
			return err
		}
		pc, err := h.intake.Reply(c.Request().Context(), access(c), req, files)
		if err != nil {
			return err
		}
		return data(c, http.StatusCreated, pc)
	}
}

func (h *publicHandlers) followUp(access caseAccess) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req models.FollowUpCreate
		if err := h.bind.bindJSON(c, &req); err != nil {
			return err
		}
		pc, err := h.intake.FollowUp(c.Request().Context(), access(c), req)
		if err != nil {
			return err
		}
		return data(c, http.StatusOK, pc)
	}
}

func (h *publicHandlers) attachment(access caseAccess) echo.HandlerFunc {
	return func(c echo.Context) error {
		a, err := h.intake.CustomerAttachment(c.Request().Context(), access(c), c.Param("aid"))
		if err != nil {
			return err
		}
		return sendAttachment(c, a)
	}
}

// sendAttachment serves a stored file as a download, never rendered inline, with its sniffed
// type and nosniff so a browser cannot reinterpret it.
func sendAttachment(c echo.Context, a *models.Attachment) error {
	h := c.Response().Header()
	h.Set("Content-Disposition", mimeAttachment(a.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	return c.Blob(http.StatusOK, a.ContentType, a.Data)
}

func mimeAttachment(name string) string {
	return "attachment; filename*=UTF-8''" + url.PathEscape(name)
}
