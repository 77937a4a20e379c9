package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// TestBenchRules saves the bench's rule set as the server would (every rule valid, so the
// intake with rules never stops at a 400) and runs it on the bench's complaints: some rules
// must fire on some of them, and not every rule on every one. Runs in -short mode too.
func TestBenchRules(t *testing.T) {
	ids := ruleIDs{teams: map[string]string{}, dutyManager: "u-duty"}
	for _, tm := range benchTeams {
		ids.teams[tm.key] = "t-" + tm.key
	}
	for _, st := range benchStaff {
		for _, k := range st.teams {
			if ids.teams[k] == "" {
				t.Errorf("%s: unknown team %q", st.email, k)
			}
		}
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	reqs := benchRules(defaultIntakeRules+3, ids)
	if len(reqs) != defaultIntakeRules+3 || reqs[defaultIntakeRules].Name != reqs[0].Name+" #2" {
		t.Fatalf("%d rules, rule %d named %q", len(reqs), defaultIntakeRules, reqs[defaultIntakeRules].Name)
	}
	names := map[string]bool{}
	var rules []escalation.Rule
	for i, req := range reqs[:defaultIntakeRules] {
		r, err := escalation.NewRule(fmt.Sprintf("r%02d", i), req, now)
		if err != nil {
			t.Fatalf("rule %q: %v", req.Name, err)
		}
		if !r.Enabled || r.Trigger.Type != escalation.TriggerCaseCreated || names[r.Name] {
			t.Errorf("rule %q: enabled %v, trigger %s, name seen before %v", r.Name, r.Enabled, r.Trigger.Type, names[r.Name])
		}
		names[r.Name] = true
		rules = append(rules, *r)
	}
	set := escalation.CompileRules(rules, nil)

	dirs := []string{""} // generated text, and the real texts when they are there
	if dir := findDataDir(defaultDataDirs()); dir != "" {
		dirs = append(dirs, dir)
	}
	for _, dir := range dirs {
		src, err := loadSources(dir)
		if err != nil {
			t.Fatal(err)
		}
		texts := src.texts()
		const cases = 2000
		withFiring, firings := 0, 0
		byRule := map[string]int{}
		for seq := range cases {
			c := models.NewComplaintCase(fmt.Sprintf("K-2026-%06d", seq+1), complaint(texts, seq), "", now)
			res := set.Evaluate(escalation.TriggerCaseCreated, escalation.RuleInput{Case: c, Now: now,
				CustomerCaseCounts: func(int) int { return 1 + seq%4 }})
			if len(res.Fired) > 0 {
				withFiring++
			}
			firings += len(res.Fired)
			for _, f := range res.Fired {
				byRule[f.RuleName]++
			}
		}
		t.Logf("%s: %d of %d complaints with a firing, %d firings; %d of %d rules fired: %v",
			src.name, withFiring, cases, firings, len(byRule), len(rules), byRule)
		if withFiring == 0 || withFiring == cases || len(byRule) < 10 {
			t.Errorf("%s: %d of %d complaints with a firing, %d rules fired", src.name, withFiring, cases, len(byRule))
		}
	}
}
