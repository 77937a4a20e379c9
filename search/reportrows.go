package search

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"
)

// Reports (issue 16): ReportRows hands reports every match's dimensions and measures as
// compact rows without pointers: each keyword value is a number into one list of values, so
// 100k rows are one flat slice the garbage collector never scans, and the Bleve backend keeps
// them decoded per index segment (segments never change) instead of decoding every row again
// for every report.

// ReportKey names a keyword value of a ReportRow.
type ReportKey int

// The keyword values of a report row.
const (
	KeyStatus ReportKey = iota
	KeyPriority
	KeyChannel
	KeyCategory
	KeyTouchpoint
	KeyExpectedOutcome
	KeyAssigneeID
	KeyTeamID
	KeyReviewSource
	KeyReviewRating
	KeyReviewReply
	KeyFollowUpState
	KeySLAOutcome
	KeyFollowUpOutcome
	KeyOptionGranted
	KeyOutcomeGap
	NumReportKeys
)

// NoMinutes is a ReportRow's minutes when the measure is not there (nil in CaseDoc).
const NoMinutes = -1

// ReportRow is one document's report dimensions and measures (CaseDoc's fields of the same
// names). Keys[k] is the value's index in ReportRowSet.Values ("" is always 0).
type ReportRow struct {
	Keys                 [NumReportKeys]uint32
	CreatedAt            int64 // Unix nanoseconds
	ResolvedAt           int64 // Unix nanoseconds; 0 none
	GrantedMinor         int64
	FirstResponseMinutes int32 // NoMinutes: none
	ResolutionMinutes    int32
	ApprovalMinutes      int32
	PriorityRank         int32
	EscalationLevel      int32
	Rating               int8
	Reopened             bool
	Escalated            bool
	ApprovalRequested    bool
}

// ReportRowSet is what ReportRows returns: the rows, in no order, and the values their keys
// name.
type ReportRowSet struct {
	Values []string
	Rows   []ReportRow
}

// Value is row r's value of key k.
func (s *ReportRowSet) Value(r *ReportRow, k ReportKey) string { return s.Values[r.Keys[k]] }

// valueDict numbers keyword values; it only grows, so a number once handed out stays valid.
type valueDict struct {
	mu     sync.Mutex
	values []string
	number map[string]uint32
}

func newValueDict() *valueDict {
	return &valueDict{values: []string{""}, number: map[string]uint32{"": 0}}
}

// of is v's number, adding v when it is new. The caller holds mu.
func (d *valueDict) of(v []byte) uint32 {
	if n, ok := d.number[string(v)]; ok { // no allocation for the lookup
		return n
	}
	s := string(v)
	n := uint32(len(d.values))
	d.values = append(d.values, s)
	d.number[s] = n
	return n
}

// snapshot is the values numbered so far.
func (d *valueDict) snapshot() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.values[:len(d.values):len(d.values)]
}

// rowKeyField is the position in an encoded row (encodeReportRow's order) of each key.
var rowKeyField = [NumReportKeys]int{
	KeyStatus: 2, KeyPriority: 3, KeyChannel: 5, KeyCategory: 6, KeyTouchpoint: 7, KeyExpectedOutcome: 8,
	KeyAssigneeID: 9, KeyTeamID: 10, KeyReviewSource: 13, KeyReviewRating: 14, KeyReviewReply: 15,
	KeyFollowUpState: 16, KeySLAOutcome: 20, KeyFollowUpOutcome: 22, KeyOptionGranted: 24, KeyOutcomeGap: 26,
}

// decodeRowInto decodes an encoded report row (encodeReportRow) into r, numbering its
// keyword values in dict (whose mu the caller holds). It allocates only for values dict has
// not seen.
func decodeRowInto(row []byte, dict *valueDict, r *ReportRow) error {
	var p [reportRowFields][]byte
	n := 0
	for rest := row; ; n++ {
		i := bytes.IndexByte(rest, reportRowSep[0])
		if n == reportRowFields-1 || i < 0 {
			if i >= 0 || n != reportRowFields-1 {
				return fmt.Errorf("search: report row of an unknown shape")
			}
			p[n] = rest
			break
		}
		p[n], rest = rest[:i], rest[i+1:]
	}
	if string(p[0]) != reportRowVersion {
		return fmt.Errorf("search: report row of an unknown version %q", p[0])
	}
	var err error
	num := func(b []byte) int64 {
		if len(b) == 0 {
			return 0
		}
		v, e := strconv.ParseInt(string(b), 10, 64) // no allocation: the conversion does not escape
		if e != nil && err == nil {
			err = e
		}
		return v
	}
	minutes := func(b []byte) int32 {
		if len(b) == 0 {
			return NoMinutes
		}
		return int32(num(b))
	}
	*r = ReportRow{}
	for k, i := range rowKeyField {
		r.Keys[k] = dict.of(p[i])
	}
	r.PriorityRank, r.EscalationLevel, r.CreatedAt = int32(num(p[4])), int32(num(p[11])), num(p[12])
	r.FirstResponseMinutes, r.ResolutionMinutes, r.ResolvedAt = minutes(p[17]), minutes(p[18]), num(p[19])
	r.Reopened, r.Rating = string(p[21]) == "1", int8(num(p[23]))
	r.GrantedMinor, r.Escalated = num(p[25]), string(p[27]) == "1"
	r.ApprovalMinutes, r.ApprovalRequested = minutes(p[28]), string(p[29]) == "1"
	if err != nil {
		return fmt.Errorf("search: report row %q: %w", p[1], err)
	}
	return nil
}
