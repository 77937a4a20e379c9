package escalation

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// --- actions --------------------------------------------------------------------------------

// ActionType names what a rule does.
type ActionType string

const (
	ActionSetPriority     ActionType = "set_priority"     // priority (only_raise: never lower it)
	ActionAssignTeam      ActionType = "assign_team"      // team_id
	ActionAssignAgent     ActionType = "assign_agent"     // agent_id
	ActionRoundRobinTeam  ActionType = "round_robin_team" // team_id; the caller picks the agent
	ActionRaiseEscalation ActionType = "raise_escalation" // level: 0 = one level up, n = up to n
	ActionAddTag          ActionType = "add_tag"          // tag
	ActionRemoveTag       ActionType = "remove_tag"       // tag
	ActionNotify          ActionType = "notify"           // recipients, channels, message
	ActionWebhook         ActionType = "webhook"          // endpoint_id
	ActionApplySLAPolicy  ActionType = "apply_sla_policy" // policy_id
)

// ActionTypes lists every action.
var ActionTypes = []ActionType{ActionSetPriority, ActionAssignTeam, ActionAssignAgent, ActionRoundRobinTeam, ActionRaiseEscalation,
	ActionAddTag, ActionRemoveTag, ActionNotify, ActionWebhook, ActionApplySLAPolicy}

// Notification channels and recipient roles of a notify action.
const (
	NotifyInApp = "app"
	NotifyEmail = "email"

	NotifyAgents   = "agents"   // every active staff user
	NotifyManagers = "managers" // managers and admins
	NotifyAdmins   = "admins"
)

var notifyRoles = map[string]models.Role{NotifyAgents: models.RoleAgent, NotifyManagers: models.RoleManager, NotifyAdmins: models.RoleAdmin}

// Action is one thing a rule does. Only the fields of its type are kept when the rule is saved.
//
// notify: recipients are any of UserIDs, TeamID, CaseTeam (the case's team when the rule
// fires), CaseAssignee (its assignee) and Role ("agents", "managers", "admins"); FallbackRole is
// told when CaseTeam / CaseAssignee find nobody. Channels: "app" and/or "email". Message is
// plain text; empty gives a standard message.
type Action struct {
	Type         ActionType      `bson:"type" json:"type"`
	Priority     models.Priority `bson:"priority,omitempty" json:"priority,omitempty"`
	OnlyRaise    bool            `bson:"only_raise,omitempty" json:"only_raise,omitempty"`
	TeamID       string          `bson:"team_id,omitempty" json:"team_id,omitempty"`
	AgentID      string          `bson:"agent_id,omitempty" json:"agent_id,omitempty"`
	Level        int             `bson:"level,omitempty" json:"level,omitempty"`
	Tag          string          `bson:"tag,omitempty" json:"tag,omitempty"`
	UserIDs      []string        `bson:"user_ids,omitempty" json:"user_ids,omitempty"`
	Role         string          `bson:"role,omitempty" json:"role,omitempty"`
	CaseTeam     bool            `bson:"case_team,omitempty" json:"case_team,omitempty"`
	CaseAssignee bool            `bson:"case_assignee,omitempty" json:"case_assignee,omitempty"`
	FallbackRole string          `bson:"fallback_role,omitempty" json:"fallback_role,omitempty"`
	Channels     []string        `bson:"channels,omitempty" json:"channels,omitempty"`
	Message      string          `bson:"message,omitempty" json:"message,omitempty"`
	EndpointID   string          `bson:"endpoint_id,omitempty" json:"endpoint_id,omitempty"`
	PolicyID     string          `bson:"policy_id,omitempty" json:"policy_id,omitempty"`
}

