package helpdesk

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/gabriel-vasile/mimetype"

	"github.com/kaiku-helpdesk/kaiku/businesstime"
	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/remedies"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// Notifier tells customers about their case by mail. The links it sends carry fresh tracking
// tokens: only their hashes are stored, so each mail mints its own.
type Notifier interface {
	Acknowledge(ctx context.Context, c *models.Case, trackingURL string) error
	ReplySent(ctx context.Context, c *models.Case, reply models.Message, trackingURL string) error
	Merged(ctx context.Context, duplicate, target *models.Case, trackingURL string) error
	Resolved(ctx context.Context, c *models.Case, decision string, followUpDays int, trackingURL string) error
	FollowUpCheck(ctx context.Context, c *models.Case, checkURL string) error
	// FollowUpChecks queues many checks' mails in one insert, each under its new id.
	FollowUpChecks(ctx context.Context, asks []mail.FollowUpAsk) error
	// FollowUpCheckOnce queues a check's mail unless its id is queued or sent already.
	FollowUpCheckOnce(ctx context.Context, ask mail.FollowUpAsk) error
	PromiseDelayed(ctx context.Context, c *models.Case, p models.Promise, message string, now time.Time, trackingURL string) error
}

// IntakeLimits are the public form's spam and size limits.
type IntakeLimits struct {
	PerIP              int           // submissions per address per Window
	PerEmail           int           // submissions per e-mail per Window
	Window             time.Duration //
	MaxFiles           int
	MaxFileBytes       int64
	FirstResponseHours int // promised in the acknowledgement
}

// DefaultIntakeLimits suit a public form: a person never meets them, a script soon does.
var DefaultIntakeLimits = IntakeLimits{PerIP: 20, PerEmail: 5, Window: 10 * time.Minute, MaxFiles: 5, MaxFileBytes: 5 << 20, FirstResponseHours: 24}

// allowedUploads are the content types (by content, never by name) customers may attach.
var allowedUploads = []string{"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"}

// maxCaseFiles bounds the files one case lists, so the case document stays small.
const maxCaseFiles = 50

// Upload is one file from a form.
type Upload struct {
	Name string
	Data []byte
}

// Receipt is what the customer gets back after filing.
type Receipt struct {
	Reference          string `json:"reference"`
	TrackingURL        string `json:"tracking_url"`
	TrackingToken      string `json:"tracking_token"`
	FirstResponseHours int    `json:"first_response_hours"`
	// FirstResponseDue is when the first response is due by the case's SLA, in the SLA
	// calendar's zone (TimeZone), so the customer is told "by Monday 16:00" in their own
	// time; absent when no SLA clock applies.
	FirstResponseDue *time.Time `json:"first_response_due,omitempty"`
	TimeZone         string     `json:"time_zone,omitempty"`
}

// intakeStore is what Intake needs of the store: cases and SLA policies, idempotency claims, files,
// tracking tokens and sessions, rate limits.
type intakeStore interface {
	ClaimIdempotency(ctx context.Context, rec *store.IdempotencyRecord) (*store.IdempotencyRecord, error)
	ClearDirty(ctx context.Context, id string, indexedVersion int64) error
	CompleteIdempotency(ctx context.Context, id, caseID string, sealedToken []byte) error
	CountHit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error)
	DeleteTrackingSession(ctx context.Context, id string) error
	GetAttachment(ctx context.Context, id string) (*models.Attachment, error)
	GetCase(ctx context.Context, id string) (*models.Case, error)
	GetSLAPolicy(ctx context.Context, id string) (*models.SLAPolicy, error)
	GetTrackingSession(ctx context.Context, id string) (*store.TrackingSession, error)
	InsertAttachment(ctx context.Context, a *models.Attachment) error
	InsertTracking(ctx context.Context, hash, caseID string) error
	InsertTrackingSession(ctx context.Context, ts *store.TrackingSession) error
	MarkDirty(ctx context.Context, id string, version int64, now time.Time) error
	ReleaseIdempotency(ctx context.Context, id string) error
	TakeHit(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (*store.Hit, error)
	TrackedCaseID(ctx context.Context, hash string) (string, error)
	ListResolutionOptions(ctx context.Context) ([]remedies.Option, error)
}

// Intake is the customer side: filing a complaint, following it, replying, and the follow-up.
type Intake struct {
	store    intakeStore
	settings *Settings
	cases    *Cases
	notify   Notifier
	events   *Events
	logger   *slog.Logger
	now      Clock
	baseURL  string
	limits   IntakeLimits
	tokenTTL time.Duration
	// followUps records the answers to follow-up checks (set by New).
	followUps *FollowUps
}

