package reports

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// Dimension is something figures are grouped or filtered by: its name in the API, the index
// field, the inbox's parameter for the same filter (for drill-downs) and its value in a
// report row.
type Dimension struct {
	Name  string
	Field string
	Param string
	key   search.ReportKey
}

// Dimensions lists what reports group and filter by.
var Dimensions = []Dimension{
	{"team", search.FieldTeamID, "team_id", search.KeyTeamID},
	{"agent", search.FieldAssigneeID, "assignee_id", search.KeyAssigneeID},
	{"category", search.FieldCategory, "category", search.KeyCategory},
	{"touchpoint", search.FieldTouchpoint, "touchpoint", search.KeyTouchpoint},
	{"channel", search.FieldChannel, "channel", search.KeyChannel},
	{"priority", search.FieldPriority, "priority", search.KeyPriority},
	{"source", search.FieldReviewSource, "review_source", search.KeyReviewSource},
	{"expected_outcome", search.FieldExpectedOutcome, "expected_outcome", search.KeyExpectedOutcome},
	{"option", search.FieldOptionGranted, "option_granted", search.KeyOptionGranted},
	{"outcome_gap", search.FieldOutcomeGap, "outcome_gap", search.KeyOutcomeGap},
	{"sla", search.FieldSLAOutcome, "sla_outcome", search.KeySLAOutcome},
	{"follow_up", search.FieldFollowUpOutcome, "follow_up_outcome", search.KeyFollowUpOutcome},
}

// DimensionNames lists the names of Dimensions.
func DimensionNames() []string {
	out := make([]string, len(Dimensions))
	for i, d := range Dimensions {
		out[i] = d.Name
	}
	return out
}

func dimension(name string) (Dimension, bool) {
	for _, d := range Dimensions {
		if d.Name == name {
			return d, true
		}
	}
	return Dimension{}, false
}

// Intervals of a report's series.
const (
	IntervalWeek  = "week"
	IntervalMonth = "month"
)

const (
	defaultRange = 90 * 24 * time.Hour
	maxRange     = 2 * 366 * 24 * time.Hour
	maxGroups    = 200 // the most groups a report lists (largest first)
)

// Query is what a report covers: cases created in [From, To), narrowed by Filters (dimension
// name → values; any value within a dimension, every dimension), grouped by GroupBy.
type Query struct {
	From, To    time.Time
	Interval    string
	GroupBy     string
	AlsoBy      []string // more groupings over the same cases, in Report.Breakdowns
	GroupSeries bool     // each group gets its own series too
	Filters     map[string][]string
}

// Viewer is who asks: an agent sees only the cases assigned to them.
type Viewer struct {
	UserID  string
	OwnOnly bool
}

// Period is one step of a series: the cases created in [From, To).
type Period struct {
	Key     string              `json:"key"` // the first day, 2026-03-02
	From    time.Time           `json:"from"`
	To      time.Time           `json:"to"`
	Figures Figures             `json:"figures"`
	Drill   map[string][]string `json:"drill,omitempty"` // absent in the series of a group without a value
}

// Group is the figures of one value of the grouping dimension ("" for cases without one).
type Group struct {
	Value   string              `json:"value"`
	Figures Figures             `json:"figures"`
	Series  []Period            `json:"series,omitempty"`
	Drill   map[string][]string `json:"drill,omitempty"` // absent for "": the inbox cannot filter on "none"
}

// BacklogBucket counts the open cases created in [From, To): their age now is between the
// bucket's days.
type BacklogBucket struct {
	Key   string              `json:"key"` // "0-1", "1-3", ... "30+" (days)
	From  time.Time           `json:"from"`
	To    time.Time           `json:"to"`
	Count int                 `json:"count"`
	Drill map[string][]string `json:"drill"`
}

// Report is every figure of a Query.
type Report struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Interval string    `json:"interval"`
	GroupBy  string    `json:"group_by"`
	Total    Figures   `json:"total"`
	Series   []Period  `json:"series"`
	Groups   []Group   `json:"groups"`
	// Breakdowns are the groups of each AlsoBy dimension, from the same pass over the cases.
	Breakdowns map[string][]Group  `json:"breakdowns"`
	Backlog    []BacklogBucket     `json:"backlog"`
	Drill      map[string][]string `json:"drill"`
}

// Service computes reports from the index.
type Service struct {
	index search.Index
	loc   *time.Location
	now   func() time.Time
}

// NewService builds a Service; loc is the installation's time zone (where weeks and months
// turn), now its clock.
func NewService(index search.Index, loc *time.Location, now func() time.Time) *Service {
	if loc == nil {
		loc = time.UTC
	}
	return &Service{index: index, loc: loc, now: now}
}

