package escalation

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/kaiku-helpdesk/kaiku/models"
)

var ruleNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// ruleTestCase is a realistic open complaint.
func ruleTestCase() *models.Case {
	return &models.Case{
		ID: "K-2026-000042", Subject: "Broken kettle", Status: models.StatusOpen, Priority: models.PriorityNormal,
		Description: "The kettle I bought stopped working after two days.",
		Customer:    models.Customer{Name: "Aino Virtanen", Email: "aino.virtanen@mail.example.fi"},
		Channel:     models.ChannelWebForm, Category: "product", Touchpoint: "web_shop", ExpectedOutcome: "refund",
		Tags: []string{"kettle", "vip"}, AssigneeID: "u-agent1", TeamID: "t-support", EscalationLevel: 1,
		Messages: []models.Message{
			{ID: "m1", Kind: models.MessageReply, Author: "Agent", Body: "Could you send a photo? Our lawyer says nothing."},
			{ID: "m2", Kind: models.MessageCustomer, Author: "Aino", Body: "Here it is. The cord melted."},
			{ID: "m3", Kind: models.MessageNote, Author: "Agent", Body: "internal: police report? no"},
		},
		Timeline:  []models.TimelineEvent{{At: ruleNow.Add(-time.Hour), Type: "created"}},
		CreatedAt: ruleNow.Add(-time.Hour), UpdatedAt: ruleNow.Add(-time.Hour), Version: 3,
	}
}

func ruleCond(field ConditionField, op ConditionOp, v ConditionValue) Condition {
	return Condition{Field: field, Op: op, Value: v}
}

func testRule(id string, trigger TriggerType, conds []Condition, actions ...Action) Rule {
	if len(actions) == 0 {
		actions = []Action{{Type: ActionAddTag, Tag: "hit-" + id}}
	}
	r := Rule{ID: id, Name: "Rule " + id, Enabled: true, Trigger: Trigger{Type: trigger}, Match: MatchAll,
		Conditions: conds, Actions: actions, Version: 1}
	if trigger == TriggerNoAgentActivity {
		r.Trigger.IdleMinutes = 60
	}
	return r
}

func triggerFor(c Condition) TriggerType {
	switch {
	case c.Op == OpChanged || c.Op == OpChangedTo:
		return TriggerCaseUpdated
	case c.Field == CondSLAClock:
		return TriggerSLABreach
	}
	return TriggerCaseCreated
}

func TestRuleConditions(t *testing.T) {
	counts := func(days int) int {
		if days <= 30 {
			return 1
		}
		return 3
	}
	tests := []struct {
		name    string
		cond    Condition
		setup   func(c *models.Case)
		changed []string
		sla     models.SLAKind
		want    bool
	}{
		{"status eq", ruleCond(CondStatus, OpEq, StringValue("open")), nil, nil, "", true},
		{"status eq other", ruleCond(CondStatus, OpEq, StringValue("new")), nil, nil, "", false},
		{"status neq", ruleCond(CondStatus, OpNeq, StringValue("new")), nil, nil, "", true},
		{"status in", ruleCond(CondStatus, OpIn, ListValue("new", "open")), nil, nil, "", true},
		{"status not_in", ruleCond(CondStatus, OpNotIn, ListValue("new", "open")), nil, nil, "", false},
		{"status changed_to", ruleCond(CondStatus, OpChangedTo, StringValue("open")), nil, []string{"status"}, "", true},
		{"status changed_to without change", ruleCond(CondStatus, OpChangedTo, StringValue("open")), nil, []string{"priority"}, "", false},
		{"status changed_to other value", ruleCond(CondStatus, OpChangedTo, StringValue("waiting")), nil, []string{"status"}, "", false},
		{"status changed", ruleCond(CondStatus, OpChanged, ConditionValue{}), nil, []string{"status"}, "", true},
		{"priority eq", ruleCond(CondPriority, OpEq, StringValue("normal")), nil, nil, "", true},
		{"priority gt low", ruleCond(CondPriority, OpGt, StringValue("low")), nil, nil, "", true},
		{"priority gt normal", ruleCond(CondPriority, OpGt, StringValue("normal")), nil, nil, "", false},
		{"priority gte normal", ruleCond(CondPriority, OpGte, StringValue("normal")), nil, nil, "", true},
		{"priority lt high", ruleCond(CondPriority, OpLt, StringValue("high")), nil, nil, "", true},
		{"priority lte low", ruleCond(CondPriority, OpLte, StringValue("low")), nil, nil, "", false},
		{"priority gte high when urgent", ruleCond(CondPriority, OpGte, StringValue("high")), func(c *models.Case) { c.Priority = models.PriorityUrgent }, nil, "", true},
		{"priority changed_to urgent", ruleCond(CondPriority, OpChangedTo, StringValue("urgent")), func(c *models.Case) { c.Priority = models.PriorityUrgent }, []string{"priority"}, "", true},
		{"channel eq", ruleCond(CondChannel, OpEq, StringValue("web_form")), nil, nil, "", true},
		{"channel in", ruleCond(CondChannel, OpIn, ListValue("email", "review")), nil, nil, "", false},
		{"category eq ignores case", ruleCond(CondCategory, OpEq, StringValue("Product")), nil, nil, "", true},
		{"category not_in", ruleCond(CondCategory, OpNotIn, ListValue("billing")), nil, nil, "", true},
		{"category changed_to", ruleCond(CondCategory, OpChangedTo, StringValue("product")), nil, []string{"category"}, "", true},
		{"touchpoint eq", ruleCond(CondTouchpoint, OpEq, StringValue("web_shop")), nil, nil, "", true},
		{"touchpoint neq", ruleCond(CondTouchpoint, OpNeq, StringValue("web_shop")), nil, nil, "", false},
		{"expected_outcome in", ruleCond(CondExpectedOutcome, OpIn, ListValue("refund", "replacement")), nil, nil, "", true},
		{"expected_outcome eq", ruleCond(CondExpectedOutcome, OpEq, StringValue("apology")), nil, nil, "", false},
		{"tags contains", ruleCond(CondTags, OpContains, StringValue("VIP")), nil, nil, "", true},
		{"tags contains missing", ruleCond(CondTags, OpContains, StringValue("press")), nil, nil, "", false},
		{"tags not_contains", ruleCond(CondTags, OpNotContains, StringValue("press")), nil, nil, "", true},
		{"tags changed_to (added)", ruleCond(CondTags, OpChangedTo, StringValue("vip")), nil, []string{"tags"}, "", true},
		{"tags changed_to (other tag)", ruleCond(CondTags, OpChangedTo, StringValue("press")), nil, []string{"tags"}, "", false},
		{"assignee eq", ruleCond(CondAssignee, OpEq, StringValue("u-agent1")), nil, nil, "", true},
		{"assignee eq is exact", ruleCond(CondAssignee, OpEq, StringValue("U-AGENT1")), nil, nil, "", false},
		{"assignee eq empty = unassigned", ruleCond(CondAssignee, OpEq, StringValue("")), func(c *models.Case) { c.AssigneeID = "" }, nil, "", true},
		{"assignee neq empty", ruleCond(CondAssignee, OpNeq, StringValue("")), nil, nil, "", true},
		{"assignee in", ruleCond(CondAssignee, OpIn, ListValue("u-x", "u-agent1")), nil, nil, "", true},
		{"team eq", ruleCond(CondTeam, OpEq, StringValue("t-support")), nil, nil, "", true},
		{"team not_in", ruleCond(CondTeam, OpNotIn, ListValue("t-support")), nil, nil, "", false},
		{"team changed_to", ruleCond(CondTeam, OpChangedTo, StringValue("t-support")), nil, []string{"team_id"}, "", true},
		{"escalation eq", ruleCond(CondEscalationLevel, OpEq, NumberValue(1)), nil, nil, "", true},
		{"escalation gte 2", ruleCond(CondEscalationLevel, OpGte, NumberValue(2)), nil, nil, "", false},
		{"escalation gt 0", ruleCond(CondEscalationLevel, OpGt, NumberValue(0)), nil, nil, "", true},
		{"escalation lt 1", ruleCond(CondEscalationLevel, OpLt, NumberValue(1)), nil, nil, "", false},
		{"escalation lte 1", ruleCond(CondEscalationLevel, OpLte, NumberValue(1)), nil, nil, "", true},
		{"escalation neq 3", ruleCond(CondEscalationLevel, OpNeq, NumberValue(3)), nil, nil, "", true},
		{"escalation changed_to 1", ruleCond(CondEscalationLevel, OpChangedTo, NumberValue(1)), nil, []string{"escalation_level"}, "", true},
		{"customer email eq ignores case", ruleCond(CondCustomerEmail, OpEq, StringValue("Aino.Virtanen@mail.example.fi")), nil, nil, "", true},
		{"customer email in", ruleCond(CondCustomerEmail, OpIn, ListValue("x@example.com")), nil, nil, "", false},
		{"customer domain eq exact", ruleCond(CondCustomerDomain, OpEq, StringValue("mail.example.fi")), nil, nil, "", true},
		{"customer domain eq parent", ruleCond(CondCustomerDomain, OpEq, StringValue("example.fi")), nil, nil, "", true},
		{"customer domain eq not a suffix of a label", ruleCond(CondCustomerDomain, OpEq, StringValue("ple.fi")), nil, nil, "", false},
		{"customer domain with @", ruleCond(CondCustomerDomain, OpIn, ListValue("@EXAMPLE.FI", "other.com")), nil, nil, "", true},
		{"customer domain neq", ruleCond(CondCustomerDomain, OpNeq, StringValue("example.fi")), nil, nil, "", false},
		{"repeat complainant 3 in 90", ruleCond(CondRepeatComplainant, OpGte, RepeatValue(3, 90)), nil, nil, "", true},
		{"repeat complainant 3 in 30", ruleCond(CondRepeatComplainant, OpGte, RepeatValue(3, 30)), nil, nil, "", false},
		{"repeat complainant lt", ruleCond(CondRepeatComplainant, OpLt, RepeatValue(2, 30)), nil, nil, "", true},
		{"text in subject", ruleCond(CondText, OpContainsAny, ListValue("kettle")), nil, nil, "", true},
		{"text in customer message", ruleCond(CondText, OpContainsAny, ListValue("melted")), nil, nil, "", true},
		{"text not in agent reply", ruleCond(CondText, OpContainsAny, ListValue("lawyer")), nil, nil, "", false},
		{"text not in internal note", ruleCond(CondText, OpContainsAny, ListValue("police")), nil, nil, "", false},
		{"text single string value", ruleCond(CondText, OpContainsAny, StringValue("cord")), nil, nil, "", true},
		{"text phrase", ruleCond(CondText, OpContainsAny, ListValue("stopped working")), nil, nil, "", true},
		{"text phrase words apart", ruleCond(CondText, OpContainsAny, ListValue("kettle working")), nil, nil, "", false},
		{"regex", ruleCond(CondText, OpMatchesRegex, StringValue(`after (one|two|three) days`)), nil, nil, "", true},
		{"regex no match", ruleCond(CondText, OpMatchesRegex, StringValue(`\d{6}`)), nil, nil, "", false},
		{"sla clock eq", ruleCond(CondSLAClock, OpEq, StringValue("first_response")), nil, nil, models.SLAFirstResponse, true},
		{"sla clock eq other", ruleCond(CondSLAClock, OpEq, StringValue("first_response")), nil, nil, models.SLAResolution, false},
		{"sla clock in", ruleCond(CondSLAClock, OpIn, ListValue("resolution", "final_answer")), nil, nil, models.SLAResolution, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRule("r1", triggerFor(tt.cond), []Condition{tt.cond})
			if err := r.Validate(); err != nil {
				t.Fatalf("rule should be valid: %v", err)
			}
			c := ruleTestCase()
			if tt.setup != nil {
				tt.setup(c)
			}
			res := EvaluateRules([]Rule{r}, r.Trigger.Type, RuleInput{Case: c, Now: ruleNow, CustomerCaseCounts: counts, Changed: tt.changed, SLAKind: tt.sla})
			if got := len(res.Fired) == 1; got != tt.want {
				t.Fatalf("fired = %v, want %v (%+v)", got, tt.want, res.Fired)
			}
			if tt.want && !slices.Contains(c.Tags, "hit-r1") {
				t.Fatalf("action not applied: tags %v", c.Tags)
			}
		})
	}
}