// NewIntake wires the customer side.
func NewIntake(st intakeStore, settings *Settings, cases *Cases, notify Notifier, events *Events, logger *slog.Logger, now Clock, baseURL string, limits IntakeLimits) *Intake {
	return &Intake{store: st, settings: settings, cases: cases, notify: notify, events: events, logger: logger, now: now,
		baseURL: strings.TrimRight(baseURL, "/"), limits: limits, tokenTTL: 24 * time.Hour}
}

// trackingURL is the customer's private link for a token.
func (in *Intake) trackingURL(token string) string { return in.baseURL + "/track/" + token }

// caseToken mints the tracking token a new case carries the hash of: the case reference, a
// dot and a 320-bit secret. Opening it is one read of the case by _id, and filing a complaint
// writes no separate link document. Links minted later (newTrackingLink) are random tokens
// with their hash in the tracking collection.
func caseToken(reference string) (token, hash string) {
	token = reference + "." + randomToken() + randomToken()
	return token, hashToken(token)
}

// newTrackingLink mints a token for the case and stores its hash.
func (in *Intake) newTrackingLink(ctx context.Context, caseID string) (token, url string, err error) {
	token = randomToken() + randomToken()
	if err := in.store.InsertTracking(ctx, hashToken(token), caseID); err != nil {
		return "", "", err
	}
	return token, in.trackingURL(token), nil
}

// Submit files a complaint from the public form. The answer is given only after the case is
// durably stored; a retry with the same idempotency key gets the same answer and stores
// nothing new.
func (in *Intake) Submit(ctx context.Context, req models.ComplaintCreate, files []Upload, idempotencyKey, clientIP string) (*Receipt, error) {
	if strings.TrimSpace(req.Website) != "" {
		in.logger.Info("complaint refused by honeypot", "ip", clientIP)
		return nil, models.Unprocessable("rejected", "the complaint could not be accepted")
	}
	if ok, err := in.settings.KnownCategory(ctx, req.Category); err != nil {
		return nil, err
	} else if !ok {
		return nil, models.InvalidField("category", "choose one of the listed categories")
	}
	now := in.now()
	email := models.NormalizeEmail(req.Email)
	refs, blobs, err := checkUploads(in.limits, files, "original", true, now)
	if err != nil {
		return nil, err
	}

	// The key is scoped to the e-mail, and a retry must carry the same request (see
	// idempotency.go): it gets the first answer back, never a new link. The reference and its
	// tracking token are taken before the claim, so the claim (which keeps the sealed token) is
	// one insert and needs no second write once the case is stored.
	//
	// The claim, the two rate-limit hits and the case's index mark are independent writes,
	// so they go in one round (see inOneRound); a request that then files nothing gives them back.
	reference, err := in.cases.nextReference(ctx, now)
	if err != nil {
		return nil, err
	}
	reserved := reference
	var token string // the new case's tracking token, when fixed before filing
	var idemID string
	var sealKey [32]byte
	var retried *Receipt
	claimed := false // this request holds the idempotency claim (and must release it on failure)
	var hits [2]*store.Hit
	steps := []func() error{
		func() (err error) {
			hits[0], err = in.store.TakeHit(ctx, "intake-ip:"+clientIP, in.limits.PerIP, in.limits.Window, now)
			return err
		},
		func() (err error) {
			hits[1], err = in.store.TakeHit(ctx, "intake-email:"+email, in.limits.PerEmail, in.limits.Window, now)
			return err
		},
		func() error { return in.store.MarkDirty(ctx, reserved, 1, now) },
	}
	if idempotencyKey != "" {
		idemID = "complaint:" + hashToken(email+"\x00"+idempotencyKey)
		var fingerprint string
		fingerprint, sealKey = requestProof(idempotencyKey, req, files)
		token, _ = caseToken(reference)
		claim := &store.IdempotencyRecord{ID: idemID, CaseID: reference, Fingerprint: fingerprint,
			SealedToken: sealToken(sealKey, token), CreatedAt: now, ExpiresAt: now.Add(in.tokenTTL)}
		steps = append(steps, func() (err error) {
			var fresh bool
			var takeover string
			reference, takeover, retried, fresh, err = in.claimKey(ctx, claim, sealKey, now)
			claimed = err == nil && fresh
			if takeover != "" {
				token = takeover
			}
			return err
		})
	}
	stepErr := errors.Join(inOneRound(steps...)...)
	// A request that files nothing gives back what stage one took: its rate-limit hits (so
	// retries do not count) and the index mark of the reference it will not use (so refused
	// floods leave no work for the reconciler).
	giveBack := func() {
		steps := []func() error{func() error { return in.store.ClearDirty(ctx, reserved, 1) }}
		for _, h := range hits {
			if h != nil && h.Allowed {
				steps = append(steps, func() error { return h.Release(ctx) })
			}
		}
		inOneRound(steps...)
	}
	release := func() {
		if claimed { // never another request's claim (an "in progress" answer)
			_ = in.store.ReleaseIdempotency(ctx, idemID)
		}
	}
	switch {
	case retried != nil:
		// Limits count only new filings: a retry of one already filed is answered as such.
		giveBack()
		return retried, nil
	case stepErr != nil:
		giveBack()
		release()
		return nil, stepErr
	case reference != reserved:
		// Taking over a crashed filing under its reference: it counted against the limits
		// when first sent, and the reserved reference goes unused.
		giveBack()
	case !hits[0].Allowed || !hits[1].Allowed:
		giveBack()
		release()
		return nil, models.RateLimited("too many complaints from here in a short time; please try again later")
	}
	receipt, err := in.file(ctx, req, reference, token, refs, blobs, now)
	if err != nil {
		release()
		return nil, err
	}
	if idemID != "" && receipt.Reference != reference {
		// The reserved reference was taken meanwhile (a counter reset): remember the real one.
		if err := in.store.CompleteIdempotency(ctx, idemID, receipt.Reference, sealToken(sealKey, receipt.TrackingToken)); err != nil {
			in.logger.Warn("remember idempotent answer", "err", err)
		}
	}
	return receipt, nil
}

