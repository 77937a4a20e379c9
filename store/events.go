package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Live updates travel through the database so that every replica sees every change (FerretDB
// has no change streams). Each process is an event source: it writes the events of concurrent
// writers as one page document, numbered 1, 2, 3... per source, with the _id derived from the
// source and the number. Other processes read a source's pages by _id, one after another, so
// nothing ever scans or sorts the collection, however many events there are. A small sources
// collection (one document per running process) tells readers which sources exist.

// EventPage is the events one source wrote in one round trip.
type EventPage struct {
	ID     string         `bson:"_id"`
	Source string         `bson:"source"`
	Page   int64          `bson:"page"`
	At     time.Time      `bson:"at"`
	Events []models.Event `bson:"events"`
}

// EventSource is a process writing event pages. LastPage is a hint refreshed now and then
// (not on every page): readers start from it and read on by _id.
type EventSource struct {
	ID        string    `bson:"_id"`
	StartedAt time.Time `bson:"started_at"`
	LastPage  int64     `bson:"last_page"`
	SeenAt    time.Time `bson:"seen_at"`
}

// EventPageID is the _id of a source's page number n.
func EventPageID(source string, n int64) string { return fmt.Sprintf("%s:%012d", source, n) }

// InsertEventPage stores a page. A page that is already stored (a retry after a lost answer)
// is not an error: pages are numbered by their one writer, so it is the same page.
func (s *Store) InsertEventPage(ctx context.Context, p *EventPage) error {
	p.ID = EventPageID(p.Source, p.Page)
	// A page already carries a batch of events (the publisher groups them, holding the write
	// turn: EventPageWriter), so it is written on its own rather than through s.insert.
	if _, err := s.w(collEvents).InsertOne(ctx, p); err != nil {
		if err = mapErr(err); !isDup(err) {
			return err
		}
	}
	p.number()
	return nil
}

// EventPage reads page n of source; ErrNotFound when it is not written (yet, or any more).
func (s *Store) EventPage(ctx context.Context, source string, n int64) (*EventPage, error) {
	var p EventPage
	if err := s.getByID(ctx, collEvents, EventPageID(source, n), &p); err != nil {
		return nil, err
	}
	p.number()
	return &p, nil
}

// number gives each event of the page its stream id.
func (p *EventPage) number() {
	for i := range p.Events {
		p.Events[i].Seq = fmt.Sprintf("%s:%d:%d", p.Source, p.Page, i)
	}
}

// TouchEventSource records that source is alive and has written up to lastPage.
func (s *Store) TouchEventSource(ctx context.Context, src EventSource) error {
	_, err := s.w(collEventSources).ReplaceOne(ctx, bson.D{{Key: "_id", Value: src.ID}}, src, options.Replace().SetUpsert(true))
	return err
}

// EventSources lists the sources (one per running process: the scan is tiny).
func (s *Store) EventSources(ctx context.Context) ([]EventSource, error) {
	return findAll[EventSource](ctx, s, collEventSources, nil)
}

// DeleteEventsBefore drops pages written before t (they have been read long ago) and sources
// not seen since t. It scans the pages once; callers run it about once a minute.
func (s *Store) DeleteEventsBefore(ctx context.Context, t time.Time) error {
	_, err := s.w(collEvents).DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: t}}}})
	_, err2 := s.w(collEventSources).DeleteMany(ctx, bson.D{{Key: "seen_at", Value: bson.D{{Key: "$lt", Value: t}}}})
	return errors.Join(err, err2)
}
