package main

import (
	"fmt"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// The escalation rules of the intake with rules (issue 4): what a complaints team might set up
// on the case_created trigger. Each rule is varied on purpose (words in English and Finnish with
// * prefixes, regular expressions, category, touchpoint, expected outcome, customer e-mail and
// domain, repeat complainant, priority and tags set by earlier rules), and many never match the
// bench's complaints (Finnish words, press domains), as in a real rule set: every rule is
// evaluated for every complaint, only some fire.

// defaultIntakeRules is how many rules the intake with rules runs with (-intake-rules).
const defaultIntakeRules = 50

// benchTeams are the teams the bench creates for the rules' actions, by key.
var benchTeams = []struct{ key, name string }{
	{"fraud", "Fraud desk"},
	{"logistics", "Logistics"},
	{"retention", "Retention"},
	{"social", "Social media"},
	{"relations", "Customer relations"},
	{"hospitality", "Hospitality"},
	{"specialist", "Specialist care"},
	{"billing", "Billing"},
}

// benchStaff are the staff members the bench creates so that notifications and round robin
// reach people: a duty manager and agents in some of the teams.
var benchStaff = []struct {
	email, name string
	role        models.Role
	teams       []string // keys of benchTeams
}{
	{"bench-duty-manager@example.com", "Bench Duty Manager", models.RoleManager, []string{"relations", "specialist"}},
	{"bench-logistics-1@example.com", "Bench Logistics One", models.RoleAgent, []string{"logistics"}},
	{"bench-logistics-2@example.com", "Bench Logistics Two", models.RoleAgent, []string{"logistics"}},
	{"bench-fraud@example.com", "Bench Fraud Analyst", models.RoleAgent, []string{"fraud", "billing"}},
	{"bench-social@example.com", "Bench Social Media", models.RoleAgent, []string{"social", "hospitality"}},
}

const benchStaffPassword = "bench-staff-password"

// ruleIDs are the ids the rules' actions name.
type ruleIDs struct {
	teams       map[string]string // benchTeams key -> team id
	dutyManager string            // user id
}

func textAny(ws ...string) escalation.Condition {
	return escalation.Condition{Field: escalation.CondText, Op: escalation.OpContainsAny, Value: escalation.ListValue(ws...)}
}

func textRegex(re string) escalation.Condition {
	return escalation.Condition{Field: escalation.CondText, Op: escalation.OpMatchesRegex, Value: escalation.StringValue(re)}
}

func is(f escalation.ConditionField, v string) escalation.Condition {
	return escalation.Condition{Field: f, Op: escalation.OpEq, Value: escalation.StringValue(v)}
}

func in(f escalation.ConditionField, vs ...string) escalation.Condition {
	return escalation.Condition{Field: f, Op: escalation.OpIn, Value: escalation.ListValue(vs...)}
}

func hasTag(tag string) escalation.Condition {
	return escalation.Condition{Field: escalation.CondTags, Op: escalation.OpContains, Value: escalation.StringValue(tag)}
}

func repeat(cases, days int) escalation.Condition {
	return escalation.Condition{Field: escalation.CondRepeatComplainant, Op: escalation.OpGte, Value: escalation.RepeatValue(cases, days)}
}

func tag(t string) escalation.Action { return escalation.Action{Type: escalation.ActionAddTag, Tag: t} }

func raise(p models.Priority) escalation.Action {
	return escalation.Action{Type: escalation.ActionSetPriority, Priority: p, OnlyRaise: true}
}

func setPriority(p models.Priority) escalation.Action {
	return escalation.Action{Type: escalation.ActionSetPriority, Priority: p}
}

func escalate(level int) escalation.Action {
	return escalation.Action{Type: escalation.ActionRaiseEscalation, Level: level}
}

func notifyRole(role string, email bool, msg string) escalation.Action {
	ch := []string{escalation.NotifyInApp}
	if email {
		ch = append(ch, escalation.NotifyEmail)
	}
	return escalation.Action{Type: escalation.ActionNotify, Role: role, Channels: ch, Message: msg}
}

func notifyTeam(teamID string) escalation.Action {
	return escalation.Action{Type: escalation.ActionNotify, TeamID: teamID, Channels: []string{escalation.NotifyInApp}}
}

func notifyUser(userID, msg string) escalation.Action {
	return escalation.Action{Type: escalation.ActionNotify, UserIDs: []string{userID}, Channels: []string{escalation.NotifyInApp, escalation.NotifyEmail}, Message: msg}
}

func assignTeam(teamID string) escalation.Action {
	return escalation.Action{Type: escalation.ActionAssignTeam, TeamID: teamID}
}

func roundRobin(teamID string) escalation.Action {
	return escalation.Action{Type: escalation.ActionRoundRobinTeam, TeamID: teamID}
}

// benchRules returns n enabled case_created rules: the 50 below, repeated with a numbered name
// when n is larger.
func benchRules(n int, ids ruleIDs) []escalation.RuleCreate {
	team := func(key string) string { return ids.teams[key] }
	allOf, anyOf := escalation.MatchAll, escalation.MatchAny
	type r struct {
		name, match string
		conds       []escalation.Condition
		acts        []escalation.Action
	}
	set := []r{
		// Words in the text, English and Finnish (Finnish stems end in * for the inflected forms).
		{"Safety or legal words", anyOf, []escalation.Condition{textAny(escalation.SafetyLegalWords...)},
			[]escalation.Action{setPriority(models.PriorityUrgent), escalate(0), notifyRole(escalation.NotifyManagers, true, "A new complaint mentions safety or legal words.")}},
		{"Fraud or identity theft", anyOf, []escalation.Condition{textAny("fraud", "fraudulent", "identity theft", "scam*", "unauthori*", "stolen", "petos*", "huijau*", "huijar*", "identiteettivarkau*", "varastet*")},
			[]escalation.Action{raise(models.PriorityHigh), tag("fraud"), notifyTeam(team("fraud"))}},
		{"Discrimination", anyOf, []escalation.Condition{textAny("discriminat*", "racis*", "racial", "sexis*", "syrji*", "rasis*", "seksis*")},
			[]escalation.Action{setPriority(models.PriorityUrgent), escalate(2), notifyRole(escalation.NotifyManagers, true, "Possible discrimination: please review.")}},
		{"Regulator, ombudsman or press", anyOf, []escalation.Condition{textAny("regulator", "ombudsman", "attorney general", "better business bureau", "journalist", "newspaper", "kuluttajavirasto*", "kuluttajariita*", "toimittaja*", "iltalehte*", "helsingin sanomat*")},
			[]escalation.Action{escalate(0), tag("regulator"), notifyRole(escalation.NotifyManagers, true, "")}},
		{"Refund requested in the text", anyOf, []escalation.Condition{textAny("refund*", "money back", "chargeback", "reimburse*", "hyvity*", "rahat takaisin", "palautu*")},
			[]escalation.Action{tag("refund")}},
		{"Churn risk", anyOf, []escalation.Condition{textAny("cancel my", "close my account", "closed my account", "switch to another", "never again", "irtisano*", "lopetan asiakkuu*", "en enää koskaan")},
			[]escalation.Action{tag("churn-risk"), notifyTeam(team("retention"))}},
		{"Fees and interest", anyOf, []escalation.Condition{textAny("late fee*", "overdraft*", "interest rate*", "interest charge*", "annual fee", "viivästysmaks*", "korkokul*", "toimitusmaks*")},
			[]escalation.Action{tag("fees")}},
		{"Damaged or faulty product", allOf, []escalation.Condition{textAny("damaged", "broken", "defect*", "faulty", "rikki", "rikkinäi*", "vioittun*", "viallinen*", "särky*"), in(escalation.CondCategory, "product", "delivery", "returns")},
			[]escalation.Action{tag("damaged")}},
		{"Late delivery", allOf, []escalation.Condition{textAny("late", "delay*", "never arrived", "not delivered", "myöhässä", "viivästy*", "ei saapunut", "ei tullut"), is(escalation.CondTouchpoint, "delivery")},
			[]escalation.Action{tag("delay"), assignTeam(team("logistics"))}},
		{"Hygiene", anyOf, []escalation.Condition{textAny("dirty", "filthy", "mould", "mold", "bed bugs", "cockroach*", "stain*", "likai*", "homee*", "lutik*", "torak*")},
			[]escalation.Action{tag("hygiene"), raise(models.PriorityHigh)}},
		{"Noise", anyOf, []escalation.Condition{textAny("noise", "noisy", "loud", "melu*", "meteli*", "äänekä*")},
			[]escalation.Action{tag("noise")}},
		{"Staff conduct", anyOf, []escalation.Condition{textAny("rude", "unprofessional", "yelled", "shouted", "disrespectful", "epäkohtelia*", "töykeä*", "huusi", "tyly*")},
			[]escalation.Action{tag("staff-conduct"), notifyTeam(team("relations"))}},
		{"Accessibility", anyOf, []escalation.Condition{textAny("wheelchair", "disabled", "disability", "accessib*", "blind", "pyörätuol*", "esteettöm*", "vammai*", "näkövamm*")},
			[]escalation.Action{tag("accessibility"), raise(models.PriorityHigh)}},
		{"Health", anyOf, []escalation.Condition{textAny("allerg*", "food poisoning", "sick", "ill", "hospital*", "allergi*", "ruokamyrky*", "sairastu*", "sairaala*")},
			[]escalation.Action{raise(models.PriorityHigh), tag("health"), notifyUser(ids.dutyManager, "A complaint mentions health.")}},
		{"Data protection", anyOf, []escalation.Condition{textAny("gdpr", "personal data", "personal information", "privacy", "data breach", "tietosuoj*", "henkilötie*", "tietovuo*")},
			[]escalation.Action{tag("privacy"), escalate(0), notifyRole(escalation.NotifyAdmins, true, "Possible data protection issue.")}},
		{"Harassment by collectors", anyOf, []escalation.Condition{textAny("harass*", "threaten*", "collection agency", "debt collector*", "perintätoimisto*", "uhkail*", "ahdistel*")},
			[]escalation.Action{tag("harassment"), raise(models.PriorityHigh)}},
		{"Credit report errors", anyOf, []escalation.Condition{textAny("credit report*", "credit score", "equifax", "experian", "transunion", "luottotie*", "maksuhäiriö*")},
			[]escalation.Action{tag("credit-report")}},
		{"Housing at risk", anyOf, []escalation.Condition{textAny("foreclos*", "eviction", "evicted", "lose my home", "ulosot*", "häätö*", "asuntolain*")},
			[]escalation.Action{tag("housing"), raise(models.PriorityHigh), escalate(0)}},
		{"Order number given", allOf, []escalation.Condition{textRegex(`\b(order|tilaus|booking|varaus)\s*(no\.?|number|nro|numero|#)?\s*:?\s*[a-z]{0,3}\d{5,}`)},
			[]escalation.Action{tag("has-order-ref")}},
		{"Large amount", allOf, []escalation.Condition{textRegex(`\$\s?\d{1,3}(,\d{3})+|\b\d{4,}\s?(€|eur|euro|euroa|dollars)`)},
			[]escalation.Action{tag("large-amount"), raise(models.PriorityHigh)}},
		{"Cards and accounts", anyOf, []escalation.Condition{textAny("debit card", "credit card", "atm", "bank account", "checking account", "pankkikort*", "luottokort*", "pankkitil*")},
			[]escalation.Action{tag("cards"), assignTeam(team("billing"))}},
		{"Hotel stay", anyOf, []escalation.Condition{textAny("hotel", "reception", "check in", "check-in", "hotelli*", "vastaanot*", "huonee*")},
			[]escalation.Action{assignTeam(team("hospitality"))}},
		{"Vulnerable customer", anyOf, []escalation.Condition{textAny("elderly", "veteran", "cancer", "dementia", "widow*", "vanhu*", "ikäänty*", "omaishoi*")},
			[]escalation.Action{tag("vulnerable-customer"), raise(models.PriorityHigh), notifyTeam(team("specialist"))}},
		{"Bereavement", anyOf, []escalation.Condition{textAny("passed away", "deceased", "funeral", "estate of", "kuoli", "kuolinpe*", "hautajai*")},
			[]escalation.Action{tag("bereavement"), assignTeam(team("specialist"))}},
		{"Threats of violence", anyOf, []escalation.Condition{textAny("kill", "bomb", "shoot", "tapan", "pommi*", "ammun")},
			[]escalation.Action{setPriority(models.PriorityUrgent), escalate(3), notifyRole(escalation.NotifyAdmins, true, "A complaint contains a threat.")}},
		{"Repeated problem", anyOf, []escalation.Condition{textAny("second time", "third time", "once again", "yet again", "keeps happening", "toistamiseen", "kolmannen kerran", "taas kerran")},
			[]escalation.Action{tag("recurring-issue")}},
		{"Customer asks for urgency", allOf, []escalation.Condition{is(escalation.CondChannel, string(models.ChannelWebForm)), textAny("urgent*", "asap", "immediately", "emergency", "kiireelli*", "välittömästi", "heti")},
			[]escalation.Action{raise(models.PriorityHigh)}},

		// Category, touchpoint and expected outcome.
		{"Billing refunds", allOf, []escalation.Condition{is(escalation.CondCategory, "billing"), is(escalation.CondExpectedOutcome, "refund")},
			[]escalation.Action{tag("billing-refund"), assignTeam(team("billing"))}},
		{"Delivery complaints to logistics", allOf, []escalation.Condition{is(escalation.CondCategory, "delivery"), is(escalation.CondTouchpoint, "delivery")},
			[]escalation.Action{roundRobin(team("logistics"))}},
		{"Public complaint on social media", allOf, []escalation.Condition{is(escalation.CondTouchpoint, "social_media")},
			[]escalation.Action{tag("public-complaint"), raise(models.PriorityHigh), notifyTeam(team("social"))}},
		{"Shop floor", allOf, []escalation.Condition{is(escalation.CondTouchpoint, "store"), in(escalation.CondCategory, "service", "product")},
			[]escalation.Action{tag("store")}},
		{"Digital channels", anyOf, []escalation.Condition{in(escalation.CondTouchpoint, "app", "web_shop")},
			[]escalation.Action{tag("digital")}},
		{"Replacement of a product", allOf, []escalation.Condition{is(escalation.CondExpectedOutcome, "replacement"), is(escalation.CondCategory, "product")},
			[]escalation.Action{tag("replacement-request")}},
		{"Repair requests", allOf, []escalation.Condition{is(escalation.CondExpectedOutcome, "repair")},
			[]escalation.Action{tag("repair")}},
		{"Phone service", allOf, []escalation.Condition{is(escalation.CondCategory, "service"), is(escalation.CondTouchpoint, "phone")},
			[]escalation.Action{assignTeam(team("relations"))}},
		{"Unclear complaints to triage", allOf, []escalation.Condition{is(escalation.CondCategory, "other"), is(escalation.CondExpectedOutcome, "other")},
			[]escalation.Action{tag("triage")}},
		{"Apology wanted for conduct", allOf, []escalation.Condition{is(escalation.CondExpectedOutcome, "apology"), hasTag("staff-conduct")},
			[]escalation.Action{raise(models.PriorityHigh), notifyUser(ids.dutyManager, "A customer wants an apology for staff conduct.")}},
		{"Returns outside the web shop", allOf, []escalation.Condition{is(escalation.CondCategory, "returns"),
			{Field: escalation.CondTouchpoint, Op: escalation.OpNotIn, Value: escalation.ListValue("web_shop", "app")}},
			[]escalation.Action{tag("offline-return")}},

		// Who the customer is.
		{"Public sector customers", anyOf, []escalation.Condition{in(escalation.CondCustomerDomain, "gov.fi", "valtioneuvosto.fi", "eduskunta.fi", "kela.fi", "hel.fi")},
			[]escalation.Action{raise(models.PriorityHigh), tag("public-sector"), notifyRole(escalation.NotifyManagers, false, "")}},
		{"Press", anyOf, []escalation.Condition{in(escalation.CondCustomerDomain, "yle.fi", "hs.fi", "iltalehti.fi", "is.fi", "mtv.fi", "bbc.co.uk", "nytimes.com")},
			[]escalation.Action{escalate(1), tag("press"), notifyRole(escalation.NotifyManagers, true, "A journalist has filed a complaint.")}},
		{"Key account contacts", anyOf, []escalation.Condition{in(escalation.CondCustomerEmail, "complainant0042@example.com", "complainant1234@example.com",
			"complainant2500@example.com", "complainant3141@example.com", "complainant4999@example.com")},
			[]escalation.Action{raise(models.PriorityHigh), tag("key-account"), notifyUser(ids.dutyManager, "")}},
		{"Partner company", allOf, []escalation.Condition{is(escalation.CondCustomerDomain, "partner.kaiku.example")},
			[]escalation.Action{tag("partner")}},
		{"Repeat complainant", allOf, []escalation.Condition{repeat(3, 90)},
			[]escalation.Action{raise(models.PriorityHigh), tag("repeat-customer")}},
		{"Second complaint within a month", allOf, []escalation.Condition{repeat(2, 30)},
			[]escalation.Action{tag("returning-complainant")}},
		{"Frequent complainant", allOf, []escalation.Condition{repeat(5, 90)},
			[]escalation.Action{escalate(0), notifyRole(escalation.NotifyManagers, false, "A customer has filed five complaints in three months.")}},

		// Rules that read what earlier rules did (they run by position).
		{"Urgent: tell the duty manager", allOf, []escalation.Condition{is(escalation.CondPriority, string(models.PriorityUrgent))},
			[]escalation.Action{notifyUser(ids.dutyManager, "An urgent complaint arrived.")}},
		{"Escalated twice", allOf, []escalation.Condition{{Field: escalation.CondEscalationLevel, Op: escalation.OpGte, Value: escalation.NumberValue(2)}},
			[]escalation.Action{tag("level-2"), notifyRole(escalation.NotifyAdmins, false, "")}},
		{"Fraud in billing", allOf, []escalation.Condition{hasTag("fraud"), in(escalation.CondCategory, "billing", "returns")},
			[]escalation.Action{assignTeam(team("fraud")), escalate(0)}},
		{"Churn risk with money at stake", allOf, []escalation.Condition{hasTag("churn-risk"), in(escalation.CondExpectedOutcome, "refund", "replacement")},
			[]escalation.Action{raise(models.PriorityHigh)}},
		{"High priority without a team", allOf, []escalation.Condition{in(escalation.CondPriority, "high", "urgent"), is(escalation.CondTeam, "")},
			[]escalation.Action{assignTeam(team("relations")), tag("needs-owner")}},
	}
	out := make([]escalation.RuleCreate, n)
	enabled := true
	for i := range out {
		s := set[i%len(set)]
		name := s.name
		if i >= len(set) {
			name = fmt.Sprintf("%s #%d", s.name, i/len(set)+1)
		}
		out[i] = escalation.RuleCreate{Name: name, Enabled: &enabled, Position: 10 * (i + 1),
			Trigger: escalation.Trigger{Type: escalation.TriggerCaseCreated}, Match: s.match, Conditions: s.conds, Actions: s.acts}
	}
	return out
}

// benchApprovalRules are n approval_requested rules (issue 13): "amount over" and "option is"
// conditions on a grant over its limit, tagging and notifying managers. They run only when an
// approval is requested; the intake with them measures what their presence costs a complaint.
func benchApprovalRules(n int) []escalation.RuleCreate {
	enabled := true
	options := [][]string{{"full_refund", "partial_refund"}, {"goodwill"}, {"voucher", "next_purchase_discount"}}
	out := make([]escalation.RuleCreate, n)
	for i := range out {
		out[i] = escalation.RuleCreate{Name: fmt.Sprintf("Approval over %d.00 #%d", 100*(i%5+1), i+1), Enabled: &enabled, Position: 1000 + 10*i,
			Trigger: escalation.Trigger{Type: escalation.TriggerApprovalRequested}, Match: escalation.MatchAll,
			Conditions: []escalation.Condition{
				{Field: escalation.CondRemedyAmount, Op: escalation.OpGt, Value: escalation.NumberValue(float64(10000 * (i%5 + 1)))},
				in(escalation.CondRemedyOption, options[i%len(options)]...),
			},
			Actions: []escalation.Action{tag("big-remedy"), notifyRole(escalation.NotifyManagers, false, "A big remedy waits for approval.")}}
	}
	return out
}
