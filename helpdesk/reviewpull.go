package helpdesk

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reviews"
	"github.com/kaiku-helpdesk/kaiku/reviews/gbp"
)

// The Google Business Profile pull connector. For each google_business source with a location
// and an access token, a pass lists the location's reviews page by page, newest change first,
// and files each as the webhook does (idempotent on source + review id: new ones become cases,
// edited ones update theirs). The page token is saved after each page, so a pass that fails
// mid-list resumes there on the next tick and files nothing twice; a pass stops early at the
// first review older than what the last full pass had seen. Replies are put with the API's
// reply call. Tested only against a local server speaking the documented shapes.

// GooglePullInterval is how often the worker passes over the Google sources.
const GooglePullInterval = 15 * time.Minute

// googleAAD binds a sealed Google token to its source, apart from the webhook secret.
func googleAAD(sourceID string) string { return sourceID + ":google" }

// SetGoogleAPI points the connector at another API host and HTTP client (tests).
func (r *Reviews) SetGoogleAPI(baseURL string, client *http.Client) {
	r.googleBase, r.googleHTTP = baseURL, client
}

func (r *Reviews) googleClient(src *models.ReviewSource) (*gbp.Client, error) {
	if src.GoogleLocation == "" || len(src.GoogleTokenSealed) == 0 {
		return nil, models.Unprocessable("no_connector", "the source has no Google location and access token")
	}
	token, err := r.sealer.Open(googleAAD(src.ID), src.GoogleTokenSealed)
	if err != nil {
		return nil, err
	}
	return &gbp.Client{BaseURL: r.googleBase, Token: token, HTTP: r.googleHTTP}, nil
}

// setGoogle applies an admin's connector settings to a source being patched.
func (r *Reviews) setGoogle(s *models.ReviewSource, req models.ReviewSourcePatch) error {
	if req.GoogleLocation == nil && req.GoogleAccessToken == nil {
		return nil
	}
	if s.Kind != models.SourceGoogleBusiness {
		return models.InvalidField("google_location", "only a Google source has a location")
	}
	if req.GoogleLocation != nil {
		loc := strings.Trim(strings.TrimSpace(*req.GoogleLocation), "/")
		if loc != "" && !gbp.ValidLocation(loc) {
			return models.InvalidField("google_location", "must look like accounts/123/locations/456")
		}
		if loc != s.GoogleLocation {
			s.GoogleLocation, s.GooglePageToken, s.GoogleCycleHigh, s.GoogleHighWater = loc, "", time.Time{}, time.Time{}
		}
	}
	if req.GoogleAccessToken != nil {
		if tok := strings.TrimSpace(*req.GoogleAccessToken); tok == "" {
			s.GoogleTokenSealed = nil
		} else {
			s.GoogleTokenSealed = r.sealer.Seal(googleAAD(s.ID), tok)
		}
	}
	s.GoogleError = ""
	return nil
}

// GoogleCheck is what a connection test found of the source's location.
type GoogleCheck struct {
	Reviews       int     // on the location, as Google counts them
	AverageRating float64 //
}

// TestGoogle asks Google for the first page of the source's reviews with the stored location
// and token, filing nothing: an admin's "test connection". A refusal or an unreachable API is
// a 422 that says what came back.
func (r *Reviews) TestGoogle(ctx context.Context, p *Principal, id string) (*GoogleCheck, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	src, err := r.store.GetReviewSource(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "review source")
	}
	client, err := r.googleClient(src)
	if err != nil {
		return nil, err
	}
	page, err := client.ListReviews(ctx, src.GoogleLocation, "")
	if err != nil {
		return nil, models.Unprocessable("google_failed", clip(err.Error(), 300))
	}
	return &GoogleCheck{Reviews: max(page.TotalReviewCount, len(page.Reviews)), AverageRating: page.AverageRating}, nil
}

// GooglePullResult counts what a pass did.
type GooglePullResult struct {
	Pages   int
	Created int
	Updated int
	Done    bool // the pass reached its end (else it failed and resumes next time)
}

