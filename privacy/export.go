// Package privacy answers a customer's data-protection requests. Export writes everything
// Kaiku holds about one customer (by e-mail address) as one zip archive: their cases as they
// could see them (messages to and from them, not internal notes), follow-up answers, reviews
// and the files they sent or were sent.
package privacy

import (
	"archive/zip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store"
)

// Store is what the service reads and writes: cases and attachments by _id, the index marks
// and the mail of erased cases.
type Store interface {
	GetCase(ctx context.Context, id string) (*models.Case, error)
	GetAttachment(ctx context.Context, id string) (*models.Attachment, error)
	UpdateCase(ctx context.Context, id string, mutate func(c *models.Case) error) (*models.Case, error)
	DeleteAttachment(ctx context.Context, id string) error
	MarkDirty(ctx context.Context, id string, version int64, now time.Time) error
	ForgetMail(ctx context.Context, email string, caseIDs []string) error
	ForgetCaseTraces(ctx context.Context, caseID string, needles []string) error
	RetentionMonths(ctx context.Context) (int, error)
	SaveRetentionMonths(ctx context.Context, months int) error
	ClaimRetentionSweep(ctx context.Context, owner string, now time.Time, lease time.Duration) (*store.RetentionState, bool, error)
	FinishRetentionSweep(ctx context.Context, owner string, watermark time.Time) error
}

// Indexer puts a written case into the search index (helpdesk.Indexer); the case's index mark
// is set first, so a failure is caught up by the reconciler.
type Indexer interface {
	Indexed(ctx context.Context, c *models.Case)
}

// Index finds a customer's cases (search.FieldCustomerEmail), so nothing scans the cases.
type Index interface {
	Search(ctx context.Context, q search.Query) (search.Result, error)
}

// Service answers data requests.
type Service struct {
	store   Store
	index   Index
	indexer Indexer
	now     func() time.Time
}

// New wires the service.
func New(st Store, idx Index, ix Indexer, now func() time.Time) *Service {
	return &Service{store: st, index: idx, indexer: ix, now: now}
}

// maxCases bounds one export (a customer with more is a case for the operator, not a zip).
const maxCases = 2000

// ExportedCase is one case as its customer could see it.
type ExportedCase struct {
	Reference       string                 `json:"reference"`
	Channel         models.Channel         `json:"channel"`
	Subject         string                 `json:"subject"`
	Description     string                 `json:"description"`
	Customer        models.Customer        `json:"customer"`
	Status          models.Status          `json:"status"`
	Category        string                 `json:"category,omitempty"`
	Touchpoint      string                 `json:"touchpoint,omitempty"`
	ExpectedOutcome string                 `json:"expected_outcome,omitempty"`
	OrderRef        string                 `json:"order_ref,omitempty"`
	CreatedAt       time.Time              `json:"created_at"`
	ResolvedAt      *time.Time             `json:"resolved_at,omitempty"`
	Messages        []models.Message       `json:"messages"`
	Files           []models.AttachmentRef `json:"files"`
	FollowUp        *models.FollowUp       `json:"follow_up,omitempty"`
	Review          *models.Review         `json:"review,omitempty"`
}

// Cases returns the references of the cases of the customer with this e-mail address.
func (s *Service) Cases(ctx context.Context, email string) ([]string, error) {
	email = models.NormalizeEmail(email)
	if email == "" {
		return nil, models.InvalidField("email", "give the customer's e-mail address")
	}
	var refs []string
	cursor := ""
	for {
		res, err := s.index.Search(ctx, search.Query{
			Filters: []search.Filter{{Field: search.FieldCustomerEmail, Values: []string{email}}},
			Sort:    []search.Sort{{Field: search.FieldCreatedAt}},
			Limit:   500, Cursor: cursor,
		})
		if err != nil {
			return nil, models.Unavailable("search is not available right now", err)
		}
		for _, h := range res.Hits {
			refs = append(refs, h.Doc.ID)
		}
		if res.NextCursor == "" || len(res.Hits) == 0 {
			return refs, nil
		}
		if len(refs) >= maxCases {
			return nil, models.Unprocessable("too_many_cases", fmt.Sprintf("this customer has more than %d cases; export them in parts", maxCases))
		}
		cursor = res.NextCursor
	}
}

// Export writes the archive of the customer with this e-mail address to w (admins only) and
// returns how many cases it holds.
func (s *Service) Export(ctx context.Context, viewer *models.User, email string, w io.Writer) (int, error) {
	if err := requireAdmin(viewer); err != nil {
		return 0, err
	}
	refs, err := s.Cases(ctx, email)
	if err != nil {
		return 0, err
	}
	email = models.NormalizeEmail(email)
	zw := zip.NewWriter(w)
	readme := fmt.Sprintf("Everything Kaiku holds about %s, exported %s.\n\n"+
		"cases/<reference>.json: each case as the customer could see it (internal notes are left out).\n"+
		"files/<reference>/: the files sent in it.\n", email, s.now().UTC().Format(time.RFC3339))
	if err := writeFile(zw, "README.txt", []byte(readme)); err != nil {
		return 0, err
	}
	n := 0
	for _, ref := range refs {
		c, err := s.store.GetCase(ctx, ref)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return n, err
			}
			continue // gone since it was indexed
		}
		if !strings.EqualFold(c.Customer.Email, email) {
			continue // the index is behind a change of the customer's address
		}
		out := exportOf(c)
		body, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return n, err
		}
		if err := writeFile(zw, "cases/"+c.ID+".json", body); err != nil {
			return n, err
		}
		for _, f := range out.Files {
			a, err := s.store.GetAttachment(ctx, f.ID)
			if err != nil {
				continue
			}
			if err := writeFile(zw, "files/"+c.ID+"/"+f.ID+"-"+safeName(a.Name), a.Data); err != nil {
				return n, err
			}
		}
		n++
	}
	return n, zw.Close()
}

func exportOf(c *models.Case) ExportedCase {
	out := ExportedCase{Reference: c.ID, Channel: c.Channel, Subject: c.Subject, Description: c.Description,
		Customer: c.Customer, Status: c.Status, Category: c.Category, Touchpoint: c.Touchpoint,
		ExpectedOutcome: c.ExpectedOutcome, OrderRef: c.OrderRef, CreatedAt: c.CreatedAt, ResolvedAt: c.ResolvedAt,
		Messages: []models.Message{}, Files: []models.AttachmentRef{}, FollowUp: c.FollowUp, Review: c.Review}
	for _, m := range c.Messages {
		if m.Kind != models.MessageNote {
			out.Messages = append(out.Messages, m)
		}
	}
	for _, a := range c.Attachments {
		if a.Public {
			out.Files = append(out.Files, a)
		}
	}
	return out
}

func writeFile(zw *zip.Writer, name string, data []byte) error {
	f, err := zw.Create(name)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return err
}

// safeName keeps an uploaded file's name from leaving its folder in the archive.
func safeName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || name == ".." {
		return "file"
	}
	return name
}

func requireAdmin(u *models.User) error { return requireAdminTo(u, "export a customer's data") }

func requireAdminTo(u *models.User, what string) error {
	if u == nil {
		return models.Unauthorized("unauthenticated", "log in first")
	}
	if !u.Role.AtLeast(models.RoleAdmin) {
		return models.Forbidden("only admins may " + what)
	}
	return nil
}
