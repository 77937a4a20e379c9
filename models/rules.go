package models

// Escalation rules: a rule listens to one trigger, tests its conditions (all or any) against a
// case, and carries out its actions. This file is the pure engine: conditions, validation when a
// rule is saved, evaluation with a bounded case_updated cascade, the case-local actions, the side
// effects the caller carries out (notifications, webhooks, round-robin, SLA policies), preview
// and the default rule set. It does no I/O and never reads the clock.
//
// Loops. A rule cannot loop, for three reasons:
//   - within one evaluation (one event and the case_updated cascade its actions cause) a rule
//     fires at most once: the evaluation tracks the IDs that fired;
//   - the cascade is bounded: the engine re-evaluates case_updated rules after case-changing
//     actions at most MaxRuleCascadeDepth times, then stops (RuleResult.CascadeCut);
//   - across events, a case_updated rule is skipped when every field in RuleInput.Changed was
//     last changed by that same rule (RuleInput.ChangedBy). The engine runs the cascade for the
//     changes its own actions make, so the caller must not raise another case_updated event for
//     them; ChangedBy guards callers that do.
//
// Across separate events a rule may fire again when its conditions are true again: a
// "priority changed_to urgent" rule fires each time someone sets the priority to urgent, and a
// case_created rule fires once per case because a case is created once. For no_agent_activity
// the caller passes the rules that already fired in the current idle stretch (AlreadyFired).

import (
	"encoding/json"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// --- triggers -------------------------------------------------------------------------------

// TriggerType names the event a rule listens to.
type TriggerType string

const (
	TriggerCaseCreated     TriggerType = "case_created"
	TriggerCaseUpdated     TriggerType = "case_updated"
	TriggerCustomerReplied TriggerType = "customer_replied"
	TriggerSLAWarning      TriggerType = "sla_warning"
	TriggerSLABreach       TriggerType = "sla_breach"
	TriggerNoAgentActivity TriggerType = "no_agent_activity"
)

// TriggerTypes lists every trigger.
var TriggerTypes = []TriggerType{TriggerCaseCreated, TriggerCaseUpdated, TriggerCustomerReplied, TriggerSLAWarning, TriggerSLABreach, TriggerNoAgentActivity}

// Trigger is when a rule runs. IdleMinutes (business minutes without agent activity on the
// case) is required for no_agent_activity and must be 0 for every other trigger.
type Trigger struct {
	Type        TriggerType `bson:"type" json:"type"`
	IdleMinutes int         `bson:"idle_minutes,omitempty" json:"idle_minutes,omitempty"`
}

// --- rules ----------------------------------------------------------------------------------

// Match modes of a rule's conditions.
const (
	MatchAll = "all"
	MatchAny = "any"
)

// Rule limits. A regex is refused when saved if it is longer than MaxRuleRegexLen characters or
// its compiled program has more than MaxRuleRegexProg instructions.
const (
	MaxRuleConditions   = 20
	MaxRuleActions      = 10
	MaxRuleListItems    = 200
	MaxRuleWordLen      = 100
	MaxRuleRegexLen     = 200
	MaxRuleRegexProg    = 500 // also where Go stops using its bounded backtracker
	MaxRuleIdleMinutes  = MaxSLATargetMinutes
	MaxEscalationLevel  = 10
	MaxRuleCascadeDepth = 3 // case_updated re-evaluations after the triggering event
	MaxRuleMessageLen   = 1000
	MinRulePrefixLen    = 3 // letters before a trailing * in a word list
)

// Rule is one escalation rule. Rules of a trigger run by Position (then Name, then ID).
type Rule struct {
	ID          string      `bson:"_id" json:"id"`
	Name        string      `bson:"name" json:"name"`
	Description string      `bson:"description" json:"description"`
	Enabled     bool        `bson:"enabled" json:"enabled"`
	Position    int         `bson:"position" json:"position"`
	Trigger     Trigger     `bson:"trigger" json:"trigger"`
	Match       string      `bson:"match" json:"match"` // "all" or "any"
	Conditions  []Condition `bson:"conditions" json:"conditions"`
	Actions     []Action    `bson:"actions" json:"actions"`
	CreatedAt   time.Time   `bson:"created_at" json:"created_at"`
	UpdatedAt   time.Time   `bson:"updated_at" json:"updated_at"`
	Version     int64       `bson:"version" json:"version"`
}

// RuleCreate is what a manager sends to create a rule. Omitted: enabled = true, match = "all".
// No conditions means the rule fires on every event of its trigger.
type RuleCreate struct {
	Name        string      `json:"name" validate:"required,max=120"`
	Description string      `json:"description" validate:"max=1000"`
	Enabled     *bool       `json:"enabled"`
	Position    int         `json:"position" validate:"min=0,max=100000"`
	Trigger     Trigger     `json:"trigger"`
	Match       string      `json:"match" validate:"omitempty,oneof=all any"`
	Conditions  []Condition `json:"conditions" validate:"max=20"`
	Actions     []Action    `json:"actions" validate:"required,min=1,max=10"`
}

// RulePatch changes some parts of a rule; nil means unchanged. Conditions and Actions replace
// the whole list. Version must name the version the client saw.
type RulePatch struct {
	Version     int64        `json:"version" validate:"required,min=1"`
	Name        *string      `json:"name" validate:"omitempty,min=1,max=120"`
	Description *string      `json:"description" validate:"omitempty,max=1000"`
	Enabled     *bool        `json:"enabled"`
	Position    *int         `json:"position" validate:"omitempty,min=0,max=100000"`
	Trigger     *Trigger     `json:"trigger"`
	Match       *string      `json:"match" validate:"omitempty,oneof=all any"`
	Conditions  *[]Condition `json:"conditions" validate:"omitempty,max=20"`
	Actions     *[]Action    `json:"actions" validate:"omitempty,min=1,max=10"`
}

// --- conditions -----------------------------------------------------------------------------

// ConditionField names what a condition looks at.
type ConditionField string

const (
	CondStatus            ConditionField = "status"
	CondPriority          ConditionField = "priority"
	CondChannel           ConditionField = "channel"
	CondCategory          ConditionField = "category"
	CondTouchpoint        ConditionField = "touchpoint"
	CondTags              ConditionField = "tags"
	CondExpectedOutcome   ConditionField = "expected_outcome"
	CondAssignee          ConditionField = "assignee_id"
	CondTeam              ConditionField = "team_id"
	CondEscalationLevel   ConditionField = "escalation_level"
	CondCustomerEmail     ConditionField = "customer_email"
	CondCustomerDomain    ConditionField = "customer_domain"
	CondRepeatComplainant ConditionField = "repeat_complainant"
	CondText              ConditionField = "text"
	CondSLAClock          ConditionField = "sla_clock" // the clock of an sla_warning / sla_breach event
)

// ConditionOp is how a condition compares.
type ConditionOp string

const (
	OpEq           ConditionOp = "eq"
	OpNeq          ConditionOp = "neq"
	OpIn           ConditionOp = "in"
	OpNotIn        ConditionOp = "not_in"
	OpContains     ConditionOp = "contains"     // tags: the case has the tag
	OpNotContains  ConditionOp = "not_contains" // tags: the case lacks the tag
	OpGt           ConditionOp = "gt"
	OpGte          ConditionOp = "gte"
	OpLt           ConditionOp = "lt"
	OpLte          ConditionOp = "lte"
	OpChanged      ConditionOp = "changed"       // case_updated: the event changed the field (no value)
	OpChangedTo    ConditionOp = "changed_to"    // case_updated: the field changed and now equals the value (tags: now has it)
	OpContainsAny  ConditionOp = "contains_any"  // text: any of the words or phrases, as whole words
	OpMatchesRegex ConditionOp = "matches_regex" // text: an RE2 expression, case-insensitive
)

// ValueType is the shape of a condition's value.
type ValueType string

const (
	ValueNone    ValueType = ""        // no value (op "changed")
	ValueString  ValueType = "string"  // "urgent"
	ValueList    ValueType = "list"    // ["high", "urgent"]
	ValueNumber  ValueType = "number"  // 2
	ValueRepeat  ValueType = "repeat"  // {"cases": 3, "days": 90}
	ValueInvalid ValueType = "invalid" // anything else that arrived in JSON; Validate refuses it
)

// Condition compares one field of the case (or of the event) with a value.
type Condition struct {
	Field ConditionField `bson:"field" json:"field"`
	Op    ConditionOp    `bson:"op" json:"op"`
	Value ConditionValue `bson:"value" json:"value"`
}

// ConditionValue is a condition's value: a string, a list of strings, a number, or a repeat
// spec {cases, days}. In JSON it is the bare value; in BSON a small document with its type.
type ConditionValue struct {
	Type   ValueType `bson:"type" json:"-"`
	String string    `bson:"string,omitempty" json:"-"`
	List   []string  `bson:"list,omitempty" json:"-"`
	Number float64   `bson:"number,omitempty" json:"-"`
	Cases  int       `bson:"cases,omitempty" json:"-"`
	Days   int       `bson:"days,omitempty" json:"-"`
}

// StringValue, ListValue, NumberValue and RepeatValue build condition values.
func StringValue(s string) ConditionValue { return ConditionValue{Type: ValueString, String: s} }

func ListValue(items ...string) ConditionValue {
	return ConditionValue{Type: ValueList, List: append([]string{}, items...)}
}

func NumberValue(n float64) ConditionValue { return ConditionValue{Type: ValueNumber, Number: n} }

func RepeatValue(cases, days int) ConditionValue {
	return ConditionValue{Type: ValueRepeat, Cases: cases, Days: days}
}

type repeatJSON struct {
	Cases int `json:"cases"`
	Days  int `json:"days"`
}

// MarshalJSON writes the bare value (null when there is none).
func (v ConditionValue) MarshalJSON() ([]byte, error) {
	switch v.Type {
	case ValueString:
		return json.Marshal(v.String)
	case ValueList:
		if v.List == nil {
			return []byte("[]"), nil
		}
		return json.Marshal(v.List)
	case ValueNumber:
		return []byte(strconv.FormatFloat(v.Number, 'f', -1, 64)), nil
	case ValueRepeat:
		return json.Marshal(repeatJSON{v.Cases, v.Days})
	}
	return []byte("null"), nil
}

// UnmarshalJSON reads a bare value. A shape that is no condition value (true, [1, 2],
// {"x": 1}) becomes ValueInvalid instead of an error, so Validate can name the field.
func (v *ConditionValue) UnmarshalJSON(b []byte) error {
	*v = ConditionValue{}
	s := strings.TrimSpace(string(b))
	switch {
	case s == "null":
		return nil
	case strings.HasPrefix(s, `"`):
		v.Type = ValueString
		return json.Unmarshal(b, &v.String)
	case strings.HasPrefix(s, "["):
		var list []string
		if json.Unmarshal(b, &list) != nil {
			v.Type = ValueInvalid
			return nil
		}
		v.Type, v.List = ValueList, list
		return nil
	case strings.HasPrefix(s, "{"):
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		var r repeatJSON
		if dec.Decode(&r) != nil {
			v.Type = ValueInvalid
			return nil
		}
		v.Type, v.Cases, v.Days = ValueRepeat, r.Cases, r.Days
		return nil
	case s != "" && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9')):
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			v.Type = ValueInvalid
			return nil
		}
		v.Type, v.Number = ValueNumber, n
		return nil
	}
	v.Type = ValueInvalid
	return nil
}

