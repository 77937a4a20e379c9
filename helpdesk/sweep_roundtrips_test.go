package helpdesk_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// commands records what a test sends to the database: each command with its collection, and
// the filters of reads and writes that are not exactly {_id: value} (which FerretDB would
// answer by scanning the collection).
type commands struct {
	mu     sync.Mutex
	on     bool
	counts map[string]int
	scans  []string
}

func (l *commands) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if !l.on {
			return
		}
		coll, _ := e.Command.Lookup(e.CommandName).StringValueOK()
		key := e.CommandName + " " + coll
		l.counts[key]++
		var filters []bson.Raw
		switch e.CommandName {
		case "find":
			filters = append(filters, e.Command.Lookup("filter").Document())
		case "findAndModify":
			filters = append(filters, e.Command.Lookup("query").Document())
		case "update", "delete":
			list := "updates"
			if e.CommandName == "delete" {
				list = "deletes"
			}
			vals, _ := e.Command.Lookup(list).Array().Values()
			for _, v := range vals {
				filters = append(filters, v.Document().Lookup("q").Document())
			}
		}
		if key == "find rules" || key == "find sla_policies" {
			filters = nil // the snapshots of these small collections (a handful of documents)
		}
		for _, f := range filters {
			elems, _ := f.Elements()
			if len(elems) != 1 || elems[0].Key() != "_id" || elems[0].Value().Type != bson.TypeString {
				l.scans = append(l.scans, key+" "+f.String())
			}
		}
	}}
}

func (l *commands) start() {
	l.mu.Lock()
	l.on, l.counts, l.scans = true, map[string]int{}, nil
	l.mu.Unlock()
}

func (l *commands) stop() (map[string]int, []string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	total := 0
	for _, n := range l.counts {
		total += n
	}
	return l.counts, l.scans, total
}

// A sweep reads only by _id however many timers there are: with 2,000 cases' timers pending
// and none due it sends a handful of commands; firing sends a bounded number per case.
func TestSweepReadsOnlyByID(t *testing.T) {
	ctx := context.Background()
	log := &commands{}
	f := newSLAFixtureWith(t, log.monitor())
	pol, err := f.env.Store.GetSLAPolicy(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	// 2,000 urgent cases filed over the past hours, stored in bulk with their timers.
	file := func(n int, from time.Time, step time.Duration, seq int) {
		docs := make([]any, 0, n)
		due := map[string]time.Time{}
		for i := 0; i < n; i++ {
			at := from.Add(time.Duration(i) * step)
			c := models.NewCase(models.FormatReference(2026, int64(seq+i)), newCase("bulk"), models.Actor{}, at)
			c.Priority = models.PriorityUrgent
			c.StartIdlePeriod(at)
			c.StartSLA(*pol, at)
			c.NextTimerAt = c.NextSLAEventAt
			docs = append(docs, c)
			due[c.ID] = *c.NextTimerAt
		}
		if _, err := f.env.Store.Database().Collection("cases").InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
		if err := f.env.Store.SetSLATimers(ctx, due); err != nil {
			t.Fatal(err)
		}
	}
	file(2000, monday9, 20*time.Second, 1) // warnings from 09:45 on, every 20 s
	sc := f.scheduler("a")
	f.set(monday9.Add(30 * time.Minute))
	f.sweep(t, sc) // makes the cursor (the one sweep that looks at every head)

	f.set(monday9.Add(31 * time.Minute))
	log.start()
	if n := f.sweep(t, sc); n != 0 {
		t.Fatalf("fired %d", n)
	}
	counts, scans, total := log.stop()
	if len(scans) > 0 || total > 8 {
		t.Fatalf("an idle sweep sent %d commands %v, not by _id: %v", total, counts, scans)
	}

	f.set(monday9.Add(45*time.Minute + 59*time.Second)) // the first three warnings are due
	log.start()
	if n := f.sweep(t, sc); n != 3 {
		t.Fatalf("fired %d, want 3", n)
	}
	counts, scans, total = log.stop()
	if len(scans) > 0 {
		t.Fatalf("firing read or wrote not by _id: %v", scans)
	}
	// Each firing reads its case once and writes it once (with its event, index mark and next
	// timer); the rest is the walk over the 15 minutes since the last sweep.
	if counts["find cases"] != 3 || counts["update cases"] != 3 || total > 60 {
		t.Fatalf("%d commands for 3 firings: %v", total, counts)
	}
}
