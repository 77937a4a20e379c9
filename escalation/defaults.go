package escalation

import "github.com/kaiku-helpdesk/kaiku/models"

// --- defaults -------------------------------------------------------------------------------

// Default rule IDs.
const (
	DefaultRuleSafetyWords         = "default-safety-legal-words"
	DefaultRuleRepeatComplainant   = "default-repeat-complainant"
	DefaultRuleFirstResponseBreach = "default-first-response-breach"
	DefaultRuleLowRating           = "default-review-low-rating"
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
				{Type: ActionSetPriority, Priority: models.PriorityHigh, OnlyRaise: true},
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
				{Type: ActionSetPriority, Priority: models.PriorityUrgent},
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
			Conditions: []Condition{{Field: CondSLAClock, Op: OpEq, Value: StringValue(string(models.SLAFirstResponse))}},
			Actions: []Action{
				{Type: ActionRaiseEscalation},
				{Type: ActionNotify, CaseTeam: true, FallbackRole: NotifyManagers, Channels: []string{NotifyInApp, NotifyEmail},
					Message: "The first response to this case is overdue."},
			},
			Version: 1,
		},
	}
}

// DefaultReviewRules are the shipped rules for online reviews. They are seeded on a marker of
// their own, so installations from before reviews get them too.
func DefaultReviewRules() []Rule {
	return []Rule{
		{
			ID: DefaultRuleLowRating, Name: "Low-rated review", Enabled: true, Position: 15,
			Description: "A review rated 2 stars or less (of 5, after normalising) gets high priority, so its first-response clock runs on the high target.",
			Trigger:     Trigger{Type: TriggerCaseCreated}, Match: MatchAll,
			Conditions: []Condition{
				{Field: CondChannel, Op: OpEq, Value: StringValue(string(models.ChannelReview))},
				{Field: CondReviewRating, Op: OpLte, Value: NumberValue(2)},
			},
			Actions: []Action{
				{Type: ActionSetPriority, Priority: models.PriorityHigh, OnlyRaise: true},
				{Type: ActionAddTag, Tag: "low-rating"},
			},
			Version: 1,
		},
	}
}