func TestRuleTextMatching(t *testing.T) {
	tests := []struct {
		words   []string
		text    string
		want    bool
		matched string // substring of the matched description
	}{
		{[]string{"asianajaja"}, "Otan yhteyttä: Asianajaja hoitaa asian.", true, `text contains "asianajaja"`},
		{[]string{"ASIANAJAJA"}, "asianajaja", true, ""},
		{[]string{"asianajaja"}, "Soitan asianajajalle huomenna.", false, ""},
		{[]string{"asianajaj*"}, "Soitan asianajajalle huomenna.", true, `text contains "asianajaj*" ("asianajajalle")`},
		{[]string{"asianajaj*"}, "ASIANAJAJANI on jo tiedossa", true, `("asianajajani")`},
		{[]string{"loukkaant*"}, "Lapseni loukkaantui, kun laite hajosi.", true, `("loukkaantui")`},
		{[]string{"myrkky*"}, "Tuotteessa oli myrkkyä!", true, `("myrkkyä")`},
		{[]string{"vaarallis*"}, "Laite on hengenvaarallinen ja vaarallisen kuuma", true, `("vaarallisen")`},
		{[]string{"päätös"}, "Odotan PÄÄTÖSTÄ", false, ""},
		{[]string{"päätö*"}, "Odotan PÄÄTÖSTÄ", true, `("päätöstä")`},
		{[]string{"ääliö"}, "Olette ÄÄLIÖ.", true, ""},
		{[]string{"åland"}, "Toimitus Ålandiin — Åland", true, ""},
		// decomposed ä (a + U+0308) in the text still matches the composed word
		{[]string{"vähän"}, "Sain va\u0308ha\u0308n rahaa takaisin", true, ""},
		{[]string{"vähä*"}, "Sain va\u0308ha\u0308n rahaa takaisin", true, ""},
		// whole words only
		{[]string{"sue"}, "There is an issue with the suede jacket.", false, ""},
		{[]string{"sue"}, "I will sue you.", true, ""},
		{[]string{"fire"}, "The developer was fired; Firefox crashed.", false, ""},
		{[]string{"fire"}, "It caught FIRE!", true, ""},
		{[]string{"palo*"}, "Haluan palautuksen ja palvelua", false, ""},
		{[]string{"palo*"}, "Laturi aiheutti palon keittiössä", true, `("palon")`},
		{[]string{"oikeus*"}, "Tilaus oli oikein", false, ""},
		{[]string{"oikeus*"}, "Vien asian kuluttaja-oikeuteen tai oikeusteitse", true, `("oikeusteitse")`},
		// hyphen and punctuation separate words
		{[]string{"mail"}, "my e-mail bounced", true, ""},
		{[]string{"e-mail"}, "my e-mail bounced", true, `"e-mail"`},
		{[]string{"legal action"}, "We will take legal\n action.", true, `"legal action"`},
		{[]string{"legal action"}, "legal and action", false, ""},
		{[]string{"caught fir*"}, "it caught firE yesterday", true, `("caught fire")`},
		{[]string{"kettle", "lawyer"}, "my LAWYER.", true, `"lawyer"`},
		{[]string{"x1"}, "model X1-2000", true, ""},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%d %v", i, tt.words), func(t *testing.T) {
			r := testRule("text", TriggerCaseCreated, []Condition{ruleCond(CondText, OpContainsAny, ListValue(tt.words...))})
			if err := r.Validate(); err != nil {
				t.Fatal(err)
			}
			c := ruleTestCase()
			c.Subject, c.Description, c.Messages = "", tt.text, nil
			res := EvaluateRules([]Rule{r}, TriggerCaseCreated, RuleInput{Case: c, Now: ruleNow})
			if got := len(res.Fired) == 1; got != tt.want {
				t.Fatalf("%q in %q: fired %v, want %v", tt.words, tt.text, got, tt.want)
			}
			if tt.want && !strings.Contains(res.Fired[0].Matched, tt.matched) {
				t.Fatalf("matched %q, want it to contain %q", res.Fired[0].Matched, tt.matched)
			}
		})
	}
}

func TestRuleRegexLimits(t *testing.T) {
	tests := []struct {
		pattern string
		errHas  string // "" = valid
	}{
		{`\b(lawyer|attorney|solicitor)s?\b`, ""},
		{`order\s*#?\s*\d{6,10}`, ""},
		{`[A-Z]{2}\d{2}[A-Z0-9]{10,30}`, ""},
		{`(\w+\s+){20}`, ""},
		{strings.Repeat("a", 200), ""},
		{strings.Repeat("a", 201), "too long"},
		{strings.Repeat("ä", 201), "too long"},
		{`(?:(?:a{10}){10}){10}`, "too expensive"},
		{`(\w+\s+){100}`, "too expensive"},
		{`((a|b|c|d|e)+x){100}`, "too expensive"},
		{`(unclosed`, "not a valid regular expression"},
		{`a{1001}`, "not a valid regular expression"},
		{`a*`, "matches empty text"},
		{`(x|)`, "matches empty text"},
		{`  `, "must not be empty"},
		{`(?-i)Lawyer`, "case-insensitive"},
		{`(?s-i:a.b)`, "case-insensitive"},
		{`(?s:a.b)`, ""},
	}
	for _, tt := range tests {
		name := tt.pattern
		if len(name) > 30 {
			name = name[:30]
		}
		t.Run(name, func(t *testing.T) {
			r := testRule("rx", TriggerCaseCreated, []Condition{ruleCond(CondText, OpMatchesRegex, StringValue(tt.pattern))})
			err := r.Validate()
			if tt.errHas == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			de, ok := models.AsError(err)
			if !ok || de.Kind != models.KindInvalid || !strings.Contains(de.Fields["conditions[0].value"], tt.errHas) {
				t.Fatalf("want conditions[0].value error with %q, got %#v", tt.errHas, err)
			}
		})
	}
	// Regexes are case-insensitive and Unicode-aware.
	r := testRule("rx", TriggerCaseCreated, []Condition{ruleCond(CondText, OpMatchesRegex, StringValue(`tilaus(numero)? *\d{5}`))})
	c := ruleTestCase()
	c.Description = "TILAUSNUMERO 12345 ei koskaan saapunut"
	res := EvaluateRules([]Rule{r}, TriggerCaseCreated, RuleInput{Case: c, Now: ruleNow})
	if len(res.Fired) != 1 || res.Fired[0].Matched != `text matches /tilaus(numero)? *\d{5}/ ("TILAUSNUMERO 12345")` {
		t.Fatalf("regex firing: %+v", res.Fired)
	}
}