// staleClaim is how long a claimed key whose case never appeared answers "in progress":
// filing takes milliseconds, so an older claim was most likely left by a crash, and the retry
// files the complaint itself. It does so under the claim's reference and tracking token, so
// even if the first request was only slow, both write the same case _id and one case results
// (the later insert finds its own case; see Cases.fileNew).
const staleClaim = 10 * time.Second

// claimKey claims an idempotency key for a new filing under claim.CaseID. If the key was used
// before, the request must be the same (else 422): a filed case is answered with its receipt
// (the same reference and link as the first answer), a claim still being filed with "in
// progress", and a stale claim is taken over (fresh is false: the claim is not this request's
// to release).
func (in *Intake) claimKey(ctx context.Context, claim *store.IdempotencyRecord, sealKey [32]byte, now time.Time) (reference, token string, retried *Receipt, fresh bool, err error) {
	existing, err := in.store.ClaimIdempotency(ctx, claim)
	if err == nil {
		return claim.CaseID, "", nil, true, nil
	}
	if !errors.Is(err, store.ErrDuplicate) {
		return "", "", nil, false, err
	}
	if existing.Fingerprint == "" || subtle.ConstantTimeCompare([]byte(existing.Fingerprint), []byte(claim.Fingerprint)) != 1 {
		return "", "", nil, false, keyReused()
	}
	token, err = openToken(sealKey, existing.SealedToken)
	if err != nil {
		return "", "", nil, false, keyReused()
	}
	if c, err := in.store.GetCase(ctx, existing.CaseID); err == nil {
		return "", "", in.receipt(ctx, c, token, in.trackingURL(token)), false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", "", nil, false, err
	}
	if now.Sub(existing.CreatedAt) < staleClaim {
		e := models.Conflict("in_progress", "this complaint is being filed right now; wait a moment")
		e.RetryAfter = time.Second
		return "", "", nil, false, e
	}
	return existing.CaseID, token, nil, false, nil
}

// promisedHours is the first response the customer is told to expect: from the case's SLA
// when a policy applies, otherwise the configured default.
func (in *Intake) promisedHours(c *models.Case) int {
	if h := c.FirstResponseHours(); h > 0 {
		return h
	}
	return in.limits.FirstResponseHours
}

// receipt is what the customer is told after filing c.
func (in *Intake) receipt(ctx context.Context, c *models.Case, token, url string) *Receipt {
	r := &Receipt{Reference: c.ID, TrackingURL: url, TrackingToken: token, FirstResponseHours: in.promisedHours(c)}
	if due := in.firstResponseDue(ctx, c); due != nil {
		r.FirstResponseDue, r.TimeZone = due, due.Location().String()
	}
	return r
}

