package helpdesk

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reviews"
	"github.com/kaiku-helpdesk/kaiku/seal"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// Reviews is online reviews: the sources admins configure and the signed webhook that turns
// each review into a case of channel review (and an edit or a deletion into a change of it).
type Reviews struct {
	store  reviewsStore
	cases  *Cases
	sealer *seal.Sealer
	logger *slog.Logger
	now    Clock
	// webhooks and publishers carry public replies out (reviewreply.go); either may be unset.
	webhooks   replyWebhooks
	publishers map[models.ReviewSourceKind]ReplyPublisher
	// The Google API host and client (reviewpull.go); empty and nil take Google's and a default.
	googleBase string
	googleHTTP *http.Client
}

// NewReviews wires the review use cases. secretKey (32 bytes) seals source secrets; nil
// takes a random key that lives as long as the process (tests).
func NewReviews(st reviewsStore, cases *Cases, secretKey []byte, logger *slog.Logger, now Clock) (*Reviews, error) {
	sealer, err := seal.New(secretKey)
	if err != nil {
		return nil, err
	}
	r := &Reviews{store: st, cases: cases, sealer: sealer, logger: logger, now: now}
	r.publishers = map[models.ReviewSourceKind]ReplyPublisher{models.SourceGoogleBusiness: googlePublisher{r}}
	return r, nil
}

// --- sources ----------------------------------------------------------------------------------

// ListSources returns every source; agents see them too (the inbox's source filter names them).
func (r *Reviews) ListSources(ctx context.Context, p *Principal) ([]models.ReviewSource, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	return r.store.ListReviewSources(ctx)
}

// CreateSource adds a source and returns it with its signing secret: the only time the secret
// is shown.
func (r *Reviews) CreateSource(ctx context.Context, p *Principal, req models.ReviewSourceCreate) (*models.ReviewSource, string, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, "", err
	}
	kind := models.ReviewSourceKind(req.Kind)
	now := r.now()
	src := &models.ReviewSource{ID: newID(), Name: strings.TrimSpace(req.Name), Kind: kind, ScaleMax: kind.ScaleMax(),
		ReplyLimit: req.ReplyLimit, ReplyApproval: req.ReplyApproval, ReplyWebhookID: strings.TrimSpace(req.ReplyWebhookID), Enabled: true, CreatedAt: now, UpdatedAt: now, Version: 1}
	if src.ReplyLimit == 0 {
		src.ReplyLimit = kind.DefaultReplyLimit()
	}
	secret := r.seal(src)
	if err := r.store.InsertReviewSource(ctx, src); err != nil {
		return nil, "", err
	}
	return src, secret, nil
}

func (r *Reviews) seal(src *models.ReviewSource) string {
	secret := reviews.NewSecret()
	src.SecretSealed = r.sealer.Seal(src.ID, secret)
	src.SecretHint = secret[len(secret)-4:]
	return secret
}

// PatchSource changes a source's name, reply limit, approval or whether it is enabled.
func (r *Reviews) PatchSource(ctx context.Context, p *Principal, id string, req models.ReviewSourcePatch) (*models.ReviewSource, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	src, err := r.store.UpdateReviewSource(ctx, id, func(s *models.ReviewSource) error {
		if s.Version != req.Version {
			return models.StaleVersion("review source", s.Version)
		}
		if req.Name != nil {
			s.Name = strings.TrimSpace(*req.Name)
		}
		if req.ReplyLimit != nil {
			s.ReplyLimit = *req.ReplyLimit
		}
		if req.ReplyApproval != nil {
			s.ReplyApproval = *req.ReplyApproval
		}
		if req.Enabled != nil {
			s.Enabled = *req.Enabled
		}
		if req.ReplyWebhookID != nil {
			s.ReplyWebhookID = strings.TrimSpace(*req.ReplyWebhookID)
		}
		if err := r.setGoogle(s, req); err != nil {
			return err
		}
		s.UpdatedAt = r.now()
		return nil
	})
	return src, notFoundAs(err, "review source")
}

