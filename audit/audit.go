// Package audit is the log of administrative actions: who changed which user, role, limit,
// rule, SLA policy, webhook, API token, setting, review source or resolution option, when,
// and what it was before and after. It is append-only (nothing here changes or removes an
// entry) and admins read it with filters. Secrets never reach it: values are copied through
// JSON, and any field whose name speaks of a password, secret, token or hash is dropped.
package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// Store is what the audit log needs: the paged log in store/audit.go.
type Store interface {
	AppendAudit(ctx context.Context, e models.AuditEntry) error
	AuditHead(ctx context.Context) (int64, error)
	AuditPage(ctx context.Context, n int64) ([]models.AuditEntry, error)
}

// Log records and lists administrative actions.
type Log struct {
	store Store
	now   func() time.Time
	// seq orders entries of this process recorded at the same instant (a coarse or fixed
	// clock): entries are listed by time, then by id.
	seq atomic.Int64
}

// New wires the audit log.
func New(st Store, now func() time.Time) *Log { return &Log{store: st, now: now} }

// Record appends one action by actor. kind names what was acted on, verb what was done.
func (l *Log) Record(ctx context.Context, actor *models.User, kind, verb, targetID string, before, after any) error {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	now := l.now().UTC()
	e := models.AuditEntry{ID: fmt.Sprintf("%019d-%012d-%s", now.UnixNano(), l.seq.Add(1), hex.EncodeToString(b)), At: now,
		Kind: kind, Action: kind + "." + verb, TargetID: targetID, Before: Redact(before), After: Redact(after)}
	if actor != nil {
		e.ActorID, e.ActorName = actor.ID, actor.Name
	}
	return l.store.AppendAudit(ctx, e)
}

// Redact returns v as plain JSON values without any field that could hold a secret.
func Redact(v any) any {
	if v == nil {
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil
	}
	return redactValue(out)
}

func secretName(k string) bool {
	k = strings.ToLower(k)
	for _, w := range []string{"password", "secret", "token", "hash", "sealed", "recovery"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if secretName(k) {
				delete(t, k)
				continue
			}
			t[k] = redactValue(x)
		}
	case []any:
		for i := range t {
			t[i] = redactValue(t[i])
		}
	}
	return v
}

// Filter narrows a listing. Zero fields do not filter.
type Filter struct {
	ActorID string
	Kind    string
	From    time.Time // inclusive
	To      time.Time // exclusive
	Cursor  string    // from a previous page's NextCursor
	Limit   int
}

// Page is one page of a listing, newest first. NextCursor is empty at the end; a listing reads
// at most maxPagesPerList log pages, so a narrow filter over a long history stays bounded and
// the client continues with NextCursor.
type Page struct {
	Entries    []models.AuditEntry `json:"entries"`
	NextCursor string              `json:"next_cursor"`
}

// maxPagesPerList bounds the reads of one listing (each a read by _id).
const maxPagesPerList = 25

// List returns the entries matching f, newest first (admins only).
func (l *Log) List(ctx context.Context, viewer *models.User, f Filter) (*Page, error) {
	if viewer == nil {
		return nil, models.Unauthorized("unauthenticated", "log in first")
	}
	if !viewer.Role.AtLeast(models.RoleAdmin) {
		return nil, models.Forbidden("only admins may read the audit log")
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	page, afterID, err := l.start(ctx, f.Cursor)
	if err != nil {
		return nil, err
	}
	out := &Page{Entries: []models.AuditEntry{}}
	for read := 0; page >= 1; page-- {
		if read == maxPagesPerList {
			out.NextCursor = strconv.FormatInt(page, 10)
			return out, nil
		}
		read++
		entries, err := l.store.AuditPage(ctx, page)
		if err != nil {
			return nil, err
		}
		skipping := afterID != ""
		for i, e := range entries {
			if skipping {
				if e.ID == afterID {
					skipping = false
				}
				continue
			}
			if !f.From.IsZero() && e.At.Before(f.From) {
				return out, nil // pages are in time order: everything further is older
			}
			if !matches(e, f) {
				continue
			}
			out.Entries = append(out.Entries, e)
			if len(out.Entries) == f.Limit {
				if i+1 < len(entries) || page > 1 {
					out.NextCursor = strconv.FormatInt(page, 10) + "/" + e.ID
				}
				return out, nil
			}
		}
		afterID = ""
	}
	return out, nil
}

func matches(e models.AuditEntry, f Filter) bool {
	if f.ActorID != "" && e.ActorID != f.ActorID {
		return false
	}
	if f.Kind != "" && e.Kind != f.Kind {
		return false
	}
	if !f.To.IsZero() && !e.At.Before(f.To) {
		return false
	}
	return true
}

// start reads a cursor: the page to begin with and the entry to continue after.
func (l *Log) start(ctx context.Context, cursor string) (int64, string, error) {
	if cursor == "" {
		head, err := l.store.AuditHead(ctx)
		return head, "", err
	}
	p, after, _ := strings.Cut(cursor, "/")
	n, err := strconv.ParseInt(p, 10, 64)
	if err != nil || n < 1 {
		return 0, "", models.InvalidField("cursor", "not a cursor from this list")
	}
	return n, after, nil
}
