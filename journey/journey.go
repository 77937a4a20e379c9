// Package journey is the journey view: every touchpoint (the customer journey's stations) is
// mapped by admins to a REAN stage (reach, engage, activate, nurture), and managers see per
// touchpoint, grouped by stage, how many complaints and reviews came from it, how satisfied
// the customers were, how often cases were reopened and how long they took to resolve, so
// the weak station shows. A complaint and a review about the same station count together.
//
// Every figure is read from the search index (facet counts per touchpoint over the per-case
// measures the index keeps), never by reading cases: a fixed number of queries whatever the
// number of cases.
package journey

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// Stage is a REAN stage of the customer journey.
type Stage string

const (
	Reach    Stage = "reach"
	Engage   Stage = "engage"
	Activate Stage = "activate"
	Nurture  Stage = "nurture"
)

// Stages are the stages in journey order.
var Stages = []Stage{Reach, Engage, Activate, Nurture}

// DefaultStages is where each touchpoint sits until an admin says otherwise: customers find
// the business on social media and in mailings, look around the web shop and the store, buy
// and receive (delivery, the app), and come back for help (the phone line, the rest).
func DefaultStages() map[string]Stage {
	return map[string]Stage{
		"social_media": Reach, "email": Reach,
		"web_shop": Engage, "store": Engage,
		"delivery": Activate, "app": Activate,
		"phone": Nurture, "other": Nurture,
	}
}

// Store keeps the admins' mapping (one settings document, read by _id).
type Store interface {
	JourneyStages(ctx context.Context) (map[string]string, error)
	SaveJourneyStages(ctx context.Context, stages map[string]string) error
}

// Service is the journey view's use case.
type Service struct {
	store Store
	index search.Index
	now   func() time.Time
}

// New builds the Service on the cases' index.
func New(st Store, index search.Index, now func() time.Time) *Service {
	return &Service{store: st, index: index, now: now}
}

// Assignment is one touchpoint's stage.
type Assignment struct {
	Touchpoint string `json:"touchpoint"`
	Stage      Stage  `json:"stage"`
}

// StagesUpdate is an admin's new mapping; every touchpoint must be given a stage.
type StagesUpdate struct {
	Stages []Assignment `json:"stages" validate:"required,min=1,max=50,dive"`
}

func require(u *models.User, role models.Role) error { return models.RequireRole(u, role) }

// mapping is the stored mapping over the defaults (a touchpoint the admins never placed keeps
// its default stage).
func (s *Service) mapping(ctx context.Context) (map[string]Stage, error) {
	stored, err := s.store.JourneyStages(ctx)
	if err != nil {
		return nil, err
	}
	m := DefaultStages()
	for tp, st := range stored {
		if slices.Contains(models.Touchpoints, tp) && slices.Contains(Stages, Stage(st)) {
			m[tp] = Stage(st)
		}
	}
	return m, nil
}

// assignments lists the mapping in the touchpoints' order.
func assignments(m map[string]Stage) []Assignment {
	out := make([]Assignment, 0, len(models.Touchpoints))
	for _, tp := range models.Touchpoints {
		out = append(out, Assignment{Touchpoint: tp, Stage: m[tp]})
	}
	return out
}

// Stages returns every touchpoint's stage (any staff member reads it).
func (s *Service) Stages(ctx context.Context, u *models.User) ([]Assignment, error) {
	if err := require(u, models.RoleAgent); err != nil {
		return nil, err
	}
	m, err := s.mapping(ctx)
	if err != nil {
		return nil, err
	}
	return assignments(m), nil
}

// SaveStages replaces the mapping (admins only).
func (s *Service) SaveStages(ctx context.Context, u *models.User, req StagesUpdate) ([]Assignment, error) {
	if err := require(u, models.RoleAdmin); err != nil {
		return nil, err
	}
	stored := map[string]string{}
	for i, a := range req.Stages {
		field := "stages[" + strconv.Itoa(i) + "]"
		switch {
		case !slices.Contains(models.Touchpoints, a.Touchpoint):
			return nil, models.InvalidField(field+".touchpoint", "no such touchpoint")
		case !slices.Contains(Stages, a.Stage):
			return nil, models.InvalidField(field+".stage", "must be reach, engage, activate or nurture")
		case stored[a.Touchpoint] != "":
			return nil, models.InvalidField(field+".touchpoint", "names a touchpoint already in the list")
		}
		stored[a.Touchpoint] = string(a.Stage)
	}
	if err := s.store.SaveJourneyStages(ctx, stored); err != nil {
		return nil, err
	}
	return s.Stages(ctx, u)
}

