package handlers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reviews"
)

// reviewService is what the review handlers need.
type reviewService interface {
	ListSources(ctx context.Context, p *helpdesk.Principal) ([]models.ReviewSource, error)
	CreateSource(ctx context.Context, p *helpdesk.Principal, req models.ReviewSourceCreate) (*models.ReviewSource, string, error)
	PatchSource(ctx context.Context, p *helpdesk.Principal, id string, req models.ReviewSourcePatch) (*models.ReviewSource, error)
	RotateSecret(ctx context.Context, p *helpdesk.Principal, id string) (*models.ReviewSource, string, error)
	DeleteSource(ctx context.Context, p *helpdesk.Principal, id string) error
	Ingest(ctx context.Context, d helpdesk.Delivery) ([]helpdesk.IngestResult, error)
}

type reviewHandlers struct {
	reviews reviewService
	bind    *Binder
	audit   auditRecorder
}

// reviewSourceResponse is a source as the API shows it. Secret is only in the answers to
// create and rotate; otherwise SecretHint names its last four characters.
type reviewSourceResponse struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Kind          string    `json:"kind"`
	ScaleMax      int       `json:"scale_max"`
	ReplyLimit    int       `json:"reply_limit"`
	ReplyApproval bool      `json:"reply_approval"`
	Enabled       bool      `json:"enabled"`
	Secret        string    `json:"secret,omitempty"`
	SecretHint    string    `json:"secret_hint"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
	Version       int64     `json:"version"`
}

func reviewSourceOf(s *models.ReviewSource, secret string) reviewSourceResponse {
	return reviewSourceResponse{ID: s.ID, Name: s.Name, Kind: string(s.Kind), ScaleMax: s.ScaleMax, ReplyLimit: s.ReplyLimit,
		ReplyApproval: s.ReplyApproval, Enabled: s.Enabled, Secret: secret, SecretHint: s.SecretHint,
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
