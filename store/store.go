// Package store is Kaiku's persistence on MongoDB (or the embedded FerretDB, which speaks the
// same protocol). Every read and write of a single thing is by _id: FerretDB v1 pushes only an
// exact {_id} filter down to SQLite, anything else scans. Natural keys (an email, a counter
// name, a token hash) are turned into _id values so lookups stay by _id and duplicates fail on
// insert. Lists and counts of cases come from the search index, never from here.
//
// It is one package, larger than the others, because every collection shares what the measured
// limits of the embedded database demand and what must be written once: the connection and its
// split into several database files, the single-writer turns and group commits per file, the
// _id index fix, the versioned (conditional) update and the capped log. Each file is one family
// of collections; the use cases see only the methods they declare (see helpdesk).
package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/kaiku-helpdesk/kaiku/batch"
	"github.com/kaiku-helpdesk/kaiku/escalation"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/remedies"
)

// Collection names.
const (
	collCases        = "cases"
	collUsers        = "users"
	collUserEmails   = "user_emails"
	collTeams        = "teams"
	collSessions     = "sessions"
	collAPITokens    = "api_tokens"
	collCounters     = "counters"
	collIndexQueue   = "index_queue"
	collRateLimits   = "rate_limits"
	collMigrations   = "migrations"
	collTracking     = "tracking"
	collTrackSession = "tracking_sessions"
	collIdempotent   = "idempotency"
	collAttachment   = "attachments"
	collEvents       = "events"
	collEventSources = "event_sources"
	collPresence     = "presence"
	collMailQueue    = "mail_queue"
	collMailOutbox   = "mail_outbox"
	collMailRecent   = "mail_outbox_recent"
	collSettings     = "settings"
	collCanned       = "canned_replies"
	collSLAPolicy    = "sla_policies"
	collSLABuckets   = "sla_buckets"
	collSLATimersOld = "sla_timers" // the timers before sla_buckets; migrated and dropped
	collRules        = "rules"
	collNotices      = "notifications"
	collWebhooks     = "webhook_endpoints"
	collWebhookQueue = "webhook_queue"
	collWebhookLog   = "webhook_log"

	collResolutionOptions = "resolution_options"
	collMonthlySpend      = "monthly_spend"
	collApprovals         = "approval_requests"

	// Root-cause records (issue 15).
	collRootCauses     = "root_causes"
	collRootCauseLinks = "root_cause_links"
	// Account security (issue 18).
	collTwoFactor       = "two_factor"
	collPasswordResets  = "password_resets"
	collLoginChallenges = "login_challenges"
	collAuditLog        = "audit_log"
	// Follow-up checks asked in bulk (issue 13, store/followups.go).
	collFollowUpClaims  = "follow_up_claims"
	collFollowUpBatches = "follow_up_batches"
)

// AllCollections are created at start-up, so the embedded _id index remedy covers each of them.
var AllCollections = []string{
	collCases, collUsers, collUserEmails, collTeams, collSessions, collAPITokens,
	collCounters, collIndexQueue, collRateLimits, collMigrations,
	collTracking, collIdempotent, collAttachment, collEvents, collEventSources, collPresence,
	collMailQueue, collMailOutbox, collMailRecent, collSettings, collCanned,
	collSLAPolicy, collSLABuckets, collRules, collNotices,
	collWebhooks, collWebhookQueue, collWebhookLog, collTrackSession,
	collSavedViews,
	collResolutionOptions, collMonthlySpend, collApprovals,
	collReviewSources, collReviewKeys,
	collRootCauses, collRootCauseLinks,
	collMailboxes, collMailboxState, collMailInKeys, collMailBounces, // inbound mail (issue 17)
	collTwoFactor, collPasswordResets, collLoginChallenges, collAuditLog,
	collFollowUpClaims, collFollowUpBatches,
}

