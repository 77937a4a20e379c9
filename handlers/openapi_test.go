package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/remedies"
	"github.com/kaiku-helpdesk/kaiku/reports"
	"github.com/kaiku-helpdesk/kaiku/reviews"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/staff"
	"github.com/kaiku-helpdesk/kaiku/webhook"
)

// The tests here hold openapi.json to the server: every registered route is documented and
// nothing else is, the document is valid OpenAPI 3.1, the request schemas say what the
// validate tags enforce, and real responses fit the response schemas.

type openAPIStubReady struct{}

func (openAPIStubReady) Ready(context.Context) map[string]error {
	return map[string]error{"database": nil, "search": errors.New("connection refused")}
}

// newOpenAPITestServer builds the real route table without use cases: only routes that fail
// before reaching a use case may be called on it.
func newOpenAPITestServer(t *testing.T) *echo.Echo {
	t.Helper()
	return New(Deps{
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ready:        openAPIStubReady{},
		Frontend:     fstest.MapFS{},
		MaxBodyBytes: 1 << 20,
	})
}

// loadOpenAPI parses and validates the embedded document with kin-openapi (OpenAPI 3.1 and
// JSON Schema 2020-12, examples included).
func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIDocument)
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	if err := doc.Validate(loader.Context, openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	return doc
}

var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// catchAllRoutes serve the JSON 404 and the web app; they are not API operations.
var catchAllRoutes = map[string]bool{"/api/*": true, "/*": true}

func registeredOperations(e *echo.Echo) map[string]bool {
	ops := map[string]bool{}
	for _, r := range e.Routes() {
		// RouteNotFound entries are echo's own: groups with middleware add them.
		if r.Method == echo.RouteNotFound || catchAllRoutes[r.Path] {
			continue
		}
		ops[r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	return ops
}

func documentedOperations(t *testing.T) map[string]bool {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	methods := map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true,
		"head": true, "patch": true, "trace": true}
	ops := map[string]bool{}
	for path, item := range doc.Paths {
		for key := range item {
			if methods[key] {
				ops[strings.ToUpper(key)+" "+path] = true
			}
		}
	}
	return ops
}

func missingFrom(want, have map[string]bool) []string {
	var out []string
	for k := range want {
		if !have[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	registered := registeredOperations(newOpenAPITestServer(t))
	documented := documentedOperations(t)
	if len(registered) == 0 {
		t.Fatal("no routes registered")
	}
	undocumented := missingFrom(registered, documented)
	unregistered := missingFrom(documented, registered)
	if len(undocumented) > 0 || len(unregistered) > 0 {
		t.Errorf("openapi.json and registerRoutes disagree.\nregistered but not in openapi.json:\n  %s\nin openapi.json but not registered:\n  %s",
			strings.Join(orNone(undocumented), "\n  "), strings.Join(orNone(unregistered), "\n  "))
	}
}

// TestOpenAPICaseListParameters keeps the inbox list's query parameters, views and counts in
// step with the handler and the use case, and every multi-valued filter a repeated parameter.
func TestOpenAPICaseListParameters(t *testing.T) {
	doc := loadOpenAPI(t)
	op := doc.Paths.Find("/api/v1/cases").Get
	var names []string
	for _, p := range op.Parameters {
		pv := p.Value
		names = append(names, pv.Name)
		if pv.Schema.Value.Type.Is("array") && (pv.Style != "form" || pv.Explode == nil || !*pv.Explode) {
			t.Errorf("parameter %s takes several values but is not a repeated (form, explode) parameter", pv.Name)
		}
	}
	want := slices.Collect(maps.Keys(caseListParams))
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("listCases parameters %v, want the handler's %v", names, want)
	}
	var views []string
	for _, v := range doc.Components.Parameters["CaseView"].Value.Schema.Value.Enum {
		views = append(views, v.(string))
	}
	counted := slices.Clone(componentSchema(t, doc, "CaseCounts").Required)
	for _, l := range [][]string{views, counted} {
		slices.Sort(l)
		if wantViews := slices.Sorted(slices.Values(helpdesk.Views)); !slices.Equal(l, wantViews) {
			t.Errorf("documented views %v, want %v", l, wantViews)
		}
	}
}

func orNone(s []string) []string {
	if len(s) == 0 {
		return []string{"(none)"}
	}
	return s
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	if !json.Valid(openAPIDocument) {
		t.Fatal("openapi.json is not valid JSON")
	}
	onDisk, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk, openAPIDocument) {
		t.Fatal("the embedded document differs from openapi.json on disk")
	}
	doc := loadOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	if doc.Info == nil || doc.Info.Title != "Kaiku API" || doc.Info.Version == "" {
		t.Errorf("info must have title Kaiku API and a version: %+v", doc.Info)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
		t.Errorf("servers must be [{url: /}]")
	}

	var generic any
	if err := json.Unmarshal(openAPIDocument, &generic); err != nil {
		t.Fatal(err)
	}
	checkRefs(t, generic, generic, "#")

	schemes := doc.Components.SecuritySchemes
	wantSchemes := map[string]string{"cookieAuth": "apiKey cookie kaiku_session", "csrf": "apiKey header X-CSRF-Token",
		"bearerAuth": "http bearer", "trackingCookie": "apiKey cookie kaiku_track", "trackHeader": "apiKey header X-Kaiku-Track"}
	for name, want := range wantSchemes {
		s := schemes[name]
		if s == nil || s.Value == nil {
			t.Errorf("securityScheme %s is missing", name)
			continue
		}
		got := s.Value.Type + " " + s.Value.In + " " + s.Value.Name
		if s.Value.Type == "http" {
			got = s.Value.Type + " " + s.Value.Scheme
		}
		if got != want {
			t.Errorf("securityScheme %s = %q, want %q", name, got, want)
		}
	}

	public := map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /api/openapi.json": true,
		"POST /api/v1/auth/login": true,
		// Review platforms: each delivery is signed with its source's secret instead.
		"POST /api/v1/reviews/ingest": true,
		// The customer side: no account. The tracking token in the path is the credential of the
		// token routes, and the exchange takes it for a case's cookie.
		"GET /api/v1/form-options": true, "POST /api/v1/complaints": true, "POST /api/v1/track/session": true,
		"GET /api/v1/track/{token}": true, "POST /api/v1/track/{token}/messages": true,
		"POST /api/v1/track/{token}/follow-up": true, "GET /api/v1/track/{token}/attachments/{aid}": true,
		// The login's second step and "forgot password": no session yet.
		"POST /api/v1/auth/login/second-factor": true, "POST /api/v1/auth/password-reset": true,
		"POST /api/v1/auth/password-reset/confirm": true}
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s has no operationId", name)
			} else if other, dup := ids[op.OperationID]; dup {
				t.Errorf("operationId %s is used by %s and %s", op.OperationID, other, name)
			} else {
				ids[op.OperationID] = name
			}
			if op.Summary == "" || len(op.Tags) == 0 {
				t.Errorf("%s needs a summary and a tag", name)
			}
			ok2xx := false
			for code := range op.Responses.Map() {
				if len(code) == 3 && code[0] == '2' {
					ok2xx = true
				}
			}
			if !ok2xx {
				t.Errorf("%s has no 2xx response", name)
			}
			checkPathParams(t, name, path, item, op)
			checkSecurity(t, name, op, public[name], doc.Components.SecuritySchemes)
			checkErrorResponses(t, name, op, public[name])
		}
	}
}

// checkRefs walks the raw document and resolves every $ref as a local JSON pointer.
func checkRefs(t *testing.T, root, node any, at string) {
	t.Helper()
	switch v := node.(type) {
	case map[string]any:
		for k, child := range v {
			if k == "$ref" {
				ref, _ := child.(string)
				if _, err := resolvePointer(root, ref); err != nil {
					t.Errorf("%s: $ref %q does not resolve: %v", at, ref, err)
				}
				continue
			}
			checkRefs(t, root, child, at+"/"+k)
		}
	case []any:
		for i, child := range v {
			checkRefs(t, root, child, at+"/"+strconv.Itoa(i))
		}
	}
}

func resolvePointer(root any, ref string) (any, error) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, errors.New("only local references are used in this document")
	}
	node := root
	for _, part := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := node.(map[string]any)
		if !ok {
			return nil, errors.New("no object at " + part)
		}
		if node, ok = m[part]; !ok {
			return nil, errors.New("no member " + part)
		}
	}
	return node, nil
}

var pathTemplate = regexp.MustCompile(`\{([^}]+)\}`)

func checkPathParams(t *testing.T, name, path string, item *openapi3.PathItem, op *openapi3.Operation) {
	t.Helper()
	declared := map[string]bool{}
	for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, p := range ps {
			if p.Value != nil && p.Value.In == openapi3.ParameterInPath {
				declared[p.Value.Name] = true
				if !p.Value.Required {
					t.Errorf("%s: path parameter %s must be required", name, p.Value.Name)
				}
			}
		}
	}
	for _, m := range pathTemplate.FindAllStringSubmatch(path, -1) {
		if !declared[m[1]] {
			t.Errorf("%s: path parameter {%s} is not declared", name, m[1])
		}
		delete(declared, m[1])
	}
	for p := range declared {
		t.Errorf("%s: declares path parameter %s that is not in the path", name, p)
	}
}

// checkSecurity: public operations say so with an empty list; staff reads take the cookie or a
// bearer token; staff writes take the cookie with the CSRF header, or a bearer token.
func checkSecurity(t *testing.T, name string, op *openapi3.Operation, public bool, schemes openapi3.SecuritySchemes) {
	t.Helper()
	if op.Security == nil {
		t.Errorf("%s: security must be set on the operation", name)
		return
	}
	var got []string
	for _, req := range *op.Security {
		var names []string
		for scheme := range req {
			if schemes[scheme] == nil {
				t.Errorf("%s: unknown security scheme %s", name, scheme)
			}
			names = append(names, scheme)
		}
		sort.Strings(names)
		got = append(got, strings.Join(names, "+"))
	}
	var want []string
	switch {
	case public:
		want = nil
	case isCustomerOperation(name) && strings.HasPrefix(name, "GET "):
		want = []string{"trackingCookie"}
	case isCustomerOperation(name):
		want = []string{"trackHeader+trackingCookie"}
	case strings.HasPrefix(name, "GET "):
		want = []string{"cookieAuth", "bearerAuth"}
	default:
		want = []string{"cookieAuth+csrf", "bearerAuth"}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: security = %v, want %v", name, got, want)
	}
}

// isCustomerOperation says the operation takes a customer's tracking cookie, not staff
// credentials.
func isCustomerOperation(name string) bool {
	_, path, _ := strings.Cut(name, " ")
	return strings.HasPrefix(path, "/api/v1/track/case/")
}

