package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// Inbound mail (issue 17) keeps four small collections:
//
//   - mailboxes: the configured IMAP mailboxes (a handful, listed whole).
//   - mailbox_state: one document per mailbox, same _id: its UIDVALIDITY and the last UID
//     filed, and the fetch lease, so one replica at a time fetches a mailbox and a restart
//     goes on where the last fetch ended.
//   - mail_in_keys: one document per inbound mail, _id derived from its Message-ID, naming
//     the case it was filed in. A mail fetched twice (after a crash between filing and the
//     state write) finds its key and is not filed again.
//   - mail_bounces: one document per address a delivery failed to, _id the address.
const (
	collMailboxes    = "mailboxes"
	collMailboxState = "mailbox_state"
	collMailInKeys   = "mail_in_keys"
	collMailBounces  = "mail_bounces"
)

// ErrLeaseHeld is returned when another fetcher holds a mailbox's lease.
var ErrLeaseHeld = errors.New("store: mailbox lease held by another fetcher")

// MailboxState is a mailbox's fetch position and lease.
type MailboxState struct {
	ID          string     `bson:"_id"`
	UIDValidity uint32     `bson:"uid_validity"`
	LastUID     uint32     `bson:"last_uid"`
	Fetched     int64      `bson:"fetched"`
	LastFetchAt *time.Time `bson:"last_fetch_at,omitempty"`
	LastError   string     `bson:"last_error,omitempty"`
	LeasedBy    string     `bson:"leased_by"`
	LeaseUntil  time.Time  `bson:"lease_until"`
	Version     int64      `bson:"version"`
}

// Status is the state as the admin page shows it.
func (s *MailboxState) Status() models.MailboxStatus {
	return models.MailboxStatus{UIDValidity: s.UIDValidity, LastUID: s.LastUID, Fetched: s.Fetched, LastFetchAt: s.LastFetchAt, LastError: s.LastError}
}

// MailKey maps an inbound mail to the case it was filed in.
type MailKey struct {
	ID        string    `bson:"_id"`
	MailboxID string    `bson:"mailbox_id"`
	CaseID    string    `bson:"case_id"`
	MessageID string    `bson:"message_id"` // our id of the message within the case
	CreatedAt time.Time `bson:"created_at"`
}

// MailBounce flags an address mail to it could not be delivered to.
type MailBounce struct {
	ID      string    `bson:"_id"` // the address
	CaseID  string    `bson:"case_id"`
	Status  string    `bson:"status"`
	Reason  string    `bson:"reason,omitempty"`
	At      time.Time `bson:"at"`
	Bounces int       `bson:"bounces"`
}

func mailboxVersion(m *models.Mailbox) *int64    { return &m.Version }
func mailboxStateVersion(m *MailboxState) *int64 { return &m.Version }

// InsertMailbox stores a new mailbox and its empty state.
func (s *Store) InsertMailbox(ctx context.Context, m *models.Mailbox) error {
	if err := s.insert(ctx, collMailboxState, &MailboxState{ID: m.ID, Version: 1}); err != nil && !isDup(err) {
		return err
	}
	return s.insert(ctx, collMailboxes, m)
}

// GetMailbox reads a mailbox by ID.
func (s *Store) GetMailbox(ctx context.Context, id string) (*models.Mailbox, error) {
	var m models.Mailbox
	if err := s.getByID(ctx, collMailboxes, id, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// ListMailboxes returns every mailbox, oldest first.
func (s *Store) ListMailboxes(ctx context.Context) ([]models.Mailbox, error) {
	out, err := findAll[models.Mailbox](ctx, s, collMailboxes, nil)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b models.Mailbox) int { return byTimeThenID(a.Created, b.Created, a.ID, b.ID) })
	return out, nil
}

// UpdateMailbox changes a mailbox under optimistic concurrency.
func (s *Store) UpdateMailbox(ctx context.Context, id string, mutate func(m *models.Mailbox) error) (*models.Mailbox, error) {
	return updateVersioned(ctx, s, collMailboxes, id, mailboxVersion, mutate)
}

// DeleteMailbox removes a mailbox and its state; its cases and mail keys stay.
func (s *Store) DeleteMailbox(ctx context.Context, id string) error {
	if err := s.deleteByID(ctx, collMailboxes, id); err != nil {
		return err
	}
	return s.deleteByID(ctx, collMailboxState, id)
}