func TestRuleRegexPrefilter(t *testing.T) {
	tests := []struct {
		pattern string
		need    []string
	}{
		{`Order\s*#?\s*\d{6,10}`, []string{"order"}},
		{`\b\d{2,4}\s*(euros?|€|EUR)\b`, []string{"eur", "euro", "€"}},
		{`(call|phone)(ed)? (me )?back`, []string{"call", "phone"}},
		{`(call|phone)(ed)? (me )?callback`, []string{"callback"}},
		{`\d{5}`, nil},
		{`(lawyer|\d+)`, nil},
		{`tilaus(numero)?\s*\d{5,}`, []string{"tilaus"}},
		{`ÄITI`, []string{"äiti"}},
	}
	for _, tt := range tests {
		rx, err := compileRuleRegex(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Sorted(slices.Values(rx.need))
		if !slices.Equal(got, slices.Sorted(slices.Values(tt.need))) {
			t.Errorf("%s: need %q, want %q", tt.pattern, got, tt.need)
		}
	}
}

// FuzzRuleRegex checks that the lower-cased, prefiltered matching agrees with Go's own (?i)
// matching of the expression as written.
func FuzzRuleRegex(f *testing.F) {
	patterns := []string{`order\s*#?\s*\d{6,10}`, `\b\d{2,4}\s*(euros?|€|eur)\b`, `(call|phone)(ed)? (me )?back`,
		`within (one|1|two|2) (working )?days?`, `tilaus(numero)?\s*\d{5,}`, `[A-Z]{2}\d{2}`, `ÄITI|Åland`, `[^a-z ]{3}`,
		`\p{Lu}\p{Ll}+ (Oy|Ab)`, `x+y*z`, `\bfire\b`}
	f.Add("Call me back within ONE working day about ORDER #1234567, 240 EUROS")
	f.Add("TILAUSNUMERO 123456 ÄITI åland FI12 Acme Oy")
	f.Add("xyz XYZ xxZ")
	f.Fuzz(func(t *testing.T, text string) {
		for _, r := range text {
			if r2 := unicode.SimpleFold(unicode.SimpleFold(r)); r2 != r {
				return // a rune with more than two cases (k, K, Kelvin sign): lower-casing differs from folding
			}
		}
		words := newRuleText(text)
		for _, p := range patterns {
			rx, err := compileRuleRegex(p)
			if err != nil {
				t.Fatal(err)
			}
			_, got := rx.find(words)
			if want := regexp.MustCompile("(?i)" + p).MatchString(text); got != want {
				t.Fatalf("%s on %q: got %v want %v", p, text, got, want)
			}
		}
	})
}

func validCreate() RuleCreate {
	return RuleCreate{
		Name: "Lawyer", Trigger: Trigger{Type: TriggerCaseCreated},
		Conditions: []Condition{
			ruleCond(CondText, OpContainsAny, ListValue("lawyer")),
			ruleCond(CondPriority, OpLt, StringValue("urgent")),
			ruleCond(CondChannel, OpIn, ListValue("web_form", "email")),
		},
		Actions: []Action{{Type: ActionSetPriority, Priority: models.PriorityUrgent}, {Type: ActionNotify, Role: NotifyManagers, Channels: []string{"app"}}},
	}
}

func TestRuleValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(r *RuleCreate)
		want   []string // exact field keys
	}{
		{"valid", func(r *RuleCreate) {}, nil},
		{"no conditions is fine", func(r *RuleCreate) { r.Conditions = nil }, nil},
		{"name missing", func(r *RuleCreate) { r.Name = "  " }, []string{"name"}},
		{"unknown field", func(r *RuleCreate) { r.Conditions[2].Field = "colour" }, []string{"conditions[2].field"}},
		{"wrong op for field", func(r *RuleCreate) { r.Conditions[1].Op = OpContains }, []string{"conditions[1].op"}},
		{"ordered op on channel", func(r *RuleCreate) { r.Conditions[2] = ruleCond(CondChannel, OpGt, StringValue("email")) }, []string{"conditions[2].op"}},
		{"regex op on priority", func(r *RuleCreate) { r.Conditions[1].Op = OpMatchesRegex }, []string{"conditions[1].op"}},
		{"wrong value type: number for priority", func(r *RuleCreate) { r.Conditions[1].Value = NumberValue(2) }, []string{"conditions[1].value"}},
		{"wrong value type: string for in", func(r *RuleCreate) { r.Conditions[2].Value = StringValue("email") }, []string{"conditions[2].value"}},
		{"wrong value type: string for escalation", func(r *RuleCreate) {
			r.Conditions[0] = ruleCond(CondEscalationLevel, OpGte, StringValue("2"))
		}, []string{"conditions[0].value"}},
		{"wrong value type: number for text", func(r *RuleCreate) { r.Conditions[0].Value = NumberValue(1) }, []string{"conditions[0].value"}},
		{"value missing", func(r *RuleCreate) { r.Conditions[1].Value = ConditionValue{} }, []string{"conditions[1].value"}},
		{"value invalid shape", func(r *RuleCreate) { r.Conditions[1].Value = ConditionValue{Type: ValueInvalid} }, []string{"conditions[1].value"}},
		{"unknown priority", func(r *RuleCreate) { r.Conditions[1].Value = StringValue("asap") }, []string{"conditions[1].value"}},
		{"unknown channel in list", func(r *RuleCreate) { r.Conditions[2].Value = ListValue("email", "fax") }, []string{"conditions[2].value[1]"}},
		{"empty list", func(r *RuleCreate) { r.Conditions[2].Value = ListValue() }, []string{"conditions[2].value"}},
		{"escalation not whole", func(r *RuleCreate) {
			r.Conditions[0] = ruleCond(CondEscalationLevel, OpGte, NumberValue(1.5))
		}, []string{"conditions[0].value"}},
		{"escalation out of range", func(r *RuleCreate) {
			r.Conditions[0] = ruleCond(CondEscalationLevel, OpEq, NumberValue(11))
		}, []string{"conditions[0].value"}},
		{"bad email", func(r *RuleCreate) { r.Conditions[0] = ruleCond(CondCustomerEmail, OpEq, StringValue("nobody")) }, []string{"conditions[0].value"}},
		{"bad domain", func(r *RuleCreate) {
			r.Conditions[0] = ruleCond(CondCustomerDomain, OpIn, ListValue("example.com", "a@b.com"))
		}, []string{"conditions[0].value[1]"}},
		{"repeat out of range", func(r *RuleCreate) {
			r.Conditions[0] = ruleCond(CondRepeatComplainant, OpGte, RepeatValue(0, 5000))
		}, []string{"conditions[0].value.cases", "conditions[0].value.days"}},
		{"repeat needs object", func(r *RuleCreate) {
			r.Conditions[0] = ruleCond(CondRepeatComplainant, OpGte, NumberValue(3))
		}, []string{"conditions[0].value"}},
		{"empty word", func(r *RuleCreate) { r.Conditions[0].Value = ListValue("lawyer", " ") }, []string{"conditions[0].value[1]"}},
		{"star in the middle", func(r *RuleCreate) { r.Conditions[0].Value = ListValue("as*ianajaja") }, []string{"conditions[0].value[0]"}},
		{"prefix too short", func(r *RuleCreate) { r.Conditions[0].Value = ListValue("ok", "ab*") }, []string{"conditions[0].value[1]"}},
		{"punctuation only", func(r *RuleCreate) { r.Conditions[0].Value = ListValue("!!!") }, []string{"conditions[0].value[0]"}},
		{"expensive regex", func(r *RuleCreate) {
			r.Conditions[0] = ruleCond(CondText, OpMatchesRegex, StringValue(`(?:(?:a{10}){10}){10}`))
		}, []string{"conditions[0].value"}},
		{"changed_to needs case_updated", func(r *RuleCreate) {
			r.Conditions[1] = ruleCond(CondPriority, OpChangedTo, StringValue("urgent"))
		}, []string{"conditions[1].op"}},
		{"changed has no value", func(r *RuleCreate) {
			r.Trigger = Trigger{Type: TriggerCaseUpdated}
			r.Conditions[1] = ruleCond(CondPriority, OpChanged, StringValue("urgent"))
		}, []string{"conditions[1].value"}},
		{"sla_clock needs an SLA trigger", func(r *RuleCreate) {
			r.Conditions[1] = ruleCond(CondSLAClock, OpEq, StringValue("first_response"))
		}, []string{"conditions[1].field"}},
		{"too many conditions", func(r *RuleCreate) {
			for len(r.Conditions) <= MaxRuleConditions {
				r.Conditions = append(r.Conditions, r.Conditions[1])
			}
		}, []string{"conditions"}},
		{"unknown trigger", func(r *RuleCreate) { r.Trigger.Type = "case_deleted" }, []string{"trigger.type"}},
		{"idle minutes missing", func(r *RuleCreate) { r.Trigger = Trigger{Type: TriggerNoAgentActivity} }, []string{"trigger.idle_minutes"}},
		{"idle minutes on another trigger", func(r *RuleCreate) { r.Trigger.IdleMinutes = 30 }, []string{"trigger.idle_minutes"}},
		{"match not all|any", func(r *RuleCreate) { r.Match = "most" }, []string{"match"}},
		{"empty action list", func(r *RuleCreate) { r.Actions = nil }, []string{"actions"}},
		{"unknown action", func(r *RuleCreate) { r.Actions[0].Type = "delete_case" }, []string{"actions[0].type"}},
		{"bad priority action", func(r *RuleCreate) { r.Actions[0].Priority = "top" }, []string{"actions[0].priority"}},
		{"assign team without team", func(r *RuleCreate) { r.Actions[0] = Action{Type: ActionAssignTeam} }, []string{"actions[0].team_id"}},
		{"round robin without team", func(r *RuleCreate) { r.Actions[0] = Action{Type: ActionRoundRobinTeam} }, []string{"actions[0].team_id"}},
		{"assign agent without agent", func(r *RuleCreate) { r.Actions[0] = Action{Type: ActionAssignAgent} }, []string{"actions[0].agent_id"}},
		{"escalate beyond max", func(r *RuleCreate) { r.Actions[0] = Action{Type: ActionRaiseEscalation, Level: 11} }, []string{"actions[0].level"}},
		{"tag missing", func(r *RuleCreate) { r.Actions[0] = Action{Type: ActionAddTag} }, []string{"actions[0].tag"}},
		{"webhook without endpoint", func(r *RuleCreate) { r.Actions[0] = Action{Type: ActionWebhook} }, []string{"actions[0].endpoint_id"}},
		{"sla policy without id", func(r *RuleCreate) { r.Actions[0] = Action{Type: ActionApplySLAPolicy} }, []string{"actions[0].policy_id"}},
		{"notify nobody", func(r *RuleCreate) { r.Actions[1] = Action{Type: ActionNotify, Channels: []string{"app"}} }, []string{"actions[1].recipients"}},
		{"notify bad role and channel", func(r *RuleCreate) {
			r.Actions[1] = Action{Type: ActionNotify, Role: "bosses", Channels: []string{"app", "sms"}}
		}, []string{"actions[1].role", "actions[1].channels[1]"}},
		{"notify without channel", func(r *RuleCreate) { r.Actions[1].Channels = nil }, []string{"actions[1].channels"}},
		{"fallback without case recipient", func(r *RuleCreate) { r.Actions[1].FallbackRole = NotifyManagers }, []string{"actions[1].fallback_role"}},
		{"several at once", func(r *RuleCreate) {
			r.Match = "x"
			r.Conditions[2].Field = "nope"
			r.Actions[0].Type = "nope"
		}, []string{"match", "conditions[2].field", "actions[0].type"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := validCreate()
			tt.mutate(&req)
			err := req.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			de, ok := models.AsError(err)
			if !ok || de.Kind != models.KindInvalid {
				t.Fatalf("want an invalid *Error, got %#v", err)
			}
			got := slices.Sorted(maps.Keys(de.Fields))
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(got, want) {
				t.Fatalf("field keys %v, want %v (%v)", got, want, de.Fields)
			}
		})
	}
}

