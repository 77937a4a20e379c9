package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/mailin/imaptest"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// The mail part (issue 17, -only mail): -mails messages wait in an IMAP mailbox (go-imap's
// in-memory server on loopback); four in five are new complaints from distinct senders, the
// rest their senders' replies (In-Reply-To the first mail). Two runs on fresh data
// directories:
//
//  1. ingest: the server is started, an admin connects the mailbox through the API, and the
//     clock runs until the mailbox's state says every UID is filed; beside it the floor, the
//     raw driver's InsertOne of as many case documents from 32 writers, on the same files
//     before the server starts.
//  2. crash: the same, but the server is killed with SIGKILL once a third of the mail is
//     filed, then started again on the same directory; when it is done, the cases collection
//     is read raw and every mail must be filed exactly once: one case per new complaint, one
//     customer message per reply, one key per mail.

const (
	mailUser         = "support@bench.example"
	mailPassword     = "bench-imap-password"
	mailFloorWriters = 32 // the floor's concurrent InsertOne callers
)

type mailReport struct {
	mails, complaints int
	ingest            time.Duration
	complaintsDone    time.Duration // from the start of the ingest until the last complaint's UID was filed
	floor             time.Duration
	killedAt          int64 // mails filed when the server was killed
	crashTotal        time.Duration
	check             string
}

func (r *mailReport) print(w io.Writer) {
	rate := func(n int, d time.Duration) float64 { return float64(n) / d.Seconds() }
	fmt.Fprintf(w, "kaiku bench  -only mail  mails=%d (%d new complaints, %d replies)\n", r.mails, r.complaints, r.mails-r.complaints)
	fmt.Fprintf(w, "  mail ingest (IMAP fetch → cases)   %8.0f mails/s  (%d in %s)\n", rate(r.mails, r.ingest), r.mails, r.ingest.Round(time.Millisecond))
	if r.complaintsDone > 0 && r.complaintsDone < r.ingest {
		fmt.Fprintf(w, "    of which new complaints          %8.0f mails/s  (%d in %s)\n", rate(r.complaints, r.complaintsDone), r.complaints, r.complaintsDone.Round(time.Millisecond))
		fmt.Fprintf(w, "    then replies into their cases    %8.0f mails/s  (%d in %s)\n", rate(r.mails-r.complaints, r.ingest-r.complaintsDone), r.mails-r.complaints, (r.ingest - r.complaintsDone).Round(time.Millisecond))
	}
	fmt.Fprintf(w, "    floor: raw InsertOne x%d        %8.0f docs/s   (%d in %s)\n", mailFloorWriters, rate(r.mails, r.floor), r.mails, r.floor.Round(time.Millisecond))
	if r.check != "" {
		fmt.Fprintf(w, "  kill -9 after %d filed, restart:   %s (all done %s after the first start)\n", r.killedAt, r.check, r.crashTotal.Round(time.Millisecond))
	}
}