// condSpec says which ops a field takes, with the value type of each, and how values are checked.
type condSpec struct {
	label string
	ops   map[ConditionOp]ValueType
	enum  []string                 // allowed values (nil: checked by check)
	check func(v string) string    // message for a bad single value, "" if fine
	fold  func(v string) string    // how values and the case's value are compared
	get   func(e *ruleEval) string // the case's value, folded
}

var (
	opsEquality = map[ConditionOp]ValueType{OpEq: ValueString, OpNeq: ValueString, OpIn: ValueList, OpNotIn: ValueList}
	opsOrdered  = map[ConditionOp]ValueType{OpGt: ValueString, OpGte: ValueString, OpLt: ValueString, OpLte: ValueString}
	opsChange   = map[ConditionOp]ValueType{OpChanged: ValueNone, OpChangedTo: ValueString}
)

func opsOf(parts ...map[ConditionOp]ValueType) map[ConditionOp]ValueType {
	m := map[ConditionOp]ValueType{}
	for _, p := range parts {
		for k, v := range p {
			m[k] = v
		}
	}
	return m
}

func foldLower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
func foldExact(s string) string { return strings.TrimSpace(s) }
func foldDomain(s string) string {
	return strings.TrimPrefix(strings.TrimSuffix(foldLower(s), "."), "@")
}

func checkLen(max int, allowEmpty bool) func(string) string {
	return func(v string) string {
		v = strings.TrimSpace(v)
		switch {
		case v == "" && !allowEmpty:
			return "must not be empty"
		case utf8.RuneCountInString(v) > max:
			return fmt.Sprintf("must be at most %d characters", max)
		}
		return ""
	}
}

var slaKindNames = []string{string(SLAFirstResponse), string(SLANextResponse), string(SLAResolution), string(SLAFinalAnswer)}