func TestRuleCreateAndPatch(t *testing.T) {
	req := validCreate()
	req.Actions = append(req.Actions, Action{Type: ActionAddTag, Tag: "  Legal ", Priority: models.PriorityHigh, TeamID: "ignored"})
	r, err := NewRule("r1", req, ruleNow)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Enabled || r.Match != MatchAll || r.Version != 1 || !r.CreatedAt.Equal(ruleNow) {
		t.Fatalf("defaults: %+v", r)
	}
	if got := r.Actions[2]; fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", Action{Type: ActionAddTag, Tag: "legal"}) {
		t.Fatalf("action not normalized: %+v", got)
	}
	later := ruleNow.Add(time.Hour)
	// A patch is checked against the whole resulting rule: changed_to needs case_updated.
	conds := []Condition{ruleCond(CondPriority, OpChangedTo, StringValue("urgent"))}
	err = r.ApplyPatch(RulePatch{Version: 1, Conditions: &conds}, later)
	if de, ok := models.AsError(err); !ok || de.Fields["conditions[0].op"] == "" {
		t.Fatalf("want conditions[0].op error, got %v", err)
	}
	if r.Conditions[0].Field != CondText || !r.UpdatedAt.Equal(ruleNow) {
		t.Fatal("a refused patch changed the rule")
	}
	trig := Trigger{Type: TriggerCaseUpdated}
	off := false
	if err := r.ApplyPatch(RulePatch{Version: 1, Conditions: &conds, Trigger: &trig, Enabled: &off}, later); err != nil {
		t.Fatal(err)
	}
	if r.Trigger.Type != TriggerCaseUpdated || r.Enabled || !r.UpdatedAt.Equal(later) {
		t.Fatalf("patched: %+v", r)
	}
	if err := r.ApplyPatch(RulePatch{}, later); err == nil {
		t.Fatal("a patch without version must be refused")
	} else if de, _ := models.AsError(err); de.Fields["version"] == "" {
		t.Fatalf("want version error, got %v", err)
	}
	bad := "maybe"
	if de, _ := models.AsError(RulePatch{Version: 2, Match: &bad}.Validate()); de == nil || de.Fields["match"] == "" {
		t.Fatal("want match error")
	}
}