// RotateSecret gives a source a fresh secret and returns it (shown once); deliveries signed
// with the old one are refused from then on.
func (r *Reviews) RotateSecret(ctx context.Context, p *Principal, id string) (*models.ReviewSource, string, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, "", err
	}
	var secret string
	src, err := r.store.UpdateReviewSource(ctx, id, func(s *models.ReviewSource) error {
		secret = r.seal(s)
		s.UpdatedAt = r.now()
		return nil
	})
	if err != nil {
		return nil, "", notFoundAs(err, "review source")
	}
	return src, secret, nil
}

// DeleteSource removes a source; its review cases stay, and its deliveries are refused.
func (r *Reviews) DeleteSource(ctx context.Context, p *Principal, id string) error {
	if err := p.Require(models.RoleAdmin); err != nil {
		return err
	}
	if _, err := r.store.GetReviewSource(ctx, id); err != nil {
		return notFoundAs(err, "review source")
	}
	return r.store.DeleteReviewSource(ctx, id)
}

// --- ingestion --------------------------------------------------------------------------------

// Delivery is one signed webhook request as it arrived.
type Delivery struct {
	SourceID  string
	Timestamp string
	Signature string
	Body      []byte
}

// Ingest outcomes of one review.
const (
	IngestCreated   = "created"
	IngestUpdated   = "updated"
	IngestUnchanged = "unchanged"
	IngestDeleted   = "deleted"
	IngestUnknown   = "unknown" // a deletion of a review Kaiku never had
)

// IngestResult is what became of one review of a delivery.
type IngestResult struct {
	ExternalID string `json:"external_id"`
	CaseID     string `json:"case_id,omitempty"`
	Outcome    string `json:"outcome"`
}

// ingestReaders bounds how many known reviews of one delivery or import window are read and
// changed at once (a redelivery reads each review's key and case): enough to keep the
// database busy, few enough that no request waits in the driver's queue for long.
const ingestReaders = 64

// Ingest checks a delivery's source and signature, reads every review in it (refusing the
// whole delivery if any is malformed, so nothing is half-stored) and files each: a new review
// becomes a case, a known one is left alone, updated (an edit) or marked deleted. Repeating a
// delivery is harmless.
func (r *Reviews) Ingest(ctx context.Context, d Delivery) ([]IngestResult, error) {
	src, err := r.checkDelivery(ctx, d)
	if err != nil {
		return nil, err
	}
	items, err := reviews.Parse(d.Body, src.ScaleMax)
	var itemErrs reviews.ItemErrors
	var formatErr *reviews.FormatError
	switch {
	case errors.As(err, &itemErrs):
		return nil, models.Invalid("some reviews of the delivery are not valid; nothing was stored", itemErrs)
	case errors.As(err, &formatErr):
		return nil, models.Unprocessable("bad_payload", formatErr.Message)
	case err != nil:
		return nil, err
	}
	results, errs, err := r.fileAll(ctx, src, items)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return results, nil
}