// normalized keeps only the fields of the action's type, trimmed (tags lower-cased).
func (a Action) normalized() Action {
	n := Action{Type: a.Type}
	switch a.Type {
	case ActionSetPriority:
		n.Priority, n.OnlyRaise = a.Priority, a.OnlyRaise
	case ActionAssignTeam, ActionRoundRobinTeam:
		n.TeamID = strings.TrimSpace(a.TeamID)
	case ActionAssignAgent:
		n.AgentID = strings.TrimSpace(a.AgentID)
	case ActionRaiseEscalation:
		n.Level = a.Level
	case ActionAddTag, ActionRemoveTag:
		n.Tag = foldLower(a.Tag)
	case ActionNotify:
		for _, u := range a.UserIDs {
			if u = strings.TrimSpace(u); u != "" && !slices.Contains(n.UserIDs, u) {
				n.UserIDs = append(n.UserIDs, u)
			}
		}
		for _, ch := range a.Channels {
			if ch = foldLower(ch); ch != "" && !slices.Contains(n.Channels, ch) {
				n.Channels = append(n.Channels, ch)
			}
		}
		n.TeamID, n.Role, n.FallbackRole = strings.TrimSpace(a.TeamID), foldLower(a.Role), foldLower(a.FallbackRole)
		n.CaseTeam, n.CaseAssignee, n.Message = a.CaseTeam, a.CaseAssignee, strings.TrimSpace(a.Message)
	case ActionWebhook:
		n.EndpointID = strings.TrimSpace(a.EndpointID)
	case ActionApplySLAPolicy:
		n.PolicyID = strings.TrimSpace(a.PolicyID)
	default:
		return a
	}
	return n
}

// EffectKind names a side effect the caller carries out.
type EffectKind string

const (
	EffectNotify         EffectKind = "notify"
	EffectWebhook        EffectKind = "webhook"
	EffectRoundRobin     EffectKind = "round_robin"      // pick the next agent of TeamID and assign the case
	EffectApplySLAPolicy EffectKind = "apply_sla_policy" // put the case under PolicyID
)

// RuleEffect is a side effect of a rule firing, for the caller to carry out after storing the
// case. For notify, the recipients are UserIDs, the members of TeamIDs and the active users with
// at least MinRole (each may be empty; together they are not). For round_robin, TeamID.
type RuleEffect struct {
	Kind       EffectKind  `json:"kind"`
	RuleID     string      `json:"rule_id"`
	RuleName   string      `json:"rule_name"`
	CaseID     string      `json:"case_id"`
	UserIDs    []string    `json:"user_ids,omitempty"`
	TeamIDs    []string    `json:"team_ids,omitempty"`
	TeamID     string      `json:"team_id,omitempty"`
	MinRole    models.Role `json:"min_role,omitempty"`
	InApp      bool        `json:"in_app,omitempty"`
	Email      bool        `json:"email,omitempty"`
	Message    string      `json:"message,omitempty"`
	EndpointID string      `json:"endpoint_id,omitempty"`
	PolicyID   string      `json:"policy_id,omitempty"`
}

// RuleFiring is one rule that fired: what matched, the case fields its actions changed, its side
// effects and the timeline entry it added to the case.
type RuleFiring struct {
	RuleID   string               `json:"rule_id"`
	RuleName string               `json:"rule_name"`
	Trigger  TriggerType          `json:"trigger"`
	Depth    int                  `json:"depth"` // 0 = the event itself, 1.. = cascade level
	Matched  string               `json:"matched"`
	Changed  []string             `json:"changed,omitempty"`
	Effects  []RuleEffect         `json:"effects,omitempty"`
	Timeline models.TimelineEvent `json:"timeline"`
}

