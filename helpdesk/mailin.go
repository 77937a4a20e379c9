package helpdesk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/mailin"
	"github.com/kaiku-helpdesk/kaiku/mailin/parse"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/seal"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// MailSettings tune complaints by e-mail.
type MailSettings struct {
	// ReplyTo is the default reply address of mails about cases that did not come by a
	// mailbox (web form, phone), used once any mailbox is connected; "" takes the first
	// enabled mailbox's address.
	ReplyTo string
	// AcksPerHour bounds the acknowledgements one sender gets per hour (default 3), so a mail
	// loop with an auto-responder that sends no auto-reply headers dies out.
	AcksPerHour int
	// Domain is the right-hand side of Kaiku's Message-IDs (the sender address's domain).
	Domain string
}

// Mail is complaints by e-mail: the mailboxes admins connect, and filing each fetched mail
// as a new case, a reply in its case, a bounce or an auto-reply (issue 17). The fetching is
// package mailin's; the parsing mailin/parse's.
type Mail struct {
	store    mailStore
	cases    *Cases
	intake   *Intake
	sealer   *seal.Sealer
	logger   *slog.Logger
	now      Clock
	settings MailSettings
	// Kick, when set, wakes the fetcher after a mailbox changed.
	Kick func()

	mu       sync.Mutex
	boxes    []models.Mailbox
	boxesAt  time.Time
	boxesTTL time.Duration
}

// NewMail wires complaints by e-mail. secretKey (32 bytes) seals mailbox passwords (nil: a
// random key for the life of the process, for tests).
func NewMail(st mailStore, cases *Cases, intake *Intake, secretKey []byte, settings MailSettings, logger *slog.Logger, now Clock) (*Mail, error) {
	sealer, err := seal.New(secretKey)
	if err != nil {
		return nil, err
	}
	if settings.AcksPerHour <= 0 {
		settings.AcksPerHour = 3
	}
	if settings.Domain == "" {
		settings.Domain = "localhost"
	}
	return &Mail{store: st, cases: cases, intake: intake, sealer: sealer, logger: logger, now: now, settings: settings, boxesTTL: 10 * time.Second}, nil
}

// --- mailboxes --------------------------------------------------------------------------------

// MailboxView is a mailbox with its fetch status, as admins see it (never the password).
type MailboxView struct {
	models.Mailbox
	PasswordSet bool                 `json:"password_set"`
	Status      models.MailboxStatus `json:"status"`
}

func (ml *Mail) view(ctx context.Context, mb *models.Mailbox) MailboxView {
	v := MailboxView{Mailbox: *mb, PasswordSet: len(mb.PasswordSealed) > 0}
	if st, err := ml.store.GetMailboxState(ctx, mb.ID); err == nil {
		v.Status = st.Status()
	}
	return v
}

// ListMailboxes returns every mailbox with its status (admins).
func (ml *Mail) ListMailboxes(ctx context.Context, p *Principal) ([]MailboxView, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	boxes, err := ml.store.ListMailboxes(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MailboxView, len(boxes))
	for i := range boxes {
		out[i] = ml.view(ctx, &boxes[i])
	}
	return out, nil
}

// GetMailbox returns one mailbox with its status (admins).
func (ml *Mail) GetMailbox(ctx context.Context, p *Principal, id string) (*MailboxView, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	mb, err := ml.store.GetMailbox(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, "mailbox")
	}
	v := ml.view(ctx, mb)
	return &v, nil
}

func (ml *Mail) checkTarget(ctx context.Context, teamID, category string) error {
	if err := ml.cases.checkRefs(ctx, nil, &teamID); err != nil {
		return err
	}
	if category != "" {
		if ok, err := ml.intake.settings.KnownCategory(ctx, category); err != nil {
			return err
		} else if !ok {
			return models.InvalidField("category", "choose one of the listed categories")
		}
	}
	return nil
}

func (ml *Mail) seal(mb *models.Mailbox, password string) {
	mb.PasswordSealed = ml.sealer.Seal("mailbox:"+mb.ID, password)
}

// MailboxPassword opens a mailbox's sealed password (for the fetcher).
func (ml *Mail) MailboxPassword(mb *models.Mailbox) (string, error) {
	return ml.sealer.Open("mailbox:"+mb.ID, mb.PasswordSealed)
}