// PullGoogle makes one pass over a Google source's reviews.
func (r *Reviews) PullGoogle(ctx context.Context, sourceID string) (GooglePullResult, error) {
	var out GooglePullResult
	src, err := r.store.GetReviewSource(ctx, sourceID)
	if err != nil {
		return out, notFoundAs(err, "review source")
	}
	client, err := r.googleClient(src)
	if err != nil {
		return out, err
	}
	token, high := src.GooglePageToken, src.GoogleCycleHigh
	for {
		page, err := client.ListReviews(ctx, src.GoogleLocation, token)
		if err != nil {
			r.saveGoogleProgress(ctx, src.ID, token, high, false, err)
			return out, err
		}
		out.Pages++
		older := false
		var items []reviews.Item
		for _, g := range page.Reviews {
			if !src.GoogleHighWater.IsZero() && g.UpdateTime.Before(src.GoogleHighWater) {
				older = true
				break
			}
			if g.UpdateTime.After(high) {
				high = g.UpdateTime
			}
			it, ok := googleItem(g)
			if !ok {
				continue // a rating Google leaves unspecified: nothing to file
			}
			items = append(items, it)
		}
		results, errs, err := r.fileAll(ctx, src, items)
		if err == nil {
			err = errors.Join(errs...)
		}
		if err != nil {
			r.saveGoogleProgress(ctx, src.ID, token, high, false, err)
			return out, err
		}
		for _, res := range results {
			switch res.Outcome {
			case IngestCreated:
				out.Created++
			case IngestUpdated:
				out.Updated++
			}
		}
		token = page.NextPageToken
		if token == "" || older {
			out.Done = true
			r.saveGoogleProgress(ctx, src.ID, "", high, true, nil)
			return out, nil
		}
		r.saveGoogleProgress(ctx, src.ID, token, high, false, nil)
	}
}

// googleItem is a Review resource as the ingestion's item.
func googleItem(g gbp.Review) (reviews.Item, bool) {
	stars := map[string]float64{"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}[g.StarRating]
	if stars == 0 {
		return reviews.Item{}, false
	}
	id := g.ReviewID
	if id == "" {
		id = g.Name[strings.LastIndexByte(g.Name, '/')+1:]
	}
	author := g.Reviewer.DisplayName
	if author == "" || g.Reviewer.IsAnonymous {
		author = "Anonymous"
	}
	return reviews.Item{ExternalID: id, Rating: stars, Author: author, Text: g.Comment, PostedAt: g.CreateTime.UTC(),
		Replied: g.ReviewReply != nil}, id != ""
}

// saveGoogleProgress records where the pass is: the page to resume at, the newest change seen
// in this pass, and at the end of a pass that newest change as the next pass's stopping point.
func (r *Reviews) saveGoogleProgress(ctx context.Context, sourceID, pageToken string, high time.Time, done bool, failure error) {
	now := r.now()
	_, err := r.store.UpdateReviewSource(ctx, sourceID, func(s *models.ReviewSource) error {
		s.GooglePageToken, s.GoogleCycleHigh = pageToken, high
		if done {
			if high.After(s.GoogleHighWater) {
				s.GoogleHighWater = high
			}
			s.GoogleCycleHigh = time.Time{}
			s.GoogleSyncedAt = &now
		}
		s.GoogleError = ""
		if failure != nil {
			s.GoogleError = clip(failure.Error(), 300)
		}
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		r.logger.Warn("google reviews: saving progress failed", "source", sourceID, "err", err)
	}
}

// RunGooglePull passes over every enabled Google source with a location and token, at once
// and then every interval, until ctx ends.
func (r *Reviews) RunGooglePull(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		srcs, err := r.store.ListReviewSources(ctx)
		if err != nil && ctx.Err() == nil {
			r.logger.Warn("google reviews: listing sources failed", "err", err)
		}
		for _, s := range srcs {
			if ctx.Err() != nil {
				return
			}
			if s.Kind != models.SourceGoogleBusiness || !s.Enabled || s.GoogleLocation == "" || len(s.GoogleTokenSealed) == 0 {
				continue
			}
			if res, err := r.PullGoogle(ctx, s.ID); err != nil && ctx.Err() == nil {
				r.logger.Warn("google reviews: pass failed; it resumes next time", "source", s.ID, "pages", res.Pages, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// googlePublisher puts and deletes replies through the API.
type googlePublisher struct{ r *Reviews }

func (g googlePublisher) PublishReply(ctx context.Context, src *models.ReviewSource, rv *models.Review, text string) error {
	client, err := g.r.googleClient(src)
	if err != nil {
		return err
	}
	name := src.GoogleLocation + "/reviews/" + rv.ExternalID
	if text == "" {
		return client.DeleteReply(ctx, name)
	}
	_, err = client.PutReply(ctx, name, text)
	return err
}
