package journey_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/journey"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

func newService(t *testing.T) (*journey.Service, search.Index) {
	t.Helper()
	env := storetest.Start(t)
	ix, err := search.OpenBleve(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return journey.New(env.Store, ix, func() time.Time { return now }), ix
}

var (
	admin   = &models.User{ID: "A", Name: "Admin", Role: models.RoleAdmin}
	manager = &models.User{ID: "M", Name: "Manager", Role: models.RoleManager}
	agent   = &models.User{ID: "G", Name: "Agent", Role: models.RoleAgent}
)

// TestFiguresEqualABruteForceRecount indexes random cases and checks every figure against a
// count over the same cases.
func TestFiguresEqualABruteForceRecount(t *testing.T) {
	ctx := context.Background()
	svc, ix := newService(t)
	rnd := rand.New(rand.NewPCG(1, 2))
	var docs []search.CaseDoc
	for i := range 400 {
		d := search.CaseDoc{ID: fmt.Sprintf("K-2026-%06d", i+1), Status: "open", Priority: "normal", Channel: "web_form",
			CreatedAt: now.Add(-time.Duration(rnd.IntN(120*24)) * time.Hour), Version: 1}
		d.UpdatedAt = d.CreatedAt
		if rnd.IntN(10) > 0 {
			d.Touchpoint = models.Touchpoints[rnd.IntN(len(models.Touchpoints))]
		}
		if rnd.IntN(3) == 0 {
			d.Channel = "review"
		}
		if rnd.IntN(4) > 0 {
			m := 1 + rnd.IntN(60*24*20)
			d.Status, d.ResolutionMinutes = "resolved", &m
		}
		if rnd.IntN(2) == 0 {
			d.Rating = 1 + rnd.IntN(5)
		}
		d.Reopened = rnd.IntN(5) == 4
		docs = append(docs, d)
	}
	if err := ix.Upsert(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	from, to := now.AddDate(0, 0, -90), now
	f, err := svc.Figures(ctx, manager, journey.Query{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	stages := journey.DefaultStages()
	var seen []string
	unplaced := 0
	for _, d := range docs {
		if d.Touchpoint == "" && !d.CreatedAt.Before(from) && d.CreatedAt.Before(to) {
			unplaced++
		}
	}
	if f.Unplaced != unplaced {
		t.Errorf("unplaced = %d, want %d", f.Unplaced, unplaced)
	}
	if got := len(f.Stages); got != 4 {
		t.Fatalf("%d stages, want 4", got)
	}
	for i, sf := range f.Stages {
		if sf.Stage != journey.Stages[i] {
			t.Errorf("stage %d is %s, want %s", i, sf.Stage, journey.Stages[i])
		}
		for _, st := range sf.Stations {
			seen = append(seen, st.Touchpoint)
			if stages[st.Touchpoint] != sf.Stage {
				t.Errorf("%s under %s, want %s", st.Touchpoint, sf.Stage, stages[st.Touchpoint])
			}
			var cases, reviews, rated, ratingSum, reopened int
			var minutes []int
			for _, d := range docs {
				if d.Touchpoint != st.Touchpoint || d.CreatedAt.Before(from) || !d.CreatedAt.Before(to) {
					continue
				}
				cases++
				if d.Channel == "review" {
					reviews++
				}
				if d.Rating > 0 {
					rated++
					ratingSum += d.Rating
				}
				if d.Reopened {
					reopened++
				}
				if d.ResolutionMinutes != nil {
					minutes = append(minutes, *d.ResolutionMinutes)
				}
			}
			if st.Cases != cases || st.Reviews != reviews || st.Complaints != cases-reviews || st.Rated != rated ||
				st.Reopened != reopened || st.Resolved != len(minutes) {
				t.Errorf("%s: %+v; want %d cases, %d reviews, %d rated, %d reopened, %d resolved",
					st.Touchpoint, st, cases, reviews, rated, reopened, len(minutes))
			}
			if want := round2(float64(ratingSum) / float64(rated)); st.Satisfaction == nil || *st.Satisfaction != want {
				t.Errorf("%s: satisfaction %v, want %v", st.Touchpoint, st.Satisfaction, want)
			}
			if want := round2(float64(reopened) / float64(cases)); st.ReopenRate == nil || *st.ReopenRate != want {
				t.Errorf("%s: reopen rate %v, want %v", st.Touchpoint, st.ReopenRate, want)
			}
			// The true median lies in the bucket given, and so does the estimate.
			slices.Sort(minutes)
			lo, hi := minutes[(len(minutes)-1)/2], minutes[len(minutes)/2]
			b := st.MedianWithin
			if b == nil || st.MedianResolutionMinutes == nil {
				t.Fatalf("%s: no median", st.Touchpoint)
			}
			in := func(m int) bool { return m >= b.From && (b.To == 0 || m < b.To) }
			if !in(lo) && !in(hi) || !in(*st.MedianResolutionMinutes) {
				t.Errorf("%s: median %d in %+v; true median between %d and %d", st.Touchpoint, *st.MedianResolutionMinutes, *b, lo, hi)
			}
		}
		sum := 0
		for _, st := range sf.Stations {
			sum += st.Cases
		}
		if sf.Total.Cases != sum {
			t.Errorf("%s: total %d cases, want the stations' sum %d", sf.Stage, sf.Total.Cases, sum)
		}
	}
	slices.Sort(seen)
	want := slices.Clone(models.Touchpoints)
	slices.Sort(want)
	if !slices.Equal(seen, want) {
		t.Errorf("stations %v, want every touchpoint once %v", seen, want)
	}
	weakest := 0
	for _, sf := range f.Stages {
		for _, st := range sf.Stations {
			if st.Weakest {
				weakest++
				for _, other := range f.Stages {
					for _, o := range other.Stations {
						if o.Rated >= 5 && *o.Satisfaction < *st.Satisfaction {
							t.Errorf("%s is marked weakest, but %s is less satisfied", st.Touchpoint, o.Touchpoint)
						}
					}
				}
			}
		}
	}
	if weakest != 1 {
		t.Errorf("%d stations marked weakest, want 1", weakest)
	}
}

func round2(v float64) float64 { return float64(int(v*100+0.5)) / 100 }

func TestAdminsMapTouchpointsToStages(t *testing.T) {
	ctx := context.Background()
	svc, ix := newService(t)
	got, err := svc.Stages(ctx, agent)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(models.Touchpoints) || got[0].Touchpoint != models.Touchpoints[0] {
		t.Fatalf("stages = %v, want every touchpoint in order", got)
	}
	update := journey.StagesUpdate{Stages: []journey.Assignment{{Touchpoint: "app", Stage: journey.Nurture}}}
	var e *models.Error
	if _, err := svc.SaveStages(ctx, manager, update); !errors.As(err, &e) || e.Kind != models.KindForbidden {
		t.Errorf("a manager saving: err = %v, want forbidden", err)
	}
	if _, err := svc.SaveStages(ctx, admin, journey.StagesUpdate{Stages: []journey.Assignment{{Touchpoint: "moon", Stage: journey.Reach}}}); !errors.As(err, &e) || e.Kind != models.KindInvalid {
		t.Errorf("an unknown touchpoint: err = %v, want invalid", err)
	}
	if _, err := svc.SaveStages(ctx, admin, update); err != nil {
		t.Fatal(err)
	}
	// The figures follow the mapping: an app case now counts under nurture.
	if err := ix.Upsert(ctx, search.CaseDoc{ID: "K-2026-000001", Touchpoint: "app", Status: "new", Priority: "normal",
		Channel: "web_form", CreatedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Hour), Version: 1}); err != nil {
		t.Fatal(err)
	}
	f, err := svc.Figures(ctx, manager, journey.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sf := range f.Stages {
		for _, st := range sf.Stations {
			if st.Touchpoint == "app" && (sf.Stage != journey.Nurture || st.Cases != 1) {
				t.Errorf("app is under %s with %d cases, want nurture with 1", sf.Stage, st.Cases)
			}
		}
	}
	if _, err := svc.Figures(ctx, agent, journey.Query{}); !errors.As(err, &e) || e.Kind != models.KindForbidden {
		t.Errorf("an agent reading the figures: err = %v, want forbidden", err)
	}
}
