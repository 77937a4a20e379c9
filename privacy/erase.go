package privacy

import (
	"context"
	"errors"
	"strings"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// errNotTheirs stops an anonymisation whose case no longer qualifies (changed since it was
// found).
var errNotTheirs = errors.New("privacy: case no longer qualifies")

// Lookup returns the references of the cases of the customer with this e-mail address (admins
// only), so staff see whom an export or an erasure concerns.
func (s *Service) Lookup(ctx context.Context, viewer *models.User, email string) ([]string, error) {
	if err := requireAdminTo(viewer, "look up a customer's data"); err != nil {
		return nil, err
	}
	refs, err := s.Cases(ctx, email)
	if refs == nil && err == nil {
		refs = []string{}
	}
	return refs, err
}

// Erase removes everything Kaiku holds about the customer with this e-mail address (admins
// only): each of their cases is anonymised (models.Case.Anonymise) in the database and the
// index, its files deleted, the mail to them or about those cases deleted from the queue and
// the outbox, and their tracking links stop opening anything. confirm must repeat the address.
// It returns how many cases were anonymised. Running it again is harmless.
func (s *Service) Erase(ctx context.Context, viewer *models.User, email, confirm string) (int, error) {
	if err := requireAdminTo(viewer, "erase a customer's data"); err != nil {
		return 0, err
	}
	email = models.NormalizeEmail(email)
	if email == "" {
		return 0, models.InvalidField("email", "give the customer's e-mail address")
	}
	if models.NormalizeEmail(confirm) != email {
		return 0, models.InvalidField("confirm_email", "type the same e-mail address again to confirm")
	}
	refs, err := s.Cases(ctx, email)
	if err != nil {
		return 0, err
	}
	theirs := func(c *models.Case) bool { return strings.EqualFold(c.Customer.Email, email) }
	erased := []string{}
	for _, ref := range refs {
		ok, err := s.anonymise(ctx, ref, theirs)
		if err != nil {
			return len(erased), err
		}
		if ok {
			erased = append(erased, ref)
		}
	}
	if err := s.store.ForgetMail(ctx, email, erased); err != nil {
		return len(erased), err
	}
	return len(erased), nil
}

// anonymise anonymises case id if qualifies still holds for it when written, deletes its files
// and re-indexes it. Erasure and the retention sweep share it. It reports whether the case was
// anonymised now (false: gone, already anonymised, or no longer qualifying).
func (s *Service) anonymise(ctx context.Context, id string, qualifies func(c *models.Case) bool) (bool, error) {
	// What is kept about the case elsewhere (notifications, events, webhook deliveries, audit
	// text) goes first, while the case still names its customer: were it second, a crash in
	// between would leave it behind for good, since an anonymised case is never found again.
	before, err := s.store.GetCase(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if before.AnonymisedAt != nil || !qualifies(before) {
		return false, nil
	}
	if err := s.store.ForgetCaseTraces(ctx, id, []string{before.Customer.Email, before.Customer.Name, before.Customer.Phone}); err != nil {
		return false, err
	}
	var files []string
	now := s.now()
	c, err := s.store.UpdateCase(ctx, id, func(c *models.Case) error {
		if c.AnonymisedAt != nil || !qualifies(c) {
			return errNotTheirs
		}
		files = c.AttachmentIDs()
		c.Anonymise(now)
		// The mark goes in before the write: if indexing below fails, the reconciler
		// replaces the indexed copy, which still holds the customer's data.
		return s.store.MarkDirty(ctx, c.ID, c.Version+1, now)
	})
	if errors.Is(err, errNotTheirs) || errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, f := range files {
		if err := s.store.DeleteAttachment(ctx, f); err != nil {
			return true, err
		}
	}
	s.indexer.Indexed(ctx, c)
	return true, nil
}
