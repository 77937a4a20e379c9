package remedies

import (
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// Option is one entry of the catalogue of resolution options admins keep: what an agent may
// offer, whether it carries money, when to ask the customer whether it helped, and what the
// customer is told, in English and Finnish.
type Option struct {
	ID   string `bson:"_id" json:"id"`
	Name Texts  `bson:"name" json:"name"`
	// CustomerText is what the customer reads about the outcome (tracking page, mail).
	CustomerText Texts `bson:"customer_text" json:"customer_text"`
	HasAmount    bool  `bson:"has_amount" json:"has_amount"`
	// ReasonRequired options need a message saying why (no remedy).
	ReasonRequired bool      `bson:"reason_required" json:"reason_required"`
	FollowUpDays   int       `bson:"follow_up_days" json:"follow_up_days"`
	Position       int       `bson:"position" json:"position"`
	Active         bool      `bson:"active" json:"active"`
	UpdatedAt      time.Time `bson:"updated_at" json:"updated_at"`
	Version        int64     `bson:"version" json:"version"`
}

// Texts is one text in each language the product speaks.
type Texts struct {
	EN string `bson:"en" json:"en" validate:"required,max=500"`
	FI string `bson:"fi" json:"fi" validate:"required,max=500"`
}

// In is the text in locale, English when there is none.
func (t Texts) In(locale string) string {
	if locale == "fi" && t.FI != "" {
		return t.FI
	}
	return t.EN
}

// OptionCreate is what an admin may set on a new option.
type OptionCreate struct {
	ID             string `json:"id" validate:"required,min=2,max=40"`
	Name           Texts  `json:"name" validate:"required"`
	CustomerText   Texts  `json:"customer_text" validate:"required"`
	HasAmount      bool   `json:"has_amount"`
	ReasonRequired bool   `json:"reason_required"`
	FollowUpDays   int    `json:"follow_up_days" validate:"min=0,max=365"`
	Position       int    `json:"position" validate:"min=0,max=1000"`
}

// OptionPatch changes an option; nil is unchanged. Version is the one the admin saw.
type OptionPatch struct {
	Name           *Texts `json:"name"`
	CustomerText   *Texts `json:"customer_text"`
	HasAmount      *bool  `json:"has_amount"`
	ReasonRequired *bool  `json:"reason_required"`
	FollowUpDays   *int   `json:"follow_up_days" validate:"omitempty,min=0,max=365"`
	Position       *int   `json:"position" validate:"omitempty,min=0,max=1000"`
	Active         *bool  `json:"active"`
	Version        int64  `json:"version" validate:"required,min=1"`
}

// ValidOptionID says whether id is a slug: lower-case letters, digits and underscores.
func ValidOptionID(id string) bool {
	if len(id) < 2 || len(id) > 40 {
		return false
	}
	for _, r := range id {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

// validTexts refuses a blank text (validate's required lets "   " through).
func validTexts(field string, t Texts) error {
	if strings.TrimSpace(t.EN) == "" || strings.TrimSpace(t.FI) == "" {
		return models.InvalidField(field, "needed in English and Finnish")
	}
	return nil
}

// Apply changes o by p.
func (o *Option) Apply(p OptionPatch, now time.Time) error {
	if p.Name != nil {
		if err := validTexts("name", *p.Name); err != nil {
			return err
		}
		o.Name = *p.Name
	}
	if p.CustomerText != nil {
		if err := validTexts("customer_text", *p.CustomerText); err != nil {
			return err
		}
		o.CustomerText = *p.CustomerText
	}
	if p.HasAmount != nil {
		o.HasAmount = *p.HasAmount
	}
	if p.ReasonRequired != nil {
		o.ReasonRequired = *p.ReasonRequired
	}
	if p.FollowUpDays != nil {
		o.FollowUpDays = *p.FollowUpDays
	}
	if p.Position != nil {
		o.Position = *p.Position
	}
	if p.Active != nil {
		o.Active = *p.Active
	}
	o.UpdatedAt = now
	return nil
}

// NewOption builds an option from an admin's request.
func NewOption(req OptionCreate, now time.Time) (*Option, error) {
	if !ValidOptionID(req.ID) {
		return nil, models.InvalidField("id", "use 2-40 lower-case letters, digits or underscores")
	}
	if err := validTexts("name", req.Name); err != nil {
		return nil, err
	}
	if err := validTexts("customer_text", req.CustomerText); err != nil {
		return nil, err
	}
	return &Option{ID: req.ID, Name: req.Name, CustomerText: req.CustomerText, HasAmount: req.HasAmount,
		ReasonRequired: req.ReasonRequired, FollowUpDays: req.FollowUpDays, Position: req.Position, Active: true,
		UpdatedAt: now, Version: 1}, nil
}

// DefaultOptions are the catalogue a new installation starts with (seeded once by a
// migration; admins change it from there).
func DefaultOptions(now time.Time) []Option {
	o := func(pos int, id string, hasAmount bool, days int, nameEN, nameFI, textEN, textFI string) Option {
		return Option{ID: id, Name: Texts{EN: nameEN, FI: nameFI}, CustomerText: Texts{EN: textEN, FI: textFI},
			HasAmount: hasAmount, FollowUpDays: days, Position: pos, Active: true, UpdatedAt: now, Version: 1}
	}
	opts := []Option{
		o(10, "full_refund", true, 7, "Full refund", "Täysi hyvitys",
			"We are refunding the full price to you.", "Palautamme sinulle koko hinnan."),
		o(20, "partial_refund", true, 7, "Partial refund", "Osittainen hyvitys",
			"We are refunding part of the price to you.", "Palautamme sinulle osan hinnasta."),
		o(30, "replacement", false, 14, "Replacement", "Korvaava tuote",
			"We are sending you a replacement.", "Lähetämme sinulle korvaavan tuotteen."),
		o(40, "repair", false, 21, "Repair", "Korjaus",
			"We will repair it for you at no cost.", "Korjaamme sen sinulle veloituksetta."),
		o(50, "voucher", true, 30, "Voucher", "Lahjakortti",
			"We are sending you a voucher.", "Lähetämme sinulle lahjakortin."),
		o(60, "next_purchase_discount", true, 30, "Discount on a next purchase", "Alennus seuraavasta ostoksesta",
			"You get a discount on your next purchase.", "Saat alennuksen seuraavasta ostoksestasi."),
		o(70, "goodwill", true, 14, "Goodwill gesture", "Hyvityseleenä annettava korvaus",
			"As a gesture of goodwill we are compensating you.", "Hyvityksenä annamme sinulle korvauksen."),
		o(80, "apology", false, 7, "Apology and explanation", "Anteeksipyyntö ja selvitys",
			"We apologise, and here is what happened.", "Pahoittelemme, ja tässä on selvitys tapahtuneesta."),
		o(90, "no_remedy", false, 7, "No remedy", "Ei hyvitystä",
			"We cannot offer a remedy in this case, and here is why.", "Emme voi tarjota hyvitystä tässä tapauksessa, ja tässä on syy."),
	}
	opts[len(opts)-1].ReasonRequired = true
	return opts
}
