package demo

import (
	"context"
	"strings"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// The demo's categories: the CFPB products, grouped, and the hotel stays the reviews are about.
var categories = []models.Category{
	{ID: "credit_reports", NameEN: "Credit reports", NameFI: "Luottotiedot", Active: true},
	{ID: "debt_collection", NameEN: "Debt collection", NameFI: "Perintä", Active: true},
	{ID: "mortgages", NameEN: "Mortgages", NameFI: "Asuntolainat", Active: true},
	{ID: "cards", NameEN: "Cards", NameFI: "Kortit", Active: true},
	{ID: "accounts", NameEN: "Accounts and transfers", NameFI: "Tilit ja siirrot", Active: true},
	{ID: "loans", NameEN: "Loans", NameFI: "Lainat", Active: true},
	{ID: "hotel_stay", NameEN: "Hotel stay", NameFI: "Hotellimajoitus", Active: true},
	{ID: "other", NameEN: "Something else", NameFI: "Jokin muu", Active: true},
}

// categoryOf is the demo category of a CFPB product.
func categoryOf(product string) string {
	p := strings.ToLower(product)
	switch {
	case strings.Contains(p, "credit reporting"):
		return "credit_reports"
	case strings.Contains(p, "debt collection"):
		return "debt_collection"
	case strings.Contains(p, "mortgage"):
		return "mortgages"
	case strings.Contains(p, "card"):
		return "cards"
	case strings.Contains(p, "account") || strings.Contains(p, "money transfer"):
		return "accounts"
	case strings.Contains(p, "loan"):
		return "loans"
	}
	return "other"
}

// Team keys.
const (
	teamFront    = "front"
	teamPayments = "payments"
	teamGuests   = "guests"
)

// teamOf is the team that handles a category.
func teamOf(category string) string {
	switch category {
	case "cards", "accounts", "loans", "mortgages":
		return teamPayments
	case "hotel_stay":
		return teamGuests
	}
	return teamFront
}

type person struct {
	name, email string
	role        models.Role
	team        string // "" for managers: they are in every team
	limitCents  int64  // authority limit per case
}

// staff are the demo's colleagues (the first admin is the installation's own).
var staff = []person{
	{"Aino Virtanen", "aino.virtanen@demo.example", models.RoleAgent, teamFront, 15_000},
	{"Mikko Korhonen", "mikko.korhonen@demo.example", models.RoleAgent, teamFront, 15_000},
	{"Sofia Nyström", "sofia.nystrom@demo.example", models.RoleAgent, teamFront, 10_000},
	{"Sara Lindqvist", "sara.lindqvist@demo.example", models.RoleAgent, teamPayments, 20_000},
	{"Jussi Nieminen", "jussi.nieminen@demo.example", models.RoleAgent, teamPayments, 15_000},
	{"Emma Laine", "emma.laine@demo.example", models.RoleAgent, teamGuests, 15_000},
	{"Oskari Heikkinen", "oskari.heikkinen@demo.example", models.RoleAgent, teamGuests, 10_000},
	{"Leena Mäkinen", "leena.makinen@demo.example", models.RoleManager, "", 200_000},
	{"Pekka Salo", "pekka.salo@demo.example", models.RoleManager, "", 200_000},
}

// setUp makes the categories, teams, colleagues and the review source, at the start.
func (r *runner) setUp(ctx context.Context, w *worker, password string) error {
	hd := w.hd
	if _, err := hd.Settings.SaveCategories(ctx, r.admin, models.CategoriesUpdate{Categories: categories}); err != nil {
		return err
	}
	r.teams = map[string]*models.Team{}
	for _, t := range []struct{ key, name, about string }{
		{teamFront, "Front line", "Credit reports, debt collection and everything else first"},
		{teamPayments, "Payments and accounts", "Cards, accounts, transfers, loans and mortgages"},
		{teamGuests, "Guest care", "Hotel guests' reviews and complaints"},
	} {
		team, err := hd.Users.CreateTeam(ctx, r.admin, models.TeamCreate{Name: t.name, Description: t.about})
		if err != nil {
			return err
		}
		r.teams[t.key] = team
	}
	allTeams := []string{r.teams[teamFront].ID, r.teams[teamPayments].ID, r.teams[teamGuests].ID}
	r.agents = map[string][]*helpdesk.Principal{}
	for _, s := range staff {
		teams := allTeams
		if s.team != "" {
			teams = []string{r.teams[s.team].ID}
		}
		monthly := s.limitCents * 20
		u, err := hd.Users.Create(ctx, r.admin, models.UserCreate{Email: s.email, Name: s.name, Role: s.role,
			Password: password, TeamIDs: teams, AuthorityLimitCents: s.limitCents, MonthlyLimitCents: &monthly, Locale: "en"})
		if err != nil {
			return err
		}
		p := &helpdesk.Principal{User: u}
		if s.role == models.RoleManager {
			r.managers = append(r.managers, p)
		} else {
			r.agents[s.team] = append(r.agents[s.team], p)
		}
	}
	src, secret, err := hd.Reviews.CreateSource(ctx, r.admin, models.ReviewSourceCreate{Name: "Booking.com", Kind: string(models.SourceBooking)})
	if err != nil {
		return err
	}
	r.source = reviewSource{id: src.ID, secret: secret}
	r.pending = map[int64]*delivery{}
	r.piles = map[int64]map[string][]*reviewCase{}
	return nil
}

// staffUsers lists the demo's colleagues.
func (r *runner) staffUsers() []models.User {
	var out []models.User
	for _, key := range []string{teamFront, teamPayments, teamGuests} {
		for _, p := range r.agents[key] {
			out = append(out, *p.User)
		}
	}
	for _, p := range r.managers {
		out = append(out, *p.User)
	}
	return out
}
