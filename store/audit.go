package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// The audit log is append-only and kept whole, so it cannot be one capped log. It is a chain
// of pages, each a capped log (see cappedlog.go) of about AuditPageSize entries with the _id
// "page:<n>", and a head document naming the newest page. Appending is a write to the newest
// page by _id; listing reads pages by _id from the newest backwards, so neither scans the
// collection, however long the history grows.

// AuditPageSize is how many entries a page takes before the next one is started.
const AuditPageSize = 200

const auditHeadID = "head"

type auditHead struct {
	ID   string `bson:"_id"`
	Page int64  `bson:"page"`
}

func auditPageID(n int64) string { return fmt.Sprintf("page:%012d", n) }

func auditKey(e models.AuditEntry) (time.Time, string) { return e.At, e.ID }

// AuditHead returns the number of the newest audit page (0 when the log is empty).
func (s *Store) AuditHead(ctx context.Context) (int64, error) {
	var h auditHead
	err := s.getByID(ctx, collAuditLog, auditHeadID, &h)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	return h.Page, err
}

// AppendAudit adds an entry to the newest page, starting a new page when it is full.
func (s *Store) AppendAudit(ctx context.Context, e models.AuditEntry) error {
	page, err := s.AuditHead(ctx)
	if err != nil {
		return err
	}
	if page == 0 {
		page = 1
	}
	entries, err := readCappedLog[models.AuditEntry](ctx, s, collAuditLog, auditPageID(page), 0)
	if err != nil {
		return err
	}
	if len(entries) >= AuditPageSize {
		page++
	}
	// No cap: a page may pass AuditPageSize by a few when writers race, and nothing is dropped.
	if err := addToCappedLog(ctx, s, collAuditLog, auditPageID(page), []models.AuditEntry{e}, 1<<30, auditKey, nil); err != nil {
		return err
	}
	_, err = s.w(collAuditLog).UpdateOne(ctx, bson.D{{Key: "_id", Value: auditHeadID}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "page", Value: page}}}}, options.UpdateOne().SetUpsert(true))
	return err
}

// AuditPage returns the entries of page n, newest first.
func (s *Store) AuditPage(ctx context.Context, n int64) ([]models.AuditEntry, error) {
	return readCappedLog[models.AuditEntry](ctx, s, collAuditLog, auditPageID(n), 0)
}
