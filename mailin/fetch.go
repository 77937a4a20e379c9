package mailin

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/queueworker"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// Filer files a window of fetched mails, in their order: each a new case, a reply in its
// case, a bounce or an auto-reply recorded. It must be idempotent on each mail (a mail fetched
// again after a crash files nothing twice); an error leaves the whole window to be fetched
// again. Given the window at once, it can store the window's cases in a few commands.
type Filer interface {
	FileMails(ctx context.Context, mb *models.Mailbox, raws [][]byte) error
}

// Mailboxes is what the fetcher needs of the mailbox configuration and state.
type Mailboxes interface {
	ListMailboxes(ctx context.Context) ([]models.Mailbox, error)
	MailboxPassword(mb *models.Mailbox) (string, error)
	LeaseMailbox(ctx context.Context, id, owner string, now time.Time, lease time.Duration) (*store.MailboxState, error)
	AdvanceMailbox(ctx context.Context, id, owner string, uidValidity, lastUID uint32, filed int, now time.Time, lastErr string, keep time.Duration) error
}

// Options tune a Fetcher; zero values take the defaults.
type Options struct {
	Clock        func() time.Time
	PollInterval time.Duration // 60s: how often every mailbox is looked at without IDLE news
	Lease        time.Duration // 2m: how long a fetcher holds a mailbox between state writes
	BatchSize    int           // 200: messages fetched per round trip and filed (together) before the position is saved
	DialTimeout  time.Duration // 20s
	WorkerID     string
	Logger       *slog.Logger
}

// Fetcher fetches every enabled mailbox: one pass per mailbox at start, on every poll and
// whenever IMAP IDLE says new mail arrived.
type Fetcher struct {
	boxes  Mailboxes
	filer  Filer
	opts   Options
	logger *slog.Logger
	wake   queueworker.Wake
}

// NewFetcher builds a fetcher.
func NewFetcher(boxes Mailboxes, filer Filer, opts Options) *Fetcher {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Minute
	}
	if opts.Lease <= 0 {
		opts.Lease = 2 * time.Minute
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 200
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 20 * time.Second
	}
	if opts.WorkerID == "" {
		opts.WorkerID = queueworker.WorkerID()
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Fetcher{boxes: boxes, filer: filer, opts: opts, logger: logger.With("component", "mailin", "worker", opts.WorkerID), wake: queueworker.NewWake()}
}

// Kick asks for a pass now (a mailbox was added or changed).
func (f *Fetcher) Kick() { f.wake.Ring() }

// Run fetches until ctx ends: a pass over every enabled mailbox at start, then whenever
// kicked, IDLE reports new mail, or PollInterval passes.
func (f *Fetcher) Run(ctx context.Context) {
	f.logger.Info("mail fetcher started")
	idlers := map[string]context.CancelFunc{}
	defer func() {
		for _, stop := range idlers {
			stop()
		}
	}()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-f.wake:
		}
		boxes, err := f.boxes.ListMailboxes(ctx)
		if err != nil {
			f.logger.Warn("list mailboxes", "err", err)
		}
		seen := map[string]bool{}
		for i := range boxes {
			mb := &boxes[i]
			if !mb.Enabled {
				continue
			}
			seen[mb.ID+"/"+strconv.FormatInt(mb.Version, 10)] = true
			if _, err := f.FetchOnce(ctx, mb); err != nil && ctx.Err() == nil && !errors.Is(err, store.ErrLeaseHeld) {
				f.logger.Warn("fetch mailbox", "mailbox", mb.ID, "err", err)
			}
			key := mb.ID + "/" + strconv.FormatInt(mb.Version, 10)
			if _, ok := idlers[key]; !ok && ctx.Err() == nil {
				ictx, stop := context.WithCancel(ctx)
				idlers[key] = stop
				go f.idle(ictx, *mb)
			}
		}
		for key, stop := range idlers {
			if !seen[key] { // removed, disabled or edited: its watcher stops
				stop()
				delete(idlers, key)
			}
		}
		timer.Reset(f.opts.PollInterval)
	}
}

