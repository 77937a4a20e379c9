package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/search"
)

// conversationService is what the staff conversation handlers need.
type conversationService interface {
	AddMessage(ctx context.Context, p *helpdesk.Principal, caseID string, req models.MessageCreate, files []helpdesk.Upload) (*models.Case, error)
	StaffAttachment(ctx context.Context, p *helpdesk.Principal, caseID, attachmentID string) (*models.Attachment, error)
	Present(ctx context.Context, p *helpdesk.Principal, caseID string, leaving bool) ([]helpdesk.Viewer, error)
	Merge(ctx context.Context, p *helpdesk.Principal, caseID string, req models.MergeRequest) (*models.Case, error)
}

// historyService lists a customer's other cases and the cases most like one.
type historyService interface {
	CustomerHistory(ctx context.Context, p *helpdesk.Principal, caseID string) ([]search.CaseDoc, error)
	SimilarCases(ctx context.Context, p *helpdesk.Principal, caseID string) ([]search.Hit, error)
}

// eventSource is the live-update bus.
type eventSource interface {
	Subscribe() (<-chan models.Event, func())
}

type conversationHandlers struct {
	conv        conversationService
	history     historyService
	events      eventSource
	bind        *Binder
	maxUpload   int64 // a whole multipart message with its files
	maxFileSize int64
}

// addMessage takes a reply or note as JSON, or as a multipart form with the same fields and
// up to five files in "attachments" (the limits and checks of the public form).
func (h *conversationHandlers) addMessage(c echo.Context) error {
	var req models.MessageCreate
	var files []helpdesk.Upload
	if isMultipart(c) {
		var status, version string
		var err error
		files, err = readUploadForm(c, h.maxUpload, h.maxFileSize, map[string]*string{
			"kind": &req.Kind, "body": &req.Body, "status": &status, "version": &version,
		})
		if err != nil {
			return err
		}
		if status != "" {
			st := models.Status(status)
			req.Status = &st
		}
		if version != "" {
			if req.Version, err = strconv.ParseInt(version, 10, 64); err != nil {
				return models.InvalidField("version", "must be a whole number")
			}
		}
		if err := h.bind.check(&req); err != nil {
			return err
		}
	} else if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	cs, err := h.conv.AddMessage(c.Request().Context(), principal(c), c.Param("id"), req, files)
	if err != nil {
		return err
	}
	return data(c, http.StatusCreated, cs)
}

func (h *conversationHandlers) merge(c echo.Context) error {
	var req models.MergeRequest
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	target, err := h.conv.Merge(c.Request().Context(), principal(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, target)
}

func (h *conversationHandlers) attachment(c echo.Context) error {
	a, err := h.conv.StaffAttachment(c.Request().Context(), principal(c), c.Param("id"), c.Param("aid"))
	if err != nil {
		return err
	}
	return sendAttachment(c, a)
}

func (h *conversationHandlers) customerHistory(c echo.Context) error {
	docs, err := h.history.CustomerHistory(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	rows := make([]caseSummary, len(docs))
	for i, d := range docs {
		rows[i] = summaryOf(search.Hit{Doc: d})
	}
	return list(c, rows, map[string]any{"total": len(rows)})
}

// similar lists the cases most like this one (issue 15), best first.
func (h *conversationHandlers) similar(c echo.Context) error {
	hits, err := h.history.SimilarCases(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	rows := make([]caseSummary, len(hits))
	for i, hit := range hits {
		rows[i] = summaryOf(search.Hit{Doc: hit.Doc})
	}
	return list(c, rows, map[string]any{"total": len(rows)})
}

func (h *conversationHandlers) presence(c echo.Context) error {
	viewers, err := h.conv.Present(c.Request().Context(), principal(c), c.Param("id"), c.Request().Method == http.MethodDelete)
	if err != nil {
		return err
	}
	return list(c, viewers, map[string]any{"total": len(viewers)})
}

// events streams live updates as server-sent events until the client goes away.
func (h *conversationHandlers) stream(c echo.Context) error {
	if err := principal(c).Require(models.RoleAgent); err != nil {
		return err
	}
	ch, stop := h.events.Subscribe()
	defer stop()
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n: connected\n\n")
	w.Flush()
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-c.Request().Context().Done():
			return nil
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
			w.Flush()
		case e, ok := <-ch:
			if !ok {
				return nil
			}
			if err := writeEvent(w, e); err != nil {
				return nil
			}
			w.Flush()
		}
	}
}

// eventResponse is one live update as the stream sends it.
type eventResponse struct {
	ID     string         `json:"id"`
	Type   string         `json:"type"`
	CaseID string         `json:"case_id"`
	Data   map[string]any `json:"data,omitempty"`
	At     time.Time      `json:"at"`
}

func eventOf(e models.Event) eventResponse {
	return eventResponse{ID: e.Seq, Type: e.Type, CaseID: e.CaseID, Data: e.Data, At: e.At}
}

func writeEvent(w *echo.Response, e models.Event) error {
	b, err := json.Marshal(eventOf(e))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", e.Seq, e.Type, b)
	return err
}