// in it (RuleFiring.Timeline is a copy of it; do not append it again). It does not look at the
// conditions.
func (r Rule) Apply(c *models.Case, matched string, now time.Time) RuleFiring {
	f := RuleFiring{RuleID: r.ID, RuleName: r.Name, Matched: matched}
	var changes []models.FieldChange
	change := func(field, from, to string) {
		if from == to {
			return
		}
		changes = append(changes, models.FieldChange{Field: field, From: from, To: to})
		if !slices.Contains(f.Changed, field) {
			f.Changed = append(f.Changed, field)
		}
	}
	effect := func(e RuleEffect) {
		e.RuleID, e.RuleName, e.CaseID = r.ID, r.Name, c.ID
		f.Effects = append(f.Effects, e)
	}
	for _, a := range r.Actions {
		switch a.Type {
		case ActionSetPriority:
			if !slices.Contains(models.Priorities, a.Priority) || (a.OnlyRaise && a.Priority.Rank() <= c.Priority.Rank()) {
				continue
			}
			change("priority", string(c.Priority), string(a.Priority))
			c.Priority = a.Priority
		case ActionAssignTeam, ActionRoundRobinTeam:
			if a.TeamID == "" {
				continue
			}
			change("team_id", c.TeamID, a.TeamID)
			c.TeamID = a.TeamID
			if a.Type == ActionRoundRobinTeam {
				effect(RuleEffect{Kind: EffectRoundRobin, TeamID: a.TeamID})
			}
		case ActionAssignAgent:
			if a.AgentID == "" {
				continue
			}
			c.Assign(a.AgentID, change)
		case ActionRaiseEscalation:
			to := c.EscalationLevel + 1
			if a.Level > 0 {
				to = max(c.EscalationLevel, a.Level)
			}
			to = min(to, max(MaxEscalationLevel, c.EscalationLevel))
			change("escalation_level", strconv.Itoa(c.EscalationLevel), strconv.Itoa(to))
			c.EscalationLevel = to
		case ActionAddTag:
			tag := foldLower(a.Tag)
			if tag == "" || slices.Contains(c.Tags, tag) {
				continue
			}
			c.Tags = append(slices.Clip(c.Tags), tag)
			change("tags", "", tag)
		case ActionRemoveTag:
			tag := foldLower(a.Tag)
			if i := slices.Index(c.Tags, tag); i >= 0 {
				c.Tags = slices.Delete(slices.Clone(c.Tags), i, i+1)
				change("tags", tag, "")
			}
		case ActionNotify:
			e := RuleEffect{Kind: EffectNotify, UserIDs: slices.Clone(a.UserIDs), MinRole: notifyRoles[a.Role],
				InApp: slices.Contains(a.Channels, NotifyInApp), Email: slices.Contains(a.Channels, NotifyEmail), Message: a.Message}
			if a.TeamID != "" {
				e.TeamIDs = append(e.TeamIDs, a.TeamID)
			}
			found := false
			if a.CaseTeam && c.TeamID != "" {
				found = true
				if !slices.Contains(e.TeamIDs, c.TeamID) {
					e.TeamIDs = append(e.TeamIDs, c.TeamID)
				}
			}
			if a.CaseAssignee && c.AssigneeID != "" {
				found = true
				if !slices.Contains(e.UserIDs, c.AssigneeID) {
					e.UserIDs = append(e.UserIDs, c.AssigneeID)
				}
			}
			if !found && (a.CaseTeam || a.CaseAssignee) {
				// Nobody on the case to tell: the fallback role (a lower role includes more people).
				if fr := notifyRoles[a.FallbackRole]; fr.Valid() && (e.MinRole == "" || !fr.AtLeast(e.MinRole)) {
					e.MinRole = fr
				}
			}
			if len(e.UserIDs) == 0 && len(e.TeamIDs) == 0 && e.MinRole == "" {
				continue // nobody to tell: the case has no team or assignee and there is no fallback
			}
			if e.Message == "" {
				e.Message = fmt.Sprintf("Rule %q fired on case %s: %s", r.Name, c.ID, matched)
			}
			effect(e)
		case ActionWebhook:
			if a.EndpointID != "" {
				effect(RuleEffect{Kind: EffectWebhook, EndpointID: a.EndpointID})
			}
		case ActionApplySLAPolicy:
			if a.PolicyID != "" {
				effect(RuleEffect{Kind: EffectApplySLAPolicy, PolicyID: a.PolicyID})
			}
		}
	}
	if len(f.Changed) > 0 {
		c.UpdatedAt = now
	}
	f.Timeline = models.TimelineEvent{At: now, Actor: "rule: " + r.Name, Type: "rule_fired",
		Data: map[string]string{"rule_id": r.ID, "rule": r.Name, "matched": matched}, Changes: changes}
	c.Timeline = append(c.Timeline, f.Timeline)
	return f
}
