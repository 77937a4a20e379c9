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
	"io"
	"math/rand/v2"
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

// Deps are the use cases the demo drives, built on Clock.
type Deps struct {
	Helpdesk  *helpdesk.Helpdesk
	Scheduler *helpdesk.Scheduler
	Store     Store
	Clock     *Clock
	// Progress hears a line now and then; nil: silence.
	Progress io.Writer
}

// Options shape the demo.
type Options struct {
	// End is the demo's "now": nothing happens after it. Days is how far back the first
	// case is (default 90).
	End  time.Time
	Days int
	// Seed makes the handling repeatable (the texts are the data's, in its order).
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

// SweepEvery is how often the demo's scheduler looks for due SLA events and follow-up checks:
// an event fires at most this late.
const SweepEvery = 2 * time.Hour

// Fill files the data into an empty installation.
func Fill(ctx context.Context, d Deps, data *Data, opt Options) (*Summary, error) {
	if opt.Days <= 0 {
		opt.Days = 90
	}
	if len(opt.StaffPassword) < 10 {
		return nil, errors.New("demo: the staff password needs at least 10 characters")
	}
	admin, err := checkEmpty(ctx, d.Store)
	if err != nil {
		return nil, err
	}
	start := opt.End.Add(-time.Duration(opt.Days) * 24 * time.Hour)
	d.Clock.Set(start.Add(-time.Hour))
	r := &runner{d: d, rnd: rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x5eed)), end: opt.End, start: start,
		admin: &helpdesk.Principal{User: admin}}
	if err := r.setUp(ctx, opt.StaffPassword); err != nil {
		return nil, fmt.Errorf("demo set-up: %w", err)
	}
	r.planComplaints(data.Complaints)
	r.planReviews(data.Reviews)
	for t := start.Truncate(SweepEvery).Add(SweepEvery); t.Before(opt.End); t = t.Add(SweepEvery) {
		r.at(t, r.sweep)
	}
	if err := r.run(ctx); err != nil {
		return nil, err
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

// step is one thing that happens at a time.
type step struct {
	at  time.Time
	seq int // ties keep the order they were planned in
	do  func(ctx context.Context) error
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

// runner carries the demo through time.
type runner struct {
	d          Deps
	rnd        *rand.Rand
	start, end time.Time
	queue      steps
	seq        int
	sum        Summary
	admin      *helpdesk.Principal
	teams      map[string]*models.Team // by key: front, payments, guests
	agents     map[string][]*helpdesk.Principal
	managers   []*helpdesk.Principal
	source     reviewSource
	pending    map[int64]*delivery                // review deliveries by their time (unix seconds)
	piles      map[int64]map[string][]*reviewCase // good reviews to close, by time and agent
}

// at plans fn at t; steps after the end are left out (the case stays where it got to).
func (r *runner) at(t time.Time, fn func(ctx context.Context) error) {
	if !t.Before(r.end) {
		return
	}
	r.seq++
	heap.Push(&r.queue, step{at: t.Truncate(time.Second), seq: r.seq, do: fn})
}

// run carries out the steps in time order. A step may plan further ones (a case's next step
// once the previous one tells what came of it).
func (r *runner) run(ctx context.Context) error {
	began := time.Now()
	total := 0
	for r.queue.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		s := heap.Pop(&r.queue).(step)
		r.d.Clock.Set(s.at)
		if err := s.do(ctx); err != nil {
			return fmt.Errorf("demo step at %s: %w", s.at.Format(time.RFC3339), err)
		}
		total++
		if r.d.Progress != nil && total%1000 == 0 {
			fmt.Fprintf(r.d.Progress, "  %d steps, up to %s (%.0f s)\n", total, s.at.Format("2 Jan"), time.Since(began).Seconds())
		}
	}
	r.sum.Steps = total
	return nil
}

// sweep fires what is due: SLA warnings and breaches, follow-up questions and their expiry.
func (r *runner) sweep(ctx context.Context) error {
	for range 3 { // a sweep walks at most a day; the demo's sweeps are far more often
		n, err := r.d.Scheduler.Sweep(ctx)
		if err != nil || n == 0 {
			return err
		}
	}
	return nil
}

// between is a random duration in [lo, hi).
func (r *runner) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(r.rnd.Int64N(int64(hi-lo)))
}

// chance is true with probability p.
func (r *runner) chance(p float64) bool { return r.rnd.Float64() < p }

// pick is one of xs.
func pick[T any](r *runner, xs []T) T { return xs[r.rnd.IntN(len(xs))] }

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
