package helpdesk

import (
	"context"
	"log/slog"
	"time"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// conversationStore is what Conversation needs of the store: cases, their files and who has them
// open.
type conversationStore interface {
	CaseViewers(ctx context.Context, caseID string, now time.Time) ([]store.Presence, error)
	DeleteAttachment(ctx context.Context, id string) error
	GetAttachment(ctx context.Context, id string) (*models.Attachment, error)
	GetCase(ctx context.Context, id string) (*models.Case, error)
	InsertAttachment(ctx context.Context, a *models.Attachment) error
	LeavePresence(ctx context.Context, id string) error
	TouchPresence(ctx context.Context, p *store.Presence) error
}

// Conversation is the staff side of a case's conversation: replies and notes, merging a
// duplicate, files, and who has the case open. (The customer side is Intake.)
type Conversation struct {
	store  conversationStore
	cases  *Cases
	notify Notifier
	events *Events
	logger *slog.Logger
	now    Clock
	limits IntakeLimits // the files an agent attaches pass the public form's checks
	// trackingLink mints a fresh tracking link for a case, for the mail of a reply or a merge.
	trackingLink func(ctx context.Context, caseID string) (token, url string, err error)
}

// newConversation is the staff conversation on the same cases, notifier and events as the
// customer side in.
func newConversation(st conversationStore, in *Intake) *Conversation {
	return &Conversation{store: st, cases: in.cases, notify: in.notify, events: in.events, logger: in.logger,
		now: in.now, limits: in.limits, trackingLink: in.newTrackingLink}
}

// AddMessage records an agent's reply or internal note, with up to IntakeLimits.MaxFiles files
// checked like the customer's. A reply is mailed to the customer with a fresh tracking link and
// stamps the first response, and its files are the customer's to see; a note and its files
// never leave the team.
func (cv *Conversation) AddMessage(ctx context.Context, p *Principal, caseID string, req models.MessageCreate, files []Upload) (*models.Case, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	now := cv.now()
	kind := models.MessageKind(req.Kind)
	msgID := newID()
	refs, blobs, err := checkUploads(cv.limits, files, msgID, kind == models.MessageReply, now)
	if err != nil {
		return nil, err
	}
	slaEvent := ""
	if kind == models.MessageReply {
		slaEvent = models.SLAOnAgentReply
	}
	resolves := false // the reply resolves the case: the resolution notice carries it
	announce := cv.cases.publish(EventCaseUpdated, map[string]any{"by": p.User.ID})
	if kind == models.MessageReply {
		announce.customer = func(ctx context.Context, c *models.Case) {
			if !resolves {
				cv.mailReply(ctx, c, msgID)
			}
		}
	}
	// The files are stored before the case lists them, as the customer's are: a case never
	// names a file that is not there.
	var stored []string
	for _, b := range blobs {
		b.CaseID = caseID
		if err := cv.store.InsertAttachment(ctx, b); err != nil {
			cv.dropAttachments(ctx, stored)
			return nil, err
		}
		stored = append(stored, b.ID)
	}
	updated, err := cv.cases.write(ctx, caseID, writeSpec{expected: req.Version, slaEvent: slaEvent, trigger: escalation.TriggerCaseUpdated, announce: announce}, func(c *models.Case) error {
		if len(c.Attachments)+len(refs) > maxCaseFiles {
			return models.InvalidField("attachments", "this case has too many files already")
		}
		c.AddStaffMessage(msgID, kind, req.Body, p.Actor(), now)
		c.Attachments = append(c.Attachments, refs...)
		resolves = req.Status != nil && *req.Status == models.StatusResolved && c.Status != models.StatusResolved && c.Status != models.StatusClosed
		if req.Status != nil && *req.Status != c.Status {
			status := *req.Status
			return c.ApplyPatch(models.CasePatch{Status: &status}, p.Actor(), now)
		}
		return nil
	})
	if err != nil && len(stored) > 0 {
		// A refused message (a stale version, a missing case) lists none of its files: they go,
		// so a retried upload does not leave megabytes behind each time.
		cv.dropAttachments(ctx, stored)
	}
	return updated, err
}

// dropAttachments deletes files no case lists; a failure only leaves an unreachable file.
func (cv *Conversation) dropAttachments(ctx context.Context, ids []string) {
	// The request may be cancelled already; the clean-up still runs, briefly.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, id := range ids {
		if err := cv.store.DeleteAttachment(ctx, id); err != nil {
			cv.logger.Warn("drop unlisted attachment", "attachment", id, "err", err)
		}
	}
}