// checkErrorResponses: every error response is the envelope, staff operations document 401,
// and writes document 403 (the CSRF check) and the body errors.
func checkErrorResponses(t *testing.T, name string, op *openapi3.Operation, public bool) {
	t.Helper()
	responses := op.Responses.Map()
	for code, r := range responses {
		n, _ := strconv.Atoi(code)
		if n < 400 || name == "GET /readyz" {
			continue
		}
		mt := r.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil || mt.Schema.Ref != "#/components/schemas/ErrorEnvelope" {
			t.Errorf("%s: response %s is not the ErrorEnvelope", name, code)
		}
	}
	need := func(code string) {
		if responses[code] == nil {
			t.Errorf("%s: response %s is missing", name, code)
		}
	}
	if !public {
		need("401")
		if !strings.HasPrefix(name, "GET ") {
			need("403")
		}
	}
	if op.RequestBody != nil {
		need("400")
		need("413")
	}
	if strings.Contains(name, "{") {
		need("404")
	}
}

func TestOpenAPIServedByTheServer(t *testing.T) {
	e := newOpenAPITestServer(t)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/openapi.json = %d, want 200", rec.Code)
	}
	mt, _, err := mime.ParseMediaType(rec.Header().Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationJSON {
		t.Errorf("Content-Type = %q, want application/json", rec.Header().Get(echo.HeaderContentType))
	}
	onDisk, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Body.Bytes(), onDisk) {
		t.Error("the served document differs from openapi.json")
	}
}

// componentSchema returns a named schema of the loaded document.
func componentSchema(t *testing.T, doc *openapi3.T, name string) *openapi3.Schema {
	t.Helper()
	ref := doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		t.Fatalf("components.schemas.%s is missing", name)
	}
	return ref.Value
}

// requestTypes pairs each request schema with the Go type the binder decodes into.
var requestTypes = map[string]reflect.Type{
	"SecondFactorLogin":      reflect.TypeFor[models.SecondFactorLogin](),
	"PasswordResetRequest":   reflect.TypeFor[models.PasswordResetRequest](),
	"PasswordResetConfirm":   reflect.TypeFor[models.PasswordResetConfirm](),
	"PasswordChange":         reflect.TypeFor[models.PasswordChange](),
	"TwoFactorConfirm":       reflect.TypeFor[models.TwoFactorConfirm](),
	"TwoFactorDisable":       reflect.TypeFor[models.TwoFactorDisable](),
	"SecuritySettingsUpdate": reflect.TypeFor[models.SecuritySettings](),
	"EraseCustomerRequest":   reflect.TypeFor[models.ErasureRequest](),
	"RetentionSettings":      reflect.TypeFor[models.RetentionSettings](),
	"PromiseCreate":          reflect.TypeFor[models.PromiseCreate](),
	"PromiseDelay":           reflect.TypeFor[models.PromiseDelay](),
	"LoginRequest":           reflect.TypeFor[models.LoginRequest](),
	"UserCreate":             reflect.TypeFor[models.UserCreate](),
	"UserPatch":              reflect.TypeFor[models.UserPatch](),
	"TeamCreate":             reflect.TypeFor[models.TeamCreate](),
	"TeamPatch":              reflect.TypeFor[models.TeamPatch](),
	"APITokenCreate":         reflect.TypeFor[models.APITokenCreate](),
	"CaseCreate":             reflect.TypeFor[models.CaseCreate](),
	"CustomerCreate":         reflect.TypeFor[models.CustomerCreate](),
	"CasePatch":              reflect.TypeFor[models.CasePatch](),
	"MessageCreate":          reflect.TypeFor[models.MessageCreate](),
	"MergeRequest":           reflect.TypeFor[models.MergeRequest](),
	"WeeklySummaryChange":    reflect.TypeFor[models.WeeklySummaryChange](),

	"BulkChange":       reflect.TypeFor[models.BulkChange](),
	"BulkCaseRef":      reflect.TypeFor[models.BulkCaseRef](),
	"SavedViewCreate":  reflect.TypeFor[models.SavedViewCreate](),
	"SavedViewPatch":   reflect.TypeFor[models.SavedViewPatch](),
	"SavedViewFilters": reflect.TypeFor[models.SavedViewFilters](),

	"ComplaintCreate":       reflect.TypeFor[models.ComplaintCreate](),
	"CustomerMessageCreate": reflect.TypeFor[models.CustomerMessageCreate](),
	"FollowUpCreate":        reflect.TypeFor[models.FollowUpCreate](),
	"TrackingSessionCreate": reflect.TypeFor[models.TrackingSessionCreate](),

	"CategoriesUpdate": reflect.TypeFor[models.CategoriesUpdate](),
	// models.Category is also a response; as a list item of CategoriesUpdate it has its own
	// request schema (the response's required fields are not the request's).
	"CategoryInput":     reflect.TypeFor[models.Category](),
	"CannedReplyCreate": reflect.TypeFor[models.CannedReplyCreate](),
	"CannedReplyPatch":  reflect.TypeFor[models.CannedReplyPatch](),

	"SLAPolicyCreate": reflect.TypeFor[models.SLAPolicyCreate](),
	"SLAPolicyPatch":  reflect.TypeFor[models.SLAPolicyPatch](),
	"SLATargetsInput": reflect.TypeFor[models.SLATargetsInput](),
	// Calendars, holidays and conditions are also responses; as requests they have their own
	// schemas (what a response always holds, a request may leave out). An interval is the same
	// both ways.
	"SLAConditionsInput": reflect.TypeFor[models.SLAConditions](),
	"CalendarInput":      reflect.TypeFor[businesstime.Calendar](),
	"WeeklyHoursInput":   reflect.TypeFor[businesstime.WeeklyHours](),
	"HolidayInput":       reflect.TypeFor[businesstime.Holiday](),
	"Interval":           reflect.TypeFor[businesstime.Interval](),

	"RuleCreate": reflect.TypeFor[escalation.RuleCreate](),
	"RulePatch":  reflect.TypeFor[escalation.RulePatch](),
	// Triggers, conditions and actions are also responses; as requests they have their own
	// schemas (a response always holds what a request may leave out).
	"TriggerInput":   reflect.TypeFor[escalation.Trigger](),
	"ConditionInput": reflect.TypeFor[escalation.Condition](),
	"ActionInput":    reflect.TypeFor[escalation.Action](),
	// A condition's value reads and writes its own JSON, the same both ways (see
	// compareCustomJSONSchema).
	"ConditionValue": reflect.TypeFor[escalation.ConditionValue](),

	"WebhookCreate":       reflect.TypeFor[models.WebhookCreate](),
	"WebhookPatch":        reflect.TypeFor[models.WebhookPatch](),
	"WebhookSecretRotate": reflect.TypeFor[models.WebhookSecretRotate](),

	"ResolutionOptionCreate":      reflect.TypeFor[remedies.OptionCreate](),
	"ResolutionOptionPatch":       reflect.TypeFor[remedies.OptionPatch](),
	"Texts":                       reflect.TypeFor[remedies.Texts](),
	"GrantCreate":                 reflect.TypeFor[grantRequest](),
	"DecisionCreate":              reflect.TypeFor[decisionRequest](),
	"ApprovalClockSettingsUpdate": reflect.TypeFor[remedies.ClockSettingsUpdate](),
	"ReviewSourceCreate":          reflect.TypeFor[models.ReviewSourceCreate](),
	"ReviewSourcePatch":           reflect.TypeFor[models.ReviewSourcePatch](),
	"ReviewReplyRequest":          reflect.TypeFor[models.ReviewReplyRequest](),
	"RootCauseCreate":             reflect.TypeFor[rootCauseCreateRequest](),
	"RootCausePatch":              reflect.TypeFor[rootCausePatchRequest](),
	"RootCauseLink":               reflect.TypeFor[rootCauseLinkRequest](),
	"MailboxCreate":               reflect.TypeFor[models.MailboxCreate](),
	"MailboxPatch":                reflect.TypeFor[models.MailboxPatch](),
	"ReviewLinkRequest":           reflect.TypeFor[linkRequest](),
	"JourneyStagesUpdate":         reflect.TypeFor[stageUpdate](),
	"JourneyStageInput":           reflect.TypeFor[stageAssignment](),
}

// validatedEnums are the request fields whose allowed values a Validate method checks instead
// of a validate tag, keyed as compareField names them, with the values the code accepts: the
// schema must state exactly these as its enum.
var validatedEnums = map[string][]string{
	"TriggerInput.type":         stringsOf(escalation.TriggerTypes),
	"ConditionInput.field":      stringsOf(escalation.ConditionFields),
	"ConditionInput.op":         conditionOps(),
	"ActionInput.type":          stringsOf(escalation.ActionTypes),
	"ActionInput.priority":      stringsOf([]models.Priority{models.PriorityLow, models.PriorityNormal, models.PriorityHigh, models.PriorityUrgent}),
	"ActionInput.role":          {escalation.NotifyAgents, escalation.NotifyManagers, escalation.NotifyAdmins},
	"ActionInput.fallback_role": {escalation.NotifyAgents, escalation.NotifyManagers, escalation.NotifyAdmins},
	"ActionInput.channels[]":    {escalation.NotifyInApp, escalation.NotifyEmail},
}