func benchMail(ctx context.Context, cfg config) (*mailReport, error) {
	progress := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "bench: "+format+"\n", args...)
		}
	}
	work := cfg.Dir
	if work == "" {
		var err error
		if work, err = os.MkdirTemp("", "kaiku-bench-mail-"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(work)
	}
	srv, err := imaptest.Start("127.0.0.1:0", mailUser, mailPassword)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	rep := &mailReport{mails: cfg.Mails, complaints: cfg.Mails * 4 / 5}
	for i := range cfg.Mails {
		if err := srv.Append("", benchMailRaw(i, rep.complaints)); err != nil {
			return nil, err
		}
	}
	progress("mail: %d mails queued in the IMAP mailbox", cfg.Mails)

	// 1. Ingest, beside the floor on the same files.
	dirA := filepath.Join(work, "ingest")
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	fdb, err := openFloorDB(ctx, dirA, logger)
	if err != nil {
		return nil, err
	}
	rep.floor, err = mailFloor(ctx, fdb, cfg.Mails)
	fdb.close()
	if err != nil {
		return nil, err
	}
	progress("mail: floor %s", rep.floor)
	c, err := startServer(ctx, dirA, serverOptions{env: []string{"KAIKU_MAIL_POLL_INTERVAL=1s"}, cpuProfile: cfg.ServerCPUProfile, commands: cfg.ServerCommands})
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	box, sess, err := connectMailbox(ctx, c, srv)
	if err == nil {
		var complaintsAt time.Time
		err = waitFiled(ctx, sess, c, box, uint32(cfg.Mails), 0, nil, uint32(rep.complaints), &complaintsAt)
		if !complaintsAt.IsZero() {
			rep.complaintsDone = complaintsAt.Sub(t0)
		}
	}
	rep.ingest = time.Since(t0)
	if serr := c.stop(); err == nil {
		err = serr
	}
	if err != nil {
		return rep, err
	}
	progress("mail: ingest %s", rep.ingest)
	if cfg.MailCrash {
		if err := mailCrash(ctx, srv, filepath.Join(work, "crash"), rep, logger); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// benchMailRaw is mail i: a new complaint from sender i, or (i >= complaints) sender
// i-complaints's reply to their first mail.
func benchMailRaw(i, complaints int) []byte {
	if i < complaints {
		return fmt.Appendf(nil, "From: Customer %d <c%d@bench.example>\r\nTo: %s\r\nSubject: Order %d arrived damaged\r\n"+
			"Message-ID: <m%d@bench.example>\r\nDate: Mon, 7 Dec 2026 09:00:00 +0200\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
			"Hello,\r\n\r\nmy order %d arrived with the box torn and the kettle dented. I would like a replacement or my money back.\r\n\r\nRegards\r\nCustomer %d\r\n",
			i, i, mailUser, 70000+i, i, 70000+i, i)
	}
	j := i - complaints
	return fmt.Appendf(nil, "From: Customer %d <c%d@bench.example>\r\nTo: %s\r\nSubject: Re: Order %d arrived damaged\r\n"+
		"Message-ID: <r%d@bench.example>\r\nIn-Reply-To: <m%d@bench.example>\r\nReferences: <m%d@bench.example>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0200\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHere is the photo of the box, as promised.\r\n\r\nOn Mon, 7 Dec 2026 at 9.00, Customer %d wrote:\r\n> my order arrived damaged\r\n",
		j, j, mailUser, 70000+j, j, j, j, j)
}

// mailFloor inserts n case documents (as a mail's case is built) with the raw driver from
// mailFloorWriters goroutines into a scratch collection, and drops it.
func mailFloor(ctx context.Context, db *floorDB, n int) (time.Duration, error) {
	coll := db.st.Database().Collection(scratchCollection)
	if err := coll.Drop(ctx); err != nil {
		return 0, err
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, mailFloorWriters)
	t0 := time.Now()
	for w := range mailFloorWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || errs[w] != nil {
					return
				}
				c := models.NewCase(models.FormatReference(now.Year(), int64(i)+1), models.CaseCreate{Subject: fmt.Sprintf("Order %d arrived damaged", i),
					Description: "my order arrived with the box torn and the kettle dented. I would like a replacement or my money back.",
					Customer:    models.CustomerCreate{Name: fmt.Sprintf("Customer %d", i), Email: fmt.Sprintf("c%d@bench.example", i)}, Channel: models.ChannelEmail}, models.Actor{}, now)
				_, errs[w] = coll.InsertOne(ctx, c)
			}
		}()
	}
	wg.Wait()
	d := time.Since(t0)
	return d, errors.Join(append(errs, coll.Drop(ctx))...)
}

type benchMailbox struct {
	ID     string `json:"id"`
	Status struct {
		LastUID   uint32 `json:"last_uid"`
		Fetched   int64  `json:"fetched"`
		LastError string `json:"last_error"`
	} `json:"status"`
}

func connectMailbox(ctx context.Context, c *child, srv *imaptest.Server) (*benchMailbox, *session, error) {
	base := "http://" + c.addr
	sess, err := login(ctx, base, adminEmail, adminPassword)
	if err != nil {
		return nil, nil, err
	}
	var out struct{ Data benchMailbox }
	err = sess.call(ctx, "POST", base+"/api/v1/mailboxes", map[string]any{"name": "Bench", "address": mailUser, "host": srv.Host(),
		"port": srv.Port(), "tls": "none", "username": mailUser, "password": mailPassword}, 201, &out)
	return &out.Data, sess, err
}