func TestRuleJSON(t *testing.T) {
	r := Rule{ID: "r1", Name: "All kinds", Enabled: true, Trigger: Trigger{Type: TriggerCaseUpdated}, Match: MatchAny,
		Conditions: []Condition{
			ruleCond(CondPriority, OpEq, StringValue("high")),
			ruleCond(CondStatus, OpIn, ListValue("new", "open")),
			ruleCond(CondEscalationLevel, OpGte, NumberValue(2)),
			ruleCond(CondRepeatComplainant, OpGte, RepeatValue(3, 90)),
			ruleCond(CondPriority, OpChanged, ConditionValue{}),
		},
		Actions: []Action{{Type: ActionRaiseEscalation}}, Version: 4}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"value":"high"`, `"value":["new","open"]`, `"value":2`, `"value":{"cases":3,"days":90}`, `"value":null`, `"trigger":{"type":"case_updated"}`, `"actions":[{"type":"raise_escalation"}]`} {
		if !strings.Contains(string(b), want) {
			t.Fatalf("%s lacks %s", b, want)
		}
	}
	var back Rule
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Validate() != nil || fmt.Sprint(back.Conditions) != fmt.Sprint(r.Conditions) {
		t.Fatalf("round trip: %+v", back.Conditions)
	}
	// Shapes that are no condition value reach Validate, which names the field.
	body := `{"name":"x","trigger":{"type":"case_created"},"conditions":[
		{"field":"priority","op":"eq","value":true},
		{"field":"status","op":"in","value":[1,2]},
		{"field":"repeat_complainant","op":"gte","value":{"cases":3,"weeks":2}},
		{"field":"escalation_level","op":"gte","value":"2"},
		{"field":"text","op":"contains_any","value":"lawyer"}],
		"actions":[{"type":"add_tag","tag":"x"}]}`
	var req RuleCreate
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatal(err)
	}
	de, _ := models.AsError(req.Validate())
	if de == nil {
		t.Fatal("want errors")
	}
	want := []string{"conditions[0].value", "conditions[1].value", "conditions[2].value", "conditions[3].value"}
	if got := slices.Sorted(maps.Keys(de.Fields)); !slices.Equal(got, want) {
		t.Fatalf("keys %v want %v", got, want)
	}
}

func TestRuleMatchAllAny(t *testing.T) {
	conds := []Condition{
		ruleCond(CondPriority, OpEq, StringValue("urgent")),    // false
		ruleCond(CondChannel, OpEq, StringValue("web_form")),   // true
		ruleCond(CondText, OpContainsAny, ListValue("kettle")), // true
	}
	tests := []struct {
		match   string
		conds   []Condition
		want    bool
		matched string
	}{
		{MatchAll, conds, false, ""},
		{MatchAll, conds[1:], true, `channel is web_form and text contains "kettle"`},
		{MatchAny, conds, true, "channel is web_form"},
		{MatchAny, []Condition{conds[0], conds[2]}, true, `text contains "kettle"`},
		{MatchAny, conds[:1], false, ""},
		{MatchAll, nil, true, "case created"},
		{MatchAny, nil, true, "case created"},
	}
	for _, tt := range tests {
		r := testRule("m", TriggerCaseCreated, tt.conds)
		r.Match = tt.match
		res := EvaluateRules([]Rule{r}, TriggerCaseCreated, RuleInput{Case: ruleTestCase(), Now: ruleNow})
		if got := len(res.Fired) == 1; got != tt.want {
			t.Fatalf("%s %v: fired %v", tt.match, tt.conds, got)
		}
		if tt.want && res.Fired[0].Matched != tt.matched {
			t.Fatalf("%s: matched %q, want %q", tt.match, res.Fired[0].Matched, tt.matched)
		}
	}
}

func TestRuleOrderAndTriggers(t *testing.T) {
	// c sets high, b (same position, sorted by name) sees high and adds a tag, a runs first.
	rules := []Rule{
		testRule("c", TriggerCaseCreated, nil, Action{Type: ActionSetPriority, Priority: models.PriorityHigh}),
		testRule("b", TriggerCaseCreated, []Condition{ruleCond(CondPriority, OpEq, StringValue("high"))}),
		testRule("a", TriggerCaseCreated, []Condition{ruleCond(CondPriority, OpEq, StringValue("high"))}),
		testRule("off", TriggerCaseCreated, nil),
		testRule("other", TriggerCustomerReplied, nil),
	}
	rules[0].Position, rules[1].Position, rules[2].Position = 1, 2, 0
	rules[1].Name, rules[0].Name = "B", "C"
	rules[3].Enabled = false
	c := ruleTestCase()
	res := EvaluateRules(rules, TriggerCaseCreated, RuleInput{Case: c, Now: ruleNow})
	if !slices.Equal(res.FiredRuleIDs, []string{"c", "b"}) {
		t.Fatalf("fired %v, want [c b] (a ran before c set high; off is disabled; other has another trigger)", res.FiredRuleIDs)
	}
	if c.Priority != models.PriorityHigh || !slices.Contains(c.Tags, "hit-b") || slices.Contains(c.Tags, "hit-a") {
		t.Fatalf("case %v %v", c.Priority, c.Tags)
	}
	// Timeline: rule_fired with the rule's name and the condition, then the change it made.
	var fired []models.TimelineEvent
	for _, e := range c.Timeline {
		if e.Type == "rule_fired" {
			fired = append(fired, e)
		}
	}
	if len(fired) != 2 || fired[1].Actor != "rule: B" || fired[1].Data["rule_id"] != "b" || fired[1].Data["rule"] != "B" ||
		fired[1].Data["matched"] != "priority is high" || !fired[1].At.Equal(ruleNow) {
		t.Fatalf("timeline %+v", fired)
	}
	if !c.UpdatedAt.Equal(ruleNow) {
		t.Fatal("UpdatedAt not stamped")
	}
}

func TestRuleActions(t *testing.T) {
	r := testRule("act", TriggerCaseCreated, nil,
		Action{Type: ActionSetPriority, Priority: models.PriorityUrgent},
		Action{Type: ActionAssignAgent, AgentID: "u-2"},
		Action{Type: ActionRoundRobinTeam, TeamID: "t-legal"},
		Action{Type: ActionRaiseEscalation, Level: 3},
		Action{Type: ActionRaiseEscalation},
		Action{Type: ActionAddTag, Tag: "Legal"},
		Action{Type: ActionRemoveTag, Tag: "vip"},
		Action{Type: ActionNotify, UserIDs: []string{"u-boss"}, CaseAssignee: true, CaseTeam: true, Channels: []string{"email"}},
		Action{Type: ActionWebhook, EndpointID: "wh-1"},
		Action{Type: ActionApplySLAPolicy, PolicyID: "sla-vip"},
	)
	c := ruleTestCase()
	c.Status, c.AssigneeID = models.StatusNew, ""
	shared := c.Tags
	res := EvaluateRules([]Rule{r}, TriggerCaseCreated, RuleInput{Case: c, Now: ruleNow})
	if len(res.Fired) != 1 {
		t.Fatal("not fired")
	}
	if c.Priority != models.PriorityUrgent || c.AssigneeID != "u-2" || c.Status != models.StatusOpen || c.TeamID != "t-legal" ||
		c.EscalationLevel != 4 || !slices.Equal(c.Tags, []string{"kettle", "legal"}) {
		t.Fatalf("case after actions: %+v", c)
	}
	if !slices.Equal(shared, []string{"kettle", "vip"}) {
		t.Fatal("the caller's tag slice was modified in place")
	}
	wantChanged := []string{"priority", "assignee_id", "status", "team_id", "escalation_level", "tags"}
	if !slices.Equal(res.Changed, wantChanged) || res.ChangedBy["tags"] != "act" {
		t.Fatalf("changed %v by %v", res.Changed, res.ChangedBy)
	}
	kinds := []EffectKind{}
	for _, e := range res.Effects {
		kinds = append(kinds, e.Kind)
		if e.RuleID != "act" || e.CaseID != c.ID {
			t.Fatalf("effect %+v", e)
		}
	}
	if !slices.Equal(kinds, []EffectKind{EffectRoundRobin, EffectNotify, EffectWebhook, EffectApplySLAPolicy}) {
		t.Fatalf("effects %v", kinds)
	}
	n := res.Effects[1]
	if !slices.Equal(n.UserIDs, []string{"u-boss", "u-2"}) || !slices.Equal(n.TeamIDs, []string{"t-legal"}) || n.InApp || !n.Email || n.Message == "" {
		t.Fatalf("notify %+v", n)
	}
	if res.Effects[0].TeamID != "t-legal" || res.Effects[2].EndpointID != "wh-1" || res.Effects[3].PolicyID != "sla-vip" {
		t.Fatalf("effects %+v", res.Effects)
	}
	// The changes are inside the rule's one timeline entry; tags as the tag added or removed.
	entry := c.Timeline[len(c.Timeline)-1]
	if len(c.Timeline) != 2 || entry.Type != "rule_fired" || entry.Actor != "rule: Rule act" {
		t.Fatalf("timeline %+v", c.Timeline)
	}
	var changes []string
	for _, ch := range entry.Changes {
		changes = append(changes, ch.Field+":"+ch.From+">"+ch.To)
	}
	want := []string{"priority:normal>urgent", "assignee_id:>u-2", "status:new>open", "team_id:t-support>t-legal",
		"escalation_level:1>3", "escalation_level:3>4", "tags:>legal", "tags:vip>"}
	if !slices.Equal(changes, want) {
		t.Fatalf("timeline changes\n%v\nwant\n%v", changes, want)
	}
	if !slices.Equal(res.Fired[0].Timeline.Changes, entry.Changes) {
		t.Fatalf("the firing's copy of its entry differs: %+v", res.Fired[0])
	}
	// only_raise never lowers; escalation to a level never lowers either.
	c = ruleTestCase()
	c.Priority, c.EscalationLevel = models.PriorityUrgent, 5
	r = testRule("keep", TriggerCaseCreated, nil, Action{Type: ActionSetPriority, Priority: models.PriorityHigh, OnlyRaise: true},
		Action{Type: ActionRaiseEscalation, Level: 2})
	res = EvaluateRules([]Rule{r}, TriggerCaseCreated, RuleInput{Case: c, Now: ruleNow})
	if c.Priority != models.PriorityUrgent || c.EscalationLevel != 5 || len(res.Changed) != 0 || len(res.Fired) != 1 {
		t.Fatalf("lowered: %v %d %v", c.Priority, c.EscalationLevel, res.Changed)
	}
}

func TestRuleCascadeDepth(t *testing.T) {
	rules := []Rule{
		testRule("r0", TriggerCaseCreated, nil, Action{Type: ActionSetPriority, Priority: models.PriorityHigh}),
		testRule("r1", TriggerCaseUpdated, []Condition{ruleCond(CondPriority, OpChangedTo, StringValue("high"))}, Action{Type: ActionAddTag, Tag: "a"}),
		testRule("r2", TriggerCaseUpdated, []Condition{ruleCond(CondTags, OpChangedTo, StringValue("a"))}, Action{Type: ActionRaiseEscalation}),
		testRule("r3", TriggerCaseUpdated, []Condition{ruleCond(CondEscalationLevel, OpChanged, ConditionValue{})}, Action{Type: ActionAssignTeam, TeamID: "t-x"}),
		testRule("r4", TriggerCaseUpdated, []Condition{ruleCond(CondTeam, OpChangedTo, StringValue("t-x"))}, Action{Type: ActionAssignAgent, AgentID: "u-x"}),
	}
	for i := range rules {
		rules[i].Position = 10 - i // order must not matter for the cascade
	}
	c := ruleTestCase()
	res := EvaluateRules(rules, TriggerCaseCreated, RuleInput{Case: c, Now: ruleNow})
	var got []string
	for _, f := range res.Fired {
		got = append(got, fmt.Sprintf("%s@%d:%s", f.RuleID, f.Depth, f.Trigger))
	}
	want := []string{"r0@0:case_created", "r1@1:case_updated", "r2@2:case_updated", "r3@3:case_updated"}
	if !slices.Equal(got, want) || !res.CascadeCut {
		t.Fatalf("fired %v cut %v, want %v cut", got, res.CascadeCut, want)
	}
	if c.TeamID != "t-x" || c.AssigneeID != "u-agent1" {
		t.Fatalf("r4 is beyond the depth limit: %+v", c)
	}
	// Without the last link the chain ends on its own.
	c = ruleTestCase()
	res = EvaluateRules(rules[:3], TriggerCaseCreated, RuleInput{Case: c, Now: ruleNow})
	if len(res.Fired) != 3 || res.CascadeCut {
		t.Fatalf("fired %v cut %v", res.FiredRuleIDs, res.CascadeCut)
	}
}

func TestRuleCannotLoop(t *testing.T) {
	// "priority changed → set priority urgent and add tag": changing the priority again and
	// again must not loop, within one event or across events.
	self := testRule("self", TriggerCaseUpdated, []Condition{ruleCond(CondPriority, OpChanged, ConditionValue{})},
		Action{Type: ActionSetPriority, Priority: models.PriorityUrgent}, Action{Type: ActionAddTag, Tag: "hot"})
	if err := self.Validate(); err != nil {
		t.Fatal(err)
	}
	c := ruleTestCase()
	c.Priority = models.PriorityHigh // an agent raised it
	res := EvaluateRules([]Rule{self}, TriggerCaseUpdated, RuleInput{Case: c, Now: ruleNow, Changed: []string{"priority"}})
	if !slices.Equal(res.FiredRuleIDs, []string{"self"}) || res.CascadeCut || c.Priority != models.PriorityUrgent || !slices.Contains(c.Tags, "hot") {
		t.Fatalf("first event: %v cut %v %v %v", res.FiredRuleIDs, res.CascadeCut, c.Priority, c.Tags)
	}
	// A caller that reports the rule's own changes as a new event: the rule is skipped.
	res2 := EvaluateRules([]Rule{self}, TriggerCaseUpdated, RuleInput{Case: c, Now: ruleNow, Changed: res.Changed, ChangedBy: res.ChangedBy})
	if len(res2.Fired) != 0 {
		t.Fatalf("the rule re-fired on its own changes: %v", res2.FiredRuleIDs)
	}
	// A person changing the priority again is a new event: the rule fires again (once).
	c.Priority = models.PriorityLow
	res3 := EvaluateRules([]Rule{self}, TriggerCaseUpdated, RuleInput{Case: c, Now: ruleNow, Changed: []string{"priority"}, ChangedBy: map[string]string{}})
	if len(res3.Fired) != 1 || c.Priority != models.PriorityUrgent {
		t.Fatalf("new event: %v", res3.FiredRuleIDs)
	}

	// Two rules that undo each other: each fires once, the cascade stops by itself.
	up := testRule("up", TriggerCaseUpdated, []Condition{ruleCond(CondPriority, OpChangedTo, StringValue("high"))},
		Action{Type: ActionSetPriority, Priority: models.PriorityUrgent}, Action{Type: ActionAddTag, Tag: "up"})
	down := testRule("down", TriggerCaseUpdated, []Condition{ruleCond(CondPriority, OpChangedTo, StringValue("urgent"))},
		Action{Type: ActionSetPriority, Priority: models.PriorityHigh}, Action{Type: ActionRemoveTag, Tag: "up"})
	c = ruleTestCase()
	c.Priority = models.PriorityHigh
	res = EvaluateRules([]Rule{up, down}, TriggerCaseUpdated, RuleInput{Case: c, Now: ruleNow, Changed: []string{"priority"}})
	if !slices.Equal(res.FiredRuleIDs, []string{"up", "down"}) || res.CascadeCut {
		t.Fatalf("ping-pong: %v cut %v", res.FiredRuleIDs, res.CascadeCut)
	}
	count := 0
	for _, e := range c.Timeline {
		if e.Type == "rule_fired" {
			count++
		}
	}
	if count != 2 {
		t.Fatalf("%d firings on the timeline", count)
	}
	// Every rule fires at most once per evaluation, however many rules chain.
	var chain []Rule
	for i := range 20 {
		chain = append(chain, testRule(fmt.Sprintf("t%02d", i), TriggerCaseUpdated, []Condition{ruleCond(CondTags, OpChanged, ConditionValue{})},
			Action{Type: ActionAddTag, Tag: fmt.Sprintf("t%02d", i)}, Action{Type: ActionRemoveTag, Tag: fmt.Sprintf("t%02d", (i+1)%20)}))
	}
	c = ruleTestCase()
	res = EvaluateRules(chain, TriggerCaseUpdated, RuleInput{Case: c, Now: ruleNow, Changed: []string{"tags"}})
	seen := map[string]bool{}
	for _, id := range res.FiredRuleIDs {
		if seen[id] {
			t.Fatalf("%s fired twice", id)
		}
		seen[id] = true
	}
	if len(res.Fired) != 20 {
		t.Fatalf("fired %d", len(res.Fired))
	}
}

func TestRuleNoAgentActivity(t *testing.T) {
	r60 := testRule("idle60", TriggerNoAgentActivity, nil, Action{Type: ActionRaiseEscalation})
	r240 := testRule("idle240", TriggerNoAgentActivity, []Condition{ruleCond(CondStatus, OpIn, ListValue("new", "open"))},
		Action{Type: ActionNotify, Role: NotifyManagers, Channels: []string{"app"}})
	r240.Trigger.IdleMinutes = 240
	rules := []Rule{r240, r60}
	if got := NoAgentActivityMinutes(rules); !slices.Equal(got, []int{60, 240}) {
		t.Fatalf("thresholds %v", got)
	}
	c := ruleTestCase()
	res := EvaluateRules(rules, TriggerNoAgentActivity, RuleInput{Case: c, Now: ruleNow, Idle: 59 * time.Minute})
	if len(res.Fired) != 0 {
		t.Fatal("fired too early")
	}
	res = EvaluateRules(rules, TriggerNoAgentActivity, RuleInput{Case: c, Now: ruleNow, Idle: 90 * time.Minute})
	if !slices.Equal(res.FiredRuleIDs, []string{"idle60"}) || res.Fired[0].Matched != "no agent activity for 60 business minutes" {
		t.Fatalf("%+v", res.Fired)
	}
	res = EvaluateRules(rules, TriggerNoAgentActivity, RuleInput{Case: c, Now: ruleNow, Idle: 5 * time.Hour, AlreadyFired: res.FiredRuleIDs})
	if !slices.Equal(res.FiredRuleIDs, []string{"idle240"}) || res.Fired[0].Matched != "no agent activity for 240 business minutes and status is one of new, open" {
		t.Fatalf("%+v", res.Fired)
	}
}

// --- default rules --------------------------------------------------------------------------

func TestDefaultRulesValid(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range DefaultRules() {
		if err := r.Validate(); err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		if ids[r.ID] {
			t.Fatalf("duplicate %s", r.ID)
		}
		ids[r.ID] = true
		b, _ := json.Marshal(r)
		var back Rule
		if err := json.Unmarshal(b, &back); err != nil || back.Validate() != nil {
			t.Fatalf("%s does not round-trip: %v", r.ID, err)
		}
	}
}

func complaintCase(subject, body string) *models.Case {
	c := models.NewComplaintCase("K-2026-000100", models.ComplaintCreate{Name: "Matti Meikäläinen", Email: "matti@example.fi",
		Category: "product", Touchpoint: "web_shop", Description: body, ExpectedOutcome: "refund"}, "hash", ruleNow)
	if subject != "" {
		c.Subject = subject
	}
	return c
}

func TestDefaultSafetyRule(t *testing.T) {
	tests := []struct {
		name, text string
		want       bool
		matched    string
	}{
		{"en lawyer", "I bought your electric kettle in March. Yesterday the base started smoking and the cord melted. " +
			"I have now contacted my lawyer and expect a full refund.", true, `"lawyer"`},
		{"en fire", "The charger caught fire on my desk while charging my phone. Luckily nobody was hurt.", true, `text contains "fire"`},
		{"en injury", "My son was injured by a sharp edge on the toy. This is unsafe for children!", true, `"injured"`},
		{"en sue", "If this is not fixed I will sue.", true, `"sue"`},
		{"en legal action", "We are considering legal action over the delay.", true, `"legal action"`},
		{"en poisoned", "The dog was poisoned by the treats you sell.", true, `"poisoned"`},
		{"fi lawyer", "Ostin teiltä vedenkeittimen, joka hajosi viikossa. Olen yhteydessä asianajajaani, ellei asia ratkea.", true, `"asianajaj*" ("asianajaja`},
		{"fi injury", "Lapseni loukkaantui, kun lelun terävä reuna viilsi sormen. Tuote on vaarallinen.", true, `("loukkaantui")`},
		{"fi fire", "Laturi syttyi tuleen ja aiheutti palon keittiössä.", true, `("palon")`},
		{"fi fire compound", "Sähköpatteri aiheutti tulipalon olohuoneessa.", true, `("tulipalon")`},
		{"fi police", "Tein asiasta rikosilmoituksen poliisille.", true, `("poliisille")`},
		{"fi court", "Vien asian oikeuteen, jos rahoja ei palauteta.", true, `"oikeuteen"`},
		{"fi poisoning", "Koirani sai myrkytyksen herkuistanne.", true, `("myrkytyksen")`},
		{"fi dangerous inflected", "Pidän tuotetta vaarallisena pienille lapsille.", true, `("vaarallisena")`},
		{"en plain", "My parcel arrived two days late and the box was dented. I would like an apology.", false, ""},
		{"en near misses", "There is an issue with the invoice: the courtesy discount is missing and the fired clay pot is chipped. Firefox shows an error.", false, ""},
		{"fi plain", "Paketti myöhästyi kaksi päivää. Haluan palautuksen ja oikean laskun, palvelu oli hidasta.", false, ""},
	}
	rules := DefaultRules()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := complaintCase("", tt.text)
			res := EvaluateRules(rules, TriggerCaseCreated, RuleInput{Case: c, Now: ruleNow, CustomerCaseCounts: func(int) int { return 1 }})
			fired := slices.Contains(res.FiredRuleIDs, DefaultRuleSafetyWords)
			if fired != tt.want {
				t.Fatalf("fired %v, want %v (%v)", fired, tt.want, res.FiredRuleIDs)
			}
			if !tt.want {
				if c.Priority != models.PriorityNormal || c.EscalationLevel != 0 || len(res.Effects) != 0 {
					t.Fatalf("changed without firing: %+v", c)
				}
				return
			}
			f := res.Fired[slices.Index(res.FiredRuleIDs, DefaultRuleSafetyWords)]
			if !strings.Contains(f.Matched, tt.matched) {
				t.Fatalf("matched %q, want %q", f.Matched, tt.matched)
			}
			if c.Priority != models.PriorityUrgent || c.EscalationLevel != 1 {
				t.Fatalf("priority %v level %d", c.Priority, c.EscalationLevel)
			}
			if len(res.Effects) != 1 || res.Effects[0].Kind != EffectNotify || res.Effects[0].MinRole != models.RoleManager ||
				!res.Effects[0].InApp || !res.Effects[0].Email {
				t.Fatalf("effects %+v", res.Effects)
			}
		})
	}
}

