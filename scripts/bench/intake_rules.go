package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// Issue 4's intake figure: the complaint intake again, with escalation rules enabled.
const (
	targetRulesShare = 0.80 // of the intake rate without rules
	// rulesSample is how many cases of the intake with rules are read back to count the
	// firings; baseSample how many of the intake without rules (none may have a firing).
	rulesSample = 200
	baseSample  = 50
	// rulesSeqFrom numbers the complaints filed with rules after those without, so that they
	// are other texts from other customers (of the same 5,000), not the same complaints again.
	rulesSeqFrom = 1 << 20
	// serverSettleLimit bounds the wait for the server to go idle before the intakes.
	serverSettleLimit = 30 * time.Second
	// intakeSlices is how many slices of load each intake gets (in sliceOrder).
	intakeSlices = 4
)

// sliceOrder is the order of the slices, false without rules and true with them. The index
// grows and merges its segments all along, and a merge of the large segments costs whichever
// intake it falls in; alternating shares that between the two, where one intake after the
// other made the second pay for the first's growth. The order A B B A B A A B puts both at
// the same point of that growth on average (positions 1+4+6+7 = 2+3+5+8).
var sliceOrder = []bool{false, true, true, false, true, false, false, true}

// rulesReport is what the intake with rules measured.
type rulesReport struct {
	teams, staff  int           // created for the rules' actions
	created       int           // rules created through POST /api/v1/rules
	createDur     time.Duration // for all of them
	enabled       int           // enabled case_created rules listed before the load
	approvalRules int           // enabled approval_requested rules (issue 13) among them
	slice         time.Duration // of each of the intakeSlices loads without and with rules
	settled       time.Duration // after the rules were created, until the server was idle
	idle          bool          // false: still busy when serverSettleLimit ran out
	intake        loadResult
	intakeCPU     time.Duration // server CPU time during the intake (0: not measured)
	// sliceRates are the rates of each slice, without and with the rules, to show how much
	// they vary (a merge of large index segments falls in one slice).
	sliceRates [2][]float64

	sampled, withFiring, firings int            // cases read back, with a rule_fired entry, entries
	byRule                       map[string]int // firings by rule name
	baseSampled, baseWithFiring  int            // the same for cases of the intake without rules
}

// ratio is the intake rate with rules over the rate without.
func (r *rulesReport) ratio(without loadResult) float64 {
	if without.rate() == 0 {
		return 0
	}
	return r.intake.rate() / without.rate()
}

// ruleList is the answer of GET /api/v1/rules.
type ruleList struct {
	Data []escalation.Rule `json:"data"`
}

// disableRules disables every enabled rule (on a new installation: the shipped ones) through
// PATCH /api/v1/rules/{id} and returns how many it disabled.
func disableRules(ctx context.Context, admin *session, base string) (int, error) {
	var rules ruleList
	if err := admin.call(ctx, http.MethodGet, base+"/api/v1/rules", nil, http.StatusOK, &rules); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rules.Data {
		if !r.Enabled {
			continue
		}
		patch := map[string]any{"version": r.Version, "enabled": false}
		if err := admin.call(ctx, http.MethodPatch, base+"/api/v1/rules/"+r.ID, patch, http.StatusOK, nil); err != nil {
			return n, fmt.Errorf("disable %q: %w", r.Name, err)
		}
		n++
	}
	return n, nil
}

