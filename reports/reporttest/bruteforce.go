package reporttest

import (
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/kaiku-helpdesk/kaiku/reports"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// field reads a dimension's value of d, by name.
func field(d search.CaseDoc, dim string) string {
	switch dim {
	case "team":
		return d.TeamID
	case "agent":
		return d.AssigneeID
	case "category":
		return d.Category
	case "touchpoint":
		return d.Touchpoint
	case "channel":
		return d.Channel
	case "priority":
		return d.Priority
	case "source":
		return d.ReviewSource
	case "expected_outcome":
		return d.ExpectedOutcome
	case "option":
		return d.OptionGranted
	case "outcome_gap":
		return d.OutcomeGap
	case "sla":
		return d.SLAOutcome
	case "follow_up":
		return d.FollowUpOutcome
	}
	panic("unknown dimension " + dim)
}

func where(docs []search.CaseDoc, keep func(d search.CaseDoc) bool) []search.CaseDoc {
	var out []search.CaseDoc
	for _, d := range docs {
		if keep(d) {
			out = append(out, d)
		}
	}
	return out
}

func count(docs []search.CaseDoc, keep func(d search.CaseDoc) bool) int {
	return len(where(docs, keep))
}

// percentile is the smallest value v with at least p% of the values at or below it: after
// sorting, each value's count at or below it is found by a binary search for the first
// larger value.
func percentile(values []int, p int) *int {
	if len(values) == 0 {
		return nil
	}
	vs := slices.Clone(values)
	sort.Ints(vs)
	for _, v := range vs {
		atOrBelow := sort.SearchInts(vs, v+1)
		if atOrBelow*100 >= p*len(vs) {
			return &v
		}
	}
	return nil
}

func stat(docs []search.CaseDoc, m func(d search.CaseDoc) *int) reports.Stat {
	var vs []int
	for _, d := range docs {
		if v := m(d); v != nil {
			vs = append(vs, *v)
		}
	}
	return reports.Stat{Count: len(vs), Median: percentile(vs, 50), P90: percentile(vs, 90)}
}

func rate(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(n) / float64(d)
	return &v
}

func mean(vs []int) *float64 {
	if len(vs) == 0 {
		return nil
	}
	sum := 0
	for _, v := range vs {
		sum += v
	}
	m := float64(sum) / float64(len(vs))
	return &m
}

// Figures recomputes every figure of docs, one pass per figure.
func Figures(docs []search.CaseDoc) reports.Figures {
	isReview := func(d search.CaseDoc) bool { return d.Channel == "review" }
	f := reports.Figures{Cases: len(docs)}
	f.Resolved = count(docs, func(d search.CaseDoc) bool { return d.ResolutionMinutes != nil })
	f.FirstResponse = stat(docs, func(d search.CaseDoc) *int { return d.FirstResponseMinutes })
	f.Resolution = stat(docs, func(d search.CaseDoc) *int { return d.ResolutionMinutes })
	f.SLAMet = count(docs, func(d search.CaseDoc) bool { return d.SLAOutcome == "met" })
	f.SLABreached = count(docs, func(d search.CaseDoc) bool { return d.SLAOutcome == "breached" })
	f.SLACompliance = rate(f.SLAMet, f.SLAMet+f.SLABreached)
	f.Reopened = count(docs, func(d search.CaseDoc) bool { return d.Reopened })
	everResolved := count(docs, func(d search.CaseDoc) bool { return d.ResolutionMinutes != nil || d.Reopened })
	f.ReopenRate = rate(f.Reopened, everResolved)
	f.FollowUpHeld = count(docs, func(d search.CaseDoc) bool { return d.FollowUpOutcome == "held" })
	f.FollowUpNotHeld = count(docs, func(d search.CaseDoc) bool { return d.FollowUpOutcome == "not_held" })
	f.FollowUpNoResponse = count(docs, func(d search.CaseDoc) bool { return d.FollowUpOutcome == "no_response" })
	f.FixHeldRate = rate(f.FollowUpHeld, f.FollowUpHeld+f.FollowUpNotHeld)
	f.NoResponseRate = rate(f.FollowUpNoResponse, f.FollowUpHeld+f.FollowUpNotHeld+f.FollowUpNoResponse)
	var ratings []int
	for _, d := range where(docs, func(d search.CaseDoc) bool { return !isReview(d) && d.Rating > 0 }) {
		ratings = append(ratings, d.Rating)
	}
	f.Rated, f.RatingAverage = len(ratings), mean(ratings)
	f.Escalated = count(docs, func(d search.CaseDoc) bool { return d.Escalated })
	f.Granted = count(docs, func(d search.CaseDoc) bool { return d.OptionGranted != "" })
	for _, d := range docs {
		f.GrantedMinor += d.GrantedMinor
	}
	f.ApprovalsRequested = count(docs, func(d search.CaseDoc) bool { return d.ApprovalRequested })
	f.ApprovalTurnaround = stat(docs, func(d search.CaseDoc) *int { return d.ApprovalMinutes })
	revs := where(docs, isReview)
	f.Reviews = len(revs)
	var stars []int
	for _, d := range revs {
		if v, err := strconv.Atoi(d.ReviewRating); err == nil && v > 0 {
			stars = append(stars, v)
		}
	}
	f.ReviewRatingAverage = mean(stars)
	f.ReviewsReplied = count(revs, func(d search.CaseDoc) bool { return d.ReviewReply == "published" || d.FirstResponseMinutes != nil })
	f.ReviewReplyShare = rate(f.ReviewsReplied, f.Reviews)
	f.ReviewReply = stat(revs, func(d search.CaseDoc) *int { return d.FirstResponseMinutes })
	return f
}

func matches(d search.CaseDoc, filters map[string][]string) bool {
	for dim, values := range filters {
		if !slices.Contains(values, field(d, dim)) {
			return false
		}
	}
	return true
}

func in(t, from, to time.Time) bool { return !t.Before(from) && t.Before(to) }

// Report recomputes the report of q (already normalised by reports.Service.Normalize) over
// docs: the cases in the index, all of them.
func Report(docs []search.CaseDoc, q reports.Query, loc *time.Location, now time.Time) reports.Report {
	chosen := where(docs, func(d search.CaseDoc) bool { return matches(d, q.Filters) && in(d.CreatedAt, q.From, q.To) })
	out := reports.Report{From: q.From, To: q.To, Interval: q.Interval, GroupBy: q.GroupBy, Total: Figures(chosen)}
	periods := reports.Periods(q.From, q.To, q.Interval, loc)
	series := func(docs []search.CaseDoc) []reports.Period {
		var ps []reports.Period
		for _, p := range periods {
			ps = append(ps, reports.Period{Key: p[0].In(loc).Format(time.DateOnly), From: p[0], To: p[1],
				Figures: Figures(where(docs, func(d search.CaseDoc) bool { return in(d.CreatedAt, p[0], p[1]) }))})
		}
		return ps
	}
	out.Series = series(chosen)
	groupsBy := func(dim string) []reports.Group {
		out := []reports.Group{}
		var values []string
		for _, d := range chosen {
			if v := field(d, dim); !slices.Contains(values, v) {
				values = append(values, v)
			}
		}
		for _, v := range values {
			g := reports.Group{Value: v, Figures: Figures(where(chosen, func(d search.CaseDoc) bool { return field(d, dim) == v }))}
			if q.GroupSeries {
				g.Series = series(where(chosen, func(d search.CaseDoc) bool { return field(d, dim) == v }))
			}
			out = append(out, g)
		}
		return out
	}
	out.Groups = []reports.Group{}
	if q.GroupBy != "" {
		out.Groups = groupsBy(q.GroupBy)
	}
	out.Breakdowns = map[string][]reports.Group{}
	for _, dim := range q.AlsoBy {
		out.Breakdowns[dim] = groupsBy(dim)
	}
	now = now.Truncate(time.Second).Add(time.Second) // the end of the current second
	open := where(docs, func(d search.CaseDoc) bool {
		return matches(d, q.Filters) && (d.Status == "new" || d.Status == "open" || d.Status == "waiting")
	})
	for _, b := range [][2]int{{0, 1}, {1, 3}, {3, 7}, {7, 14}, {14, 30}, {30, -1}} {
		n := count(open, func(d search.CaseDoc) bool {
			newest := now.AddDate(0, 0, -b[0]) // created before this: at least b[0] days old
			oldest := now.AddDate(0, 0, -b[1]) // created at or after this: less than b[1] days old
			return d.CreatedAt.Before(newest) && (b[1] < 0 || !d.CreatedAt.Before(oldest))
		})
		out.Backlog = append(out.Backlog, reports.BacklogBucket{Count: n})
	}
	return out
}