// Options tunes a Store.
type Options struct {
	// SingleWriter says this process is the only one writing to the database (the embedded
	// FerretDB). Conditional writes then filter by _id alone, serialised by an in-process lock,
	// because FerretDB would scan the collection for any filter with more than _id in it.
	// Against a shared MongoDB it must be false: the version goes into the filter instead.
	SingleWriter bool
	// Monitor, when set, sees every command sent to the database (tests count round trips).
	Monitor *event.CommandMonitor
	// Now is the clock for choosing which minute a timer goes in (nil: the system clock). It
	// must be the scheduler's clock: see the timer layout in timers.go.
	Now func() time.Time
}

// Store is the database handle. It is safe for concurrent use.
type Store struct {
	client *mongo.Client
	db     *mongo.Database            // the configured database (the records file on the embedded one)
	dbs    [fileCount]*mongo.Database // reads, per file (see files.go); all db on MongoDB
	// writeDBs are where writes go. On the single-writer embedded database each file has a
	// connection of its own, one at a time: SQLite commits one write transaction at a time
	// per file anyway, and when several arrive together the losers sleep in SQLite's busy
	// handler (1 to 100 ms) while the database sits idle. Queueing them here instead keeps it
	// busy.
	writeDBs     [fileCount]*mongo.Database
	writeClients []*mongo.Client // besides client, on the embedded database
	opts         Options
	locks        *keyedLocks

	rules      snapshot[escalation.Rule]
	policies   snapshot[models.SLAPolicy]
	categories snapshot[models.Category]
	users      snapshot[models.User]
	sessions   sessionCache
	options    snapshot[remedies.Option] // the resolution options (issue 13)
	// approvalClock is the approval target (issue 13): every approval request starts its clock.
	approvalClock snapshot[remedies.ClockSettings]

	slotHints  slotHints
	hitsMu     sync.Mutex
	hitBatches map[string]*hitBatch // rate-limit hits waiting for their key's next write

	insertsMu sync.Mutex
	inserts   map[string]*batch.GroupCommit[any] // per collection
	// writeTurns (one per file) are held by a grouped write from taking its batch until its
	// command is done, on the single-writer embedded database (nil elsewhere): the batches of
	// the file's other collections keep filling meanwhile, where they would otherwise be fixed
	// early and then wait for the file's write connection.
	writeTurns [fileCount]chan struct{}

	// timerLocks are separate from locks because timers are written while a case's lock is
	// held: with shared stripes the two keys could land on one stripe and deadlock.
	timerLocks   *keyedLocks
	timerWrites  *batch.GroupCommit[timerEntry]
	reservations *slotReservations
}

// Connect dials uri and checks the server answers within the context's deadline.
func Connect(ctx context.Context, uri, dbName string, opts Options) (*Store, error) {
	registry, err := newRegistry()
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	clientOptions := func(app string) *options.ClientOptions {
		co := options.Client().ApplyURI(uri).
			SetRegistry(registry).
			SetServerSelectionTimeout(5 * time.Second).
			SetConnectTimeout(5 * time.Second).
			SetAppName(app)
		if opts.Monitor != nil {
			co.SetMonitor(opts.Monitor)
		}
		return co
	}
	client, err := mongo.Connect(clientOptions("kaiku"))
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	s := &Store{client: client, db: client.Database(dbName), opts: opts, locks: newKeyedLocks(),
		inserts: map[string]*batch.GroupCommit[any]{}, hitBatches: map[string]*hitBatch{},
		timerLocks: newKeyedLocks(), reservations: newSlotReservations()}
	if err := s.Ping(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("database %s not reachable: %w", redactURI(uri), err)
	}
	for f := range fileCount {
		s.dbs[f], s.writeDBs[f] = s.db, s.db
		if !opts.SingleWriter {
			continue
		}
		name := dbName + fileSuffix[f]
		wc, err := mongo.Connect(clientOptions("kaiku-writer" + fileSuffix[f]).SetMaxPoolSize(1))
		if err != nil {
			_ = s.Close(context.Background())
			return nil, fmt.Errorf("database: %w", err)
		}
		s.writeClients = append(s.writeClients, wc)
		s.dbs[f], s.writeDBs[f] = client.Database(name), wc.Database(name)
		s.writeTurns[f] = make(chan struct{}, 1)
	}
	s.timerWrites = newWriteGroup(s, collSLABuckets, maxInsertBatch, s.writeTimerBatch)
	return s, nil
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.client.Ping(ctx, readpref.Primary())
}

