package handlers_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/event"

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
// categories come from snapshots) and moves their acknowledgements to the outbox in a fixed
// number of round trips for the whole batch, not per message.
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
	if filed["insert cases"] == 0 || filed["insert mail_queue"] == 0 {
		t.Fatalf("nothing filed? %v", filed)
	}
	// A new case carries its tracking token's hash: no link document is written.
	if filed["insert tracking"] != 0 {
		t.Errorf("filing wrote %d tracking link documents", filed["insert tracking"])
	}
	if _, err := s.mailer.ProcessDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	mailed := log.take()
	total := 0
	for _, count := range mailed {
		total += count
	}
	if total > 8 || mailed["insert mail_outbox"] != 1 || mailed["delete mail_queue"] != 1 {
		t.Fatalf("moving %d acknowledgements to the outbox took %d commands: %v", n, total, mailed)
	}
}