// fileAll files the reviews of one delivery or import window together, in a few rounds for all
// of them (as a window of mail is filed, see Mail.fileRun):
//
//  1. references reserved for every review that may be new, in one counter write;
//  2. one round: every such review's key claimed in one insert command (the key is the
//     natural key, so of two deliveries of a new review only one claims it; a key the
//     database refuses as a duplicate is a review known already) beside the references'
//     index marks in one insert;
//  3. the new reviews' cases stored together (Cases.fileNewMany: each case decided on its own
//     with the rules and its SLA, then one insert of cases, one write of their timers, one
//     index batch), beside the known reviews (and deletions), each read by _id and changed
//     if it was edited, their changes indexed in one batch.
//
// A crash after a key is claimed leaves a key whose case is missing; the next delivery files
// the case under it. A batch naming a review twice keeps its last version of it (the earlier
// ones answer unchanged). errs holds each review's own failure; err one of the batch.
func (r *Reviews) fileAll(ctx context.Context, src *models.ReviewSource, items []reviews.Item) ([]IngestResult, []error, error) {
	results := make([]IngestResult, len(items))
	errs := make([]error, len(items))
	last := map[string]int{}
	for i, it := range items {
		last[it.ExternalID] = i
		results[i] = IngestResult{ExternalID: it.ExternalID}
	}
	var fresh, known []int // positions of reviews that may be new, and of deletions
	for i, it := range items {
		switch {
		case last[it.ExternalID] != i:
		case it.Deleted:
			known = append(known, i)
		default:
			fresh = append(fresh, i)
		}
	}
	now := r.now()
	refs, err := r.cases.reserveReferences(ctx, now, len(fresh))
	if err != nil {
		return nil, nil, err
	}
	keys := make([]*store.ReviewKey, len(fresh))
	refIDs := make([]string, len(fresh))
	for j, i := range fresh {
		keys[j] = &store.ReviewKey{ID: reviews.KeyID(src.ID, items[i].ExternalID), SourceID: src.ID, CaseID: refs[j].id, CreatedAt: now}
		refIDs[j] = refs[j].id
	}
	var claims []error
	round := inOneRound(
		func() error { claims = r.store.ClaimReviewKeys(ctx, keys); return nil },
		func() error { return r.store.MarkDirtyMany(ctx, refIDs, 1, now) },
	)
	markErr := round[1]
	used := make([]bool, len(refs))
	var claimed []int // positions in fresh
	for j, i := range fresh {
		switch err := claims[j]; {
		case err == nil:
			used[j] = true
			if markErr != nil {
				errs[i] = markErr // the key names the reference: the next delivery files the case
				continue
			}
			claimed = append(claimed, j)
		case store.IsDuplicate(err):
			known = append(known, i)
		default:
			errs[i] = err
		}
	}

	inOneRound(
		func() error {
			specs := make([]newCase, len(claimed))
			for k, j := range claimed {
				specs[k] = r.newCaseSpec(src, items[fresh[j]], keys[j], true, now)
			}
			cases, fileErrs := r.cases.fileNewMany(ctx, specs, indexSoon)
			inParallel(len(claimed), ingestReaders, func(k int) {
				i, key := fresh[claimed[k]], keys[claimed[k]]
				if errs[i] = fileErrs[k]; errs[i] != nil {
					return
				}
				if cases[k].ID != key.CaseID {
					// The reserved reference was taken meanwhile: the key follows the case.
					if errs[i] = r.store.PointReviewKey(ctx, key.ID, cases[k].ID); errs[i] != nil {
						return
					}
				}
				results[i].CaseID, results[i].Outcome = cases[k].ID, IngestCreated
			})
			return nil
		},
		func() error {
			later := &writeBatch{}
			inParallel(len(known), ingestReaders, func(k int) {
				i := known[k]
				results[i], errs[i] = r.fileKnown(ctx, src, items[i], later)
			})
			r.cases.finishWrites(ctx, later)
			return nil
		},
	)
	for i, it := range items {
		if j := last[it.ExternalID]; j != i {
			results[i] = IngestResult{ExternalID: it.ExternalID, CaseID: results[j].CaseID, Outcome: IngestUnchanged}
		}
	}
	// The references not used (reviews known already) lose their index marks, then go back
	// for the next new cases: given back first, a number could be marked by its new case
	// and then cleared here.
	var unused []reservedReference
	marks := map[string]int64{}
	for j, ref := range refs {
		if !used[j] {
			unused = append(unused, ref)
			marks[ref.id] = 1
		}
	}
	if err := r.store.ClearDirtyMany(ctx, marks); err != nil {
		r.logger.Warn("clear the index marks of unused references", "err", err)
	} else {
		r.cases.giveBack(unused)
	}
	return results, errs, nil
}

// checkDelivery finds the source and checks the signature. Every refusal is a 401 that says
// why, except a source that is unknown, deleted or disabled, which is refused as unknown.
func (r *Reviews) checkDelivery(ctx context.Context, d Delivery) (*models.ReviewSource, error) {
	if d.SourceID == "" {
		return nil, models.Unauthorized("unknown_source", "name the review source in the "+reviews.HeaderSource+" header")
	}
	src, err := r.store.GetReviewSource(ctx, d.SourceID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !src.Enabled) {
		return nil, models.Unauthorized("unknown_source", "no enabled review source has this id")
	}
	if err != nil {
		return nil, err
	}
	secret, err := r.sealer.Open(src.ID, src.SecretSealed)
	if err != nil {
		return nil, err
	}
	if err := reviews.Verify(secret, d.Timestamp, d.Signature, d.Body, r.now()); err != nil {
		code := "bad_signature"
		switch {
		case errors.Is(err, reviews.ErrStale):
			code = "stale_timestamp"
		case errors.Is(err, reviews.ErrMissingSignature):
			code = "unsigned"
		case errors.Is(err, reviews.ErrBadTimestamp):
			code = "bad_timestamp"
		}
		return nil, models.Unauthorized(code, err.Error())
	}
	return src, nil
}

