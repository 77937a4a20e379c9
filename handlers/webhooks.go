package handlers

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// webhookService is what the outbound webhook handlers need.
type webhookService interface {
	List(ctx context.Context, p *helpdesk.Principal) ([]models.WebhookEndpoint, error)
	Choices(ctx context.Context, p *helpdesk.Principal) ([]models.WebhookEndpoint, error)
	Create(ctx context.Context, p *helpdesk.Principal, req models.WebhookCreate) (*models.WebhookEndpoint, error)
	Patch(ctx context.Context, p *helpdesk.Principal, id string, req models.WebhookPatch) (*models.WebhookEndpoint, error)
	RotateSecret(ctx context.Context, p *helpdesk.Principal, id string, version int64) (*models.WebhookEndpoint, error)
	Delete(ctx context.Context, p *helpdesk.Principal, id string) error
	SendTest(ctx context.Context, p *helpdesk.Principal, id string) (*models.WebhookDelivery, error)
	Deliveries(ctx context.Context, p *helpdesk.Principal, id string) ([]models.WebhookDelivery, error)
	MaxAttempts() int
}

type webhookHandlers struct {
	webhooks webhookService
	bind     *Binder
	audit    auditRecorder
}

// webhookEndpointResponse is an endpoint as the API shows it; Secret is masked except in the
// answers to create and rotate.
type webhookEndpointResponse struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	URL       string    `json:"url"`
	Secret    string    `json:"secret"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
}

func webhookEndpointOf(w *models.WebhookEndpoint) webhookEndpointResponse {
	return webhookEndpointResponse{ID: w.ID, Name: w.Name, URL: w.URL, Secret: w.Secret, Enabled: w.Enabled,
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt, Version: w.Version}
}

// webhookChoiceResponse is an endpoint as the rule editor's picker shows it: no secret, and
// only the URL's host (a URL's path can hold a token).
type webhookChoiceResponse struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Host    string `json:"host"`
	Enabled bool   `json:"enabled"`
}

// webhookDeliveryResponse is one delivery; MaxAttempts lets a client say "attempt 2 of 8".
type webhookDeliveryResponse struct {
	ID           string     `json:"id"`
	EndpointID   string     `json:"endpoint_id"`
	Event        string     `json:"event"`
	RuleName     string     `json:"rule_name,omitempty"`
	CaseID       string     `json:"case_id,omitempty"`
	Status       string     `json:"status"`
	Attempts     int        `json:"attempts"`
	MaxAttempts  int        `json:"max_attempts"`
	ResponseCode int        `json:"response_code,omitempty"`
	ResponseBody string     `json:"response_body,omitempty"`
	Error        string     `json:"error,omitempty"`
	DurationMS   int64      `json:"duration_ms"`
	CreatedAt    time.Time  `json:"created_at"`
	LastAttempt  *time.Time `json:"last_attempt_at,omitempty"`
	NextAttempt  *time.Time `json:"next_attempt_at,omitempty"`
	DoneAt       *time.Time `json:"done_at,omitempty"`
}

func webhookDeliveryOf(d *models.WebhookDelivery, maxAttempts int) webhookDeliveryResponse {
	return webhookDeliveryResponse{ID: d.ID, EndpointID: d.EndpointID, Event: d.Event, RuleName: d.RuleName, CaseID: d.CaseID,
		Status: d.Status, Attempts: d.Attempts, MaxAttempts: maxAttempts, ResponseCode: d.ResponseCode,
		ResponseBody: d.ResponseBody, Error: d.Error, DurationMS: d.DurationMS, CreatedAt: d.CreatedAt,
		LastAttempt: d.LastAttempt, NextAttempt: d.NextAttempt, DoneAt: d.DoneAt}
}

func (h *webhookHandlers) list(c echo.Context) error {
	ws, err := h.webhooks.List(c.Request().Context(), principal(c))
	return shapedList(c, ws, err, webhookEndpointOf)
}

func (h *webhookHandlers) choices(c echo.Context) error {
	ws, err := h.webhooks.Choices(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	out := make([]webhookChoiceResponse, len(ws))
	for i, w := range ws {
		host := ""
		if u, err := url.Parse(w.URL); err == nil {
			host = u.Host
		}
		out[i] = webhookChoiceResponse{ID: w.ID, Name: w.Name, Host: host, Enabled: w.Enabled}
	}
	return list(c, out, map[string]any{"total": len(out)})
}

func (h *webhookHandlers) create(c echo.Context) error {
	if err := principal(c).Require(models.RoleAdmin); err != nil {
		return err
	}
	var req models.WebhookCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	w, err := h.webhooks.Create(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "webhook", "create", w.ID, nil, webhookEndpointOf(w))
	return data(c, http.StatusCreated, webhookEndpointOf(w))
}

func (h *webhookHandlers) patch(c echo.Context) error {
	if err := principal(c).Require(models.RoleAdmin); err != nil {
		return err
	}
	var req models.WebhookPatch
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	before := h.endpointBefore(c)
	w, err := h.webhooks.Patch(c.Request().Context(), principal(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	h.audit.record(c, "webhook", "update", w.ID, before, webhookEndpointOf(w))
	return data(c, http.StatusOK, webhookEndpointOf(w))
}

func (h *webhookHandlers) rotateSecret(c echo.Context) error {
	if err := principal(c).Require(models.RoleAdmin); err != nil {
		return err
	}
	var req models.WebhookSecretRotate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	w, err := h.webhooks.RotateSecret(c.Request().Context(), principal(c), c.Param("id"), req.Version)
	if err != nil {
		return err
	}
	h.audit.record(c, "webhook", "rotate_secret", w.ID, nil, nil)
	return data(c, http.StatusOK, webhookEndpointOf(w))
}

func (h *webhookHandlers) remove(c echo.Context) error {
	before := h.endpointBefore(c)
	if err := h.webhooks.Delete(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	h.audit.record(c, "webhook", "delete", c.Param("id"), before, nil)
	return c.NoContent(http.StatusNoContent)
}

// endpointBefore is the endpoint of the request's path before a change, for the audit log.
func (h *webhookHandlers) endpointBefore(c echo.Context) any {
	ws, err := h.webhooks.List(c.Request().Context(), principal(c))
	return viewOf(findBefore(ws, err, func(w *models.WebhookEndpoint) bool { return w.ID == c.Param("id") }), webhookEndpointOf)
}

func (h *webhookHandlers) sendTest(c echo.Context) error {
	d, err := h.webhooks.SendTest(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return data(c, http.StatusAccepted, webhookDeliveryOf(d, h.webhooks.MaxAttempts()))
}

func (h *webhookHandlers) deliveries(c echo.Context) error {
	ds, err := h.webhooks.Deliveries(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]webhookDeliveryResponse, len(ds))
	for i := range ds {
		out[i] = webhookDeliveryOf(&ds[i], h.webhooks.MaxAttempts())
	}
	return list(c, out, map[string]any{"total": len(out)})
}