func stringsOf[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

var condSpecs map[ConditionField]*condSpec

func init() {
	condSpecs = map[ConditionField]*condSpec{
		CondStatus: {label: "status", ops: opsOf(opsEquality, opsChange), enum: stringsOf(Statuses),
			get: func(e *ruleEval) string { return foldLower(string(e.c.Status)) }},
		CondPriority: {label: "priority", ops: opsOf(opsEquality, opsOrdered, opsChange), enum: stringsOf(priorityNames),
			get: func(e *ruleEval) string { return foldLower(string(e.c.Priority)) }},
		CondChannel: {label: "channel", ops: opsEquality, enum: ChannelNames,
			get: func(e *ruleEval) string { return foldLower(string(e.c.Channel)) }},
		CondCategory: {label: "category", ops: opsOf(opsEquality, opsChange), check: checkLen(80, false),
			get: func(e *ruleEval) string { return foldLower(e.c.Category) }},
		CondTouchpoint: {label: "touchpoint", ops: opsOf(opsEquality, opsChange), enum: Touchpoints,
			get: func(e *ruleEval) string { return foldLower(e.c.Touchpoint) }},
		CondExpectedOutcome: {label: "expected outcome", ops: opsOf(opsEquality, opsChange), enum: ExpectedOutcomes,
			get: func(e *ruleEval) string { return foldLower(e.c.ExpectedOutcome) }},
		CondTags: {label: "tags", ops: opsOf(map[ConditionOp]ValueType{OpContains: ValueString, OpNotContains: ValueString}, opsChange),
			check: checkLen(40, false)},
		CondAssignee: {label: "assignee", ops: opsOf(opsEquality, opsChange), check: checkLen(64, true), fold: foldExact,
			get: func(e *ruleEval) string { return foldExact(e.c.AssigneeID) }},
		CondTeam: {label: "team", ops: opsOf(opsEquality, opsChange), check: checkLen(64, true), fold: foldExact,
			get: func(e *ruleEval) string { return foldExact(e.c.TeamID) }},
		CondEscalationLevel: {label: "escalation level", ops: map[ConditionOp]ValueType{
			OpEq: ValueNumber, OpNeq: ValueNumber, OpGt: ValueNumber, OpGte: ValueNumber, OpLt: ValueNumber, OpLte: ValueNumber,
			OpChanged: ValueNone, OpChangedTo: ValueNumber}},
		CondCustomerEmail: {label: "customer email", ops: opsEquality, check: checkEmail,
			get: func(e *ruleEval) string { return NormalizeEmail(e.c.Customer.Email) }},
		CondCustomerDomain: {label: "customer domain", ops: opsEquality, check: checkDomain, fold: foldDomain,
			get: func(e *ruleEval) string {
				em := NormalizeEmail(e.c.Customer.Email)
				return foldDomain(em[strings.LastIndexByte(em, '@')+1:])
			}},
		CondRepeatComplainant: {label: "repeat complainant", ops: map[ConditionOp]ValueType{OpGte: ValueRepeat, OpLt: ValueRepeat}},
		CondText:              {label: "text", ops: map[ConditionOp]ValueType{OpContainsAny: ValueList, OpMatchesRegex: ValueString}},
		CondSLAClock: {label: "SLA clock", ops: opsEquality, enum: slaKindNames,
			get: func(e *ruleEval) string { return foldLower(string(e.in.SLAKind)) }},
	}
}

// ConditionFields lists the fields in the order the rule editor offers them.
var ConditionFields = []ConditionField{CondStatus, CondPriority, CondChannel, CondCategory, CondTouchpoint, CondTags,
	CondExpectedOutcome, CondAssignee, CondTeam, CondEscalationLevel, CondCustomerEmail, CondCustomerDomain,
	CondRepeatComplainant, CondText, CondSLAClock}

// ConditionOps returns the ops a field takes, sorted (nil for an unknown field).
func ConditionOps(f ConditionField) []ConditionOp {
	spec := condSpecs[f]
	if spec == nil {
		return nil
	}
	ops := make([]ConditionOp, 0, len(spec.ops))
	for op := range spec.ops {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	return ops
}

func checkEmail(v string) string {
	v = strings.TrimSpace(v)
	if at := strings.LastIndexByte(v, '@'); at <= 0 || at == len(v)-1 || strings.ContainsAny(v, " \t\r\n") || len(v) > 254 {
		return "must be an email address"
	}
	return ""
}

func checkDomain(v string) string {
	d := foldDomain(v)
	if d == "" || len(d) > 253 || strings.ContainsAny(d, "@ \t\r\n/") || !strings.Contains(d, ".") {
		return "must be a domain such as example.com"
	}
	return ""
}

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

var notifyRoles = map[string]Role{NotifyAgents: RoleAgent, NotifyManagers: RoleManager, NotifyAdmins: RoleAdmin}

// Action is one thing a rule does. Only the fields of its type are kept when the rule is saved.
//
// notify: recipients are any of UserIDs, TeamID, CaseTeam (the case's team when the rule
// fires), CaseAssignee (its assignee) and Role ("agents", "managers", "admins"); FallbackRole is
// told when CaseTeam / CaseAssignee find nobody. Channels: "app" and/or "email". Message is
// plain text; empty gives a standard message.
type Action struct {
	Type         ActionType `bson:"type" json:"type"`
	Priority     Priority   `bson:"priority,omitempty" json:"priority,omitempty"`
	OnlyRaise    bool       `bson:"only_raise,omitempty" json:"only_raise,omitempty"`
	TeamID       string     `bson:"team_id,omitempty" json:"team_id,omitempty"`
	AgentID      string     `bson:"agent_id,omitempty" json:"agent_id,omitempty"`
	Level        int        `bson:"level,omitempty" json:"level,omitempty"`
	Tag          string     `bson:"tag,omitempty" json:"tag,omitempty"`
	UserIDs      []string   `bson:"user_ids,omitempty" json:"user_ids,omitempty"`
	Role         string     `bson:"role,omitempty" json:"role,omitempty"`
	CaseTeam     bool       `bson:"case_team,omitempty" json:"case_team,omitempty"`
	CaseAssignee bool       `bson:"case_assignee,omitempty" json:"case_assignee,omitempty"`
	FallbackRole string     `bson:"fallback_role,omitempty" json:"fallback_role,omitempty"`
	Channels     []string   `bson:"channels,omitempty" json:"channels,omitempty"`
	Message      string     `bson:"message,omitempty" json:"message,omitempty"`
	EndpointID   string     `bson:"endpoint_id,omitempty" json:"endpoint_id,omitempty"`
	PolicyID     string     `bson:"policy_id,omitempty" json:"policy_id,omitempty"`
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
	Kind       EffectKind `json:"kind"`
	RuleID     string     `json:"rule_id"`
	RuleName   string     `json:"rule_name"`
	CaseID     string     `json:"case_id"`
	UserIDs    []string   `json:"user_ids,omitempty"`
	TeamIDs    []string   `json:"team_ids,omitempty"`
	TeamID     string     `json:"team_id,omitempty"`
	MinRole    Role       `json:"min_role,omitempty"`
	InApp      bool       `json:"in_app,omitempty"`
	Email      bool       `json:"email,omitempty"`
	Message    string     `json:"message,omitempty"`
	EndpointID string     `json:"endpoint_id,omitempty"`
	PolicyID   string     `json:"policy_id,omitempty"`
}

// RuleFiring is one rule that fired: what matched, the case fields its actions changed, its side
// effects and the timeline entry it added to the case.
type RuleFiring struct {
	RuleID   string        `json:"rule_id"`
	RuleName string        `json:"rule_name"`
	Trigger  TriggerType   `json:"trigger"`
	Depth    int           `json:"depth"` // 0 = the event itself, 1.. = cascade level
	Matched  string        `json:"matched"`
	Changed  []string      `json:"changed,omitempty"`
	Effects  []RuleEffect  `json:"effects,omitempty"`
	Timeline TimelineEvent `json:"timeline"`
}

// assign gives the case to agentID, opening a new case, and reports each field it changes.
func (c *Case) assign(agentID string, change func(field, from, to string)) {
	change("assignee_id", c.AssigneeID, agentID)
	c.AssigneeID = agentID
	if c.Status == StatusNew {
		change("status", string(c.Status), string(StatusOpen))
		c.Status = StatusOpen
	}
}

// AssignInTurn carries out a round-robin effect of the rule ruleID that fired on c: it gives
// the case to agentID (whose turn it is; the caller keeps the turns) and records the change in
// that firing's timeline entry, as Apply records its own.
func (c *Case) AssignInTurn(ruleID, agentID string, now time.Time) {
	entry := -1 // the latest firing: the case may hold earlier ones of the same rule
	for i := len(c.Timeline) - 1; i >= 0 && entry < 0; i-- {
		if c.Timeline[i].Type == "rule_fired" && c.Timeline[i].Data["rule_id"] == ruleID {
			entry = i
		}
	}
	changed := false
	c.assign(agentID, func(field, from, to string) {
		if from == to {
			return
		}
		changed = true
		if entry >= 0 {
			e := &c.Timeline[entry]
			e.Changes = append(slices.Clip(e.Changes), FieldChange{Field: field, From: from, To: to})
		}
	})
	if changed {
		c.UpdatedAt = now
	}
}

// Apply carries out the rule's actions on the case: the case-local ones (priority, team,
// assignee, escalation level, tags) change c, the others come back as effects. It appends one
// "rule_fired" entry {rule_id, rule, matched} by "rule: <name>" to c.Timeline with the changes
// in it (RuleFiring.Timeline is a copy of it; do not append it again). It does not look at the
// conditions.
func (r Rule) Apply(c *Case, matched string, now time.Time) RuleFiring {
	f := RuleFiring{RuleID: r.ID, RuleName: r.Name, Matched: matched}
	var changes []FieldChange
	change := func(field, from, to string) {
		if from == to {
			return
		}
		changes = append(changes, FieldChange{Field: field, From: from, To: to})
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
			if !slices.Contains(priorityNames, a.Priority) || (a.OnlyRaise && a.Priority.Rank() <= c.Priority.Rank()) {
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
			c.assign(a.AgentID, change)
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
				if fr := notifyRoles[a.FallbackRole]; fr.Valid() && (e.MinRole == "" || fr.rank() < e.MinRole.rank()) {
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
	f.Timeline = TimelineEvent{At: now, Actor: "rule: " + r.Name, Type: "rule_fired",
		Data: map[string]string{"rule_id": r.ID, "rule": r.Name, "matched": matched}, Changes: changes}
	c.Timeline = append(c.Timeline, f.Timeline)
	return f
}

// --- validation -----------------------------------------------------------------------------

// NewRule validates a create request and builds the rule. The caller supplies the ID.
func NewRule(id string, req RuleCreate, now time.Time) (*Rule, error) {
	r := &Rule{
		ID: id, Name: strings.TrimSpace(req.Name), Description: strings.TrimSpace(req.Description),
		Enabled: req.Enabled == nil || *req.Enabled, Position: req.Position, Trigger: req.Trigger,
		Match: req.Match, Conditions: req.Conditions, Actions: req.Actions,
		CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if r.Match == "" {
		r.Match = MatchAll
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	r.normalize()
	return r, nil
}

// Validate checks a create request completely.
func (req RuleCreate) Validate() error {
	_, err := NewRule("validate", req, time.Time{})
	return err
}

// Validate checks a patch on its own; ApplyPatch also checks the resulting rule (conditions
// that depend on the trigger are only checked there).
func (p RulePatch) Validate() error {
	fields := map[string]string{}
	if p.Version < 1 {
		fields["version"] = "is required"
	}
	if p.Name != nil {
		validateRuleName(*p.Name, fields)
	}
	if p.Description != nil && utf8.RuneCountInString(strings.TrimSpace(*p.Description)) > 1000 {
		fields["description"] = "must be at most 1000 characters"
	}
	if p.Position != nil && (*p.Position < 0 || *p.Position > 100000) {
		fields["position"] = "must be between 0 and 100000"
	}
	if p.Trigger != nil {
		validateTrigger(*p.Trigger, fields)
	}
	if p.Match != nil && *p.Match != MatchAll && *p.Match != MatchAny {
		fields["match"] = "must be all or any"
	}
	if p.Conditions != nil {
		validateConditions(*p.Conditions, "", fields)
	}
	if p.Actions != nil {
		validateActions(*p.Actions, fields)
	}
	if len(fields) > 0 {
		return Invalid("the rule is not valid", fields)
	}
	return nil
}

// ApplyPatch validates a patch and applies it; the resulting rule is validated as a whole. It
// does not check or bump Version (the store does that atomically). On error the rule is
// unchanged.
func (r *Rule) ApplyPatch(p RulePatch, now time.Time) error {
	if err := p.Validate(); err != nil {
		return err
	}
	n := *r
	if p.Name != nil {
		n.Name = strings.TrimSpace(*p.Name)
	}
	if p.Description != nil {
		n.Description = strings.TrimSpace(*p.Description)
	}
	if p.Enabled != nil {
		n.Enabled = *p.Enabled
	}
	if p.Position != nil {
		n.Position = *p.Position
	}
	if p.Trigger != nil {
		n.Trigger = *p.Trigger
	}
	if p.Match != nil {
		n.Match = *p.Match
	}
	if p.Conditions != nil {
		n.Conditions = slices.Clone(*p.Conditions)
	}
	if p.Actions != nil {
		n.Actions = slices.Clone(*p.Actions)
	}
	if err := n.Validate(); err != nil {
		return err
	}
	n.normalize()
	n.UpdatedAt = now
	*r = n
	return nil
}

// Validate checks the whole rule and returns an *Error whose Fields are keyed like the JSON:
// "name", "trigger.type", "trigger.idle_minutes", "match", "conditions[2].field",
// "conditions[2].op", "conditions[2].value", "conditions[2].value[1]", "actions",
// "actions[0].type", "actions[0].priority", ... Everything evaluation relies on is checked
// here, so a saved rule never fails at run time.
func (r Rule) Validate() error {
	fields := map[string]string{}
	validateRuleName(r.Name, fields)
	if utf8.RuneCountInString(strings.TrimSpace(r.Description)) > 1000 {
		fields["description"] = "must be at most 1000 characters"
	}
	if r.Position < 0 || r.Position > 100000 {
		fields["position"] = "must be between 0 and 100000"
	}
	validateTrigger(r.Trigger, fields)
	if r.Match != MatchAll && r.Match != MatchAny {
		fields["match"] = "must be all or any"
	}
	validateConditions(r.Conditions, r.Trigger.Type, fields)
	validateActions(r.Actions, fields)
	if len(fields) > 0 {
		return Invalid("the rule is not valid", fields)
	}
	return nil
}

func (r *Rule) normalize() {
	r.Conditions = slices.Clone(r.Conditions)
	for i := range r.Conditions {
		c := &r.Conditions[i]
		c.Value.List = slices.Clone(c.Value.List)
		if c.Field != CondText {
			c.Value.String = strings.TrimSpace(c.Value.String)
			for j := range c.Value.List {
				c.Value.List[j] = strings.TrimSpace(c.Value.List[j])
			}
		}
		if c.Field == CondText && c.Op == OpContainsAny && c.Value.Type == ValueString {
			c.Value = ListValue(c.Value.String)
		}
	}
	r.Actions = slices.Clone(r.Actions)
	for i := range r.Actions {
		r.Actions[i] = r.Actions[i].normalized()
	}
}

func validateRuleName(name string, fields map[string]string) {
	if n := strings.TrimSpace(name); n == "" || utf8.RuneCountInString(n) > 120 {
		fields["name"] = "is required, at most 120 characters"
	}
}

func validateTrigger(t Trigger, fields map[string]string) {
	if !slices.Contains(TriggerTypes, t.Type) {
		fields["trigger.type"] = "must be one of: " + strings.Join(stringsOf(TriggerTypes), " ")
		return
	}
	if t.Type == TriggerNoAgentActivity {
		if t.IdleMinutes < 1 || t.IdleMinutes > MaxRuleIdleMinutes {
			fields["trigger.idle_minutes"] = fmt.Sprintf("is required for no_agent_activity: 1 to %d business minutes", MaxRuleIdleMinutes)
		}
	} else if t.IdleMinutes != 0 {
		fields["trigger.idle_minutes"] = "is only for the no_agent_activity trigger"
	}
}

// validateConditions checks conditions; trigger "" skips the checks that depend on it.
func validateConditions(conds []Condition, trigger TriggerType, fields map[string]string) {
	if len(conds) > MaxRuleConditions {
		fields["conditions"] = fmt.Sprintf("must have at most %d conditions", MaxRuleConditions)
	}
	for i, c := range conds {
		validateCondition(fmt.Sprintf("conditions[%d]", i), c, trigger, fields)
	}
}

func valueTypeWords(t ValueType) string {
	switch t {
	case ValueString:
		return "a string"
	case ValueList:
		return "a list of strings"
	case ValueNumber:
		return "a number"
	case ValueRepeat:
		return `an object {"cases": N, "days": M}`
	}
	return "empty (null)"
}

func validateCondition(key string, c Condition, trigger TriggerType, fields map[string]string) {
	spec := condSpecs[c.Field]
	if spec == nil {
		fields[key+".field"] = "unknown field; one of: " + strings.Join(stringsOf(ConditionFields), " ")
		return
	}
	want, ok := spec.ops[c.Op]
	if !ok {
		fields[key+".op"] = fmt.Sprintf("%s does not take %q; use one of: %s", c.Field, c.Op, strings.Join(stringsOf(ConditionOps(c.Field)), " "))
		return
	}
	if (c.Op == OpChanged || c.Op == OpChangedTo) && trigger != "" && trigger != TriggerCaseUpdated {
		fields[key+".op"] = c.Op.String() + " works only with the case_updated trigger"
		return
	}
	if c.Field == CondSLAClock && trigger != "" && trigger != TriggerSLAWarning && trigger != TriggerSLABreach {
		fields[key+".field"] = "sla_clock works only with the sla_warning and sla_breach triggers"
		return
	}
	v := c.Value
	got := v.Type
	if c.Field == CondText && c.Op == OpContainsAny && got == ValueString {
		got = ValueList
		v = ListValue(v.String)
	}
	if got != want {
		fields[key+".value"] = "must be " + valueTypeWords(want) + " for " + string(c.Field) + " " + string(c.Op)
		return
	}
	vkey := key + ".value"
	switch {
	case c.Field == CondText && c.Op == OpContainsAny:
		if len(v.List) == 0 || len(v.List) > MaxRuleListItems {
			fields[vkey] = fmt.Sprintf("must have 1 to %d words or phrases", MaxRuleListItems)
			return
		}
		for j, w := range v.List {
			if _, err := compileWordPattern(w); err != "" {
				fields[fmt.Sprintf("%s[%d]", vkey, j)] = err
			}
		}
	case c.Field == CondText && c.Op == OpMatchesRegex:
		if _, err := compileRuleRegex(v.String); err != nil {
			fields[vkey] = err.Error()
		}
	case want == ValueRepeat:
		if v.Cases < 1 || v.Cases > 1000 {
			fields[vkey+".cases"] = "must be between 1 and 1000"
		}
		if v.Days < 1 || v.Days > 3650 {
			fields[vkey+".days"] = "must be between 1 and 3650"
		}
	case want == ValueNumber:
		if v.Number != float64(int(v.Number)) || v.Number < 0 || v.Number > MaxEscalationLevel {
			fields[vkey] = fmt.Sprintf("must be a whole number from 0 to %d", MaxEscalationLevel)
		}
	case want == ValueString:
		if msg := spec.checkValue(v.String); msg != "" {
			fields[vkey] = msg
		}
	case want == ValueList:
		if len(v.List) == 0 || len(v.List) > MaxRuleListItems {
			fields[vkey] = fmt.Sprintf("must have 1 to %d items", MaxRuleListItems)
			return
		}
		for j, s := range v.List {
			msg := spec.checkValue(s)
			if msg == "" && strings.TrimSpace(s) == "" {
				msg = "must not be empty"
			}
			if msg != "" {
				fields[fmt.Sprintf("%s[%d]", vkey, j)] = msg
			}
		}
	case want == ValueNone:
		// type checked above
	}
}

func (op ConditionOp) String() string { return string(op) }

func (s *condSpec) checkValue(v string) string {
	if s.enum != nil {
		if !slices.Contains(s.enum, strings.TrimSpace(v)) {
			return "must be one of: " + strings.Join(s.enum, " ")
		}
		return ""
	}
	if s.check != nil {
		return s.check(v)
	}
	return ""
}

func validateActions(actions []Action, fields map[string]string) {
	if len(actions) == 0 {
		fields["actions"] = "must have at least one action"
		return
	}
	if len(actions) > MaxRuleActions {
		fields["actions"] = fmt.Sprintf("must have at most %d actions", MaxRuleActions)
	}
	for i, a := range actions {
		key := fmt.Sprintf("actions[%d]", i)
		id := func(name, v string) {
			if v = strings.TrimSpace(v); v == "" || len(v) > 64 {
				fields[key+"."+name] = "is required, at most 64 characters"
			}
		}
		switch a.Type {
		case ActionSetPriority:
			if !slices.Contains(priorityNames, a.Priority) {
				fields[key+".priority"] = "must be one of: low normal high urgent"
			}
		case ActionAssignTeam, ActionRoundRobinTeam:
			id("team_id", a.TeamID)
		case ActionAssignAgent:
			id("agent_id", a.AgentID)
		case ActionRaiseEscalation:
			if a.Level < 0 || a.Level > MaxEscalationLevel {
				fields[key+".level"] = fmt.Sprintf("must be 0 (one level up) or a level up to %d", MaxEscalationLevel)
			}
		case ActionAddTag, ActionRemoveTag:
			if msg := checkLen(40, false)(a.Tag); msg != "" {
				fields[key+".tag"] = msg
			}
		case ActionNotify:
			validateNotify(key, a, fields)
		case ActionWebhook:
			id("endpoint_id", a.EndpointID)
		case ActionApplySLAPolicy:
			id("policy_id", a.PolicyID)
		default:
			fields[key+".type"] = "must be one of: " + strings.Join(stringsOf(ActionTypes), " ")
		}
	}
}

func validateNotify(key string, a Action, fields map[string]string) {
	a = a.normalized()
	if len(a.UserIDs) == 0 && a.TeamID == "" && a.Role == "" && !a.CaseTeam && !a.CaseAssignee {
		fields[key+".recipients"] = "name at least one recipient: user_ids, team_id, case_team, case_assignee or role"
	}
	if len(a.UserIDs) > 50 {
		fields[key+".user_ids"] = "must have at most 50 users"
	}
	for j, u := range a.UserIDs {
		if len(u) > 64 {
			fields[fmt.Sprintf("%s.user_ids[%d]", key, j)] = "must be at most 64 characters"
		}
	}
	if len(a.TeamID) > 64 {
		fields[key+".team_id"] = "must be at most 64 characters"
	}
	roles := "must be one of: agents managers admins"
	if _, ok := notifyRoles[a.Role]; a.Role != "" && !ok {
		fields[key+".role"] = roles
	}
	if _, ok := notifyRoles[a.FallbackRole]; a.FallbackRole != "" && !ok {
		fields[key+".fallback_role"] = roles
	} else if a.FallbackRole != "" && !a.CaseTeam && !a.CaseAssignee {
		fields[key+".fallback_role"] = "is only used with case_team or case_assignee"
	}
	if len(a.Channels) == 0 {
		fields[key+".channels"] = "must have at least one of: app email"
	}
	for j, ch := range a.Channels {
		if ch != NotifyInApp && ch != NotifyEmail {
			fields[fmt.Sprintf("%s.channels[%d]", key, j)] = "must be app or email"
		}
	}
	if utf8.RuneCountInString(a.Message) > MaxRuleMessageLen {
		fields[key+".message"] = fmt.Sprintf("must be at most %d characters", MaxRuleMessageLen)
	}
}

// --- text matching --------------------------------------------------------------------------

// wordPattern is one configured word or phrase: its words folded like the text, each possibly a
// prefix (written with a trailing *).
type wordPattern struct {
	entry  string
	words  []string
	prefix []bool
}

// compileWordPattern parses a word or phrase; the second result is an error message.
func compileWordPattern(entry string) (wordPattern, string) {
	p := wordPattern{entry: strings.TrimSpace(entry)}
	if p.entry == "" {
		return p, "must not be empty"
	}
	if utf8.RuneCountInString(p.entry) > MaxRuleWordLen {
		return p, fmt.Sprintf("must be at most %d characters", MaxRuleWordLen)
	}
	for part := range strings.FieldsSeq(p.entry) {
		star := strings.HasSuffix(part, "*")
		stem := strings.TrimSuffix(part, "*")
		if strings.Contains(stem, "*") {
			return p, "* is allowed only at the end of a word (asianajaj* matches asianajajalle)"
		}
		_, words := foldWords(stem, nil)
		if len(words) == 0 {
			if star {
				return p, "* must follow at least 3 letters"
			}
			continue // punctuation only: ignored, as in the text
		}
		for k, w := range words {
			isPrefix := star && k == len(words)-1
			if isPrefix && utf8.RuneCountInString(w) < MinRulePrefixLen {
				return p, fmt.Sprintf("* must follow at least %d letters", MinRulePrefixLen)
			}
			p.words = append(p.words, w)
			p.prefix = append(p.prefix, isPrefix)
		}
	}
	if len(p.words) == 0 {
		return p, "must contain a letter or a digit"
	}
	return p, ""
}

// composeMark joins a base letter and a combining mark into one letter for the decomposed
// forms of ä, ö, å (and ü, é) that some systems send; other marks stay as they are.
func composeMark(base, mark rune) (rune, bool) {
	switch mark {
	case '\u0308':
		switch base {
		case 'a':
			return 'ä', true
		case 'o':
			return 'ö', true
		case 'u':
			return 'ü', true
		}
	case '\u030a':
		if base == 'a' {
			return 'å', true
		}
	case '\u0301':
		if base == 'e' {
			return 'é', true
		}
	}
	return 0, false
}

// foldWords lower-cases s and splits it into words: runs of letters, digits and combining marks
// (Unicode-aware; everything else, including - ' and *, separates words). The words are
// substrings of the returned folded string and are appended to words.
func foldWords(s string, words []string) (string, []string) {
	buf := make([]byte, 0, len(s))
	type span struct{ from, to int }
	var spans []span
	start := -1
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		var word bool
		switch {
		case r < utf8.RuneSelf:
			switch {
			case 'A' <= r && r <= 'Z':
				r += 'a' - 'A'
				word = true
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
				word = true
			}
		case unicode.IsMark(r):
			word = true
			if start >= 0 {
				if base, bs := utf8.DecodeLastRune(buf); bs > 0 {
					if c, ok := composeMark(base, r); ok {
						buf = utf8.AppendRune(buf[:len(buf)-bs], c)
						continue
					}
				}
			}
		case unicode.IsLetter(r), unicode.IsDigit(r):
			r = unicode.ToLower(r)
			word = true
		}
		if word {
			if start < 0 {
				start = len(buf)
			}
			buf = utf8.AppendRune(buf, r)
			continue
		}
		if start >= 0 {
			spans = append(spans, span{start, len(buf)})
			start = -1
			buf = append(buf, ' ')
		}
	}
	if start >= 0 {
		spans = append(spans, span{start, len(buf)})
	}
	folded := string(buf)
	for _, sp := range spans {
		words = append(words, folded[sp.from:sp.to])
	}
	return folded, words
}

// ruleText is the text of a case prepared for matching: the raw text for regexes, the folded
// words in order for phrases, and the distinct words sorted for lookups.
type ruleText struct {
	raw       string
	words     []string
	sorted    []string
	lower     string // raw lower-cased, for regexes (made when first needed)
	aligned   bool   // lower has the same byte offsets as raw
	lowerDone bool
}

// lowered returns the lower-cased text.
func (t *ruleText) lowered() string {
	if !t.lowerDone {
		t.lower, t.lowerDone = strings.ToLower(t.raw), true
		t.aligned = len(t.lower) == len(t.raw)
		if t.aligned {
			for _, r := range t.raw {
				if r >= utf8.RuneSelf && utf8.RuneLen(unicode.ToLower(r)) != utf8.RuneLen(r) {
					t.aligned = false
					break
				}
			}
		}
	}
	return t.lower
}

// caseText is what text conditions look at: subject, description and the customer's messages.
func caseText(c *Case) string {
	n := len(c.Subject) + len(c.Description) + 1
	for _, m := range c.Messages {
		if m.Kind == MessageCustomer {
			n += len(m.Body) + 1
		}
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(c.Subject)
	b.WriteByte('\n')
	b.WriteString(c.Description)
	for _, m := range c.Messages {
		if m.Kind == MessageCustomer {
			b.WriteByte('\n')
			b.WriteString(m.Body)
		}
	}
	return b.String()
}

func newRuleText(raw string) *ruleText {
	t := &ruleText{raw: raw}
	_, t.words = foldWords(raw, make([]string, 0, len(raw)/6))
	t.sorted = slices.Clone(t.words)
	slices.Sort(t.sorted)
	t.sorted = slices.Compact(t.sorted)
	return t
}

// has reports whether the text has the word (or a word starting with it), and which word.
func (t *ruleText) has(w string, prefix bool) (string, bool) {
	i := sort.SearchStrings(t.sorted, w)
	if i == len(t.sorted) {
		return "", false
	}
	if t.sorted[i] == w || (prefix && strings.HasPrefix(t.sorted[i], w)) {
		return t.sorted[i], true
	}
	return "", false
}

// find returns the words of the text that match the pattern, joined by spaces.
func (t *ruleText) find(p *wordPattern) (string, bool) {
	if len(p.words) == 1 {
		return t.has(p.words[0], p.prefix[0])
	}
	for k, w := range p.words {
		if _, ok := t.has(w, p.prefix[k]); !ok {
			return "", false
		}
	}
	match := func(w string, k int) bool {
		return w == p.words[k] || (p.prefix[k] && strings.HasPrefix(w, p.words[k]))
	}
outer:
	for i := 0; i+len(p.words) <= len(t.words); i++ {
		for k := range p.words {
			if !match(t.words[i+k], k) {
				continue outer
			}
		}
		return strings.Join(t.words[i:i+len(p.words)], " "), true
	}
	return "", false
}

// --- regular expressions --------------------------------------------------------------------

// ruleRegex is a compiled text expression. Expressions are always case-insensitive and run on
// the lower-cased text: the pattern's literals are lower-cased too, so Go's literal-prefix scan
// applies, and need lists literals one of which every match contains, so most texts are
// refused by a substring search before the expression runs.
type ruleRegex struct {
	re   *regexp.Regexp
	need []string
}

// ruleRegexCache keeps compiled expressions by pattern; it is cleared when it grows past a few
// hundred entries. It only saves work: results never depend on it.
var (
	ruleRegexCache sync.Map
	ruleRegexCount atomic.Int32
	caseSensitive  = regexp.MustCompile(`\(\?[a-zA-Z]*-[a-zA-Z]*i`)
)

// compileRuleRegex compiles a text condition's expression, refusing one that is too long, too
// complex, case-sensitive ((?-i)) or matches empty text.
func compileRuleRegex(pattern string) (*ruleRegex, error) {
	if rx, ok := ruleRegexCache.Load(pattern); ok {
		return rx.(*ruleRegex), nil
	}
	if strings.TrimSpace(pattern) == "" {
		return nil, fmt.Errorf("must not be empty")
	}
	if n := utf8.RuneCountInString(pattern); n > MaxRuleRegexLen {
		return nil, fmt.Errorf("is too long (%d characters; at most %d)", n, MaxRuleRegexLen)
	}
	if caseSensitive.MatchString(pattern) {
		return nil, fmt.Errorf("is always case-insensitive; (?-i) is not supported")
	}
	parsed, err := syntax.Parse("(?i)"+pattern, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("is not a valid regular expression: %v", err)
	}
	prog, err := syntax.Compile(parsed.Simplify())
	if err != nil {
		return nil, fmt.Errorf("is not a valid regular expression: %v", err)
	}
	if len(prog.Inst) > MaxRuleRegexProg {
		return nil, fmt.Errorf("is too expensive (%d steps; at most %d): use fewer repetitions or alternatives, or a word list", len(prog.Inst), MaxRuleRegexProg)
	}
	lowerLiterals(parsed)
	re, err := regexp.Compile(parsed.String())
	if err != nil {
		// Not expected: String round-trips. Fall back to the expression as written.
		if re, err = regexp.Compile("(?i)" + pattern); err != nil {
			return nil, fmt.Errorf("is not a valid regular expression: %v", err)
		}
	}
	if re.MatchString("") {
		return nil, fmt.Errorf("matches empty text, so it would match every case")
	}
	rx := &ruleRegex{re: re, need: requiredLiterals(parsed)}
	if ruleRegexCount.Add(1) > 512 {
		ruleRegexCache.Clear()
		ruleRegexCount.Store(1)
	}
	ruleRegexCache.Store(pattern, rx)
	return rx, nil
}

// lowerLiterals turns case-folded literals into lower-case ones, for matching lower-cased text.
// Classes were already expanded to every case by the parser.
func lowerLiterals(re *syntax.Regexp) {
	if re.Op == syntax.OpLiteral && re.Flags&syntax.FoldCase != 0 {
		for i, r := range re.Rune {
			re.Rune[i] = unicode.ToLower(r)
		}
		re.Flags &^= syntax.FoldCase
	}
	for _, sub := range re.Sub {
		lowerLiterals(sub)
	}
}

// requiredLiterals returns strings one of which every match of re contains (nil: none known).
func requiredLiterals(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil
		}
		return []string{string(re.Rune)}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []string
		shortest := func(l []string) int {
			n := -1
			for _, s := range l {
				if n < 0 || len(s) < n {
					n = len(s)
				}
			}
			return n
		}
		for _, sub := range re.Sub {
			if l := requiredLiterals(sub); l != nil && shortest(l) > shortest(best) {
				best = l
			}
		}
		return best
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			l := requiredLiterals(sub)
			if l == nil || len(all)+len(l) > 16 {
				return nil
			}
			all = append(all, l...)
		}
		return all
	}
	return nil
}

// find returns the first match in the text (as written, when the lower-cased text lines up).
func (rx *ruleRegex) find(t *ruleText) (string, bool) {
	low := t.lowered()
	if rx.need != nil && !slices.ContainsFunc(rx.need, func(s string) bool { return strings.Contains(low, s) }) {
		return "", false
	}
	loc := rx.re.FindStringIndex(low)
	if loc == nil {
		return "", false
	}
	if t.aligned {
		return t.raw[loc[0]:loc[1]], true
	}
	return low[loc[0]:loc[1]], true
}

// --- evaluation -----------------------------------------------------------------------------

// RuleInput is one event for the rules: the case (Evaluate changes it through the rules'
// actions), the time, and what the engine cannot know on its own.
type RuleInput struct {
	Case *Case
	Now  time.Time
	// CustomerCaseCounts returns how many cases this customer (by email) opened in the last
	// days days, this case included; nil makes repeat_complainant conditions false.
	CustomerCaseCounts func(days int) int
	// Changed names the fields this event changed (case_updated): status, priority, category,
	// touchpoint, expected_outcome, tags, assignee_id, team_id, escalation_level.
	Changed []string
	// ChangedBy maps a changed field to the rule that changed it, for changes made by rules; a
	// case_updated rule is skipped when it made every change in Changed itself.
	ChangedBy map[string]string
	// SLAKind is the clock of an sla_warning / sla_breach event.
	SLAKind SLAKind
	// Idle is the business time since the last agent activity (no_agent_activity): rules whose
	// IdleMinutes have passed run.
	Idle time.Duration
	// AlreadyFired names rules that must not fire again for this event (for example
	// no_agent_activity rules that fired earlier in the same idle stretch).
	AlreadyFired []string
}

// RuleResult is what one evaluation did, in firing order.
type RuleResult struct {
	Fired        []RuleFiring      `json:"fired"`
	FiredRuleIDs []string          `json:"fired_rule_ids"`
	Effects      []RuleEffect      `json:"effects"`
	Changed      []string          `json:"changed"`    // case fields changed by rules
	ChangedBy    map[string]string `json:"changed_by"` // field -> rule that changed it last
	// CascadeCut is true when the last allowed cascade level still changed the case; those
	// changes were not evaluated again.
	CascadeCut bool `json:"cascade_cut"`
}

type compiledCond struct {
	c     Condition
	spec  *condSpec
	str   string
	list  []string
	num   int
	words []wordPattern
	re    *ruleRegex
	bad   bool // cannot be evaluated (refused when saved; only hand-edited data): never true
	text  bool // looks at the text (evaluated after the cheap conditions)
}

type compiledRule struct {
	rule  *Rule
	conds []compiledCond
}

// RuleSet is a list of enabled rules prepared for evaluation: sorted, with word lists folded and
// expressions compiled. Build it once per rules version and share it; it is read-only.
type RuleSet struct {
	rules   []compiledRule
	windows []int // see RepeatWindows
}

// RepeatWindows are the day windows of the enabled rules' repeat_complainant conditions, in
// increasing order, so that one query can count a customer's cases for all of them.
func (s *RuleSet) RepeatWindows() []int { return s.windows }

// CompileRules prepares the enabled rules for evaluation, by Position, then Name, then ID.
func CompileRules(rules []Rule) *RuleSet {
	s := &RuleSet{}
	for i := range rules {
		if !rules[i].Enabled {
			continue
		}
		s.rules = append(s.rules, compileRule(rules[i]))
		for _, c := range rules[i].Conditions {
			if c.Field == CondRepeatComplainant && c.Value.Days > 0 && !slices.Contains(s.windows, c.Value.Days) {
				s.windows = append(s.windows, c.Value.Days)
			}
		}
	}
	slices.Sort(s.windows)
	slices.SortStableFunc(s.rules, func(a, b compiledRule) int {
		if a.rule.Position != b.rule.Position {
			return a.rule.Position - b.rule.Position
		}
		if n := strings.Compare(a.rule.Name, b.rule.Name); n != 0 {
			return n
		}
		return strings.Compare(a.rule.ID, b.rule.ID)
	})
	return s
}

func compileRule(r Rule) compiledRule {
	cr := compiledRule{rule: &r, conds: make([]compiledCond, len(r.Conditions))}
	for i, c := range r.Conditions {
		cc := compiledCond{c: c, spec: condSpecs[c.Field]}
		if cc.spec == nil {
			cc.bad = true
			cr.conds[i] = cc
			continue
		}
		fold := cc.spec.fold
		if fold == nil {
			fold = foldLower
		}
		switch {
		case c.Field == CondText && c.Op == OpContainsAny:
			cc.text = true
			list := c.Value.List
			if c.Value.Type == ValueString {
				list = []string{c.Value.String}
			}
			for _, w := range list {
				if p, err := compileWordPattern(w); err == "" {
					cc.words = append(cc.words, p)
				}
			}
		case c.Field == CondText && c.Op == OpMatchesRegex:
			cc.text = true
			re, err := compileRuleRegex(c.Value.String)
			cc.re, cc.bad = re, err != nil
		case c.Value.Type == ValueNumber:
			cc.num = int(c.Value.Number)
		default:
			cc.str = fold(c.Value.String)
			for _, v := range c.Value.List {
				cc.list = append(cc.list, fold(v))
			}
		}
		if want, ok := cc.spec.ops[c.Op]; !ok || (want != c.Value.Type && !cc.text) {
			cc.bad = true
		}
		cr.conds[i] = cc
	}
	return cr
}

// ruleEval is the state of one evaluation of one case.
type ruleEval struct {
	in      RuleInput
	c       *Case
	text    *ruleText
	changed []string
	preview bool // no event: changed is assumed, changed_to reads as eq, sla_clock is assumed
	counts  map[int]int
}

func (e *ruleEval) caseText() *ruleText {
	if e.text == nil {
		e.text = newRuleText(caseText(e.c))
	}
	return e.text
}

func (e *ruleEval) customerCases(days int) (int, bool) {
	if n, ok := e.counts[days]; ok {
		return n, true
	}
	if e.in.CustomerCaseCounts == nil {
		return 0, false
	}
	n := e.in.CustomerCaseCounts(days)
	if e.counts == nil {
		e.counts = map[int]int{}
	}
	e.counts[days] = n
	return n, true
}

func cmpOp(op ConditionOp, d int) bool {
	switch op {
	case OpEq, OpChangedTo:
		return d == 0
	case OpNeq:
		return d != 0
	case OpGt:
		return d > 0
	case OpGte:
		return d >= 0
	case OpLt:
		return d < 0
	case OpLte:
		return d <= 0
	}
	return false
}

// test evaluates one condition; detail says what in the case made it true (a word found).
func (e *ruleEval) test(cc *compiledCond) (ok bool, detail string) {
	if cc.bad {
		return false, ""
	}
	c := cc.c
	if c.Op == OpChanged || c.Op == OpChangedTo {
		if !e.preview && !slices.Contains(e.changed, string(c.Field)) {
			return false, ""
		}
		if c.Op == OpChanged {
			return true, ""
		}
	}
	switch c.Field {
	case CondText:
		t := e.caseText()
		if cc.re != nil {
			found, ok := cc.re.find(t)
			return ok, shorten(found, 60)
		}
		for i := range cc.words {
			if found, ok := t.find(&cc.words[i]); ok {
				return true, cc.words[i].entry + "\x00" + found
			}
		}
		return false, ""
	case CondRepeatComplainant:
		n, ok := e.customerCases(c.Value.Days)
		if !ok {
			return false, ""
		}
		if c.Op == OpGte {
			return n >= c.Value.Cases, strconv.Itoa(n)
		}
		return n < c.Value.Cases, strconv.Itoa(n)
	case CondEscalationLevel:
		return cmpOp(c.Op, e.c.EscalationLevel-cc.num), ""
	case CondTags:
		has := slices.Contains(e.c.Tags, cc.str)
		if c.Op == OpNotContains {
			return !has, ""
		}
		return has, ""
	case CondSLAClock:
		if e.preview {
			return true, ""
		}
	}
	v := cc.spec.get(e)
	if c.Field == CondCustomerDomain {
		dom := func(want string) bool { return v == want || strings.HasSuffix(v, "."+want) }
		switch c.Op {
		case OpEq:
			return dom(cc.str), ""
		case OpNeq:
			return !dom(cc.str), ""
		case OpIn:
			return slices.ContainsFunc(cc.list, dom), ""
		case OpNotIn:
			return !slices.ContainsFunc(cc.list, dom), ""
		}
		return false, ""
	}
	switch c.Op {
	case OpIn:
		return slices.Contains(cc.list, v), ""
	case OpNotIn:
		return !slices.Contains(cc.list, v), ""
	case OpGt, OpGte, OpLt, OpLte:
		return cmpOp(c.Op, Priority(v).Rank()-Priority(cc.str).Rank()), ""
	case OpEq, OpChangedTo:
		return v == cc.str, ""
	case OpNeq:
		return v != cc.str, ""
	}
	return false, ""
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

var opWords = map[ConditionOp]string{
	OpEq: "is", OpNeq: "is not", OpIn: "is one of", OpNotIn: "is not one of", OpContains: "contain",
	OpNotContains: "do not contain", OpGt: "is above", OpGte: "is at least", OpLt: "is below", OpLte: "is at most",
	OpChanged: "changed", OpChangedTo: "changed to", OpContainsAny: "contains", OpMatchesRegex: "matches",
}

// Describe renders a condition in words: `priority is one of high, urgent`.
func (c Condition) Describe() string {
	spec := condSpecs[c.Field]
	label := string(c.Field)
	if spec != nil {
		label = spec.label
	}
	v := c.Value
	switch {
	case c.Field == CondRepeatComplainant && c.Op == OpGte:
		return fmt.Sprintf("customer has %d or more cases in %d days", v.Cases, v.Days)
	case c.Field == CondRepeatComplainant:
		return fmt.Sprintf("customer has fewer than %d cases in %d days", v.Cases, v.Days)
	case c.Op == OpChanged:
		return label + " changed"
	case c.Op == OpMatchesRegex:
		return fmt.Sprintf("%s matches /%s/", label, v.String)
	}
	var val string
	switch v.Type {
	case ValueString:
		val = v.String
		if c.Field == CondText || c.Field == CondTags {
			val = strconv.Quote(v.String)
		} else if val == "" {
			val = "empty"
		}
	case ValueList:
		if c.Field == CondText {
			q := make([]string, len(v.List))
			for i, s := range v.List {
				q[i] = strconv.Quote(s)
			}
			val = "any of " + strings.Join(q, ", ")
		} else {
			val = strings.Join(v.List, ", ")
		}
	case ValueNumber:
		val = strconv.FormatFloat(v.Number, 'f', -1, 64)
	}
	return label + " " + opWords[c.Op] + " " + val
}

// matched describes what made a condition true, for the timeline.
func matchedWords(cc *compiledCond, detail string) string {
	c := cc.c
	switch {
	case c.Field == CondText && c.Op == OpContainsAny:
		entry, found, _ := strings.Cut(detail, "\x00")
		if foldLower(entry) == found {
			return fmt.Sprintf("text contains %q", entry)
		}
		return fmt.Sprintf("text contains %q (%q)", entry, found)
	case c.Field == CondText:
		return fmt.Sprintf("text matches /%s/ (%q)", c.Value.String, detail)
	case c.Field == CondRepeatComplainant:
		return fmt.Sprintf("%s (%s)", c.Describe(), detail)
	}
	return c.Describe()
}

func triggerWords(t Trigger, kind SLAKind) string {
	switch t.Type {
	case TriggerNoAgentActivity:
		return fmt.Sprintf("no agent activity for %d business minutes", t.IdleMinutes)
	case TriggerSLAWarning, TriggerSLABreach:
		w := strings.ReplaceAll(string(t.Type), "_", " ")
		w = "SLA" + strings.TrimPrefix(w, "sla")
		if kind != "" {
			w += " (" + strings.ReplaceAll(string(kind), "_", " ") + ")"
		}
		return w
	}
	return strings.ReplaceAll(string(t.Type), "_", " ")
}

// match tests the rule's conditions on the case, the cheap ones first and text last, and
// describes what matched: every condition for "all", the first one found true for "any".
func (e *ruleEval) match(cr *compiledRule) (bool, string) {
	r := cr.rule
	var parts []string
	if r.Trigger.Type == TriggerNoAgentActivity && !e.preview {
		parts = append(parts, triggerWords(r.Trigger, ""))
	}
	if len(cr.conds) == 0 {
		if len(parts) == 0 {
			parts = append(parts, triggerWords(r.Trigger, e.in.SLAKind))
		}
		return true, strings.Join(parts, " and ")
	}
	anyMode := r.Match == MatchAny
	var buf [MaxRuleConditions]string
	details := buf[:0]
	if len(cr.conds) > len(buf) {
		details = make([]string, 0, len(cr.conds))
	}
	details = details[:len(cr.conds)]
	for pass := 0; pass < 2; pass++ {
		for i := range cr.conds {
			cc := &cr.conds[i]
			if cc.text != (pass == 1) {
				continue
			}
			ok, detail := e.test(cc)
			switch {
			case anyMode && ok:
				return true, strings.Join(append(parts, matchedWords(cc, detail)), " and ")
			case !anyMode && !ok:
				return false, ""
			}
			details[i] = detail
		}
	}
	if anyMode {
		return false, ""
	}
	for i := range cr.conds {
		parts = append(parts, matchedWords(&cr.conds[i], details[i]))
	}
	return true, strings.Join(parts, " and ")
}

// EvaluateRules compiles the rules and evaluates one event; see RuleSet.Evaluate. Callers that
// evaluate many events with the same rules should keep a RuleSet.
func EvaluateRules(rules []Rule, trigger TriggerType, in RuleInput) RuleResult {
	return CompileRules(rules).Evaluate(trigger, in)
}

// Evaluate runs the enabled rules of the trigger on in.Case, in order, applying the actions of
// each rule whose conditions match (later rules see the changes of earlier ones). When the
// actions changed the case, the case_updated rules run on those changes, up to
// MaxRuleCascadeDepth levels. A rule fires at most once per evaluation. The caller stores the
// case (its timeline has every firing) and carries out the effects.
func (s *RuleSet) Evaluate(trigger TriggerType, in RuleInput) RuleResult {
	var res RuleResult
	if s == nil || in.Case == nil {
		return res
	}
	e := &ruleEval{in: in, c: in.Case}
	fired := map[string]bool{}
	for _, id := range in.AlreadyFired {
		fired[id] = true
	}
	changed, changedBy := in.Changed, in.ChangedBy
	for depth := 0; ; depth++ {
		var levelChanged []string
		levelBy := map[string]string{}
		e.changed = changed
		for i := range s.rules {
			cr := &s.rules[i]
			r := cr.rule
			if r.Trigger.Type != trigger || fired[r.ID] {
				continue
			}
			if trigger == TriggerNoAgentActivity && in.Idle < time.Duration(r.Trigger.IdleMinutes)*time.Minute {
				continue
			}
			if trigger == TriggerCaseUpdated && onlyChangedBy(changed, changedBy, r.ID) {
				continue
			}
			ok, matched := e.match(cr)
			if !ok {
				continue
			}
			f := r.Apply(in.Case, matched, in.Now)
			f.Trigger, f.Depth = trigger, depth
			fired[r.ID] = true
			res.Fired = append(res.Fired, f)
			res.FiredRuleIDs = append(res.FiredRuleIDs, r.ID)
			res.Effects = append(res.Effects, f.Effects...)
			for _, fld := range f.Changed {
				if !slices.Contains(levelChanged, fld) {
					levelChanged = append(levelChanged, fld)
				}
				levelBy[fld] = r.ID
				if !slices.Contains(res.Changed, fld) {
					res.Changed = append(res.Changed, fld)
				}
				if res.ChangedBy == nil {
					res.ChangedBy = map[string]string{}
				}
				res.ChangedBy[fld] = r.ID
			}
		}
		if len(levelChanged) == 0 {
			break
		}
		if depth == MaxRuleCascadeDepth {
			res.CascadeCut = true
			break
		}
		trigger, changed, changedBy = TriggerCaseUpdated, levelChanged, levelBy
	}
	return res
}

// onlyChangedBy reports whether the rule made every change in changed.
func onlyChangedBy(changed []string, by map[string]string, ruleID string) bool {
	if len(changed) == 0 || len(by) == 0 {
		return false
	}
	for _, f := range changed {
		if by[f] != ruleID {
			return false
		}
	}
	return true
}

// NoAgentActivityMinutes returns the distinct IdleMinutes of the enabled no_agent_activity rules,
// ascending, so a scheduler can compute when a case next needs a look.
func NoAgentActivityMinutes(rules []Rule) []int {
	var out []int
	for _, r := range rules {
		if r.Enabled && r.Trigger.Type == TriggerNoAgentActivity && r.Trigger.IdleMinutes > 0 {
			out = append(out, r.Trigger.IdleMinutes)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// --- preview --------------------------------------------------------------------------------

// PreviewMatch is a case a rule would match now.
type PreviewMatch struct {
	CaseID  string `json:"case_id"`
	Subject string `json:"subject"`
	Matched string `json:"matched"`
}

// PreviewRule returns the cases whose current state meets the rule's conditions, whether or not
// the rule is enabled; it changes nothing. With no event to look at, "changed" conditions are
// assumed true, "changed_to" reads as "is", and sla_clock conditions are assumed true. counts
// gives a customer's (by email) cases in the last days days; nil makes repeat_complainant false.
func PreviewRule(r Rule, cases []*Case, counts func(email string, days int) int, now time.Time) []PreviewMatch {
	cr := compileRule(r)
	out := []PreviewMatch{}
	for _, c := range cases {
		if c == nil {
			continue
		}
		in := RuleInput{Case: c, Now: now}
		if counts != nil {
			email := c.Customer.Email
			in.CustomerCaseCounts = func(days int) int { return counts(email, days) }
		}
		e := &ruleEval{in: in, c: c, preview: true}
		if ok, matched := e.match(&cr); ok {
			out = append(out, PreviewMatch{CaseID: c.ID, Subject: c.Subject, Matched: matched})
		}
	}
	return out
}

// --- defaults -------------------------------------------------------------------------------

// Default rule IDs.
const (
	DefaultRuleSafetyWords         = "default-safety-legal-words"
	DefaultRuleRepeatComplainant   = "default-repeat-complainant"
	DefaultRuleFirstResponseBreach = "default-first-response-breach"
)

// SafetyLegalWords are the words of the default safety / legal rule, in English and Finnish.
// Finnish stems end in * to catch the inflected forms (asianajaj* → asianajajalle).
var SafetyLegalWords = []string{
	// English
	"lawyer", "lawyers", "attorney", "attorneys", "sue", "sued", "suing", "lawsuit", "legal action", "court",
	"police", "injury", "injuries", "injured", "fire", "unsafe", "dangerous", "poison", "poisoned", "poisoning",
	// Finnish
	"asianajaj*", "oikeus*", "oikeuteen", "oikeudessa", "käräjä*", "poliisi*", "vamma*", "loukkaant*",
	"palo*", "tulipalo*", "vaarallinen*", "vaarallis*", "myrkky*", "myrkyt*", "myrkyll*",
}

// DefaultRules is the rule set a new installation starts with; managers edit it like any other.
// The repeat-customer rule comes first so the safety rule's urgent priority is not lowered (and
// its set_priority only raises).
func DefaultRules() []Rule {
	return []Rule{
		{
			ID: DefaultRuleRepeatComplainant, Name: "Repeat complainant", Enabled: true, Position: 10,
			Description: "A customer with 3 or more cases in 90 days gets high priority and the repeat-customer tag.",
			Trigger:     Trigger{Type: TriggerCaseCreated}, Match: MatchAll,
			Conditions: []Condition{{Field: CondRepeatComplainant, Op: OpGte, Value: RepeatValue(3, 90)}},
			Actions: []Action{
				{Type: ActionSetPriority, Priority: PriorityHigh, OnlyRaise: true},
				{Type: ActionAddTag, Tag: "repeat-customer"},
			},
			Version: 1,
		},
		{
			ID: DefaultRuleSafetyWords, Name: "Safety or legal words", Enabled: true, Position: 20,
			Description: "Complaints that mention injuries, danger, the police or lawyers are urgent and the managers are told at once.",
			Trigger:     Trigger{Type: TriggerCaseCreated}, Match: MatchAny,
			Conditions: []Condition{{Field: CondText, Op: OpContainsAny, Value: ListValue(SafetyLegalWords...)}},
			Actions: []Action{
				{Type: ActionSetPriority, Priority: PriorityUrgent},
				{Type: ActionRaiseEscalation},
				{Type: ActionNotify, Role: NotifyManagers, Channels: []string{NotifyInApp, NotifyEmail},
					Message: "A new complaint mentions safety or legal words. Please look at it now."},
			},
			Version: 1,
		},
		{
			ID: DefaultRuleFirstResponseBreach, Name: "First response overdue", Enabled: true, Position: 30,
			Description: "When the first-response target is missed, the case goes up one escalation level and its team (or the managers) are told.",
			Trigger:     Trigger{Type: TriggerSLABreach}, Match: MatchAll,
			Conditions: []Condition{{Field: CondSLAClock, Op: OpEq, Value: StringValue(string(SLAFirstResponse))}},
			Actions: []Action{
				{Type: ActionRaiseEscalation},
				{Type: ActionNotify, CaseTeam: true, FallbackRole: NotifyManagers, Channels: []string{NotifyInApp, NotifyEmail},
					Message: "The first response to this case is overdue."},
			},
			Version: 1,
		},
	}
}