// fileKnown files a review whose key was claimed before (or a deletion, which never claims
// one): an edit or a deletion changes its case; a key whose case is missing (a filing cut
// short) gets its case now. Changes wait in later for one index batch.
func (r *Reviews) fileKnown(ctx context.Context, src *models.ReviewSource, it reviews.Item, later *writeBatch) (IngestResult, error) {
	res := IngestResult{ExternalID: it.ExternalID}
	key, err := r.store.GetReviewKey(ctx, reviews.KeyID(src.ID, it.ExternalID))
	switch {
	case errors.Is(err, store.ErrNotFound) && it.Deleted:
		res.Outcome = IngestUnknown
		return res, nil
	case err != nil:
		return res, err
	}
	c, err := r.store.GetCase(ctx, key.CaseID)
	if errors.Is(err, store.ErrNotFound) {
		if it.Deleted {
			res.Outcome = IngestUnknown
			return res, nil
		}
		return r.create(ctx, src, it, key, res)
	}
	if err != nil {
		return res, err
	}
	res.CaseID = c.ID
	return r.change(ctx, src, it, c, res, later)
}

// newCaseSpec is how the case of a new review is filed under the reference its key names;
// marked says the reference's index mark is set already.
func (r *Reviews) newCaseSpec(src *models.ReviewSource, it reviews.Item, key *store.ReviewKey, marked bool, now time.Time) newCase {
	return newCase{
		reference: key.CaseID,
		marked:    marked,
		sameRequest: func(stored *models.Case) bool {
			return stored.Review != nil && stored.Review.SourceID == src.ID && stored.Review.ExternalID == it.ExternalID
		},
		build:    func(id string) *models.Case { return newReviewCase(id, src, it, now) },
		announce: r.cases.publish(EventCaseCreated, nil),
	}
}

// create files the case of a known review whose key names a reference with no case yet.
func (r *Reviews) create(ctx context.Context, src *models.ReviewSource, it reviews.Item, key *store.ReviewKey, res IngestResult) (IngestResult, error) {
	c, err := r.cases.fileNew(ctx, r.newCaseSpec(src, it, key, false, r.now()))
	if err != nil {
		return res, err
	}
	if c.ID != key.CaseID {
		if err := r.store.PointReviewKey(ctx, key.ID, c.ID); err != nil {
			return res, err
		}
	}
	res.CaseID, res.Outcome = c.ID, IngestCreated
	return res, nil
}

// NewReviewCase is the case a new review becomes (scripts/topicseval builds reviews' texts
// through it, so it measures what topics learn from in the product).
func NewReviewCase(id string, src *models.ReviewSource, it reviews.Item, now time.Time) *models.Case {
	return newReviewCase(id, src, it, now)
}

// newReviewCase is the case a new review becomes.
func newReviewCase(id string, src *models.ReviewSource, it reviews.Item, now time.Time) *models.Case {
	author := it.Author
	if author == "" {
		author = "Anonymous"
	}
	c := models.NewCase(id, models.CaseCreate{Subject: reviewSubject(it, src), Description: it.Text,
		Customer: models.CustomerCreate{Name: author, Email: it.Email}, Channel: models.ChannelReview}, models.Actor{Name: src.Name}, now)
	rv := reviewOf(src, it, now)
	c.Review = &rv
	c.Timeline[0].Data["source"] = src.Name
	return c
}

func reviewOf(src *models.ReviewSource, it reviews.Item, now time.Time) models.Review {
	posted := it.PostedAt
	if posted.IsZero() {
		posted = now
	}
	state := models.ReplyNone
	if it.Replied {
		state = models.ReplyPublished
	}
	return models.Review{SourceID: src.ID, SourceKind: src.Kind, SourceName: src.Name, ExternalID: it.ExternalID,
		Rating: models.NormalizeRating(it.Rating, src.ScaleMax), RatingOriginal: it.Rating, ScaleMax: src.ScaleMax,
		Author: it.Author, Title: it.Title, Text: it.Text, URL: it.URL, Language: it.Language,
		Positive: it.Positive, Negative: it.Negative, Place: it.Place, ReplyState: state, PostedAt: posted, SourceUpdated: now}
}

