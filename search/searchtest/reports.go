package searchtest

import (
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/search"
)

// Reports (issue 16): ReportRows hands back every match's dimensions and measures.

func intp(v int) *int { return &v }

// reportProjection is what ReportRows keeps of d.
func reportProjection(d search.CaseDoc) search.CaseDoc {
	return search.CaseDoc{
		Status: d.Status, Priority: d.Priority, PriorityRank: d.PriorityRank, Channel: d.Channel,
		Category: d.Category, Touchpoint: d.Touchpoint, ExpectedOutcome: d.ExpectedOutcome,
		AssigneeID: d.AssigneeID, TeamID: d.TeamID, EscalationLevel: d.EscalationLevel, CreatedAt: d.CreatedAt.UTC(),
		ReviewSource: d.ReviewSource, ReviewRating: d.ReviewRating, ReviewReply: d.ReviewReply, FollowUpState: d.FollowUpState,
		FirstResponseMinutes: d.FirstResponseMinutes, ResolutionMinutes: d.ResolutionMinutes, ResolvedAt: d.ResolvedAt.UTC(),
		SLAOutcome: d.SLAOutcome, Reopened: d.Reopened, FollowUpOutcome: d.FollowUpOutcome, Rating: d.Rating,
		OptionGranted: d.OptionGranted, GrantedMinor: d.GrantedMinor, OutcomeGap: d.OutcomeGap,
		Escalated: d.Escalated, ApprovalMinutes: d.ApprovalMinutes, ApprovalRequested: d.ApprovalRequested,
	}
}

func optMinutes(m int32) *int {
	if m == search.NoMinutes {
		return nil
	}
	return intp(int(m))
}

func optTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

// rowDoc is row r of s as a CaseDoc (reportProjection's fields).
func rowDoc(s *search.ReportRowSet, r *search.ReportRow) search.CaseDoc {
	v := func(k search.ReportKey) string { return s.Value(r, k) }
	return search.CaseDoc{
		Status: v(search.KeyStatus), Priority: v(search.KeyPriority), PriorityRank: int(r.PriorityRank),
		Channel: v(search.KeyChannel), Category: v(search.KeyCategory), Touchpoint: v(search.KeyTouchpoint),
		ExpectedOutcome: v(search.KeyExpectedOutcome), AssigneeID: v(search.KeyAssigneeID), TeamID: v(search.KeyTeamID),
		EscalationLevel: int(r.EscalationLevel), CreatedAt: optTime(r.CreatedAt),
		ReviewSource: v(search.KeyReviewSource), ReviewRating: v(search.KeyReviewRating), ReviewReply: v(search.KeyReviewReply),
		FollowUpState: v(search.KeyFollowUpState), FirstResponseMinutes: optMinutes(r.FirstResponseMinutes),
		ResolutionMinutes: optMinutes(r.ResolutionMinutes), ResolvedAt: optTime(r.ResolvedAt),
		SLAOutcome: v(search.KeySLAOutcome), Reopened: r.Reopened, FollowUpOutcome: v(search.KeyFollowUpOutcome),
		Rating: int(r.Rating), OptionGranted: v(search.KeyOptionGranted), GrantedMinor: r.GrantedMinor,
		OutcomeGap: v(search.KeyOutcomeGap), Escalated: r.Escalated, ApprovalMinutes: optMinutes(r.ApprovalMinutes),
		ApprovalRequested: r.ApprovalRequested,
	}
}

