package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// A timeline entry is stored as one string and comes back as it went in; an entry stored as a
// subdocument (by an earlier version) still reads.
func TestTimelineEntriesAreStoredAsStrings(t *testing.T) {
	ctx := context.Background()
	env := storetest.Start(t)
	at := time.Date(2026, 12, 6, 9, 30, 0, 123456789, time.UTC)
	c := models.NewComplaintCase("K-2026-000001", models.ComplaintCreate{Name: "Aino Virtanen", Email: "aino@example.com",
		Category: "product", Description: "The kettle broke."}, "", at)
	c.Timeline = append(c.Timeline, models.TimelineEvent{At: at, Actor: "rule: Legal words", Type: "rule_fired",
		Data:    map[string]string{"rule_id": "r-1", "rule": "Legal words", "matched": `text contains "lawyer"`},
		Changes: []models.FieldChange{{Field: "priority", From: "normal", To: "urgent"}, {Field: "tags", To: "legal"}}})
	if err := env.Store.InsertCase(ctx, c); err != nil {
		t.Fatal(err)
	}
	var raw bson.Raw
	if err := env.Store.Database().Collection("cases").FindOne(ctx, bson.D{{Key: "_id", Value: c.ID}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	entries, err := raw.LookupErr("timeline")
	if err != nil {
		t.Fatal(err)
	}
	values, err := entries.Array().Values()
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		if v.Type != bson.TypeString {
			t.Fatalf("timeline[%d] stored as %v, want a string", i, v.Type)
		}
	}
	got, err := env.Store.GetCase(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Timeline, c.Timeline) {
		t.Fatalf("timeline read back\n%+v\nwant\n%+v", got.Timeline, c.Timeline)
	}

	// The earlier form: each entry a subdocument.
	old := bson.D{{Key: "_id", Value: "K-2026-000002"}, {Key: "subject", Value: "Old"}, {Key: "version", Value: int64(1)},
		{Key: "timeline", Value: bson.A{bson.D{{Key: "at", Value: at}, {Key: "actor", Value: "Aino"}, {Key: "type", Value: "changed"},
			{Key: "data", Value: bson.D{{Key: "field", Value: "tags"}, {Key: "from", Value: "a"}, {Key: "to", Value: "a,b"}}}}}}}
	if _, err := env.Store.Database().Collection("cases").InsertOne(ctx, old); err != nil {
		t.Fatal(err)
	}
	got, err = env.Store.GetCase(ctx, "K-2026-000002")
	if err != nil {
		t.Fatal(err)
	}
	want := []models.TimelineEvent{{At: at.Truncate(time.Millisecond), Actor: "Aino", Type: "changed",
		Data: map[string]string{"field": "tags", "from": "a", "to": "a,b"}}}
	if !reflect.DeepEqual(got.Timeline, want) {
		t.Fatalf("subdocument entries read back as %+v", got.Timeline)
	}
}
