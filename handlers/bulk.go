package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// bulkService is what the bulk-change handler needs.
type bulkService interface {
	Bulk(ctx context.Context, p *helpdesk.Principal, req models.BulkChange) ([]helpdesk.BulkResult, error)
}

type bulkHandlers struct {
	cases bulkService
	bind  *Binder
}

// bulkCaseResult is what became of one case: ok, or why it was refused.
type bulkCaseResult struct {
	ID      string `json:"id"`
	Outcome string `json:"outcome"`
	Message string `json:"message,omitempty"`
	// Version is the case's version after the change (ok only), for the next change.
	Version int64 `json:"version,omitempty"`
}

// bulkResponse answers a bulk change: one result per case, in the order of the request.
type bulkResponse struct {
	Results []bulkCaseResult `json:"results"`
	Changed int              `json:"changed"`
	Refused int              `json:"refused"`
}

// apply is POST /cases/bulk. It answers 200 when the request was valid, whatever became of
// each case: the results say which were changed and why the others were refused.
func (h *bulkHandlers) apply(c echo.Context) error {
	var req models.BulkChange
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	results, err := h.cases.Bulk(c.Request().Context(), principal(c), req)
	if err != nil {
		return err
	}
	out := bulkResponse{Results: make([]bulkCaseResult, len(results))}
	for i, r := range results {
		out.Results[i] = bulkCaseResult{ID: r.ID, Outcome: r.Outcome, Message: r.Message}
		if r.Outcome == models.BulkOK {
			out.Changed++
			if r.Case != nil {
				out.Results[i].Version = r.Case.Version
			}
		} else {
			out.Refused++
		}
	}
	return data(c, http.StatusOK, out)
}
