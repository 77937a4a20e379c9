// Package demo fills an empty Kaiku with about a thousand real complaints and reviews spread
// over the last weeks, handled the way a team handles them: filed on the public form or
// delivered by a review source, claimed, answered, granted remedies within limits (or sent for
// approval), resolved, reopened now and then, and asked whether the fix held. Every step goes
// through the same use cases the web app calls, with the clock set to the step's time, so
// timelines, SLA clocks, follow-up checks and the index's measures agree with each other.
package demo

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// Clock is the demo's clock: the use cases read it, the demo moves it from step to step.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time (a helpdesk.Clock).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock; it never goes back, so timelines stay in order.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.t) {
		c.t = t
	}
}

// Store is what the demo reads of the store to tell an empty installation.
type Store interface {
	CountCases(ctx context.Context) (int64, error)
	ListUsers(ctx context.Context) ([]models.User, error)
	ListTeams(ctx context.Context) ([]models.Team, error)
}

// Deps are how the demo builds the use cases it drives.
type Deps struct {
	// Replica builds the use cases on a clock of their own, all on the same store and index,
	// as a replica of the server would be: the demo's workers each have one, so cases are
	// handled side by side, each step at its own time.
	Replica func(clock helpdesk.Clock) (*helpdesk.Helpdesk, error)
	// Scheduler builds the SLA and follow-up scheduler on a replica and its clock.
	Scheduler func(hd *helpdesk.Helpdesk, clock helpdesk.Clock) *helpdesk.Scheduler
	Store     Store
	// StoreClock is the store's own clock (it lays out the timers by it); the demo keeps it
	// at the start of the stretch of time being worked.
	StoreClock *Clock
	// Workers is how many cases are worked at once (default 8).
	Workers int
	// Progress hears a line now and then; nil: silence.
	Progress io.Writer
}

// Options shape the demo.
type Options struct {
	// End is the demo's "now": nothing happens after it. Days is how far back the first
	// case is (default 90).
	End  time.Time
	Days int
	// Seed makes the plan repeatable (the texts are the data's, in its order).
	Seed uint64
	// StaffPassword is the demo colleagues' password (at least 10 characters).
	StaffPassword string
}

// Summary is what the demo did.
type Summary struct {
	Complaints, Reviews, Replies, Resolved, Grants, Approvals, FollowUpAnswers, Reopened, Steps int
	Staff                                                                                       []models.User
}

// ErrNotEmpty is the refusal on an installation that holds cases or colleagues already.
var ErrNotEmpty = errors.New("this installation is not empty: the demo fills only a new one (no cases, no teams, no users but the first admin); start it on an empty data directory, e.g. --data-dir ./demo-data")

// SweepEvery is how often the demo's scheduler looks for due SLA events and follow-up checks
// (an event fires at most this late; its timeline entry carries the instant it was due). It is
// also the stretch of time the workers handle side by side between two sweeps.
const SweepEvery = 3 * time.Hour

// Fill files the data into an empty installation.
func Fill(ctx context.Context, d Deps, data *Data, opt Options) (*Summary, error) {
	if opt.Days <= 0 {
		opt.Days = 90
	}
	if d.Workers <= 0 {
		d.Workers = 8
	}
	if len(opt.StaffPassword) < 10 {
		return nil, errors.New("demo: the staff password needs at least 10 characters")
	}
	admin, err := checkEmpty(ctx, d.Store)
	if err != nil {
		return nil, err
	}
	start := opt.End.Add(-time.Duration(opt.Days) * 24 * time.Hour)
	r := &runner{d: d, rnd: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x5eed)), end: opt.End, start: start,
		admin: &helpdesk.Principal{User: admin}}
	r.cond = sync.NewCond(&r.mu)
	for i := range d.Workers + 1 { // the last one is the scheduler's
		clock := NewClock(start.Add(-time.Hour))
		hd, err := d.Replica(clock.Now)
		if err != nil {
			return nil, err
		}
		w := &worker{hd: hd, clock: clock, rnd: rand.New(rand.NewPCG(opt.Seed+uint64(i)+1, opt.Seed^0xd1ce))}
		if i < d.Workers {
			r.workers = append(r.workers, w)
		} else {
			r.sweeper = w
			r.scheduler = d.Scheduler(hd, clock.Now)
		}
	}
	d.StoreClock.Set(start.Add(-time.Hour))
	if err := r.setUp(ctx, r.workers[0], opt.StaffPassword); err != nil {
		return nil, fmt.Errorf("demo set-up: %w", err)
	}
	r.planComplaints(data.Complaints)
	r.planReviews(data.Reviews)
	if err := r.run(ctx); err != nil {
		return nil, err
	}
	// Each replica's index writes on disk and their cases' marks cleared, so the server's
	// start finds nothing to index again.
	for _, w := range append(slices.Clip(r.workers), r.sweeper) {
		if err := w.hd.Cases.Settle(ctx); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		if err := w.hd.Indexer.ClearFlushedMarks(ctx); err != nil {
			return nil, fmt.Errorf("demo: index: %w", err)
		}
	}
	r.sum.Staff = r.staffUsers()
	return &r.sum, nil
}

