package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/remedies"
)

// station is how well a touchpoint's complaints go: how soon they are answered and worked,
// how often the fix fails or the customer comes back. The demo gives each touchpoint its own,
// so the journey view has a weak station to find (the phone line, and deliveries).
type station struct {
	firstReply [2]time.Duration // range of the first answer's delay
	work       [2]time.Duration // range from the first answer to the resolution
	reopen     float64          // the customer writes again after the resolution
	fail       float64          // the follow-up says the fix did not hold
	silent     float64          // nobody answers the follow-up
	happy      [2]int           // rating range when the fix held
}

var stations = map[string]station{
	"web_shop":     {[2]time.Duration{20 * time.Minute, 5 * time.Hour}, [2]time.Duration{2 * time.Hour, 30 * time.Hour}, 0.05, 0.08, 0.20, [2]int{4, 5}},
	"store":        {[2]time.Duration{30 * time.Minute, 6 * time.Hour}, [2]time.Duration{3 * time.Hour, 40 * time.Hour}, 0.06, 0.10, 0.20, [2]int{4, 5}},
	"email":        {[2]time.Duration{2 * time.Hour, 20 * time.Hour}, [2]time.Duration{10 * time.Hour, 70 * time.Hour}, 0.10, 0.15, 0.25, [2]int{3, 5}},
	"app":          {[2]time.Duration{1 * time.Hour, 12 * time.Hour}, [2]time.Duration{6 * time.Hour, 60 * time.Hour}, 0.12, 0.18, 0.25, [2]int{3, 5}},
	"phone":        {[2]time.Duration{6 * time.Hour, 50 * time.Hour}, [2]time.Duration{24 * time.Hour, 150 * time.Hour}, 0.25, 0.35, 0.25, [2]int{2, 4}},
	"delivery":     {[2]time.Duration{4 * time.Hour, 30 * time.Hour}, [2]time.Duration{20 * time.Hour, 120 * time.Hour}, 0.18, 0.28, 0.20, [2]int{2, 5}},
	"social_media": {[2]time.Duration{30 * time.Minute, 8 * time.Hour}, [2]time.Duration{4 * time.Hour, 48 * time.Hour}, 0.08, 0.12, 0.30, [2]int{3, 5}},
	"other":        {[2]time.Duration{2 * time.Hour, 24 * time.Hour}, [2]time.Duration{8 * time.Hour, 72 * time.Hour}, 0.10, 0.15, 0.25, [2]int{3, 5}},
}

