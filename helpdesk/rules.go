package helpdesk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// rulesStore is what Rules needs of the store: rules, notifications, the users they tell, SLA
// policies and timers.
type rulesStore interface {
	DeleteNotification(ctx context.Context, id string) error
	DeleteRule(ctx context.Context, id string) error
	GetCase(ctx context.Context, id string) (*models.Case, error)
	GetRule(ctx context.Context, id string) (*escalation.Rule, error)
	InsertNotification(ctx context.Context, n *models.Notification) error
	InsertRule(ctx context.Context, r *escalation.Rule) error
	InsertSetting(ctx context.Context, id string) error
	ListRules(ctx context.Context) ([]escalation.Rule, error)
	MarkNotificationRead(ctx context.Context, userID, id string, at time.Time) error
	NextSequence(ctx context.Context, name string) (int64, error)
	Notifications(ctx context.Context, userID string) ([]models.Notification, error)
	SetSLATimers(ctx context.Context, due map[string]time.Time) error
	UpdateRule(ctx context.Context, r *escalation.Rule) error
	UsersSnapshot(ctx context.Context) ([]models.User, error)
}

// Rules keeps the escalation rules, runs them inside each case write (so what they change is
// stored with the change that triggered them) and works out what their side effects are; the
// case write carries them out (Cases.afterWrite).
type Rules struct {
	store  rulesStore
	index  search.Index
	mailer *mail.Mailer
	events *Events
	logger *slog.Logger
	now    Clock
	// webhooks queues the deliveries of webhook actions (set by New); nil: not wired.
	webhooks WebhookQueue
	// baseURL is the public address the staff mails link cases under (SetBaseURL).
	baseURL string

	compiledMu   sync.Mutex
	compiled     *escalation.RuleSet
	compiledFrom []ruleStamp
	regexes      *escalation.RegexCache // across compilations of the rules
}

// ruleStamp identifies a stored rule's content: a rule changes only with a new version.
type ruleStamp struct {
	id      string
	version int64
}

// ruleSet compiles the rules (regular expressions and all) only when they changed.
func (r *Rules) ruleSet(rules []escalation.Rule) *escalation.RuleSet {
	stamps := make([]ruleStamp, len(rules))
	for i, rule := range rules {
		stamps[i] = ruleStamp{rule.ID, rule.Version}
	}
	r.compiledMu.Lock()
	defer r.compiledMu.Unlock()
	if r.compiled == nil || !slices.Equal(stamps, r.compiledFrom) {
		r.compiled, r.compiledFrom = escalation.CompileRules(rules, r.regexes), stamps
	}
	return r.compiled
}

// NewRules wires escalation rules.
func NewRules(st rulesStore, idx search.Index, m *mail.Mailer, events *Events, logger *slog.Logger, now Clock) *Rules {
	return &Rules{store: st, index: idx, mailer: m, events: events, logger: logger, now: now, regexes: escalation.NewRegexCache()}
}

const rulesSeededID = "rules_seeded"

// EnsureDefaultRules installs the shipped rules once per database; deleting them later is
// respected (the marker stays).
func (r *Rules) EnsureDefaultRules(ctx context.Context) error {
	if err := r.seedRules(ctx, rulesSeededID, escalation.DefaultRules()); err != nil {
		return err
	}
	return r.seedRules(ctx, reviewRulesSeededID, escalation.DefaultReviewRules())
}

// reviewRulesSeededID marks the review rules installed (they came after the first defaults).
const reviewRulesSeededID = "review_rules_seeded"

// seedRules installs rules once per database, under the marker setting.
func (r *Rules) seedRules(ctx context.Context, marker string, rules []escalation.Rule) error {
	err := r.store.InsertSetting(ctx, marker)
	if store.IsDuplicate(err) {
		return nil
	}
	if err != nil {
		return err
	}
	now := r.now()
	for _, rule := range rules {
		rule.CreatedAt, rule.UpdatedAt, rule.Version = now, now, 1
		if err := r.store.InsertRule(ctx, &rule); err != nil && !store.IsDuplicate(err) {
			return err
		}
	}
	return nil
}

