package remedies

import (
	"context"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// monthlyRaise is a raise of a user's monthly spending sent ahead, beside the case write's read
// of the case: the write waits for it where it decides, and a write that does not stand gives
// back what was raised. A grant and an approval decision both work this way.
type monthlyRaise struct {
	s      *Service
	userID string
	month  string
	amount int64
	sent   bool
	done   chan error
	err    error
	waited bool
}

// raiseAhead sends the raise of u's month by amount when send holds and amount is positive;
// otherwise nothing is raised and waiting returns at once.
func (s *Service) raiseAhead(ctx context.Context, u *models.User, month string, amount int64, send bool) *monthlyRaise {
	r := &monthlyRaise{s: s, userID: u.ID, month: month, amount: amount, sent: send && amount > 0, done: make(chan error, 1)}
	if r.sent {
		limit := u.MonthlyLimit()
		go func() {
			_, err := s.Store.RaiseMonthlySpend(ctx, u.ID, month, amount, limit)
			r.done <- err
		}()
	} else {
		close(r.done)
	}
	return r
}

// wait returns the raise's error (ErrOverLimit when the month has no room), once it is known.
func (r *monthlyRaise) wait() error {
	if !r.waited {
		r.err, r.waited = <-r.done, true
	}
	return r.err
}

// undo gives the raise back, if one was made: for a write that did not stand. It waits for the
// raise first, since a write that failed before waiting still owns it.
func (r *monthlyRaise) undo(ctx context.Context) {
	if r.wait() == nil && r.sent {
		r.s.refund(ctx, r.userID, r.month, r.amount)
	}
}
