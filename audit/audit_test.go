package audit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/audit"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// The log spans several pages; listing pages through all of it in order, filters hold across
// page boundaries, and nothing that looks like a secret is kept.
func TestAuditLogPagesAndFilters(t *testing.T) {
	env := storetest.StartWith(t, t.TempDir(), store.Options{SingleWriter: true})
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	log := audit.New(env.Store, func() time.Time { return now })
	ctx := context.Background()
	admin := &models.User{ID: "a1", Name: "Ada", Role: models.RoleAdmin}
	other := &models.User{ID: "a2", Name: "Bo", Role: models.RoleAdmin}
	const total = 2*store.AuditPageSize + 50
	for i := range total {
		now = now.Add(time.Minute)
		actor, kind := admin, "rule"
		if i%2 == 1 {
			actor, kind = other, "webhook"
		}
		after := map[string]any{"n": i, "secret": "s3cret", "nested": map[string]any{"password": "pw", "name": "x"}}
		if err := log.Record(ctx, actor, kind, "update", fmt.Sprint(i), nil, after); err != nil {
			t.Fatal(err)
		}
	}
	var all []models.AuditEntry
	cursor := ""
	for {
		page, err := log.List(ctx, admin, audit.Filter{Limit: 70, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Entries...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(all) != total {
		t.Fatalf("listed %d of %d", len(all), total)
	}
	for i, e := range all {
		if e.TargetID != fmt.Sprint(total-1-i) {
			t.Fatalf("entry %d is %s: not newest first", i, e.TargetID)
		}
		after := e.After.(map[string]any)
		if _, ok := after["secret"]; ok || after["nested"].(map[string]any)["password"] != nil {
			t.Fatalf("a secret was kept: %v", after)
		}
	}
	page, err := log.List(ctx, admin, audit.Filter{Kind: "webhook", ActorID: "a2", Limit: 200})
	if err != nil || len(page.Entries) != 200 || page.NextCursor == "" {
		t.Fatalf("filtered: %d entries, cursor %q, %v", len(page.Entries), page.NextCursor, err)
	}
	rest, err := log.List(ctx, admin, audit.Filter{Kind: "webhook", ActorID: "a2", Limit: 200, Cursor: page.NextCursor})
	if err != nil || len(rest.Entries) != total/2-200 || rest.NextCursor != "" {
		t.Fatalf("filtered, continued: %d entries, cursor %q, %v", len(rest.Entries), rest.NextCursor, err)
	}
	from := all[9].At // the ten newest
	recent, err := log.List(ctx, admin, audit.Filter{From: from, Limit: 200})
	if err != nil || len(recent.Entries) != 10 {
		t.Fatalf("from: %d, %v", len(recent.Entries), err)
	}
	if _, err := log.List(ctx, &models.User{ID: "m", Role: models.RoleManager}, audit.Filter{}); err == nil {
		t.Fatal("a manager read the audit log")
	}
}
