package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
)

// commandTally counts the server child's database commands by name and collection, with the
// time each kind took, so a run shows which writes a complaint costs (-server-commands).
type commandTally struct {
	mu      sync.Mutex
	started map[int64]string // request id -> "command collection"
	kinds   map[string]*commandKind
	since   time.Time
}

type commandKind struct {
	count int
	total time.Duration
	docs  int // documents sent by insert commands
}

func newCommandTally() *commandTally {
	return &commandTally{started: map[int64]string{}, kinds: map[string]*commandKind{}}
}

// reset forgets what start-up issued: the tally covers the run from ready on.
func (t *commandTally) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.kinds = map[string]*commandKind{}
	t.since = time.Now()
}

func (t *commandTally) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{
		Started: func(_ context.Context, e *event.CommandStartedEvent) {
			key := e.CommandName
			if coll, ok := e.Command.Lookup(e.CommandName).StringValueOK(); ok {
				key += " " + coll
			}
			docs := 0
			if e.CommandName == "insert" {
				if arr, ok := e.Command.Lookup("documents").ArrayOK(); ok {
					vals, _ := arr.Values()
					docs = len(vals)
				}
			}
			t.mu.Lock()
			t.started[e.RequestID] = key
			if docs > 0 {
				t.kind(key).docs += docs
			}
			t.mu.Unlock()
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) { t.finish(e.RequestID, e.Duration) },
		Failed:    func(_ context.Context, e *event.CommandFailedEvent) { t.finish(e.RequestID, e.Duration) },
	}
}

func (t *commandTally) kind(key string) *commandKind {
	k := t.kinds[key]
	if k == nil {
		k = &commandKind{}
		t.kinds[key] = k
	}
	return k
}

func (t *commandTally) finish(id int64, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	key, ok := t.started[id]
	if !ok {
		return
	}
	delete(t.started, id)
	k := t.kind(key)
	k.count++
	k.total += d
}

// write prints the kinds, the most time-consuming first.
func (t *commandTally) write(w io.Writer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := make([]string, 0, len(t.kinds))
	for k := range t.kinds {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return t.kinds[keys[i]].total > t.kinds[keys[j]].total })
	fmt.Fprintf(w, "database commands over %.1fs (wall time summed over concurrent commands)\n", time.Since(t.since).Seconds())
	fmt.Fprintf(w, "%-40s %8s %10s %9s %8s\n", "command collection", "count", "total", "mean", "docs")
	for _, key := range keys {
		k := t.kinds[key]
		mean := time.Duration(0)
		if k.count > 0 {
			mean = k.total / time.Duration(k.count)
		}
		fmt.Fprintf(w, "%-40s %8d %9.2fs %9s %8d\n", key, k.count, k.total.Seconds(), mean.Round(time.Microsecond), k.docs)
	}
}