// CreateMailbox connects a mailbox (admins).
func (ml *Mail) CreateMailbox(ctx context.Context, p *Principal, req models.MailboxCreate) (*MailboxView, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	if err := ml.checkTarget(ctx, req.TeamID, req.Category); err != nil {
		return nil, err
	}
	if req.AfterFetch == models.AfterFetchMove && strings.TrimSpace(req.MoveTo) == "" {
		return nil, models.InvalidField("move_to", "name the folder fetched mail is moved to")
	}
	now := ml.now()
	mb := &models.Mailbox{ID: newID(), Name: strings.TrimSpace(req.Name), Address: models.NormalizeEmail(req.Address),
		Host: strings.TrimSpace(req.Host), Port: req.Port, TLS: req.TLS, Username: req.Username,
		Folder: strings.TrimSpace(req.Folder), AfterFetch: req.AfterFetch, MoveTo: strings.TrimSpace(req.MoveTo),
		TeamID: req.TeamID, Category: req.Category, Locale: req.Locale, Enabled: req.Enabled == nil || *req.Enabled,
		Created: now, Updated: now, Version: 1}
	if mb.Folder == "" {
		mb.Folder = "INBOX"
	}
	if mb.AfterFetch == "" {
		mb.AfterFetch = models.AfterFetchFlag
	}
	if mb.Locale == "" {
		mb.Locale = "en"
	}
	ml.seal(mb, req.Password)
	if err := ml.store.InsertMailbox(ctx, mb); err != nil {
		return nil, err
	}
	ml.changed()
	v := ml.view(ctx, mb)
	return &v, nil
}

// PatchMailbox changes a mailbox (admins); an empty or absent password keeps the old one.
func (ml *Mail) PatchMailbox(ctx context.Context, p *Principal, id string, req models.MailboxPatch) (*MailboxView, error) {
	if err := p.Require(models.RoleAdmin); err != nil {
		return nil, err
	}
	if req.TeamID != nil || req.Category != nil {
		var team, cat string
		if req.TeamID != nil {
			team = *req.TeamID
		}
		if req.Category != nil {
			cat = *req.Category
		}
		if err := ml.checkTarget(ctx, team, cat); err != nil {
			return nil, err
		}
	}
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	mb, err := ml.store.UpdateMailbox(ctx, id, func(mb *models.Mailbox) error {
		if mb.Version != req.Version {
			return models.StaleVersion("mailbox", mb.Version)
		}
		set(&mb.Name, req.Name)
		if req.Address != nil {
			mb.Address = models.NormalizeEmail(*req.Address)
		}
		set(&mb.Host, req.Host)
		if req.Port != nil {
			mb.Port = *req.Port
		}
		set(&mb.TLS, req.TLS)
		set(&mb.Username, req.Username)
		set(&mb.Folder, req.Folder)
		set(&mb.AfterFetch, req.AfterFetch)
		set(&mb.MoveTo, req.MoveTo)
		set(&mb.TeamID, req.TeamID)
		set(&mb.Category, req.Category)
		set(&mb.Locale, req.Locale)
		if req.Enabled != nil {
			mb.Enabled = *req.Enabled
		}
		if req.Password != nil && *req.Password != "" {
			ml.seal(mb, *req.Password)
		}
		if mb.AfterFetch == models.AfterFetchMove && mb.MoveTo == "" {
			return models.InvalidField("move_to", "name the folder fetched mail is moved to")
		}
		mb.Updated = ml.now()
		return nil
	})
	if err != nil {
		return nil, notFoundAs(err, "mailbox")
	}
	ml.changed()
	v := ml.view(ctx, mb)
	return &v, nil
}

// DeleteMailbox disconnects a mailbox (admins); its cases stay.
func (ml *Mail) DeleteMailbox(ctx context.Context, p *Principal, id string) error {
	if err := p.Require(models.RoleAdmin); err != nil {
		return err
	}
	if _, err := ml.store.GetMailbox(ctx, id); err != nil {
		return notFoundAs(err, "mailbox")
	}
	if err := ml.store.DeleteMailbox(ctx, id); err != nil {
		return err
	}
	ml.changed()
	return nil
}

