package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/batch"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Case timers (SLA warnings and breaches, no-agent-activity rules) are a durable index the
// scheduler reads only by _id; FerretDB would scan a whole collection for any range query.
//
// Layout, in the sla_buckets collection, by the minute (Unix time / 60) a timer falls due in:
//
//	"m:<minute>"         head:  {n}: how many entry places were handed out in that minute
//	"m:<minute>:<slot>"  slot:  {ids: {caseID: due}, version, claimed_by, claim_until}
//	"cursor"             cursor: {minute}: no minute before it holds work
//
// A writer puts a case into minute max(due minute, current minute) — never into the past —
// in a slot of at most timerSlotSize entries: FerretDB rewrites a whole document on each
// update and its cost grows with the number of fields (measured: an add took ~1 ms up to 32
// entries, ~8 ms at 256, ~60 ms at 1,000), and timers cluster (every case filed overnight
// falls due at the same instant), so one document per minute would make intake crawl. Each
// process reserves a slot by raising the head's n by timerSlotSize (one small atomic write)
// and fills it with its next writes to that minute, so a burst costs about one write per
// timer and a quiet minute two. A batch of timers (the group commit of concurrent filings)
// adds to the slots of all the minutes it touches in one command.
//
// The sweep reads the cursor, then for each minute from it to now the head and its slots,
// all by _id. It claims a whole slot (a conditional write on MongoDB; the in-process lock and a
// by-_id write on the single-writer embedded database) for a lease, checks each due entry
// against the case document (the truth: fire, or drop an entry the case has moved past),
// and finishes by removing the entries it handled — only if no writer touched the slot since
// the claim, else it keeps them for the next sweep, which is harmless because the case
// document decides. A slot another replica holds is skipped and keeps the cursor from
// passing its minute, so it is never lost: its holder finishes it, or its lease expires and
// someone else takes it. The cursor only moves forward, and never past
// now - TimerSafetyMargin, so a writer whose clock lags a little (or whose write is in
// flight) still writes at or after the cursor. Entries are never removed when a case's
// timer moves: a stale one is dropped when the sweep reaches it.
const (
	timerSlotSize = 32
	timerCursorID = "cursor"
	// TimerSafetyMargin bounds how far replica clocks may disagree and how long a case write
	// may take from choosing its timer's minute to storing the case.
	TimerSafetyMargin = 2 * time.Minute
)

// TimerMinute is the minute a time falls in (Unix minutes, floored).
func TimerMinute(t time.Time) int64 {
	s := t.Unix()
	if s < 0 {
		return (s - 59) / 60
	}
	return s / 60
}

func timerHeadID(minute int64) string { return "m:" + strconv.FormatInt(minute, 10) }

// TimerSlotID names slot slot of minute minute.
func TimerSlotID(minute int64, slot int) string {
	return timerHeadID(minute) + ":" + strconv.Itoa(slot)
}

// TimerSlot is one claimable bucket of timers: case IDs with the due time each was written for.
type TimerSlot struct {
	ID         string               `bson:"_id"`
	Minute     int64                `bson:"minute"`
	Due        map[string]time.Time `bson:"ids"`
	Version    int64                `bson:"version"`
	ClaimedBy  string               `bson:"claimed_by"`
	ClaimUntil time.Time            `bson:"claim_until"`
}

type timerHead struct {
	ID string `bson:"_id"`
	N  int64  `bson:"n"`
}

type timerCursor struct {
	ID      string `bson:"_id"`
	Minute  int64  `bson:"minute"`
	Version int64  `bson:"version"`
}

// slotReservations remembers, per minute, the slot this process is filling and how many places
// it has left. Losing it (a restart) loses nothing: unused places are simply empty.
type slotReservations struct {
	mu   sync.Mutex
	open map[int64]*slotReservation
}

type slotReservation struct {
	slot int
	left int
}

const maxOpenReservations = 4096

func newSlotReservations() *slotReservations {
	return &slotReservations{open: map[int64]*slotReservation{}}
}

// ErrNotClaimable is returned when a timer slot is held by another worker.
var ErrNotClaimable = errors.New("store: timer not claimable")

func checkTimerCaseID(id string) error {
	if id == "" || strings.ContainsAny(id, ".\x00") || strings.HasPrefix(id, "$") {
		return fmt.Errorf("store: %q cannot be a timer key", id)
	}
	return nil
}

// SetSLATimer records that the case needs a look at due: its next SLA event or idle rule. nil
// does nothing: an entry the case no longer needs is dropped when the sweep reaches it.
//
// Timers set concurrently (cases filed together) are written together by SetSLATimers.
func (s *Store) SetSLATimer(ctx context.Context, caseID string, due *time.Time) error {
	if due == nil {
		return nil
	}
	return s.timerWrites.Do(ctx, timerEntry{caseID, *due})
}

