package reviews

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Item is one review as a delivery carries it, whatever its shape.
type Item struct {
	ExternalID string
	Rating     float64 // on the source's own scale; 0 on a deletion
	Author     string
	Title      string
	Text       string
	URL        string
	Language   string
	PostedAt   time.Time // zero: the time it arrived
	Deleted    bool
	Replied    bool // the source says the business has answered it publicly
	// What an import file may give besides (see MapRow): Booking.com's two sides of a review
	// kept apart, the place reviewed, the reviewer's e-mail.
	Positive string
	Negative string
	Place    string
	Email    string
}

// ItemErrors are the problems of a delivery's items, by field ("items[2].rating"). A delivery
// with any is refused whole, so nothing of it is half-stored.
type ItemErrors map[string]string

func (e ItemErrors) Error() string { return fmt.Sprintf("%d problems in the reviews", len(e)) }

// FormatError is a body that is no review payload at all.
type FormatError struct{ Message string }

func (e *FormatError) Error() string { return e.Message }

// Limits of one review's fields.
const (
	maxExternalID = 200
	maxAuthor     = 200
	maxTitle      = 300
	maxText       = 20000
	maxURL        = 2000
)

// genericItem is Kaiku's own shape.
type genericItem struct {
	ExternalID string      `json:"external_id"`
	Rating     json.Number `json:"rating"`
	Author     string      `json:"author"`
	Title      string      `json:"title"`
	Text       string      `json:"text"`
	URL        string      `json:"url"`
	Language   string      `json:"language"`
	PostedAt   string      `json:"posted_at"`
	Deleted    bool        `json:"deleted"`
	Replied    bool        `json:"replied"`
	// A review written in two sides (Booking.com) may give them apart, as an import does.
	Positive string `json:"positive"`
	Negative string `json:"negative"`
}

// trustpilotEvent is one entry of Trustpilot's review webhook ({"events": [...]}), whose
// eventName is service-review-created, -updated or -deleted.
type trustpilotEvent struct {
	EventName string `json:"eventName"`
	EventData struct {
		ID        string      `json:"id"`
		Stars     json.Number `json:"stars"`
		Title     string      `json:"title"`
		Text      string      `json:"text"`
		Language  string      `json:"language"`
		CreatedAt string      `json:"createdAt"`
		Link      string      `json:"link"`
		Consumer  struct {
			Name string `json:"name"`
		} `json:"consumer"`
	} `json:"eventData"`
}

// googleReview is Google Business Profile's Review resource (accounts.locations.reviews).
type googleReview struct {
	Name     string `json:"name"`
	ReviewID string `json:"reviewId"`
	Reviewer struct {
		DisplayName string `json:"displayName"`
		IsAnonymous bool   `json:"isAnonymous"`
	} `json:"reviewer"`
	StarRating  string          `json:"starRating"`
	Comment     string          `json:"comment"`
	CreateTime  string          `json:"createTime"`
	ReviewReply json.RawMessage `json:"reviewReply"`
}

