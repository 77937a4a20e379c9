package helpdesk

import (
	"context"
	"slices"
	"strings"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// cannedStore is what Canned needs of the store: the canned replies, and a case to fill one in for.
type cannedStore interface {
	DeleteCannedReply(ctx context.Context, id string) error
	GetCannedReply(ctx context.Context, id string) (*models.CannedReply, error)
	GetCase(ctx context.Context, id string) (*models.Case, error)
	InsertCannedReply(ctx context.Context, r *models.CannedReply) error
	ListCannedReplies(ctx context.Context) ([]models.CannedReply, error)
	ReplaceCannedReply(ctx context.Context, r *models.CannedReply) error
}

// Canned is the team's saved replies. Agents use them; managers keep them.
type Canned struct {
	store cannedStore
	now   Clock
}

// NewCanned wires canned replies.
func NewCanned(st cannedStore, now Clock) *Canned { return &Canned{store: st, now: now} }

// List returns every canned reply, by title.
func (s *Canned) List(ctx context.Context, p *Principal) ([]models.CannedReply, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	rs, err := s.store.ListCannedReplies(ctx)
	slices.SortFunc(rs, func(a, b models.CannedReply) int {
		return strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title))
	})
	return rs, err
}

// Create adds a canned reply (managers and admins).
func (s *Canned) Create(ctx context.Context, p *Principal, req models.CannedReplyCreate) (*models.CannedReply, error) {
	if err := p.Require(models.RoleManager); err != nil {
		return nil, err
	}
	if err := notBlank(&req.Title, &req.Body); err != nil {
		return nil, err
	}
	now := s.now()
	locale := req.Locale
	if locale == "" {
		locale = "en"
	}
	r := &models.CannedReply{ID: newID(), Title: strings.TrimSpace(req.Title), Body: req.Body, Locale: locale,
		CreatedBy: p.User.ID, CreatedAt: now, UpdatedAt: now}
	return r, s.store.InsertCannedReply(ctx, r)
}

// Patch changes a canned reply (managers and admins).
func (s *Canned) Patch(ctx context.Context, p *Principal, id string, req models.CannedReplyPatch) (*models.CannedReply, error) {
	if err := p.Require(models.RoleManager); err != nil {
		return nil, err
	}
	r, err := s.store.GetCannedReply(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "canned reply")
	}
	if err := notBlank(req.Title, req.Body); err != nil {
		return nil, err
	}
	if req.Title != nil {
		r.Title = strings.TrimSpace(*req.Title)
	}
	if req.Body != nil {
		r.Body = *req.Body
	}
	if req.Locale != nil {
		r.Locale = *req.Locale
	}
	r.UpdatedAt = s.now()
	return r, notFoundAs(s.store.ReplaceCannedReply(ctx, r), "canned reply")
}

// Delete removes a canned reply (managers and admins).
func (s *Canned) Delete(ctx context.Context, p *Principal, id string) error {
	if err := p.Require(models.RoleManager); err != nil {
		return err
	}
	return notFoundAs(s.store.DeleteCannedReply(ctx, id), "canned reply")
}

// notBlank refuses a title or body (where given) that is only white space.
func notBlank(title, body *string) error {
	fields := map[string]string{}
	if title != nil && strings.TrimSpace(*title) == "" {
		fields["title"] = "must not be blank"
	}
	if body != nil && strings.TrimSpace(*body) == "" {
		fields["body"] = "must not be blank"
	}
	if len(fields) > 0 {
		return models.Invalid("some fields are not valid", fields)
	}
	return nil
}

// Render fills a canned reply's placeholders for one case, as the agent's draft.
func (s *Canned) Render(ctx context.Context, p *Principal, id, caseID string) (string, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return "", err
	}
	r, err := s.store.GetCannedReply(ctx, id)
	if err != nil {
		return "", notFoundAs(err, "canned reply")
	}
	c, err := s.store.GetCase(ctx, caseID)
	if err != nil {
		return "", notFoundAs(err, "case")
	}
	return models.FillPlaceholders(r.Body, c, p.User.Name), nil
}