// GetMailboxState reads a mailbox's state.
func (s *Store) GetMailboxState(ctx context.Context, id string) (*MailboxState, error) {
	var st MailboxState
	if err := s.getByID(ctx, collMailboxState, id, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// LeaseMailbox takes the fetch lease of a mailbox for owner until now+lease (or extends the
// owner's own), unless another owner holds an unexpired one (ErrLeaseHeld).
func (s *Store) LeaseMailbox(ctx context.Context, id, owner string, now time.Time, lease time.Duration) (*MailboxState, error) {
	st, err := updateVersioned(ctx, s, collMailboxState, id, mailboxStateVersion, func(st *MailboxState) error {
		if st.LeasedBy != "" && st.LeasedBy != owner && st.LeaseUntil.After(now) {
			return ErrLeaseHeld
		}
		st.LeasedBy, st.LeaseUntil = owner, now.Add(lease)
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		// A mailbox stored before its state (a crash between the two inserts).
		if ierr := s.insert(ctx, collMailboxState, &MailboxState{ID: id, Version: 1}); ierr != nil && !isDup(ierr) {
			return nil, ierr
		}
		return s.LeaseMailbox(ctx, id, owner, now, lease)
	}
	return st, err
}

// AdvanceMailbox records the fetch position while owner holds the lease: the UIDVALIDITY, the
// last UID filed, how many were filed, and the outcome of the pass (lastErr "" when it went
// well). keep says whether the lease stays (more to fetch) or is released.
func (s *Store) AdvanceMailbox(ctx context.Context, id, owner string, uidValidity, lastUID uint32, filed int, now time.Time, lastErr string, keep time.Duration) error {
	_, err := updateVersioned(ctx, s, collMailboxState, id, mailboxStateVersion, func(st *MailboxState) error {
		if st.LeasedBy != owner {
			return ErrLeaseHeld
		}
		if uidValidity != 0 {
			st.UIDValidity, st.LastUID = uidValidity, lastUID
		}
		st.Fetched += int64(filed)
		t := now
		st.LastFetchAt, st.LastError = &t, lastErr
		if keep > 0 {
			st.LeaseUntil = now.Add(keep)
		} else {
			st.LeasedBy, st.LeaseUntil = "", time.Time{}
		}
		return nil
	})
	return err
}

// ClaimMailKey inserts the key of a new inbound mail; ErrDuplicate (with the stored key) when
// the mail was filed (or is being filed) already.
func (s *Store) ClaimMailKey(ctx context.Context, k *MailKey) (*MailKey, error) {
	err := s.insert(ctx, collMailInKeys, k)
	if err == nil {
		return k, nil
	}
	if !isDup(err) {
		return nil, err
	}
	stored, gerr := s.GetMailKey(ctx, k.ID)
	if gerr != nil {
		return nil, gerr
	}
	return stored, ErrDuplicate
}

// GetMailKey reads an inbound mail's key by _id.
func (s *Store) GetMailKey(ctx context.Context, id string) (*MailKey, error) {
	var k MailKey
	if err := s.getByID(ctx, collMailInKeys, id, &k); err != nil {
		return nil, err
	}
	return &k, nil
}

// FlagBounce records that mail to address bounced (counting repeats).
func (s *Store) FlagBounce(ctx context.Context, b *MailBounce) error {
	var old MailBounce
	err := s.getByID(ctx, collMailBounces, b.ID, &old)
	switch {
	case errors.Is(err, ErrNotFound):
		b.Bounces = 1
		if err := s.insert(ctx, collMailBounces, b); err == nil || !isDup(err) {
			return err
		}
		return s.FlagBounce(ctx, b)
	case err != nil:
		return err
	}
	b.Bounces = old.Bounces + 1
	_, err = s.w(collMailBounces).ReplaceOne(ctx, bson.D{{Key: "_id", Value: b.ID}}, b)
	return mapErr(err)
}

// GetBounce reads the bounce flag of an address; ErrNotFound when mail to it never bounced.
func (s *Store) GetBounce(ctx context.Context, address string) (*MailBounce, error) {
	var b MailBounce
	if err := s.getByID(ctx, collMailBounces, address, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// PointMailKey moves a key to another case (its reserved reference was taken meanwhile).
func (s *Store) PointMailKey(ctx context.Context, id, caseID string) (bool, error) {
	res, err := s.w(collMailInKeys).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "case_id", Value: caseID}}}})
	if err != nil {
		return false, mapErr(err)
	}
	return res.MatchedCount == 1, nil
}

// ClaimMailKeys inserts the keys of a window of inbound mails together (see insertAll) and
// answers per key: nil (claimed now) or ErrDuplicate (the mail was filed, or is being filed,
// already: read the stored key with GetMailKey). The database refuses the duplicate _id, so
// nothing is read first.
func (s *Store) ClaimMailKeys(ctx context.Context, keys []*MailKey) []error {
	docs := make([]any, len(keys))
	for i, k := range keys {
		docs[i] = k
	}
	return perItem(len(keys), s.insertAll(ctx, collMailInKeys, docs))
}

// BouncedAmong names which of the addresses mail bounced from, in one read: the bounce flags
// are few (one per failed address), so FerretDB's scan for the $in filter is cheap.
func (s *Store) BouncedAmong(ctx context.Context, addresses []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(addresses) == 0 {
		return out, nil
	}
	cur, err := s.c(collMailBounces).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: addresses}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var found []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &found); err != nil {
		return nil, err
	}
	for _, b := range found {
		out[b.ID] = true
	}
	return out, nil
}

// perItem is insertMany's answer with one entry per document (nil: all inserted).
func perItem(n int, errs []error) []error {
	if errs == nil {
		return make([]error, n)
	}
	return errs
}
