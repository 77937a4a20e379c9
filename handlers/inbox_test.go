package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// createCase opens a case as sess with the given subject, description and category and
// returns its reference.
func (s *stack) createCase(t *testing.T, sess *session, subject, description, category string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"subject": subject, "description": description, "category": category,
		"customer": map[string]string{"name": "Aino Virtanen", "email": "aino@example.com"}})
	res := s.do(sess, http.MethodPost, "/api/v1/cases", string(body), nil)
	if res.status != http.StatusCreated {
		t.Fatalf("create case: %d %s", res.status, res.body)
	}
	var created struct{ Data models.Case }
	res.decode(t, &created)
	return created.Data.ID
}

// listIDs lists cases as sess with the raw query string and returns the references in order.
func (s *stack) listIDs(t *testing.T, sess *session, query string) []string {
	t.Helper()
	res := s.do(sess, http.MethodGet, "/api/v1/cases?"+query, "", nil)
	if res.status != http.StatusOK {
		t.Fatalf("GET /api/v1/cases?%s: %d %s", query, res.status, res.body)
	}
	var list struct {
		Data []struct{ ID string }
		Meta struct{ Total int }
	}
	res.decode(t, &list)
	ids := []string{}
	for _, c := range list.Data {
		ids = append(ids, c.ID)
	}
	if list.Meta.Total != len(ids) {
		t.Fatalf("GET /api/v1/cases?%s: total %d for %d rows", query, list.Meta.Total, len(ids))
	}
	return ids
}

func TestEscalatedViewFilterAndSort(t *testing.T) {
	s := newStack(t)
	agent, manager := s.logins["agent"], s.logins["manager"]
	for _, rule := range []string{
		`{"name":"Lawyer","trigger":{"type":"case_created"},"conditions":[{"field":"text","op":"contains_any","value":["lawyer"]}],"actions":[{"type":"raise_escalation"}]}`,
		`{"name":"Ombudsman","trigger":{"type":"case_created"},"conditions":[{"field":"text","op":"contains_any","value":["ombudsman"]}],"actions":[{"type":"raise_escalation","level":3}]}`,
	} {
		if res := s.do(manager, http.MethodPost, "/api/v1/rules", rule, nil); res.status != http.StatusCreated {
			t.Fatalf("create rule: %d %s", res.status, res.body)
		}
	}
	plain := s.createCase(t, agent, "Slow refund", "Still waiting for the refund.", "")
	lawyer1 := s.createCase(t, agent, "Broken sofa", "My lawyer will call you.", "")
	s.clock.Advance(time.Minute) // a later first-response due time than lawyer1
	lawyer2 := s.createCase(t, agent, "Torn cover", "I have asked my lawyer.", "")
	ombudsman := s.createCase(t, agent, "Never again", "I am going to the ombudsman.", "")
	resolved := s.createCase(t, agent, "Settled", "My lawyer and I are happy now.", "")
	c, err := s.env.Store.GetCase(t.Context(), resolved)
	if err != nil {
		t.Fatal(err)
	}
	patch := fmt.Sprintf(`{"version":%d,"status":"resolved"}`, c.Version)
	if res := s.do(agent, http.MethodPatch, "/api/v1/cases/"+resolved, patch, nil); res.status != http.StatusOK {
		t.Fatalf("resolve: %d %s", res.status, res.body)
	}

	// The view: open escalated cases, the highest level first, then due soonest.
	if got, want := s.listIDs(t, agent, "view=escalated"), []string{ombudsman, lawyer1, lawyer2}; !slices.Equal(got, want) {
		t.Errorf("escalated view = %v, want %v", got, want)
	}
	// An explicit sort wins over the view's default.
	if got, want := s.listIDs(t, agent, "view=escalated&sort=created_at&order=asc"), []string{lawyer1, lawyer2, ombudsman}; !slices.Equal(got, want) {
		t.Errorf("escalated view by creation = %v, want %v", got, want)
	}
	// The filter on its own, combined with any view or none.
	if got, want := s.listIDs(t, agent, "min_escalation_level=2"), []string{ombudsman}; !slices.Equal(got, want) {
		t.Errorf("min_escalation_level=2 = %v, want %v", got, want)
	}
	if got := s.listIDs(t, agent, "min_escalation_level=1&sort=escalation"); !slices.Equal(got, []string{ombudsman, lawyer1, lawyer2, resolved}) {
		t.Errorf("min_escalation_level=1 sorted by escalation = %v", got)
	}
	if got := s.listIDs(t, agent, "view=all_open&min_escalation_level=0"); len(got) != 4 || slices.Contains(got, resolved) || !slices.Contains(got, plain) {
		t.Errorf("min_escalation_level=0 filters: %v", got)
	}

	s.run(t, []scenario{
		{name: "counts include escalated", as: "agent", method: "GET", path: "/api/v1/cases/counts", wantStatus: 200,
			wantBody: []string{`"escalated":3`, `"all_open":4`}},
		{name: "rows carry the level", as: "agent", method: "GET", path: "/api/v1/cases?view=escalated&limit=1", wantStatus: 200,
			wantBody: []string{`"escalation_level":3`}},
		{name: "level not a number", as: "agent", method: "GET", path: "/api/v1/cases?min_escalation_level=high", wantStatus: 400, wantFields: []string{"min_escalation_level"}},
		{name: "level negative", as: "agent", method: "GET", path: "/api/v1/cases?min_escalation_level=-1", wantStatus: 400, wantFields: []string{"min_escalation_level"}},
		{name: "level above the highest", as: "agent", method: "GET", path: "/api/v1/cases?min_escalation_level=11", wantStatus: 400, wantFields: []string{"min_escalation_level"}},
		{name: "unknown sort", as: "agent", method: "GET", path: "/api/v1/cases?sort=level", wantStatus: 400, wantFields: []string{"sort"}},
		{name: "anonymous refused", method: "GET", path: "/api/v1/cases?view=escalated", wantStatus: 401},
	})
}

