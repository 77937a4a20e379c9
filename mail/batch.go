package mail

import (
	"context"
	"errors"
	"fmt"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// OnceMessage is a message under an id its caller derives from what it is about.
type OnceMessage struct {
	ID      string
	Message Message
}

// manyMailStore is what EnqueueMany writes with: one insert for the whole batch.
type manyMailStore interface {
	EnqueueMails(ctx context.Context, qs []*store.QueuedMail) []error
	StoreManyInOutbox(ctx context.Context, outs []*models.OutboxMail) []error
}

// EnqueueMany stores many messages under their ids in one insert: into the queue, or without
// SMTP straight into the outbox. An id already stored is refused by the insert and skipped
// (so a repeat stores nothing twice); unlike EnqueueOnce it does not look for the id among the
// delivered messages, so the caller must know the ids are new (see FollowUpChecks).
func (m *Mailer) EnqueueMany(ctx context.Context, msgs []OnceMessage) error {
	st, ok := m.st.(manyMailStore)
	if !ok {
		return errors.New("mail: the store cannot insert many messages")
	}
	now := m.clock()
	var errs []error
	if !m.cfg.Enabled() {
		outs := make([]*models.OutboxMail, 0, len(msgs))
		for _, msg := range msgs {
			sm, err := normalize(msg.Message)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", msg.ID, err))
				continue
			}
			sm.MessageID = msg.ID + "@" + m.cfg.domain()
			outs = append(outs, &models.OutboxMail{ID: msg.ID, Message: sm, Status: models.OutboxStored, CreatedAt: now, DoneAt: now})
		}
		for i, err := range st.StoreManyInOutbox(ctx, outs) {
			switch {
			case err == nil:
				m.listLater(outs[i].Summary())
			case !errors.Is(err, store.ErrDuplicate):
				errs = append(errs, fmt.Errorf("mail: store %s in the outbox: %w", outs[i].ID, err))
			}
		}
		m.Kick()
		return errors.Join(errs...)
	}
	qs := make([]*store.QueuedMail, 0, len(msgs))
	for _, msg := range msgs {
		sm, err := normalize(msg.Message)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", msg.ID, err))
			continue
		}
		sm.MessageID = msg.ID + "@" + m.cfg.domain()
		qs = append(qs, &store.QueuedMail{ID: msg.ID, Message: sm, CreatedAt: now, NextAttemptAt: now})
	}
	for i, err := range st.EnqueueMails(ctx, qs) {
		if err != nil && !errors.Is(err, store.ErrDuplicate) {
			errs = append(errs, fmt.Errorf("mail: enqueue %s: %w", qs[i].ID, err))
		}
	}
	m.Kick()
	return errors.Join(errs...)
}
