// Package escalation is the escalation-rule engine: a rule listens to one trigger, tests its
// conditions (all or any) against a case, and carries out its actions. It holds the rule types
// and request shapes, validation when a rule is saved, word folding and the expression
// compiler, evaluation with a bounded case_updated cascade, the case-local actions, the side
// effects the caller carries out (notifications, webhooks, round-robin, SLA policies), the
// descriptions, preview and the default rule set. It does no I/O and never reads the clock.
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
package escalation

import (
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
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
	// TriggerFollowUpFailed: the customer (or an agent for them) answered the follow-up check
	// "no": the fix did not hold and the case is open again.
	TriggerFollowUpFailed TriggerType = "follow_up_failed"
	// TriggerApprovalRequested fires when a grant over its granter's limit becomes an approval
	// request (the conditions amount_minor and option look at that grant).
	TriggerApprovalRequested TriggerType = "approval_requested"
)

// TriggerTypes lists every trigger.
var TriggerTypes = []TriggerType{TriggerCaseCreated, TriggerCaseUpdated, TriggerCustomerReplied, TriggerSLAWarning, TriggerSLABreach, TriggerNoAgentActivity, TriggerFollowUpFailed, TriggerApprovalRequested}

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
	MaxRuleIdleMinutes  = models.MaxSLATargetMinutes
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