// Normalize checks q and fills its defaults (the last 90 days, weekly), as Report would.
func (s *Service) Normalize(v Viewer, q Query) (Query, error) {
	now := s.now().Truncate(time.Second)
	if q.To.IsZero() {
		q.To = now.Add(time.Second) // up to now, this second included
	}
	if q.From.IsZero() {
		q.From = q.To.Add(-defaultRange)
	}
	// Whole seconds: the inbox's created_from/created_to take RFC 3339 seconds, and a drill-down
	// must select exactly the cases counted.
	q.From, q.To = q.From.Truncate(time.Second), q.To.Truncate(time.Second)
	if !q.From.Before(q.To) {
		return q, models.InvalidField("to", "must be after from")
	}
	if q.To.Sub(q.From) > maxRange {
		return q, models.InvalidField("from", "a report covers at most two years")
	}
	switch q.Interval {
	case "":
		q.Interval = IntervalWeek
	case IntervalWeek, IntervalMonth:
	default:
		return q, models.InvalidField("interval", "must be week or month")
	}
	for _, g := range append([]string{q.GroupBy}, q.AlsoBy...) {
		if _, ok := dimension(g); !ok && g != "" {
			return q, models.InvalidField("group_by", fmt.Sprintf("must be one of %v", DimensionNames()))
		}
	}
	if q.GroupBy == "" && len(q.AlsoBy) > 0 {
		q.GroupBy, q.AlsoBy = q.AlsoBy[0], q.AlsoBy[1:]
	}
	filters := map[string][]string{}
	for name, values := range q.Filters {
		if _, ok := dimension(name); !ok {
			return q, models.InvalidField(name, "is not a report filter")
		}
		if len(values) > 0 {
			filters[name] = values
		}
	}
	if v.OwnOnly {
		filters["agent"] = []string{v.UserID}
	}
	q.Filters = filters
	return q, nil
}

// searchQuery is the index query for q's filters (and created_at in [from, to) unless both
// are zero).
func searchQuery(filters map[string][]string, from, to time.Time) search.Query {
	var sq search.Query
	names := make([]string, 0, len(filters))
	for name := range filters {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		d, _ := dimension(name)
		sq.Filters = append(sq.Filters, search.Filter{Field: d.Field, Values: filters[name]})
	}
	if !from.IsZero() || !to.IsZero() {
		sq.Ranges = []search.TimeRange{{Field: search.FieldCreatedAt, From: from, To: to}}
	}
	return sq
}

// drill is the inbox's query for the cases of filters created in [from, to).
func drill(filters map[string][]string, from, to time.Time, extra map[string][]string) map[string][]string {
	out := map[string][]string{}
	for name, values := range filters {
		d, _ := dimension(name)
		out[d.Param] = slices.Clone(values)
	}
	for k, v := range extra {
		out[k] = v
	}
	if !from.IsZero() {
		out["created_from"] = []string{from.UTC().Format(time.RFC3339)}
	}
	if !to.IsZero() {
		out["created_to"] = []string{to.UTC().Format(time.RFC3339)}
	}
	return out
}