// runInterleavedIntake measures the intake without and with escalation rules: it creates the
// teams and staff the rules' actions name and cfg.IntakeRules rules as the admin, lets the
// server settle, and then runs the load in slices without the rules (disabled) and with them
// (enabled) in sliceOrder, cfg.IntakeDuration in all for each. It reads a sample of the filed cases
// back to count the firings and returns the references of every 201 answer.
func runInterleavedIntake(ctx context.Context, cfg config, srv *child, admin *session, texts []string,
	i3 *issue3Report, progress func(string, ...any)) ([]string, error) {
	base := "http://" + srv.addr
	r := &rulesReport{slice: cfg.IntakeDuration / intakeSlices}
	i3.rules = r

	progress("creating %d escalation rules (with %d teams and %d staff for their actions)", cfg.IntakeRules, len(benchTeams), len(benchStaff))
	ids, err := createRuleStaff(ctx, admin, base, r)
	if err != nil {
		return nil, err
	}
	t := time.Now()
	created := map[string]bool{}
	for _, req := range append(benchRules(cfg.IntakeRules, ids), benchApprovalRules(cfg.ApprovalRules)...) {
		var out struct {
			Data escalation.Rule `json:"data"`
		}
		if err := admin.call(ctx, http.MethodPost, base+"/api/v1/rules", req, http.StatusCreated, &out); err != nil {
			return nil, fmt.Errorf("create rule %q: %w", req.Name, err)
		}
		created[out.Data.ID] = true
		r.created++
	}
	r.createDur = time.Since(t)
	var rules ruleList
	if err := admin.call(ctx, http.MethodGet, base+"/api/v1/rules", nil, http.StatusOK, &rules); err != nil {
		return nil, err
	}
	for _, rule := range rules.Data {
		if rule.Enabled && rule.Trigger.Type == escalation.TriggerCaseCreated {
			r.enabled++
		}
		if rule.Enabled && rule.Trigger.Type == escalation.TriggerApprovalRequested {
			r.approvalRules++
		}
	}
	if _, err := disableRules(ctx, admin, base); err != nil {
		return nil, err
	}

	progress("waiting for the server to go idle")
	t = time.Now()
	if r.idle, err = waitIdle(ctx, srv, serverSettleLimit); err != nil {
		return nil, err
	}
	r.settled = time.Since(t)

	sides := [2]sliceTotals{{name: "without rules"}, {name: fmt.Sprintf("with %d rules enabled", r.enabled), seq: rulesSeqFrom}}
	enabled := false
	for n, withRules := range sliceOrder {
		if withRules != enabled {
			var err error
			if withRules {
				err = enableRules(ctx, admin, base, created)
			} else {
				_, err = disableRules(ctx, admin, base)
			}
			if err != nil {
				return nil, err
			}
			enabled = withRules
		}
		side := &sides[0]
		if withRules {
			side = &sides[1]
		}
		progress("HTTP: POST /api/v1/complaints x %d concurrent for %s, %s (slice %d of %d)", intakeConcurrency, r.slice, side.name, n+1, len(sliceOrder))
		cpu := srv.cpuMeter()
		res, refs := runIntake(ctx, base, texts, r.slice, side.seq)
		side.add(res, refs, cpu())
	}
	i3.intake, i3.intakeCPU = sides[0].load, sides[0].cpu
	r.intake, r.intakeCPU = sides[1].load, sides[1].cpu
	r.sliceRates = [2][]float64{sides[0].rates, sides[1].rates}
	without, with := sides[0].refs, sides[1].refs
	if enabled {
		if _, err := disableRules(ctx, admin, base); err != nil {
			return nil, err
		}
	}

	progress("reading back %d cases to count the rule firings", min(rulesSample, len(with))+min(baseSample, len(without)))
	if r.sampled, r.withFiring, r.firings, r.byRule, err = countFirings(ctx, admin, base, with, rulesSample); err != nil {
		return nil, err
	}
	if r.baseSampled, r.baseWithFiring, _, _, err = countFirings(ctx, admin, base, without, baseSample); err != nil {
		return nil, err
	}
	return append(without, with...), nil
}

// sliceTotals adds up the slices of one intake.
type sliceTotals struct {
	name  string
	load  loadResult
	cpu   time.Duration // of the server
	rates []float64     // of each slice
	seq   int           // number of the next complaint
	refs  []string      // of every 201 answer
}

func (t *sliceTotals) add(res loadResult, refs []string, cpu time.Duration) {
	t.load = t.load.plus(res)
	t.cpu += cpu
	t.rates = append(t.rates, res.rate())
	t.seq += res.issued()
	t.refs = append(t.refs, refs...)
}

// enableRules enables the rules whose ids are in ids through PATCH /api/v1/rules/{id}.
func enableRules(ctx context.Context, admin *session, base string, ids map[string]bool) error {
	var rules ruleList
	if err := admin.call(ctx, http.MethodGet, base+"/api/v1/rules", nil, http.StatusOK, &rules); err != nil {
		return err
	}
	for _, r := range rules.Data {
		if r.Enabled || !ids[r.ID] {
			continue
		}
		patch := map[string]any{"version": r.Version, "enabled": true}
		if err := admin.call(ctx, http.MethodPatch, base+"/api/v1/rules/"+r.ID, patch, http.StatusOK, nil); err != nil {
			return fmt.Errorf("enable %q: %w", r.Name, err)
		}
	}
	return nil
}