// writeTimerBatch writes the timers of concurrent callers with as few writes as the slots
// allow. A case named twice in one batch gets both entries (in two rounds), since a sweep
// drops an entry whose time is not the case's next event and the other must remain.
func (s *Store) writeTimerBatch(ctx context.Context, entries []timerEntry) []error {
	for len(entries) > 0 {
		round := map[string]time.Time{}
		var rest []timerEntry
		for _, e := range entries {
			if _, dup := round[e.caseID]; dup {
				rest = append(rest, e)
				continue
			}
			round[e.caseID] = e.due
		}
		if err := s.SetSLATimers(ctx, round); err != nil {
			return batch.AllFailed(len(entries), err)
		}
		entries = rest
	}
	return nil
}

// SetSLATimers records many cases' timers at once: per minute one write per timerSlotSize
// cases plus one for the head (a single case per minute goes into this process's open slot).
func (s *Store) SetSLATimers(ctx context.Context, due map[string]time.Time) error {
	return s.setTimers(ctx, due, s.now())
}

func (s *Store) setTimers(ctx context.Context, due map[string]time.Time, at time.Time) error {
	now := TimerMinute(at)
	byMinute := map[int64][]timerEntry{}
	for id, t := range due {
		if err := checkTimerCaseID(id); err != nil {
			return err
		}
		m := max(TimerMinute(t), now)
		byMinute[m] = append(byMinute[m], timerEntry{id, t})
	}
	var writes []slotWrite
	for _, m := range slices.Sorted(maps.Keys(byMinute)) {
		entries := byMinute[m]
		slices.SortFunc(entries, func(a, b timerEntry) int { return strings.Compare(a.caseID, b.caseID) })
		shares, err := s.reserveEntries(ctx, m, len(entries))
		if err != nil {
			return err
		}
		for _, sh := range shares {
			chunk := entries[:sh.n]
			entries = entries[sh.n:]
			set := make(bson.D, 0, len(chunk))
			for _, e := range chunk {
				set = append(set, bson.E{Key: "ids." + e.caseID, Value: e.due})
			}
			writes = append(writes, slotWrite{minute: m, slot: sh.slot, set: set})
		}
	}
	return s.writeSlots(ctx, writes)
}

type timerEntry struct {
	caseID string
	due    time.Time
}

// slotWrite adds entries (set) to one slot of minute.
type slotWrite struct {
	minute int64
	slot   int
	set    bson.D
}

// writeSlots adds the entries to their slots in one command: timers cluster by priority, so a
// batch usually touches a few minutes, and one round trip for all of them keeps the timer
// write from being the slowest part of filing a case.
func (s *Store) writeSlots(ctx context.Context, writes []slotWrite) error {
	if len(writes) == 0 {
		return nil
	}
	ids := make([]string, len(writes))
	updates := make([]mongo.WriteModel, len(writes))
	for i, w := range writes {
		ids[i] = TimerSlotID(w.minute, w.slot)
		updates[i] = mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: ids[i]}}).SetUpdate(bson.D{
			{Key: "$set", Value: w.set},
			{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "minute", Value: w.minute}, {Key: "claimed_by", Value: ""}, {Key: "claim_until", Value: time.Time{}}}},
		}).SetUpsert(true)
	}
	unlock := s.timerLocks.lockMany(ids)
	defer unlock()
	if _, err := s.w(collSLABuckets).BulkWrite(ctx, updates, options.BulkWrite().SetOrdered(true)); err != nil {
		return fmt.Errorf("timer slots %s: %w", strings.Join(ids, ", "), err)
	}
	return nil
}

// slotShare is how many of a batch's timers go into one slot.
type slotShare struct{ slot, n int }

// reserveEntries returns the slots n timers of minute go into: first the slot this process is
// filling for minute, while it has room, then fresh slots reserved with one raise of the head,
// the last of which stays open for the next batches. Under load a batch costs one slot write
// per minute it touches, and a head write only once per timerSlotSize timers.
func (s *Store) reserveEntries(ctx context.Context, minute int64, n int) ([]slotShare, error) {
	r := s.reservations
	r.mu.Lock()
	defer r.mu.Unlock()
	var shares []slotShare
	if res := r.open[minute]; res != nil && res.left > 0 {
		k := min(res.left, n)
		res.left -= k
		shares = append(shares, slotShare{res.slot, k})
		n -= k
	}
	if n == 0 {
		return shares, nil
	}
	count := (n + timerSlotSize - 1) / timerSlotSize
	head, err := s.raiseTimerHead(ctx, minute, int64(count*timerSlotSize))
	if err != nil {
		return nil, err
	}
	first := int(head/timerSlotSize) - count
	for i := 0; i < count; i++ {
		k := min(timerSlotSize, n)
		shares = append(shares, slotShare{first + i, k})
		n -= k
	}
	if len(r.open) >= maxOpenReservations {
		// Writers never go back to a past minute, so those reservations are useless.
		now := TimerMinute(s.now())
		for m := range r.open {
			if m < now {
				delete(r.open, m)
			}
		}
		if len(r.open) >= maxOpenReservations {
			clear(r.open)
		}
	}
	last := shares[len(shares)-1]
	r.open[minute] = &slotReservation{slot: last.slot, left: timerSlotSize - last.n}
	return shares, nil
}

