package main

import (
	"fmt"

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

func textAny(ws ...string) models.Condition {
	return models.Condition{Field: models.CondText, Op: models.OpContainsAny, Value: models.ListValue(ws...)}
}

func textRegex(re string) models.Condition {
	return models.Condition{Field: models.CondText, Op: models.OpMatchesRegex, Value: models.StringValue(re)}
}

func is(f models.ConditionField, v string) models.Condition {
	return models.Condition{Field: f, Op: models.OpEq, Value: models.StringValue(v)}
}

func in(f models.ConditionField, vs ...string) models.Condition {
	return models.Condition{Field: f, Op: models.OpIn, Value: models.ListValue(vs...)}
}

func hasTag(tag string) models.Condition {
	return models.Condition{Field: models.CondTags, Op: models.OpContains, Value: models.StringValue(tag)}
}

func repeat(cases, days int) models.Condition {
	return models.Condition{Field: models.CondRepeatComplainant, Op: models.OpGte, Value: models.RepeatValue(cases, days)}
}

func tag(t string) models.Action { return models.Action{Type: models.ActionAddTag, Tag: t} }

func raise(p models.Priority) models.Action {
	return models.Action{Type: models.ActionSetPriority, Priority: p, OnlyRaise: true}
}

func setPriority(p models.Priority) models.Action {
	return models.Action{Type: models.ActionSetPriority, Priority: p}
}

func escalate(level int) models.Action {
	return models.Action{Type: models.ActionRaiseEscalation, Level: level}
}

func notifyRole(role string, email bool, msg string) models.Action {
	ch := []string{models.NotifyInApp}
	if email {
		ch = append(ch, models.NotifyEmail)
	}
	return models.Action{Type: models.ActionNotify, Role: role, Channels: ch, Message: msg}
}

func notifyTeam(teamID string) models.Action {
	return models.Action{Type: models.ActionNotify, TeamID: teamID, Channels: []string{models.NotifyInApp}}
}

func notifyUser(userID, msg string) models.Action {
	return models.Action{Type: models.ActionNotify, UserIDs: []string{userID}, Channels: []string{models.NotifyInApp, models.NotifyEmail}, Message: msg}
}

func assignTeam(teamID string) models.Action {
	return models.Action{Type: models.ActionAssignTeam, TeamID: teamID}
}

func roundRobin(teamID string) models.Action {
	return models.Action{Type: models.ActionRoundRobinTeam, TeamID: teamID}
}

// benchRules returns n enabled case_created rules: the 50 below, repeated with a numbered name
// when n is larger.
func benchRules(n int, ids ruleIDs) []models.RuleCreate {
	team := func(key string) string { return ids.teams[key] }
	allOf, anyOf := models.MatchAll, models.MatchAny
	type r struct {
		name, match string
		conds       []models.Condition
		acts        []models.Action
	}
	set := []r{
		// Words in the text, English and Finnish (Finnish stems end in * for the inflected forms).
		{"Safety or legal words", anyOf, []models.Condition{textAny(models.SafetyLegalWords...)},
			[]models.Action{setPriority(models.PriorityUrgent), escalate(0), notifyRole(models.NotifyManagers, true, "A new complaint mentions safety or legal words.")}},
		{"Fraud or identity theft", anyOf, []models.Condition{textAny("fraud", "fraudulent", "identity theft", "scam*", "unauthori*", "stolen", "petos*", "huijau*", "huijar*", "identiteettivarkau*", "varastet*")},
			[]models.Action{raise(models.PriorityHigh), tag("fraud"), notifyTeam(team("fraud"))}},
		{"Discrimination", anyOf, []models.Condition{textAny("discriminat*", "racis*", "racial", "sexis*", "syrji*", "rasis*", "seksis*")},
			[]models.Action{setPriority(models.PriorityUrgent), escalate(2), notifyRole(models.NotifyManagers, true, "Possible discrimination: please review.")}},
		{"Regulator, ombudsman or press", anyOf, []models.Condition{textAny("regulator", "ombudsman", "attorney general", "better business bureau", "journalist", "newspaper", "kuluttajavirasto*", "kuluttajariita*", "toimittaja*", "iltalehte*", "helsingin sanomat*")},
			[]models.Action{escalate(0), tag("regulator"), notifyRole(models.NotifyManagers, true, "")}},
		{"Refund requested in the text", anyOf, []models.Condition{textAny("refund*", "money back", "chargeback", "reimburse*", "hyvity*", "rahat takaisin", "palautu*")},
			[]models.Action{tag("refund")}},
		{"Churn risk", anyOf, []models.Condition{textAny("cancel my", "close my account", "closed my account", "switch to another", "never again", "irtisano*", "lopetan asiakkuu*", "en enää koskaan")},
			[]models.Action{tag("churn-risk"), notifyTeam(team("retention"))}},
		{"Fees and interest", anyOf, []models.Condition{textAny("late fee*", "overdraft*", "interest rate*", "interest charge*", "annual fee", "viivästysmaks*", "korkokul*", "toimitusmaks*")},
			[]models.Action{tag("fees")}},
		{"Damaged or faulty product", allOf, []models.Condition{textAny("damaged", "broken", "defect*", "faulty", "rikki", "rikkinäi*", "vioittun*", "viallinen*", "särky*"), in(models.CondCategory, "product", "delivery", "returns")},
			[]models.Action{tag("damaged")}},
		{"Late delivery", allOf, []models.Condition{textAny("late", "delay*", "never arrived", "not delivered", "myöhässä", "viivästy*", "ei saapunut", "ei tullut"), is(models.CondTouchpoint, "delivery")},
			[]models.Action{tag("delay"), assignTeam(team("logistics"))}},
		{"Hygiene", anyOf, []models.Condition{textAny("dirty", "filthy", "mould", "mold", "bed bugs", "cockroach*", "stain*", "likai*", "homee*", "lutik*", "torak*")},
			[]models.Action{tag("hygiene"), raise(models.PriorityHigh)}},
		{"Noise", anyOf, []models.Condition{textAny("noise", "noisy", "loud", "melu*", "meteli*", "äänekä*")},
			[]models.Action{tag("noise")}},
		{"Staff conduct", anyOf, []models.Condition{textAny("rude", "unprofessional", "yelled", "shouted", "disrespectful", "epäkohtelia*", "töykeä*", "huusi", "tyly*")},
			[]models.Action{tag("staff-conduct"), notifyTeam(team("relations"))}},
		{"Accessibility", anyOf, []models.Condition{textAny("wheelchair", "disabled", "disability", "accessib*", "blind", "pyörätuol*", "esteettöm*", "vammai*", "näkövamm*")},
			[]models.Action{tag("accessibility"), raise(models.PriorityHigh)}},
		{"Health", anyOf, []models.Condition{textAny("allerg*", "food poisoning", "sick", "ill", "hospital*", "allergi*", "ruokamyrky*", "sairastu*", "sairaala*")},
			[]models.Action{raise(models.PriorityHigh), tag("health"), notifyUser(ids.dutyManager, "A complaint mentions health.")}},
		{"Data protection", anyOf, []models.Condition{textAny("gdpr", "personal data", "personal information", "privacy", "data breach", "tietosuoj*", "henkilötie*", "tietovuo*")},
			[]models.Action{tag("privacy"), escalate(0), notifyRole(models.NotifyAdmins, true, "Possible data protection issue.")}},
		{"Harassment by collectors", anyOf, []models.Condition{textAny("harass*", "threaten*", "collection agency", "debt collector*", "perintätoimisto*", "uhkail*", "ahdistel*")},
			[]models.Action{tag("harassment"), raise(models.PriorityHigh)}},
		{"Credit report errors", anyOf, []models.Condition{textAny("credit report*", "credit score", "equifax", "experian", "transunion", "luottotie*", "maksuhäiriö*")},
			[]models.Action{tag("credit-report")}},
		{"Housing at risk", anyOf, []models.Condition{textAny("foreclos*", "eviction", "evicted", "lose my home", "ulosot*", "häätö*", "asuntolain*")},
			[]models.Action{tag("housing"), raise(models.PriorityHigh), escalate(0)}},
		{"Order number given", allOf, []models.Condition{textRegex(`\b(order|tilaus|booking|varaus)\s*(no\.?|number|nro|numero|#)?\s*:?\s*[a-z]{0,3}\d{5,}`)},
			[]models.Action{tag("has-order-ref")}},
		{"Large amount", allOf, []models.Condition{textRegex(`\$\s?\d{1,3}(,\d{3})+|\b\d{4,}\s?(€|eur|euro|euroa|dollars)`)},
			[]models.Action{tag("large-amount"), raise(models.PriorityHigh)}},
		{"Cards and accounts", anyOf, []models.Condition{textAny("debit card", "credit card", "atm", "bank account", "checking account", "pankkikort*", "luottokort*", "pankkitil*")},
			[]models.Action{tag("cards"), assignTeam(team("billing"))}},
		{"Hotel stay", anyOf, []models.Condition{textAny("hotel", "reception", "check in", "check-in", "hotelli*", "vastaanot*", "huonee*")},
			[]models.Action{assignTeam(team("hospitality"))}},
		{"Vulnerable customer", anyOf, []models.Condition{textAny("elderly", "veteran", "cancer", "dementia", "widow*", "vanhu*", "ikäänty*", "omaishoi*")},
			[]models.Action{tag("vulnerable-customer"), raise(models.PriorityHigh), notifyTeam(team("specialist"))}},
		{"Bereavement", anyOf, []models.Condition{textAny("passed away", "deceased", "funeral", "estate of", "kuoli", "kuolinpe*", "hautajai*")},
			[]models.Action{tag("bereavement"), assignTeam(team("specialist"))}},
		{"Threats of violence", anyOf, []models.Condition{textAny("kill", "bomb", "shoot", "tapan", "pommi*", "ammun")},
			[]models.Action{setPriority(models.PriorityUrgent), escalate(3), notifyRole(models.NotifyAdmins, true, "A complaint contains a threat.")}},
		{"Repeated problem", anyOf, []models.Condition{textAny("second time", "third time", "once again", "yet again", "keeps happening", "toistamiseen", "kolmannen kerran", "taas kerran")},
			[]models.Action{tag("recurring-issue")}},
		{"Customer asks for urgency", allOf, []models.Condition{is(models.CondChannel, string(models.ChannelWebForm)), textAny("urgent*", "asap", "immediately", "emergency", "kiireelli*", "välittömästi", "heti")},
			[]models.Action{raise(models.PriorityHigh)}},

		// Category, touchpoint and expected outcome.
		{"Billing refunds", allOf, []models.Condition{is(models.CondCategory, "billing"), is(models.CondExpectedOutcome, "refund")},
			[]models.Action{tag("billing-refund"), assignTeam(team("billing"))}},
		{"Delivery complaints to logistics", allOf, []models.Condition{is(models.CondCategory, "delivery"), is(models.CondTouchpoint, "delivery")},
			[]models.Action{roundRobin(team("logistics"))}},
		{"Public complaint on social media", allOf, []models.Condition{is(models.CondTouchpoint, "social_media")},
			[]models.Action{tag("public-complaint"), raise(models.PriorityHigh), notifyTeam(team("social"))}},
		{"Shop floor", allOf, []models.Condition{is(models.CondTouchpoint, "store"), in(models.CondCategory, "service", "product")},
			[]models.Action{tag("store")}},
		{"Digital channels", anyOf, []models.Condition{in(models.CondTouchpoint, "app", "web_shop")},
			[]models.Action{tag("digital")}},
		{"Replacement of a product", allOf, []models.Condition{is(models.CondExpectedOutcome, "replacement"), is(models.CondCategory, "product")},
			[]models.Action{tag("replacement-request")}},
		{"Repair requests", allOf, []models.Condition{is(models.CondExpectedOutcome, "repair")},
			[]models.Action{tag("repair")}},
		{"Phone service", allOf, []models.Condition{is(models.CondCategory, "service"), is(models.CondTouchpoint, "phone")},
			[]models.Action{assignTeam(team("relations"))}},
		{"Unclear complaints to triage", allOf, []models.Condition{is(models.CondCategory, "other"), is(models.CondExpectedOutcome, "other")},
			[]models.Action{tag("triage")}},
		{"Apology wanted for conduct", allOf, []models.Condition{is(models.CondExpectedOutcome, "apology"), hasTag("staff-conduct")},
			[]models.Action{raise(models.PriorityHigh), notifyUser(ids.dutyManager, "A customer wants an apology for staff conduct.")}},
		{"Returns outside the web shop", allOf, []models.Condition{is(models.CondCategory, "returns"),
			{Field: models.CondTouchpoint, Op: models.OpNotIn, Value: models.ListValue("web_shop", "app")}},
			[]models.Action{tag("offline-return")}},

		// Who the customer is.
		{"Public sector customers", anyOf, []models.Condition{in(models.CondCustomerDomain, "gov.fi", "valtioneuvosto.fi", "eduskunta.fi", "kela.fi", "hel.fi")},
			[]models.Action{raise(models.PriorityHigh), tag("public-sector"), notifyRole(models.NotifyManagers, false, "")}},
		{"Press", anyOf, []models.Condition{in(models.CondCustomerDomain, "yle.fi", "hs.fi", "iltalehti.fi", "is.fi", "mtv.fi", "bbc.co.uk", "nytimes.com")},
			[]models.Action{escalate(1), tag("press"), notifyRole(models.NotifyManagers, true, "A journalist has filed a complaint.")}},
		{"Key account contacts", anyOf, []models.Condition{in(models.CondCustomerEmail, "complainant0042@example.com", "complainant1234@example.com",
			"complainant2500@example.com", "complainant3141@example.com", "complainant4999@example.com")},
			[]models.Action{raise(models.PriorityHigh), tag("key-account"), notifyUser(ids.dutyManager, "")}},
		{"Partner company", allOf, []models.Condition{is(models.CondCustomerDomain, "partner.kaiku.example")},
			[]models.Action{tag("partner")}},
		{"Repeat complainant", allOf, []models.Condition{repeat(3, 90)},
			[]models.Action{raise(models.PriorityHigh), tag("repeat-customer")}},
		{"Second complaint within a month", allOf, []models.Condition{repeat(2, 30)},
			[]models.Action{tag("returning-complainant")}},
		{"Frequent complainant", allOf, []models.Condition{repeat(5, 90)},
			[]models.Action{escalate(0), notifyRole(models.NotifyManagers, false, "A customer has filed five complaints in three months.")}},

		// Rules that read what earlier rules did (they run by position).
		{"Urgent: tell the duty manager", allOf, []models.Condition{is(models.CondPriority, string(models.PriorityUrgent))},
			[]models.Action{notifyUser(ids.dutyManager, "An urgent complaint arrived.")}},
		{"Escalated twice", allOf, []models.Condition{{Field: models.CondEscalationLevel, Op: models.OpGte, Value: models.NumberValue(2)}},
			[]models.Action{tag("level-2"), notifyRole(models.NotifyAdmins, false, "")}},
		{"Fraud in billing", allOf, []models.Condition{hasTag("fraud"), in(models.CondCategory, "billing", "returns")},
			[]models.Action{assignTeam(team("fraud")), escalate(0)}},
		{"Churn risk with money at stake", allOf, []models.Condition{hasTag("churn-risk"), in(models.CondExpectedOutcome, "refund", "replacement")},
			[]models.Action{raise(models.PriorityHigh)}},
		{"High priority without a team", allOf, []models.Condition{in(models.CondPriority, "high", "urgent"), is(models.CondTeam, "")},
			[]models.Action{assignTeam(team("relations")), tag("needs-owner")}},
	}
	out := make([]models.RuleCreate, n)
	enabled := true
	for i := range out {
		s := set[i%len(set)]
		name := s.name
		if i >= len(set) {
			name = fmt.Sprintf("%s #%d", s.name, i/len(set)+1)
		}
		out[i] = models.RuleCreate{Name: name, Enabled: &enabled, Position: 10 * (i + 1),
			Trigger: models.Trigger{Type: models.TriggerCaseCreated}, Match: s.match, Conditions: s.conds, Actions: s.acts}
	}
	return out
}
