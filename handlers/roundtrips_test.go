package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// commandLog counts the commands a test sends, by command and collection.
type commandLog struct {
	mu     sync.Mutex
	counts map[string]int
}

func (l *commandLog) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		coll := ""
		if v, err := e.Command.LookupErr(e.CommandName); err == nil {
			coll, _ = v.StringValueOK()
		}
		l.mu.Lock()
		l.counts[e.CommandName+" "+coll]++
		l.mu.Unlock()
	}}
}

func (l *commandLog) take() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.counts
	l.counts = map[string]int{}
	return out
}

// Filing complaints at once reads no settings from the database (rules, SLA policies and
// categories come from snapshots). Without SMTP the acknowledgements go straight to the outbox
// and are listed among the recent mail in a fixed number of round trips for the whole batch,
// not per message.
func TestIntakeRoundTrips(t *testing.T) {
	log := &commandLog{counts: map[string]int{}}
	s := newStackWith(t, store.Options{SingleWriter: true, Monitor: log.monitor()})
	_ = s.file(t, complaintJSON, nil) // loads the snapshots
	if _, err := s.mailer.ProcessDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	log.take()
	const n = 15 // under the per-address limit
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body := strings.Replace(complaintJSON, "aino@", fmt.Sprintf("aino%d@", i), 1)
			s.file(t, body, map[string]string{"Idempotency-Key": fmt.Sprint(i)})
		}(i)
	}
	wg.Wait()
	filed := log.take()
	for cmd, count := range filed {
		if strings.HasPrefix(cmd, "find ") && cmd != "find rate_limits" {
			t.Errorf("filing read %s %d times", cmd, count)
		}
	}
	if filed["insert cases"] == 0 || filed["insert mail_outbox"] == 0 || filed["insert mail_queue"] != 0 {
		t.Fatalf("want cases and mail in the outbox, none queued: %v", filed)
	}
	// A new case carries its tracking token's hash: no link document is written.
	if filed["insert tracking"] != 0 {
		t.Errorf("filing wrote %d tracking link documents", filed["insert tracking"])
	}
	if _, err := s.mailer.ProcessDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	listed := log.take()
	total := 0
	for _, count := range listed {
		total += count
	}
	if total > 4 || listed["update mail_outbox_recent"] != 1 {
		t.Fatalf("listing %d acknowledgements took %d commands: %v", n, total, listed)
	}
	recent, err := s.mailer.ListOutbox(context.Background(), 0)
	if err != nil || len(recent) != n+1 {
		t.Fatalf("the outbox lists %d messages (%v), want %d", len(recent), err, n+1)
	}
}

// What follows a stored case goes out in one round after the rule's in-app notification is
// stored: its mails and event, the acknowledgement and the live update share their group
// commits, so the rule adds no round trip of its own to the mail or the events.
func TestRuleNotificationsShareTheAcknowledgementsRound(t *testing.T) {
	log := &commandLog{counts: map[string]int{}}
	s := newStackWith(t, store.Options{SingleWriter: true, Monitor: log.monitor()})
	rule := `{"name":"Tell the managers","trigger":{"type":"case_created"},"match":"all","conditions":[],
	  "actions":[{"type":"notify","role":"managers","channels":["app","email"],"message":"New complaint"}]}`
	if res := s.do(s.logins["manager"], "POST", "/api/v1/rules", rule, nil); res.status != 201 {
		t.Fatalf("create rule: %d %s", res.status, res.body)
	}
	_ = s.file(t, complaintJSON, nil) // loads the snapshots
	log.take()
	r := s.file(t, strings.Replace(complaintJSON, "aino@", "second@", 1), nil)
	filed := log.take()
	if filed["insert notifications"] == 0 {
		t.Fatalf("the rule did not notify: %v", filed)
	}
	// The notification is stored first (a bell reloading on its event must find it); then one
	// mail insert for the acknowledgement and the notification mails, and one event page for
	// the new case and the notification.
	if filed["insert mail_outbox"] != 1 || filed["insert notifications"] != 1 || filed["insert events"] != 1 {
		t.Fatalf("filing %s took %d mail inserts, %d notification inserts and %d event pages, want 1 each: %v",
			r.Data.Reference, filed["insert mail_outbox"], filed["insert notifications"], filed["insert events"], filed)
	}
	if _, err := s.mailer.ProcessDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	recent, err := s.mailer.ListOutbox(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{} // mail kind -> messages for this case
	for _, m := range recent {
		if m.CaseID == r.Data.Reference {
			kinds[m.Kind]++
		}
	}
	if kinds[mail.KindAck] != 1 || kinds[mail.KindNotification] < 2 {
		t.Fatalf("mail for %s: %v, want the acknowledgement and a notification per manager and admin", r.Data.Reference, kinds)
	}
}