// checkEmpty returns the first admin of an installation with no cases, no teams and no other
// users, and refuses any other.
func checkEmpty(ctx context.Context, st Store) (*models.User, error) {
	n, err := st.CountCases(ctx)
	if err != nil {
		return nil, err
	}
	users, err := st.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	teams, err := st.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 || len(teams) > 0 || len(users) != 1 || users[0].Role != models.RoleAdmin {
		return nil, ErrNotEmpty
	}
	return &users[0], nil
}

// step is one thing that happens at a time, to the case (or batch) key names.
type step struct {
	at  time.Time
	seq int // ties keep the order they were planned in
	key string
	do  func(ctx context.Context, w *worker) error
}

type steps []step

func (s steps) Len() int { return len(s) }
func (s steps) Less(i, j int) bool {
	if !s[i].at.Equal(s[j].at) {
		return s[i].at.Before(s[j].at)
	}
	return s[i].seq < s[j].seq
}
func (s steps) Swap(i, j int) { s[i], s[j] = s[j], s[i] }
func (s *steps) Push(x any)   { *s = append(*s, x.(step)) }
func (s *steps) Pop() any {
	old := *s
	x := old[len(old)-1]
	*s = old[:len(old)-1]
	return x
}

// worker is one replica of the use cases with its own clock: it carries out the steps of the
// cases whose keys fall to it, in time order.
type worker struct {
	hd    *helpdesk.Helpdesk
	clock *Clock
	rnd   *rand.Rand
	queue steps // this stretch's steps
}

// runner carries the demo through time.
type runner struct {
	d          Deps
	rnd        *rand.Rand // for planning, before the workers start
	start, end time.Time
	admin      *helpdesk.Principal
	teams      map[string]*models.Team // by key: front, payments, guests
	agents     map[string][]*helpdesk.Principal
	managers   []*helpdesk.Principal
	source     reviewSource
	workers    []*worker
	sweeper    *worker
	scheduler  *helpdesk.Scheduler
	swept      time.Time // the time of the last sweep

	mu      sync.Mutex // guards what follows
	cond    *sync.Cond
	queue   steps // steps after the current stretch
	seq     int
	stretch time.Time // the end of the stretch being worked; zero between stretches
	busy    int       // workers in a step
	err     error
	sum     Summary
	pending map[int64]*delivery                // review deliveries by their time (unix seconds)
	piles   map[int64]map[string][]*reviewCase // good reviews to close, by time and agent
}

// at plans fn at t for key; steps after the end are left out (the case stays where it got to).
// A step inside the stretch being worked goes straight to its worker.
func (r *runner) at(t time.Time, key string, fn func(ctx context.Context, w *worker) error) {
	if !t.Before(r.end) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	s := step{at: t.Truncate(time.Second), seq: r.seq, key: key, do: fn}
	if !r.stretch.IsZero() && s.at.Before(r.stretch) {
		heap.Push(&r.workerOf(key).queue, s)
		r.cond.Broadcast()
		return
	}
	heap.Push(&r.queue, s)
}

// workerOf is the worker that handles key: always the same one, so a case's steps keep their
// order.
func (r *runner) workerOf(key string) *worker {
	h := fnv.New32a()
	h.Write([]byte(key))
	return r.workers[h.Sum32()%uint32(len(r.workers))]
}

// count adds one to a summary figure.
func (r *runner) count(field *int) {
	r.mu.Lock()
	*field++
	r.mu.Unlock()
}

