package models

import (
	"slices"
	"time"
)

// Assign gives the case to agentID, opening a new case, and reports each field it changes.
func (c *Case) Assign(agentID string, change func(field, from, to string)) {
	change("assignee_id", c.AssigneeID, agentID)
	c.AssigneeID = agentID
	if c.Status == StatusNew {
		change("status", string(c.Status), string(StatusOpen))
		c.Status = StatusOpen
	}
}

// AssignInTurn carries out a round-robin effect of the rule ruleID that fired on c: it gives
// the case to agentID (whose turn it is; the caller keeps the turns) and records the change in
// that firing's timeline entry, as Apply records its own.
func (c *Case) AssignInTurn(ruleID, agentID string, now time.Time) {
	entry := -1 // the latest firing: the case may hold earlier ones of the same rule
	for i := len(c.Timeline) - 1; i >= 0 && entry < 0; i-- {
		if c.Timeline[i].Type == "rule_fired" && c.Timeline[i].Data["rule_id"] == ruleID {
			entry = i
		}
	}
	changed := false
	c.Assign(agentID, func(field, from, to string) {
		if from == to {
			return
		}
		changed = true
		if entry >= 0 {
			e := &c.Timeline[entry]
			e.Changes = append(slices.Clip(e.Changes), FieldChange{Field: field, From: from, To: to})
		}
	})
	if changed {
		c.UpdatedAt = now
	}
}

// Apply carries out the rule's actions on the case: the case-local ones (priority, team,
// assignee, escalation level, tags) change c, the others come back as effects. It appends one
// "rule_fired" entry {rule_id, rule, matched} by "rule: <name>" to c.Timeline with the changes
