package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// followUpService is what the follow-up and promise handlers need.
type followUpService interface {
	Record(ctx context.Context, p *helpdesk.Principal, caseID string, req models.FollowUpCreate) (*models.Case, error)
	AddPromise(ctx context.Context, p *helpdesk.Principal, caseID string, req models.PromiseCreate) (*models.Case, error)
	KeepPromise(ctx context.Context, p *helpdesk.Principal, caseID, promiseID string) (*models.Case, error)
	DelayPromise(ctx context.Context, p *helpdesk.Principal, caseID, promiseID string, req models.PromiseDelay) (*models.Case, error)
}

type followUpHandlers struct {
	followUps followUpService
	bind      *Binder
}

// record is an agent recording the customer's answer to the follow-up check (a phone call).
func (h *followUpHandlers) record(c echo.Context) error {
	var req models.FollowUpCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	cs, err := h.followUps.Record(c.Request().Context(), principal(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, cs)
}

func (h *followUpHandlers) addPromise(c echo.Context) error {
	var req models.PromiseCreate
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	cs, err := h.followUps.AddPromise(c.Request().Context(), principal(c), c.Param("id"), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusCreated, cs)
}

func (h *followUpHandlers) keepPromise(c echo.Context) error {
	cs, err := h.followUps.KeepPromise(c.Request().Context(), principal(c), c.Param("id"), c.Param("pid"))
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, cs)
}

func (h *followUpHandlers) delayPromise(c echo.Context) error {
	var req models.PromiseDelay
	if err := h.bind.bindJSON(c, &req); err != nil {
		return err
	}
	cs, err := h.followUps.DelayPromise(c.Request().Context(), principal(c), c.Param("id"), c.Param("pid"), req)
	if err != nil {
		return err
	}
	return data(c, http.StatusOK, cs)
}