// customerCounts counts a customer's cases created in the last days from the index; extra adds
// cases the index cannot know yet (the one being created). The first question asks the index
// for every window in windows at once (the rules' repeat_complainant windows).
func (r *Rules) customerCounts(ctx context.Context, email string, now time.Time, extra int, windows []int) func(days int) int {
	if email == "" {
		// No e-mail (an online review): the customer cannot be recognised, and all such
		// cases are no one customer's.
		return func(int) int { return extra }
	}
	counted := map[int]int{}
	return func(days int) int {
		if _, ok := counted[days]; !ok {
			ask := windows
			if !slices.Contains(ask, days) {
				ask = append(slices.Clip(ask), days)
			}
			since := make([]time.Time, len(ask))
			for i, d := range ask {
				since[i] = now.AddDate(0, 0, -d)
			}
			counts, err := r.index.CountSince(ctx, search.Query{
				Filters: []search.Filter{{Field: search.FieldCustomerEmail, Values: []string{email}}},
			}, search.FieldCreatedAt, since)
			if err != nil {
				r.logger.Warn("repeat-complainant count", "err", err)
				counts = make([]int, len(ask))
			}
			for i, d := range ask {
				counted[d] = counts[i]
			}
		}
		return counted[days] + extra
	}
}

// ruleRun is one evaluation asked for by a case write.
type ruleRun struct {
	trigger escalation.TriggerType
	changed []string
	slaKind models.SLAKind
	remedy  *escalation.RemedyFacts // approval_requested: the grant asked for
	isNew   bool
	idle    time.Duration // no_agent_activity: the business time without agent activity
	done    []string      // no_agent_activity: rules already evaluated in this idle period
}

// run evaluates the rules for the trigger on c (changing it in place) and returns the side
// effects to carry out once the case is stored.
func (r *Rules) run(ctx context.Context, c *models.Case, rules []escalation.Rule, rr ruleRun) ([]escalation.RuleEffect, error) {
	if len(rules) == 0 {
		return nil, nil
	}
	now := r.now()
	extra := 0
	if rr.isNew {
		extra = 1
	}
	set := r.ruleSet(rules)
	res := set.Evaluate(rr.trigger, escalation.RuleInput{
		Case: c, Now: now, Changed: rr.changed, SLAKind: rr.slaKind, Remedy: rr.remedy, Idle: rr.idle, AlreadyFired: rr.done,
		CustomerCaseCounts: r.customerCounts(ctx, c.Customer.Email, now, extra, set.RepeatWindows()),
	})
	if len(res.Fired) > 0 {
		c.UpdatedAt = now
	}
	// Round robin is carried out here, in the same write: a second write of a new case would
	// cost as much again as filing it.
	effects := res.Effects[:0:0]
	for _, e := range res.Effects {
		if e.Kind != escalation.EffectRoundRobin {
			effects = append(effects, e)
			continue
		}
		if err := r.assignInTurn(ctx, c, e, now); err != nil {
			r.logger.Warn("rule effect", "rule", e.RuleName, "kind", e.Kind, "case", c.ID, "err", err)
		}
	}
	return effects, nil
}

// aftermath is what a case write's rule firings leave to do once the case is stored: the
// notices of the notify effects (worked out up front, so a new case can store its in-app
// notifications in the round that stores the case) and the other effects, in rule order.
type aftermath struct {
	rules     *Rules
	caseID    string
	notes     []*notice
	others    []escalation.RuleEffect
	storeDone bool
	stored    []*notice // the notes whose in-app notification is stored
}

// aftermathOf sorts the effects of rules that fired on c; nil when there are none.
func (r *Rules) aftermathOf(ctx context.Context, c *models.Case, effects []escalation.RuleEffect) *aftermath {
	if r == nil || len(effects) == 0 {
		return nil
	}
	am := &aftermath{rules: r, caseID: c.ID}
	for _, e := range effects {
		if e.Kind != escalation.EffectNotify {
			am.others = append(am.others, e)
			continue
		}
		n, err := r.noticeFor(ctx, c, e)
		if err != nil {
			r.logger.Warn("rule effect", "rule", e.RuleName, "kind", e.Kind, "case", c.ID, "err", err)
			continue
		}
		am.notes = append(am.notes, n)
	}
	return am
}

