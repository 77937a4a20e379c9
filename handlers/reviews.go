package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reviews"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// reviewService is what the review handlers need.
type reviewService interface {
	ListSources(ctx context.Context, p *helpdesk.Principal) ([]models.ReviewSource, error)
	CreateSource(ctx context.Context, p *helpdesk.Principal, req models.ReviewSourceCreate) (*models.ReviewSource, string, error)
	PatchSource(ctx context.Context, p *helpdesk.Principal, id string, req models.ReviewSourcePatch) (*models.ReviewSource, error)
	RotateSecret(ctx context.Context, p *helpdesk.Principal, id string) (*models.ReviewSource, string, error)
	DeleteSource(ctx context.Context, p *helpdesk.Principal, id string) error
	TestGoogle(ctx context.Context, p *helpdesk.Principal, id string) (*helpdesk.GoogleCheck, error)
	Ingest(ctx context.Context, d helpdesk.Delivery) ([]helpdesk.IngestResult, error)
	Reply(ctx context.Context, p *helpdesk.Principal, caseID string, req models.ReviewReplyRequest) (*models.Case, error)
	LinkSuggestions(ctx context.Context, p *helpdesk.Principal, caseID string) ([]helpdesk.LinkSuggestion, error)
	Link(ctx context.Context, p *helpdesk.Principal, caseID, otherID string) (*models.Case, error)
}

type reviewHandlers struct {
	reviews reviewService
	imports reviewImportService
	bind    *Binder
	audit   auditRecorder
}

