package escalation

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaiku-helpdesk/kaiku/models"
)

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
		return models.Invalid("the rule is not valid", fields)
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
		return models.Invalid("the rule is not valid", fields)
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
	if (c.Field == CondRemedyOption || c.Field == CondRemedyAmount) && trigger != "" && trigger != TriggerApprovalRequested {
		fields[key+".field"] = string(c.Field) + " works only with the approval_requested trigger"
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
	case c.Field == CondRemedyAmount:
		if v.Number != float64(int64(v.Number)) || v.Number < 0 || v.Number > MaxRuleAmountMinor {
			fields[vkey] = "must be a whole number of minor units from 0 to 9007199254740991"
		}
	case c.Field == CondReviewRating:
		if v.Number != float64(int(v.Number)) || v.Number < 1 || v.Number > 5 {
			fields[vkey] = "must be a whole number from 1 to 5"
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
			if !slices.Contains(models.Priorities, a.Priority) {
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