// raiseTimerHead adds by to the head of minute and returns the new n.
func (s *Store) raiseTimerHead(ctx context.Context, minute int64, by int64) (int64, error) {
	id := timerHeadID(minute)
	unlock := s.timerLocks.lock(id)
	defer unlock()
	var h timerHead
	err := s.w(collSLABuckets).FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: by}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&h)
	if err != nil {
		return 0, fmt.Errorf("timer head %s: %w", id, err)
	}
	return h.N, nil
}

// TimerSlots returns how many slots minute has handed out (0 when it has none).
func (s *Store) TimerSlots(ctx context.Context, minute int64) (int, error) {
	var h timerHead
	err := s.getByID(ctx, collSLABuckets, timerHeadID(minute), &h)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return int((h.N + timerSlotSize - 1) / timerSlotSize), nil
}

// DropTimerMinute removes the head of a minute whose slots are all gone. Only for minutes
// behind the safety margin, which no writer touches any more.
func (s *Store) DropTimerMinute(ctx context.Context, minute int64) error {
	return s.deleteByID(ctx, collSLABuckets, timerHeadID(minute))
}

// updateTimerDoc reads the document id into doc, lets mutate change it and writes it back if
// nobody wrote in between (on MongoDB the version is in the filter; on the embedded database
// the in-process lock, which every writer of these documents takes, makes it so). remove
// tells it to delete the document instead. It retries when a writer got in between.
func updateTimerDoc[T any](ctx context.Context, s *Store, id string, version func(*T) *int64,
	mutate func(doc *T) (remove bool, err error)) (*T, error) {
	unlock := s.timerLocks.lock(id)
	defer unlock()
	for attempt := 0; attempt < 10; attempt++ {
		var doc T
		if err := s.getByID(ctx, collSLABuckets, id, &doc); err != nil {
			return nil, err
		}
		v := version(&doc)
		read := *v
		remove, err := mutate(&doc)
		if err != nil {
			return nil, err
		}
		filter := bson.D{{Key: "_id", Value: id}}
		if !s.opts.SingleWriter {
			filter = append(filter, bson.E{Key: "version", Value: read})
		}
		var matched int64
		if remove {
			res, err := s.w(collSLABuckets).DeleteOne(ctx, filter)
			if err != nil {
				return nil, err
			}
			matched = res.DeletedCount
		} else {
			*v = read + 1
			res, err := s.w(collSLABuckets).ReplaceOne(ctx, filter, &doc)
			if err != nil {
				return nil, err
			}
			matched = res.MatchedCount
		}
		if matched == 1 {
			return &doc, nil
		}
	}
	return nil, fmt.Errorf("timer document %s: %w", id, ErrVersionMismatch)
}

func slotVersion(t *TimerSlot) *int64     { return &t.Version }
func cursorVersion(c *timerCursor) *int64 { return &c.Version }

// ClaimTimerSlot takes slot id for token until now+lease, unless someone else holds an
// unexpired claim (ErrNotClaimable). A missing slot gives ErrNotFound. The token must be new
// for each claim: FinishTimerSlot knows its claim by it.
func (s *Store) ClaimTimerSlot(ctx context.Context, id, token string, now time.Time, lease time.Duration) (*TimerSlot, error) {
	if token == "" || lease <= 0 {
		return nil, errors.New("store: claim needs a token and a lease")
	}
	return updateTimerDoc(ctx, s, id, slotVersion, func(t *TimerSlot) (bool, error) {
		if t.ClaimedBy != "" && t.ClaimedBy != token && t.ClaimUntil.After(now) {
			return false, ErrNotClaimable
		}
		t.ClaimedBy, t.ClaimUntil = token, now.Add(lease)
		return false, nil
	})
}

