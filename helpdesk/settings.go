package helpdesk

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// settingsStore is what Settings needs of the store: the complaint categories.
type settingsStore interface {
	Categories(ctx context.Context) ([]models.Category, error)
	SaveCategories(ctx context.Context, cats []models.Category) error
}

// Settings are the admin-kept lists the public form offers.
type Settings struct{ store settingsStore }

// NewSettings wires settings.
func NewSettings(st settingsStore) *Settings { return &Settings{store: st} }

// FormCategory is a category as the public form shows it, in one language.
type FormCategory struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// FormOptions is what the public complaint form needs to render.
type FormOptions struct {
	Categories       []FormCategory `json:"categories"`
	Touchpoints      []string       `json:"touchpoints"`
	ExpectedOutcomes []string       `json:"expected_outcomes"`
}

// FormOptions returns the active categories in the given language, and the fixed lists.
func (s *Settings) FormOptions(ctx context.Context, locale string) (*FormOptions, error) {
	cats, err := s.store.Categories(ctx)
	if err != nil {
		return nil, err
	}
	out := &FormOptions{Categories: []FormCategory{}, Touchpoints: models.Touchpoints, ExpectedOutcomes: models.ExpectedOutcomes}
	for _, c := range cats {
		if !c.Active {
			continue
		}
		name := c.NameEN
		if locale == "fi" {
			name = c.NameFI
		}
		out.Categories = append(out.Categories, FormCategory{ID: c.ID, Name: name})
	}
	return out, nil
}

// Categories lists every category for staff.
func (s *Settings) Categories(ctx context.Context, p *Principal) ([]models.Category, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	return s.store.Categories(ctx)
}

var slugUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// SaveCategories replaces the list (admins). New entries get an ID from their English name;
// IDs never change afterwards, because cases keep the ID they were filed under.
func (s *Settings) SaveCategories(ctx context.Context, p *Principal, req models.CategoriesUpdate) ([]models.Category, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := make([]models.Category, 0, len(req.Categories))
	for i, c := range req.Categories {
		c.NameEN, c.NameFI = strings.TrimSpace(c.NameEN), strings.TrimSpace(c.NameFI)
		if c.NameEN == "" || c.NameFI == "" {
			return nil, models.InvalidField(fmt.Sprintf("categories[%d].name_en", i), "both names are required")
		}
		if c.ID == "" {
			c.ID = strings.Trim(slugUnsafe.ReplaceAllString(strings.ToLower(c.NameEN), "_"), "_")
		}
		if c.ID == "" || len(c.ID) > 40 || slugUnsafe.MatchString(strings.ReplaceAll(c.ID, "_", "")) {
			return nil, models.InvalidField(fmt.Sprintf("categories[%d].id", i), "use letters a-z, digits and _")
		}
		if seen[c.ID] {
			return nil, models.InvalidField(fmt.Sprintf("categories[%d].id", i), "appears twice")
		}
		seen[c.ID] = true
		out = append(out, c)
	}
	return out, s.store.SaveCategories(ctx, out)
}

// KnownCategory reports whether id is an active category, for the public form.
func (s *Settings) KnownCategory(ctx context.Context, id string) (bool, error) {
	cats, err := s.store.Categories(ctx)
	if err != nil {
		return false, err
	}
	for _, c := range cats {
		if c.ID == id && c.Active {
			return true, nil
		}
	}
	return false, nil
}