func TestDefaultRepeatAndBreachRules(t *testing.T) {
	rules := DefaultRules()
	// Third case in 90 days: high priority and the tag.
	c := complaintCase("", "The replacement blender is broken again, third time this spring.")
	var asked []int
	counts := func(days int) int { asked = append(asked, days); return 3 }
	res := EvaluateRules(rules, TriggerCaseCreated, RuleInput{Case: c, Now: ruleNow, CustomerCaseCounts: counts})
	if !slices.Equal(res.FiredRuleIDs, []string{DefaultRuleRepeatComplainant}) || c.Priority != models.PriorityHigh ||
		!slices.Contains(c.Tags, "repeat-customer") || !slices.Equal(asked, []int{90}) {
		t.Fatalf("repeat: %v %v %v asked %v", res.FiredRuleIDs, c.Priority, c.Tags, asked)
	}
	if res.Fired[0].Matched != "customer has 3 or more cases in 90 days (3)" {
		t.Fatalf("matched %q", res.Fired[0].Matched)
	}
	// Repeat complainant and safety words: urgent wins, both fire.
	c = complaintCase("", "Third broken heater. It caught fire this time.")
	res = EvaluateRules(rules, TriggerCaseCreated, RuleInput{Case: c, Now: ruleNow, CustomerCaseCounts: counts})
	if len(res.Fired) != 2 || c.Priority != models.PriorityUrgent || !slices.Contains(c.Tags, "repeat-customer") {
		t.Fatalf("both: %v %v %v", res.FiredRuleIDs, c.Priority, c.Tags)
	}
	// Safety rule listed first by a manager: the repeat rule's only_raise keeps urgent.
	reordered := DefaultRules()
	reordered[0].Position = 99
	c = complaintCase("", "Third broken heater. It caught fire this time.")
	EvaluateRules(reordered, TriggerCaseCreated, RuleInput{Case: c, Now: ruleNow, CustomerCaseCounts: counts})
	if c.Priority != models.PriorityUrgent {
		t.Fatalf("repeat rule lowered urgent to %v", c.Priority)
	}
	// Two cases: nothing.
	c = complaintCase("", "Second broken heater.")
	if res := EvaluateRules(rules, TriggerCaseCreated, RuleInput{Case: c, Now: ruleNow, CustomerCaseCounts: func(int) int { return 2 }}); len(res.Fired) != 0 {
		t.Fatalf("fired %v", res.FiredRuleIDs)
	}

	// First-response breach: one level up, the case's team is told; without a team the managers.
	c = ruleTestCase()
	res = EvaluateRules(rules, TriggerSLABreach, RuleInput{Case: c, Now: ruleNow, SLAKind: models.SLAFirstResponse})
	if !slices.Equal(res.FiredRuleIDs, []string{DefaultRuleFirstResponseBreach}) || c.EscalationLevel != 2 {
		t.Fatalf("breach: %v level %d", res.FiredRuleIDs, c.EscalationLevel)
	}
	if e := res.Effects[0]; !slices.Equal(e.TeamIDs, []string{"t-support"}) || e.MinRole != "" || !e.Email || !e.InApp {
		t.Fatalf("notify %+v", e)
	}
	if res.Fired[0].Matched != "SLA clock is first_response" {
		t.Fatalf("matched %q", res.Fired[0].Matched)
	}
	c.TeamID = ""
	res = EvaluateRules(rules, TriggerSLABreach, RuleInput{Case: c, Now: ruleNow, SLAKind: models.SLAFirstResponse})
	if e := res.Effects[0]; len(e.TeamIDs) != 0 || e.MinRole != models.RoleManager || c.EscalationLevel != 3 {
		t.Fatalf("fallback notify %+v level %d", e, c.EscalationLevel)
	}
	// Other clocks and warnings do not escalate.
	for _, in := range []struct {
		tr   TriggerType
		kind models.SLAKind
	}{{TriggerSLABreach, models.SLAResolution}, {TriggerSLAWarning, models.SLAFirstResponse}} {
		if res := EvaluateRules(rules, in.tr, RuleInput{Case: ruleTestCase(), Now: ruleNow, SLAKind: in.kind}); len(res.Fired) != 0 {
			t.Fatalf("%v %v fired %v", in.tr, in.kind, res.FiredRuleIDs)
		}
	}
}