// Query is the period of the view: cases created in [From, To).
type Query struct {
	From, To time.Time
}

// Station is one touchpoint's figures (rates rounded to two decimals). Satisfaction is the
// mean rating (1-5) of its reviews and of its complaints' follow-up answers, nil when none is
// rated; ReopenRate is the share of its cases reopened after being resolved; MedianResolutionMinutes is
// nil when none is resolved, and is interpolated within the bucket MedianWithin (its bounds
// in minutes; To 0: no upper bound), so it is exact to that bucket.
type Station struct {
	Touchpoint              string   `json:"touchpoint"`
	Stage                   Stage    `json:"stage"`
	Cases                   int      `json:"cases"`
	Complaints              int      `json:"complaints"`
	Reviews                 int      `json:"reviews"`
	Rated                   int      `json:"rated"`
	Satisfaction            *float64 `json:"satisfaction"`
	Reopened                int      `json:"reopened"`
	ReopenRate              *float64 `json:"reopen_rate"`
	Resolved                int      `json:"resolved"`
	MedianResolutionMinutes *int     `json:"median_resolution_minutes"`
	MedianWithin            *Bucket  `json:"median_within"`
	// Weakest marks the station with the lowest satisfaction (of those with at least
	// minRated ratings; a tie goes to the higher reopen rate).
	Weakest bool `json:"weakest"`
	// counts of resolved cases under each bound, for the stage's median
	under []int
}

// Bucket is a range of minutes, [From, To); To 0 is open.
type Bucket struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// StageFigures is one stage: its stations and their sums.
type StageFigures struct {
	Stage    Stage     `json:"stage"`
	Stations []Station `json:"stations"`
	Total    Station   `json:"total"`
}

// Figures is the journey view.
type Figures struct {
	From   time.Time      `json:"from"`
	To     time.Time      `json:"to"`
	Stages []StageFigures `json:"stages"`
	// Unplaced counts the cases of the period without a touchpoint (a review not yet
	// triaged, say); they are in no stage.
	Unplaced int `json:"unplaced"`
}

// minRated is how many ratings a station needs before it can be called the weakest.
const minRated = 5

// resolutionBounds are the upper bounds (minutes) of the resolution-time buckets the median
// is read from: an hour, 4 and 8 hours, 1, 2, 3, 5, 7, 14 and 30 days.
var resolutionBounds = []int{60, 240, 480, 1440, 2880, 4320, 7200, 10080, 20160, 43200}