// mailReply sends the customer an agent's reply with a fresh tracking link; a failure is
// logged (the reply is stored and on the tracking page).
func (cv *Conversation) mailReply(ctx context.Context, c *models.Case, msgID string) {
	var reply models.Message
	for _, m := range c.Messages {
		if m.ID == msgID {
			reply = m
		}
	}
	if _, url, err := cv.trackingLink(ctx, c.ID); err != nil {
		cv.logger.Error("tracking link for reply mail", "case", c.ID, "err", err)
	} else if err := cv.notify.ReplySent(ctx, c, reply, url); err != nil {
		cv.logger.Error("queue reply mail", "case", c.ID, "err", err)
	}
}

// StaffAttachment returns any file of a case to staff.
func (cv *Conversation) StaffAttachment(ctx context.Context, p *Principal, caseID, attachmentID string) (*models.Attachment, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	c, err := cv.store.GetCase(ctx, caseID)
	if err != nil {
		return nil, notFoundAs(err, "case")
	}
	return attachmentOf(ctx, cv.store, c, attachmentID, false)
}

// CustomerHistory lists the customer's other cases, newest first, so a returning customer is
// recognised and what was done before is one click away.
func (s *Cases) CustomerHistory(ctx context.Context, p *Principal, caseID string) ([]search.CaseDoc, error) {
	c, err := s.Get(ctx, p, caseID)
	if err != nil {
		return nil, err
	}
	if c.Customer.Email == "" {
		return []search.CaseDoc{}, nil // no e-mail (an online review): nobody to recognise
	}
	res, err := s.index.Search(ctx, search.Query{
		Filters: []search.Filter{
			{Field: search.FieldCustomerEmail, Values: []string{c.Customer.Email}},
		},
		Sort:  []search.Sort{{Field: search.FieldCreatedAt, Desc: true}},
		Limit: 51,
	})
	if err != nil {
		return nil, models.Unavailable("search is not available right now", err)
	}
	out := make([]search.CaseDoc, 0, len(res.Hits))
	for _, h := range res.Hits {
		if h.Doc.ID != c.ID {
			out = append(out, h.Doc)
		}
	}
	return out, nil
}

// presenceTTL is how long a viewer counts as present without a heartbeat.
const presenceTTL = 45 * time.Second

// Viewer is someone who has a case open.
type Viewer struct {
	UserID string `bson:"user_id" json:"user_id"`
	Name   string `bson:"name" json:"name"`
}

// Present records that the principal has the case open and returns everyone who has.
func (cv *Conversation) Present(ctx context.Context, p *Principal, caseID string, leaving bool) ([]Viewer, error) {
	if err := p.Require(models.RoleAgent); err != nil {
		return nil, err
	}
	if _, err := cv.store.GetCase(ctx, caseID); err != nil {
		return nil, notFoundAs(err, "case")
	}
	now := cv.now()
	id := caseID + "|" + p.User.ID
	var err error
	if leaving {
		err = cv.store.LeavePresence(ctx, id)
	} else {
		err = cv.store.TouchPresence(ctx, &store.Presence{ID: id, CaseID: caseID, UserID: p.User.ID, Name: p.User.Name, ExpiresAt: now.Add(presenceTTL)})
	}
	if err != nil {
		return nil, err
	}
	ps, err := cv.store.CaseViewers(ctx, caseID, now)
	if err != nil {
		return nil, err
	}
	out := make([]Viewer, 0, len(ps))
	for _, v := range ps {
		out = append(out, Viewer{UserID: v.UserID, Name: v.Name})
	}
	cv.events.Publish(ctx, EventPresence, caseID, map[string]any{"viewers": out})
	return out, nil
}