func stringsOf[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

// conditionOps is every op some condition field takes.
func conditionOps() []string {
	var out []string
	for _, f := range escalation.ConditionFields {
		for _, op := range escalation.ConditionOps(f) {
			if !slices.Contains(out, string(op)) {
				out = append(out, string(op))
			}
		}
	}
	return out
}

// requestBodies names the request schema of each operation that takes a body.
var requestBodies = map[string]string{
	"setMyWeeklySummary": "WeeklySummaryChange", // Reports (issue 16)
	"login":              "LoginRequest", "createUser": "UserCreate", "updateUser": "UserPatch",
	"createTeam": "TeamCreate", "updateTeam": "TeamPatch", "createAPIToken": "APITokenCreate",
	"createCase": "CaseCreate", "updateCase": "CasePatch", "addCaseMessage": "MessageCreate", "mergeCase": "MergeRequest",
	"submitComplaint": "ComplaintCreate", "openTracking": "TrackingSessionCreate", "addCustomerMessage": "CustomerMessageCreate", "answerFollowUp": "FollowUpCreate",
	"recordFollowUp": "FollowUpCreate", "createPromise": "PromiseCreate", "delayPromise": "PromiseDelay",
	"addCustomerMessageWithCookie": "CustomerMessageCreate", "answerFollowUpWithCookie": "FollowUpCreate",
	"replaceCategories": "CategoriesUpdate", "createCannedReply": "CannedReplyCreate", "updateCannedReply": "CannedReplyPatch",
	"createSLAPolicy": "SLAPolicyCreate", "updateSLAPolicy": "SLAPolicyPatch",
	"createRule": "RuleCreate", "previewRule": "RuleCreate", "updateRule": "RulePatch",
	"createWebhook": "WebhookCreate", "updateWebhook": "WebhookPatch", "rotateWebhookSecret": "WebhookSecretRotate",
	"bulkUpdateCases": "BulkChange", "createSavedView": "SavedViewCreate", "updateSavedView": "SavedViewPatch",
	"createResolutionOption": "ResolutionOptionCreate", "updateResolutionOption": "ResolutionOptionPatch",
	"grantRemedy":           "GrantCreate",
	"decideApproval":        "DecisionCreate",
	"setApprovalClock":      "ApprovalClockSettingsUpdate",
	"createReviewSource":    "ReviewSourceCreate",
	"updateReviewSource":    "ReviewSourcePatch",
	"replyToReview":         "ReviewReplyRequest",
	"createRootCause":       "RootCauseCreate",
	"patchRootCause":        "RootCausePatch",
	"linkRootCauseCases":    "RootCauseLink",
	"createMailbox":         "MailboxCreate",
	"updateMailbox":         "MailboxPatch",
	"loginSecondFactor":     "SecondFactorLogin",
	"requestPasswordReset":  "PasswordResetRequest",
	"confirmPasswordReset":  "PasswordResetConfirm",
	"changeOwnPassword":     "PasswordChange",
	"confirmTwoFactor":      "TwoFactorConfirm",
	"disableTwoFactor":      "TwoFactorDisable",
	"newRecoveryCodes":      "TwoFactorDisable",
	"saveSecuritySettings":  "SecuritySettingsUpdate",
	"linkReview":            "ReviewLinkRequest",
	"replaceJourneyStages":  "JourneyStagesUpdate",
	"eraseCustomerData":     "EraseCustomerRequest",
	"saveRetentionSettings": "RetentionSettings",
}

// rawBodies names the request schema of operations that read their body raw and parse it
// themselves (the signed review webhook): their examples go through that parser instead.
var rawBodies = map[string]string{"ingestReviews": "ReviewDelivery"}

// multipartForms names the multipart/form-data schema of the operations that also take files:
// the JSON request's fields as text parts, and the files as parts named "attachments".
var multipartForms = map[string]string{"submitComplaint": "ComplaintForm", "addCustomerMessage": "CustomerMessageForm", "addCaseMessage": "MessageForm",
	"addCustomerMessageWithCookie": "CustomerMessageForm"}

// fileUploads are the operations whose body is only a multipart form with a file (the review
// import): no JSON body to check against a request type or the binder.
var fileUploads = map[string]bool{"importReviews": true}

func TestOpenAPIRequestSchemasMatchValidateTags(t *testing.T) {
	doc := loadOpenAPI(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if fileUploads[op.OperationID] {
				if op.RequestBody == nil || op.RequestBody.Value.Content.Get("multipart/form-data") == nil {
					t.Errorf("%s %s: document its multipart form", method, path)
				}
				continue
			}
			want, takesBody := requestBodies[op.OperationID]
			if raw, ok := rawBodies[op.OperationID]; ok {
				want, takesBody = raw, true
			}
			if op.RequestBody == nil {
				if takesBody {
					t.Errorf("%s %s: no requestBody, want %s", method, path, want)
				}
				continue
			}
			rb := op.RequestBody.Value
			mt := rb.Content.Get("application/json")
			form, takesFiles := multipartForms[op.OperationID]
			contentTypes := 1
			if takesFiles {
				contentTypes = 2
			}
			if !rb.Required || mt == nil || len(rb.Content) != contentTypes {
				t.Errorf("%s %s: the body must be required and application/json only (and multipart/form-data for %v)",
					method, path, slices.Sorted(maps.Keys(multipartForms)))
				continue
			}
			if got := strings.TrimPrefix(mt.Schema.Ref, "#/components/schemas/"); got != want {
				t.Errorf("%s %s: body schema %q, want %q", method, path, got, want)
			}
			if takesFiles {
				fm := rb.Content["multipart/form-data"]
				if fm == nil || fm.Schema == nil || fm.Schema.Ref != "#/components/schemas/"+form {
					t.Errorf("%s %s: needs multipart/form-data with schema %s", method, path, form)
				} else {
					compareFormSchema(t, form, fm.Schema.Value, componentSchema(t, doc, want))
				}
			}
		}
	}
	for at := range validatedEnums {
		name, prop, _ := strings.Cut(at, ".")
		if requestTypes[name] == nil || componentSchema(t, doc, name).Properties[strings.TrimSuffix(prop, "[]")] == nil {
			t.Errorf("validatedEnums: %s names no request field", at)
		}
	}
	for name, typ := range requestTypes {
		t.Run(name, func(t *testing.T) {
			if readsOwnJSON(typ) {
				compareCustomJSONSchema(t, doc, name, componentSchema(t, doc, name), typ)
				return
			}
			compareRequestSchema(t, name, componentSchema(t, doc, name), typ)
		})
	}
}

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// readsOwnJSON reports whether typ decodes itself (json.Unmarshaler): it has no fixed JSON kind
// or fields to compare.
func readsOwnJSON(typ reflect.Type) bool {
	return typ.Kind() == reflect.Struct && reflect.PointerTo(typ).Implements(jsonUnmarshaler)
}

// compareCustomJSONSchema checks the schema of a type that reads and writes its own JSON by its
// examples, at least one per alternative (oneOf) of the schema: each fits the schema and goes
// through the type unchanged (decoded and encoded again, it is the same JSON), so every shape the
// document shows is one the type accepts as it is.
func compareCustomJSONSchema(t *testing.T, doc *openapi3.T, at string, s *openapi3.Schema, typ reflect.Type) {
	t.Helper()
	if !reflect.PointerTo(typ).Implements(jsonMarshaler) && !typ.Implements(jsonMarshaler) {
		t.Errorf("%s: %s decodes itself but does not encode itself; the test does not know it", at, typ)
	}
	if len(s.Examples) == 0 {
		t.Errorf("%s: give the schema examples of every shape %s takes", at, typ)
	}
	covered := make([]bool, len(s.OneOf))
	opts := append(doc.GetSchemaValidationOptions(), openapi3.EnableJSONSchema2020(), openapi3.MultiErrors())
	for i, ex := range s.Examples {
		raw, _ := json.Marshal(ex)
		if err := s.VisitJSON(ex, opts...); err != nil {
			t.Errorf("%s: example %d %s does not fit the schema: %v", at, i, raw, err)
		}
		for j, alt := range s.OneOf {
			if alt.Value != nil && alt.Value.VisitJSON(ex, opts...) == nil {
				covered[j] = true
			}
		}
		v := reflect.New(typ)
		if err := json.Unmarshal(raw, v.Interface()); err != nil {
			t.Errorf("%s: example %d %s does not decode into %s: %v", at, i, raw, typ, err)
			continue
		}
		again, err := json.Marshal(v.Elem().Interface())
		if err != nil {
			t.Errorf("%s: example %d %s does not encode again: %v", at, i, raw, err)
			continue
		}
		if !bytes.Equal(raw, again) {
			t.Errorf("%s: example %d %s comes back from %s as %s", at, i, raw, typ, again)
		}
	}
	for j, ok := range covered {
		if !ok {
			t.Errorf("%s: no example of alternative %d (oneOf)", at, j)
		}
	}
}

// compareFormSchema checks that a multipart form has the parts of the JSON request, described
// alike and required alike, plus at most MaxFiles files in "attachments", and forbids other parts
// (the handler refuses them).
func compareFormSchema(t *testing.T, at string, form, body *openapi3.Schema) {
	t.Helper()
	if form.AdditionalProperties.Has == nil || *form.AdditionalProperties.Has {
		t.Errorf("%s: needs additionalProperties: false (the handler refuses unknown parts)", at)
	}
	for name, p := range body.Properties {
		fp := form.Properties[name]
		if fp == nil {
			t.Errorf("%s: part %s is missing", at, name)
			continue
		}
		a, _ := json.Marshal(fp)
		b, _ := json.Marshal(p)
		if !bytes.Equal(a, b) {
			t.Errorf("%s.%s: %s, want it as in the JSON request: %s", at, name, a, b)
		}
	}
	for name, fp := range form.Properties {
		if body.Properties[name] != nil {
			continue
		}
		if name != "attachments" {
			t.Errorf("%s: part %s is not a field of the JSON request", at, name)
			continue
		}
		s := fp.Value
		if !s.Type.Is("array") || s.Items == nil || s.Items.Value == nil || !s.Items.Value.Type.Is("string") {
			t.Errorf("%s.attachments: must be an array of files", at)
		}
		if max := helpdesk.DefaultIntakeLimits.MaxFiles; s.MaxItems == nil || *s.MaxItems != uint64(max) {
			t.Errorf("%s.attachments: maxItems must be %d, the intake's MaxFiles", at, max)
		}
	}
	if form.Properties["attachments"] == nil {
		t.Errorf("%s: the attachments part is missing", at)
	}
	got, want := slices.Sorted(slices.Values(form.Required)), slices.Sorted(slices.Values(body.Required))
	if !slices.Equal(got, want) {
		t.Errorf("%s: required %v, want %v as in the JSON request", at, got, want)
	}
}

// compareRequestSchema checks that a request schema names exactly the JSON fields of typ, forbids
// others, requires what the validate tags require, and states the same limits.
func compareRequestSchema(t *testing.T, at string, s *openapi3.Schema, typ reflect.Type) {
	t.Helper()
	if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
		t.Errorf("%s: needs additionalProperties: false (the binder refuses unknown fields)", at)
	}
	var names, required []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		names = append(names, name)
		field, items := splitValidateTag(f.Tag.Get("validate"))
		if slices.Contains(field, "required") {
			required = append(required, name)
		}
		ps := s.Properties[name]
		if ps == nil || ps.Value == nil {
			continue // reported below
		}
		compareField(t, at+"."+name, ps.Ref, ps.Value, f.Type, field, items)
	}
	var props []string
	for name := range s.Properties {
		props = append(props, name)
	}
	sort.Strings(names)
	sort.Strings(props)
	if !slices.Equal(names, props) {
		t.Errorf("%s: properties %v, want the JSON fields %v", at, props, names)
	}
	got := slices.Clone(s.Required)
	sort.Strings(got)
	sort.Strings(required)
	if !slices.Equal(got, required) {
		t.Errorf("%s: required %v, want %v (validate:\"required\")", at, got, required)
	}
}

// splitValidateTag splits a validate tag into the field's rules and the rules after dive.
func splitValidateTag(tag string) (field, items []string) {
	if tag == "" {
		return nil, nil
	}
	rules := strings.Split(tag, ",")
	if i := slices.Index(rules, "dive"); i >= 0 {
		return rules[:i], rules[i+1:]
	}
	return rules, nil
}