// Periods splits [from, to) into weeks (from Monday) or calendar months in loc.
func Periods(from, to time.Time, interval string, loc *time.Location) [][2]time.Time {
	var out [][2]time.Time
	l := from.In(loc)
	start := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	if interval == IntervalMonth {
		start = time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
	} else {
		start = start.AddDate(0, 0, -((int(start.Weekday()) + 6) % 7))
	}
	for start.Before(to) {
		next := start.AddDate(0, 0, 7)
		if interval == IntervalMonth {
			next = start.AddDate(0, 1, 0)
		}
		out = append(out, [2]time.Time{maxTime(start, from).UTC(), minTime(next, to).UTC()})
		start = next
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// backlogDays are the age buckets of open cases, in days.
var backlogDays = [][2]int{{0, 1}, {1, 3}, {3, 7}, {7, 14}, {14, 30}, {30, 0}}

// Report computes q's figures for v.
func (s *Service) Report(ctx context.Context, v Viewer, q Query) (*Report, error) {
	q, err := s.Normalize(v, q)
	if err != nil {
		return nil, err
	}
	set, err := s.index.ReportRows(ctx, searchQuery(q.Filters, q.From, q.To))
	if err != nil {
		return nil, models.Unavailable("search is not available right now", err)
	}
	periods := Periods(q.From, q.To, q.Interval, s.loc)
	out := &Report{From: q.From, To: q.To, Interval: q.Interval, GroupBy: q.GroupBy, Drill: drill(q.Filters, q.From, q.To, nil)}

	// Each period's end in Unix nanoseconds, as the rows keep created_at.
	ends := make([]int64, len(periods))
	for i, p := range periods {
		ends[i] = p[1].UnixNano()
	}
	periodOf := func(t int64) int {
		i, _ := slices.BinarySearchFunc(ends, t, func(end, t int64) int {
			if end > t {
				return 1
			}
			return -1
		})
		return i // rows are within [From, To), so always a period
	}
	var total accumulator
	series := make([]accumulator, len(periods))
	type groupAcc struct {
		acc    accumulator
		series []accumulator
	}
	type grouping struct {
		dim    Dimension
		groups map[uint32]*groupAcc // by the value's number in the row set
	}
	var groupings []grouping
	for _, name := range append([]string{q.GroupBy}, q.AlsoBy...) {
		if d, ok := dimension(name); ok {
			groupings = append(groupings, grouping{dim: d, groups: map[uint32]*groupAcc{}})
		}
	}
	facts := newValueFacts(set.Values)
	for i := range set.Rows {
		d := &set.Rows[i]
		x := facts.of(d)
		p := periodOf(d.CreatedAt)
		total.add(d, x)
		series[p].add(d, x)
		for _, gr := range groupings {
			key := d.Keys[gr.dim.key]
			g := gr.groups[key]
			if g == nil {
				g = &groupAcc{}
				if q.GroupSeries {
					g.series = make([]accumulator, len(periods))
				}
				gr.groups[key] = g
			}
			g.acc.add(d, x)
			if q.GroupSeries {
				g.series[p].add(d, x)
			}
		}
	}
	out.Total = total.figures()
	// makeSeries makes a series; without drill-downs for a group of cases without a value.
	makeSeries := func(accs []accumulator, extra map[string][]string, drillable bool) []Period {
		ps := make([]Period, len(periods))
		for i, p := range periods {
			ps[i] = Period{Key: p[0].In(s.loc).Format(time.DateOnly), From: p[0], To: p[1], Figures: accs[i].figures()}
			if drillable {
				ps[i].Drill = drill(q.Filters, p[0], p[1], extra)
			}
		}
		return ps
	}
	out.Series = makeSeries(series, nil, true)
	out.Groups = []Group{}
	out.Breakdowns = map[string][]Group{}
	for n, gr := range groupings {
		list := []Group{}
		for num, g := range gr.groups {
			key := set.Values[num]
			grp := Group{Value: key, Figures: g.acc.figures()}
			var extra map[string][]string
			if key != "" {
				extra = map[string][]string{gr.dim.Param: {key}}
				grp.Drill = drill(q.Filters, q.From, q.To, extra)
			}
			if q.GroupSeries {
				grp.Series = makeSeries(g.series, extra, key != "")
			}
			list = append(list, grp)
		}
		sort.Slice(list, func(i, j int) bool {
			a, b := list[i], list[j]
			if a.Figures.Cases != b.Figures.Cases {
				return a.Figures.Cases > b.Figures.Cases
			}
			return a.Value < b.Value
		})
		if len(list) > maxGroups {
			list = list[:maxGroups]
		}
		if n == 0 {
			out.Groups = list
		} else {
			out.Breakdowns[gr.dim.Name] = list
		}
	}
	if out.Backlog, err = s.backlog(ctx, q); err != nil {
		return nil, err
	}
	return out, nil
}

// OpenStatuses are the statuses a backlog counts.
func openStatuses() []string {
	out := make([]string, len(models.OpenStatuses))
	for i, st := range models.OpenStatuses {
		out[i] = string(st)
	}
	return out
}

// backlog counts the open cases of q's filters (whenever created) by their age now, from
// their report rows (the same column pass as the figures, without a date range).
func (s *Service) backlog(ctx context.Context, q Query) ([]BacklogBucket, error) {
	// Ages count from the end of this second, so a case created now is in the first bucket.
	now := s.now().Truncate(time.Second).Add(time.Second)
	sq := searchQuery(q.Filters, time.Time{}, time.Time{})
	sq.Filters = append(sq.Filters, search.Filter{Field: search.FieldStatus, Values: openStatuses()})
	set, err := s.index.ReportRows(ctx, sq)
	if err != nil {
		return nil, models.Unavailable("search is not available right now", err)
	}
	out := make([]BacklogBucket, len(backlogDays))
	bounds := make([][2]int64, len(backlogDays)) // each bucket's created_at in [from, to), Unix ns
	for i, b := range backlogDays {
		bucket := BacklogBucket{Key: fmt.Sprintf("%d-%d", b[0], b[1]), To: now.AddDate(0, 0, -b[0])}
		bounds[i] = [2]int64{math.MinInt64, bucket.To.UnixNano()}
		if b[1] == 0 {
			bucket.Key = fmt.Sprintf("%d+", b[0])
		} else {
			bucket.From = now.AddDate(0, 0, -b[1])
			bounds[i][0] = bucket.From.UnixNano()
		}
		bucket.Drill = drill(q.Filters, bucket.From, bucket.To, map[string][]string{"status": openStatuses()})
		out[i] = bucket
	}
	for i := range set.Rows {
		created := set.Rows[i].CreatedAt
		for b := range bounds {
			if created >= bounds[b][0] && created < bounds[b][1] {
				out[b].Count++
				break
			}
		}
	}
	return out, nil
}

// ReportFor is Report for a staff user: managers and admins see every case, an agent only the
// cases assigned to them.
func (s *Service) ReportFor(ctx context.Context, u *models.User, q Query) (*Report, error) {
	return s.Report(ctx, viewerOf(u), q)
}

func viewerOf(u *models.User) Viewer {
	return Viewer{UserID: u.ID, OwnOnly: !u.Role.AtLeast(models.RoleManager)}
}
