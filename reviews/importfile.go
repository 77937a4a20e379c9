package reviews

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// An import file is read into a Table (a header row and string cells), whatever it was: a CSV
// export (generic, Trustpilot's, Booking.com's) or a JSON array of review objects (Kaiku's
// generic shape, Google Business Profile's Review resources as its export and API give
// them). Nested JSON objects become dotted columns ("reviewer.displayName"), so one column
// mapping serves every file.

// MaxImportBytes bounds an import file; MaxImportRows its data rows.
const (
	MaxImportBytes = 16 << 20
	MaxImportRows  = 50000
)

// Table is an import file's rows.
type Table struct {
	Headers []string
	Rows    [][]string
}

// ReadTable reads an import file: JSON when it starts with '[' or '{', CSV otherwise. A
// UTF-8 byte order mark is dropped.
func ReadTable(content []byte) (*Table, error) {
	content = bytes.TrimPrefix(content, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(content)
	if len(trimmed) == 0 {
		return nil, &FormatError{"the file is empty"}
	}
	if !utf8.Valid(trimmed) {
		return nil, &FormatError{"the file is not UTF-8 text"}
	}
	var t *Table
	var err error
	if trimmed[0] == '[' || trimmed[0] == '{' {
		t, err = readJSONTable(trimmed)
	} else {
		t, err = readCSVTable(content)
	}
	if err != nil {
		return nil, err
	}
	if len(t.Rows) == 0 {
		return nil, &FormatError{"the file has no rows"}
	}
	if len(t.Rows) > MaxImportRows {
		return nil, &FormatError{fmt.Sprintf("at most %d rows per file", MaxImportRows)}
	}
	return t, nil
}

func readCSVTable(content []byte) (*Table, error) {
	r := csv.NewReader(bytes.NewReader(content))
	r.FieldsPerRecord = -1 // a short or long row is that row's error, not the file's
	r.LazyQuotes = false
	header, err := r.Read()
	if err != nil {
		return nil, &FormatError{"the file has no CSV header row"}
	}
	t := &Table{Headers: trimAll(header)}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &FormatError{fmt.Sprintf("the CSV is malformed at line %d: %v", pe.Line, pe.Err)}
			}
			return nil, &FormatError{"the CSV is malformed"}
		}
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		t.Rows = append(t.Rows, rec)
	}
	return t, nil
}

func readJSONTable(body []byte) (*Table, error) {
	var raws []json.RawMessage
	if body[0] == '{' {
		var env struct {
			Reviews []json.RawMessage `json:"reviews"`
		}
		if err := json.Unmarshal(body, &env); err != nil || env.Reviews == nil {
			return nil, &FormatError{`the JSON must be an array of reviews or {"reviews": [...]}`}
		}
		raws = env.Reviews
	} else if err := json.Unmarshal(body, &raws); err != nil {
		return nil, &FormatError{"the file is not a JSON array of reviews"}
	}
	flat := make([]map[string]string, len(raws))
	seen := map[string]bool{}
	var headers []string
	for i, raw := range raws {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return nil, &FormatError{fmt.Sprintf("review %d is not JSON", i+1)}
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, &FormatError{fmt.Sprintf("review %d is not an object", i+1)}
		}
		flat[i] = map[string]string{}
		flatten("", obj, flat[i])
		for k := range flat[i] {
			if !seen[k] {
				seen[k] = true
				headers = append(headers, k)
			}
		}
	}
	sort.Strings(headers)
	t := &Table{Headers: headers, Rows: make([][]string, len(flat))}
	for i, m := range flat {
		row := make([]string, len(headers))
		for j, h := range headers {
			row[j] = m[h]
		}
		t.Rows[i] = row
	}
	return t, nil
}

func flatten(prefix string, obj map[string]any, out map[string]string) {
	for k, v := range obj {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch x := v.(type) {
		case map[string]any:
			flatten(key, x, out)
		case string:
			out[key] = x
		case json.Number:
			out[key] = x.String()
		case bool:
			out[key] = strconv.FormatBool(x)
		case nil:
		default:
			b, _ := json.Marshal(x)
			out[key] = string(b)
		}
	}
}

func trimAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.TrimSpace(v)
	}
	return out
}

// Import fields a column can be mapped to. Positive and negative texts stay apart (Booking.com
// asks for both); a file without an id column gets ids derived from the row's content.
const (
	FieldExternalID = "external_id"
	FieldRating     = "rating"
	FieldAuthor     = "author"
	FieldEmail      = "email"
	FieldTitle      = "title"
	FieldText       = "text"
	FieldPositive   = "positive"
	FieldNegative   = "negative"
	FieldURL        = "url"
	FieldLanguage   = "language"
	FieldPostedAt   = "posted_at"
	FieldPlace      = "place"
)

// ImportFields lists the fields in the order the mapping form shows them.
var ImportFields = []string{FieldExternalID, FieldRating, FieldAuthor, FieldEmail, FieldTitle, FieldText,
	FieldPositive, FieldNegative, FieldPostedAt, FieldURL, FieldLanguage, FieldPlace}

// Mapping names, for each field, the column it is read from.
type Mapping map[string]string

// Presets: the known layouts, recognised by their columns. Trustpilot's names are those of
// its business CSV export, Google's those of its Review resource, Booking.com's those of the
// public "515K Hotel Reviews" data set.
var presets = []struct {
	name    string
	detect  string
	mapping Mapping
}{
	{"booking", "Reviewer_Score", Mapping{FieldRating: "Reviewer_Score", FieldPositive: "Positive_Review", FieldNegative: "Negative_Review",
		FieldPostedAt: "Review_Date", FieldPlace: "Hotel_Name"}},
	{"google", "starRating", Mapping{FieldExternalID: "reviewId", FieldRating: "starRating", FieldAuthor: "reviewer.displayName",
		FieldText: "comment", FieldPostedAt: "createTime"}},
	{"trustpilot", "Review Stars", Mapping{FieldExternalID: "Review Id", FieldRating: "Review Stars", FieldAuthor: "Consumer Name",
		FieldEmail: "Consumer Email", FieldTitle: "Review Title", FieldText: "Review Content", FieldPostedAt: "Review Created (UTC)",
		FieldLanguage: "Review Language"}},
}

// Guess returns the preset the headers match ("booking", "google", "trustpilot") and its
// mapping, else "generic" with every field mapped to a column of its own name.
func Guess(headers []string) (string, Mapping) {
	has := map[string]bool{}
	for _, h := range headers {
		has[h] = true
	}
	for _, p := range presets {
		if has[p.detect] {
			m := Mapping{}
			for f, col := range p.mapping {
				if has[col] {
					m[f] = col
				}
			}
			return p.name, m
		}
	}
	m := Mapping{}
	for _, f := range ImportFields {
		for _, h := range headers {
			if strings.EqualFold(h, f) {
				m[f] = h
			}
		}
	}
	return "generic", m
}

