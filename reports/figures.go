package reports

import (
	"math"
	"slices"
	"strconv"

	"github.com/kaiku-helpdesk/kaiku/search"
)

// Stat summarises a duration measure in whole minutes. Median and P90 are exact nearest-rank
// percentiles (the smallest value with at least 50% or 90% of the values at or below it), so
// each is a value some case really had; nil when no case has the measure.
type Stat struct {
	Count  int  `json:"count"`
	Median *int `json:"median"`
	P90    *int `json:"p90"`
}

// Figures are every report figure over one set of cases. A rate is a fraction from 0 to 1,
// nil when its denominator is zero.
type Figures struct {
	Cases    int `json:"cases"`
	Resolved int `json:"resolved"`

	FirstResponse Stat `json:"first_response"`
	Resolution    Stat `json:"resolution"`

	SLAMet        int      `json:"sla_met"`
	SLABreached   int      `json:"sla_breached"`
	SLACompliance *float64 `json:"sla_compliance"` // met / (met + breached)

	Reopened   int      `json:"reopened"`
	ReopenRate *float64 `json:"reopen_rate"` // reopened / (resolved + reopened and open again)

	FollowUpHeld       int      `json:"follow_up_held"`
	FollowUpNotHeld    int      `json:"follow_up_not_held"`
	FollowUpNoResponse int      `json:"follow_up_no_response"`
	FixHeldRate        *float64 `json:"fix_held_rate"`    // held / (held + not held)
	NoResponseRate     *float64 `json:"no_response_rate"` // no response / all three

	Rated         int      `json:"rated"`          // complaints rated in their follow-up
	RatingAverage *float64 `json:"rating_average"` // 1-5

	Escalated int `json:"escalated"`

	Granted            int   `json:"granted"`             // cases with a remedy standing
	GrantedMinor       int64 `json:"granted_minor"`       // net amount, minor units
	ApprovalsRequested int   `json:"approvals_requested"` // cases whose grant was over a limit
	ApprovalTurnaround Stat  `json:"approval_turnaround"`

	Reviews             int      `json:"reviews"`
	ReviewRatingAverage *float64 `json:"review_rating_average"`
	ReviewsReplied      int      `json:"reviews_replied"`
	ReviewReplyShare    *float64 `json:"review_reply_share"`
	ReviewReply         Stat     `json:"review_reply"` // minutes to the first reply
}

// accumulator gathers the figures of one set of cases.
type accumulator struct {
	f                                Figures
	firstResponse, resolution, reply []int32
	approval                         []int32
	ratingSum, reviewRatingSum       int
	reviewsRated                     int
	reopenedOpen                     int // reopened and not resolved again
}

// rowFacts are what a row's keyword values say beyond the row itself, worked out once per
// value rather than once per row.
type rowFacts struct {
	review       bool  // channel review
	reviewRating int   // 1-5, 0 none
	published    bool  // the review's public reply is published
	sla          uint8 // slaMet, slaBreached, 0 neither
	followUp     uint8 // followUpHeld, followUpNotHeld, followUpNoResponse, 0 none
}

// Kinds of rowFacts.sla and rowFacts.followUp.
const (
	slaMet = 1 + iota
	slaBreached
)

const (
	followUpHeld = 1 + iota
	followUpNotHeld
	followUpNoResponse
)

// valueFacts works out, for each value of a report's rows, what rowFacts needs of it.
type valueFacts struct {
	review, published []bool
	rating            []int
	sla, fu           []uint8
}

func newValueFacts(values []string) *valueFacts {
	n := len(values)
	v := &valueFacts{review: make([]bool, n), published: make([]bool, n), rating: make([]int, n), sla: make([]uint8, n), fu: make([]uint8, n)}
	for i, s := range values {
		v.review[i] = s == "review"
		v.published[i] = s == "published"
		if r, err := strconv.Atoi(s); err == nil && r >= 1 {
			v.rating[i] = r
		}
		switch s {
		case SLAMet:
			v.sla[i] = slaMet
		case SLABreached:
			v.sla[i] = slaBreached
		}
		switch s {
		case FollowUpHeld:
			v.fu[i] = followUpHeld
		case FollowUpNotHeld:
			v.fu[i] = followUpNotHeld
		case FollowUpNoResponse:
			v.fu[i] = followUpNoResponse
		}
	}
	return v
}

// of is what row d's values say.
func (v *valueFacts) of(d *search.ReportRow) rowFacts {
	return rowFacts{
		review: v.review[d.Keys[search.KeyChannel]], reviewRating: v.rating[d.Keys[search.KeyReviewRating]],
		published: v.published[d.Keys[search.KeyReviewReply]],
		sla:       v.sla[d.Keys[search.KeySLAOutcome]], followUp: v.fu[d.Keys[search.KeyFollowUpOutcome]],
	}
}