// dial connects and logs in to a mailbox.
func (f *Fetcher) dial(mb *models.Mailbox, handler *imapclient.UnilateralDataHandler) (*imapclient.Client, error) {
	password, err := f.boxes.MailboxPassword(mb)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(mb.Host, strconv.Itoa(mb.Port))
	opts := &imapclient.Options{Dialer: &net.Dialer{Timeout: f.opts.DialTimeout}, UnilateralDataHandler: handler}
	var c *imapclient.Client
	switch mb.TLS {
	case models.MailboxNoTLS:
		c, err = imapclient.DialInsecure(addr, opts)
	case models.MailboxStartTLS:
		c, err = imapclient.DialStartTLS(addr, opts)
	default:
		c, err = imapclient.DialTLS(addr, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", addr, err)
	}
	if err := c.Login(mb.Username, password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("log in as %s: %w", mb.Username, err)
	}
	return c, nil
}

func folderOf(mb *models.Mailbox) string {
	if mb.Folder == "" {
		return "INBOX"
	}
	return mb.Folder
}

// FetchOnce takes the mailbox's lease and files every mail with a UID above the last one
// filed, in batches: each batch is fetched in one round trip, filed as one window,
// flagged or moved, and only then is the position saved. A crash inside a batch fetches it
// again; the Filer's idempotency keeps it from being filed twice. A changed UIDVALIDITY
// (the folder was recreated) starts over from the first UID, which is equally safe. It
// returns how many mails it filed.
func (f *Fetcher) FetchOnce(ctx context.Context, mb *models.Mailbox) (int, error) {
	st, err := f.boxes.LeaseMailbox(ctx, mb.ID, f.opts.WorkerID, f.opts.Clock(), f.opts.Lease)
	if err != nil {
		return 0, err
	}
	filed, validity, last, err := f.fetch(ctx, mb, st)
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if aerr := f.boxes.AdvanceMailbox(final, mb.ID, f.opts.WorkerID, validity, last, 0, f.opts.Clock(), msg, 0); aerr != nil {
		err = errors.Join(err, aerr)
	}
	if filed > 0 {
		f.logger.Info("mail fetched", "mailbox", mb.ID, "filed", filed, "last_uid", last)
	}
	return filed, err
}

func (f *Fetcher) fetch(ctx context.Context, mb *models.Mailbox, st *store.MailboxState) (filed int, validity, last uint32, err error) {
	validity, last = st.UIDValidity, st.LastUID
	c, err := f.dial(mb, nil)
	if err != nil {
		return 0, validity, last, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	sel, err := c.Select(folderOf(mb), nil).Wait()
	if err != nil {
		return 0, validity, last, fmt.Errorf("select %s: %w", folderOf(mb), err)
	}
	if sel.UIDValidity != validity {
		if validity != 0 {
			f.logger.Warn("UIDVALIDITY changed: fetching the folder from its first mail again", "mailbox", mb.ID, "old", validity, "new", sel.UIDValidity)
		}
		validity, last = sel.UIDValidity, 0
	}
	for ctx.Err() == nil {
		var set imap.UIDSet
		set.AddRange(imap.UID(last+1), 0) // last+1:*
		found, err := c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
		if err != nil {
			return filed, validity, last, fmt.Errorf("search: %w", err)
		}
		var uids []imap.UID
		for _, u := range found.AllUIDs() {
			if uint32(u) > last { // "n:*" always matches the highest UID, even below n
				uids = append(uids, u)
			}
		}
		if len(uids) == 0 {
			return filed, validity, last, nil
		}
		if len(uids) > f.opts.BatchSize {
			uids = uids[:f.opts.BatchSize]
		}
		n, top, err := f.batch(ctx, c, mb, uids)
		filed += n
		if err != nil {
			return filed, validity, last, err
		}
		last = top
		if err := f.boxes.AdvanceMailbox(ctx, mb.ID, f.opts.WorkerID, validity, last, n, f.opts.Clock(), "", f.opts.Lease); err != nil {
			return filed, validity, last, err
		}
	}
	return filed, validity, last, ctx.Err()
}

// batch fetches the given UIDs (ascending) in one command, files them, and flags or moves
// them. It returns how many it filed and the highest UID done.
func (f *Fetcher) batch(ctx context.Context, c *imapclient.Client, mb *models.Mailbox, uids []imap.UID) (int, uint32, error) {
	set := imap.UIDSetNum(uids...)
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil {
		return 0, 0, fmt.Errorf("fetch: %w", err)
	}
	// In UID order, which is arrival order: a reply comes after the mail it answers.
	slices.SortFunc(msgs, func(a, b *imapclient.FetchMessageBuffer) int { return cmp.Compare(a.UID, b.UID) })
	raws := make([][]byte, len(msgs))
	for i, m := range msgs {
		raws[i] = m.FindBodySection(section)
	}
	if err := f.filer.FileMails(ctx, mb, raws); err != nil {
		// Nothing of the batch counts as done: it is fetched again, and what was filed
		// is recognised then.
		return 0, 0, err
	}
	if mb.AfterFetch == models.AfterFetchMove && mb.MoveTo != "" {
		if _, err := c.Move(set, mb.MoveTo).Wait(); err != nil {
			return 0, 0, fmt.Errorf("move to %s: %w", mb.MoveTo, err)
		}
	} else if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close(); err != nil {
		return 0, 0, fmt.Errorf("flag: %w", err)
	}
	return len(msgs), uint32(uids[len(uids)-1]), nil
}

// idle keeps a connection in IMAP IDLE on the mailbox's folder and kicks the fetcher when the
// server reports new mail; it reconnects after a failure (waiting PollInterval) until ctx ends.
func (f *Fetcher) idle(ctx context.Context, mb models.Mailbox) {
	for ctx.Err() == nil {
		err := f.idleOnce(ctx, &mb)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			f.logger.Info("IDLE ended; polling meanwhile", "mailbox", mb.ID, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(f.opts.PollInterval):
		}
	}
}

func (f *Fetcher) idleOnce(ctx context.Context, mb *models.Mailbox) error {
	handler := &imapclient.UnilateralDataHandler{Mailbox: func(d *imapclient.UnilateralDataMailbox) {
		if d.NumMessages != nil {
			f.Kick()
		}
	}}
	c, err := f.dial(mb, handler)
	if err != nil {
		return err
	}
	defer c.Close()
	if !c.Caps().Has(imap.CapIdle) && !c.Caps().Has(imap.CapIMAP4rev2) {
		<-ctx.Done() // the timer does the work
		return nil
	}
	if _, err := c.Select(folderOf(mb), &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return err
	}
	cmd, err := c.Idle()
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		_ = cmd.Close()
		return nil
	case <-c.Closed():
		return errors.New("connection closed")
	}
}