// reviewSubject is the inbox line of a review: its title, else its first words.
func reviewSubject(it reviews.Item, src *models.ReviewSource) string {
	s := strings.Join(strings.Fields(it.Title), " ")
	if s == "" {
		s = strings.Join(strings.Fields(it.Text), " ")
		if it.Place != "" && s != "" {
			s = it.Place + ": " + s
		}
	}
	if s == "" {
		s = "Review on " + src.Name
	}
	return clip(s, 120)
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// summary is a review as the timeline shows one side of an edit.
func summary(rv *models.Review) string {
	s := models.RatingText(rv.RatingOriginal) + "/" + models.RatingText(float64(rv.ScaleMax))
	if t := strings.TrimSpace(rv.Title + " " + rv.Text); t != "" {
		s += " · " + clip(t, 300)
	}
	return s
}

// change applies a redelivered review to its case: nothing when it is the same, an edit
// recorded on the timeline (from and to) when it differs, a mark when it was deleted.
func (r *Reviews) change(ctx context.Context, src *models.ReviewSource, it reviews.Item, c *models.Case, res IngestResult, later *writeBatch) (IngestResult, error) {
	if c.Review == nil {
		return res, models.Conflict("not_a_review", "the case this review points at is no review")
	}
	now := r.now()
	actor := models.Actor{Name: src.Name}
	if it.Deleted {
		if c.Review.DeletedAt != nil {
			res.Outcome = IngestUnchanged
			return res, nil
		}
		_, err := r.cases.writeWith(ctx, c.ID, writeSpec{trigger: escalation.TriggerCaseUpdated,
			announce: r.cases.publish(EventCaseUpdated, nil)}, later, func(c *models.Case) error {
			c.Review.DeletedAt = &now
			c.Timeline = append(c.Timeline, models.TimelineEvent{At: now, Actor: actor.Name, Type: "review_deleted"})
			c.UpdatedAt = now
			return nil
		})
		res.Outcome = IngestDeleted
		return res, err
	}
	if c.AnonymisedAt != nil {
		// Erased or past retention: the site delivering the review again (edited or not) must
		// not bring the author's name or text back (issue 18).
		res.Outcome = IngestUnchanged
		return res, nil
	}
	next := reviewOf(src, it, now)
	old := c.Review
	if old.DeletedAt == nil && old.RatingOriginal == next.RatingOriginal && old.Text == next.Text && old.Title == next.Title &&
		old.Author == next.Author && old.URL == next.URL &&
		old.Positive == next.Positive && old.Negative == next.Negative && old.Place == next.Place && (!it.Replied || old.ReplyState == models.ReplyPublished) {
		res.Outcome = IngestUnchanged
		return res, nil
	}
	_, err := r.cases.writeWith(ctx, c.ID, writeSpec{trigger: escalation.TriggerCaseUpdated,
		announce: r.cases.publish(EventCaseUpdated, nil)}, later, func(c *models.Case) error {
		if c.AnonymisedAt != nil {
			return errReviewAnonymised // anonymised since it was read
		}
		prev := *c.Review
		next.PostedAt, next.Edits = prev.PostedAt, prev.Edits+1
		if prev.ReplyState == models.ReplyPublished {
			next.ReplyState = models.ReplyPublished
		}
		c.Review = &next
		c.Description = next.Text
		c.Customer.Name = next.Author
		if c.Customer.Name == "" {
			c.Customer.Name = "Anonymous"
		}
		c.Timeline = append(c.Timeline, models.TimelineEvent{At: now, Actor: actor.Name, Type: "changed",
			Data: map[string]string{"field": models.ReviewEditedField, "from": summary(&prev), "to": summary(&next)}})
		c.UpdatedAt = now
		return nil
	})
	if errors.Is(err, errReviewAnonymised) {
		res.Outcome = IngestUnchanged
		return res, nil
	}
	res.Outcome = IngestUpdated
	return res, err
}

// errReviewAnonymised stops an update of a review whose case was anonymised meanwhile.
var errReviewAnonymised = errors.New("review case anonymised")
