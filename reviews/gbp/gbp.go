// Package gbp is a client of the Google Business Profile review API (My Business API v4,
// accounts.locations.reviews): it lists a location's reviews page by page and puts or deletes
// the business's reply. Only the documented calls and shapes are used:
//
//	GET    {base}/v4/{parent=accounts/*/locations/*}/reviews?pageSize=&pageToken=&orderBy=
//	       -> {"reviews": [Review], "averageRating", "totalReviewCount", "nextPageToken"}
//	PUT    {base}/v4/{name=accounts/*/locations/*/reviews/*}/reply  {"comment": "..."} -> ReviewReply
//	DELETE {base}/v4/{name=accounts/*/locations/*/reviews/*}/reply
//
// with the access token as a bearer credential. It has been tested only against a local
// server in the tests that answers in those shapes, never against Google.
package gbp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is Google's API host.
const DefaultBaseURL = "https://mybusiness.googleapis.com"

// PageSize is the most reviews one list call asks for (the API's maximum is 50).
const PageSize = 50

// Review is the Review resource.
type Review struct {
	Name     string `json:"name"`
	ReviewID string `json:"reviewId"`
	Reviewer struct {
		DisplayName string `json:"displayName"`
		IsAnonymous bool   `json:"isAnonymous"`
	} `json:"reviewer"`
	StarRating  string       `json:"starRating"`
	Comment     string       `json:"comment"`
	CreateTime  time.Time    `json:"createTime"`
	UpdateTime  time.Time    `json:"updateTime"`
	ReviewReply *ReviewReply `json:"reviewReply,omitempty"`
}

// ReviewReply is the business's answer to a review.
type ReviewReply struct {
	Comment    string    `json:"comment"`
	UpdateTime time.Time `json:"updateTime"`
}

// Page is one answer of the list call.
type Page struct {
	Reviews          []Review `json:"reviews"`
	AverageRating    float64  `json:"averageRating"`
	TotalReviewCount int      `json:"totalReviewCount"`
	NextPageToken    string   `json:"nextPageToken"`
}

// Client calls the API for one access token.
type Client struct {
	BaseURL string
	Token   string
	HTTP    *http.Client
}

// locationName is "accounts/{a}/locations/{l}"; reviewName adds "/reviews/{r}".
var (
	locationName = regexp.MustCompile(`^accounts/[^/]+/locations/[^/]+$`)
	reviewName   = regexp.MustCompile(`^accounts/[^/]+/locations/[^/]+/reviews/[^/]+$`)
)

// ValidLocation says whether s names a location as the API does.
func ValidLocation(s string) bool { return locationName.MatchString(s) }

// APIError is an answer other than 2xx.
type APIError struct {
	Status int
	Body   string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("google business profile: HTTP %d: %s", e.Status, e.Body)
}

// ListReviews reads one page of a location's reviews, newest change first.
func (c *Client) ListReviews(ctx context.Context, location, pageToken string) (*Page, error) {
	if !ValidLocation(location) {
		return nil, fmt.Errorf("google business profile: %q is no location name", location)
	}
	q := url.Values{"pageSize": {strconv.Itoa(PageSize)}, "orderBy": {"updateTime desc"}}
	if pageToken != "" {
		q.Set("pageToken", pageToken)
	}
	var page Page
	if err := c.do(ctx, http.MethodGet, "/v4/"+location+"/reviews?"+q.Encode(), nil, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// PutReply creates or replaces the reply to the review named name.
func (c *Client) PutReply(ctx context.Context, name, comment string) (*ReviewReply, error) {
	if !reviewName.MatchString(name) {
		return nil, fmt.Errorf("google business profile: %q is no review name", name)
	}
	var out ReviewReply
	if err := c.do(ctx, http.MethodPut, "/v4/"+name+"/reply", map[string]string{"comment": comment}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteReply removes the reply to the review named name.
func (c *Client) DeleteReply(ctx context.Context, name string) error {
	if !reviewName.MatchString(name) {
		return fmt.Errorf("google business profile: %q is no review name", name)
	}
	return c.do(ctx, http.MethodDelete, "/v4/"+name+"/reply", nil, nil)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	base := strings.TrimRight(c.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	client := c.HTTP
	if client == nil {
		client = &http.Client{Timeout: 20 * time.Second}
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("google business profile: %w", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("google business profile: reading the answer: %w", err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return &APIError{Status: res.StatusCode, Body: strings.TrimSpace(string(raw[:min(len(raw), 300)]))}
	}
	if out == nil || len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("google business profile: the answer is not the documented shape: %w", err)
	}
	return nil
}
