package helpdesk

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reviews"
)

// ImportRequest is one step of a review import. The browser sends the whole file with each
// step and imports it a window of rows at a time (Offset, Limit), which gives its progress bar
// real figures and keeps the server stateless; a dry run only reads the file and previews the
// first rows through the mapping.
type ImportRequest struct {
	SourceID string
	Content  []byte
	Mapping  reviews.Mapping // nil: the source's remembered mapping when it fits, else a guess
	DryRun   bool
	Offset   int
	Limit    int
}

// Import windows and preview.
const (
	ImportPreviewRows  = 20
	ImportDefaultLimit = 500
	ImportMaxLimit     = 2000
)

// ImportRow is one row of the file as the mapping reads it (the preview).
type ImportRow struct {
	Row    int // 1-based data row, the header not counted
	Item   reviews.Item
	Rating int // normalised
	Errors map[string]string
}

// ImportRowResult is what became of one imported row.
type ImportRowResult struct {
	Row int
	IngestResult
}

// ImportRowError is one row that was not imported, and why.
type ImportRowError struct {
	Row        int
	ExternalID string
	Field      string
	Message    string
}

// ImportOutcome answers one step.
type ImportOutcome struct {
	Preset     string
	Headers    []string
	Mapping    reviews.Mapping
	Remembered bool // the mapping is the one the source remembered
	TotalRows  int
	Offset     int
	NextOffset int // TotalRows when done
	Preview    []ImportRow
	Results    []ImportRowResult
	Errors     []ImportRowError
}

// Import reads an import file for a source and, unless it is a dry run, files the rows of its
// window as the webhook files reviews: idempotent on source + external id, so importing a file
// again creates nothing and a changed review becomes an edit of its case. A bad row is
// reported and skipped; the others are imported. A file that cannot be read at all, or a
// mapping that does not fit it, is refused whole.
func (r *Reviews) Import(ctx context.Context, p *Principal, req ImportRequest) (*ImportOutcome, error) {
	if err := p.Require(models.RoleManager); err != nil {
		return nil, err
	}
	src, err := r.store.GetReviewSource(ctx, req.SourceID)
	if err != nil {
		return nil, notFoundAs(err, "review source")
	}
	table, err := reviews.ReadTable(req.Content)
	var formatErr *reviews.FormatError
	if errors.As(err, &formatErr) {
		return nil, models.Unprocessable("bad_file", formatErr.Message)
	} else if err != nil {
		return nil, err
	}
	out := &ImportOutcome{Headers: table.Headers, TotalRows: len(table.Rows), Offset: req.Offset}
	var guessed reviews.Mapping
	out.Preset, guessed = reviews.Guess(table.Headers)
	switch {
	case req.Mapping != nil:
		out.Mapping = req.Mapping
	case reviews.Mapping(src.ImportMapping).Fits(table.Headers):
		out.Mapping, out.Remembered = src.ImportMapping, true
	default:
		out.Mapping = guessed
	}
	if req.DryRun {
		for i, row := range table.Rows[:min(len(table.Rows), ImportPreviewRows)] {
			it, errs := reviews.MapRow(table.Headers, row, out.Mapping, src.ScaleMax)
			pr := ImportRow{Row: i + 1, Item: it, Errors: errs}
			if len(errs) == 0 {
				pr.Rating = models.NormalizeRating(it.Rating, src.ScaleMax)
			}
			out.Preview = append(out.Preview, pr)
		}
		out.NextOffset = req.Offset
		return out, nil
	}
	if errs := reviews.CheckMapping(out.Mapping, table.Headers); len(errs) > 0 {
		return nil, models.Invalid("the column mapping does not fit the file", errs)
	}
	if req.Offset < 0 || req.Offset > len(table.Rows) {
		return nil, models.Invalid("the offset is outside the file", map[string]string{"offset": "must be from 0 to the number of rows"})
	}
	limit := req.Limit
	if limit <= 0 {
		limit = ImportDefaultLimit
	}
	limit = min(limit, ImportMaxLimit)
	end := min(len(table.Rows), req.Offset+limit)
	out.NextOffset = end
	if !src.Enabled {
		return nil, models.Conflict("source_disabled", "the review source is disabled")
	}
	if req.Offset == 0 {
		if err := r.rememberMapping(ctx, src.ID, out.Mapping); err != nil {
			return nil, err
		}
	}

	type job struct {
		row int
		it  reviews.Item
	}
	var jobs []job
	for i := req.Offset; i < end; i++ {
		it, errs := reviews.MapRow(table.Headers, table.Rows[i], out.Mapping, src.ScaleMax)
		if len(errs) > 0 {
			for field, msg := range errs {
				out.Errors = append(out.Errors, ImportRowError{Row: i + 1, ExternalID: it.ExternalID, Field: field, Message: msg})
			}
			continue
		}
		jobs = append(jobs, job{row: i + 1, it: it})
	}
	its := make([]reviews.Item, len(jobs))
	for j, jb := range jobs {
		its[j] = jb.it
	}
	ingested, errs, err := r.fileAll(ctx, src, its)
	if err != nil {
		return nil, err
	}
	if end == len(table.Rows) {
		// The windows before were indexed while the next was stored; the import is done
		// when the inbox shows all of it.
		if err := r.cases.Settle(ctx); err != nil {
			return nil, err
		}
	}
	results := make([]ImportRowResult, len(jobs))
	for j, jb := range jobs {
		results[j] = ImportRowResult{Row: jb.row, IngestResult: ingested[j]}
	}
	for j, err := range errs {
		if err == nil {
			continue
		}
		var me *models.Error
		if !errors.As(err, &me) {
			return nil, err
		}
		out.Errors = append(out.Errors, ImportRowError{Row: jobs[j].row, ExternalID: jobs[j].it.ExternalID, Field: "row", Message: me.Message})
		results[j].Outcome = ""
	}
	for _, res := range results {
		if res.Outcome != "" {
			out.Results = append(out.Results, res)
		}
	}
	slices.SortStableFunc(out.Errors, func(a, b ImportRowError) int {
		if a.Row != b.Row {
			return a.Row - b.Row
		}
		return strings.Compare(a.Field, b.Field)
	})
	return out, nil
}

// rememberMapping keeps the mapping on the source for its next import.
func (r *Reviews) rememberMapping(ctx context.Context, sourceID string, m reviews.Mapping) error {
	_, err := r.store.UpdateReviewSource(ctx, sourceID, func(s *models.ReviewSource) error {
		s.ImportMapping = map[string]string(m)
		return nil
	})
	return notFoundAs(err, "review source")
}