func testReportRows(t *testing.T, ix search.Index) {
	measured := Doc("rr-1", func(d *search.CaseDoc) {
		d.Category = "Credit reporting, credit repair\x1f or other" // the row separator inside a value
		d.AssigneeID = "user-1"
		d.CreatedAt = hours(1).Add(1500 * time.Millisecond)
		d.FirstResponseMinutes = intp(0)
		d.ResolutionMinutes = intp(1440)
		d.ResolvedAt = hours(25)
		d.SLAOutcome = "breached"
		d.Reopened = true
		d.FollowUpOutcome = "held"
		d.Rating = 4
		d.OptionGranted = "partial_refund"
		d.GrantedMinor = 2500
		d.OutcomeGap = "partial"
		d.Escalated = true
		d.EscalationLevel = 2
		d.ApprovalMinutes = intp(95)
		d.ApprovalRequested = true
	})
	review := Doc("rr-2", func(d *search.CaseDoc) {
		d.Channel, d.ReviewSource, d.ReviewRating, d.ReviewReply, d.Rating = "review", "trustpilot", "2", "none", 2
		d.TeamID = "team-b"
		d.CreatedAt = hours(3)
	})
	bare := Doc("rr-3", func(d *search.CaseDoc) { d.CreatedAt = hours(5) })
	upsert(t, ix, measured, review, bare)

	rows := func(q search.Query) []search.CaseDoc {
		t.Helper()
		set, err := ix.ReportRows(t.Context(), q)
		if err != nil {
			t.Fatalf("ReportRows: %v", err)
		}
		got := make([]search.CaseDoc, len(set.Rows))
		for i := range set.Rows {
			got[i] = rowDoc(set, &set.Rows[i])
		}
		sort.Slice(got, func(i, j int) bool { return got[i].CreatedAt.Before(got[j].CreatedAt) })
		return got
	}
	want := []search.CaseDoc{reportProjection(measured), reportProjection(review), reportProjection(bare)}
	want[0].Category = "Credit reporting, credit repair  or other"
	if got := rows(search.Query{}); !reflect.DeepEqual(got, want) {
		t.Errorf("all rows:\n got %+v\nwant %+v", got, want)
	}
	got := rows(search.Query{Filters: []search.Filter{{Field: search.FieldTeamID, Values: []string{"team-a"}}},
		Ranges: []search.TimeRange{{Field: search.FieldCreatedAt, From: hours(2)}}})
	if len(got) != 1 || !got[0].CreatedAt.Equal(bare.CreatedAt) {
		t.Errorf("filtered rows: got %+v, want rr-3 only", got)
	}
	got = rows(search.Query{Filters: []search.Filter{{Field: search.FieldSLAOutcome, Values: []string{"breached"}}}})
	if len(got) != 1 || !got[0].CreatedAt.Equal(measured.CreatedAt) {
		t.Errorf("rows with a breached SLA: got %+v, want rr-1 only", got)
	}
	// A replaced document is read in its new version only, a deleted one not at all (the
	// Bleve backend keeps rows per segment: the old version stays in its segment, deleted).
	changed := measured
	changed.Rating, changed.SLAOutcome, changed.Version = 5, "met", measured.Version+1
	upsert(t, ix, changed)
	if err := ix.Delete(t.Context(), bare.ID); err != nil {
		t.Fatal(err)
	}
	want = []search.CaseDoc{reportProjection(changed), reportProjection(review)}
	want[0].Category = "Credit reporting, credit repair  or other"
	if got := rows(search.Query{}); !reflect.DeepEqual(got, want) {
		t.Errorf("rows after a change and a delete:\n got %+v\nwant %+v", got, want)
	}
	upsert(t, ix, bare)

	// The measures come back on ordinary search hits too.
	res := find(t, ix, search.Query{Filters: []search.Filter{{Field: search.FieldOutcomeGap, Values: []string{"partial"}}}})
	if len(res.Hits) != 1 || res.Hits[0].Doc.ApprovalMinutes == nil || *res.Hits[0].Doc.ApprovalMinutes != 95 ||
		res.Hits[0].Doc.ResolvedAt.IsZero() || !res.Hits[0].Doc.Reopened {
		t.Errorf("search hit lost the measures: %+v", res.Hits)
	}
	if _, err := ix.ReportRows(t.Context(), search.Query{Filters: []search.Filter{{Field: "nope", Values: []string{"x"}}}}); err == nil {
		t.Error("ReportRows with an unknown field: no error")
	}
}