// createRuleStaff creates the teams and staff members of benchTeams and benchStaff (a user
// that exists already, from an earlier run on the same data, is looked up instead).
func createRuleStaff(ctx context.Context, admin *session, base string, r *rulesReport) (ruleIDs, error) {
	ids := ruleIDs{teams: map[string]string{}}
	for _, tm := range benchTeams {
		var out struct {
			Data models.Team `json:"data"`
		}
		err := admin.call(ctx, http.MethodPost, base+"/api/v1/teams",
			models.TeamCreate{Name: tm.name, Description: "Created by the bench for its escalation rules."}, http.StatusCreated, &out)
		if err != nil {
			return ids, fmt.Errorf("create team %s: %w", tm.name, err)
		}
		ids.teams[tm.key] = out.Data.ID
		r.teams++
	}
	for _, st := range benchStaff {
		req := models.UserCreate{Email: st.email, Name: st.name, Role: st.role, Password: benchStaffPassword}
		for _, k := range st.teams {
			req.TeamIDs = append(req.TeamIDs, ids.teams[k])
		}
		var out struct {
			Data models.User `json:"data"`
		}
		err := admin.call(ctx, http.MethodPost, base+"/api/v1/users", req, http.StatusCreated, &out)
		if se, ok := errors.AsType[*statusError](err); ok && se.status == http.StatusConflict {
			out.Data.ID, err = userID(ctx, admin, base, st.email)
		}
		if err != nil {
			return ids, fmt.Errorf("create %s: %w", st.email, err)
		}
		if st.role == models.RoleManager {
			ids.dutyManager = out.Data.ID
		}
		r.staff++
	}
	return ids, nil
}

// userID finds a staff member's id by e-mail.
func userID(ctx context.Context, admin *session, base, email string) (string, error) {
	var out struct {
		Data []models.User `json:"data"`
	}
	if err := admin.call(ctx, http.MethodGet, base+"/api/v1/users", nil, http.StatusOK, &out); err != nil {
		return "", err
	}
	for _, u := range out.Data {
		if strings.EqualFold(u.Email, email) {
			return u.ID, nil
		}
	}
	return "", fmt.Errorf("%s exists but is not listed", email)
}

// countFirings reads up to n of the cases (spread evenly over refs) through
// GET /api/v1/cases/{id} and counts the rule_fired entries on their timelines.
func countFirings(ctx context.Context, admin *session, base string, refs []string, n int) (sampled, withFiring, firings int, byRule map[string]int, err error) {
	byRule = map[string]int{}
	n = min(n, len(refs))
	for k := range n {
		var out struct {
			Data struct {
				Timeline []models.TimelineEvent `json:"timeline"`
			} `json:"data"`
		}
		id := refs[k*len(refs)/n]
		if err := admin.call(ctx, http.MethodGet, base+"/api/v1/cases/"+id, nil, http.StatusOK, &out); err != nil {
			return sampled, withFiring, firings, byRule, fmt.Errorf("read %s: %w", id, err)
		}
		sampled++
		fired := 0
		for _, e := range out.Data.Timeline {
			if e.Type == "rule_fired" {
				fired++
				byRule[e.Data["rule"]]++
			}
		}
		firings += fired
		if fired > 0 {
			withFiring++
		}
	}
	return sampled, withFiring, firings, byRule, nil
}

// waitIdle waits until the server process used less than a tenth of one CPU over a second (it
// has finished indexing, merging and sending what the last load left), or limit has passed;
// it says whether the server went idle. Linux only: elsewhere it returns at once.
func waitIdle(ctx context.Context, srv *child, limit time.Duration) (bool, error) {
	const window = time.Second
	deadline := time.Now().Add(limit)
	prev, err := srv.cpuTime()
	if err != nil {
		return true, nil // no /proc
	}
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(window):
		}
		cur, err := srv.cpuTime()
		if err != nil {
			return false, err
		}
		if cur-prev < window/10 {
			return true, nil
		}
		prev = cur
	}
	return false, nil
}

