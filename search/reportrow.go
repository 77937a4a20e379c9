package search

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A report row is one document's dimensions and measures in one string, indexed as a single
// keyword term with doc values (Bleve) or one attribute (Meilisearch). ReportRows reads that
// one column for every match instead of loading stored documents, which is what makes a
// report over 100k cases cheap.

const (
	reportRowVersion = "r1"
	reportRowSep     = "\x1f" // ASCII unit separator; removed from values when encoding
	fieldReportRow   = "report_row"
)

func rowText(v string) string { return strings.ReplaceAll(v, reportRowSep, " ") }

func rowOptInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func rowTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UTC().UnixNano(), 10)
}

func rowBool(b bool) string {
	if b {
		return "1"
	}
	return ""
}

// encodeReportRow is the row of d.
func encodeReportRow(d CaseDoc) string {
	parts := []string{
		reportRowVersion, rowText(d.ID), rowText(d.Status), rowText(d.Priority), strconv.Itoa(d.PriorityRank),
		rowText(d.Channel), rowText(d.Category), rowText(d.Touchpoint), rowText(d.ExpectedOutcome),
		rowText(d.AssigneeID), rowText(d.TeamID), strconv.Itoa(d.EscalationLevel), rowTime(d.CreatedAt),
		rowText(d.ReviewSource), rowText(d.ReviewRating), rowText(d.ReviewReply), rowText(d.FollowUpState),
		rowOptInt(d.FirstResponseMinutes), rowOptInt(d.ResolutionMinutes), rowTime(d.ResolvedAt),
		rowText(d.SLAOutcome), rowBool(d.Reopened), rowText(d.FollowUpOutcome), strconv.Itoa(d.Rating),
		rowText(d.OptionGranted), strconv.FormatInt(d.GrantedMinor, 10), rowText(d.OutcomeGap),
		rowBool(d.Escalated), rowOptInt(d.ApprovalMinutes), rowBool(d.ApprovalRequested),
	}
	return strings.Join(parts, reportRowSep)
}

const reportRowFields = 30

// decodeReportRow is the inverse of encodeReportRow. It walks the row once, without
// splitting it into a slice first: ReportRows decodes every match's row.
func decodeReportRow(row string) (CaseDoc, error) {
	var p [reportRowFields]string
	n := 0
	for rest := row; ; n++ {
		i := strings.IndexByte(rest, reportRowSep[0])
		if n == reportRowFields-1 || i < 0 {
			if i >= 0 || n != reportRowFields-1 {
				return CaseDoc{}, fmt.Errorf("search: report row of an unknown shape")
			}
			p[n] = rest
			break
		}
		p[n], rest = rest[:i], rest[i+1:]
	}
	if p[0] != reportRowVersion {
		return CaseDoc{}, fmt.Errorf("search: report row of an unknown version %q", p[0])
	}
	var err error
	atoi := func(s string) int {
		if s == "" {
			return 0
		}
		v, e := strconv.Atoi(s)
		if e != nil && err == nil {
			err = e
		}
		return v
	}
	optInt := func(s string) *int {
		if s == "" {
			return nil
		}
		v := atoi(s)
		return &v
	}
	tm := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		v, e := strconv.ParseInt(s, 10, 64)
		if e != nil && err == nil {
			err = e
		}
		return time.Unix(0, v).UTC()
	}
	d := CaseDoc{
		ID: p[1], Status: p[2], Priority: p[3], PriorityRank: atoi(p[4]),
		Channel: p[5], Category: p[6], Touchpoint: p[7], ExpectedOutcome: p[8],
		AssigneeID: p[9], TeamID: p[10], EscalationLevel: atoi(p[11]), CreatedAt: tm(p[12]),
		ReviewSource: p[13], ReviewRating: p[14], ReviewReply: p[15], FollowUpState: p[16],
		FirstResponseMinutes: optInt(p[17]), ResolutionMinutes: optInt(p[18]), ResolvedAt: tm(p[19]),
		SLAOutcome: p[20], Reopened: p[21] == "1", FollowUpOutcome: p[22], Rating: atoi(p[23]),
		OptionGranted: p[24], OutcomeGap: p[26],
		Escalated: p[27] == "1", ApprovalMinutes: optInt(p[28]), ApprovalRequested: p[29] == "1",
	}
	if p[25] != "" {
		v, e := strconv.ParseInt(p[25], 10, 64)
		if e != nil && err == nil {
			err = e
		}
		d.GrantedMinor = v
	}
	if err != nil {
		return CaseDoc{}, fmt.Errorf("search: report row %q: %w", p[1], err)
	}
	return d, nil
}

// copyMeasuresTo copies the report measures of r into d.
func (r CaseDoc) copyMeasuresTo(d *CaseDoc) {
	d.FirstResponseMinutes, d.ResolutionMinutes, d.ResolvedAt = r.FirstResponseMinutes, r.ResolutionMinutes, r.ResolvedAt
	d.SLAOutcome, d.Reopened, d.FollowUpOutcome, d.Rating = r.SLAOutcome, r.Reopened, r.FollowUpOutcome, r.Rating
	d.OptionGranted, d.GrantedMinor, d.OutcomeGap = r.OptionGranted, r.GrantedMinor, r.OutcomeGap
	d.Escalated, d.ApprovalMinutes, d.ApprovalRequested = r.Escalated, r.ApprovalMinutes, r.ApprovalRequested
}
