package helpdesk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reviews/gbp"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// fakeGoogle answers the three documented review calls of the Google Business Profile API
// for one location, in their documented shapes: reviews.list (pages of two, newest change
// first, nextPageToken), and PUT/DELETE of a review's reply. failOnce makes the list call
// for that page token fail once with a 503.
type fakeGoogle struct {
	mu       sync.Mutex
	token    string
	location string
	reviews  []gbp.Review
	failOnce map[string]bool
	listed   []string // the page tokens asked for, in order
	replies  map[string]string
	listedCh chan struct{}
}

func (f *fakeGoogle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+f.token {
		http.Error(w, `{"error":{"code":401,"status":"UNAUTHENTICATED"}}`, http.StatusUnauthorized)
		return
	}
	base := "/v4/" + f.location + "/reviews"
	switch {
	case r.Method == http.MethodGet && r.URL.Path == base:
		tok := r.URL.Query().Get("pageToken")
		f.listed = append(f.listed, tok)
		if f.listedCh != nil {
			select {
			case f.listedCh <- struct{}{}:
			default:
			}
		}
		if f.failOnce[tok] {
			delete(f.failOnce, tok)
			http.Error(w, `{"error":{"code":503,"status":"UNAVAILABLE"}}`, http.StatusServiceUnavailable)
			return
		}
		if r.URL.Query().Get("orderBy") != "updateTime desc" || r.URL.Query().Get("pageSize") == "" {
			http.Error(w, "bad query", http.StatusBadRequest)
			return
		}
		sorted := slices.Clone(f.reviews)
		slices.SortStableFunc(sorted, func(a, b gbp.Review) int { return b.UpdateTime.Compare(a.UpdateTime) })
		start := 0
		if tok != "" {
			fmt.Sscanf(tok, "p%d", &start)
		}
		end := min(len(sorted), start+2)
		page := map[string]any{"reviews": sorted[start:end], "averageRating": 3.5, "totalReviewCount": len(sorted)}
		if end < len(sorted) {
			page["nextPageToken"] = fmt.Sprintf("p%d", end)
		}
		_ = json.NewEncoder(w).Encode(page)
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, base+"/") && strings.HasSuffix(r.URL.Path, "/reply"):
		var body struct {
			Comment string `json:"comment"`
		}
		if json.NewDecoder(r.Body).Decode(&body) != nil || body.Comment == "" {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, base+"/"), "/reply")
		f.replies[id] = body.Comment
		_ = json.NewEncoder(w).Encode(gbp.ReviewReply{Comment: body.Comment, UpdateTime: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)})
	case r.Method == http.MethodDelete && strings.HasSuffix(r.URL.Path, "/reply"):
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, base+"/"), "/reply")
		delete(f.replies, id)
		_, _ = w.Write([]byte("{}"))
	default:
		http.NotFound(w, r)
	}
}

func googleReview(loc, id, stars, comment string, updated time.Time) gbp.Review {
	g := gbp.Review{Name: loc + "/reviews/" + id, ReviewID: id, StarRating: stars, Comment: comment,
		CreateTime: updated, UpdateTime: updated}
	g.Reviewer.DisplayName = "Guest " + id
	return g
}