// Close disconnects from the database.
func (s *Store) Close(ctx context.Context) error {
	var errs []error
	for _, wc := range s.writeClients {
		errs = append(errs, wc.Disconnect(ctx))
	}
	return errors.Join(append(errs, s.client.Disconnect(ctx))...)
}

// Database exposes the raw database for benchmarks that measure the driver floor.
func (s *Store) Database() *mongo.Database { return s.db }

// c is the collection for reads.
func (s *Store) c(name string) *mongo.Collection { return s.dbs[s.fileOf(name)].Collection(name) }

// w is the collection for writes (see Store.writeDBs).
func (s *Store) w(name string) *mongo.Collection { return s.writeDBs[s.fileOf(name)].Collection(name) }

// ErrNotFound is returned when no document has the requested _id.
var ErrNotFound = errors.New("store: not found")

// ErrDuplicate is returned when an insert hits an existing _id (or unique key).
var ErrDuplicate = errors.New("store: duplicate")

// ErrVersionMismatch is returned by a conditional write whose expected version is stale.
var ErrVersionMismatch = errors.New("store: version mismatch")

func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return ErrNotFound
	case mongo.IsDuplicateKeyError(err):
		return fmt.Errorf("%w: %v", ErrDuplicate, err)
	}
	return err
}

// getByID decodes the document with the given _id into out.
func (s *Store) getByID(ctx context.Context, coll, id string, out any) error {
	return mapErr(s.c(coll).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(out))
}

// insert adds a new document; an existing _id gives ErrDuplicate. Concurrent inserts into one
// collection share a round trip (see batch.GroupCommit); each caller still gets its own answer.
func (s *Store) insert(ctx context.Context, coll string, doc any) error {
	return s.insertGroup(coll).Do(ctx, doc)
}

// insertAll inserts a caller's batch of new documents with the other writers' inserts into
// coll (batches from concurrent requests share commits) and answers per document, nil when
// all were stored.
func (s *Store) insertAll(ctx context.Context, coll string, docs []any) []error {
	return s.insertGroup(coll).DoMany(ctx, docs)
}

func (s *Store) insertGroup(coll string) *batch.GroupCommit[any] {
	s.insertsMu.Lock()
	defer s.insertsMu.Unlock()
	g, ok := s.inserts[coll]
	if !ok {
		g = newWriteGroup(s, coll, maxInsertBatch, func(ctx context.Context, docs []any) []error {
			return s.insertMany(ctx, coll, docs)
		})
		s.inserts[coll] = g
	}
	return g
}

// newWriteGroup is a GroupCommit whose flush writes to collection coll: on the embedded
// database it takes the turn of coll's file and lingers for company (writeLinger).
func newWriteGroup[T any](s *Store, coll string, max int, flush func(ctx context.Context, items []T) []error) *batch.GroupCommit[T] {
	g := batch.NewGroupCommit(max, flush).WithTurn(s.writeTurn(coll))
	if s.opts.SingleWriter {
		g = g.WithLinger(writeLinger)
	}
	return g
}

// EventPageWriter is the GroupCommit a publisher writes its event pages with
// (InsertEventPage in flush), on the turn of the events' file.
func (s *Store) EventPageWriter(max int, flush func(ctx context.Context, events []models.Event) []error) *batch.GroupCommit[models.Event] {
	return newWriteGroup(s, collEvents, max, flush)
}

// writeTurn returns the turn function for a GroupCommit whose flush writes to collection coll
// (see Store.writeTurns); nil when there is no single writer.
func (s *Store) writeTurn(coll string) func() (release func()) {
	turn := s.writeTurns[s.fileOf(coll)]
	if turn == nil {
		return nil
	}
	return func() func() {
		turn <- struct{}{}
		return func() { <-turn }
	}
}

// writeLinger is how long a grouped write to the embedded database waits for company (see
// batch.GroupCommit.linger); MongoDB's writes are not one at a time, so there is none there. An
// insert command costs about 0.45 ms of CPU whatever its size, so at 0.5 ms the files'
// commands came back to back under load and a complaint cost about two of them; 1 ms gave
// fuller batches and the best intake in the bench (2 ms left a core partly idle, waiting).
const writeLinger = time.Millisecond

