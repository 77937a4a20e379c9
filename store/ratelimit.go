package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// maxSlotLimit is the highest limit TakeHit keeps as one document per hit; above it a counter
// document is cheaper than finding a free slot.
const maxSlotLimit = 64

// rateSlot is one hit on a rate-limited key: slot n of the key's window.
type rateSlot struct {
	ID        string    `bson:"_id"` // key@window-start#n
	ExpiresAt time.Time `bson:"expires_at"`
}

// TakeHit records a hit on key in the fixed window containing now and reports whether it is
// within limit (false: refuse). The state is in the database, so every replica counts the
// same hits.
//
// For the small limits the public form and the login use, each hit claims a slot document
// "key@window#n" with the lowest free n, by insert: a key's first hit in a window (by far the
// usual case) is one insert, which travels with other writers' inserts in one round trip, and
// a duplicate _id tells that a slot is taken. For large limits it counts in one document.
func (s *Store) TakeHit(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (*Hit, error) {
	if limit > maxSlotLimit {
		n, err := s.CountHit(ctx, key, window, now)
		if err != nil {
			return nil, err
		}
		id := fmt.Sprintf("%s@%d", key, now.Truncate(window).Unix())
		return &Hit{Allowed: n <= limit, release: func(ctx context.Context) error {
			_, err := s.w(collRateLimits).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "count", Value: -1}}}})
			return err
		}}, nil
	}
	start := now.Truncate(window)
	base := fmt.Sprintf("%s@%d#", key, start.Unix())
	// Hits on one key take turns in this process, so they do not collide on the same slot;
	// once the hint shows the window full, refusing needs no database at all.
	unlock := s.locks.lock("slot:" + base)
	defer unlock()
	slot := s.slotHints.next(base)
	for slot <= limit {
		id := base + strconv.Itoa(slot)
		err := s.insert(ctx, collRateLimits, rateSlot{ID: id, ExpiresAt: start.Add(window)})
		if err == nil {
			s.slotHints.taken(base, slot)
			return &Hit{Allowed: true, release: func(ctx context.Context) error {
				s.slotHints.forget(base)
				return s.deleteByID(ctx, collRateLimits, id)
			}}, nil
		}
		if !isDup(err) {
			return nil, err
		}
		s.slotHints.taken(base, slot)
		if slot, err = s.firstFreeSlot(ctx, base, max(slot+1, s.slotHints.next(base)), limit+1); err != nil {
			return nil, err
		}
	}
	return &Hit{}, nil
}

// Hit is one recorded hit on a rate-limited key.
type Hit struct {
	Allowed bool // within the limit
	release func(ctx context.Context) error
}

// Release gives an allowed hit back (a request that turned out not to count, such as a
// retry answered from its first filing).
func (h *Hit) Release(ctx context.Context) error {
	if h == nil || h.release == nil {
		return nil
	}
	return h.release(ctx)
}

// slotHints remembers, for keys hit more than once in this process, the highest slot known to
// be taken, so a busy key's next hit starts there instead of colliding its way up from 1.
type slotHints struct {
	mu   sync.Mutex
	last map[string]int // window base -> highest slot known taken
}

func (h *slotHints) next(base string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last[base] + 1
}

// forget drops the hint for base: a slot was given back, so a lower one is free again.
func (h *slotHints) forget(base string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.last, base)
}

func (h *slotHints) taken(base string, slot int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.last == nil || len(h.last) > 10000 {
		h.last = map[string]int{} // old windows' hints are useless; start afresh
	}
	if slot > h.last[base] {
		h.last[base] = slot
	}
}

// firstFreeSlot finds, by reads, the lowest slot in [lo, hi] not taken yet (hi when all below
// are). Slots are taken lowest first, so the taken ones form a prefix and a binary search
// finds its end.
func (s *Store) firstFreeSlot(ctx context.Context, base string, lo, hi int) (int, error) {
	for lo < hi {
		mid := (lo + hi) / 2
		var slot rateSlot
		err := s.getByID(ctx, collRateLimits, base+strconv.Itoa(mid), &slot)
		switch {
		case err == nil:
			lo = mid + 1
		case errors.Is(err, ErrNotFound):
			hi = mid
		default:
			return 0, err
		}
	}
	return lo, nil
}

// CountHit adds one hit to key's fixed window that contains now and returns the hits in that
// window so far. The counter lives in the database, so every replica sees the same count.
//
// Hits on one key that arrive while its counter is being written (sixteen clients behind one
// address) are added together in the next write, and each caller gets its own running count,
// so a busy key costs one write per round trip instead of one per hit.
func (s *Store) CountHit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	start := now.Truncate(window)
	id := fmt.Sprintf("%s@%d", key, start.Unix())

	s.hitsMu.Lock()
	b := s.hitBatches[id]
	if b == nil {
		b = &hitBatch{done: make(chan struct{})}
		s.hitBatches[id] = b
	}
	b.n++
	mine := b.n
	s.hitsMu.Unlock()

	if mine == 1 {
		// The first hit writes the batch, after the key's previous batch; hits arriving
		// until the write starts join it.
		unlock := s.locks.lock("rl:" + id)
		s.hitsMu.Lock()
		delete(s.hitBatches, id)
		n := b.n
		s.hitsMu.Unlock()
		b.count, b.err = s.addHits(context.WithoutCancel(ctx), id, n, start.Add(window))
		unlock()
		close(b.done)
	}
	<-b.done
	if b.err != nil {
		return 0, b.err
	}
	s.hitsMu.Lock()
	n := b.n
	s.hitsMu.Unlock()
	return b.count - n + mine, nil
}

// hitBatch is the hits on one rate-limit key written together.
type hitBatch struct {
	n     int // hits in the batch; fixed once the write starts
	count int // the window's count after the write
	err   error
	done  chan struct{}
}

// addHits adds n hits to the window document id and returns its count after.
func (s *Store) addHits(ctx context.Context, id string, n int, expires time.Time) (int, error) {
	var doc struct {
		Count int `bson:"count"`
	}
	err := s.w(collRateLimits).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}},
		bson.D{
			{Key: "$inc", Value: bson.D{{Key: "count", Value: n}}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "expires_at", Value: expires}}},
		},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
	).Decode(&doc)
	return doc.Count, err
}

// DeleteExpired removes rate-limit windows, sessions (staff and tracking), idempotency records
// and presence that ended before now. These collections stay small (one document per active
// key, session, recent submission or open case page), so the scan is cheap.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	defer s.sessions.dropAll()
	var total int64
	for _, coll := range []string{collRateLimits, collSessions, collTrackSession, collIdempotent, collPresence, collPasswordResets, collLoginChallenges} {
		res, err := s.w(coll).DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now}}}})
		if err != nil {
			return total, err
		}
		total += res.DeletedCount
	}
	return total, nil
}
