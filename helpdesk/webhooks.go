package helpdesk

import (
	"context"
	"errors"
	"strings"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/webhook"
)

// WebhookQueue queues a delivery for a rule's webhook action (webhook.Service).
type WebhookQueue interface {
	EnqueueRule(ctx context.Context, endpointID, ruleID, ruleName string, c *models.Case) error
}

// webhooksStore is what Webhooks needs of the store: the webhook endpoints.
type webhooksStore interface {
	DeleteWebhookEndpoint(ctx context.Context, id string) error
	GetWebhookEndpoint(ctx context.Context, id string) (*models.WebhookEndpoint, error)
	InsertWebhookEndpoint(ctx context.Context, w *models.WebhookEndpoint) error
	ListWebhookEndpoints(ctx context.Context) ([]models.WebhookEndpoint, error)
	UpdateWebhookEndpoint(ctx context.Context, w *models.WebhookEndpoint) error
}

// Webhooks lets admins manage outbound webhook endpoints and read their deliveries.
type Webhooks struct {
	store   webhooksStore
	service *webhook.Service
	now     Clock
}

// NewWebhooks wires webhook administration.
func NewWebhooks(st webhooksStore, svc *webhook.Service, now Clock) *Webhooks {
	return &Webhooks{store: st, service: svc, now: now}
}

// List returns every endpoint, secrets masked.
func (w *Webhooks) List(ctx context.Context, p *Principal) ([]models.WebhookEndpoint, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	eps, err := w.store.ListWebhookEndpoints(ctx)
	if err != nil {
		return nil, err
	}
	for i := range eps {
		eps[i] = eps[i].Masked()
	}
	return eps, nil
}

// Create stores a new endpoint with a fresh secret and returns it with the secret in full:
// the only time it is shown.
func (w *Webhooks) Create(ctx context.Context, p *Principal, req models.WebhookCreate) (*models.WebhookEndpoint, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	name, u, err := w.check(ctx, req.Name, req.URL)
	if err != nil {
		return nil, err
	}
	enabled := req.Enabled == nil || *req.Enabled
	now := w.now()
	ep := &models.WebhookEndpoint{ID: newID(), Name: name, URL: u, Secret: webhook.NewSecret(), Enabled: enabled,
		CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := w.store.InsertWebhookEndpoint(ctx, ep); err != nil {
		return nil, err
	}
	return ep, nil
}

// Patch changes an endpoint; a stale version is a conflict.
func (w *Webhooks) Patch(ctx context.Context, p *Principal, id string, req models.WebhookPatch) (*models.WebhookEndpoint, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	ep, err := w.store.GetWebhookEndpoint(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "webhook")
	}
	if ep.Version != req.Version {
		return nil, models.StaleVersion("webhook", ep.Version)
	}
	name, u := ep.Name, ep.URL
	if req.Name != nil {
		name = *req.Name
	}
	if req.URL != nil {
		u = *req.URL
	}
	if name, u, err = w.check(ctx, name, u); err != nil {
		return nil, err
	}
	ep.Name, ep.URL = name, u
	if req.Enabled != nil {
		ep.Enabled = *req.Enabled
	}
	ep.UpdatedAt = w.now()
	ep.Version++
	if err := w.update(ctx, ep); err != nil {
		return nil, err
	}
	masked := ep.Masked()
	return &masked, nil
}

// Delete removes an endpoint; its queued deliveries fail.
func (w *Webhooks) Delete(ctx context.Context, p *Principal, id string) error {
	if err := p.Require(models.RoleAdmin); err != nil {
		return err
	}
	return notFoundAs(w.store.DeleteWebhookEndpoint(ctx, id), "webhook")
}

// Deliveries returns an endpoint's newest deliveries, newest first.
func (w *Webhooks) Deliveries(ctx context.Context, p *Principal, id string) ([]models.WebhookDelivery, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	if _, err := w.store.GetWebhookEndpoint(ctx, id); err != nil {
		return nil, notFoundAs(err, "webhook")
	}
	return w.service.Deliveries(ctx, id, store.WebhookLogCap)
}

// Choices lists every endpoint for the rule editor's picker: managers write rules too, so
// they may see the endpoints, but never their secrets or URLs (a URL can hold a token).
func (w *Webhooks) Choices(ctx context.Context, p *Principal) ([]models.WebhookEndpoint, error) {
	if err := p.Require(models.RoleManager); err != nil {
		return nil, err
	}
	eps, err := w.store.ListWebhookEndpoints(ctx)
	if err != nil {
		return nil, err
	}
	for i := range eps {
		eps[i].Secret = ""
	}
	return eps, nil
}

// SendTest queues a signed test delivery (event "ping") to the endpoint on the same path as
// rule deliveries; it shows in the endpoint's deliveries. A disabled endpoint is a conflict.
func (w *Webhooks) SendTest(ctx context.Context, p *Principal, id string) (*models.WebhookDelivery, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	d, err := w.service.EnqueuePing(ctx, id)
	switch {
	case errors.Is(err, webhook.ErrUnknownEndpoint):
		return nil, models.NotFound("webhook")
	case errors.Is(err, webhook.ErrDisabledEndpoint):
		return nil, models.Conflict("webhook_disabled", "the endpoint is disabled; enable it to send a test delivery")
	}
	return d, err
}

// RotateSecret gives the endpoint a fresh secret and returns it in full: the only time it is
// shown. Deliveries still queued are signed with the new secret when next sent.
func (w *Webhooks) RotateSecret(ctx context.Context, p *Principal, id string, version int64) (*models.WebhookEndpoint, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	ep, err := w.store.GetWebhookEndpoint(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "webhook")
	}
	if ep.Version != version {
		return nil, models.StaleVersion("webhook", ep.Version)
	}
	ep.Secret = webhook.NewSecret()
	ep.UpdatedAt = w.now()
	ep.Version++
	if err := w.update(ctx, ep); err != nil {
		return nil, err
	}
	return ep, nil
}

// MaxAttempts is how many attempts a delivery gets before it fails.
func (w *Webhooks) MaxAttempts() int { return w.service.MaxAttempts() }

// update writes ep back; a concurrent change is a conflict naming the current version.
func (w *Webhooks) update(ctx context.Context, ep *models.WebhookEndpoint) error {
	err := w.store.UpdateWebhookEndpoint(ctx, ep)
	if errors.Is(err, store.ErrVersionMismatch) {
		cur, gerr := w.store.GetWebhookEndpoint(ctx, ep.ID)
		if gerr != nil {
			return notFoundAs(gerr, "webhook")
		}
		return models.StaleVersion("webhook", cur.Version)
	}
	return notFoundAs(err, "webhook")
}

// check trims and validates a name and URL.
func (w *Webhooks) check(ctx context.Context, name, u string) (string, string, error) {
	name, u = strings.TrimSpace(name), strings.TrimSpace(u)
	fields, issues := map[string]string{}, map[string]models.FieldIssue{}
	if name == "" {
		fields["name"], issues["name"] = "must not be blank", models.FieldIssue{Code: "required"}
	}
	if p := w.service.Guard().CheckURL(ctx, u); p != nil {
		fields["url"], issues["url"] = p.Message, models.FieldIssue{Code: p.Code}
	}
	if len(fields) > 0 {
		e := models.Invalid("the webhook is not valid", fields)
		e.FieldIssues = issues
		return "", "", e
	}
	return name, u, nil
}