// storeNotifications stores the in-app notifications, together, once. One that fails is
// logged and nobody is told of it: the case change itself stands.
func (am *aftermath) storeNotifications(ctx context.Context) {
	if am == nil || am.storeDone {
		return
	}
	am.storeDone = true
	var saves []func() error
	var pending []*notice
	for _, n := range am.notes {
		if n.inApp != nil {
			saves = append(saves, func() error { return am.rules.store.InsertNotification(ctx, n.inApp) })
			pending = append(pending, n)
		}
	}
	for i, err := range inOneRound(saves...) {
		if err != nil {
			am.rules.logger.Warn("rule notification", "rule", pending[i].rule, "case", am.caseID, "err", err)
			continue
		}
		am.stored = append(am.stored, pending[i])
	}
}

// discard deletes the notifications stored alongside a case that then was not stored.
func (am *aftermath) discard(ctx context.Context) {
	if am == nil {
		return
	}
	for _, n := range am.stored {
		if err := am.rules.store.DeleteNotification(ctx, n.inApp.ID); err != nil {
			am.rules.logger.Warn("rule notification of a case not stored", "case", am.caseID, "err", err)
		}
	}
	am.stored, am.storeDone = nil, false
}

// rewrites are the effects that write the case again (an SLA policy), in rule order.
func (am *aftermath) rewrites() []escalation.RuleEffect {
	if am == nil {
		return nil
	}
	var out []escalation.RuleEffect
	for _, e := range am.others {
		if e.Kind == escalation.EffectApplySLAPolicy {
			out = append(out, e)
		}
	}
	return out
}

// tellings are the steps that tell of the stored case c, for the round that tells: webhook
// deliveries, the notices' mails and the live events of the stored in-app notifications.
// Failures are logged.
func (am *aftermath) tellings(ctx context.Context, c *models.Case) []func() error {
	if am == nil {
		return nil
	}
	r := am.rules
	var tell []func() error
	for _, e := range am.others {
		if e.Kind == escalation.EffectWebhook {
			tell = append(tell, func() error { return r.enqueueWebhook(ctx, c, e) })
		}
	}
	for _, n := range am.notes {
		for _, m := range n.mails {
			tell = append(tell, func() error {
				if err := r.mailer.Enqueue(ctx, m); err != nil {
					r.logger.Warn("rule notification mail", "rule", n.rule, "case", c.ID, "err", err)
				}
				return nil
			})
		}
	}
	for _, n := range am.stored {
		tell = append(tell, func() error {
			// Only the bells of the users told reload.
			r.events.Publish(ctx, EventNotification, c.ID, map[string]any{"rule": n.rule, "users": n.inApp.UserIDs})
			return nil
		})
	}
	return tell
}

// enqueueWebhook queues the delivery a webhook effect asks for; a failure is logged.
func (r *Rules) enqueueWebhook(ctx context.Context, c *models.Case, e escalation.RuleEffect) error {
	err := errors.New("outbound webhooks are not available")
	if r.webhooks != nil {
		err = r.webhooks.EnqueueRule(ctx, e.EndpointID, e.RuleID, e.RuleName, c)
	}
	if err != nil {
		r.logger.Warn("rule effect", "rule", e.RuleName, "kind", e.Kind, "case", c.ID, "err", err)
	}
	return err
}

// notice is what a notify effect sends: one in-app notification for all its recipients there
// (nil if none) and the mails.
type notice struct {
	rule  string
	inApp *models.Notification
	mails []mail.Message
}

// noticeFor works out the rule's message to its recipients in the app and, if asked, by e-mail.
func (r *Rules) noticeFor(ctx context.Context, c *models.Case, e escalation.RuleEffect) (*notice, error) {
	users, err := r.store.UsersSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	title := fmt.Sprintf("%s: %s", c.ID, e.RuleName)
	message := e.Message
	if message == "" {
		message = c.Subject
	}
	n := &notice{rule: e.RuleName}
	var inApp []string
	for _, u := range users {
		if !u.Active {
			continue
		}
		inTeam := false
		for _, t := range e.TeamIDs {
			inTeam = inTeam || slices.Contains(u.TeamIDs, t)
		}
		if !slices.Contains(e.UserIDs, u.ID) && !inTeam && (e.MinRole == "" || !u.Role.AtLeast(e.MinRole)) {
			continue
		}
		if e.InApp {
			inApp = append(inApp, u.ID)
		}
		if e.Email {
			n.mails = append(n.mails, mail.Message{To: u.Email, ToName: u.Name, Subject: title, Kind: mail.KindNotification, CaseID: c.ID,
				Text: fmt.Sprintf("%s\n\n%s\n\nCase %s: %s\n%s\n", e.RuleName, message, c.ID, c.Subject, r.caseURL(c.ID))})
		}
	}
	if len(inApp) > 0 {
		n.inApp = &models.Notification{ID: newID(), UserIDs: inApp, CaseID: c.ID, Title: title, Message: message, CreatedAt: r.now()}
	}
	return n, nil
}

