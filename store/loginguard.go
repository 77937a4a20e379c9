package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// loginGuard is the failed-login record of one key (an account and address together): how
// many attempts have failed in a row and when the next may be made. It lives in the
// rate-limit collection, so every replica sees it and the expiry sweep removes it.
type loginGuard struct {
	ID        string    `bson:"_id"`
	Failures  int       `bson:"failures"`
	NextAt    time.Time `bson:"next_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// ClaimLoginAttempt lets one login attempt on key go ahead if the key's delay has passed, and
// counts it as failed in advance (ForgetLoginFailures clears the count after a success). After
// n counted attempts the next must wait delay(n). It answers how long to wait when refused.
//
// The claim is a compare-and-set on the count (on MongoDB; the embedded database has one
// writer, serialised by a lock), so attempts sent at once, to any replica, cannot all pass the
// same free turn: each one that goes ahead has moved the count (and the delay) on by one.
// Refused attempts are not counted, so waiting as told is always enough.
func (s *Store) ClaimLoginAttempt(ctx context.Context, key string, delay func(failures int) time.Duration, memory time.Duration, now time.Time) (allowed bool, wait time.Duration, err error) {
	id := "login-guard:" + key
	unlock := s.locks.lock(id) // attempts in this process take turns; other replicas race by CAS
	defer unlock()
	for range 8 {
		var g loginGuard
		err := s.getByID(ctx, collRateLimits, id, &g)
		missing := errors.Is(err, ErrNotFound)
		if err != nil && !missing {
			return false, 0, err
		}
		if !missing && now.Before(g.NextAt) {
			return false, g.NextAt.Sub(now), nil
		}
		next := loginGuard{ID: id, Failures: g.Failures + 1, NextAt: now.Add(delay(g.Failures + 1)), ExpiresAt: now.Add(memory)}
		if missing {
			err := s.insert(ctx, collRateLimits, next)
			if err == nil {
				return true, 0, nil
			}
			if !isDup(err) {
				return false, 0, err
			}
			continue // another replica's attempt came first
		}
		filter := bson.D{{Key: "_id", Value: id}}
		if !s.opts.SingleWriter { // see Options.SingleWriter: the lock above serialises the embedded one
			filter = append(filter, bson.E{Key: "failures", Value: g.Failures})
		}
		res, err := s.w(collRateLimits).UpdateOne(ctx, filter,
			bson.D{{Key: "$set", Value: bson.D{{Key: "failures", Value: next.Failures}, {Key: "next_at", Value: next.NextAt}, {Key: "expires_at", Value: next.ExpiresAt}}}})
		if err != nil {
			return false, 0, err
		}
		if res.MatchedCount == 1 {
			return true, 0, nil
		}
	}
	return false, time.Second, nil // heavily contended: this attempt waits
}

// ForgetLoginFailures clears key's failed attempts (after a successful login).
func (s *Store) ForgetLoginFailures(ctx context.Context, key string) error {
	return s.deleteByID(ctx, collRateLimits, "login-guard:"+key)
}

// RememberLoginAddress records that key (an account and address) logged in successfully, until
// expires.
func (s *Store) RememberLoginAddress(ctx context.Context, key string, expires time.Time) error {
	_, err := s.w(collRateLimits).UpdateOne(ctx, bson.D{{Key: "_id", Value: "login-known:" + key}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "expires_at", Value: expires}}}}, options.UpdateOne().SetUpsert(true))
	return err
}

// KnownLoginAddress reports whether key logged in successfully before (and is remembered).
func (s *Store) KnownLoginAddress(ctx context.Context, key string, now time.Time) (bool, error) {
	var doc struct {
		ExpiresAt time.Time `bson:"expires_at"`
	}
	err := s.getByID(ctx, collRateLimits, "login-known:"+key, &doc)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil && now.Before(doc.ExpiresAt), err
}

// HitsSoFar returns the hits CountHit has counted on key in the window containing now, without
// adding one.
func (s *Store) HitsSoFar(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	var doc struct {
		Count int `bson:"count"`
	}
	err := s.getByID(ctx, collRateLimits, fmt.Sprintf("%s@%d", key, now.Truncate(window).Unix()), &doc)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	return doc.Count, err
}