// run works the steps stretch by stretch: a sweep of the scheduler at the stretch's start,
// then every worker its own steps of the stretch in time order, side by side. A step may plan
// further ones (a case's next step once the previous one tells what came of it).
func (r *runner) run(ctx context.Context) error {
	began := time.Now()
	total, reported := 0, 0
	for {
		r.mu.Lock()
		if r.queue.Len() == 0 {
			r.mu.Unlock()
			break
		}
		from := r.queue[0].at.Truncate(SweepEvery)
		r.stretch = from.Add(SweepEvery)
		for r.queue.Len() > 0 && r.queue[0].at.Before(r.stretch) {
			s := heap.Pop(&r.queue).(step)
			heap.Push(&r.workerOf(s.key).queue, s)
		}
		r.mu.Unlock()
		if err := ctx.Err(); err != nil {
			return err
		}
		r.d.StoreClock.Set(from)
		if err := r.sweep(ctx, from); err != nil {
			return fmt.Errorf("demo sweep at %s: %w", from.Format(time.RFC3339), err)
		}
		var wg sync.WaitGroup
		counts := make([]int, len(r.workers))
		for i, w := range r.workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				counts[i] = r.work(ctx, w)
			}()
		}
		wg.Wait()
		r.mu.Lock()
		r.stretch = time.Time{}
		err := r.err
		r.mu.Unlock()
		if err != nil {
			return err
		}
		for _, n := range counts {
			total += n
		}
		if r.d.Progress != nil && total-reported >= 1000 {
			reported = total
			fmt.Fprintf(r.d.Progress, "  %d steps, up to %s (%.0f s)\n", total, from.Format("2 Jan"), time.Since(began).Seconds())
		}
	}
	r.d.StoreClock.Set(r.end)
	if err := r.sweep(ctx, r.end); err != nil {
		return err
	}
	r.sum.Steps = total
	return nil
}

// work carries out w's steps of the stretch, and those other workers' steps hand it, until
// every worker is done with the stretch. It returns how many steps it did.
func (r *runner) work(ctx context.Context, w *worker) int {
	done := 0
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.err == nil {
		if w.queue.Len() > 0 {
			s := heap.Pop(&w.queue).(step)
			r.busy++
			r.mu.Unlock()
			w.clock.Set(s.at)
			err := s.do(ctx, w)
			r.mu.Lock()
			r.busy--
			done++
			if err != nil && r.err == nil {
				r.err = fmt.Errorf("demo step at %s: %w", s.at.Format(time.RFC3339), err)
			}
			r.cond.Broadcast()
			continue
		}
		if r.busy == 0 && !r.anyQueued() {
			break
		}
		r.cond.Wait()
	}
	r.cond.Broadcast()
	return done
}

func (r *runner) anyQueued() bool {
	for _, w := range r.workers {
		if w.queue.Len() > 0 {
			return true
		}
	}
	return false
}

// sweep fires what is due at t: SLA warnings and breaches, follow-up questions and their
// expiry.
func (r *runner) sweep(ctx context.Context, t time.Time) error {
	r.sweeper.clock.Set(t)
	// A sweep walks at most a day of timers, and a quiet day fires nothing though a later one
	// would: so the sweeps walk every day since the last sweep, then on while they fire. (Stopping
	// at the first sweep that fired nothing left a warning due after a quiet day to the next
	// stretch, after the agent's reply that met its clock.)
	days := 1
	if !r.swept.IsZero() {
		days = int(t.Sub(r.swept)/(24*time.Hour)) + 1
	}
	defer func() { r.swept = t }()
	for i := range 100 + days {
		n, err := r.scheduler.Sweep(ctx)
		if err != nil {
			return err
		}
		// Checks asked in bulk reach their cases in the fold (beside the sweeps when serving).
		if _, err := r.scheduler.FoldFollowUps(ctx); err != nil || (n == 0 && i+1 >= days) {
			return err
		}
	}
	return nil
}

// between is a random duration in [lo, hi).
func (w *worker) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(w.rnd.Int64N(int64(hi-lo)))
}

// chance is true with probability p.
func (w *worker) chance(p float64) bool { return w.rnd.Float64() < p }

func (r *runner) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(r.rnd.Int64N(int64(hi-lo)))
}

func (r *runner) chance(p float64) bool { return r.rnd.Float64() < p }

// pick is one of xs.
func pick[T any](rnd *rand.Rand, xs []T) T { return xs[rnd.IntN(len(xs))] }

// workingTime moves t into the team's working hours (8-18 UTC on weekdays, 10-16 on
// weekends), so answers come when people are at work.
func workingTime(t time.Time) time.Time {
	from, to := 8, 18
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		from, to = 10, 16
	}
	switch h := t.Hour(); {
	case h < from:
		return time.Date(t.Year(), t.Month(), t.Day(), from, t.Minute(), 0, 0, t.Location())
	case h >= to:
		next := t.AddDate(0, 0, 1)
		return workingTime(time.Date(next.Year(), next.Month(), next.Day(), 0, t.Minute(), 0, 0, t.Location()))
	}
	return t
}