func TestPreviewRule(t *testing.T) {
	a := ruleTestCase()
	a.ID, a.Description = "K-1", "My lawyer will call you."
	b := ruleTestCase()
	b.ID, b.Priority = "K-2", models.PriorityHigh
	d := ruleTestCase()
	d.ID, d.Customer.Email = "K-3", "repeat@example.com"
	cases := []*models.Case{a, b, nil, d}
	before, _ := json.Marshal(cases)
	counts := func(email string, days int) int {
		if email == "repeat@example.com" && days == 90 {
			return 5
		}
		return 1
	}
	r := Rule{ID: "p", Name: "Preview", Match: MatchAny, Trigger: Trigger{Type: TriggerCaseCreated},
		Conditions: []Condition{
			ruleCond(CondText, OpContainsAny, ListValue("lawyer")),
			ruleCond(CondPriority, OpGte, StringValue("high")),
			ruleCond(CondRepeatComplainant, OpGte, RepeatValue(3, 90)),
		},
		Actions: []Action{{Type: ActionSetPriority, Priority: models.PriorityUrgent}}}
	got := PreviewRule(r, cases, counts, ruleNow)
	want := []PreviewMatch{
		{CaseID: "K-1", Subject: "Broken kettle", Matched: `text contains "lawyer"`},
		{CaseID: "K-2", Subject: "Broken kettle", Matched: "priority is at least high"},
		{CaseID: "K-3", Subject: "Broken kettle", Matched: "customer has 3 or more cases in 90 days (5)"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("preview\n%+v\nwant\n%+v", got, want)
	}
	if after, _ := json.Marshal(cases); string(after) != string(before) {
		t.Fatal("preview changed a case")
	}
	// Event conditions: changed_to reads as "is", sla_clock is assumed.
	r = Rule{ID: "p2", Name: "Preview 2", Match: MatchAll, Trigger: Trigger{Type: TriggerCaseUpdated},
		Conditions: []Condition{ruleCond(CondPriority, OpChangedTo, StringValue("high"))}}
	if got := PreviewRule(r, cases, nil, ruleNow); len(got) != 1 || got[0].CaseID != "K-2" || got[0].Matched != "priority changed to high" {
		t.Fatalf("changed_to preview %+v", got)
	}
	r = DefaultRules()[2]
	if got := PreviewRule(r, cases, nil, ruleNow); len(got) != 3 {
		t.Fatalf("sla preview %+v", got)
	}
	// nil counts: repeat conditions are false.
	r = DefaultRules()[0]
	if got := PreviewRule(r, cases, nil, ruleNow); len(got) != 0 {
		t.Fatalf("repeat preview without counts %+v", got)
	}
}

func TestRuleConditionDescribe(t *testing.T) {
	tests := map[string]Condition{
		"status is one of new, open":                  ruleCond(CondStatus, OpIn, ListValue("new", "open")),
		"assignee is empty":                           ruleCond(CondAssignee, OpEq, StringValue("")),
		"escalation level is at least 2":              ruleCond(CondEscalationLevel, OpGte, NumberValue(2)),
		`tags contain "vip"`:                          ruleCond(CondTags, OpContains, StringValue("vip")),
		`text contains any of "lawyer", "asianajaj*"`: ruleCond(CondText, OpContainsAny, ListValue("lawyer", "asianajaj*")),
		"customer has fewer than 2 cases in 30 days":  ruleCond(CondRepeatComplainant, OpLt, RepeatValue(2, 30)),
		"priority changed":                            ruleCond(CondPriority, OpChanged, ConditionValue{}),
		"expected outcome is not refund":              ruleCond(CondExpectedOutcome, OpNeq, StringValue("refund")),
	}
	for want, c := range tests {
		if got := c.Describe(); got != want {
			t.Errorf("got %q want %q", got, want)
		}
	}
}

func FuzzRuleWords(f *testing.F) {
	f.Add("Asianajajalle soitettu! e-mail: matti@example.fi, ÄÖÅ va\u0308ha\u0308n")
	f.Add("")
	f.Add("\u0308\u0308a\xff")
	f.Fuzz(func(t *testing.T, s string) {
		text := newRuleText(s)
		if !sort.StringsAreSorted(text.sorted) {
			t.Fatal("not sorted")
		}
		for _, w := range text.words {
			p, msg := compileWordPattern(w)
			if msg != "" {
				continue // e.g. too long
			}
			if _, ok := text.find(&p); !ok {
				t.Fatalf("word %q of %q not found", w, s)
			}
		}
	})
}

// --- benchmark ------------------------------------------------------------------------------

// benchComplaint is a realistic complaint of about 1.5 KB, with a customer reply.
const benchComplaint = `I am writing about order 4471902 from your web shop. I ordered the Aalto 1.7 litre electric kettle on 3 February and it was delivered a week late, which I could have lived with. The real problem is what happened on Sunday morning. I filled the kettle to the line, switched it on and went to the other room. A couple of minutes later there was a smell of burning plastic and when I came back the base was black and the cord had melted into the worktop. The fuse went and the kitchen filled with smoke. My daughter touched the handle and has a small burn on her palm; we went to the health centre and it was cleaned and dressed. I have photos of the base, the cord and the worktop, and the receipt from the health centre.

I contacted your customer service by phone on Monday and was told someone would call me back within one working day. Nobody called. I then sent an email on Tuesday and got an automatic reply only. This is not acceptable for a product that could have burned down my flat. I expect a full refund of the kettle, compensation for the worktop (the repair quote is 240 euros) and an explanation of what you are doing about the other kettles of this model that you are still selling. If I do not hear from you this week I will report the product to the consumer safety authority.`

const benchReply = `Here are the photos you asked for. The repair quote for the worktop is attached as well. I am still waiting for a call.`

func benchRules() []Rule {
	var rules []Rule
	add := func(r Rule) {
		r.ID = fmt.Sprintf("b%02d", len(rules))
		r.Name = "Bench " + r.ID
		r.Position = len(rules)
		rules = append(rules, r)
	}
	rules = append(rules, DefaultRules()...)
	wordSets := [][]string{
		{"refund", "money back", "compensation", "hyvitys*", "rahat takaisin"},
		{"broken", "faulty", "defect*", "rikki", "viallinen*", "hajo*"},
		{"late", "delay*", "never arrived", "myöhäst*", "ei saapunut"},
		{"rude", "impolite", "unprofessional", "töykeä*", "epäkohtelia*"},
		{"invoice", "billing", "charged twice", "lasku*", "veloit*"},
		{"journalist", "newspaper", "social media", "toimittaja*", "lehti*", "some*"},
		{"consumer authority", "consumer safety", "kuluttajaviranomai*", "kuluttajaneuvo*", "kuluttajariitalautakun*"},
		{"cancel", "unsubscribe", "close my account", "peru*", "irtisano*"},
		{"warranty", "guarantee", "takuu*", "reklamaatio*"},
		{"smoke", "smell of burning", "burn", "burned", "savu*", "kärähd*"},
	}
	regexes := []string{`order\s*#?\s*\d{6,10}`, `\b\d{2,4}\s*(euros?|€|eur)\b`, `(call|phone)(ed)? (me )?back`, `within (one|1|two|2) (working )?days?`, `tilaus(numero)?\s*\d{5,}`}
	for i := 0; len(rules) < 50; i++ {
		switch i % 5 {
		case 0, 1:
			ws := wordSets[i%len(wordSets)]
			add(testRule("", TriggerCaseCreated, []Condition{
				ruleCond(CondStatus, OpIn, ListValue("new", "open")),
				ruleCond(CondText, OpContainsAny, ListValue(ws...)),
			}, Action{Type: ActionAddTag, Tag: "t" + ws[0][:3]}))
		case 2:
			add(testRule("", TriggerCaseCreated, []Condition{
				ruleCond(CondText, OpMatchesRegex, StringValue(regexes[(i/5)%len(regexes)])),
			}, Action{Type: ActionWebhook, EndpointID: "wh"}))
		case 3:
			r := testRule("", TriggerCaseCreated, []Condition{
				ruleCond(CondChannel, OpEq, StringValue("email")),
				ruleCond(CondCategory, OpIn, ListValue("billing", "delivery")),
				ruleCond(CondCustomerDomain, OpEq, StringValue("example.com")),
			}, Action{Type: ActionAssignTeam, TeamID: "t-billing"})
			r.Match = MatchAny
			add(r)
		case 4:
			add(testRule("", TriggerCaseUpdated, []Condition{
				ruleCond(CondPriority, OpChangedTo, StringValue("urgent")),
				ruleCond(CondTags, OpNotContains, StringValue("press")),
			}, Action{Type: ActionNotify, Role: NotifyManagers, Channels: []string{"app"}}))
		}
	}
	return rules
}

func benchCase() *models.Case {
	c := complaintCase("Kettle melted and burned my daughter", benchComplaint)
	c.AddCustomerMessage("m1", benchReply, ruleNow)
	return c
}

func freshCopy(c *models.Case) *models.Case {
	cp := *c
	cp.Tags = slices.Clip(cp.Tags)
	cp.Timeline = slices.Clip(cp.Timeline)
	return &cp
}

func TestBenchRulesValid(t *testing.T) {
	rules := benchRules()
	if len(rules) != 50 {
		t.Fatalf("%d rules", len(rules))
	}
	for _, r := range rules {
		if err := r.Validate(); err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
	}
	c := benchCase()
	if n := len(caseText(c)); n < 1000 || n > 2048 {
		t.Fatalf("bench text is %d bytes", n)
	}
	res := CompileRules(rules, nil).Evaluate(TriggerCaseCreated, RuleInput{Case: freshCopy(c), Now: ruleNow, CustomerCaseCounts: func(int) int { return 1 }})
	if len(res.Fired) < 10 {
		t.Fatalf("only %d rules fired: %v", len(res.Fired), res.FiredRuleIDs)
	}
}

// BenchmarkEvaluate50Rules evaluates a case_created event (with its case_updated cascade)
// through 50 enabled rules on a 1.5 KB complaint with a customer reply. "compiled" keeps a
// RuleSet as a caller would; "uncompiled" prepares the rules on every event. The p95 metric is
// the 95th percentile of single events.
func BenchmarkEvaluate50Rules(b *testing.B) {
	rules := benchRules()
	base := benchCase()
	counts := func(int) int { return 1 }
	run := func(b *testing.B, eval func(c *models.Case) RuleResult) {
		durations := make([]time.Duration, 0, b.N)
		fired := 0
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			c := freshCopy(base)
			start := time.Now()
			res := eval(c)
			durations = append(durations, time.Since(start))
			fired = len(res.Fired)
		}
		b.StopTimer()
		slices.Sort(durations)
		if len(durations) > 0 {
			b.ReportMetric(float64(durations[len(durations)*95/100].Nanoseconds()), "p95-ns/event")
		}
		b.ReportMetric(float64(fired), "fired/event")
	}
	b.Run("compiled", func(b *testing.B) {
		set := CompileRules(rules, nil)
		run(b, func(c *models.Case) RuleResult {
			return set.Evaluate(TriggerCaseCreated, RuleInput{Case: c, Now: ruleNow, CustomerCaseCounts: counts})
		})
	})
	b.Run("uncompiled", func(b *testing.B) {
		run(b, func(c *models.Case) RuleResult {
			return EvaluateRules(rules, TriggerCaseCreated, RuleInput{Case: c, Now: ruleNow, CustomerCaseCounts: counts})
		})
	})
}

