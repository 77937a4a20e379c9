package queueworker

import "time"

// Settings are how a durable queue's worker (mail, webhooks) polls, claims, batches and
// retries. Zero fields take the defaults (WithDefaults).
type Settings struct {
	PollInterval time.Duration // 10s: how often the worker looks at the queue unwoken
	MaxAttempts  int           // 8 attempts before an item is marked failed
	RetryBase    time.Duration // 30s: the wait after the first failure, doubled each time
	RetryMax     time.Duration // 1h: the longest wait between attempts
	// ClaimLease is how long a worker holds an item it is delivering before another worker may
	// take it over (after a crash). Default 4× the delivery's timeout, at least a minute; it
	// must be well over the time one delivery can take.
	ClaimLease time.Duration
	BatchSize  int // 100: items claimed per pass
	// Gather is the shortest time between two passes started by wake-ups (200ms), so that
	// under load a pass takes many items at once (see Run).
	Gather time.Duration
}

// WithDefaults fills the zero fields; timeout is how long one delivery may take.
func (s Settings) WithDefaults(timeout time.Duration) Settings {
	if s.PollInterval <= 0 {
		s.PollInterval = 10 * time.Second
	}
	if s.MaxAttempts <= 0 {
		s.MaxAttempts = 8
	}
	if s.RetryBase <= 0 {
		s.RetryBase = 30 * time.Second
	}
	if s.RetryMax <= 0 {
		s.RetryMax = time.Hour
	}
	if s.ClaimLease <= 0 {
		s.ClaimLease = max(4*timeout, time.Minute)
	}
	if s.BatchSize <= 0 {
		s.BatchSize = 100
	}
	if s.Gather <= 0 {
		s.Gather = 200 * time.Millisecond
	}
	return s
}

// Backoff is the wait after the given number of failed attempts: RetryBase doubled per
// further attempt, at most RetryMax.
func (s Settings) Backoff(attempts int) time.Duration {
	d := s.RetryBase
	for i := 1; i < attempts && d < s.RetryMax; i++ {
		d *= 2
	}
	return min(d, s.RetryMax)
}
