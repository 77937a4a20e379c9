package escalation

import (
	"testing"

	"github.com/kaiku-helpdesk/kaiku/models"
)

func reviewRuleCase(rating int, kind models.ReviewSourceKind) *models.Case {
	c := ruleTestCase()
	c.Channel = models.ChannelReview
	c.Priority = models.PriorityNormal
	c.Review = &models.Review{SourceKind: kind, Rating: rating, RatingOriginal: float64(rating), ScaleMax: 5}
	return c
}

func TestReviewConditions(t *testing.T) {
	tests := []struct {
		name    string
		cond    Condition
		c       *models.Case
		changed []string
		want    bool
	}{
		{"rating lte 2 at 2", ruleCond(CondReviewRating, OpLte, NumberValue(2)), reviewRuleCase(2, models.SourceGeneric), nil, true},
		{"rating lte 2 at 3", ruleCond(CondReviewRating, OpLte, NumberValue(2)), reviewRuleCase(3, models.SourceGeneric), nil, false},
		{"rating gte 4 at 5", ruleCond(CondReviewRating, OpGte, NumberValue(4)), reviewRuleCase(5, models.SourceGeneric), nil, true},
		{"rating on a complaint", ruleCond(CondReviewRating, OpLte, NumberValue(5)), ruleTestCase(), nil, false},
		{"source is", ruleCond(CondReviewSource, OpEq, StringValue("trustpilot")), reviewRuleCase(1, models.SourceTrustpilot), nil, true},
		{"source is other", ruleCond(CondReviewSource, OpEq, StringValue("booking")), reviewRuleCase(1, models.SourceTrustpilot), nil, false},
		{"source in", ruleCond(CondReviewSource, OpIn, ListValue("booking", "google_play")), reviewRuleCase(1, models.SourceGooglePlay), nil, true},
		{"source of a complaint", ruleCond(CondReviewSource, OpEq, StringValue("generic")), ruleTestCase(), nil, false},
		{"review edited", ruleCond(CondReviewEdited, OpChanged, ConditionValue{}), reviewRuleCase(3, models.SourceGeneric), []string{models.ReviewEditedField}, true},
		{"other change", ruleCond(CondReviewEdited, OpChanged, ConditionValue{}), reviewRuleCase(3, models.SourceGeneric), []string{"status"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRule("r1", triggerFor(tt.cond), []Condition{tt.cond})
			if err := r.Validate(); err != nil {
				t.Fatalf("rule should be valid: %v", err)
			}
			res := EvaluateRules([]Rule{r}, r.Trigger.Type, RuleInput{Case: tt.c, Now: ruleNow, Changed: tt.changed})
			if got := len(res.Fired) == 1; got != tt.want {
				t.Fatalf("fired = %v, want %v", got, tt.want)
			}
		})
	}
	for _, bad := range []Condition{
		ruleCond(CondReviewRating, OpLte, NumberValue(0)), ruleCond(CondReviewRating, OpLte, NumberValue(6)),
		ruleCond(CondReviewRating, OpLte, NumberValue(2.5)), ruleCond(CondReviewSource, OpEq, StringValue("yelp")),
	} {
		if err := testRule("r1", TriggerCaseCreated, []Condition{bad}).Validate(); err == nil {
			t.Errorf("%+v was taken", bad)
		}
	}
	// "review edited" is about an update: a rule on new cases cannot use it.
	if err := testRule("r1", TriggerCaseCreated, []Condition{ruleCond(CondReviewEdited, OpChanged, ConditionValue{})}).Validate(); err == nil {
		t.Error("review_edited was taken on case_created")
	}
	if got := ruleCond(CondReviewEdited, OpChanged, ConditionValue{}).Describe(); got != "review edited" {
		t.Errorf("describe: %q", got)
	}
	if got := ruleCond(CondReviewRating, OpLte, NumberValue(2)).Describe(); got != "rating is at most 2" {
		t.Errorf("describe: %q", got)
	}
}

func TestDefaultLowRatingRule(t *testing.T) {
	rules := DefaultReviewRules()
	for _, r := range rules {
		if err := r.Validate(); err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
	}
	for _, c := range []struct {
		rating int
		want   models.Priority
	}{{1, models.PriorityHigh}, {2, models.PriorityHigh}, {3, models.PriorityNormal}, {5, models.PriorityNormal}} {
		cs := reviewRuleCase(c.rating, models.SourceBooking)
		EvaluateRules(rules, TriggerCaseCreated, RuleInput{Case: cs, Now: ruleNow})
		if cs.Priority != c.want {
			t.Errorf("rating %d: priority %s, want %s", c.rating, cs.Priority, c.want)
		}
	}
	// A complaint is no review, whatever it says.
	cs := ruleTestCase()
	EvaluateRules(rules, TriggerCaseCreated, RuleInput{Case: cs, Now: ruleNow})
	if cs.Priority != models.PriorityNormal {
		t.Errorf("complaint: priority %s", cs.Priority)
	}
}
