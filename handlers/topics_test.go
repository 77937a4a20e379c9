package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// recurringTexts are three kinds of complaint, each worded a few ways.
var recurringTexts = map[string][]string{
	"charged": {
		"My card was charged twice for one purchase at the online store and the double charge is still pending.",
		"The shop charged my credit card twice for the same order; please refund the double charge.",
		"Card charged twice again for a single purchase, the duplicate charge shows on my statement.",
	},
	"delivery": {
		"The parcel delivery was late by two weeks and the courier never called before delivery.",
		"Late delivery again: the parcel arrived damaged and the courier left it outside.",
		"My parcel delivery is late and tracking shows the courier lost the parcel.",
	},
	"staff": {
		"The staff at the branch were rude and the manager refused to listen to my complaint.",
		"Rude staff at the counter; the branch manager laughed at my question.",
		"A rude staff member at the branch shouted at me and the manager did nothing.",
	},
}

// TestTopicsFlagARisingTopicAndRootCausesCountAfterTheFix files eight quiet weeks of three
// kinds of complaint and then a week in which one kind jumps: the topics learned from the
// texts flag that one as rising (and only it), the inbox filters to its cases, and a root
// cause made from its cases counts them per week around its fix date.
func TestTopicsFlagARisingTopicAndRootCausesCountAfterTheFix(t *testing.T) {
	s := newStack(t)
	admin := s.logins["admin"]
	filed := map[string][]string{}
	file := func(kind string, i int) {
		texts := recurringTexts[kind]
		filed[kind] = append(filed[kind], s.createCase(t, admin, fmt.Sprintf("%s %d", kind, i), texts[i%len(texts)], "other"))
	}
	for week := 0; week < 11; week++ {
		for i := 0; i < 3; i++ {
			file("delivery", week*3+i)
			file("staff", week*3+i)
		}
		file("charged", week)
		s.clock.Advance(7 * 24 * time.Hour)
		admin = s.login("admin@example.com", testPassword) // a session ends after a week
	}
	for i := 0; i < 12; i++ {
		file("charged", 100+i)
	}
	if res := s.do(admin, http.MethodPost, "/api/v1/topics/relearn", "", nil); res.status != http.StatusOK {
		t.Fatalf("relearn: %d %s", res.status, res.body)
	}
	var overview struct {
		Data []struct {
			ID     string
			Name   string
			Weekly []int
			Rising bool
		}
	}
	res := s.do(admin, http.MethodGet, "/api/v1/topics", "", nil)
	if res.status != http.StatusOK {
		t.Fatalf("topics: %d %s", res.status, res.body)
	}
	res.decode(t, &overview)
	// Only the charged-twice complaints rise (their wordings may make one topic or two).
	chargedCases := map[string]bool{}
	for _, id := range filed["charged"] {
		chargedCases[id] = true
	}
	var rising []string
	covered := 0
	for _, tp := range overview.Data {
		if !tp.Rising {
			continue
		}
		rising = append(rising, tp.ID)
		ids := s.listIDs(t, admin, "limit=200&topic="+url.QueryEscape(tp.ID))
		for _, id := range ids {
			if !chargedCases[id] {
				t.Fatalf("rising topic %s lists %s, not a charged-twice case", tp.ID, id)
			}
		}
		covered += len(ids)
	}
	if len(rising) == 0 || covered < len(filed["charged"])*2/3 {
		t.Fatalf("rising topics %v hold %d of %d charged-twice cases; overview %+v", rising, covered, len(filed["charged"]), overview.Data)
	}
	topic := rising[0]
	ids := s.listIDs(t, admin, "limit=200&topic="+url.QueryEscape(topic))
	// The week counts: the last week holds the jump.
	var detail struct {
		Data struct {
			Weekly []int
			Rising bool
		}
	}
	res = s.do(admin, http.MethodGet, "/api/v1/topics/"+url.PathEscape(topic), "", nil)
	res.decode(t, &detail)
	if n := len(detail.Data.Weekly); n == 0 || detail.Data.Weekly[n-1] < 4 || !detail.Data.Rising {
		t.Fatalf("detail %+v", detail.Data)
	}

	// A root cause from the topic's cases, fixed, counts the weeks around the fix.
	var created struct {
		Data struct {
			ID      string
			CaseIDs []string `json:"case_ids"`
			Version int64
		}
	}
	res = s.do(admin, http.MethodPost, "/api/v1/root-causes",
		fmt.Sprintf(`{"name":"Payment gateway retries","match_topic":%q,"link_results":true}`, topic), nil)
	if res.status != http.StatusCreated {
		t.Fatalf("create root cause: %d %s", res.status, res.body)
	}
	res.decode(t, &created)
	if len(created.Data.CaseIDs) != len(ids) {
		t.Fatalf("linked %d cases, want %d", len(created.Data.CaseIDs), len(ids))
	}
	fixedOn := s.clock.Now().AddDate(0, 0, -14).Format(time.DateOnly)
	res = s.do(admin, http.MethodPatch, "/api/v1/root-causes/"+created.Data.ID,
		fmt.Sprintf(`{"version":%d,"state":"fixed","fixed_on":%q}`, created.Data.Version, fixedOn), nil)
	if res.status != http.StatusOK {
		t.Fatalf("fix: %d %s", res.status, res.body)
	}
	var got struct {
		Data struct {
			State string
			Weeks struct {
				Counts  []int
				FixWeek int `json:"fix_week"`
			}
		}
	}
	res = s.do(admin, http.MethodGet, "/api/v1/root-causes/"+created.Data.ID, "", nil)
	res.decode(t, &got)
	w := got.Data.Weeks
	if got.Data.State != "fixed" || w.FixWeek != 6 || len(w.Counts) < 8 {
		t.Fatalf("root cause %+v", got.Data)
	}
	before := 0
	for _, c := range w.Counts[:6] {
		before += c
	}
	if before < 2 || w.Counts[len(w.Counts)-1] < 4 {
		t.Fatalf("weekly counts around the fix %v", w.Counts)
	}
	// The case page lists the cause.
	var causes struct{ Data []struct{ Name string } }
	res = s.do(admin, http.MethodGet, "/api/v1/cases/"+filed["charged"][0]+"/root-causes", "", nil)
	res.decode(t, &causes)
	if len(causes.Data) != 1 || causes.Data[0].Name != "Payment gateway retries" {
		t.Fatalf("causes of a linked case: %+v", causes.Data)
	}
}
