package reviews

import (
	"strings"
	"testing"
)

func TestReadTableCSVAndJSON(t *testing.T) {
	// A quoted cell may hold a newline and a comma; a BOM is dropped.
	tab, err := ReadTable([]byte("\xef\xbb\xbfReview Id,Review Stars,Review Content,Consumer Name\r\nt1,2,\"Slow,\r\nvery slow\",Pia\r\n"))
	if err != nil || len(tab.Rows) != 1 || tab.Rows[0][2] != "Slow,\nvery slow" || tab.Headers[0] != "Review Id" {
		t.Fatalf("csv: %+v %v", tab, err)
	}
	preset, m := Guess(tab.Headers)
	if preset != "trustpilot" || m[FieldText] != "Review Content" || m[FieldAuthor] != "Consumer Name" {
		t.Fatalf("guess: %s %v", preset, m)
	}
	it, errs := MapRow(tab.Headers, tab.Rows[0], m, 5)
	if len(errs) != 0 || it.ExternalID != "t1" || it.Rating != 2 || it.Author != "Pia" {
		t.Fatalf("row: %+v %v", it, errs)
	}

	tab, err = ReadTable([]byte(`[{"reviewId":"g1","reviewer":{"displayName":"Ola"},"starRating":"FOUR","comment":"ok"}]`))
	if err != nil || strings.Join(tab.Headers, ",") != "comment,reviewId,reviewer.displayName,starRating" {
		t.Fatalf("json: %+v %v", tab, err)
	}
	preset, m = Guess(tab.Headers)
	it, errs = MapRow(tab.Headers, tab.Rows[0], m, 5)
	if preset != "google" || len(errs) != 0 || it.Rating != 4 || it.Author != "Ola" || it.ExternalID != "g1" {
		t.Fatalf("google: %s %+v %v", preset, it, errs)
	}
}

func TestMapRowBooking(t *testing.T) {
	headers := []string{"Review_Date", "Hotel_Name", "Negative_Review", "Positive_Review", "Reviewer_Score"}
	_, m := Guess(headers)
	it, errs := MapRow(headers, []string{"8/3/2017", "Hotel Arena", "No Negative", "Great staff", "9.6"}, m, 10)
	if len(errs) != 0 || it.Negative != "" || it.Positive != "Great staff" || it.Text != "Great staff" || it.Rating != 9.6 ||
		it.PostedAt.Format("2006-01-02") != "2017-08-03" || !strings.HasPrefix(it.ExternalID, "row-") {
		t.Fatalf("booking row: %+v %v", it, errs)
	}
	// The same review with another score keeps its id: a re-scored review is an edit.
	again, _ := MapRow(headers, []string{"8/3/2017", "Hotel Arena", "No Negative", "Great staff", "7"}, m, 10)
	if again.ExternalID != it.ExternalID {
		t.Fatal("the derived id depends on the score")
	}
	_, errs = MapRow(headers, []string{"31.12.2017", "Hotel Arena", "", "", "11"}, m, 10)
	if errs["rating"] != "must be from 1 to 10" || errs["posted_at"] == "" {
		t.Fatalf("bad row: %v", errs)
	}
	_, errs = MapRow(headers, []string{"8/3/2017"}, m, 10)
	if errs["row"] == "" {
		t.Fatalf("short row: %v", errs)
	}
}