// complaintTouchpoint is where a CFPB complaint's trouble happened, read from its issue and
// text (the data has no touchpoint of its own).
func complaintTouchpoint(c Complaint) string {
	issue, text := strings.ToLower(c.Issue), strings.ToLower(c.Narrative)
	has := func(s string, words ...string) bool {
		for _, w := range words {
			if strings.Contains(s, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has(text, "never received", "did not receive", "didn't receive", "in the mail", "mailed"):
		return "delivery"
	case has(issue, "communication tactics", "threatened", "attempts to collect", "false statements", "fraud alerts"):
		return "phone"
	case has(issue, "written notification", "investigation"):
		return "email"
	case has(issue, "advertising", "marketing"):
		return "social_media"
	case has(issue, "payment", "managing an account", "closing", "opening an account", "funds", "transaction", "fees"):
		return "app"
	case has(issue, "purchase shown", "using your card", "mortgage", "lender", "getting", "loan"):
		return "store"
	case has(issue, "incorrect information", "credit report", "improper use", "monitoring"):
		return "web_shop"
	}
	return "other"
}

// expectedOutcome is what the customer most likely asks for.
func expectedOutcome(c Complaint) string {
	issue := strings.ToLower(c.Issue)
	switch {
	case strings.Contains(issue, "fee"), strings.Contains(issue, "charg"), strings.Contains(issue, "purchase"), strings.Contains(issue, "payment"):
		return "refund"
	case strings.Contains(issue, "card"):
		return "replacement"
	case strings.Contains(issue, "incorrect"), strings.Contains(issue, "investigation"):
		return "repair"
	case strings.Contains(issue, "debt"), strings.Contains(issue, "tactics"), strings.Contains(issue, "threatened"):
		return "apology"
	}
	return "explanation"
}

var firstNames = []string{"Maria", "James", "Linda", "Robert", "Patricia", "Michael", "Jennifer", "David", "Elizabeth",
	"William", "Susan", "Carlos", "Aisha", "Kevin", "Nancy", "Daniel", "Karen", "Thomas", "Lisa", "Anthony", "Grace",
	"Mohammed", "Sandra", "Brian", "Ashley", "Jorge", "Emily", "Tyrone", "Mei", "Olga"}
var lastNames = []string{"Johnson", "Garcia", "Smith", "Williams", "Brown", "Martinez", "Davis", "Lopez", "Wilson",
	"Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Lee", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young",
	"Nguyen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill"}

// complaintCase is one complaint's life as it unfolds.
type complaintCase struct {
	data      Complaint
	id, token string
	st        station
	outcome   string
	agent     *helpdesk.Principal
	teamID    string
	reopened  bool // the customer came back once already
	failed    bool // a follow-up said the fix did not hold once already
	firstName string
}

// planComplaints spreads the complaints over the days, a little more on weekdays.
func (r *runner) planComplaints(data []Complaint) {
	span := r.end.Sub(r.start)
	var earlier []models.ComplaintCreate
	for i, c := range data {
		// Even spread plus noise, so every week has its share and each day differs.
		t := r.start.Add(time.Duration(float64(span) * (float64(i) + r.rnd.Float64()) / float64(len(data))))
		if wd := t.Weekday(); (wd == time.Saturday || wd == time.Sunday) && r.chance(0.5) {
			t = t.Add(48 * time.Hour)
		}
		t = time.Date(t.Year(), t.Month(), t.Day(), 7+r.rnd.IntN(15), r.rnd.IntN(60), r.rnd.IntN(60), 0, time.UTC)
		cc := &complaintCase{data: c, outcome: expectedOutcome(c)}
		tp := complaintTouchpoint(c)
		cc.st = stations[tp]
		first, last := pick(r.rnd, firstNames), pick(r.rnd, lastNames)
		req := models.ComplaintCreate{
			Name: first + " " + last, Email: fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(first), strings.ToLower(last), i),
			Category: categoryOf(c.Product), Touchpoint: tp, Topic: topic(c), Description: c.Narrative,
			ExpectedOutcome: cc.outcome, Locale: "en",
		}
		if len(earlier) > 0 && r.chance(0.08) { // a returning customer
			prev := earlier[r.rnd.IntN(len(earlier))]
			req.Name, req.Email = prev.Name, prev.Email
			first, _, _ = strings.Cut(prev.Name, " ")
		}
		earlier = append(earlier, req)
		cc.firstName = first
		ip := fmt.Sprintf("198.51.100.%d", i%250+1) // documentation addresses (RFC 5737)
		r.at(t, cc.data.ID, func(ctx context.Context, w *worker) error { return r.file(ctx, w, cc, req, ip) })
	}
}

// topic is the complaint's "What is it about?": its CFPB issue, or the sub-issue's product.
func topic(c Complaint) string {
	t := c.Issue
	if len([]rune(t)) > 110 {
		t = string([]rune(t)[:110])
	}
	return t
}

func (r *runner) file(ctx context.Context, w *worker, cc *complaintCase, req models.ComplaintCreate, ip string) error {
	receipt, err := w.hd.Intake.Submit(ctx, req, nil, "", ip)
	if err != nil {
		return fmt.Errorf("file complaint %s: %w", cc.data.ID, err)
	}
	r.count(&r.sum.Complaints)
	cc.id, cc.token = receipt.Reference, receipt.TrackingToken
	team := teamOf(req.Category)
	cc.agent, cc.teamID = pick(w.rnd, r.agents[team]), r.teams[team].ID
	now := w.clock.Now()
	// Most are claimed within hours; a few wait for the morning.
	r.at(workingTime(now.Add(w.between(5*time.Minute, 3*time.Hour))), cc.data.ID, func(ctx context.Context, w *worker) error { return r.claim(ctx, w, cc) })
	return nil
}

func (r *runner) claim(ctx context.Context, w *worker, cc *complaintCase) error {
	c, err := w.hd.Cases.Get(ctx, cc.agent, cc.id)
	if err != nil {
		return err
	}
	if _, err := w.hd.Cases.Patch(ctx, cc.agent, cc.id, models.CasePatch{Version: c.Version,
		AssigneeID: &cc.agent.User.ID, TeamID: &cc.teamID}); err != nil {
		return fmt.Errorf("claim %s: %w", cc.id, err)
	}
	now := w.clock.Now()
	r.at(workingTime(now.Add(w.between(cc.st.firstReply[0], cc.st.firstReply[1]))), cc.data.ID, func(ctx context.Context, w *worker) error { return r.firstReply(ctx, w, cc) })
	return nil
}

func (r *runner) reply(ctx context.Context, w *worker, cc *complaintCase, body string, status models.Status) (*models.Case, error) {
	req := models.MessageCreate{Kind: "reply", Body: body}
	if status != "" {
		req.Status = &status
	}
	c, err := w.hd.Conversation.AddMessage(ctx, cc.agent, cc.id, req, nil)
	if err != nil {
		return nil, fmt.Errorf("reply on %s: %w", cc.id, err)
	}
	r.count(&r.sum.Replies)
	return c, nil
}

func (r *runner) firstReply(ctx context.Context, w *worker, cc *complaintCase) error {
	now := w.clock.Now()
	if w.chance(0.35) { // the agent needs something from the customer first
		if _, err := r.reply(ctx, w, cc, fmt.Sprintf(askTexts[w.rnd.IntN(len(askTexts))], cc.firstName, cc.agent.User.Name), models.StatusWaiting); err != nil {
			return err
		}
		r.at(now.Add(w.between(2*time.Hour, 40*time.Hour)), cc.data.ID, func(ctx context.Context, w *worker) error { return r.customerAnswers(ctx, w, cc) })
		return nil
	}
	if _, err := r.reply(ctx, w, cc, fmt.Sprintf(ackTexts[w.rnd.IntN(len(ackTexts))], cc.firstName, cc.agent.User.Name), models.StatusOpen); err != nil {
		return err
	}
	r.at(workingTime(now.Add(w.between(cc.st.work[0], cc.st.work[1]))), cc.data.ID, func(ctx context.Context, w *worker) error { return r.settle(ctx, w, cc) })
	return nil
}

func (r *runner) customerAnswers(ctx context.Context, w *worker, cc *complaintCase) error {
	body := pick(w.rnd, customerAnswers)
	if _, err := w.hd.Intake.Reply(ctx, helpdesk.TokenAccess(cc.token), models.CustomerMessageCreate{Body: body}, nil); err != nil {
		return fmt.Errorf("customer answers on %s: %w", cc.id, err)
	}
	now := w.clock.Now()
	r.at(workingTime(now.Add(w.between(cc.st.work[0], cc.st.work[1]))), cc.data.ID, func(ctx context.Context, w *worker) error { return r.settle(ctx, w, cc) })
	return nil
}

// remedyFor is the resolution option (and amount, in cents) the agent grants for an
// outcome, or "" for none.
func (w *worker) remedyFor(outcome string) (string, int64) {
	cents := func(lo, hi int) int64 { return int64(lo+w.rnd.IntN(hi-lo)) * 100 }
	switch outcome {
	case "refund":
		if w.chance(0.25) {
			return "full_refund", cents(40, 400)
		}
		return "partial_refund", cents(10, 120)
	case "replacement":
		return "replacement", 0
	case "repair":
		if w.chance(0.5) {
			return "repair", 0
		}
		return "goodwill", cents(10, 60)
	case "apology":
		return "apology", 0
	}
	if w.chance(0.3) {
		return "voucher", cents(15, 50)
	}
	return "", 0
}

// settle grants a remedy when the case calls for one (an approval first when it is over the
// agent's limit), then resolves.
func (r *runner) settle(ctx context.Context, w *worker, cc *complaintCase) error {
	option, amount := w.remedyFor(cc.outcome)
	now := w.clock.Now()
	if option == "" || !w.chance(0.7) {
		r.at(now.Add(w.between(2*time.Minute, 20*time.Minute)), cc.data.ID, func(ctx context.Context, w *worker) error { return r.resolve(ctx, w, cc) })
		return nil
	}
	req := remedies.GrantRequest{OptionID: option, Message: "Granted after looking into the complaint."}
	if amount > 0 {
		req.AmountMinor = &amount
	}
	out, err := w.hd.Remedies.Grant(ctx, cc.agent.User, cc.id, req)
	if err != nil {
		return fmt.Errorf("grant on %s: %w", cc.id, err)
	}
	if out.Approval == nil {
		r.count(&r.sum.Grants)
		r.at(now.Add(w.between(2*time.Minute, 20*time.Minute)), cc.data.ID, func(ctx context.Context, w *worker) error { return r.resolve(ctx, w, cc) })
		return nil
	}
	r.count(&r.sum.Approvals)
	approval := out.Approval
	r.at(workingTime(now.Add(w.between(40*time.Minute, 20*time.Hour))), cc.data.ID, func(ctx context.Context, w *worker) error {
		manager := pick(w.rnd, r.managers)
		action := remedies.DecideApprove
		if w.chance(0.15) {
			action = remedies.DecideReject
		}
		a, err := w.hd.Remedies.Approval(ctx, manager.User, approval.ID)
		if err != nil {
			return err
		}
		if _, _, err := w.hd.Remedies.Decide(ctx, manager.User, approval.ID, remedies.DecisionRequest{Action: action,
			Comment: "Looked at the case.", Version: a.Version}); err != nil {
			return fmt.Errorf("decide on %s: %w", cc.id, err)
		}
		if action == remedies.DecideApprove {
			r.count(&r.sum.Grants)
		}
		next := w.clock.Now()
		r.at(workingTime(next.Add(w.between(10*time.Minute, 3*time.Hour))), cc.data.ID, func(ctx context.Context, w *worker) error { return r.resolve(ctx, w, cc) })
		return nil
	})
	return nil
}

// resolve answers with the decision and resolves; what the customer does next is drawn here.
func (r *runner) resolve(ctx context.Context, w *worker, cc *complaintCase) error {
	resolved, err := r.reply(ctx, w, cc, fmt.Sprintf(resolveTexts[w.rnd.IntN(len(resolveTexts))], cc.firstName, cc.agent.User.Name), models.StatusResolved)
	if err != nil {
		return err
	}
	r.count(&r.sum.Resolved)
	now := w.clock.Now()
	if !cc.reopened && !cc.failed && w.chance(cc.st.reopen) {
		cc.reopened = true
		r.at(now.Add(w.between(10*time.Hour, 5*24*time.Hour)), cc.data.ID, func(ctx context.Context, w *worker) error {
			if _, err := w.hd.Intake.Reply(ctx, helpdesk.TokenAccess(cc.token), models.CustomerMessageCreate{Body: pick(w.rnd, comebackTexts)}, nil); err != nil {
				return fmt.Errorf("customer comes back on %s: %w", cc.id, err)
			}
			r.count(&r.sum.Reopened)
			next := w.clock.Now()
			r.at(workingTime(next.Add(w.between(cc.st.firstReply[0], cc.st.firstReply[1]+cc.st.work[0]))), cc.data.ID, func(ctx context.Context, w *worker) error { return r.resolve(ctx, w, cc) })
			return nil
		})
		return nil
	}
	// The follow-up check is asked when the resolved case says, at the next sweep: after the
	// remedy's own delay (7 to 30 days in the catalogue) or the installation's (a week by
	// default). The customer answers within days of being asked, or not at all; never before
	// (an answer drawn a week on, whatever the delay, came before a check due in 30 days).
	fail, silent := cc.st.fail, cc.st.silent
	if cc.failed {
		fail = 0.15
	}
	askAt := now.Add(7 * 24 * time.Hour)
	if resolved.FollowUpCheck != nil {
		askAt = resolved.FollowUpCheck.AskAt
	}
	answerAt := askAt.Add(SweepEvery + w.between(time.Hour, 4*24*time.Hour))
	switch x := w.rnd.Float64(); {
	case x < silent:
		return nil // the scheduler closes it as "no response" two weeks after asking
	case x < silent+fail:
		r.at(answerAt, cc.data.ID, func(ctx context.Context, w *worker) error { return r.followUp(ctx, w, cc, false, 1+w.rnd.IntN(2)) })
	default:
		lo, hi := cc.st.happy[0], cc.st.happy[1]
		r.at(answerAt, cc.data.ID, func(ctx context.Context, w *worker) error {
			return r.followUp(ctx, w, cc, true, lo+w.rnd.IntN(hi-lo+1))
		})
	}
	return nil
}

// followUp is the customer's answer to "did this solve it?"; a "no" sends the case back to
// its agent, who works it again.
func (r *runner) followUp(ctx context.Context, w *worker, cc *complaintCase, held bool, rating int) error {
	comment := ""
	if held && w.chance(0.4) {
		comment = pick(w.rnd, heldComments)
	} else if !held {
		comment = pick(w.rnd, failedComments)
	}
	if _, err := w.hd.Intake.FollowUp(ctx, helpdesk.TokenAccess(cc.token), models.FollowUpCreate{Resolved: &held, Rating: rating, Comment: comment}); err != nil {
		return fmt.Errorf("follow-up on %s: %w", cc.id, err)
	}
	r.count(&r.sum.FollowUpAnswers)
	if !held {
		cc.failed = true
		now := w.clock.Now()
		r.at(workingTime(now.Add(w.between(2*time.Hour, 48*time.Hour))), cc.data.ID, func(ctx context.Context, w *worker) error { return r.resolve(ctx, w, cc) })
	}
	return nil
}

// The agents' words. %[1]s is the customer's first name, %[2]s the agent's.
var askTexts = []string{
	"Hello %[1]s,\n\nthank you for writing to us. To look into this properly I need a little more: could you send the dates and amounts involved, and any letters you received about it?\n\nBest regards,\n%[2]s",
	"Hi %[1]s,\n\nI'm sorry to hear about this. Could you tell me the last four digits of the account in question and when you first noticed the problem? Then I can check it right away.\n\nKind regards,\n%[2]s",
}

var ackTexts = []string{
	"Hello %[1]s,\n\nthank you for telling us, and I'm sorry for the trouble. I have your case now and I'm checking the records; I'll come back to you as soon as I know more.\n\nBest regards,\n%[2]s",
	"Hi %[1]s,\n\nthanks for the detailed description, it helps a lot. I've asked our back office to go through the account history and will get back to you with what we find.\n\nKind regards,\n%[2]s",
	"Dear %[1]s,\n\nwe received your complaint and I'm handling it personally. I'll keep you posted.\n\n%[2]s",
}

var customerAnswers = []string{
	"Thanks for getting back to me. The payments were made in the first week of the month; I have attached nothing but can send bank statements if needed.",
	"Here are the details you asked for. I first noticed it when I checked my statement, and I called twice before writing this.",
	"I already sent all of this once. Please just fix it.",
	"The account ends in 4411. I received a letter about it last month but it did not explain anything.",
}

var resolveTexts = []string{
	"Hello %[1]s,\n\nwe have gone through the records and corrected what was wrong. You should see the change within a few business days. I'm sorry for the trouble this caused.\n\nBest regards,\n%[2]s",
	"Hi %[1]s,\n\nthank you for your patience. The issue is now fixed on our side, and I've added a note to your account so it doesn't happen again.\n\nKind regards,\n%[2]s",
	"Dear %[1]s,\n\nhere is what happened and what we did about it: the entry was reported in error and has been removed. Please let us know if anything still looks wrong.\n\n%[2]s",
}

var comebackTexts = []string{
	"It is still showing on my report. Nothing has changed.",
	"I got another letter today about the same debt. You said this was sorted.",
	"The refund never arrived on my account.",
	"Sorry, but this is not solved. The fee was charged again this month.",
}

var heldComments = []string{"Thank you, all good now.", "Took a while but it's fixed.", "Appreciate the quick help.", "Fine now, thanks."}

var failedComments = []string{"No, the problem is back.", "Still wrong on my statement.", "Nobody called me back as promised.", "The correction was never made."}