func compareField(t *testing.T, at, ref string, s *openapi3.Schema, typ reflect.Type, rules, itemRules []string) {
	t.Helper()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if readsOwnJSON(typ) {
		// It has its own request schema, checked by compareCustomJSONSchema, which the field
		// must reference.
		if name := strings.TrimPrefix(ref, "#/components/schemas/"); requestTypes[name] != typ {
			t.Errorf("%s: references %q, want the request schema of %s", at, ref, typ)
		}
		if len(rules) > 0 || len(itemRules) > 0 {
			t.Errorf("%s: the test does not know validate rules on %s, which decodes itself", at, typ)
		}
		return
	}
	// A map is a JSON object whose keys are data: "map" here, "object" in the document.
	kind := map[reflect.Kind]string{reflect.String: "string", reflect.Bool: "boolean", reflect.Int: "integer",
		reflect.Int64: "integer", reflect.Slice: "array", reflect.Struct: "object", reflect.Map: "map"}[typ.Kind()]
	if kind == "" {
		t.Errorf("%s: the test does not know Go kind %s", at, typ.Kind())
		return
	}
	if jsonType := strings.Replace(kind, "map", "object", 1); !s.Type.Is(jsonType) {
		t.Errorf("%s: type %v, want %s", at, s.Type, jsonType)
	}
	var minLen, maxLen, minItems, maxItems, minimum, maximum, minProps, maxProps *float64
	var enum []string
	format := ""
	for _, r := range rules {
		name, param, _ := strings.Cut(r, "=")
		switch name {
		case "omitempty":
		case "required":
			// A required string is non-empty: minLength 1, unless an enum already says so.
			if kind == "string" && !slices.ContainsFunc(rules, func(r string) bool { return strings.HasPrefix(r, "oneof=") }) {
				one := 1.0
				minLen = &one
			}
		case "email":
			format = "email"
		case "oneof":
			enum = strings.Fields(param)
			if validatedEnums[at] != nil {
				t.Errorf("%s: has both a oneof tag and a validatedEnums entry; drop the entry", at)
			}
		case "min", "max":
			n, err := strconv.ParseFloat(param, 64)
			if err != nil {
				t.Fatalf("%s: bad validate rule %q", at, r)
			}
			dst := map[string]map[string]**float64{
				"string":  {"min": &minLen, "max": &maxLen},
				"array":   {"min": &minItems, "max": &maxItems},
				"integer": {"min": &minimum, "max": &maximum},
				"map":     {"min": &minProps, "max": &maxProps},
			}[kind][name]
			if dst == nil {
				t.Errorf("%s: the test does not know %s on %s", at, r, kind)
				continue
			}
			*dst = &n
		default:
			t.Errorf("%s: the test does not know validate rule %q; teach it, and say it in openapi.json", at, r)
		}
	}
	if enum == nil {
		enum = slices.Clone(validatedEnums[at])
	}
	eq := func(what string, want *float64, got *float64) {
		switch {
		case want == nil && got == nil:
		case want == nil || got == nil || *want != *got:
			t.Errorf("%s: %s = %s, want %s", at, what, fmtNum(got), fmtNum(want))
		}
	}
	u2f := func(u uint64) *float64 {
		if u == 0 {
			return nil
		}
		f := float64(u)
		return &f
	}
	up2f := func(u *uint64) *float64 {
		if u == nil {
			return nil
		}
		f := float64(*u)
		return &f
	}
	switch kind {
	case "string":
		eq("minLength", minLen, u2f(s.MinLength))
		eq("maxLength", maxLen, up2f(s.MaxLength))
	case "array":
		eq("minItems", minItems, u2f(s.MinItems))
		eq("maxItems", maxItems, up2f(s.MaxItems))
		if s.Items == nil || s.Items.Value == nil {
			t.Errorf("%s: items missing", at)
		} else {
			compareField(t, at+"[]", s.Items.Ref, s.Items.Value, typ.Elem(), itemRules, nil)
		}
	case "integer":
		eq("minimum", minimum, s.Min)
		eq("maximum", maximum, s.Max)
	case "map":
		eq("minProperties", minProps, u2f(s.MinProps))
		eq("maxProperties", maxProps, up2f(s.MaxProps))
		compareMap(t, at, s, typ, itemRules)
	case "object":
		// A nested request type is compared under its own request schema, which the field must
		// reference.
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		if requestTypes[name] != typ {
			t.Errorf("%s: references %q, want the request schema of %s", at, ref, typ)
		}
	}
	if format != s.Format && !(format == "" && s.Format == "int64") {
		t.Errorf("%s: format %q, want %q", at, s.Format, format)
	}
	var gotEnum []string
	for _, v := range s.Enum {
		gotEnum = append(gotEnum, v.(string))
	}
	sort.Strings(enum)
	sort.Strings(gotEnum)
	if !slices.Equal(enum, gotEnum) {
		t.Errorf("%s: enum %v, want %v (validate oneof, or validatedEnums)", at, gotEnum, enum)
	}
}

// compareMap checks a map's keys and values. Its rules after dive are the keys' rules between
// "keys" and "endkeys", then the values' rules. The keys are strings whose enum (under
// propertyNames) is what the keys' oneof allows; the values are described by
// additionalProperties, and there are no fixed properties.
func compareMap(t *testing.T, at string, s *openapi3.Schema, typ reflect.Type, rules []string) {
	t.Helper()
	var keyRules, valueRules []string
	if len(rules) > 0 && rules[0] == "keys" {
		end := slices.Index(rules, "endkeys")
		if end < 0 {
			t.Fatalf("%s: keys without endkeys in the validate tag", at)
		}
		keyRules, valueRules = rules[1:end], rules[end+1:]
	} else {
		valueRules = rules
	}
	if typ.Key().Kind() != reflect.String {
		t.Errorf("%s: the test does not know map keys of kind %s", at, typ.Key().Kind())
	}
	var keyEnum []string
	for _, r := range keyRules {
		name, param, _ := strings.Cut(r, "=")
		if name != "oneof" {
			t.Errorf("%s: the test does not know the key rule %q; teach it, and say it in openapi.json", at, r)
			continue
		}
		keyEnum = strings.Fields(param)
	}
	var gotKeys []string
	if pn := s.PropertyNames; pn != nil && pn.Value != nil {
		if !pn.Value.Type.Is("string") {
			t.Errorf("%s: propertyNames must be strings", at)
		}
		for _, v := range pn.Value.Enum {
			gotKeys = append(gotKeys, v.(string))
		}
	}
	sort.Strings(keyEnum)
	sort.Strings(gotKeys)
	if !slices.Equal(keyEnum, gotKeys) {
		t.Errorf("%s: propertyNames enum %v, want %v (validate keys,oneof)", at, gotKeys, keyEnum)
	}
	if len(s.Properties) > 0 {
		t.Errorf("%s: a map has no fixed properties", at)
	}
	values := s.AdditionalProperties.Schema
	if values == nil || values.Value == nil {
		t.Errorf("%s: additionalProperties must describe the values", at)
		return
	}
	compareField(t, at+"{}", values.Ref, values.Value, typ.Elem(), valueRules, nil)
}

func fmtNum(f *float64) string {
	if f == nil {
		return "unset"
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

// TestOpenAPIRequestExamplesPassTheBinder sends every request example of the document through
// the real binder: what the document shows, the server accepts.
func TestOpenAPIRequestExamplesPassTheBinder(t *testing.T) {
	doc := loadOpenAPI(t)
	e := newOpenAPITestServer(t)
	b := NewBinder(1 << 20)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil || fileUploads[op.OperationID] {
				continue
			}
			mt := op.RequestBody.Value.Content.Get("application/json")
			if mt.Example == nil {
				t.Errorf("%s %s: give the request body an example", method, path)
				continue
			}
			raw, _ := json.Marshal(mt.Example)
			if _, ok := rawBodies[op.OperationID]; ok {
				if _, err := reviews.Parse(raw, 5); err != nil {
					t.Errorf("%s %s: the parser refuses the documented example %s: %v", method, path, raw, err)
				}
				continue
			}
			req := httptest.NewRequest(method, "/", bytes.NewReader(raw))
			req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
			c := e.NewContext(req, httptest.NewRecorder())
			dst := reflect.New(requestTypes[requestBodies[op.OperationID]])
			if err := b.bindJSON(c, dst.Interface()); err != nil {
				t.Errorf("%s %s: the binder refuses the documented example %s: %v", method, path, raw, err)
			}
		}
	}
}

// responseTypes pairs response schemas with the Go types the server encodes.
var responseTypes = map[string]reflect.Type{
	"User":          reflect.TypeFor[models.User](),
	"StaffMember":   reflect.TypeFor[models.StaffMember](),
	"Team":          reflect.TypeFor[models.Team](),
	"APIToken":      reflect.TypeFor[models.APIToken](),
	"NewAPIToken":   reflect.TypeFor[staff.NewAPIToken](),
	"Me":            reflect.TypeFor[meResponse](),
	"Customer":      reflect.TypeFor[models.Customer](),
	"Message":       reflect.TypeFor[models.Message](),
	"TimelineEvent": reflect.TypeFor[models.TimelineEvent](),
	"Case":          reflect.TypeFor[models.Case](),
	"CaseSummary":   reflect.TypeFor[caseSummary](),
	"FacetValue":    reflect.TypeFor[search.FacetValue](),
	"AttachmentRef": reflect.TypeFor[models.AttachmentRef](),
	"FollowUp":      reflect.TypeFor[models.FollowUp](),
	"FollowUpCheck": reflect.TypeFor[models.FollowUpCheck](),
	"Promise":       reflect.TypeFor[models.Promise](),
	"PublicCase":    reflect.TypeFor[models.PublicCase](),
	"PublicMessage": reflect.TypeFor[models.PublicMessage](),
	"RemedyOutcome": reflect.TypeFor[models.RemedyOutcome](),
	"Receipt":       reflect.TypeFor[helpdesk.Receipt](),
	"FormOptions":   reflect.TypeFor[helpdesk.FormOptions](),
	"FormCategory":  reflect.TypeFor[helpdesk.FormCategory](),
	"Category":      reflect.TypeFor[models.Category](),
	"CannedReply":   reflect.TypeFor[models.CannedReply](),
	"Viewer":        reflect.TypeFor[helpdesk.Viewer](),
	"Event":         reflect.TypeFor[eventResponse](),
	"OutboxMail":    reflect.TypeFor[outboxMailResponse](),
	"SLAPolicy":     reflect.TypeFor[models.SLAPolicy](),
	"SLATargets":    reflect.TypeFor[models.SLATargets](),
	"SLAConditions": reflect.TypeFor[models.SLAConditions](),
	"Calendar":      reflect.TypeFor[businesstime.Calendar](),
	"WeeklyHours":   reflect.TypeFor[businesstime.WeeklyHours](),
	"Interval":      reflect.TypeFor[businesstime.Interval](),
	"Holiday":       reflect.TypeFor[businesstime.Holiday](),
	"SLAClock":      reflect.TypeFor[models.SLAClock](),
	"Rule":          reflect.TypeFor[escalation.Rule](),
	"Trigger":       reflect.TypeFor[escalation.Trigger](),
	"Condition":     reflect.TypeFor[escalation.Condition](),
	"Action":        reflect.TypeFor[escalation.Action](),
	"PreviewMatch":  reflect.TypeFor[escalation.PreviewMatch](),
	"Notification":  reflect.TypeFor[notificationResponse](),

	"WebhookEndpoint":    reflect.TypeFor[webhookEndpointResponse](),
	"WebhookChoice":      reflect.TypeFor[webhookChoiceResponse](),
	"WebhookDelivery":    reflect.TypeFor[webhookDeliveryResponse](),
	"WebhookPayload":     reflect.TypeFor[webhook.Payload](),
	"WebhookPingPayload": reflect.TypeFor[webhook.PingPayload](),

	"BulkResult":            reflect.TypeFor[bulkResponse](),
	"BulkCaseResult":        reflect.TypeFor[bulkCaseResult](),
	"SavedView":             reflect.TypeFor[savedView](),
	"Grant":                 reflect.TypeFor[models.Grant](),
	"ResolutionOption":      reflect.TypeFor[optionResponse](),
	"GrantResult":           reflect.TypeFor[grantResponse](),
	"Approval":              reflect.TypeFor[approvalResponse](),
	"ApprovalClock":         reflect.TypeFor[approvalClockResponse](),
	"ApprovalClockSettings": reflect.TypeFor[approvalClockSettingsResponse](),
	"Spending":              reflect.TypeFor[spendingResponse](),
	"ReportStat":            reflect.TypeFor[reports.Stat](),
	"ReportFigures":         reflect.TypeFor[reports.Figures](),
	"ReportPeriod":          reflect.TypeFor[reports.Period](),
	"ReportGroup":           reflect.TypeFor[reports.Group](),
	"ReportBacklogBucket":   reflect.TypeFor[reports.BacklogBucket](),
	"Report":                reflect.TypeFor[reports.Report](),

	"ReviewSource": reflect.TypeFor[reviewSourceResponse](),
	"IngestResult": reflect.TypeFor[ingestResultResponse](),
	"Review":       reflect.TypeFor[models.Review](),

	"SessionInfo":         reflect.TypeFor[staff.SessionInfo](),
	"TwoFactorStatus":     reflect.TypeFor[staff.TwoFactorStatus](),
	"TwoFactorEnrolment":  reflect.TypeFor[staff.TwoFactorEnrolment](),
	"RecoveryCodes":       reflect.TypeFor[staff.RecoveryCodes](),
	"SecuritySettings":    reflect.TypeFor[models.SecuritySettings](),
	"AuditEntry":          reflect.TypeFor[models.AuditEntry](),
	"LoginChallenge":      reflect.TypeFor[loginChallengeResponse](),
	"JourneyStage":        reflect.TypeFor[stageAssignment](),
	"JourneyStation":      reflect.TypeFor[stationResponse](),
	"JourneyMinutes":      reflect.TypeFor[minutesBetween](),
	"JourneyStageFigures": reflect.TypeFor[stageResponse](),
	"Journey":             reflect.TypeFor[journeyResponse](),
}

func TestOpenAPIResponseSchemasMatchTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	check := func(name string, s *openapi3.Schema, typ reflect.Type) {
		var names, required []string
		for i := range typ.NumField() {
			f := typ.Field(i)
			jsonName, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || jsonName == "-" {
				continue
			}
			names = append(names, jsonName)
			if !strings.Contains(opts, "omitempty") {
				required = append(required, jsonName)
			}
		}
		if typ.Implements(jsonMarshaler) {
			// The type writes itself: its JSON fields are what it writes with every field set,
			// and the required ones what it still writes for its zero value.
			names, required = marshaledKeys(t, typ, true), marshaledKeys(t, typ, false)
		}
		var props []string
		for p := range s.Properties {
			props = append(props, p)
		}
		got := slices.Clone(s.Required)
		for _, l := range [][]string{names, required, props, got} {
			sort.Strings(l)
		}
		if !slices.Equal(props, names) {
			t.Errorf("%s: properties %v, want the JSON fields of %s %v", name, props, typ, names)
		}
		if !slices.Equal(got, required) {
			t.Errorf("%s: required %v, want the fields without omitempty %v", name, got, required)
		}
	}
	for name, typ := range responseTypes {
		check(name, componentSchema(t, doc, name), typ)
	}
	check("ErrorEnvelope.error", componentSchema(t, doc, "ErrorEnvelope").Properties["error"].Value,
		reflect.TypeFor[ErrorDetail]())
}

var jsonMarshaler = reflect.TypeFor[json.Marshaler]()

// marshaledKeys encodes a value of typ (struct kind) and returns the keys of the JSON object it
// writes: for its zero value, or with every field set (pointers allocated, strings, numbers and
// times not zero, one item in every list and map).
func marshaledKeys(t *testing.T, typ reflect.Type, full bool) []string {
	t.Helper()
	v := reflect.New(typ).Elem()
	if full {
		fillValue(v)
	}
	raw, err := json.Marshal(v.Interface())
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		t.Fatalf("%s does not encode to a JSON object: %s", typ, raw)
	}
	return slices.Collect(maps.Keys(obj))
}

func fillValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillValue(v.Elem())
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(time.Hour)) // a whole number of seconds and minutes, as a duration
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillValue(v.Index(0))
	case reflect.Map:
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fillValue(k)
		fillValue(e)
		v.Set(reflect.MakeMap(v.Type()))
		v.SetMapIndex(k, e)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillValue(v.Field(i))
			}
		}
	}
}