// waitFiled polls the mailbox's state until its last UID is want; with stopAt > 0 it returns
// once at least stopAt are filed (the number in *filed). With splitAt set, it notes when the
// last UID first reached split.
func waitFiled(ctx context.Context, sess *session, c *child, box *benchMailbox, want uint32, stopAt int64, filed *int64, split uint32, splitAt *time.Time) error {
	url := "http://" + c.addr + "/api/v1/mailboxes/" + box.ID
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		var out struct{ Data benchMailbox }
		if err := sess.call(ctx, "GET", url, nil, 200, &out); err != nil {
			return err
		}
		st := out.Data.Status
		if splitAt != nil && splitAt.IsZero() && st.LastUID >= split {
			*splitAt = time.Now()
		}
		if stopAt > 0 && st.Fetched >= stopAt {
			*filed = st.Fetched
			return nil
		}
		if stopAt == 0 && st.LastUID >= want {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond): // polling the state, bounded by the deadline
		}
	}
	return fmt.Errorf("mailbox not filed within 10 minutes")
}

// mailCrash is the crash run: SIGKILL a third of the way through, restart, check every mail
// was filed exactly once by reading the database raw.
func mailCrash(ctx context.Context, srv *imaptest.Server, dir string, rep *mailReport, logger *slog.Logger) error {
	t0 := time.Now()
	c, err := startServer(ctx, dir, serverOptions{env: []string{"KAIKU_MAIL_POLL_INTERVAL=1s"}})
	if err != nil {
		return err
	}
	box, sess, err := connectMailbox(ctx, c, srv)
	if err == nil {
		err = waitFiled(ctx, sess, c, box, 0, int64(rep.mails/3), &rep.killedAt, 0, nil)
	}
	_ = c.cmd.Process.Kill() // kill -9
	<-c.waitErr
	c.waitErr <- nil
	_ = c.stop()
	if err != nil {
		return err
	}
	c, err = startServer(ctx, dir, serverOptions{env: []string{"KAIKU_MAIL_POLL_INTERVAL=1s"}})
	if err != nil {
		return err
	}
	sess, err = login(ctx, "http://"+c.addr, adminEmail, adminPassword)
	if err == nil {
		err = waitFiled(ctx, sess, c, box, uint32(rep.mails), 0, nil, 0, nil)
	}
	rep.crashTotal = time.Since(t0)
	if serr := c.stop(); err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	fdb, err := openFloorDB(ctx, dir, logger)
	if err != nil {
		return err
	}
	defer fdb.close()
	rep.check, err = checkFiledOnce(ctx, fdb, rep)
	return err
}

// checkFiledOnce reads every case and key raw: each complaint's sender has exactly one case,
// each reply is exactly one customer message in its sender's case, each mail one key.
func checkFiledOnce(ctx context.Context, db *floorDB, rep *mailReport) (string, error) {
	cur, err := db.st.Database().Collection("cases").Find(ctx, bson.D{})
	if err != nil {
		return "", err
	}
	var cases []models.Case
	if err := cur.All(ctx, &cases); err != nil {
		return "", err
	}
	perSender := map[string]int{}
	replies := 0
	for _, c := range cases {
		if c.Channel != models.ChannelEmail {
			continue
		}
		perSender[c.Customer.Email]++
		for _, m := range c.Messages {
			if m.Kind == models.MessageCustomer {
				replies++
			}
		}
	}
	// The keys live in another file of the embedded database than the cases: count them in
	// whichever holds them.
	var keys int64
	for _, name := range store.DatabaseNames(dbName) {
		n, err := db.st.Database().Client().Database(name).Collection("mail_in_keys").CountDocuments(ctx, bson.D{})
		if err != nil {
			return "", err
		}
		keys += n
	}
	twice := 0
	for _, n := range perSender {
		if n != 1 {
			twice++
		}
	}
	if len(perSender) != rep.complaints || twice != 0 || replies != rep.mails-rep.complaints || int(keys) != rep.mails {
		return "", fmt.Errorf("not filed exactly once: %d senders with a case (want %d), %d with more than one, %d replies (want %d), %d keys (want %d)",
			len(perSender), rep.complaints, twice, replies, rep.mails-rep.complaints, keys, rep.mails)
	}
	return fmt.Sprintf("every mail filed exactly once (%d cases, %d replies, %d keys)", len(perSender), replies, keys), nil
}