// firstResponseDue is the case's first-response due time in its SLA calendar's zone. A case
// just filed carries it in that zone already; one read back from the database is in UTC,
// and its policy names the zone.
func (in *Intake) firstResponseDue(ctx context.Context, c *models.Case) *time.Time {
	due := c.FirstResponseDue()
	if due == nil || due.Location() != time.UTC {
		return due
	}
	zone := businesstime.DefaultTimeZone
	if c.SLAPolicyID != "" {
		if p, err := in.store.GetSLAPolicy(ctx, c.SLAPolicyID); err == nil && p.Calendar.TimeZone != "" {
			zone = p.Calendar.TimeZone
		}
	}
	if loc, err := time.LoadLocation(zone); err == nil {
		t := due.In(loc)
		return &t
	}
	return due
}

// file stores the complaint under reference. token, when set, is the tracking token the case
// under that reference gets (the one an idempotency claim sealed); if the case is found stored
// already with that token, a racing retry of this same request stored it and it is the answer.
func (in *Intake) file(ctx context.Context, req models.ComplaintCreate, reference, fixedToken string, refs []models.AttachmentRef, blobs []*models.Attachment, now time.Time) (*Receipt, error) {
	// Files first: a crash before the case leaves an orphan nobody can reach, never a case
	// pointing at a missing file.
	for _, b := range blobs {
		if err := in.store.InsertAttachment(ctx, b); err != nil {
			return nil, err
		}
	}
	var token string
	var same func(stored *models.Case) bool
	if fixedToken != "" {
		fixedHash := hashToken(fixedToken)
		same = func(stored *models.Case) bool { return stored.TrackingHash == fixedHash }
	}
	c, err := in.cases.fileNew(ctx, newCase{
		reference:   reference,
		marked:      true, // in Submit's first round
		sameRequest: same,
		build: func(id string) *models.Case {
			var hash string
			if id == reference && fixedToken != "" {
				token, hash = fixedToken, hashToken(fixedToken)
			} else {
				token, hash = caseToken(id)
			}
			c := models.NewComplaintCase(id, req, hash, now)
			c.Attachments = refs
			return c
		},
		// Once stored, the live update and the acknowledgement go out (in the round that
		// carries the rules' notifications).
		announce: announcement{event: EventCaseCreated, customer: func(ctx context.Context, c *models.Case) {
			if err := in.notify.Acknowledge(ctx, c, in.trackingURL(token)); err != nil {
				in.logger.Error("queue acknowledgement", "case", c.ID, "err", err)
			}
		}},
	})
	if err != nil {
		return nil, err
	}
	url := in.trackingURL(token)
	return in.receipt(ctx, c, token, url), nil
}

// checkUploads validates files by content and size and prepares their documents. Customers'
// files and agents' files pass the same checks; public says whether the customer may see them.
func checkUploads(limits IntakeLimits, files []Upload, messageID string, public bool, now time.Time) ([]models.AttachmentRef, []*models.Attachment, error) {
	if len(files) > limits.MaxFiles {
		return nil, nil, models.InvalidFieldIssue("attachments", fmt.Sprintf("at most %d files", limits.MaxFiles),
			models.FieldIssue{Code: "too_many_files", Limit: limits.MaxFiles})
	}
	refs := make([]models.AttachmentRef, 0, len(files))
	blobs := make([]*models.Attachment, 0, len(files))
	for _, f := range files {
		if int64(len(f.Data)) > limits.MaxFileBytes {
			return nil, nil, &models.Error{Kind: models.KindTooLarge, Code: "too_large",
				Message: fmt.Sprintf("%s is over %d MB", f.Name, limits.MaxFileBytes>>20), Fields: map[string]string{"attachments": "file too large: " + f.Name},
				FieldIssues: map[string]models.FieldIssue{"attachments": {Code: "file_too_large", Limit: int(limits.MaxFileBytes >> 20), File: f.Name}}}
		}
		if len(f.Data) == 0 {
			return nil, nil, models.InvalidFieldIssue("attachments", "empty file: "+f.Name, models.FieldIssue{Code: "empty_file", File: f.Name})
		}
		mt := mimetype.Detect(f.Data)
		ct, _, _ := strings.Cut(mt.String(), ";")
		if !slices.Contains(allowedUploads, ct) {
			return nil, nil, models.InvalidFieldIssue("attachments", fmt.Sprintf("%s is not an image or a PDF", f.Name),
				models.FieldIssue{Code: "wrong_file_type", File: f.Name})
		}
		id := newID()
		name := safeFileName(f.Name, mt.Extension())
		refs = append(refs, models.AttachmentRef{ID: id, MessageID: messageID, Name: name, ContentType: ct, Size: int64(len(f.Data)), Public: public, CreatedAt: now})
		blobs = append(blobs, &models.Attachment{ID: id, Name: name, ContentType: ct, Size: int64(len(f.Data)), Data: f.Data, CreatedAt: now})
	}
	return refs, blobs, nil
}