func (ml *Mail) changed() {
	ml.mu.Lock()
	ml.boxes, ml.boxesAt = nil, time.Time{}
	ml.mu.Unlock()
	if ml.Kick != nil {
		ml.Kick()
	}
}

// enabledBoxes is the mailboxes, read at most every boxesTTL (the reply address of every
// outgoing mail asks, and the list changes rarely).
func (ml *Mail) enabledBoxes(ctx context.Context) []models.Mailbox {
	ml.mu.Lock()
	defer ml.mu.Unlock()
	if ml.boxes == nil || ml.now().Sub(ml.boxesAt) > ml.boxesTTL {
		all, err := ml.store.ListMailboxes(ctx)
		if err != nil {
			ml.logger.Warn("list mailboxes", "err", err)
			return ml.boxes
		}
		ml.boxes = []models.Mailbox{}
		for _, mb := range all {
			if mb.Enabled {
				ml.boxes = append(ml.boxes, mb)
			}
		}
		ml.boxesAt = ml.now()
	}
	return ml.boxes
}

// ReplyAddress is where a customer's reply to a mail about c goes: the address of the
// mailbox the case came by, else the configured default, else the first enabled mailbox's;
// "" while no mailbox is connected (then mails say replies reach no one).
func (ml *Mail) ReplyAddress(ctx context.Context, c *models.Case) string {
	boxes := ml.enabledBoxes(ctx)
	if len(boxes) == 0 {
		return ""
	}
	if c.Email != nil && c.Email.MailboxID != "" {
		for _, mb := range boxes {
			if mb.ID == c.Email.MailboxID {
				return mb.Address
			}
		}
	}
	if ml.settings.ReplyTo != "" {
		return ml.settings.ReplyTo
	}
	return boxes[0].Address
}

// --- filing ------------------------------------------------------------------------------------

// inMail is one fetched mail on its way to a case.
type inMail struct {
	m      *parse.Mail
	keyID  string         // the _id of its key (mailin.KeyID)
	msgID  string         // its message's id within the case it joins
	target *models.Case   // the case it threads into; nil: it opens a case
	linked string         // the case it names but may not join
	key    *store.MailKey // its key as claimed now; nil: claimed before
}

// FileMails files a window of fetched mails, in their order (mailin.Filer). It is idempotent
// on each mail's Message-ID: a key document derived from it names the case, and is claimed
// before the case changes, so a mail fetched again after a crash is recognised (and a change
// cut short is completed once). A mail that cannot be read at all is logged and skipped, so it
// does not stop the mailbox. An error leaves the window to be fetched and filed again.
//
// The window is filed in runs of mails that do not depend on one another (fileRun): a reply
// fetched with the mail it answers goes in a later run, so it finds that mail's case.
func (ml *Mail) FileMails(ctx context.Context, mb *models.Mailbox, raws [][]byte) error {
	mails := make([]*inMail, 0, len(raws))
	for _, raw := range raws {
		m, err := parse.Parse(bytes.NewReader(raw), parse.Options{MaxAttachmentBytes: ml.intake.limits.MaxFileBytes})
		if err != nil {
			ml.logger.Warn("unreadable mail skipped", "mailbox", mb.ID, "err", err)
			continue
		}
		if m.MessageID == "" {
			m.MessageID = mailin.SyntheticMessageID(raw)
		}
		keyID := mailin.KeyID(m.MessageID)
		mails = append(mails, &inMail{m: m, keyID: keyID, msgID: "mail-" + keyID[3:23]})
	}
	for len(mails) > 0 {
		n := independentRun(mails)
		if err := ml.fileRun(ctx, mb, mails[:n]); err != nil {
			return err
		}
		mails = mails[n:]
	}
	return nil
}

// independentRun is how many mails, from the first, can be filed side by side: up to the
// first that repeats the Message-ID of an earlier one or refers to one.
func independentRun(mails []*inMail) int {
	seen := map[string]bool{}
	for i, im := range mails {
		if seen[im.m.MessageID] {
			return i
		}
		for _, id := range threadIDs(im.m) {
			if seen[id] {
				return i
			}
		}
		seen[im.m.MessageID] = true
	}
	return len(mails)
}

