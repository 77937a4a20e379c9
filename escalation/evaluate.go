package escalation

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// --- evaluation -----------------------------------------------------------------------------

// RuleInput is one event for the rules: the case (Evaluate changes it through the rules'
// actions), the time, and what the engine cannot know on its own.
type RuleInput struct {
	Case *models.Case
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
	SLAKind models.SLAKind
	// Remedy is the grant of an approval_requested event.
	Remedy *RemedyFacts
	// Idle is the business time since the last agent activity (no_agent_activity): rules whose
	// IdleMinutes have passed run.
	Idle time.Duration
	// AlreadyFired names rules that must not fire again for this event (for example
	// no_agent_activity rules that fired earlier in the same idle stretch).
	AlreadyFired []string
}

// RemedyFacts are what the remedy conditions look at: the option and its amount in integer
// minor units.
type RemedyFacts struct {
	OptionID    string
	AmountMinor int64
}

// MaxRuleAmountMinor is the largest amount an amount_minor condition takes: 2^53-1, which a
// JSON number (read as a float64) still holds exactly.
const MaxRuleAmountMinor = 1<<53 - 1

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
	minor int64 // amount_minor conditions, exact
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

// CompileRules prepares the enabled rules for evaluation, by Position, then Name, then ID,
// taking compiled expressions from regexes (nil: compile them all).
func CompileRules(rules []Rule, regexes *RegexCache) *RuleSet {
	s := &RuleSet{}
	for i := range rules {
		if !rules[i].Enabled {
			continue
		}
		s.rules = append(s.rules, compileRule(rules[i], regexes))
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

func compileRule(r Rule, regexes *RegexCache) compiledRule {
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
			re, err := regexes.compile(c.Value.String)
			cc.re, cc.bad = re, err != nil
		case c.Value.Type == ValueNumber:
			cc.num = int(c.Value.Number)
			cc.minor = int64(c.Value.Number) // whole and at most 2^53-1 (Validate): exact
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
	c       *models.Case
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
	case CondReviewRating:
		if e.c.Review == nil {
			return false, ""
		}
		return cmpOp(c.Op, e.c.Review.Rating-cc.num), ""
	case CondTags:
		has := slices.Contains(e.c.Tags, cc.str)
		if c.Op == OpNotContains {
			return !has, ""
		}
		return has, ""
	case CondSLAClock, CondRemedyOption:
		if e.preview {
			return true, ""
		}
	case CondRemedyAmount:
		if e.preview {
			return true, ""
		}
		if e.in.Remedy == nil {
			return false, ""
		}
		return cmpOp(c.Op, cmp.Compare(e.in.Remedy.AmountMinor, cc.minor)), strconv.FormatInt(e.in.Remedy.AmountMinor, 10)
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
		return cmpOp(c.Op, models.Priority(v).Rank()-models.Priority(cc.str).Rank()), ""
	case OpEq, OpChangedTo:
		return v == cc.str, ""
	case OpNeq:
		return v != cc.str, ""
	}
	return false, ""
}

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
	return CompileRules(rules, nil).Evaluate(trigger, in)
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

// IdleRules returns the enabled no_agent_activity rules, as the idle clock sees them.
func IdleRules(rules []Rule) []models.IdleRule {
	var out []models.IdleRule
	for _, r := range rules {
		if r.Enabled && r.Trigger.Type == TriggerNoAgentActivity && r.Trigger.IdleMinutes > 0 {
			out = append(out, models.IdleRule{ID: r.ID, Minutes: r.Trigger.IdleMinutes})
		}
	}
	return out
}