// TestOpenAPIResponsesFitSchemas encodes what the handlers send and validates it against the
// documented response schemas.
func TestOpenAPIResponsesFitSchemas(t *testing.T) {
	doc := loadOpenAPI(t)
	now := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	later := now.Add(time.Hour)
	user := &models.User{ID: "QJ4WZ3M7XK2PLR5T", Email: "aino@example.com", Name: "Aino", Role: models.RoleAgent,
		TeamIDs: []string{}, Locale: "fi", Active: true, CreatedAt: now, UpdatedAt: now, Currency: "EUR"}
	gone := &models.User{ID: "M7XK2PLR5TQJ4WZ3", Email: "pekka@example.com", Name: "Pekka", Role: models.RoleManager,
		TeamIDs: []string{"T7K2M4XQ3ZJW5PLA"}, AuthorityLimitCents: 50000, Currency: "EUR"}
	team := &models.Team{ID: "T7K2M4XQ3ZJW5PLA", Name: "Deliveries", CreatedAt: now, UpdatedAt: now}
	token := models.APIToken{PublicID: "A5PL3QJ7XK2MZW4T", Name: "CRM", CreatedAt: now}
	used := token
	used.LastUsedAt = &later
	cs := models.NewCase("K-2026-000042", models.CaseCreate{Subject: "Torn sofa", Description: "A tear",
		Customer: models.CustomerCreate{Name: "Matti", Email: "matti@example.com"}, Tags: []string{"Damaged"}},
		models.Actor{ID: user.ID, Name: user.Name}, now)
	status := models.StatusResolved
	if err := cs.ApplyPatch(models.CasePatch{Version: 1, Status: &status}, models.Actor{Name: "Aino"}, later); err != nil {
		t.Fatal(err)
	}
	cs.Messages = append(cs.Messages, models.Message{ID: "m1", Kind: models.MessageReply, AuthorID: user.ID,
		Author: "Aino", Body: "Sorry!", CreatedAt: later})
	cs.FirstResponseAt = &later
	hit := search.Hit{Doc: search.CaseDoc{ID: cs.ID, Subject: cs.Subject, Status: "open", Priority: "normal",
		Channel: "phone", CreatedAt: now, UpdatedAt: now, Version: 2},
		Highlights: map[string][]string{"subject": {"<mark>Torn</mark> sofa"}}}
	unassigned := summaryOf(search.Hit{Doc: search.CaseDoc{ID: "K-2026-000043", Status: "new", Priority: "low",
		Channel: "api", ExpectedOutcome: "refund", CreatedAt: now, UpdatedAt: now, Version: 1}})

	// A filed complaint with files, replies, a follow-up; a duplicate merged into it.
	trackingToken := strings.Repeat("K3ZQ7M2XW4PLR5TJ", 4)
	complaint := models.NewComplaintCase("K-2026-000044", models.ComplaintCreate{Name: "Matti", Email: "matti@example.com",
		Category: "delivery", Touchpoint: "delivery", OrderRef: "W-1", Description: "The sofa arrived torn.\nLeft arm.",
		ExpectedOutcome: "replacement", Locale: "fi"}, "hash", now)
	complaint.Attachments = []models.AttachmentRef{{ID: "A1", MessageID: "original", Name: "sofa.jpg", ContentType: "image/jpeg",
		Size: 2048, Public: true, CreatedAt: now}, {ID: "A2", MessageID: "m9", Name: "invoice.pdf", ContentType: "application/pdf",
		Size: 4096, Public: false, CreatedAt: now}}
	complaint.AddCustomerMessage("m2", "Any news?", now)
	complaint.AddStaffMessage("m3", models.MessageReply, "A new one is on its way.", models.Actor{ID: user.ID, Name: user.Name}, later)
	complaint.AddStaffMessage("m4", models.MessageNote, "Courier damage.", models.Actor{ID: user.ID, Name: user.Name}, later)
	complaint.Messages = append(complaint.Messages, models.Message{ID: "K-2026-000045-original", Kind: models.MessageCustomer,
		Author: "Matti", Body: "Torn sofa", CreatedAt: now, MergedFrom: "K-2026-000045"})
	complaint.Status = models.StatusResolved
	complaint.ResolvedAt = &later
	complaint.FollowUp = &models.FollowUp{Resolved: true, Rating: 5, Comment: "", At: later}
	duplicate := models.NewComplaintCase("K-2026-000045", models.ComplaintCreate{Name: "Matti", Email: "matti@example.com",
		Category: "delivery", Touchpoint: "web_shop", Description: "Torn sofa", ExpectedOutcome: "refund"}, "", now)
	duplicate.Status = models.StatusClosed
	duplicate.MergedInto = complaint.ID
	canned := models.CannedReply{ID: "R5TQJ4WZ3M7XK2PL", Title: "Sorry", Body: "Hello {{customer_name}}, about {{reference}}.",
		Locale: "en", CreatedBy: user.ID, CreatedAt: now, UpdatedAt: now}
	mail := &models.OutboxMail{ID: "X2PLR5TQJ4WZ3M7K", Status: models.OutboxSent, CreatedAt: now, DoneAt: later, Attempts: 1,
		Message: models.MailMessage{To: "matti@example.com", ToName: "Matti", Subject: "K-2026-000044", Text: "Hei!",
			Kind: "ack", CaseID: complaint.ID, Locale: "fi", MessageID: "x2plr@help.example.com"}}
	failed := &models.OutboxMail{ID: "Y2PLR5TQJ4WZ3M7K", Status: models.OutboxFailed, CreatedAt: now, DoneAt: later, Attempts: 8,
		LastError: "550 no such user", Message: models.MailMessage{To: "nobody@example.com", Subject: "Hello", Text: "Hi",
			HTML: "<p>Hi</p>", Kind: "notification", MessageID: "y2plr@help.example.com"}}

	// SLA policies: the default calendar, and one with every part of a calendar; a case under the
	// latter whose clocks were paused, resumed, warned, breached and met (late), and one answered
	// in time and now waiting on the customer.
	standard, err := models.NewSLAPolicy("default", models.SLAPolicyCreate{Name: "Standard",
		Targets: map[models.Priority]models.SLATargetsInput{models.PriorityNormal: {FirstResponseMinutes: 480, ResolutionMinutes: 2400}}}, now)
	if err != nil {
		t.Fatal(err)
	}
	enabled, warnAt := false, 80
	policy, err := models.NewSLAPolicy("P3QJ7XK2MZW4TA5L", models.SLAPolicyCreate{Name: "Complaints", Enabled: &enabled,
		Position: 2, FinalAnswerDays: 56, WarnAtPercent: &warnAt,
		Calendar: &businesstime.Calendar{TimeZone: "Europe/Helsinki", Hours: businesstime.WeeklyHours{
			Monday: []businesstime.Interval{{Start: "08:00", End: "12:00"}, {Start: "13:00", End: "16:00"}},
			Friday: []businesstime.Interval{{Start: "22:00", End: "06:00"}}, Sunday: []businesstime.Interval{{Start: "00:00", End: "24:00"}}},
			Holidays: []businesstime.Holiday{{Date: "2026-12-24", Name: "Christmas Eve"}, {Date: "2026-12-25"}}},
		Targets: map[models.Priority]models.SLATargetsInput{
			models.PriorityNormal: {FirstResponseMinutes: 240, NextResponseMinutes: 480, ResolutionMinutes: 2400},
			models.PriorityUrgent: {FirstResponseMinutes: 60}},
		Conditions: models.SLAConditions{Channels: []string{"web_form"}, Categories: []string{"Delivery"}, Touchpoints: []string{"store"}},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	timed := models.NewCase("K-2026-000046", models.CaseCreate{Subject: "Late sofa", Description: "Not here",
		Customer: models.CustomerCreate{Name: "Matti", Email: "matti@example.com"}}, models.Actor{ID: user.ID, Name: user.Name}, now)
	timed.StartSLA(*policy, now)
	timed.Status = models.StatusWaiting
	timed.SLAAfter(*policy, models.SLAOnStatus, models.StatusNew, now.Add(time.Hour))
	timed.Status = models.StatusOpen
	timed.SLAAfter(*policy, models.SLAOnStatus, models.StatusWaiting, now.Add(2*time.Hour))
	timed.EvaluateSLA(now.AddDate(0, 0, 30))
	timed.AddStaffMessage("m5", models.MessageReply, "Sorry!", models.Actor{ID: user.ID, Name: user.Name}, now.AddDate(0, 0, 31))
	timed.SLAAfter(*policy, models.SLAOnAgentReply, models.StatusOpen, now.AddDate(0, 0, 31))
	timed.AddCustomerMessage("m6", "Still nothing.", now.AddDate(0, 0, 32))
	timed.SLAAfter(*policy, models.SLAOnCustomerReply, models.StatusOpen, now.AddDate(0, 0, 32))
	waiting := models.NewCase("K-2026-000047", models.CaseCreate{Subject: "Scratched table", Description: "A scratch",
		Customer: models.CustomerCreate{Name: "Aino", Email: "aino@example.com"}}, models.Actor{ID: user.ID, Name: user.Name}, now)
	waiting.StartSLA(*standard, now)
	waiting.AddStaffMessage("m7", models.MessageReply, "Could you send a photo?", models.Actor{ID: user.ID, Name: user.Name}, later)
	waiting.SLAAfter(*standard, models.SLAOnAgentReply, models.StatusOpen, later)
	waiting.Status = models.StatusWaiting
	waiting.SLAAfter(*standard, models.SLAOnStatus, models.StatusOpen, later)
	due := summaryOf(search.Hit{Doc: search.CaseDoc{ID: timed.ID, Status: "open", Priority: "normal", Channel: "phone",
		CreatedAt: now, UpdatedAt: now, DueAt: later, Version: 5}})

	// Webhooks: an endpoint (secret in full and masked) and its deliveries in every state.
	hook := models.WebhookEndpoint{ID: "W4QJ7XK2MZW3TA5L", Name: "CRM", URL: "https://crm.example.com/hooks/kaiku",
		Secret: "whsec_" + strings.Repeat("9f3a", 16), Enabled: true, CreatedAt: now, UpdatedAt: later, Version: 2}
	hookDeliveries := []models.WebhookDelivery{
		{ID: "d3", EndpointID: hook.ID, Event: webhook.EventRuleFired, RuleName: "Legal", CaseID: cs.ID, Status: models.WebhookPending,
			CreatedAt: later, NextAttempt: &later},
		{ID: "d2", EndpointID: hook.ID, Event: webhook.EventRuleFired, CaseID: cs.ID, Status: models.WebhookPending, Attempts: 1,
			ResponseCode: 500, ResponseBody: "oops", Error: "HTTP 500", DurationMS: 12, CreatedAt: now, LastAttempt: &now, NextAttempt: &later},
		{ID: "d1", EndpointID: hook.ID, Event: webhook.EventRuleFired, Status: models.WebhookFailed, Attempts: 8,
			Error: "dial tcp 10.0.0.1:443: webhook: address not allowed", CreatedAt: now, LastAttempt: &later, DoneAt: &later},
		{ID: "d0", EndpointID: hook.ID, Event: webhook.EventRuleFired, Status: models.WebhookDelivered, Attempts: 1,
			ResponseCode: 204, DurationMS: 40, CreatedAt: now, LastAttempt: &now, DoneAt: &now},
	}
	maskedHook := hook.Masked()
	pingQueued := models.WebhookDelivery{ID: "d4", EndpointID: hook.ID, Event: webhook.EventPing, Status: models.WebhookPending,
		CreatedAt: later, NextAttempt: &later}
	hookDeliveryResponses := make([]webhookDeliveryResponse, len(hookDeliveries))
	for i := range hookDeliveries {
		hookDeliveryResponses[i] = webhookDeliveryOf(&hookDeliveries[i], 8)
	}

	// Escalation rules: the shipped ones, and one with every shape of condition value and every
	// kind of action; a case they fired on; its notifications; a case whose SLA policy went away.
	rules := escalation.DefaultRules()
	for i := range rules {
		rules[i].CreatedAt, rules[i].UpdatedAt = now, now
	}
	every, err := escalation.NewRule("R2PLQJ4WZ3M7XK5T", escalation.RuleCreate{Name: "Everything", Position: 5,
		Trigger: escalation.Trigger{Type: escalation.TriggerCaseUpdated}, Match: escalation.MatchAny,
		Conditions: []escalation.Condition{
			{Field: escalation.CondPriority, Op: escalation.OpChanged},
			{Field: escalation.CondPriority, Op: escalation.OpChangedTo, Value: escalation.StringValue("urgent")},
			{Field: escalation.CondChannel, Op: escalation.OpIn, Value: escalation.ListValue("web_form", "email")},
			{Field: escalation.CondEscalationLevel, Op: escalation.OpLt, Value: escalation.NumberValue(2)},
			{Field: escalation.CondRepeatComplainant, Op: escalation.OpGte, Value: escalation.RepeatValue(3, 90)},
			{Field: escalation.CondText, Op: escalation.OpMatchesRegex, Value: escalation.StringValue("(lawyer|asianajaja)")},
		},
		Actions: []escalation.Action{
			{Type: escalation.ActionSetPriority, Priority: models.PriorityHigh, OnlyRaise: true},
			{Type: escalation.ActionAssignTeam, TeamID: team.ID},
			{Type: escalation.ActionAssignAgent, AgentID: user.ID},
			{Type: escalation.ActionRoundRobinTeam, TeamID: team.ID},
			{Type: escalation.ActionRaiseEscalation, Level: 2},
			{Type: escalation.ActionAddTag, Tag: "Legal"},
			{Type: escalation.ActionRemoveTag, Tag: "calm"},
			{Type: escalation.ActionNotify, UserIDs: []string{user.ID}, TeamID: team.ID, Role: escalation.NotifyManagers, CaseTeam: true,
				CaseAssignee: true, FallbackRole: escalation.NotifyAdmins, Channels: []string{escalation.NotifyInApp, escalation.NotifyEmail}, Message: "Look"},
			{Type: escalation.ActionWebhook, EndpointID: "crm"},
			{Type: escalation.ActionApplySLAPolicy, PolicyID: "default"},
		}}, now)
	if err != nil {
		t.Fatal(err)
	}
	idle, err := escalation.NewRule("R3PLQJ4WZ3M7XK5T", escalation.RuleCreate{Name: "Idle", Trigger: escalation.Trigger{
		Type: escalation.TriggerNoAgentActivity, IdleMinutes: 240}, Actions: []escalation.Action{{Type: escalation.ActionRaiseEscalation}}}, now)
	if err != nil {
		t.Fatal(err)
	}
	fired := models.NewCase("K-2026-000048", models.CaseCreate{Subject: "My lawyer will call", Description: "The sofa hurt me.",
		Customer: models.CustomerCreate{Name: "Matti", Email: "matti@example.com"}}, models.Actor{ID: user.ID, Name: user.Name}, now)
	if res := escalation.EvaluateRules(rules, escalation.TriggerCaseCreated, escalation.RuleInput{Case: fired, Now: now}); len(res.Fired) == 0 {
		t.Fatal("the safety rule did not fire")
	}
	fired.StartSLA(*standard, now)
	fired.StopSLA("policy deleted", later)
	preview := escalation.PreviewRule(rules[1], []*models.Case{fired, waiting}, nil, now)
	if len(preview) != 1 {
		t.Fatalf("preview = %v, want the one case", preview)
	}
	unread := models.Notification{ID: "N4WZ3M7XK2PLR5TQ", UserIDs: []string{user.ID}, CaseID: fired.ID, Title: fired.ID + ": Safety or legal words",
		Message: "A new complaint mentions safety or legal words. Please look at it now.", CreatedAt: later}
	read := unread
	read.ID, read.ReadAt = "N5WZ3M7XK2PLR5TQ", &later

	granted := models.NewCase("K-2026-000049", models.CaseCreate{Subject: "Scratched table", Description: "A scratch",
		Customer: models.CustomerCreate{Name: "Aino", Email: "aino@example.com"}, ExpectedOutcome: "refund"}, models.Actor{ID: user.ID, Name: user.Name}, now)
	granted.AddGrant(models.Grant{ID: "G1", OptionID: "voucher", AmountMinor: 2550, Currency: "EUR", Message: "Sorry!", GrantedByID: user.ID, GrantedBy: user.Name, At: later})
	granted.AddGrant(models.Grant{ID: "G2", OptionID: "voucher", AmountMinor: -2550, Currency: "EUR", GrantedByID: user.ID, GrantedBy: user.Name,
		ApprovedBy: "Pekka", ApprovalID: "A1", Reverses: "G1", At: later})
	approval := &remedies.Approval{ID: "A1", CaseID: granted.ID, CaseSubject: granted.Subject, CustomerName: "Aino", ExpectedOutcome: "refund",
		OptionID: "full_refund", AmountMinor: 12000, Currency: "EUR", Reason: "case", RequestedByID: user.ID, RequestedByName: user.Name,
		Status: remedies.ApprovalWaiting, CreatedAt: now, Version: 1}
	waitingApproval := approvalOf(gone, approval)
	approval.Status, approval.DecidedAmountMinor, approval.DecidedByName, approval.Comment, approval.DecidedAt = remedies.ApprovalApproved, 8000, "Pekka", "80 is fair.", &later
	decidedApproval := approvalOf(gone, approval)
	decidedApproval.Clock = &approvalClockResponse{TargetMinutes: 240, WarnAt: &now, DueAt: &later, State: remedies.ClockMet}

	cases := []struct {
		schema string
		body   any
	}{
		{"MeData", map[string]any{"data": meResponse{User: user, CSRFToken: "csrf"}}},
		{"MeData", map[string]any{"data": meResponse{User: user}}},
		{"UserData", map[string]any{"data": user}},
		{"UserList", map[string]any{"data": []models.User{*user}, "meta": map[string]any{"total": 1}}},
		{"StaffList", map[string]any{"data": []models.StaffMember{user.Directory(), gone.Directory()}, "meta": map[string]any{"total": 2}}},
		{"TeamData", map[string]any{"data": team}},
		{"TeamList", map[string]any{"data": []models.Team{*team}, "meta": map[string]any{"total": 1}}},
		{"APITokenList", map[string]any{"data": []models.APIToken{token, used}, "meta": map[string]any{"total": 2}}},
		{"NewAPITokenData", map[string]any{"data": staff.NewAPIToken{Token: &token, Secret: "kaiku_ABC"}}},
		{"CaseData", map[string]any{"data": cs}},
		{"CaseList", map[string]any{"data": []caseSummary{summaryOf(hit), unassigned},
			"meta": map[string]any{"total": 2, "next_cursor": "", "facets": map[string][]search.FacetValue{
				"status": {{Value: "open", Count: 1}, {Value: "new", Count: 1}}}}}},
		{"CaseList", map[string]any{"data": []caseSummary{}, "meta": map[string]any{"total": 0, "next_cursor": "",
			"facets": map[string][]search.FacetValue{}}}},
		{"CaseCountsData", map[string]any{"data": map[string]int{"all_open": 1, "unassigned": 0, "mine": 0,
			"waiting": 0, "resolved": 0, "escalated": 0, "reviews": 0, "follow_ups_due": 0, "waiting_for_my_approval": 0}}},
		{"CaseData", map[string]any{"data": complaint}},
		{"BulkResultData", map[string]any{"data": bulkResponse{Changed: 1, Refused: 1, Results: []bulkCaseResult{
			{ID: cs.ID, Outcome: models.BulkOK, Version: 4},
			{ID: complaint.ID, Outcome: models.BulkInvalidTransition, Message: "a closed case cannot become waiting"}}}}},
		{"CaseCountsData", map[string]any{"data": map[string]any{"all_open": 1, "unassigned": 0, "mine": 0,
			"waiting": 0, "resolved": 0, "escalated": 0, "reviews": 0, "follow_ups_due": 0, "waiting_for_my_approval": 0, "saved_views": map[string]int{"user:" + user.ID + "~V1": 3}}}},
		{"SavedViewList", map[string]any{"data": []savedView{
			savedViewOf(&models.SavedView{ID: "user:" + user.ID + "~V1", Name: "Mine, urgent", Scope: models.ScopePersonal, OwnerID: user.ID,
				Filters: models.SavedViewFilters{View: "mine", Priorities: []string{"urgent"}}, Version: 1, CreatedAt: now, UpdatedAt: now}),
			savedViewOf(&models.SavedView{ID: "team:" + team.ID + "~V2", Name: "Deliveries", Scope: models.ScopeTeam, TeamID: team.ID, OwnerID: gone.ID,
				Filters: models.SavedViewFilters{Categories: []string{"Delivery"}, MinEscalationLevel: 1, Sort: "due", Order: "asc"}, Version: 3, CreatedAt: now, UpdatedAt: later}),
		}, "meta": map[string]any{"total": 2}}},
		{"CaseData", map[string]any{"data": duplicate}},
		{"CaseSummaryList", map[string]any{"data": []caseSummary{unassigned}, "meta": map[string]any{"total": 1}}},
		{"PublicCaseData", map[string]any{"data": cs.Public()}},
		{"PublicCaseData", map[string]any{"data": complaint.Public()}},
		{"ReceiptData", map[string]any{"data": helpdesk.Receipt{Reference: complaint.ID,
			TrackingURL: "https://help.example.com/track/" + trackingToken, TrackingToken: trackingToken, FirstResponseHours: 24}}},
		{"FormOptionsData", map[string]any{"data": helpdesk.FormOptions{Categories: []helpdesk.FormCategory{{ID: "delivery", Name: "Toimitus"}},
			Touchpoints: models.Touchpoints, ExpectedOutcomes: models.ExpectedOutcomes}}},
		{"CategoryList", map[string]any{"data": models.DefaultCategories, "meta": map[string]any{"total": len(models.DefaultCategories)}}},
		{"JourneyStageList", map[string]any{"data": []stageAssignment{{Touchpoint: "store", Stage: "engage"}}, "meta": map[string]any{"total": 1}}},
		{"JourneyData", map[string]any{"data": journeyExample(now, later)}},
		{"ViewerList", map[string]any{"data": []helpdesk.Viewer{{UserID: user.ID, Name: user.Name}}, "meta": map[string]any{"total": 1}}},
		{"ViewerList", map[string]any{"data": []helpdesk.Viewer{}, "meta": map[string]any{"total": 0}}},
		{"Event", eventOf(models.Event{Seq: "67c2d1a8e4b0c3f1a2d4e6f8", Type: helpdesk.EventCaseCreated, CaseID: cs.ID, At: now})},
		{"Event", eventOf(models.Event{Seq: "67c2d1a8e4b0c3f1a2d4e6f9", Type: helpdesk.EventCaseUpdated, CaseID: cs.ID,
			Data: map[string]any{"by": "customer"}, At: now})},
		{"Event", eventOf(models.Event{Seq: "67c2d1a8e4b0c3f1a2d4e6fa", Type: helpdesk.EventPresence, CaseID: cs.ID,
			Data: map[string]any{"viewers": []helpdesk.Viewer{{UserID: user.ID, Name: user.Name}}}, At: now})},
		{"CannedReplyData", map[string]any{"data": canned}},
		{"CannedReplyList", map[string]any{"data": []models.CannedReply{canned},
			"meta": map[string]any{"total": 1, "placeholders": models.Placeholders}}},
		{"RenderedReplyData", map[string]any{"data": map[string]string{"body": models.FillPlaceholders(canned.Body, cs, user.Name)}}},
		{"OutboxMailData", map[string]any{"data": outboxMailWithBodies(mail)}},
		{"OutboxMailData", map[string]any{"data": outboxMailWithBodies(failed)}},
		{"OutboxMailList", map[string]any{"data": []outboxMailResponse{outboxMailOf(mail.Summary()), outboxMailOf(failed.Summary())},
			"meta": map[string]any{"total": 2}}},
		{"SLAPolicyData", map[string]any{"data": policy}},
		{"SLAPolicyList", map[string]any{"data": []models.SLAPolicy{*standard, *policy}, "meta": map[string]any{"total": 2}}},
		{"CaseData", map[string]any{"data": timed}},
		{"CaseData", map[string]any{"data": waiting}},
		{"CaseList", map[string]any{"data": []caseSummary{due, unassigned}, "meta": map[string]any{"total": 2,
			"next_cursor": "", "facets": map[string][]search.FacetValue{}}}},
		{"RuleList", map[string]any{"data": append(rules, *every, *idle), "meta": map[string]any{"total": len(rules) + 2}}},
		{"RuleList", map[string]any{"data": []escalation.Rule{}, "meta": map[string]any{"total": 0}}},
		{"RuleData", map[string]any{"data": every}},
		{"PreviewMatchList", map[string]any{"data": preview, "meta": map[string]any{"total": len(preview)}}},
		{"PreviewMatchList", map[string]any{"data": []escalation.PreviewMatch{}, "meta": map[string]any{"total": 0}}},
		{"CaseData", map[string]any{"data": fired}},
		{"NotificationList", map[string]any{"data": []notificationResponse{notificationOf(unread), notificationOf(read)}, "meta": map[string]any{"total": 2, "unread": 1}}},
		{"NotificationList", map[string]any{"data": []notificationResponse{}, "meta": map[string]any{"total": 0, "unread": 0}}},
		{"Event", eventOf(models.Event{Seq: "67c2d1a8e4b0c3f1a2d4e6fb", Type: helpdesk.EventNotification, CaseID: fired.ID,
			Data: map[string]any{"rule": "Safety or legal words", "users": []string{user.ID}}, At: now})},
		{"ResolutionOptionList", map[string]any{"data": optionResponses(remedies.DefaultOptions(now)), "meta": map[string]any{"total": 9}}},
		{"GrantResultData", map[string]any{"data": grantResponse{Status: "granted", Grant: &granted.Grants[0], CaseVersion: 3}}},
		{"GrantResultData", map[string]any{"data": grantResponse{Status: "approval_requested", Approval: &waitingApproval, CaseVersion: 4}}},
		{"ApprovalData", map[string]any{"data": decidedApproval}},
		{"ApprovalList", map[string]any{"data": []approvalResponse{waitingApproval, decidedApproval}, "meta": map[string]any{"total": 2, "next_cursor": ""}}},
		{"ApprovalCountData", map[string]any{"data": map[string]int{"waiting_for_me": 1}}},
		{"ApprovalClockSettingsData", map[string]any{"data": clockSettingsOf(&remedies.ClockSettings{TargetMinutes: 240, WarnAtPercent: 75, UpdatedAt: now, Version: 2})}},
		{"ReportData", map[string]any{"data": sampleReport(t)}},
		{"SpendingData", map[string]any{"data": spendingResponse{Month: "2026-03", SpentMinor: 9007199254740991, MonthlyLimitMinor: 100000, CaseLimitMinor: 5000, Currency: "EUR", MinorDigits: 2}}},
		{"CaseData", map[string]any{"data": granted}},
		{"WebhookEndpointData", map[string]any{"data": webhookEndpointOf(&hook)}},
		{"WebhookEndpointData", map[string]any{"data": webhookEndpointOf(&maskedHook)}},
		{"WebhookEndpointList", map[string]any{"data": []webhookEndpointResponse{webhookEndpointOf(&maskedHook)}, "meta": map[string]any{"total": 1}}},
		{"WebhookEndpointList", map[string]any{"data": []webhookEndpointResponse{}, "meta": map[string]any{"total": 0}}},
		{"WebhookChoiceList", map[string]any{"data": []webhookChoiceResponse{{ID: hook.ID, Name: hook.Name, Host: "crm.example.com", Enabled: true}},
			"meta": map[string]any{"total": 1}}},
		{"WebhookChoiceList", map[string]any{"data": []webhookChoiceResponse{}, "meta": map[string]any{"total": 0}}},
		{"WebhookDeliveryList", map[string]any{"data": hookDeliveryResponses, "meta": map[string]any{"total": len(hookDeliveryResponses)}}},
		{"WebhookDeliveryList", map[string]any{"data": []webhookDeliveryResponse{}, "meta": map[string]any{"total": 0}}},
		{"WebhookDeliveryData", map[string]any{"data": webhookDeliveryOf(&pingQueued, 8)}},
		{"WebhookPingPayload", webhook.PingPayload{Event: webhook.EventPing, Endpoint: webhook.PayloadEndpoint{ID: hook.ID, Name: hook.Name}, At: now}},
		{"WebhookPayload", webhook.Payload{Event: webhook.EventRuleFired, Rule: webhook.PayloadRule{ID: "r1", Name: "Legal"},
			Case: webhook.PayloadCase{ID: cs.ID, Subject: cs.Subject, Status: "open", Priority: "urgent", EscalationLevel: 1,
				CustomerEmail: "matti@example.com", URL: "https://help.example.com/cases/" + cs.ID}, At: now}},
	}
	reviewSrc := models.ReviewSource{ID: "R7QJ2XK4MZW3TA5L", Name: "Booking.com", Kind: models.SourceBooking, ScaleMax: 10,
		ReplyLimit: 2000, Enabled: true, SecretHint: "9f3a", CreatedAt: now, UpdatedAt: now, Version: 1}
	deletedAt := later
	cases = append(cases, []struct {
		schema string
		body   any
	}{
		{"ReviewSourceData", map[string]any{"data": reviewSourceOf(&reviewSrc, "rvsec_"+strings.Repeat("ab", 32))}},
		{"ReviewSourceList", map[string]any{"data": []reviewSourceResponse{reviewSourceOf(&reviewSrc, "")}, "meta": map[string]any{"total": 1}}},
		{"IngestResultList", map[string]any{"data": []ingestResultResponse{{ExternalID: "r1", CaseID: "K-2026-000042", Outcome: "created"},
			{ExternalID: "gone", Outcome: "unknown"}}, "meta": map[string]any{"total": 2}}},
		{"Review", models.Review{SourceID: reviewSrc.ID, SourceKind: reviewSrc.Kind, SourceName: reviewSrc.Name, ExternalID: "bk1",
			Rating: 2, RatingOriginal: 3.5, ScaleMax: 10, Author: "Pia", Text: "Noisy room", ReplyState: models.ReplyNone,
			PostedAt: now, SourceUpdated: now, Edits: 1, DeletedAt: &deletedAt}},
		{"CaseSummaryList", map[string]any{"data": []caseSummary{{ID: "K-2026-000043", Subject: "Noisy room", Status: "new", Priority: "high",
			Channel: "review", Tags: []string{}, CreatedAt: now, UpdatedAt: now, Version: 1, ReviewSource: "booking", ReviewRating: 2, ReviewReply: "none"}},
			"meta": map[string]any{"total": 1}}},
	}...)
	for _, de := range []error{models.StaleVersion("case", 3), models.InvalidField("customer.email", "must be an e-mail address"),
		echo.ErrNotFound, errors.New("boom"), models.Unavailable("search is down", errors.New("x"))} {
		_, body := describe(de)
		cases = append(cases, struct {
			schema string
			body   any
		}{"ErrorEnvelope", body})
	}
	for i, c := range cases {
		checkAgainstSchema(t, doc, c.schema+"#"+strconv.Itoa(i), componentSchema(t, doc, c.schema), c.body)
	}

	// Live answers of the routes that need no use case.
	e := newOpenAPITestServer(t)
	multipartComplaint := func(withFile bool, extra string) (string, map[string]string) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for k, v := range map[string]string{"name": "Matti", "email": "matti@example.com", "category": "delivery",
			"touchpoint": "delivery", "description": "The sofa arrived torn.", "expected_outcome": "refund"} {
			_ = w.WriteField(k, v)
		}
		if extra != "" {
			_ = w.WriteField(extra, "x")
		}
		if withFile {
			fw, _ := w.CreateFormFile("attachments", "sofa.jpg")
			_, _ = fw.Write([]byte("\xff\xd8\xff\xe0 not really a jpeg"))
		}
		_ = w.Close()
		return buf.String(), map[string]string{echo.HeaderContentType: w.FormDataContentType()}
	}
	fileBody, fileHeaders := multipartComplaint(true, "")
	unknownPartBody, unknownPartHeaders := multipartComplaint(false, "status")
	trackHeaders := map[string]string{TrackHeader: "1"}
	validComplaint := `{"name":"Matti","email":"matti@example.com","category":"delivery","touchpoint":"delivery",` +
		`"description":"The sofa arrived torn.","expected_outcome":"refund"}`
	live := []struct {
		method, path, body string
		status             int
		schema             string
		headers            map[string]string
	}{
		{http.MethodGet, "/healthz", "", 200, "Health", nil},
		{http.MethodGet, "/readyz", "", 503, "Readiness", nil},
		{http.MethodGet, "/api/v1/me", "", 401, "ErrorEnvelope", nil},
		{http.MethodGet, "/api/v1/cases", "", 401, "ErrorEnvelope", nil},
		{http.MethodGet, "/api/v1/staff", "", 401, "ErrorEnvelope", nil},
		{http.MethodPost, "/api/v1/cases/bulk", `{"cases":[],"status":"open"}`, 401, "ErrorEnvelope", nil},
		{http.MethodPost, "/api/v1/auth/login", `{"email":"nobody","password":"","$where":1}`, 400, "ErrorEnvelope", nil},
		{http.MethodPost, "/api/v1/auth/login", `{"email":"nobody","password":""}`, 400, "ErrorEnvelope", nil},
		{http.MethodPost, "/api/v1/auth/login", `{"email":"a@example.com","password":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "ErrorEnvelope", nil},
		{http.MethodGet, "/api/nothing-here", "", 404, "ErrorEnvelope", nil},
		{http.MethodGet, "/api/v1/form-options?locale=de", "", 400, "ErrorEnvelope", nil},
		{http.MethodPost, "/api/v1/complaints", `{"email":"nope","touchpoint":"moon"}`, 400, "ErrorEnvelope", nil},
		{http.MethodPost, "/api/v1/complaints", validComplaint, 400, "ErrorEnvelope",
			map[string]string{IdempotencyHeader: strings.Repeat("k", 201)}},
		{http.MethodPost, "/api/v1/complaints", unknownPartBody, 400, "ErrorEnvelope", unknownPartHeaders},
		// The test server allows no file bytes at all.
		{http.MethodPost, "/api/v1/complaints", fileBody, 413, "ErrorEnvelope", fileHeaders},
		// Token routes take writes without the tracking header: no cookie is involved.
		{http.MethodPost, "/api/v1/track/" + trackingToken + "/messages", `{"body":""}`, 400, "ErrorEnvelope", nil},
		{http.MethodPost, "/api/v1/track/" + trackingToken + "/follow-up", `{"rating":9}`, 400, "ErrorEnvelope", nil},
		{http.MethodPost, "/api/v1/track/case/K-2026-000042/messages", `{"body":""}`, 400, "ErrorEnvelope", trackHeaders},
		{http.MethodPost, "/api/v1/track/case/K-2026-000042/follow-up", `{"rating":9}`, 400, "ErrorEnvelope", trackHeaders},
		{http.MethodPost, "/api/v1/track/case/K-2026-000042/follow-up", `{"resolved":true,"rating":5}`, 403, "ErrorEnvelope", nil},
		{http.MethodPost, "/api/v1/track/session", `{}`, 400, "ErrorEnvelope", trackHeaders},
		{http.MethodPost, "/api/v1/track/session", `{"token":"x"}`, 403, "ErrorEnvelope", nil},
		{http.MethodGet, "/api/v1/events", "", 401, "ErrorEnvelope", nil},
		{http.MethodPut, "/api/v1/categories", `{"categories":[]}`, 401, "ErrorEnvelope", nil},
		{http.MethodGet, "/api/v1/mail/outbox", "", 401, "ErrorEnvelope", nil},
		{http.MethodGet, "/api/v1/sla-policies", "", 401, "ErrorEnvelope", nil},
		{http.MethodPatch, "/api/v1/sla-policies/default", `{"version":1,"enabled":false}`, 401, "ErrorEnvelope", nil},
		{http.MethodGet, "/api/v1/rules", "", 401, "ErrorEnvelope", nil},
		{http.MethodPost, "/api/v1/rules/preview", `{"name":"x","trigger":{"type":"case_created"},"actions":[{"type":"raise_escalation"}]}`, 401, "ErrorEnvelope", nil},
		{http.MethodGet, "/api/v1/notifications", "", 401, "ErrorEnvelope", nil},
		{http.MethodPost, "/api/v1/notifications/N4WZ3M7XK2PLR5TQ/read", "", 401, "ErrorEnvelope", nil},
		{http.MethodGet, "/api/v1/webhooks", "", 401, "ErrorEnvelope", nil},
		{http.MethodPost, "/api/v1/webhooks", `{"name":"CRM","url":"https://crm.example.com/"}`, 401, "ErrorEnvelope", nil},
		{http.MethodGet, "/api/v1/webhooks/W4QJ7XK2MZW3TA5L/deliveries", "", 401, "ErrorEnvelope", nil},
	}
	for _, l := range live {
		req := httptest.NewRequest(l.method, l.path, strings.NewReader(l.body))
		if l.body != "" {
			req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		}
		for k, v := range l.headers {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != l.status {
			t.Errorf("%s %s = %d, want %d: %s", l.method, l.path, rec.Code, l.status, rec.Body)
			continue
		}
		var body any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Errorf("%s %s: not JSON: %v", l.method, l.path, err)
			continue
		}
		checkAgainstSchema(t, doc, l.method+" "+l.path, componentSchema(t, doc, l.schema), body)
	}
}

func checkAgainstSchema(t *testing.T, doc *openapi3.T, what string, s *openapi3.Schema, v any) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	opts := append(doc.GetSchemaValidationOptions(), openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse(),
		openapi3.EnableFormatValidation(), openapi3.MultiErrors())
	if err := s.VisitJSON(generic, opts...); err != nil {
		t.Errorf("%s does not fit its schema: %v\nbody: %s", what, err, raw)
	}
}

func optionResponses(opts []remedies.Option) []optionResponse {
	out := make([]optionResponse, len(opts))
	for i := range opts {
		out[i] = optionOf(&opts[i])
	}
	return out
}

// journeyExample is a journey view with a measured station, an empty one and a stage's sums.
func journeyExample(from, to time.Time) journeyResponse {
	sat, rate, median := 3.25, 0.5, 95
	phone := stationResponse{Touchpoint: "phone", Cases: 4, Complaints: 3, Reviews: 1, Rated: 4, Satisfaction: &sat,
		Reopened: 2, ReopenRate: &rate, Resolved: 3, MedianResolutionMinutes: &median, MedianWithin: &minutesBetween{From: 60, To: 240}, Weakest: true}
	total := phone
	total.Touchpoint, total.Weakest = "", false
	return journeyResponse{From: from, To: to, Unplaced: 1, Stages: []stageResponse{
		{Stage: "nurture", Stations: []stationResponse{phone, {Touchpoint: "other"}}, Total: total},
		{Stage: "reach", Stations: []stationResponse{}, Total: stationResponse{}},
	}}
}