var googleStars = map[string]float64{"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}

// Parse reads a delivery: one review or a batch, in Kaiku's generic JSON
// ({"reviews": [...]}, an array, or one object), Trustpilot's webhook ({"events": [...]}) or
// Google's Review resource (one, an array, or a list answer {"reviews": [...]}). Ratings are
// checked against 1..scaleMax. It returns every item's problems at once.
func Parse(body []byte, scaleMax int) ([]Item, error) {
	body = bytes.TrimSpace(body)
	var raws []json.RawMessage
	switch {
	case len(body) > 0 && body[0] == '[':
		if err := json.Unmarshal(body, &raws); err != nil {
			return nil, &FormatError{"the body is not a JSON array of reviews"}
		}
	case len(body) > 0 && body[0] == '{':
		var env struct {
			Events  []json.RawMessage `json:"events"`
			Reviews []json.RawMessage `json:"reviews"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			return nil, &FormatError{"the body is not a review payload"}
		}
		switch {
		case env.Events != nil:
			return parseTrustpilot(env.Events, scaleMax)
		case env.Reviews != nil:
			raws = env.Reviews
		default:
			raws = []json.RawMessage{body}
		}
	default:
		return nil, &FormatError{"the body must be JSON"}
	}
	if len(raws) == 0 {
		return nil, &FormatError{"the delivery has no reviews"}
	}
	if len(raws) > MaxBatch {
		return nil, &FormatError{fmt.Sprintf("at most %d reviews per delivery", MaxBatch)}
	}
	items := make([]Item, len(raws))
	errs := ItemErrors{}
	for i, raw := range raws {
		key := fmt.Sprintf("items[%d]", i)
		var probe map[string]json.RawMessage
		if json.Unmarshal(raw, &probe) != nil {
			errs[key] = "must be a review object"
			continue
		}
		_, g1 := probe["starRating"]
		_, g2 := probe["reviewId"]
		if g1 || g2 {
			items[i] = parseGoogle(raw, key, errs)
		} else {
			items[i] = parseGeneric(raw, key, errs)
		}
		checkItem(&items[i], key, scaleMax, errs)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return items, nil
}

func parseTrustpilot(events []json.RawMessage, scaleMax int) ([]Item, error) {
	if len(events) == 0 {
		return nil, &FormatError{"the delivery has no reviews"}
	}
	if len(events) > MaxBatch {
		return nil, &FormatError{fmt.Sprintf("at most %d reviews per delivery", MaxBatch)}
	}
	items := make([]Item, len(events))
	errs := ItemErrors{}
	for i, raw := range events {
		key := fmt.Sprintf("items[%d]", i)
		var ev trustpilotEvent
		if json.Unmarshal(raw, &ev) != nil {
			errs[key] = "must be a Trustpilot review event"
			continue
		}
		it := Item{ExternalID: ev.EventData.ID, Title: ev.EventData.Title, Text: ev.EventData.Text,
			Language: ev.EventData.Language, URL: ev.EventData.Link, Author: ev.EventData.Consumer.Name}
		switch ev.EventName {
		case "service-review-created", "service-review-updated":
		case "service-review-deleted":
			it.Deleted = true
		default:
			errs[key+".eventName"] = "must be service-review-created, -updated or -deleted"
			continue
		}
		if !it.Deleted || ev.EventData.Stars != "" {
			it.Rating = number(ev.EventData.Stars, key+".stars", errs)
		}
		it.PostedAt = timeOf(ev.EventData.CreatedAt, key+".createdAt", errs)
		checkItem(&it, key, scaleMax, errs)
		items[i] = it
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return items, nil
}

func parseGeneric(raw json.RawMessage, key string, errs ItemErrors) Item {
	var g genericItem
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&g); err != nil {
		errs[key] = "has a field of the wrong type"
		return Item{}
	}
	it := Item{ExternalID: g.ExternalID, Author: g.Author, Title: g.Title, Text: g.Text, URL: g.URL,
		Language: g.Language, Deleted: g.Deleted, Replied: g.Replied,
		Positive: strings.TrimSpace(g.Positive), Negative: strings.TrimSpace(g.Negative)}
	if it.Text == "" {
		it.Text = JoinSides(it.Positive, it.Negative)
	}
	if !g.Deleted || g.Rating != "" {
		it.Rating = number(g.Rating, key+".rating", errs)
	}
	it.PostedAt = timeOf(g.PostedAt, key+".posted_at", errs)
	return it
}

func parseGoogle(raw json.RawMessage, key string, errs ItemErrors) Item {
	var g googleReview
	if err := json.Unmarshal(raw, &g); err != nil {
		errs[key] = "has a field of the wrong type"
		return Item{}
	}
	id := g.ReviewID
	if id == "" && g.Name != "" {
		id = g.Name[strings.LastIndexByte(g.Name, '/')+1:]
	}
	author := g.Reviewer.DisplayName
	if author == "" || g.Reviewer.IsAnonymous {
		author = "Anonymous"
	}
	it := Item{ExternalID: id, Author: author, Text: g.Comment,
		Replied: len(g.ReviewReply) > 0 && string(g.ReviewReply) != "null"}
	stars, ok := googleStars[g.StarRating]
	if !ok {
		errs[key+".starRating"] = "must be ONE, TWO, THREE, FOUR or FIVE"
	}
	it.Rating = stars
	it.PostedAt = timeOf(g.CreateTime, key+".createTime", errs)
	return it
}

func number(n json.Number, key string, errs ItemErrors) float64 {
	if n == "" {
		errs[key] = "is required"
		return 0
	}
	f, err := n.Float64()
	if err != nil {
		errs[key] = "must be a number"
	}
	return f
}

func timeOf(s, key string, errs ItemErrors) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		errs[key] = "must be an RFC 3339 time"
	}
	return t.UTC()
}

// checkItem checks the fields every shape shares, once mapped.
func checkItem(it *Item, key string, scaleMax int, errs ItemErrors) {
	it.ExternalID = strings.TrimSpace(it.ExternalID)
	it.Author = strings.TrimSpace(it.Author)
	it.Title = strings.TrimSpace(it.Title)
	it.URL = strings.TrimSpace(it.URL)
	tooLong := func(field, v string, max int) {
		if utf8.RuneCountInString(v) > max {
			errs[key+"."+field] = fmt.Sprintf("must be at most %d characters", max)
		}
	}
	if it.ExternalID == "" {
		errs[key+".external_id"] = "is required"
	}
	tooLong("external_id", it.ExternalID, maxExternalID)
	tooLong("author", it.Author, maxAuthor)
	tooLong("title", it.Title, maxTitle)
	tooLong("text", it.Text, maxText)
	tooLong("url", it.URL, maxURL)
	if !utf8.ValidString(it.Text) || !utf8.ValidString(it.Title) || !utf8.ValidString(it.Author) {
		errs[key+".text"] = "must be UTF-8 text"
	}
	if it.URL != "" {
		if u, err := url.Parse(it.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs[key+".url"] = "must be an http or https address"
		}
	}
	if !it.Deleted || it.Rating != 0 {
		if _, bad := errs[key+".rating"]; !bad && (it.Rating < 1 || it.Rating > float64(scaleMax)) {
			errs[key+".rating"] = fmt.Sprintf("must be from 1 to %d", scaleMax)
		}
	}
	if !it.Deleted && strings.TrimSpace(it.Text) == "" && it.Title == "" && it.Rating == 0 {
		errs[key] = "has no rating and no text"
	}
}
