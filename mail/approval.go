package mail

import "strings"

// The staff mail that tells an agent what became of their approval request (issue 13): the
// decision, the amount decided, who decided and their comment, and the case's staff page.

// Approval decisions, as the mail words them.
const (
	DecisionApproved = "approved" // as asked
	DecisionChanged  = "changed"  // approved with another amount
	DecisionRejected = "rejected"
)

var approvalTemplates = map[string]mailTemplate{
	"en": parse("approval.en", `{{.Reference}}: {{if eq .Decision "rejected"}}your request was declined{{else if eq .Decision "changed"}}your request was approved with a changed amount{{else}}your request was approved{{end}}`, `Hello{{if .Name}} {{.Name}}{{end}},

{{if eq .Decision "rejected"}}{{.Approver}} declined your request: {{.Option}}{{if .Asked}} {{.Asked}}{{end}}.
{{else if eq .Decision "changed"}}{{.Approver}} approved your request with a changed amount: {{.Option}} {{.Decided}} (you asked for {{.Asked}}). It is granted on the case.
{{else}}{{.Approver}} approved your request: {{.Option}}{{if .Decided}} {{.Decided}}{{end}}. It is granted on the case.
{{end}}{{if .Comment}}
Comment: {{.Comment}}
{{end}}
Case {{.Reference}}: {{.Subject}}
{{.CaseURL}}
`),
	"fi": parse("approval.fi", `{{.Reference}}: {{if eq .Decision "rejected"}}pyyntösi hylättiin{{else if eq .Decision "changed"}}pyyntösi hyväksyttiin muutetulla summalla{{else}}pyyntösi hyväksyttiin{{end}}`, `Hei{{if .Name}} {{.Name}}{{end}},

{{if eq .Decision "rejected"}}{{.Approver}} hylkäsi pyyntösi: {{.Option}}{{if .Asked}} {{.Asked}}{{end}}.
{{else if eq .Decision "changed"}}{{.Approver}} hyväksyi pyyntösi muutetulla summalla: {{.Option}} {{.Decided}} (pyysit {{.Asked}}). Hyvitys on kirjattu asiaan.
{{else}}{{.Approver}} hyväksyi pyyntösi: {{.Option}}{{if .Decided}} {{.Decided}}{{end}}. Hyvitys on kirjattu asiaan.
{{end}}{{if .Comment}}
Kommentti: {{.Comment}}
{{end}}
Asia {{.Reference}}: {{.Subject}}
{{.CaseURL}}
`),
}

// ApprovalDecision is what the requester is told of a decision on their request. Amounts come
// formatted in the requester's locale ("" for an option without money).
type ApprovalDecision struct {
	Locale, Reference, Subject, CaseURL string
	RequesterName, ApproverName         string
	Decision                            string // DecisionApproved, DecisionChanged or DecisionRejected
	Option, Asked, Decided, Comment     string
}

// ApprovalDecided is the mail to the agent who asked for approval. The caller sets To and
// CaseID.
func ApprovalDecided(d ApprovalDecision) Message {
	l := baseLocale(d.Locale)
	subject, text := approvalTemplates[l].render(struct {
		Reference, Subject, CaseURL, Name, Approver, Decision, Option, Asked, Decided, Comment string
	}{headerText(d.Reference), headerText(d.Subject), strings.TrimSpace(d.CaseURL), displayName(d.RequesterName),
		displayName(d.ApproverName), d.Decision, headerText(d.Option), d.Asked, d.Decided, plainText(d.Comment)})
	return Message{ToName: displayName(d.RequesterName), Subject: subject, Text: text, Kind: KindNotification, Locale: l}
}