func TestRepeatWindowsOfEnabledRules(t *testing.T) {
	repeat := func(cases, days int, enabled bool) Rule {
		return Rule{Enabled: enabled, Trigger: Trigger{Type: TriggerCaseCreated},
			Conditions: []Condition{{Field: CondRepeatComplainant, Op: OpGte, Value: RepeatValue(cases, days)},
				{Field: CondPriority, Op: OpEq, Value: StringValue("high")}}}
	}
	set := CompileRules([]Rule{repeat(3, 90, true), repeat(2, 30, true), repeat(5, 90, true), repeat(2, 7, false)}, nil)
	if got := set.RepeatWindows(); !slices.Equal(got, []int{30, 90}) {
		t.Fatalf("RepeatWindows = %v, want [30 90] (disabled rules and repeats left out)", got)
	}
	if got := CompileRules(nil, nil).RepeatWindows(); len(got) != 0 {
		t.Fatalf("no rules: %v", got)
	}
}

func TestAssignInTurnRecordsInTheLatestFiring(t *testing.T) {
	c := ruleTestCase()
	c.Status, c.AssigneeID = models.StatusNew, ""
	r := testRule("rr", TriggerCaseCreated, nil, Action{Type: ActionRoundRobinTeam, TeamID: "t-legal"})
	EvaluateRules([]Rule{r}, TriggerCaseCreated, RuleInput{Case: c, Now: ruleNow})
	EvaluateRules([]Rule{r}, TriggerCaseCreated, RuleInput{Case: c, Now: ruleNow.Add(time.Hour)})
	c.AssignInTurn("rr", "u-7", ruleNow.Add(2*time.Hour))
	first, latest := c.Timeline[len(c.Timeline)-2], c.Timeline[len(c.Timeline)-1]
	if first.Type != "rule_fired" || latest.Type != "rule_fired" || c.AssigneeID != "u-7" || c.Status != models.StatusOpen ||
		!c.UpdatedAt.Equal(ruleNow.Add(2*time.Hour)) {
		t.Fatalf("case %+v", c)
	}
	wantFirst := []models.FieldChange{{Field: "team_id", From: "t-support", To: "t-legal"}}
	wantLatest := []models.FieldChange{{Field: "assignee_id", To: "u-7"}, {Field: "status", From: "new", To: "open"}}
	if !slices.Equal(first.Changes, wantFirst) || !slices.Equal(latest.Changes, wantLatest) {
		t.Fatalf("changes %+v / %+v", first.Changes, latest.Changes)
	}
	// The same agent again changes nothing.
	c.AssignInTurn("rr", "u-7", ruleNow.Add(3*time.Hour))
	if len(c.Timeline[len(c.Timeline)-1].Changes) != 2 || !c.UpdatedAt.Equal(ruleNow.Add(2*time.Hour)) {
		t.Fatalf("a repeated turn changed the case: %+v", c)
	}
}

func TestIdleRulesAreTheEnabledNoAgentActivityRules(t *testing.T) {
	rules := []Rule{
		{ID: "two-hours", Enabled: true, Trigger: Trigger{Type: TriggerNoAgentActivity, IdleMinutes: 120}},
		{ID: "off", Enabled: false, Trigger: Trigger{Type: TriggerNoAgentActivity, IdleMinutes: 1}},
		{ID: "other", Enabled: true, Trigger: Trigger{Type: TriggerCaseCreated}},
		{ID: "half-day", Enabled: true, Trigger: Trigger{Type: TriggerNoAgentActivity, IdleMinutes: 240}},
	}
	got := IdleRules(rules)
	want := []models.IdleRule{{ID: "two-hours", Minutes: 120}, {ID: "half-day", Minutes: 240}}
	if !slices.Equal(got, want) {
		t.Fatalf("IdleRules = %v, want %v", got, want)
	}
}

func TestTurnsOffCaseFoldingAgreesWithItsExpression(t *testing.T) {
	// The expression the check was written as, kept here as its specification.
	spec := regexp.MustCompile(`\(\?[a-zA-Z]*-[a-zA-Z]*i`)
	for _, p := range []string{`(?-i)x`, `(?s-mi:x)`, `(?i)x`, `(?-s)x`, `a(?U-sUi)b`, `(?`, `(?-`, `(?-m`, `(?i)(?-i`,
		`\(?-i`, `(?:x)(?m-i)`, `x(?-s)y(?im-s)`, `(?P<n>x)`, `((?-x`, ``} {
		if got, want := turnsOffCaseFolding(p), spec.MatchString(p); got != want {
			t.Errorf("%q: got %v, want %v", p, got, want)
		}
	}
}

func TestRegexCacheSharesCompiledExpressions(t *testing.T) {
	cache := NewRegexCache()
	a, err := cache.compile(`order\s*\d+`)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := cache.compile(`order\s*\d+`)
	if a != b {
		t.Fatal("the cache compiled the same pattern twice")
	}
	if _, err := cache.compile(`(?-i)x`); err == nil {
		t.Fatal("a refused pattern was accepted")
	}
	var none *RegexCache
	c, _ := none.compile(`order\s*\d+`)
	if c == a || c == nil {
		t.Fatalf("a nil cache must compile afresh: %p %p", c, a)
	}
}