func TestCaseListFilterValuesWithCommas(t *testing.T) {
	s := newStack(t)
	agent := s.logins["agent"]
	const credit = "Credit reporting, credit repair services, or other personal consumer reports"
	withComma := s.createCase(t, agent, "Wrong entry on my report", "A debt that is not mine.", credit)
	prefix := s.createCase(t, agent, "Report not updated", "Paid months ago.", "Credit reporting")
	mortgage := s.createCase(t, agent, "Escrow mix-up", "The escrow was wrong.", "Mortgage")
	_ = s.createCase(t, agent, "Card fee", "An unexpected fee.", "Credit card")

	cat := func(vs ...string) string {
		q := url.Values{}
		for _, v := range vs {
			q.Add("category", v)
		}
		return q.Encode()
	}
	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"a value with commas is one value", cat(credit), []string{withComma}},
		{"not a prefix or a part of it", cat("Credit reporting"), []string{prefix}},
		{"repeated parameter: either value", cat(credit, "Mortgage"), []string{withComma, mortgage}},
		{"a comma never splits", cat("Credit reporting,Mortgage"), nil},
		{"with a view and a repeated status", cat(credit) + "&view=all_open&status=new&status=open", []string{withComma}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := s.listIDs(t, agent, tc.query)
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if want == nil {
				want = []string{}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: got %v, want %v", tc.query, got, want)
			}
		})
	}

	// The facet reports the value as it is, so a client can send it straight back.
	res := s.do(agent, http.MethodGet, "/api/v1/cases?facets=category&facets=status", "", nil)
	if res.status != http.StatusOK {
		t.Fatalf("facets: %d %s", res.status, res.body)
	}
	var list struct {
		Meta struct {
			Facets map[string][]struct {
				Value string
				Count int
			}
		}
	}
	res.decode(t, &list)
	found := false
	for _, f := range list.Meta.Facets["category"] {
		found = found || (f.Value == credit && f.Count == 1)
	}
	if !found || len(list.Meta.Facets["status"]) == 0 {
		t.Errorf("facets = %+v, want %q counted once and the status facet", list.Meta.Facets, credit)
	}

	s.run(t, []scenario{
		{name: "comma-joined statuses are one unknown value", as: "agent", method: "GET", path: "/api/v1/cases?status=open,new", wantStatus: 400,
			wantFields: []string{"status"}, wantBody: []string{"repeat the parameter"}},
		{name: "comma-joined facets are refused", as: "agent", method: "GET", path: "/api/v1/cases?facets=status,priority", wantStatus: 400, wantFields: []string{"facets"}},
	})
}

// Search text over the limits is a 400 naming q, never the 503 a 5,000-character word gave
// (Bleve's fuzzy automaton refused it); words of a sensible length keep their typo matching.
func TestCaseSearchTextLimits(t *testing.T) {
	s := newStack(t)
	agent := s.logins["agent"]
	kettle := s.createCase(t, agent, "Leaking kettle", "The kettle leaks from the bottom.", "product")
	for name, q := range map[string]string{
		"a 5,000-character word": strings.Repeat("a", 5000),
		"a 65-character word":    strings.Repeat("k", 65),
		"17 words":               strings.TrimSpace(strings.Repeat("kettle ", 17)),
	} {
		res := s.do(agent, http.MethodGet, "/api/v1/cases?q="+url.QueryEscape(q), "", nil)
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, `"q":"search`) {
			t.Errorf("%s: %d %s", name, res.status, res.body)
		}
	}
	if got := s.listIDs(t, agent, "q=kettel"); !slices.Equal(got, []string{kettle}) {
		t.Errorf("a typo in a short word: %v", got)
	}
	if got := s.listIDs(t, agent, "q="+url.QueryEscape(strings.TrimSpace(strings.Repeat("kettle ", 16)))); !slices.Equal(got, []string{kettle}) {
		t.Errorf("16 words: %v", got)
	}
}

// An agent types what the customer reads out on the phone: the reference in full or in
// part, or the phone number in any common form.
func TestListFindsACaseByReferenceAndPhone(t *testing.T) {
	s := newStack(t)
	agent := s.logins["agent"]
	create := func(phone string) string {
		body, _ := json.Marshal(map[string]any{"subject": "Late parcel", "description": "Where is it?",
			"customer": map[string]string{"name": "Aino Virtanen", "email": "aino@example.com", "phone": phone}})
		res := s.do(agent, http.MethodPost, "/api/v1/cases", string(body), nil)
		if res.status != http.StatusCreated {
			t.Fatalf("create case: %d %s", res.status, res.body)
		}
		var created struct{ Data models.Case }
		res.decode(t, &created)
		return created.Data.ID
	}
	first := create("+358 40 123 4567")
	second := create("050 765 4321")
	year, number := first[2:6], first[7:]
	for _, tc := range []struct{ q, want string }{
		{first, first},
		{year + "-" + number, first},
		{number, first},
		{"+358 40 123 4567", first},
		{"0401234567", first},
		{"+358507654321", second},
	} {
		if got := s.listIDs(t, agent, "view=all_open&q="+url.QueryEscape(tc.q)); !slices.Equal(got, []string{tc.want}) {
			t.Errorf("q=%q: got %v, want [%s]", tc.q, got, tc.want)
		}
	}
}
