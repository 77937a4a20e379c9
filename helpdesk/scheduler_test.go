package helpdesk_test

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// slaFixture is a helpdesk on a real database and index, with a settable clock.
type slaFixture struct {
	env     *storetest.Env
	cases   *helpdesk.Cases
	intake  *helpdesk.Intake
	conv    *helpdesk.Conversation
	sla     *helpdesk.SLA
	rules   *helpdesk.Rules
	ev      *helpdesk.Events
	agent   *helpdesk.Principal
	manager *helpdesk.Principal
	clock   *atomic.Value
	log     *slog.Logger
	// followUps and mailer: the follow-up check and promises, and the outbox their mails go to.
	followUps *helpdesk.FollowUps
	mailer    *mail.Mailer
}

// monday9 is Monday 2 March 2026, 09:00 in Helsinki: inside the default calendar's hours.
var monday9 = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)

func newSLAFixture(t *testing.T) *slaFixture { return newSLAFixtureTB(t) }

func newSLAFixtureTB(t testing.TB) *slaFixture { return newSLAFixtureWith(t, nil) }

// newSLAFixtureWith lets monitor see every database command.
func newSLAFixtureWith(t testing.TB, monitor *event.CommandMonitor) *slaFixture {
	clock := &atomic.Value{}
	clock.Store(monday9)
	now := func() time.Time { return clock.Load().(time.Time) }
	// Timers choose their minute by the store's clock, which must be the scheduler's.
	env := storetest.StartWith(t, t.TempDir(), store.Options{SingleWriter: true, Now: now, Monitor: monitor})
	idx, err := search.OpenBleve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	hd, mailer, logger := newHelpdesk(t, env, idx, now, mail.Config{})
	return &slaFixture{env: env, cases: hd.Cases, intake: hd.Intake, conv: hd.Conversation, sla: hd.SLA, ev: hd.Events, rules: hd.Rules,
		agent:   &helpdesk.Principal{User: storetest.NewUser()},
		manager: &helpdesk.Principal{User: storetest.NewUser(storetest.WithRole(models.RoleManager))},
		clock:   clock, log: logger, followUps: hd.FollowUps, mailer: mailer}
}

// timersOf returns the timer entries of a case, soonest first.
func (f *slaFixture) timersOf(t testing.TB, id string) []time.Time {
	t.Helper()
	all, err := f.env.Store.PendingTimers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return all[id]
}

func (f *slaFixture) set(t time.Time) { f.clock.Store(t) }
func (f *slaFixture) now() time.Time  { return f.clock.Load().(time.Time) }

func (f *slaFixture) scheduler(owner string) *helpdesk.Scheduler {
	return helpdesk.NewScheduler(f.env.Store, f.cases, f.ev, f.log, f.now, owner)
}

func TestSchedulerFiresWarningAndBreachOnTime(t *testing.T) {
	ctx := context.Background()
	f := newSLAFixture(t)
	prio := models.PriorityUrgent // first response 1 business hour, warning at 45 min
	req := newCase("urgent thing")
	req.Priority = prio
	c, err := f.cases.Create(ctx, f.agent, req)
	if err != nil {
		t.Fatal(err)
	}
	if c.DueAt == nil || !c.DueAt.Equal(monday9.Add(time.Hour)) {
		t.Fatalf("due %v", c.DueAt)
	}
	sc := f.scheduler("a")
	var heard []models.SLAEvent
	sc.OnSLAEvent(func(_ context.Context, _ *models.Case, evs []models.SLAEvent) { heard = append(heard, evs...) })

	f.set(monday9.Add(44 * time.Minute))
	if n, _ := sc.Sweep(ctx); n != 0 {
		t.Fatalf("fired %d before the warning point", n)
	}
	f.set(monday9.Add(45 * time.Minute))
	if n, _ := sc.Sweep(ctx); n != 1 || heard[0].Type != models.SLAEventWarned {
		t.Fatalf("at the warning point: fired %d %+v", n, heard)
	}
	if n, _ := sc.Sweep(ctx); n != 0 {
		t.Fatal("the warning fired twice")
	}
	f.set(monday9.Add(61 * time.Minute))
	if n, _ := sc.Sweep(ctx); n != 1 || heard[1].Type != models.SLAEventBreached {
		t.Fatalf("after due: %d %+v", n, heard)
	}
	stored, _ := f.env.Store.GetCase(ctx, c.ID)
	if stored.SLAStatus(f.now()) != models.SLAStatusBreached {
		t.Fatalf("status %q", stored.SLAStatus(f.now()))
	}
}

func TestTimersSurviveARestart(t *testing.T) {
	ctx := context.Background()
	f := newSLAFixture(t)
	req := newCase("waits over a restart")
	req.Priority = models.PriorityUrgent
	if _, err := f.cases.Create(ctx, f.agent, req); err != nil {
		t.Fatal(err)
	}
	// "Restart": a brand-new scheduler (no memory of the old one) after the due time.
	f.set(monday9.Add(2 * time.Hour))
	if n, err := f.scheduler("after-restart").Sweep(ctx); err != nil || n != 2 {
		t.Fatalf("after restart: fired %d (want warning and breach), err %v", n, err)
	}
}

