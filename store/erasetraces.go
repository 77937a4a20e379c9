package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// ForgetCaseTraces removes what Kaiku keeps about case caseID outside the case itself, for an
// erasure or the retention sweep (issue 18): the staff notifications about it ("New complaint
// from …"), the data of its live-update events, its queued webhook deliveries and their log
// entries, and the before/after of audit entries about it or holding one of needles (the
// customer's e-mail address and name). The audit entries stay, as the record that something
// was done. Running it again is harmless. Like ForgetMail it scans (webhook queue, audit pages):
// accepted for these rare administrative runs.
func (s *Store) ForgetCaseTraces(ctx context.Context, caseID string, needles []string) error {
	if caseID == "" {
		return nil
	}
	if _, err := s.w(collNotices).DeleteMany(ctx, bson.D{{Key: "case_id", Value: caseID}}); err != nil {
		return err
	}
	if err := s.forgetEventData(ctx, caseID); err != nil {
		return err
	}
	if err := s.forgetWebhookDeliveries(ctx, caseID); err != nil {
		return err
	}
	return s.forgetInAudit(ctx, caseID, needles)
}

// forgetEventData blanks the data of the case's events in the stored event pages (the type,
// case and time stay: readers number events by their place in a page).
func (s *Store) forgetEventData(ctx context.Context, caseID string) error {
	pages, err := findAll[EventPage](ctx, s, collEvents, bson.D{{Key: "events.case_id", Value: caseID}})
	if err != nil {
		return err
	}
	for _, p := range pages {
		for i := range p.Events {
			if p.Events[i].CaseID == caseID {
				p.Events[i].Data = nil
			}
		}
		if _, err := s.w(collEvents).UpdateOne(ctx, bson.D{{Key: "_id", Value: p.ID}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "events", Value: p.Events}}}}); err != nil {
			return err
		}
	}
	return nil
}

// forgetWebhookDeliveries deletes the case's queued deliveries (their payload holds the case)
// and its entries in every endpoint's delivery log (a receiver's answer may echo it).
func (s *Store) forgetWebhookDeliveries(ctx context.Context, caseID string) error {
	queued, err := findAll[QueuedWebhook](ctx, s, collWebhookQueue, nil)
	if err != nil {
		return err
	}
	for _, q := range queued {
		var last models.WebhookDelivery
		if json.Unmarshal(q.LastJSON, &last) == nil && last.CaseID == caseID || strings.Contains(q.Payload, `"`+caseID+`"`) {
			if err := s.deleteByID(ctx, collWebhookQueue, q.ID); err != nil {
				return err
			}
		}
	}
	logs, err := findAll[cappedLog](ctx, s, collWebhookLog, nil)
	if err != nil {
		return err
	}
	for _, l := range logs {
		if err := editCappedLog(ctx, s, collWebhookLog, l.ID, func(items []models.WebhookDelivery) []models.WebhookDelivery {
			return slices.DeleteFunc(items, func(d models.WebhookDelivery) bool { return d.CaseID == caseID })
		}); err != nil {
			return err
		}
	}
	return nil
}

// forgetInAudit drops the before and after of the audit entries about the case or holding a
// needle.
func (s *Store) forgetInAudit(ctx context.Context, caseID string, needles []string) error {
	head, err := s.AuditHead(ctx)
	if err != nil {
		return err
	}
	mentions := func(e models.AuditEntry) bool {
		if e.TargetID == caseID {
			return true
		}
		text, _ := json.Marshal([]any{e.Before, e.After})
		lower := strings.ToLower(string(text))
		for _, n := range needles {
			if n = strings.ToLower(strings.TrimSpace(n)); len(n) >= 3 && strings.Contains(lower, n) {
				return true
			}
		}
		return strings.Contains(string(text), `"`+caseID+`"`)
	}
	for page := int64(1); page <= head; page++ {
		if err := editCappedLog(ctx, s, collAuditLog, auditPageID(page), func(items []models.AuditEntry) []models.AuditEntry {
			for i := range items {
				if (items[i].Before != nil || items[i].After != nil) && mentions(items[i]) {
					items[i].Before, items[i].After = nil, nil
				}
			}
			return items
		}); err != nil {
			return err
		}
	}
	return nil
}

// editCappedLog rewrites log id of coll with what edit returns, when that differs.
func editCappedLog[E any](ctx context.Context, s *Store, coll, id string, edit func([]E) []E) error {
	unlock := s.locks.lock(coll + ":" + id)
	defer unlock()
	for range 10 {
		var v cappedLog
		err := s.getByID(ctx, coll, id, &v)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		before, err := json.Marshal(logEntries[E](&v))
		if err != nil {
			return err
		}
		after, err := json.Marshal(edit(logEntries[E](&v)))
		if err != nil {
			return err
		}
		if string(before) == string(after) {
			return nil
		}
		err = s.replaceIfVersion(ctx, coll, id, v.Version, &cappedLogDoc{ID: id, Version: v.Version + 1, Items: after})
		if errors.Is(err, ErrVersionMismatch) {
			continue
		}
		return err
	}
	return ErrVersionMismatch
}