// SetBaseURL sets the public address (KAIKU_BASE_URL) under which staff mails link cases.
func (r *Rules) SetBaseURL(u string) { r.baseURL = strings.TrimRight(u, "/") }

// caseURL is the staff page of a case: every mail to staff leads straight to it.
func (r *Rules) caseURL(id string) string {
	return r.baseURL + "/cases/" + url.PathEscape(id)
}

// assignInTurn assigns the case to the next active agent of the team, in a fixed order, with
// the turn kept in a database counter so every replica takes the same turns. It runs inside
// the case write; a write that is retried (a concurrent change) takes another turn, which
// only skips one.
func (r *Rules) assignInTurn(ctx context.Context, c *models.Case, e escalation.RuleEffect, now time.Time) error {
	users, err := r.store.UsersSnapshot(ctx)
	if err != nil {
		return err
	}
	var members []models.User
	for _, u := range users {
		if u.Active && slices.Contains(u.TeamIDs, e.TeamID) {
			members = append(members, u)
		}
	}
	if len(members) == 0 {
		return fmt.Errorf("team %s has no active members", e.TeamID)
	}
	slices.SortFunc(members, func(a, b models.User) int { return strings.Compare(a.ID, b.ID) })
	n, err := r.store.NextSequence(ctx, "round-robin:"+e.TeamID)
	if err != nil {
		return err
	}
	c.AssignInTurn(e.RuleID, members[int((n-1)%int64(len(members)))].ID, now)
	return nil
}