func (a *accumulator) add(d *search.ReportRow, x rowFacts) {
	f := &a.f
	f.Cases++
	if d.ResolutionMinutes != search.NoMinutes {
		f.Resolved++
		a.resolution = append(a.resolution, d.ResolutionMinutes)
	}
	if d.FirstResponseMinutes != search.NoMinutes {
		a.firstResponse = append(a.firstResponse, d.FirstResponseMinutes)
	}
	switch x.sla {
	case slaMet:
		f.SLAMet++
	case slaBreached:
		f.SLABreached++
	}
	if d.Reopened {
		f.Reopened++
		if d.ResolutionMinutes == search.NoMinutes {
			a.reopenedOpen++
		}
	}
	switch x.followUp {
	case followUpHeld:
		f.FollowUpHeld++
	case followUpNotHeld:
		f.FollowUpNotHeld++
	case followUpNoResponse:
		f.FollowUpNoResponse++
	}
	if !x.review && d.Rating >= 1 {
		f.Rated++
		a.ratingSum += int(d.Rating)
	}
	if d.Escalated {
		f.Escalated++
	}
	if d.Keys[search.KeyOptionGranted] != 0 {
		f.Granted++
	}
	f.GrantedMinor += d.GrantedMinor
	if d.ApprovalRequested {
		f.ApprovalsRequested++
	}
	if d.ApprovalMinutes != search.NoMinutes {
		a.approval = append(a.approval, d.ApprovalMinutes)
	}
	if x.review {
		f.Reviews++
		if x.reviewRating >= 1 {
			a.reviewsRated++
			a.reviewRatingSum += x.reviewRating
		}
		if x.published || d.FirstResponseMinutes != search.NoMinutes {
			f.ReviewsReplied++
		}
		if d.FirstResponseMinutes != search.NoMinutes {
			a.reply = append(a.reply, d.FirstResponseMinutes)
		}
	}
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(n) / float64(d)
	return &v
}

// NearestRank is the p-th percentile (0 < p ≤ 100) of values by the nearest-rank method;
// values is reordered.
func NearestRank(values []int32, p float64) *int {
	if len(values) == 0 {
		return nil
	}
	v := int(selectNth(values, nearestRank(len(values), p)))
	return &v
}

// nearestRank is the index, in sorted order, of the p-th percentile of n values.
func nearestRank(n int, p float64) int {
	return min(max(int(math.Ceil(p/100*float64(n))), 1), n) - 1
}

func stat(values []int32) Stat {
	s := Stat{Count: len(values)}
	if len(values) == 0 {
		return s
	}
	// The median first: selecting it leaves every larger rank (the 90th percentile's) after it.
	m, p := nearestRank(len(values), 50), nearestRank(len(values), 90)
	median := int(selectNth(values, m))
	p90 := int(selectNth(values[m:], p-m))
	s.Median, s.P90 = &median, &p90
	return s
}

// selectNth reorders values so that values[k] is the value sorted order would put there,
// with no larger value before it and no smaller one after it, and returns it. Quickselect
// with three-way partitions (many cases share a minute count): linear on average, where
// sorting every group's values for two ranks was most of a report's time.
func selectNth(values []int32, k int) int32 {
	lo, hi := 0, len(values)-1
	for hi-lo > 16 {
		a, b, c := values[lo], values[(lo+hi)/2], values[hi]
		pivot := max(min(a, b), min(max(a, b), c)) // median of three
		// values[lo:lt] < pivot, values[lt:i] == pivot, values[gt+1:hi+1] > pivot
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch v := values[i]; {
			case v < pivot:
				values[lt], values[i] = values[i], values[lt]
				lt++
				i++
			case v > pivot:
				values[gt], values[i] = values[i], values[gt]
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return pivot
		}
	}
	slices.Sort(values[lo : hi+1])
	return values[k]
}

func (a *accumulator) figures() Figures {
	f := a.f
	f.FirstResponse, f.Resolution, f.ReviewReply = stat(a.firstResponse), stat(a.resolution), stat(a.reply)
	f.ApprovalTurnaround = stat(a.approval)
	f.SLACompliance = ratio(f.SLAMet, f.SLAMet+f.SLABreached)
	// A reopened case that is open again has no resolution now but was resolved once.
	f.ReopenRate = ratio(f.Reopened, f.Resolved+a.reopenedOpen)
	f.FixHeldRate = ratio(f.FollowUpHeld, f.FollowUpHeld+f.FollowUpNotHeld)
	f.NoResponseRate = ratio(f.FollowUpNoResponse, f.FollowUpHeld+f.FollowUpNotHeld+f.FollowUpNoResponse)
	if f.Rated > 0 {
		v := float64(a.ratingSum) / float64(f.Rated)
		f.RatingAverage = &v
	}
	if a.reviewsRated > 0 {
		v := float64(a.reviewRatingSum) / float64(a.reviewsRated)
		f.ReviewRatingAverage = &v
	}
	f.ReviewReplyShare = ratio(f.ReviewsReplied, f.Reviews)
	return f
}
