package demo_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/demo"
	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

type installation struct {
	env   *storetest.Env
	index search.Index
	hd    *helpdesk.Helpdesk
	clock *demo.Clock
	deps  demo.Deps
	admin *helpdesk.Principal
	end   time.Time
}

// newInstallation is a fresh Kaiku (embedded database, Bleve) with its first admin, on the
// demo's clock, as `kaiku demo` builds it.
func newInstallation(t *testing.T, end time.Time) *installation {
	t.Helper()
	ctx := context.Background()
	clock := demo.NewClock(end.Add(-100 * 24 * time.Hour))
	// The store reads the same clock (timers are laid out by it), as in `kaiku demo`.
	env := storetest.StartWith(t, t.TempDir(), store.Options{SingleWriter: true, Now: clock.Now})
	bleveIndex, err := search.OpenBleve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bleveIndex.Close() })
	index := demo.DeferIndex(bleveIndex) // as `kaiku demo` does
	approvals, err := search.OpenBleve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { approvals.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	replica := func(clock helpdesk.Clock) (*helpdesk.Helpdesk, error) {
		mailer, err := mail.New(env.Store, mail.Config{}, mail.Options{Clock: clock, Logger: logger})
		if err != nil {
			return nil, err
		}
		// One sealing key for every replica, as the server's key file is.
		return helpdesk.New(helpdesk.Deps{SecretKey: []byte("demo-test-key-of-32-bytes-......"), Store: env.Store, Index: index, ApprovalIndex: approvals, Mailer: mailer,
			Logger: logger, Clock: clock, BaseURL: "http://kaiku.test", Currency: "EUR", Limits: helpdesk.DefaultIntakeLimits})
	}
	hd, err := replica(clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if err := hd.SLA.EnsureDefaultPolicy(ctx); err != nil {
		t.Fatal(err)
	}
	if err := hd.Rules.EnsureDefaultRules(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := hd.Users.Bootstrap(ctx, "admin@kaiku.test", "Administrator", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	users, err := env.Store.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return &installation{env: env, index: index, hd: hd, end: end, admin: &helpdesk.Principal{User: &users[0]},
		deps: demo.Deps{Replica: replica, Store: env.Store, StoreClock: clock,
			Scheduler: func(hd *helpdesk.Helpdesk, clock helpdesk.Clock) *helpdesk.Scheduler {
				return helpdesk.NewScheduler(env.Store, hd.Cases, hd.Events, logger, clock, "demo-test")
			}}}
}

// tinySubset is the first few complaints and reviews of the bundled data.
func tinySubset(t *testing.T, complaints, reviews int) *demo.Data {
	t.Helper()
	data, err := demo.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	if len(data.Complaints) < 600 || len(data.Reviews) < 400 {
		t.Fatalf("bundled data: %d complaints, %d reviews; want about 1,000 in all", len(data.Complaints), len(data.Reviews))
	}
	return &demo.Data{Complaints: data.Complaints[:complaints], Reviews: data.Reviews[:reviews]}
}

func count(t *testing.T, ix search.Index, q search.Query) int {
	t.Helper()
	n, err := ix.Count(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func facet(t *testing.T, ix search.Index, q search.Query, field string) map[string]int {
	t.Helper()
	q.Facets, q.Limit = []string{field}, 1
	res, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, v := range res.Facets[field] {
		out[v.Value] = v.Count
	}
	return out
}

func TestDemoFillsAnEmptyInstallationWithCasesOfRealShape(t *testing.T) {
	ctx := context.Background()
	end := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	in := newInstallation(t, end)
	data := tinySubset(t, 60, 40)
	began := time.Now()
	sum, err := demo.Fill(ctx, in.deps, data, demo.Options{End: end, Days: 90, Seed: 16, StaffPassword: "demo password 1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("filled in %v: %+v", time.Since(began), *sum)

	if sum.Complaints != 60 || sum.Reviews != 40 {
		t.Fatalf("filed %d complaints and %d reviews, want 60 and 40", sum.Complaints, sum.Reviews)
	}

	ix := in.index
	if n := count(t, ix, search.Query{}); n != 100 {
		t.Errorf("index holds %d cases, want 100", n)
	}
	channels := facet(t, ix, search.Query{}, search.FieldChannel)
	if channels[string(models.ChannelWebForm)] != 60 || channels[string(models.ChannelReview)] != 40 {
		t.Errorf("channels = %v, want 60 web form and 40 reviews", channels)
	}
	// Handled over the weeks: most are settled, the newest still in work.
	statuses := facet(t, ix, search.Query{}, search.FieldStatus)
	if statuses["closed"]+statuses["resolved"] < 60 {
		t.Errorf("statuses = %v, want most cases resolved or closed", statuses)
	}
	// Several agents and all three teams.
	if a := facet(t, ix, search.Query{}, search.FieldAssigneeID); len(a) < 5 {
		t.Errorf("assignees = %v, want several agents", a)
	}
	if teams := facet(t, ix, search.Query{}, search.FieldTeamID); len(teams) < 4 { // three teams and none
		t.Errorf("teams = %v, want all three teams", teams)
	}
	// Every case is at a station, and the journey has several.
	tps := facet(t, ix, search.Query{}, search.FieldTouchpoint)
	if tps[""] > 0 || len(tps) < 5 {
		t.Errorf("touchpoints = %v, want every case at one and at least five stations", tps)
	}
	// Follow-up checks answered yes and no, and some with no response.
	fu := facet(t, ix, search.Query{}, search.FieldFollowUpState)
	for _, state := range []string{"answered", "no_response"} {
		if fu[state] == 0 {
			t.Errorf("follow-up states = %v, want some %s", fu, state)
		}
	}
	// The measures the journey view reads.
	resolved := count(t, ix, search.Query{IntRanges: []search.IntRange{{Field: search.FieldResolutionMinutes, From: 1}}})
	rated := count(t, ix, search.Query{IntRanges: []search.IntRange{{Field: search.FieldRating, From: 1}}})
	reopened := count(t, ix, search.Query{IntRanges: []search.IntRange{{Field: search.FieldReopened, From: 1}}})
	if resolved < 40 || rated < 60 || reopened == 0 {
		t.Errorf("measured: %d resolved, %d rated, %d reopened; want most resolved, reviews and answers rated, some reopened", resolved, rated, reopened)
	}
	if sum.Grants == 0 || sum.FollowUpAnswers == 0 || sum.Reopened == 0 {
		t.Errorf("summary %+v: want grants, follow-up answers and reopened cases", *sum)
	}

	// Every case's story happened inside the 90 days, in order, by the people the demo made.
	start := end.Add(-90 * 24 * time.Hour)
	res, err := ix.Search(ctx, search.Query{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		c, err := in.env.Store.GetCase(ctx, h.Doc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.CreatedAt.Before(start) || c.UpdatedAt.After(end) {
			t.Errorf("%s: created %v, updated %v; want within %v – %v", c.ID, c.CreatedAt, c.UpdatedAt, start, end)
		}
		// In order, but for the scheduler's entries: they carry the instant they were due,
		// and the demo's scheduler looks between stretches of SweepEvery (the server's every
		// 15 seconds), so an entry lands up to two stretches late.
		latest := time.Time{}
		for _, ev := range c.Timeline {
			late := ev.Actor == "SLA" || ev.Actor == "Kaiku"
			if ev.At.Before(latest) && !(late && latest.Sub(ev.At) <= 2*demo.SweepEvery) {
				t.Errorf("%s: timeline out of order: %+v after %v", c.ID, ev, latest)
			}
			if ev.At.After(latest) {
				latest = ev.At
			}
		}
		// A customer answers a follow-up check once it was asked, never before the day it was
		// scheduled for (a remedy's own delay, up to 30 days, not only the default week): the
		// case page would say the customer is asked on a day after their answer.
		var askAt time.Time
		asked := false
		for _, ev := range c.Timeline {
			switch ev.Type {
			case "follow_up_scheduled":
				askAt, _ = time.Parse(time.RFC3339, ev.Data["ask_at"])
				asked = false
			case "follow_up_asked":
				asked = true
			case "follow_up":
				if ev.ActorID == "" && (!asked || ev.At.Before(askAt)) {
					t.Errorf("%s: the customer answered the follow-up at %v, before it was asked (due %v)", c.ID, ev.At, askAt)
				}
			}
		}
		if c.ResolvedAt != nil && c.FirstResponseAt == nil && c.Channel == models.ChannelWebForm {
			t.Errorf("%s: resolved without a first response", c.ID)
		}
	}

	// Once filled, it is not empty: a second run is refused and changes nothing.
	_, err = demo.Fill(ctx, in.deps, data, demo.Options{End: end, Days: 90, Seed: 16, StaffPassword: "demo password 1"})
	if !errors.Is(err, demo.ErrNotEmpty) {
		t.Fatalf("second fill: err = %v, want ErrNotEmpty", err)
	}
	if n := count(t, ix, search.Query{}); n != 100 {
		t.Errorf("after the refused run the index holds %d cases, want 100", n)
	}
}

func TestDemoRefusesAnInstallationWithACase(t *testing.T) {
	ctx := context.Background()
	end := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	in := newInstallation(t, end)
	if _, err := in.hd.Cases.Create(ctx, in.admin, models.CaseCreate{Subject: "A real case", Description: "Filed before the demo",
		Customer: models.CustomerCreate{Name: "Someone", Email: "someone@example.com"}}); err != nil {
		t.Fatal(err)
	}
	_, err := demo.Fill(ctx, in.deps, tinySubset(t, 2, 2), demo.Options{End: end, Seed: 1, StaffPassword: "demo password 1"})
	if !errors.Is(err, demo.ErrNotEmpty) {
		t.Fatalf("err = %v, want ErrNotEmpty", err)
	}
}