// FinishTimerSlot ends a claim: it removes the handled entries (only when no writer touched
// the slot since the claim; otherwise they stay for the next sweep), deletes the slot when it
// is empty, and frees it. It returns how many entries are left; when the claim was lost (its
// lease expired and someone else took the slot) it changes nothing and reports the slot as
// still holding work.
func (s *Store) FinishTimerSlot(ctx context.Context, claimed *TimerSlot, handled []string) (int, error) {
	left := 0
	_, err := updateTimerDoc(ctx, s, claimed.ID, slotVersion, func(t *TimerSlot) (bool, error) {
		if t.ClaimedBy != claimed.ClaimedBy { // tokens are unique per claim
			left = max(len(t.Due), 1)
			return false, errClaimLost
		}
		if t.Version == claimed.Version {
			for _, id := range handled {
				delete(t.Due, id)
			}
		}
		t.ClaimedBy, t.ClaimUntil = "", time.Time{}
		left = len(t.Due)
		return left == 0, nil
	})
	if errors.Is(err, errClaimLost) {
		return left, nil
	}
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	return left, err
}

var errClaimLost = errors.New("store: timer claim lost")

// TimerCursor returns the first minute that may hold work. Without a cursor (a new database,
// or the first start after the timers moved here) it looks once at every head, which scans the
// collection, and records the earliest, or now - TimerSafetyMargin.
func (s *Store) TimerCursor(ctx context.Context, now time.Time) (int64, error) {
	var c timerCursor
	err := s.getByID(ctx, collSLABuckets, timerCursorID, &c)
	if err == nil {
		return c.Minute, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return 0, err
	}
	first := TimerMinute(now.Add(-TimerSafetyMargin))
	minutes, err := s.timerHeadMinutes(ctx)
	if err != nil {
		return 0, err
	}
	if len(minutes) > 0 {
		first = min(first, minutes[0])
	}
	err = s.insert(ctx, collSLABuckets, timerCursor{ID: timerCursorID, Minute: first, Version: 1})
	if isDup(err) {
		// Another replica made it first; its value is as good.
		return s.TimerCursor(ctx, now)
	}
	return first, err
}

// timerHeadMinutes lists the minutes that have a head, in order (a collection scan).
func (s *Store) timerHeadMinutes(ctx context.Context) ([]int64, error) {
	cur, err := s.c(collSLABuckets).Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, err
	}
	var out []int64
	for _, r := range rows {
		rest, ok := strings.CutPrefix(r.ID, "m:")
		if !ok || strings.Contains(rest, ":") {
			continue
		}
		if m, err := strconv.ParseInt(rest, 10, 64); err == nil {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out, nil
}

// TimerHeadMinutes lists the minutes that hold timers, in order (a scan of the timers'
// collection: for catching up over a long stretch, where walking every minute costs more).
func (s *Store) TimerHeadMinutes(ctx context.Context) ([]int64, error) {
	return s.timerHeadMinutes(ctx)
}

// AdvanceTimerCursor moves the cursor forward to minute; it never moves back.
func (s *Store) AdvanceTimerCursor(ctx context.Context, minute int64) error {
	_, err := updateTimerDoc(ctx, s, timerCursorID, cursorVersion, func(c *timerCursor) (bool, error) {
		if c.Minute >= minute {
			return false, errNoChange
		}
		c.Minute = minute
		return false, nil
	})
	if errors.Is(err, errNoChange) {
		return nil
	}
	return err
}

var errNoChange = errors.New("store: no change")

// PendingTimers lists every timer entry by case (tests and benchmarks; it scans).
func (s *Store) PendingTimers(ctx context.Context) (map[string][]time.Time, error) {
	slots, err := findAll[TimerSlot](ctx, s, collSLABuckets, bson.D{{Key: "ids", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil {
		return nil, err
	}
	out := map[string][]time.Time{}
	for _, sl := range slots {
		for id, due := range sl.Due {
			out[id] = append(out[id], due)
		}
	}
	for _, ts := range out {
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	}
	return out, nil
}

// migrateSLATimers moves the timers of the old layout (one sla_timers document per case,
// which the sweep found by scanning due_at) into the buckets, then drops the old collection.
// Run twice (a crash before the migration is recorded), it only adds entries again, which the
// sweep treats like any stale entry.
func migrateSLATimers(ctx context.Context, s *Store, now time.Time) error {
	type oldTimer struct {
		ID    string    `bson:"_id"`
		DueAt time.Time `bson:"due_at"`
	}
	old, err := findAll[oldTimer](ctx, s, collSLATimersOld, nil)
	if err != nil {
		return err
	}
	due := map[string]time.Time{}
	for _, t := range old {
		if checkTimerCaseID(t.ID) == nil { // else not a case ID this version writes
			due[t.ID] = t.DueAt
		}
	}
	if err := s.setTimers(ctx, due, now); err != nil {
		return err
	}
	return s.w(collSLATimersOld).Drop(ctx)
}

// now is the store's clock, for choosing a timer's minute.
func (s *Store) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}
