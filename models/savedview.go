package models

import (
	"strings"
	"time"
)

// ViewScope says who sees a saved view.
type ViewScope string

const (
	ScopePersonal ViewScope = "personal" // its owner only
	ScopeTeam     ViewScope = "team"     // the members of one team (and managers)
	ScopeEveryone ViewScope = "everyone" // every staff member
)

// MaxSavedViews bounds the views of one owner, one team or everyone: they are kept in one
// document each, read whole whenever the inbox lists them.
const MaxSavedViews = 50

// SavedViewFilters are the inbox's filters and sort, named as GET /api/v1/cases names its
// query parameters, so a view turns into that query as it is.
type SavedViewFilters struct {
	View               string   `bson:"view,omitempty" json:"view,omitempty" validate:"max=20"`
	Text               string   `bson:"q,omitempty" json:"q,omitempty" validate:"max=200"`
	Statuses           []string `bson:"status,omitempty" json:"status,omitempty" validate:"max=10,dive,max=20"`
	Priorities         []string `bson:"priority,omitempty" json:"priority,omitempty" validate:"max=10,dive,max=20"`
	AssigneeIDs        []string `bson:"assignee_id,omitempty" json:"assignee_id,omitempty" validate:"max=50,dive,max=64"`
	TeamIDs            []string `bson:"team_id,omitempty" json:"team_id,omitempty" validate:"max=50,dive,max=64"`
	Categories         []string `bson:"category,omitempty" json:"category,omitempty" validate:"max=50,dive,max=200"`
	Touchpoints        []string `bson:"touchpoint,omitempty" json:"touchpoint,omitempty" validate:"max=50,dive,max=80"`
	Channels           []string `bson:"channel,omitempty" json:"channel,omitempty" validate:"max=10,dive,max=20"`
	Tags               []string `bson:"tag,omitempty" json:"tag,omitempty" validate:"max=20,dive,max=40"`
	MinEscalationLevel int      `bson:"min_escalation_level,omitempty" json:"min_escalation_level,omitempty" validate:"min=0,max=10"`
	Sort               string   `bson:"sort,omitempty" json:"sort,omitempty" validate:"max=20"`
	Order              string   `bson:"order,omitempty" json:"order,omitempty" validate:"omitempty,oneof=asc desc"`
}

// SavedView is a named set of inbox filters: an agent's own, or shared with a team or everyone.
type SavedView struct {
	ID        string           `bson:"id" json:"id"`
	Name      string           `bson:"name" json:"name"`
	Scope     ViewScope        `bson:"scope" json:"scope"`
	TeamID    string           `bson:"team_id,omitempty" json:"team_id,omitempty"`
	OwnerID   string           `bson:"owner_id" json:"owner_id"` // who created it
	Filters   SavedViewFilters `bson:"filters" json:"filters"`
	Version   int64            `bson:"version" json:"version"`
	CreatedAt time.Time        `bson:"created_at" json:"created_at"`
	UpdatedAt time.Time        `bson:"updated_at" json:"updated_at"`
}

// SavedViewCreate is a new saved view. A team view names its team.
type SavedViewCreate struct {
	Name    string           `json:"name" validate:"required,min=1,max=80"`
	Scope   ViewScope        `json:"scope" validate:"required,oneof=personal team everyone"`
	TeamID  string           `json:"team_id" validate:"max=64"`
	Filters SavedViewFilters `json:"filters"`
}

// SavedViewPatch renames a view or replaces its filters. Version must name the version the
// client saw: a stale one is refused with a conflict. Who sees a view is fixed when it is made.
type SavedViewPatch struct {
	Version int64             `json:"version" validate:"required,min=1"`
	Name    *string           `json:"name" validate:"omitempty,min=1,max=80"`
	Filters *SavedViewFilters `json:"filters"`
}

// SavedViewKey is the _id of the document holding the views of one scope: the owner's, the
// team's, or everyone's. A view's ID starts with it, so a view is found by _id alone.
func SavedViewKey(scope ViewScope, ownerID, teamID string) string {
	switch scope {
	case ScopePersonal:
		return "user:" + ownerID
	case ScopeTeam:
		return "team:" + teamID
	}
	return "everyone"
}

// SavedViewKeyOf is the document key a view ID belongs to ("" for an ID no view has).
func SavedViewKeyOf(viewID string) string {
	key, _, ok := strings.Cut(viewID, "~")
	if !ok || key == "" {
		return ""
	}
	return key
}