// Fits says whether every column the mapping names is among the headers, and it maps a rating.
func (m Mapping) Fits(headers []string) bool {
	if m[FieldRating] == "" {
		return false
	}
	for _, col := range m {
		if col != "" && !containsString(headers, col) {
			return false
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// CheckMapping refuses a mapping naming an unknown field or a column the file lacks.
func CheckMapping(m Mapping, headers []string) ItemErrors {
	errs := ItemErrors{}
	for f, col := range m {
		if !containsString(ImportFields, f) {
			errs["mapping."+f] = "is not an import field"
			continue
		}
		if col != "" && !containsString(headers, col) {
			errs["mapping."+f] = "names a column the file does not have"
		}
	}
	if m[FieldRating] == "" {
		errs["mapping.rating"] = "is required"
	}
	if m[FieldText] == "" && m[FieldPositive] == "" && m[FieldNegative] == "" && m[FieldTitle] == "" {
		errs["mapping.text"] = "map a text, title, positive or negative column"
	}
	return errs
}

// bookingEmpty are the Booking.com data set's placeholders for "nothing written".
var bookingEmpty = map[string]bool{"no negative": true, "no positive": true, "nothing": true}

// MapRow reads row (of a table with these headers) through the mapping. Its problems come
// back by field; a row with any is not imported.
func MapRow(headers []string, row []string, m Mapping, scaleMax int) (Item, map[string]string) {
	errs := ItemErrors{}
	if len(row) != len(headers) {
		return Item{}, map[string]string{"row": fmt.Sprintf("has %d cells, the header %d", len(row), len(headers))}
	}
	cell := func(field string) string {
		col := m[field]
		if col == "" {
			return ""
		}
		for i, h := range headers {
			if h == col {
				return strings.TrimSpace(row[i])
			}
		}
		return ""
	}
	it := Item{Email: cell(FieldEmail), Place: cell(FieldPlace)}
	it.Positive, it.Negative = cell(FieldPositive), cell(FieldNegative)
	if bookingEmpty[strings.ToLower(it.Positive)] {
		it.Positive = ""
	}
	if bookingEmpty[strings.ToLower(it.Negative)] {
		it.Negative = ""
	}
	it.ExternalID, it.Author, it.Title, it.URL, it.Language = cell(FieldExternalID), cell(FieldAuthor), cell(FieldTitle), cell(FieldURL), cell(FieldLanguage)
	it.Text = cell(FieldText)
	if it.Text == "" {
		it.Text = JoinSides(it.Positive, it.Negative)
	}
	it.Rating = ratingOf(cell(FieldRating), errs)
	if s := cell(FieldPostedAt); s != "" {
		t, ok := parseDate(s)
		if !ok {
			errs["x."+FieldPostedAt] = "must be a date such as 2024-05-31, 5/31/2024 or an RFC 3339 time"
		}
		it.PostedAt = t
	}
	if it.ExternalID == "" && m[FieldExternalID] == "" {
		it.ExternalID = DerivedID(cell(FieldPostedAt), it.Place, it.Author, it.Title, it.Text)
	}
	if it.Email != "" && (!strings.Contains(it.Email, "@") || len(it.Email) > 254) {
		errs["x."+FieldEmail] = "must be an e-mail address"
	}
	if utf8.RuneCountInString(it.Place) > maxTitle {
		errs["x."+FieldPlace] = fmt.Sprintf("must be at most %d characters", maxTitle)
	}
	checkItem(&it, "x", scaleMax, errs)
	out := map[string]string{}
	for k, v := range errs {
		switch {
		case k == "x":
			k = "row"
		case strings.HasPrefix(k, "x."):
			k = k[2:]
		}
		out[k] = v
	}
	return it, out
}

// JoinSides is the review text of a review written as two sides, for search and the inbox.
func JoinSides(positive, negative string) string {
	switch {
	case positive == "":
		return negative
	case negative == "":
		return positive
	}
	return negative + "\n\n" + positive
}

// DerivedID is the id of a review from a file that gives none (Booking.com's data set): a
// hash of when, where and by whom it was written and its words, so the same review imported
// again is the same review, and one whose score alone changed is an edit of it.
func DerivedID(parts ...string) string {
	h := sha256.New()
	for _, c := range parts {
		h.Write([]byte(c))
		h.Write([]byte{0})
	}
	return "row-" + hex.EncodeToString(h.Sum(nil)[:12])
}

func ratingOf(s string, errs ItemErrors) float64 {
	if s == "" {
		errs["x."+FieldRating] = "is required"
		return 0
	}
	if v, ok := googleStars[strings.ToUpper(s)]; ok {
		return v
	}
	f, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil {
		errs["x."+FieldRating] = "must be a number"
		return 0
	}
	return f
}

var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02", "1/2/2006", "1/2/2006 15:04"}

func parseDate(s string) (time.Time, bool) {
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