// reviewSourceResponse is a source as the API shows it. Secret is only in the answers to
// create and rotate; otherwise SecretHint names its last four characters.
type reviewSourceResponse struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Kind           string `json:"kind"`
	ScaleMax       int    `json:"scale_max"`
	ReplyLimit     int    `json:"reply_limit"`
	ReplyApproval  bool   `json:"reply_approval"`
	ReplyWebhookID string `json:"reply_webhook_id"`
	// The Google pull connector: the location, whether a token is set (never the token),
	// when the last full pass ended and the last failure.
	GoogleLocation  string     `json:"google_location,omitempty"`
	GoogleConnected bool       `json:"google_connected"`
	GoogleSyncedAt  *time.Time `json:"google_synced_at,omitempty"`
	GoogleError     string     `json:"google_error,omitempty"`
	Enabled         bool       `json:"enabled"`
	Secret          string     `json:"secret,omitempty"`
	SecretHint      string     `json:"secret_hint"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	Version         int64      `json:"version"`
}

func reviewSourceOf(s *models.ReviewSource, secret string) reviewSourceResponse {
	return reviewSourceResponse{ID: s.ID, Name: s.Name, Kind: string(s.Kind), ScaleMax: s.ScaleMax, ReplyLimit: s.ReplyLimit,
		ReplyApproval: s.ReplyApproval, ReplyWebhookID: s.ReplyWebhookID, Enabled: s.Enabled,
		GoogleLocation: s.GoogleLocation, GoogleConnected: s.GoogleLocation != "" && len(s.GoogleTokenSealed) > 0,
		GoogleSyncedAt: s.GoogleSyncedAt, GoogleError: s.GoogleError, Secret: secret, SecretHint: s.SecretHint,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, Version: s.Version}
}

// ingestResultResponse is what became of one review of a delivery.
type ingestResultResponse struct {
	ExternalID string `json:"external_id"`
	CaseID     string `json:"case_id,omitempty"`
	Outcome    string `json:"outcome"`
}

func (h *reviewHandlers) listSources(c echo.Context) error {
	srcs, err := h.reviews.ListSources(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	out := make([]reviewSourceResponse, len(srcs))
	for i := range srcs {
		out[i] = reviewSourceOf(&srcs[i], "")
	}
	return list(c, out, map[string]any{"total": len(out)})
}

func (h *reviewHandlers) createSource(c echo.Context) error {
	if err := principal(c).Require(models.RoleAdmin); err != nil {
		return err
	}
	var req models.ReviewSourceCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	src, secret, err := h.reviews.CreateSource(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "review_source", "create", src.ID, nil, reviewSourceOf(src, ""))
	return data(c, http.StatusCreated, reviewSourceOf(src, secret))
}

func (h *reviewHandlers) patchSource(c echo.Context) error {
	if err := principal(c).Require(models.RoleAdmin); err != nil {
		return err
	}
	var req models.ReviewSourcePatch
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	before := h.sourceBefore(c)
	src, err := h.reviews.PatchSource(c.Request().Context(), principal(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "review_source", "update", src.ID, before, reviewSourceOf(src, ""))
	return data(c, http.StatusOK, reviewSourceOf(src, ""))
}

func (h *reviewHandlers) rotateSecret(c echo.Context) error {
	src, secret, err := h.reviews.RotateSecret(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	h.audit.record(c, "review_source", "rotate_secret", src.ID, nil, nil)
	return data(c, http.StatusOK, reviewSourceOf(src, secret))
}

func (h *reviewHandlers) removeSource(c echo.Context) error {
	before := h.sourceBefore(c)
	if err := h.reviews.DeleteSource(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	h.audit.record(c, "review_source", "delete", c.Param("id"), before, nil)
	return c.NoContent(http.StatusNoContent)
}

// googleCheckResponse is what a connection test of the Google connector found.
type googleCheckResponse struct {
	Reviews       int     `json:"reviews"`
	AverageRating float64 `json:"average_rating"`
}

// testGoogle asks Google for the source's first page of reviews with its stored settings.
func (h *reviewHandlers) testGoogle(c echo.Context) error {
	res, err := h.reviews.TestGoogle(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, googleCheckResponse{Reviews: res.Reviews, AverageRating: res.AverageRating})
}

// ingest is the signed webhook. The body is read raw (the signature covers its exact bytes)
// and bounded before anything else is done with it.
// sourceBefore is the review source of the request's path before a change, for the audit log.
func (h *reviewHandlers) sourceBefore(c echo.Context) any {
	ss, err := h.reviews.ListSources(c.Request().Context(), principal(c))
	return viewOf(findBefore(ss, err, func(s *models.ReviewSource) bool { return s.ID == c.Param("id") }),
		func(s *models.ReviewSource) reviewSourceResponse { return reviewSourceOf(s, "") })
}

func (h *reviewHandlers) ingest(c echo.Context) error {
	req := c.Request()
	raw, err := io.ReadAll(io.LimitReader(req.Body, reviews.MaxBodyBytes+1))
	if err != nil {
		return models.Invalid("could not read the request body", nil)
	}
	if len(raw) > reviews.MaxBodyBytes {
		return models.TooLarge(fmt.Sprintf("the delivery is over %d bytes", reviews.MaxBodyBytes))
	}
	results, err := h.reviews.Ingest(req.Context(), helpdesk.Delivery{
		SourceID: req.Header.Get(reviews.HeaderSource), Timestamp: req.Header.Get(reviews.HeaderTimestamp),
		Signature: req.Header.Get(reviews.HeaderSignature), Body: raw,
	})
	if err != nil {
		return err
	}
	out := make([]ingestResultResponse, len(results))
	for i, r := range results {
		out[i] = ingestResultResponse(r)
	}
	return list(c, out, map[string]any{"total": len(out)})
}

// --- import -------------------------------------------------------------------------------

// reviewImportService is what the import handler needs.
type reviewImportService interface {
	Import(ctx context.Context, p *helpdesk.Principal, req helpdesk.ImportRequest) (*helpdesk.ImportOutcome, error)
}

type reviewImportRowResponse struct {
	Row            int               `json:"row"`
	ExternalID     string            `json:"external_id"`
	Rating         int               `json:"rating"`
	RatingOriginal float64           `json:"rating_original"`
	Author         string            `json:"author"`
	Email          string            `json:"email,omitempty"`
	Title          string            `json:"title"`
	Text           string            `json:"text"`
	Positive       string            `json:"positive,omitempty"`
	Negative       string            `json:"negative,omitempty"`
	Place          string            `json:"place,omitempty"`
	PostedAt       *time.Time        `json:"posted_at,omitempty"`
	Errors         map[string]string `json:"errors"`
}

type reviewImportResultResponse struct {
	Row        int    `json:"row"`
	ExternalID string `json:"external_id"`
	CaseID     string `json:"case_id,omitempty"`
	Outcome    string `json:"outcome"`
}

type reviewImportErrorResponse struct {
	Row        int    `json:"row"`
	ExternalID string `json:"external_id"`
	Field      string `json:"field"`
	Message    string `json:"message"`
}

type reviewImportResponse struct {
	Preset     string                       `json:"preset"`
	Headers    []string                     `json:"headers"`
	Mapping    map[string]string            `json:"mapping"`
	Remembered bool                         `json:"remembered"`
	Fields     []string                     `json:"fields"`
	TotalRows  int                          `json:"total_rows"`
	Offset     int                          `json:"offset"`
	NextOffset int                          `json:"next_offset"`
	Preview    []reviewImportRowResponse    `json:"preview"`
	Results    []reviewImportResultResponse `json:"results"`
	Errors     []reviewImportErrorResponse  `json:"errors"`
}

// importReviews takes a multipart form: the file in "file", and source_id, mapping (a JSON
// object of field -> column), dry_run, offset and limit.
func (h *reviewHandlers) importReviews(c echo.Context) error {
	if err := principal(c).Require(models.RoleManager); err != nil {
		return err
	}
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, reviews.MaxImportBytes+64<<10)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		if strings.Contains(err.Error(), "too large") {
			return models.TooLarge(fmt.Sprintf("the file is over %d bytes", reviews.MaxImportBytes))
		}
		return models.Invalid("send the file as a multipart form", nil)
	}
	defer r.MultipartForm.RemoveAll()
	req := helpdesk.ImportRequest{SourceID: r.FormValue("source_id")}
	if req.SourceID == "" {
		return models.InvalidField("source_id", "is required")
	}
	var err error
	if req.DryRun, err = formBool(r.FormValue("dry_run")); err != nil {
		return models.InvalidField("dry_run", "must be true or false")
	}
	for name, dst := range map[string]*int{"offset": &req.Offset, "limit": &req.Limit} {
		if v := r.FormValue(name); v != "" {
			if *dst, err = strconv.Atoi(v); err != nil || *dst < 0 {
				return models.InvalidField(name, "must be a whole number, 0 or more")
			}
		}
	}
	if m := r.FormValue("mapping"); m != "" {
		if err := json.Unmarshal([]byte(m), &req.Mapping); err != nil {
			return models.InvalidField("mapping", "must be a JSON object of field to column")
		}
	}
	fhs := r.MultipartForm.File["file"]
	if len(fhs) != 1 {
		return models.InvalidField("file", "send one file")
	}
	up, err := readUpload(fhs[0], reviews.MaxImportBytes)
	if err != nil {
		return err
	}
	req.Content = up.Data
	out, err := h.imports.Import(r.Context(), principal(c), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, reviewImportOf(out))
}

func formBool(s string) (bool, error) {
	if s == "" {
		return false, nil
	}
	return strconv.ParseBool(s)
}

func reviewImportOf(o *helpdesk.ImportOutcome) reviewImportResponse {
	res := reviewImportResponse{Preset: o.Preset, Headers: o.Headers, Mapping: o.Mapping, Remembered: o.Remembered,
		Fields: reviews.ImportFields, TotalRows: o.TotalRows, Offset: o.Offset, NextOffset: o.NextOffset,
		Preview: []reviewImportRowResponse{}, Results: []reviewImportResultResponse{}, Errors: []reviewImportErrorResponse{}}
	if res.Mapping == nil {
		res.Mapping = map[string]string{}
	}
	for _, p := range o.Preview {
		row := reviewImportRowResponse{Row: p.Row, ExternalID: p.Item.ExternalID, Rating: p.Rating, RatingOriginal: p.Item.Rating,
			Author: p.Item.Author, Email: p.Item.Email, Title: p.Item.Title, Text: p.Item.Text, Positive: p.Item.Positive,
			Negative: p.Item.Negative, Place: p.Item.Place, Errors: p.Errors}
		if !p.Item.PostedAt.IsZero() {
			t := p.Item.PostedAt
			row.PostedAt = &t
		}
		if row.Errors == nil {
			row.Errors = map[string]string{}
		}
		res.Preview = append(res.Preview, row)
	}
	for _, r := range o.Results {
		res.Results = append(res.Results, reviewImportResultResponse{Row: r.Row, ExternalID: r.ExternalID, CaseID: r.CaseID, Outcome: r.Outcome})
	}
	for _, e := range o.Errors {
		res.Errors = append(res.Errors, reviewImportErrorResponse(e))
	}
	return res
}

// reply takes one step of a review case's public reply and answers with the case.
func (h *reviewHandlers) reply(c echo.Context) error {
	var req models.ReviewReplyRequest
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	cs, err := h.reviews.Reply(c.Request().Context(), principal(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, cs)
}

// linkSuggestionResponse is a case that may be the reviewer's, and why ("email" or "name").
type linkSuggestionResponse struct {
	caseSummary
	Match string `json:"match"`
}

// linkRequest names the case to link a review case to.
type linkRequest struct {
	CaseID string `json:"case_id" validate:"required,max=64"`
}

func (h *reviewHandlers) linkSuggestions(c echo.Context) error {
	found, err := h.reviews.LinkSuggestions(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]linkSuggestionResponse, len(found))
	for i, f := range found {
		out[i] = linkSuggestionResponse{caseSummary: summaryOf(search.Hit{Doc: f.Doc}), Match: f.Match}
	}
	return list(c, out, map[string]any{"total": len(out)})
}

func (h *reviewHandlers) link(c echo.Context) error {
	var req linkRequest
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	cs, err := h.reviews.Link(c.Request().Context(), principal(c), c.Param("id"), req.CaseID)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, cs)
}