func TestTwoSchedulersFireEachEventOnce(t *testing.T) {
	ctx := context.Background()
	f := newSLAFixture(t)
	const cases = 30
	for i := 0; i < cases; i++ {
		req := newCase("contended")
		req.Priority = models.PriorityUrgent
		if _, err := f.cases.Create(ctx, f.agent, req); err != nil {
			t.Fatal(err)
		}
	}
	f.set(monday9.Add(2 * time.Hour))
	var total atomic.Int64
	var mu sync.Mutex
	seen := map[string]int{}
	listen := func(_ context.Context, c *models.Case, evs []models.SLAEvent) {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range evs {
			seen[c.ID+"/"+string(e.Type)]++
		}
	}
	a, b := f.scheduler("replica-a"), f.scheduler("replica-b")
	a.OnSLAEvent(listen)
	b.OnSLAEvent(listen)
	var wg sync.WaitGroup
	for _, sc := range []*helpdesk.Scheduler{a, b} {
		wg.Add(1)
		go func(sc *helpdesk.Scheduler) {
			defer wg.Done()
			for i := 0; i < 3; i++ {
				n, err := sc.Sweep(ctx)
				if err != nil {
					t.Error(err)
				}
				total.Add(int64(n))
			}
		}(sc)
	}
	wg.Wait()
	if total.Load() != 2*cases {
		t.Fatalf("fired %d events, want %d (a warning and a breach per case)", total.Load(), 2*cases)
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("%s fired %d times", k, n)
		}
	}
	// The first-response clocks are done; each case keeps a timer, for its resolution clock.
	all, err := f.env.Store.PendingTimers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != cases {
		t.Fatalf("%d cases have timers, want %d (the resolution clocks)", len(all), cases)
	}
	for id, ts := range all {
		c, _ := f.env.Store.GetCase(ctx, id)
		if c.NextTimerAt == nil || len(ts) != 1 || !ts[0].Equal(*c.NextTimerAt) || !c.NextTimerAt.After(f.now()) {
			t.Fatalf("%s: timers %v, next %v", id, ts, c.NextTimerAt)
		}
	}
}

func TestRepliesAndWaitingMoveTheClocks(t *testing.T) {
	ctx := context.Background()
	f := newSLAFixture(t)
	c, err := f.cases.Create(ctx, f.agent, newCase("normal")) // normal: first response 8 business hours
	if err != nil {
		t.Fatal(err)
	}
	waiting := models.StatusWaiting
	f.set(monday9.Add(time.Hour))
	c, err = f.cases.Patch(ctx, f.agent, c.ID, models.CasePatch{Version: c.Version, Status: &waiting})
	if err != nil {
		t.Fatal(err)
	}
	if c.DueAt != nil {
		t.Fatalf("a case waiting on the customer has no running clock, due %v", c.DueAt)
	}
	if c.NextTimerAt != nil {
		t.Fatalf("a paused case asks for a timer at %v", c.NextTimerAt)
	}
	open := models.StatusOpen
	f.set(monday9.Add(3 * time.Hour))
	c, err = f.cases.Patch(ctx, f.agent, c.ID, models.CasePatch{Version: c.Version, Status: &open})
	if err != nil {
		t.Fatal(err)
	}
	// 8 h target, 1 h used before the 2 h pause: due at 09:00 + 10 h of open time = Tuesday 11:00.
	want := time.Date(2026, 3, 3, 11, 0, 0, 0, mustLoc(t, "Europe/Helsinki"))
	if c.DueAt == nil || !c.DueAt.Equal(want) {
		t.Fatalf("due after resume %v, want %v", c.DueAt, want)
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestDeletedPolicyStopsItsClocks(t *testing.T) {
	ctx := context.Background()
	f := newSLAFixture(t)
	req := newCase("under a policy that goes away")
	req.Priority = models.PriorityUrgent
	c, err := f.cases.Create(ctx, f.agent, req)
	if err != nil {
		t.Fatal(err)
	}
	manager := &helpdesk.Principal{User: storetest.NewUser(storetest.WithRole(models.RoleManager))}
	if err := f.sla.Delete(ctx, manager, helpdesk.DefaultSLAPolicyID); err != nil {
		t.Fatal(err)
	}
	f.set(monday9.Add(3 * time.Hour))
	if n, err := f.scheduler("a").Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("a deleted policy's clocks fired %d events (err %v)", n, err)
	}
	stored, _ := f.env.Store.GetCase(ctx, c.ID)
	if stored.DueAt != nil || len(stored.SLA) != 0 || stored.Timeline[len(stored.Timeline)-1].Type != "sla_stopped" {
		t.Fatalf("clocks not stopped: due %v, %d clocks, last event %+v", stored.DueAt, len(stored.SLA), stored.Timeline[len(stored.Timeline)-1])
	}
	if ts := f.timersOf(t, c.ID); len(ts) != 0 {
		t.Fatalf("timers left: %v", ts)
	}
}
