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
	firstResponse, resolution, reply []int
	approval                         []int
	ratingSum, reviewRatingSum       int
	reviewsRated                     int
	reopenedOpen                     int // reopened and not resolved again
}

func (a *accumulator) add(d *search.CaseDoc) {
	f := &a.f
	f.Cases++
	if d.ResolutionMinutes != nil {
		f.Resolved++
		a.resolution = append(a.resolution, *d.ResolutionMinutes)
	}
	if d.FirstResponseMinutes != nil {
		a.firstResponse = append(a.firstResponse, *d.FirstResponseMinutes)
	}
	switch d.SLAOutcome {
	case SLAMet:
		f.SLAMet++
	case SLABreached:
		f.SLABreached++
	}
	if d.Reopened {
		f.Reopened++
		if d.ResolutionMinutes == nil {
			a.reopenedOpen++
		}
	}
	switch d.FollowUpOutcome {
	case FollowUpHeld:
		f.FollowUpHeld++
	case FollowUpNotHeld:
		f.FollowUpNotHeld++
	case FollowUpNoResponse:
		f.FollowUpNoResponse++
	}
	review := d.Channel == "review"
	if !review && d.Rating >= 1 {
		f.Rated++
		a.ratingSum += d.Rating
	}
	if d.Escalated {
		f.Escalated++
	}
	if d.OptionGranted != "" {
		f.Granted++
	}
	f.GrantedMinor += d.GrantedMinor
	if d.ApprovalRequested {
		f.ApprovalsRequested++
	}
	if d.ApprovalMinutes != nil {
		a.approval = append(a.approval, *d.ApprovalMinutes)
	}
	if review {
		f.Reviews++
		if r, err := strconv.Atoi(d.ReviewRating); err == nil && r >= 1 {
			a.reviewsRated++
			a.reviewRatingSum += r
		}
		if d.ReviewReply == "published" || d.FirstResponseMinutes != nil {
			f.ReviewsReplied++
		}
		if d.FirstResponseMinutes != nil {
			a.reply = append(a.reply, *d.FirstResponseMinutes)
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
// values is sorted in place.
func NearestRank(values []int, p float64) *int {
	if len(values) == 0 {
		return nil
	}
	slices.Sort(values)
	rank := int(math.Ceil(p / 100 * float64(len(values))))
	v := values[min(max(rank, 1), len(values))-1]
	return &v
}

func stat(values []int) Stat {
	return Stat{Count: len(values), Median: NearestRank(values, 50), P90: NearestRank(values, 90)}
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
