package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// An endpoint's delivery log keeps the newest WebhookLogCap deliveries, newest first; a
// delivery's later entry replaces its earlier one, except that a final entry is never
// replaced by a non-final one (a retry reported after the outcome).
func TestWebhookDeliveryLogIsCappedAndKeepsFinalEntries(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	at := func(i int) time.Time { return storetest.Now.Add(time.Duration(i) * time.Second) }
	record := func(id, status string, created time.Time) {
		t.Helper()
		if err := env.Store.RecordWebhookDelivery(ctx, models.WebhookDelivery{ID: id, EndpointID: "ep", Status: status, CreatedAt: created}); err != nil {
			t.Fatal(err)
		}
	}
	record("d-first", models.WebhookPending, at(0))
	record("d-first", models.WebhookDelivered, at(0))
	record("d-first", models.WebhookPending, at(0))
	log, err := env.Store.WebhookDeliveries(ctx, "ep", 0)
	if err != nil || len(log) != 1 || log[0].Status != models.WebhookDelivered {
		t.Fatalf("log %+v, %v: want the one delivered entry", log, err)
	}
	for i := 1; i <= store.WebhookLogCap+2; i++ {
		record(fmt.Sprintf("d%04d", i), models.WebhookPending, at(i))
	}
	log, err = env.Store.WebhookDeliveries(ctx, "ep", 0)
	if err != nil || len(log) != store.WebhookLogCap {
		t.Fatalf("%d entries, %v: want %d", len(log), err, store.WebhookLogCap)
	}
	if newest, oldest := log[0].ID, log[len(log)-1].ID; newest != fmt.Sprintf("d%04d", store.WebhookLogCap+2) || oldest != "d0003" {
		t.Fatalf("newest %s, oldest %s", newest, oldest)
	}
	if short, _ := env.Store.WebhookDeliveries(ctx, "ep", 5); len(short) != 5 || short[0].ID != log[0].ID {
		t.Fatalf("limit 5: %+v", short)
	}
	if none, err := env.Store.WebhookDeliveries(ctx, "other", 0); err != nil || len(none) != 0 {
		t.Fatalf("an endpoint without deliveries: %+v, %v", none, err)
	}
}