// maxInsertBatch bounds one grouped insert; the driver splits it further by message size.
const maxInsertBatch = 256

// insertMany inserts docs in one unordered command and answers per document, so one
// duplicate _id fails only its own caller.
func (s *Store) insertMany(ctx context.Context, coll string, docs []any) []error {
	_, err := s.w(coll).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return batch.AllFailed(len(docs), mapErr(err))
	}
	errs := make([]error, len(docs))
	for _, we := range bwe.WriteErrors {
		if we.Index < 0 || we.Index >= len(docs) {
			return batch.AllFailed(len(docs), err)
		}
		if we.Code == 11000 {
			errs[we.Index] = fmt.Errorf("%w: %s", ErrDuplicate, we.Message)
		} else {
			errs[we.Index] = fmt.Errorf("insert into %s: %s (code %d)", coll, we.Message, we.Code)
		}
	}
	return errs
}

// deleteByID removes the document with _id id; a missing one is not an error.
func (s *Store) deleteByID(ctx context.Context, coll, id string) error {
	_, err := s.w(coll).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return err
}

// findAll decodes every document of a small collection (users, teams, tokens of one user).
// Never used for cases: those are listed through the search index.
func findAll[T any](ctx context.Context, s *Store, coll string, filter bson.D) ([]T, error) {
	if filter == nil {
		filter = bson.D{}
	}
	cur, err := s.c(coll).Find(ctx, filter)
	if err != nil {
		return nil, err
	}
	out := []T{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// NextSequence returns the next value of the named counter, starting at 1. It is atomic on
// MongoDB; on the embedded FerretDB (not atomic across concurrent findAndModify) the in-process
// lock makes it so, and callers insert with the value as _id, so a duplicate would fail anyway.
func (s *Store) NextSequence(ctx context.Context, name string) (int64, error) {
	return s.NextSequenceBlock(ctx, name, 1)
}

// NextSequenceBlock reserves the next n values of the named counter and returns the last of
// them: the caller owns last-n+1 .. last.
func (s *Store) NextSequenceBlock(ctx context.Context, name string, n int64) (last int64, err error) {
	unlock := s.locks.lock("seq:" + name)
	defer unlock()
	var doc struct {
		Seq int64 `bson:"seq"`
	}
	err = s.w(collCounters).FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: name}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "seq", Value: n}}}},
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
	).Decode(&doc)
	if err != nil {
		return 0, fmt.Errorf("counter %s: %w", name, err)
	}
	return doc.Seq, nil
}

// keyedLocks serialises work per key inside this process, with a fixed set of stripes so memory
// stays bounded however many keys there are.
type keyedLocks struct{ stripes [256]sync.Mutex }

func newKeyedLocks() *keyedLocks { return &keyedLocks{} }

func (k *keyedLocks) lock(key string) (unlock func()) {
	m := &k.stripes[k.stripe(key)]
	m.Lock()
	return m.Unlock
}

func (k *keyedLocks) stripe(key string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return int(h.Sum32() % uint32(len(k.stripes)))
}

// lockMany locks the stripes of all keys, each once and in ascending order, so two callers
// locking overlapping sets cannot deadlock. Callers must not hold another stripe meanwhile.
func (k *keyedLocks) lockMany(keys []string) (unlock func()) {
	var stripes []int
	for _, key := range keys {
		stripes = append(stripes, k.stripe(key))
	}
	slices.Sort(stripes)
	stripes = slices.Compact(stripes)
	for _, i := range stripes {
		k.stripes[i].Lock()
	}
	return func() {
		for _, i := range stripes {
			k.stripes[i].Unlock()
		}
	}
}

func redactURI(uri string) string {
	// Keep the scheme and host for the message, never credentials.
	for i := len("mongodb://"); i < len(uri); i++ {
		if uri[i] == '@' {
			return "mongodb://***@" + uri[i+1:]
		}
	}
	return uri
}