// fileRun files mails that do not depend on one another in a few rounds for all of them:
//
//  1. the thread of each (reads only, and none for a mail that names no case);
//  2. one round: every mail's key claimed in one insert command (a key the database refuses
//     as a duplicate is a mail filed before, or a filing cut short), the index marks of the
//     references reserved for new cases in one, and the senders' bounce flags in one read;
//  3. the new cases stored together (Cases.fileNewMany: one insert of cases, one index
//     batch), beside the replies (each a conditional update of its case) and the mails
//     claimed before, which are completed one by one.
func (ml *Mail) fileRun(ctx context.Context, mb *models.Mailbox, mails []*inMail) error {
	errs := make([]error, len(mails))
	inParallel(len(mails), mailReaders, func(i int) {
		mails[i].target, mails[i].linked, errs[i] = ml.thread(ctx, mails[i].m)
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	now := ml.now()
	keys := make([]*store.MailKey, len(mails))
	var refs, senders []string
	for i, im := range mails {
		k := &store.MailKey{ID: im.keyID, MailboxID: mb.ID, MessageID: im.msgID, CreatedAt: now}
		if im.target != nil {
			k.CaseID = im.target.ID
		} else {
			ref, err := ml.cases.nextReference(ctx, now)
			if err != nil {
				return err
			}
			k.CaseID, k.MessageID = ref, "" // the mail is the new case itself
			refs = append(refs, ref)
			if mayAck(im.m) {
				senders = append(senders, im.m.From.Email)
			}
		}
		keys[i] = k
	}
	var claims []error
	bounced := map[string]bool{}
	round := inOneRound(
		func() error { claims = ml.store.ClaimMailKeys(ctx, keys); return nil },
		func() error { return ml.store.MarkDirtyMany(ctx, refs, 1, now) },
		func() error {
			found, err := ml.store.BouncedAmong(ctx, senders)
			if err != nil {
				ml.logger.Warn("read bounce flags", "err", err)
				return nil
			}
			bounced = found
			return nil
		})
	if err := errors.Join(round...); err != nil {
		return err
	}

	var fresh, others []int
	for i, im := range mails {
		switch err := claims[i]; {
		case err == nil:
			im.key = keys[i]
			if im.target == nil {
				fresh = append(fresh, i)
			} else {
				others = append(others, i)
			}
		case store.IsDuplicate(err):
			others = append(others, i)
		default:
			errs[i] = err
		}
	}
	inOneRound(
		func() error {
			for j, err := range ml.newCases(ctx, mb, mails, fresh, bounced) {
				errs[fresh[j]] = err
			}
			return nil
		},
		func() error {
			// The replies' cases are indexed in one batch once all are stored, then told of.
			later := &writeBatch{}
			inParallel(len(others), mailWriters, func(j int) {
				i := others[j]
				errs[i] = ml.fileOne(ctx, mb, mails[i], later)
			})
			ml.cases.finishWrites(ctx, later)
			return nil
		})
	return errors.Join(errs...)
}

// mailReaders bounds the reads a window issues at once (the threads of its mails), and
// mailWriters its single-case writes (replies, files). Those queue for the one write
// connection of the cases' file: enough of them keep it busy while the others read and wait
// for their group commits, but the driver gives up on a queue longer than 5 s (200 at once
// did, at about 80 ms an update on a loaded machine).
const (
	mailReaders = 64
	mailWriters = 32
)

// mayAck says whether a mail that opens a case asks for an acknowledgement at all.
func mayAck(m *parse.Mail) bool { return !m.Auto && m.Bounce == nil && m.From.Email != "" }

// newCases files the fresh mails at the given positions as new cases, together, under the
// references their keys reserved (marked already); bounced holds the flagged senders.
func (ml *Mail) newCases(ctx context.Context, mb *models.Mailbox, mails []*inMail, at []int, bounced map[string]bool) []error {
	errs := make([]error, len(at))
	specs := make([]newCase, len(at))
	var blobs []*models.Attachment
	for j, i := range at {
		var b []*models.Attachment
		specs[j], b = ml.newCaseSpec(mb, mails[i].m, mails[i].key, mails[i].linked, true, bounced)
		blobs = append(blobs, b...)
	}
	// The files first, so no case points at a file not stored.
	fileErrs := make([]error, len(blobs))
	inParallel(len(blobs), mailWriters, func(k int) { fileErrs[k] = ml.store.InsertAttachment(ctx, blobs[k]) })
	if err := errors.Join(fileErrs...); err != nil {
		for j := range errs {
			errs[j] = err
		}
		return errs
	}
	cases, fileErrs := ml.cases.fileNewMany(ctx, specs, indexNow)
	inParallel(len(at), mailWriters, func(j int) {
		errs[j] = fileErrs[j]
		if errs[j] == nil && cases[j].ID != mails[at[j]].key.CaseID {
			// The reserved reference was taken meanwhile: the key follows the case.
			_, errs[j] = ml.store.PointMailKey(ctx, mails[at[j]].key.ID, cases[j].ID)
		}
	})
	return errs
}

// fileOne files a mail that joins a case (its key claimed now), or completes one claimed
// before: a repeat changes nothing; a filing cut short is done once.
func (ml *Mail) fileOne(ctx context.Context, mb *models.Mailbox, im *inMail, later *writeBatch) error {
	if im.key != nil {
		return ml.addToCase(ctx, mb, im.m, im.target, im.key, later)
	}
	key, err := ml.store.GetMailKey(ctx, im.keyID)
	if err != nil {
		return err
	}
	c, err := ml.store.GetCase(ctx, key.CaseID)
	if errors.Is(err, store.ErrNotFound) && key.MessageID == "" {
		return ml.newCase(ctx, mb, im.m, key, im.linked)
	}
	if err != nil {
		return err
	}
	if key.MessageID == "" {
		return nil // the case this mail opened is stored: a repeat
	}
	return ml.addToCase(ctx, mb, im.m, c, key, later)
}

// threadIDs are the Message-IDs a mail refers to, in the order they decide its thread: the
// mail a bounce reports, In-Reply-To, then References newest first.
func threadIDs(m *parse.Mail) []string {
	var ids []string
	if m.Bounce != nil && m.Bounce.OriginalMessageID != "" {
		ids = append(ids, m.Bounce.OriginalMessageID)
	}
	ids = append(ids, m.InReplyTo...)
	for i := len(m.References) - 1; i >= 0; i-- { // newest first
		ids = append(ids, m.References[i])
	}
	return ids
}

// thread finds the case a mail belongs to: by In-Reply-To and References against the
// Message-IDs Kaiku sent (and those of the customer's earlier mails), then by the reference
// in the subject. It joins only a case whose customer sent it: a mail from anyone else that
// names a case starts a new case linked to it (linked). A bounce belongs to the case of the
// mail that bounced, whoever reports it.
func (ml *Mail) thread(ctx context.Context, m *parse.Mail) (target *models.Case, linked string, err error) {
	found := ""
	for _, id := range threadIDs(m) {
		if found, err = ml.caseOfMessageID(ctx, id); err != nil {
			return nil, "", err
		}
		if found != "" {
			break
		}
	}
	if found == "" {
		found = mailin.SubjectReference(m.Subject)
	}
	if found == "" {
		return nil, "", nil
	}
	c, err := ml.store.GetCase(ctx, found)
	if errors.Is(err, store.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	for hops := 0; c.MergedInto != "" && hops < 5; hops++ {
		next, err := ml.store.GetCase(ctx, c.MergedInto)
		if err != nil {
			break
		}
		c = next
	}
	if m.Bounce != nil {
		return c, "", nil
	}
	if models.NormalizeEmail(c.Customer.Email) != m.From.Email || m.From.Email == "" {
		return nil, c.ID, nil
	}
	if c.Status == models.StatusClosed && ml.now().Sub(c.UpdatedAt) > 90*24*time.Hour {
		return nil, c.ID, nil // as on the tracking page: a case closed long ago takes no more
	}
	return c, "", nil
}

// caseOfMessageID names the case a Message-ID belongs to, if Kaiku knows it: its own
// thread root (<reference@domain>), a mail it sent (<queue id@domain>, in the outbox), or a
// mail it filed before (a key).
func (ml *Mail) caseOfMessageID(ctx context.Context, id string) (string, error) {
	local, domain, ok := strings.Cut(id, "@")
	if ok && strings.EqualFold(domain, ml.settings.Domain) {
		if mailin.IsReference(local) {
			return local, nil
		}
		out, err := ml.store.GetOutboxMail(ctx, local)
		if err == nil {
			return out.Message.CaseID, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
	}
	k, err := ml.store.GetMailKey(ctx, mailin.KeyID(id))
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return k.CaseID, nil
}

// files checks a mail's files like the web form's: each on its own, so one refused file
// (too large, a type not accepted) leaves the others; the refused ones are named in a note.
func (ml *Mail) files(m *parse.Mail, messageID string, now time.Time) ([]models.AttachmentRef, []*models.Attachment, []string) {
	var refs []models.AttachmentRef
	var blobs []*models.Attachment
	var refused []string
	limits := ml.intake.limits
	limits.MaxFiles = 1
	for i, f := range m.Files {
		name := f.Name
		if name == "" {
			name = fmt.Sprintf("attachment-%d", i+1)
		}
		if f.TooLarge {
			refused = append(refused, fmt.Sprintf("%s (%.1f MB): over the %d MB limit", name, float64(f.Size)/(1<<20), limits.MaxFileBytes>>20))
			continue
		}
		if len(refs) >= ml.intake.limits.MaxFiles {
			refused = append(refused, name+": over the limit of files per message")
			continue
		}
		r, b, err := checkUploads(limits, []Upload{{Name: name, Data: f.Data}}, messageID, true, now)
		if err != nil {
			var me *models.Error
			reason := "not accepted"
			if errors.As(err, &me) {
				reason = me.Message
			}
			refused = append(refused, name+": "+reason)
			continue
		}
		refs, blobs = append(refs, r...), append(blobs, b...)
	}
	return refs, blobs, refused
}

// refusedNote is the internal note naming the files a mail brought that were not kept.
func refusedNote(refused []string) string {
	return "Files of this e-mail that were not kept:\n- " + strings.Join(refused, "\n- ")
}

func mailBody(m *parse.Mail) string {
	body := m.Text
	if strings.TrimSpace(body) == "" {
		body = "(no text)"
	}
	return clip(body, 20000)
}

// newCase files the mail as a new case under its key's reference, on its own (a filing cut
// short, completed): the reference's index mark is written again.
func (ml *Mail) newCase(ctx context.Context, mb *models.Mailbox, m *parse.Mail, key *store.MailKey, linked string) error {
	spec, blobs := ml.newCaseSpec(mb, m, key, linked, false, nil)
	for _, b := range blobs {
		if err := ml.store.InsertAttachment(ctx, b); err != nil {
			return err
		}
	}
	c, err := ml.cases.fileNew(ctx, spec)
	if err != nil {
		return err
	}
	if c.ID != key.CaseID {
		// The reserved reference was taken meanwhile: the key follows the case.
		if _, err := ml.store.PointMailKey(ctx, key.ID, c.ID); err != nil {
			return err
		}
	}
	return nil
}

// newCaseSpec is the new case a mail opens under its key's reference (marked: the caller
// wrote the reference's index mark), and the files to store before it. bounced holds the
// senders whose mail bounced, read for a whole window; nil reads the sender's flag when the
// acknowledgement is decided.
func (ml *Mail) newCaseSpec(mb *models.Mailbox, m *parse.Mail, key *store.MailKey, linked string, marked bool, bounced map[string]bool) (newCase, []*models.Attachment) {
	now := ml.now()
	refs, blobs, refused := ml.files(m, "original", now)
	name := m.From.Name
	if name == "" {
		name, _, _ = strings.Cut(m.From.Email, "@")
	}
	subject := strings.TrimSpace(m.Subject)
	if subject == "" {
		subject = clip(strings.Join(strings.Fields(m.Text), " "), 80)
	}
	if subject == "" {
		subject = "(no subject)"
	}
	var token string
	ack := mayAck(m)
	return newCase{
		reference: key.CaseID,
		marked:    marked,
		sameRequest: func(stored *models.Case) bool {
			return stored.Email != nil && stored.Email.FirstID == m.MessageID
		},
		build: func(id string) *models.Case {
			c := models.NewCase(id, models.CaseCreate{Subject: clip(subject, 200), Description: mailBody(m),
				Customer: models.CustomerCreate{Name: clip(name, 120), Email: m.From.Email},
				Channel:  models.ChannelEmail, Category: mb.Category, TeamID: mb.TeamID}, models.Actor{Name: clip(name, 120)}, now)
			var hash string
			token, hash = caseToken(id)
			c.TrackingHash = hash
			c.Locale = mb.Locale
			c.Attachments = refs
			c.Email = &models.EmailThread{MailboxID: mb.ID, ReplyTo: mb.Address, FirstID: m.MessageID, LastID: m.MessageID,
				Quoted: clip(m.Quoted, 20000), LinkedTo: linked, AutoSubmitted: m.Auto}
			c.Timeline[0].Data["mailbox"] = mb.Name
			if linked != "" {
				c.Timeline = append(c.Timeline, models.TimelineEvent{At: now, Actor: "Kaiku", Type: "email_linked",
					Data: map[string]string{"case": linked, "reason": "the mail names this case but comes from another address"}})
			}
			if m.Auto {
				c.Timeline = append(c.Timeline, models.TimelineEvent{At: now, Actor: "Kaiku", Type: "email_auto",
					Data: map[string]string{"reason": m.AutoReason}})
			}
			if len(refused) > 0 {
				c.AddStaffMessage("refused-files", models.MessageNote, refusedNote(refused), models.Actor{Name: "Kaiku"}, now)
			}
			return c
		},
		announce: announcement{event: EventCaseCreated, customer: func(ctx context.Context, c *models.Case) {
			if !ack || !ml.mayAcknowledge(ctx, c.Customer.Email, now, bounced) {
				return
			}
			if err := ml.intake.notify.Acknowledge(ctx, c, ml.intake.trackingURL(token)); err != nil {
				ml.logger.Error("queue acknowledgement", "case", c.ID, "err", err)
			}
		}},
	}, blobs
}

// mayAcknowledge takes one of the sender's acknowledgements of the hour; a sender whose
// mail bounced gets none. bounced, when not nil, holds the flagged senders (read for a
// window of mails); else the sender's flag is read beside the hit.
func (ml *Mail) mayAcknowledge(ctx context.Context, email string, now time.Time, bounced map[string]bool) bool {
	flagged := bounced[email]
	var hit *store.Hit
	steps := []func() error{func() (err error) {
		hit, err = ml.store.TakeHit(ctx, "mail-ack:"+email, ml.settings.AcksPerHour, time.Hour, now)
		return err
	}}
	if bounced == nil {
		steps = append(steps, func() error { _, err := ml.store.GetBounce(ctx, email); flagged = err == nil; return nil })
	}
	errs := inOneRound(steps...)
	if errs[0] != nil {
		ml.logger.Warn("acknowledgement limit", "err", errs[0])
		return false
	}
	if flagged { // the address is flagged: the hit is given back
		if hit.Allowed {
			_ = hit.Release(ctx)
		}
		return false
	}
	return hit.Allowed
}

// addToCase records a mail on the case it threads into: the customer's reply (which reopens
// a waiting or resolved case and restarts its clocks), an auto-reply (noted, nothing else),
// or a bounce (noted, the address flagged). key.MessageID marks it, so a repeat changes
// nothing.
//
// With later set, the case is stored now and indexed and told of with later's batch
// (Cases.finishWrites).
func (ml *Mail) addToCase(ctx context.Context, mb *models.Mailbox, m *parse.Mail, c *models.Case, key *store.MailKey, later *writeBatch) error {
	now := ml.now()
	done := func(c *models.Case) bool {
		for i := len(c.Messages) - 1; i >= 0; i-- {
			if c.Messages[i].ID == key.MessageID {
				return true
			}
		}
		for i := len(c.Timeline) - 1; i >= 0; i-- {
			if c.Timeline[i].Data["mail"] == key.MessageID {
				return true
			}
		}
		return false
	}
	if done(c) {
		return nil
	}
	if m.Bounce != nil || m.Auto {
		spec := writeSpec{announce: ml.cases.publish(EventCaseUpdated, map[string]any{"by": "mail"})}
		_, err := ml.cases.writeWith(ctx, c.ID, spec, later, func(c *models.Case) error {
			if done(c) {
				return errUnchanged
			}
			if m.Bounce != nil {
				if c.Email == nil {
					c.Email = &models.EmailThread{}
				}
				c.Email.Bounced = true
				c.Timeline = append(c.Timeline, models.TimelineEvent{At: now, Actor: "Kaiku", Type: "email_bounced",
					Data: map[string]string{"mail": key.MessageID, "recipient": m.Bounce.Recipient, "status": m.Bounce.Status, "reason": clip(m.Bounce.Diagnostic, 300)}})
			} else {
				c.Timeline = append(c.Timeline, models.TimelineEvent{At: now, Actor: c.Customer.Name, Type: "email_auto",
					Data: map[string]string{"mail": key.MessageID, "reason": m.AutoReason, "text": clip(m.Text, 500)}})
			}
			c.UpdatedAt = now
			return nil
		})
		if errors.Is(err, errUnchanged) {
			err = nil
		}
		if err == nil && m.Bounce != nil && m.Bounce.Recipient != "" {
			err = ml.store.FlagBounce(ctx, &store.MailBounce{ID: models.NormalizeEmail(m.Bounce.Recipient), CaseID: c.ID,
				Status: m.Bounce.Status, Reason: clip(m.Bounce.Diagnostic, 300), At: now})
		}
		return err
	}
	refs, blobs, refused := ml.files(m, key.MessageID, now)
	if len(c.Attachments)+len(refs) > maxCaseFiles {
		for _, r := range refs {
			refused = append(refused, r.Name+": this case has too many files already")
		}
		refs, blobs = nil, nil
	}
	for _, b := range blobs {
		b.CaseID = c.ID
		if err := ml.store.InsertAttachment(ctx, b); err != nil {
			return err
		}
	}
	// The policies from the store's snapshot, as a bulk change takes them: no read per reply.
	policies, err := ml.cases.policiesByID(ctx)
	if err != nil {
		return err
	}
	_, err = ml.cases.writeWith(ctx, c.ID, writeSpec{slaEvent: models.SLAOnCustomerReply, trigger: escalation.TriggerCustomerReplied, policies: policies,
		announce: ml.cases.publish(EventCaseUpdated, map[string]any{"by": "customer"})}, later, func(c *models.Case) error {
		if done(c) {
			return errUnchanged
		}
		c.AddCustomerMessage(key.MessageID, mailBody(m), now)
		c.Messages[len(c.Messages)-1].Quoted = clip(m.Quoted, 20000)
		for i := len(c.Timeline) - 1; i >= 0; i-- {
			if c.Timeline[i].Type == "customer_replied" {
				c.Timeline[i].Data = map[string]string{"channel": "email"}
				break
			}
		}
		c.Attachments = append(c.Attachments, refs...)
		if len(refused) > 0 {
			c.AddStaffMessage(key.MessageID+"-refused", models.MessageNote, refusedNote(refused), models.Actor{Name: "Kaiku"}, now)
		}
		if c.Email == nil {
			c.Email = &models.EmailThread{MailboxID: mb.ID, ReplyTo: mb.Address, FirstID: m.MessageID}
		}
		c.Email.LastID = m.MessageID
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

var errUnchanged = errors.New("unchanged")

// Fetching is what the mail fetcher (mailin.Fetcher) needs: the mailboxes, their passwords
// and their fetch state.
func (ml *Mail) Fetching() mailin.Mailboxes { return fetching{ml} }

type fetching struct{ ml *Mail }

func (f fetching) ListMailboxes(ctx context.Context) ([]models.Mailbox, error) {
	return f.ml.store.ListMailboxes(ctx)
}

func (f fetching) MailboxPassword(mb *models.Mailbox) (string, error) {
	return f.ml.MailboxPassword(mb)
}

func (f fetching) LeaseMailbox(ctx context.Context, id, owner string, now time.Time, lease time.Duration) (*store.MailboxState, error) {
	return f.ml.store.LeaseMailbox(ctx, id, owner, now, lease)
}

func (f fetching) AdvanceMailbox(ctx context.Context, id, owner string, uidValidity, lastUID uint32, filed int, now time.Time, lastErr string, keep time.Duration) error {
	return f.ml.store.AdvanceMailbox(ctx, id, owner, uidValidity, lastUID, filed, now, lastErr, keep)
}
