package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/kaiku-helpdesk/kaiku/models"
)

type importAnswer struct {
	Data struct {
		Preset     string            `json:"preset"`
		Headers    []string          `json:"headers"`
		Mapping    map[string]string `json:"mapping"`
		Remembered bool              `json:"remembered"`
		TotalRows  int               `json:"total_rows"`
		NextOffset int               `json:"next_offset"`
		Preview    []struct {
			Row            int               `json:"row"`
			Rating         int               `json:"rating"`
			RatingOriginal float64           `json:"rating_original"`
			Positive       string            `json:"positive"`
			Negative       string            `json:"negative"`
			Place          string            `json:"place"`
			Errors         map[string]string `json:"errors"`
		} `json:"preview"`
		Results []struct {
			Row     int    `json:"row"`
			CaseID  string `json:"case_id"`
			Outcome string `json:"outcome"`
		} `json:"results"`
		Errors []struct {
			Row     int    `json:"row"`
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"errors"`
	} `json:"data"`
}

// importFile posts one step of an import as the browser does (a multipart form).
func (s *stack) importFile(as string, fields map[string]string, file []byte) response {
	s.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", "reviews.csv")
	_, _ = fw.Write(file)
	_ = w.Close()
	return s.do(s.logins[as], http.MethodPost, "/api/v1/reviews/import", buf.String(), map[string]string{"Content-Type": w.FormDataContentType()})
}

func TestReviewImportBookingFile(t *testing.T) {
	s := newStack(t)
	if err := s.rules.EnsureDefaultRules(context.Background()); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile("../reviews/testdata/booking_hotel_reviews.csv")
	if err != nil {
		t.Fatal(err)
	}
	id, _ := s.reviewSource("booking")

	// Agents do not import.
	if res := s.importFile("agent", map[string]string{"source_id": id, "dry_run": "true"}, file); res.status != http.StatusForbidden {
		t.Fatalf("agent import: %d %s", res.status, res.body)
	}

	// The dry run recognises Booking.com's columns and previews 20 rows: 1-10 normalised to
	// 1-5 with the original kept, the two sides kept apart, "No Negative" read as nothing.
	res := s.importFile("manager", map[string]string{"source_id": id, "dry_run": "true"}, file)
	var pre importAnswer
	res.decode(t, &pre)
	if res.status != 200 || pre.Data.Preset != "booking" || pre.Data.TotalRows != 25 || len(pre.Data.Preview) != 20 ||
		pre.Data.Mapping["rating"] != "Reviewer_Score" || pre.Data.Remembered {
		t.Fatalf("dry run: %d %s", res.status, res.body)
	}
	first, second := pre.Data.Preview[0], pre.Data.Preview[1]
	if first.RatingOriginal != 2.9 || first.Rating != 2 || first.Place != "Hotel Arena" || first.Negative == "" || first.Positive == "" ||
		second.RatingOriginal != 7.5 || second.Rating != 4 || second.Negative != "" || len(first.Errors) != 0 {
		t.Fatalf("preview rows: %+v / %+v", first, second)
	}
	if n := s.reviewCaseCount(); n != 0 {
		t.Fatalf("a dry run stored %d cases", n)
	}

	// Import in windows of 10 rows, as the progress bar does: 24 cases and one row error.
	mapping, _ := json.Marshal(pre.Data.Mapping)
	importAll := func() (outcomes map[string]int, rowErrs []string, caseOfRow map[int]string) {
		outcomes, caseOfRow = map[string]int{}, map[int]string{}
		for offset := 0; offset < 25; {
			res := s.importFile("manager", map[string]string{"source_id": id, "mapping": string(mapping), "offset": strconv.Itoa(offset), "limit": "10"}, file)
			var step importAnswer
			res.decode(t, &step)
			if res.status != 200 || step.Data.NextOffset <= offset {
				t.Fatalf("import at %d: %d %s", offset, res.status, res.body)
			}
			for _, r := range step.Data.Results {
				outcomes[r.Outcome]++
				caseOfRow[r.Row] = r.CaseID
			}
			for _, e := range step.Data.Errors {
				rowErrs = append(rowErrs, strconv.Itoa(e.Row)+" "+e.Field+": "+e.Message)
			}
			offset = step.Data.NextOffset
		}
		return outcomes, rowErrs, caseOfRow
	}
	outcomes, rowErrs, caseOfRow := importAll()
	if outcomes["created"] != 24 || len(rowErrs) != 1 || rowErrs[0] != "25 rating: must be a number" {
		t.Fatalf("import: %v errors %v", outcomes, rowErrs)
	}
	if n := s.reviewCaseCount(); n != 24 {
		t.Fatalf("review cases after the import: %d, want 24", n)
	}
	var c struct {
		Data models.Case `json:"data"`
	}
	s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases/"+caseOfRow[1], "", nil).decode(t, &c)
	rv := c.Data.Review
	if rv == nil || rv.Rating != 2 || rv.RatingOriginal != 2.9 || rv.ScaleMax != 10 || rv.Place != "Hotel Arena" ||
		!strings.HasPrefix(rv.Negative, "I am so angry") || !strings.HasPrefix(rv.Positive, "Only the park") ||
		c.Data.Priority != models.PriorityHigh || !strings.HasPrefix(c.Data.Subject, "Hotel Arena: I am so angry") {
		t.Fatalf("imported case: %+v review %+v", c.Data, rv)
	}

	// The same file again creates nothing; the source remembers the mapping.
	res = s.importFile("manager", map[string]string{"source_id": id, "dry_run": "true"}, file)
	res.decode(t, &pre)
	if !pre.Data.Remembered || pre.Data.Mapping["positive"] != "Positive_Review" {
		t.Fatalf("remembered mapping: %s", res.body)
	}
	outcomes, _, _ = importAll()
	if outcomes["unchanged"] != 24 || outcomes["created"] != 0 {
		t.Fatalf("re-import: %v", outcomes)
	}

	// A review whose score changed is an edit of its case, on the timeline.
	edited := bytes.Replace(file, []byte(",\"7\",\"2.9\"\r\n"), []byte(",\"7\",\"4.2\"\r\n"), 1)
	if bytes.Equal(edited, file) {
		t.Fatal("the fixture's first row did not change")
	}
	outcomes = importOnce(t, s, id, mapping, edited)
	if outcomes["updated"] != 1 || outcomes["unchanged"] != 23 || outcomes["created"] != 0 {
		t.Fatalf("import of an edited file: %v", outcomes)
	}
	s.do(s.logins["agent"], http.MethodGet, "/api/v1/cases/"+caseOfRow[1], "", nil).decode(t, &c)
	last := c.Data.Timeline[len(c.Data.Timeline)-1]
	if c.Data.Review.RatingOriginal != 4.2 || c.Data.Review.Edits != 1 || last.Data["field"] != models.ReviewEditedField {
		t.Fatalf("edited review: %+v last %+v", c.Data.Review, last)
	}
	if n := s.reviewCaseCount(); n != 24 {
		t.Fatalf("review cases at the end: %d, want 24", n)
	}
}

// importOnce imports a whole file in one step and counts its outcomes.
func importOnce(t *testing.T, s *stack, id string, mapping []byte, file []byte) map[string]int {
	res := s.importFile("manager", map[string]string{"source_id": id, "mapping": string(mapping), "limit": "100"}, file)
	var step importAnswer
	res.decode(t, &step)
	if res.status != 200 {
		t.Fatalf("import: %d %s", res.status, res.body)
	}
	outcomes := map[string]int{}
	for _, r := range step.Data.Results {
		outcomes[r.Outcome]++
	}
	return outcomes
}

func TestReviewImportRefusals(t *testing.T) {
	s := newStack(t)
	id, _ := s.reviewSource("generic")
	good := []byte("external_id,rating,author,text\ng1,4,Pia,Nice\n")
	for name, tc := range map[string]struct {
		fields map[string]string
		file   []byte
		status int
		want   string
	}{
		"no source":         {map[string]string{}, good, 400, "source_id"},
		"unknown source":    {map[string]string{"source_id": "nope"}, good, 404, ""},
		"empty file":        {map[string]string{"source_id": id}, []byte("  "), 422, "empty"},
		"broken quotes":     {map[string]string{"source_id": id}, []byte("external_id,rating\n\"g1,4\n"), 422, "malformed"},
		"not UTF-8":         {map[string]string{"source_id": id}, []byte("external_id,rating,text\ng1,4,caf\xe9\n"), 422, "UTF-8"},
		"mapping misfit":    {map[string]string{"source_id": id, "mapping": `{"rating":"Stars","text":"text"}`}, good, 400, "mapping.rating"},
		"mapping not JSON":  {map[string]string{"source_id": id, "mapping": `[`}, good, 400, "mapping"},
		"bad offset":        {map[string]string{"source_id": id, "offset": "-1"}, good, 400, "offset"},
		"JSON of no review": {map[string]string{"source_id": id}, []byte(`{"a":1}`), 422, "array of reviews"},
	} {
		t.Run(name, func(t *testing.T) {
			res := s.importFile("manager", tc.fields, tc.file)
			if res.status != tc.status || !strings.Contains(res.body, tc.want) {
				t.Fatalf("%d %s", res.status, res.body)
			}
		})
	}
	if n := s.reviewCaseCount(); n != 0 {
		t.Fatalf("refused imports stored %d cases", n)
	}

	// A Google export (Review resources, nested reviewer) maps through dotted columns.
	google := `{"reviews":[{"name":"accounts/1/locations/2/reviews/AbC","reviewId":"AbC","reviewer":{"displayName":"Ola N"},
		"starRating":"TWO","comment":"Slow","createTime":"2024-05-01T10:00:00Z"},
		{"reviewId":"XyZ","reviewer":{"displayName":"Liisa"},"starRating":"SIX","comment":"?"}]}`
	res := s.importFile("manager", map[string]string{"source_id": id}, []byte(google))
	var ans importAnswer
	res.decode(t, &ans)
	if res.status != 200 || len(ans.Data.Results) != 1 || ans.Data.Results[0].Outcome != "created" ||
		len(ans.Data.Errors) != 1 || ans.Data.Errors[0].Row != 2 || ans.Data.Errors[0].Field != "rating" {
		t.Fatalf("google export: %d %s", res.status, res.body)
	}
}