// cpuTime is the CPU time the child has used (user + system), from /proc/<pid>/stat.
func (c *child) cpuTime() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; the fields after its ")" are fixed:
	// utime and stime are fields 14 and 15, in clock ticks (USER_HZ, 100 on Linux).
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc stat: %.100s", s)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * (time.Second / 100), nil
}

// cpuMeter starts measuring the child's CPU time; the function it returns gives the time used
// since (0 where /proc is not there).
func (c *child) cpuMeter() func() time.Duration {
	start, err := c.cpuTime()
	return func() time.Duration {
		end, err2 := c.cpuTime()
		if err != nil || err2 != nil {
			return 0
		}
		return end - start
	}
}

// cpuPer is CPU time per operation, in milliseconds.
func cpuPer(cpu time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(cpu) / float64(time.Millisecond) / float64(n)
}

// print writes the intake with rules beside the intake without.
func (r *rulesReport) print(w io.Writer, without loadResult, withoutCPU time.Duration) {
	in := r.intake
	fmt.Fprintf(w, "%-30s HTTP %-35s | = %.0f%% of the rate without rules (target >= %.0f%%)\n",
		fmt.Sprintf("complaint intake, %d clients, %d rules", in.conc, r.enabled), in, 100*r.ratio(without), 100*targetRulesShare)
	idle := "idle"
	if !r.idle {
		idle = "STILL BUSY"
	}
	fmt.Fprintf(w, "  %d rules created through POST /api/v1/rules in %s (case_created; %d teams and %d staff for their actions); the server was %s %s later\n",
		r.created, secs(r.createDur), r.teams, r.staff, idle, secs(r.settled))
	if r.approvalRules > 0 {
		fmt.Fprintf(w, "  of them %d approval_requested rules (issue 13), with the resolution-option catalogue installed: target within 5%% of the rate without rules: %s\n",
			r.approvalRules, verdict(r.ratio(without) >= 0.95))
	}
	fmt.Fprintf(w, "  the load alternated in slices of %s without the rules (disabled) and with them (enabled), in the order A B B A B A A B, so both meet the same index growth\n",
		r.slice)
	fmt.Fprintf(w, "  slice rates without the rules %s/s, with them %s/s\n", rateList(r.sliceRates[0]), rateList(r.sliceRates[1]))
	fmt.Fprintf(w, "  %d complaints acknowledged (201) in %s; failed: %s\n", in.ok, secs(in.elapsed), in.errSummary())
	if r.intakeCPU > 0 && withoutCPU > 0 {
		with, wo := cpuPer(r.intakeCPU, in.ok), cpuPer(withoutCPU, without.ok)
		fmt.Fprintf(w, "  server CPU time per acknowledged complaint: %.2fms with rules, %.2fms without (%+.0f%%; the server used %.2f and %.2f CPUs)\n",
			with, wo, 100*(with/wo-1), r.intakeCPU.Seconds()/in.elapsed.Seconds(), withoutCPU.Seconds()/without.elapsed.Seconds())
	}
	fmt.Fprintf(w, "  rules fired on %d of %d cases read back (%.0f%%), %d firings (%.1f per case); without rules: %d of %d\n",
		r.withFiring, r.sampled, pct(r.withFiring, r.sampled), r.firings, ratio(r.firings, r.sampled), r.baseWithFiring, r.baseSampled)
	if len(r.byRule) > 0 {
		names := make([]string, 0, len(r.byRule))
		for name := range r.byRule {
			names = append(names, name)
		}
		slices.SortFunc(names, func(a, b string) int {
			if r.byRule[a] != r.byRule[b] {
				return r.byRule[b] - r.byRule[a]
			}
			return strings.Compare(a, b)
		})
		parts := make([]string, 0, 8)
		for _, name := range names[:min(8, len(names))] {
			parts = append(parts, fmt.Sprintf("%s x%d", name, r.byRule[name]))
		}
		fmt.Fprintf(w, "  %d of %d rules fired on them; most often: %s\n", len(r.byRule), r.created, strings.Join(parts, ", "))
	}
}

func pct(n, of int) float64 { return 100 * ratio(n, of) }

// rateList formats rates as "512 498 530".
func rateList(rates []float64) string {
	parts := make([]string, len(rates))
	for i, r := range rates {
		parts[i] = fmt.Sprintf("%.0f", r)
	}
	return strings.Join(parts, " ")
}

func ratio(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}