// Figures computes the view for a period (managers and admins).
func (s *Service) Figures(ctx context.Context, u *models.User, q Query) (*Figures, error) {
	if err := require(u, models.RoleManager); err != nil {
		return nil, err
	}
	if q.To.IsZero() {
		q.To = s.now()
	}
	if q.From.IsZero() {
		q.From = q.To.AddDate(0, 0, -90)
	}
	if !q.From.Before(q.To) {
		return nil, models.InvalidField("from", "must be before to")
	}
	m, err := s.mapping(ctx)
	if err != nil {
		return nil, err
	}
	period := search.TimeRange{Field: search.FieldCreatedAt, From: q.From, To: q.To}
	measured := func(field string, from, to int) search.Query {
		return search.Query{Ranges: []search.TimeRange{period}, IntRanges: []search.IntRange{{Field: field, From: from, To: to}}}
	}
	// The queries, each one facet count per touchpoint, run side by side.
	queries := map[string]search.Query{
		"all":      {Ranges: []search.TimeRange{period}},
		"reviews":  {Ranges: []search.TimeRange{period}, Filters: []search.Filter{{Field: search.FieldChannel, Values: []string{string(models.ChannelReview)}}}},
		"reopened": measured(search.FieldReopened, 1, 0),
		"resolved": measured(search.FieldResolutionMinutes, 1, 0),
	}
	for r := 1; r <= 5; r++ {
		queries["rating"+strconv.Itoa(r)] = measured(search.FieldRating, r, r+1)
	}
	for i, b := range resolutionBounds {
		queries["under"+strconv.Itoa(i)] = measured(search.FieldResolutionMinutes, 1, b)
	}
	counts, err := s.facetAll(ctx, queries)
	if err != nil {
		return nil, err
	}
	stations := map[string]*Station{}
	for _, tp := range models.Touchpoints {
		st := &Station{Touchpoint: tp, Stage: m[tp], Cases: counts["all"][tp], Reviews: counts["reviews"][tp],
			Reopened: counts["reopened"][tp], Resolved: counts["resolved"][tp]}
		st.Complaints = st.Cases - st.Reviews
		sum := 0
		for r := 1; r <= 5; r++ {
			n := counts["rating"+strconv.Itoa(r)][tp]
			st.Rated += n
			sum += r * n
		}
		st.under = make([]int, len(resolutionBounds))
		for i := range resolutionBounds {
			st.under[i] = counts["under"+strconv.Itoa(i)][tp]
		}
		st.finish(sum)
		stations[tp] = st
	}
	markWeakest(stations)
	f := &Figures{From: q.From, To: q.To}
	for tp, n := range counts["all"] {
		if !slices.Contains(models.Touchpoints, tp) {
			f.Unplaced += n
		}
	}
	for _, stage := range Stages {
		sf := StageFigures{Stage: stage, Stations: []Station{}, Total: Station{Stage: stage, under: make([]int, len(resolutionBounds))}}
		ratingSum := 0.0
		for _, tp := range models.Touchpoints {
			st := stations[tp]
			if st.Stage != stage {
				continue
			}
			sf.Stations = append(sf.Stations, *st)
			t := &sf.Total
			t.Cases, t.Complaints, t.Reviews = t.Cases+st.Cases, t.Complaints+st.Complaints, t.Reviews+st.Reviews
			t.Rated, t.Reopened, t.Resolved = t.Rated+st.Rated, t.Reopened+st.Reopened, t.Resolved+st.Resolved
			if st.Satisfaction != nil {
				ratingSum += *st.Satisfaction * float64(st.Rated)
			}
			for i := range t.under {
				t.under[i] += st.under[i]
			}
		}
		sf.Total.finish(int(ratingSum + 0.5))
		f.Stages = append(f.Stages, sf)
	}
	return f, nil
}

// facetAll runs the queries at once and returns each one's count per touchpoint.
func (s *Service) facetAll(ctx context.Context, queries map[string]search.Query) (map[string]map[string]int, error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := make(map[string]map[string]int, len(queries))
	var firstErr error
	for name, q := range queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q.Facets, q.Limit = []string{search.FieldTouchpoint}, 1
			res, err := s.index.Search(ctx, q)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			byTP := map[string]int{}
			for _, v := range res.Facets[search.FieldTouchpoint] {
				byTP[v.Value] = v.Count
			}
			out[name] = byTP
		}()
	}
	wg.Wait()
	return out, firstErr
}

// finish works out the rates and the median from the counts (ratingSum: the ratings' sum).
func (st *Station) finish(ratingSum int) {
	if st.Rated > 0 {
		v := round2(float64(ratingSum) / float64(st.Rated))
		st.Satisfaction = &v
	}
	if st.Cases > 0 {
		v := round2(float64(st.Reopened) / float64(st.Cases))
		st.ReopenRate = &v
	}
	if st.Resolved == 0 {
		return
	}
	half := float64(st.Resolved) / 2
	below, from := 0, 1
	for i, to := range resolutionBounds {
		n := st.under[i]
		if float64(n) >= half {
			minutes := from
			if n > below {
				minutes += int(float64(to-from) * (half - float64(below)) / float64(n-below))
			}
			st.MedianResolutionMinutes, st.MedianWithin = &minutes, &Bucket{From: from, To: to}
			return
		}
		below, from = n, to
	}
	last := resolutionBounds[len(resolutionBounds)-1]
	st.MedianResolutionMinutes, st.MedianWithin = &last, &Bucket{From: last}
}

func round2(v float64) float64 { return float64(int(v*100+0.5)) / 100 }

// markWeakest flags the station customers are least happy with.
func markWeakest(stations map[string]*Station) {
	var weakest *Station
	for _, tp := range models.Touchpoints {
		st := stations[tp]
		if st.Rated < minRated || st.Satisfaction == nil {
			continue
		}
		if weakest == nil || *st.Satisfaction < *weakest.Satisfaction ||
			(*st.Satisfaction == *weakest.Satisfaction && rate(st) > rate(weakest)) {
			weakest = st
		}
	}
	if weakest != nil {
		weakest.Weakest = true
	}
}

func rate(st *Station) float64 {
	if st.ReopenRate == nil {
		return 0
	}
	return *st.ReopenRate
}
