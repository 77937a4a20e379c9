package escalation

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kaiku-helpdesk/kaiku/models"
)

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
	// Review conditions; a case that is no review has no rating and no source, and is never
	// edited as a review.
	CondReviewRating ConditionField = "review_rating" // normalised 1-5
	CondReviewSource ConditionField = "review_source" // the source's kind
	CondReviewEdited ConditionField = models.ReviewEditedField
)

// The fields of an approval_requested event: the grant asked for.
const (
	CondRemedyOption ConditionField = "option"       // its resolution option
	CondRemedyAmount ConditionField = "amount_minor" // its amount, in integer minor units
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

var slaKindNames = []string{string(models.SLAFirstResponse), string(models.SLANextResponse), string(models.SLAResolution), string(models.SLAFinalAnswer), string(models.SLAApproval)}

func stringsOf[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

// condSpecs describes each condition field; read-only.
var condSpecs = conditionSpecs()

func conditionSpecs() map[ConditionField]*condSpec {
	return map[ConditionField]*condSpec{
		CondStatus: {label: "status", ops: opsOf(opsEquality, opsChange), enum: stringsOf(models.Statuses),
			get: func(e *ruleEval) string { return foldLower(string(e.c.Status)) }},
		CondPriority: {label: "priority", ops: opsOf(opsEquality, opsOrdered, opsChange), enum: stringsOf(models.Priorities),
			get: func(e *ruleEval) string { return foldLower(string(e.c.Priority)) }},
		CondChannel: {label: "channel", ops: opsEquality, enum: models.ChannelNames,
			get: func(e *ruleEval) string { return foldLower(string(e.c.Channel)) }},
		CondCategory: {label: "category", ops: opsOf(opsEquality, opsChange), check: checkLen(80, false),
			get: func(e *ruleEval) string { return foldLower(e.c.Category) }},
		CondTouchpoint: {label: "touchpoint", ops: opsOf(opsEquality, opsChange), enum: models.Touchpoints,
			get: func(e *ruleEval) string { return foldLower(e.c.Touchpoint) }},
		CondExpectedOutcome: {label: "expected outcome", ops: opsOf(opsEquality, opsChange), enum: models.ExpectedOutcomes,
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
			get: func(e *ruleEval) string { return models.NormalizeEmail(e.c.Customer.Email) }},
		CondCustomerDomain: {label: "customer domain", ops: opsEquality, check: checkDomain, fold: foldDomain,
			get: func(e *ruleEval) string {
				em := models.NormalizeEmail(e.c.Customer.Email)
				return foldDomain(em[strings.LastIndexByte(em, '@')+1:])
			}},
		CondRepeatComplainant: {label: "repeat complainant", ops: map[ConditionOp]ValueType{OpGte: ValueRepeat, OpLt: ValueRepeat}},
		CondText:              {label: "text", ops: map[ConditionOp]ValueType{OpContainsAny: ValueList, OpMatchesRegex: ValueString}},
		CondSLAClock: {label: "SLA clock", ops: opsEquality, enum: slaKindNames,
			get: func(e *ruleEval) string { return foldLower(string(e.in.SLAKind)) }},
		CondRemedyOption: {label: "resolution option", ops: opsEquality, check: checkLen(40, false),
			get: func(e *ruleEval) string {
				if e.in.Remedy == nil {
					return ""
				}
				return foldLower(e.in.Remedy.OptionID)
			}},
		CondRemedyAmount: {label: "amount", ops: map[ConditionOp]ValueType{OpGt: ValueNumber, OpGte: ValueNumber, OpLt: ValueNumber, OpLte: ValueNumber}},
		CondReviewRating: {label: "rating", ops: map[ConditionOp]ValueType{
			OpEq: ValueNumber, OpNeq: ValueNumber, OpGt: ValueNumber, OpGte: ValueNumber, OpLt: ValueNumber, OpLte: ValueNumber}},
		CondReviewSource: {label: "review source", ops: opsEquality, enum: models.ReviewSourceKinds,
			get: func(e *ruleEval) string {
				if e.c.Review == nil {
					return ""
				}
				return string(e.c.Review.SourceKind)
			}},
		CondReviewEdited: {label: "review", ops: map[ConditionOp]ValueType{OpChanged: ValueNone}},
	}
}

// ConditionFields lists the fields in the order the rule editor offers them.
var ConditionFields = []ConditionField{CondStatus, CondPriority, CondChannel, CondCategory, CondTouchpoint, CondTags,
	CondExpectedOutcome, CondAssignee, CondTeam, CondEscalationLevel, CondCustomerEmail, CondCustomerDomain,
	CondRepeatComplainant, CondText, CondSLAClock, CondRemedyOption, CondRemedyAmount, CondReviewRating, CondReviewSource, CondReviewEdited}

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