// List returns the rules in evaluation order; every staff member may read them.
func (r *Rules) List(ctx context.Context, p *Principal) ([]escalation.Rule, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	rules, err := r.store.ListRules(ctx)
	if err != nil {
		return nil, err
	}
	// The order the engine runs them in: position, name, ID.
	slices.SortStableFunc(rules, func(a, b escalation.Rule) int {
		if a.Position != b.Position {
			return a.Position - b.Position
		}
		if a.Name != b.Name {
			return strings.Compare(a.Name, b.Name)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return rules, nil
}

// Create adds a rule (managers and admins); a bad rule is refused with field errors here,
// never at run time.
func (r *Rules) Create(ctx context.Context, p *Principal, req escalation.RuleCreate) (*escalation.Rule, error) {
	if err := p.Require(models.RoleManager); err != nil {
		return nil, err
	}
	rule, err := escalation.NewRule(newID(), req, r.now())
	if err != nil {
		return nil, err
	}
	if err := r.store.InsertRule(ctx, rule); err != nil {
		return nil, err
	}
	if idleMinutes(rule) > 0 {
		r.rescheduleIdle(ctx)
	}
	return rule, nil
}

// idleMinutes is the idle time of an enabled no_agent_activity rule, else 0.
func idleMinutes(r *escalation.Rule) int {
	if r == nil || !r.Enabled || r.Trigger.Type != escalation.TriggerNoAgentActivity {
		return 0
	}
	return r.Trigger.IdleMinutes
}

// idleReschedulePerMinute is how many cases a new idle rule sends to each of the next minutes'
// sweeps, so existing cases are looked at without one very long sweep.
const idleReschedulePerMinute = 300

// rescheduleIdle is for a new idle rule or a changed idle time: cases written before it only
// have timers for what they knew then, so every case that needs an agent is put on the timer
// list, a few hundred per minute, and the sweep files each at its real next timer (or fires the
// rule for cases idle long enough already). Best effort: a case the index cannot list now gets
// its timer at its next write.
func (r *Rules) rescheduleIdle(ctx context.Context) {
	now := r.now()
	q := search.Query{
		Filters: []search.Filter{{Field: search.FieldStatus, Values: []string{string(models.StatusNew), string(models.StatusOpen)}}},
		Sort:    []search.Sort{{Field: search.FieldCreatedAt}}, Limit: idleReschedulePerMinute,
	}
	for minute := 0; ; minute++ {
		res, err := r.index.Search(ctx, q)
		if err == nil && len(res.Hits) > 0 {
			at, due := now.Add(time.Duration(minute)*time.Minute), map[string]time.Time{}
			for _, h := range res.Hits {
				due[h.Doc.ID] = at
			}
			err = r.store.SetSLATimers(ctx, due)
		}
		if err != nil {
			if r.logger != nil {
				r.logger.Warn("idle rule: reschedule open cases", "err", err)
			}
			return
		}
		if res.NextCursor == "" {
			return
		}
		q.Cursor = res.NextCursor
	}
}

// Patch changes a rule (managers and admins).
func (r *Rules) Patch(ctx context.Context, p *Principal, id string, req escalation.RulePatch) (*escalation.Rule, error) {
	if err := p.Require(models.RoleManager); err != nil {
		return nil, err
	}
	rule, err := r.store.GetRule(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "rule")
	}
	if rule.Version != req.Version {
		return nil, models.Conflict("version_conflict", "the rule was changed by someone else; reload and try again")
	}
	idleBefore := idleMinutes(rule)
	if err := rule.ApplyPatch(req, r.now()); err != nil {
		return nil, err
	}
	rule.Version++
	if err := r.store.UpdateRule(ctx, rule); err != nil {
		if errors.Is(err, store.ErrVersionMismatch) {
			return nil, models.Conflict("version_conflict", "the rule was changed by someone else; reload and try again")
		}
		return nil, err
	}
	// A later idle time, or none, needs nothing: early timers are re-filed when they come due.
	if after := idleMinutes(rule); after > 0 && (idleBefore == 0 || after < idleBefore) {
		r.rescheduleIdle(ctx)
	}
	return rule, nil
}

// Delete removes a rule (managers and admins).
func (r *Rules) Delete(ctx context.Context, p *Principal, id string) error {
	if err := p.Require(models.RoleManager); err != nil {
		return err
	}
	return notFoundAs(r.store.DeleteRule(ctx, id), "rule")
}

// Preview shows which of the most recently updated open cases a rule would match now, before
// it is saved. It reads at most 200 cases, by ID.
func (r *Rules) Preview(ctx context.Context, p *Principal, req escalation.RuleCreate) ([]escalation.PreviewMatch, error) {
	if err := p.Require(models.RoleManager); err != nil {
		return nil, err
	}
	rule, err := escalation.NewRule("preview", req, r.now())
	if err != nil {
		return nil, err
	}
	res, err := r.index.Search(ctx, search.Query{
		Filters: []search.Filter{{Field: search.FieldStatus, Values: statusStrings(models.OpenStatuses)}},
		Sort:    []search.Sort{{Field: search.FieldUpdatedAt, Desc: true}}, Limit: 200,
	})
	if err != nil {
		return nil, models.Unavailable("search is not available right now", err)
	}
	cases := make([]*models.Case, 0, len(res.Hits))
	for _, h := range res.Hits {
		c, err := r.store.GetCase(ctx, h.Doc.ID)
		if err == nil {
			cases = append(cases, c)
		}
	}
	now := r.now()
	return escalation.PreviewRule(*rule, cases, func(email string, days int) int {
		return r.customerCounts(ctx, email, now, 0, nil)(days)
	}, now), nil
}

// Notifications returns the principal's notifications.
func (r *Rules) Notifications(ctx context.Context, p *Principal) ([]models.Notification, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	return r.store.Notifications(ctx, p.User.ID)
}

// MarkRead marks one of the principal's notifications read.
func (r *Rules) MarkRead(ctx context.Context, p *Principal, id string) error {
	if err := p.Require(models.RoleAgent); err != nil {
		return err
	}
	return notFoundAs(r.store.MarkNotificationRead(ctx, p.User.ID, id, r.now()), "notification")
}
