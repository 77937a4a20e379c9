package models

import (
	"fmt"
	"slices"
	"strings"
)

// MaxBulkCases bounds one bulk change: a page or two of the inbox, and a request that still
// answers within a couple of seconds.
const MaxBulkCases = 500

// BulkCaseRef names one case of a bulk change with the version the client saw: a case changed
// since is refused, never overwritten.
type BulkCaseRef struct {
	ID      string `json:"id" validate:"required,max=64"`
	Version int64  `json:"version" validate:"required,min=1"`
}

// BulkChange applies the same change to many cases; nil or empty fields leave a case as it is.
// Closing them is a status change to closed.
type BulkChange struct {
	Cases      []BulkCaseRef `json:"cases" validate:"required,min=1,max=500,dive"`
	Status     *Status       `json:"status" validate:"omitempty,oneof=new open waiting resolved closed"`
	Priority   *Priority     `json:"priority" validate:"omitempty,oneof=low normal high urgent"`
	AssigneeID *string       `json:"assignee_id" validate:"omitempty,max=64"`
	TeamID     *string       `json:"team_id" validate:"omitempty,max=64"`
	AddTags    []string      `json:"add_tags" validate:"max=20,dive,min=1,max=40"`
	RemoveTags []string      `json:"remove_tags" validate:"max=20,dive,min=1,max=40"`
}

// maxCaseTags is how many tags a case may carry (as CasePatch allows).
const maxCaseTags = 20

// Check refuses a bulk change that changes nothing or names a case twice (the second write
// would always be refused as stale, which says nothing useful).
func (b BulkChange) Check() error {
	if b.Status == nil && b.Priority == nil && b.AssigneeID == nil && b.TeamID == nil &&
		len(b.AddTags) == 0 && len(b.RemoveTags) == 0 {
		return Invalid("the change is empty", map[string]string{
			"status": "set at least one of status, priority, assignee_id, team_id, add_tags, remove_tags"})
	}
	if len(b.Cases) > MaxBulkCases {
		return InvalidField("cases", fmt.Sprintf("must have at most %d items", MaxBulkCases))
	}
	seen := make(map[string]bool, len(b.Cases))
	for i, r := range b.Cases {
		if seen[r.ID] {
			return InvalidField(fmt.Sprintf("cases[%d].id", i), "names a case already in the list")
		}
		seen[r.ID] = true
	}
	add, remove := NormalizeTags(b.AddTags), NormalizeTags(b.RemoveTags)
	for _, t := range add {
		if slices.Contains(remove, t) {
			return InvalidField("remove_tags", "tag "+t+" is also in add_tags")
		}
	}
	return nil
}

// PatchFor is the single-case change the bulk change stands for on case c: tags are added to
// and removed from the case's own. An error refuses this case only.
func (b BulkChange) PatchFor(c *Case) (CasePatch, error) {
	p := CasePatch{Version: c.Version, Status: b.Status, Priority: b.Priority, AssigneeID: b.AssigneeID, TeamID: b.TeamID}
	if len(b.AddTags) == 0 && len(b.RemoveTags) == 0 {
		return p, nil
	}
	remove := NormalizeTags(b.RemoveTags)
	tags := make([]string, 0, len(c.Tags)+len(b.AddTags))
	for _, t := range c.Tags {
		if !slices.Contains(remove, t) {
			tags = append(tags, t)
		}
	}
	tags = NormalizeTags(append(tags, b.AddTags...))
	if len(tags) > maxCaseTags {
		return p, InvalidField("add_tags", fmt.Sprintf("the case would have more than %d tags", maxCaseTags))
	}
	if strings.Join(tags, ",") != strings.Join(c.Tags, ",") {
		p.Tags = &tags
	}
	return p, nil
}

// Outcomes of one case in a bulk change.
const (
	BulkOK                = "ok"
	BulkConflict          = "conflict"           // changed since the client read it
	BulkInvalidTransition = "invalid_transition" // the status change is not allowed from its status
	BulkNotFound          = "not_found"
	BulkForbidden         = "forbidden" // e.g. a merged duplicate, changed only through its target
	BulkInvalid           = "invalid"   // the change does not fit this case (too many tags)
	BulkFailed            = "failed"    // the write failed (the database did not answer); retry
)

// BulkOutcomeOf classifies the error one case's write ended with (nil is ok).
func BulkOutcomeOf(err error) string {
	if err == nil {
		return BulkOK
	}
	de, ok := AsError(err)
	if !ok {
		return BulkFailed
	}
	switch {
	case de.Code == "invalid_transition":
		return BulkInvalidTransition
	case de.Kind == KindConflict:
		return BulkConflict
	case de.Kind == KindNotFound:
		return BulkNotFound
	case de.Kind == KindForbidden:
		return BulkForbidden
	case de.Kind == KindInvalid || de.Kind == KindUnprocessable:
		return BulkInvalid
	}
	return BulkFailed
}
