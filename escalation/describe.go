package escalation

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// --- descriptions ---------------------------------------------------------------------------

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
	case c.Field == CondReviewEdited:
		return "review edited"
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

func triggerWords(t Trigger, kind models.SLAKind) string {
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