// safeFileName keeps a readable base name without paths or control characters, and gives it
// the extension of what the content really is.
func safeFileName(name, ext string) string {
	base := filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	base = strings.TrimSuffix(base, filepath.Ext(base))
	base = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == ' ' || r == '.' {
			return r
		}
		return '_'
	}, base)
	base = strings.Trim(base, ". ")
	if base == "" {
		base = "attachment"
	}
	if r := []rune(base); len(r) > 80 {
		base = string(r[:80])
	}
	return base + ext
}

// Track returns the customer's view of their case.
func (in *Intake) Track(ctx context.Context, access CaseAccess) (*models.PublicCase, error) {
	c, err := in.tracked(ctx, access)
	if err != nil {
		return nil, err
	}
	return in.publicCase(ctx, c), nil
}

// Reply records a customer's message (with optional files); it reopens a waiting or resolved
// case.
func (in *Intake) Reply(ctx context.Context, access CaseAccess, req models.CustomerMessageCreate, files []Upload) (*models.PublicCase, error) {
	c, err := in.tracked(ctx, access)
	if err != nil {
		return nil, err
	}
	now := in.now()
	msgID := newID()
	refs, blobs, err := checkUploads(in.limits, files, msgID, true, now)
	if err != nil {
		return nil, err
	}
	if len(c.Attachments)+len(refs) > maxCaseFiles {
		return nil, models.InvalidField("attachments", "this case has too many files already")
	}
	for _, b := range blobs {
		b.CaseID = c.ID
		if err := in.store.InsertAttachment(ctx, b); err != nil {
			return nil, err
		}
	}
	updated, err := in.cases.write(ctx, c.ID, writeSpec{slaEvent: models.SLAOnCustomerReply, trigger: escalation.TriggerCustomerReplied,
		announce: in.cases.publish(EventCaseUpdated, map[string]any{"by": "customer"})}, func(c *models.Case) error {
		if c.Status == models.StatusClosed && now.Sub(c.UpdatedAt) > 90*24*time.Hour {
			return models.Unprocessable("case_closed", "this case was closed long ago; please file a new complaint")
		}
		c.AddCustomerMessage(msgID, req.Body, now)
		c.Attachments = append(c.Attachments, refs...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return in.publicCase(ctx, updated), nil
}

// FollowUp records the customer's answer to the follow-up check (see FollowUps.answer).
func (in *Intake) FollowUp(ctx context.Context, access CaseAccess, req models.FollowUpCreate) (*models.PublicCase, error) {
	c, err := in.tracked(ctx, access)
	if err != nil {
		return nil, err
	}
	updated, err := in.followUps.answer(ctx, c.ID, req, models.Actor{}, 0)
	if err != nil {
		return nil, err
	}
	return in.publicCase(ctx, updated), nil
}

// CustomerAttachment returns a file of the case the customer's token or cookie opens, if they may see it.
func (in *Intake) CustomerAttachment(ctx context.Context, access CaseAccess, attachmentID string) (*models.Attachment, error) {
	c, err := in.tracked(ctx, access)
	if err != nil {
		return nil, err
	}
	return attachmentOf(ctx, in.store, c, attachmentID, true)
}

// attachmentOf reads a file only if the case lists it (and, for customers, marks it public),
// so one case's link can never fetch another case's file.
func attachmentOf(ctx context.Context, st interface {
	GetAttachment(ctx context.Context, id string) (*models.Attachment, error)
}, c *models.Case, id string, publicOnly bool) (*models.Attachment, error) {
	for _, ref := range c.Attachments {
		if ref.ID == id && (ref.Public || !publicOnly) {
			a, err := st.GetAttachment(ctx, id)
			return a, notFoundAs(err, "attachment")
		}
	}
	return nil, models.NotFound("attachment")
}