func TestGooglePullResumesAndPublishes(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return monday9 }
	env := storetest.StartWith(t, t.TempDir(), store.Options{SingleWriter: true, Now: now})
	idx, err := search.OpenBleve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	hd, _, _ := newHelpdesk(t, env, idx, now, mail.Config{})
	admin := &helpdesk.Principal{User: storetest.NewUser(storetest.WithRole(models.RoleAdmin))}

	const loc = "accounts/111/locations/222"
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	fake := &fakeGoogle{token: "ya29.test-token", location: loc, failOnce: map[string]bool{"p2": true}, replies: map[string]string{}}
	for i, stars := range []string{"ONE", "FIVE", "TWO", "FOUR", "THREE", "FIVE"} {
		fake.reviews = append(fake.reviews, googleReview(loc, fmt.Sprintf("g%d", i), stars, fmt.Sprintf("Review %d", i), day.Add(-time.Duration(i)*time.Hour)))
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	hd.Reviews.SetGoogleAPI(srv.URL, srv.Client())

	src, _, err := hd.Reviews.CreateSource(ctx, admin, models.ReviewSourceCreate{Name: "Our Google", Kind: "google_business"})
	if err != nil {
		t.Fatal(err)
	}
	bad := "accounts/111"
	if _, err := hd.Reviews.PatchSource(ctx, admin, src.ID, models.ReviewSourcePatch{GoogleLocation: &bad, Version: src.Version}); err == nil {
		t.Fatal("a location that is no location name is taken")
	}
	location, token := loc, fake.token
	src, err = hd.Reviews.PatchSource(ctx, admin, src.ID, models.ReviewSourcePatch{GoogleLocation: &location, GoogleAccessToken: &token, Version: src.Version})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(src.GoogleTokenSealed), token) {
		t.Fatal("the access token is stored in the clear")
	}

	// The second page fails: the pass stops there, keeps the first page's cases and the page
	// token; the next pass resumes at that page and files nothing twice.
	res, err := hd.Reviews.PullGoogle(ctx, src.ID)
	if err == nil || res.Created != 2 || res.Done {
		t.Fatalf("first pass: %+v %v", res, err)
	}
	stored, _ := env.Store.GetReviewSource(ctx, src.ID)
	if stored.GooglePageToken != "p2" || !strings.Contains(stored.GoogleError, "503") {
		t.Fatalf("progress after the failure: token %q error %q", stored.GooglePageToken, stored.GoogleError)
	}
	res, err = hd.Reviews.PullGoogle(ctx, src.ID)
	if err != nil || res.Created != 4 || !res.Done || res.Pages != 2 {
		t.Fatalf("resumed pass: %+v %v", res, err)
	}
	if got := strings.Join(fake.listed, ","); got != ",p2,p2,p4" {
		t.Fatalf("pages asked for: %q", got)
	}
	if n := countReviewCases(t, env.Store); n != 6 {
		t.Fatalf("review cases: %d, want 6", n)
	}

	// An edited review comes first (newest change); the pass stops at the first review older
	// than the last full pass (on the second page, after the one as new as it) and updates
	// only that one case.
	fake.mu.Lock()
	fake.reviews[2].Comment, fake.reviews[2].StarRating, fake.reviews[2].UpdateTime = "Better after your call", "FOUR", day.Add(2*time.Hour)
	fake.listed = nil
	fake.mu.Unlock()
	res, err = hd.Reviews.PullGoogle(ctx, src.ID)
	if err != nil || res.Updated != 1 || res.Created != 0 || res.Pages != 2 || strings.Join(fake.listed, ",") != ",p2" {
		t.Fatalf("pass after an edit: %+v %v, pages asked for %q", res, err, fake.listed)
	}
	caseID := caseOfReview(t, env.Store, "g2")
	c, _ := env.Store.GetCase(ctx, caseID)
	if c.Review.Rating != 4 || c.Review.Text != "Better after your call" || c.Review.Edits != 1 || c.Timeline[len(c.Timeline)-1].Data["field"] != models.ReviewEditedField {
		t.Fatalf("edited review: %+v", c.Review)
	}

	// A reply goes out with the documented reply call.
	agent := &helpdesk.Principal{User: storetest.NewUser(storetest.WithRole(models.RoleAgent))}
	if _, err := hd.Reviews.Reply(ctx, agent, caseID, models.ReviewReplyRequest{Action: "save", Text: "Thank you for coming back to us."}); err != nil {
		t.Fatal(err)
	}
	c, err = hd.Reviews.Reply(ctx, agent, caseID, models.ReviewReplyRequest{Action: "publish", Via: models.PublishGoogle})
	if err != nil {
		t.Fatal(err)
	}
	if fake.replies["g2"] != "Thank you for coming back to us." || c.Review.ReplyState != models.ReplyPublished || c.Review.Reply.PublishedVia != "google" {
		t.Fatalf("reply: %v %+v", fake.replies, c.Review.Reply)
	}
	if _, err := hd.Reviews.Reply(ctx, agent, caseID, models.ReviewReplyRequest{Action: "withdraw"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := fake.replies["g2"]; ok {
		t.Fatal("the withdrawn reply is still on Google")
	}

	// The worker passes at once, and stops with its context.
	fake.mu.Lock()
	fake.listedCh = make(chan struct{}, 1)
	fake.mu.Unlock()
	wctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { hd.Reviews.RunGooglePull(wctx, time.Hour); close(stopped) }()
	<-fake.listedCh
	cancel()
	<-stopped
}

func countReviewCases(t *testing.T, st *store.Store) int {
	t.Helper()
	n, err := st.CountCases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func caseOfReview(t *testing.T, st *store.Store, externalID string) string {
	t.Helper()
	for i := 1; i <= 10; i++ {
		c, err := st.GetCase(context.Background(), models.FormatReference(2026, int64(i)))
		if err == nil && c.Review != nil && c.Review.ExternalID == externalID {
			return c.ID
		}
	}
	t.Fatalf("no case for review %s", externalID)
	return ""
}
