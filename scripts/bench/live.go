package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// liveWait is how long a change's event may take before it counts as missed.
const liveWait = 5 * time.Second

// The second staff member, created by the bootstrap admin.
const (
	liveAgentEmail    = "bench-live-agent@example.com"
	liveAgentPassword = "bench-live-agent-password"
)

// caseEvent is one case.updated event as the stream delivered it.
type caseEvent struct {
	caseID string
	at     time.Time // when the bench read it
}

// measureLive has session A (the admin) change cases one after another while session B (an
// agent) holds GET /api/v1/events, and times each change from just before A's PATCH is sent to
// B reading the matching case.updated event. The floor is A's PATCH round trip.
func measureLive(ctx context.Context, base string, admin *session, d *dataset, cfg config, i3 *issue3Report) error {
	err := admin.call(ctx, http.MethodPost, base+"/api/v1/users", models.UserCreate{Email: liveAgentEmail,
		Name: "Bench Live Agent", Role: models.RoleAgent, Password: liveAgentPassword}, http.StatusCreated, nil)
	if se, ok := errors.AsType[*statusError](err); ok && se.status == http.StatusConflict {
		err = nil // a data set this bench has changed before (the agent exists)
	}
	if err != nil {
		return fmt.Errorf("create the second agent: %w", err)
	}
	agent, err := login(ctx, base, liveAgentEmail, liveAgentPassword)
	if err != nil {
		return err
	}
	streamCtx, stopStream := context.WithCancel(ctx)
	defer stopStream()
	events, err := subscribe(streamCtx, base, agent)
	if err != nil {
		return err
	}

	warmup := min(cfg.Warmup, 10)
	ids := sampleDistinctIDs(d, warmup+cfg.Changes, cfg.Seed)
	var lat, rtt []time.Duration
	for i, id := range ids {
		var cur struct {
			Data struct {
				Version  int64           `json:"version"`
				Priority models.Priority `json:"priority"`
			} `json:"data"`
		}
		if err := admin.call(ctx, http.MethodGet, base+"/api/v1/cases/"+id, nil, http.StatusOK, &cur); err != nil {
			return fmt.Errorf("read %s: %w", id, err)
		}
		next := priorities[(cur.Data.Priority.Rank()+1)%len(priorities)]
		patch := map[string]any{"version": cur.Data.Version, "priority": next}
		t0 := time.Now()
		if err := admin.call(ctx, http.MethodPatch, base+"/api/v1/cases/"+id, patch, http.StatusOK, nil); err != nil {
			return fmt.Errorf("change %s: %w", id, err)
		}
		took := time.Since(t0)
		got, ok, err := awaitEvent(ctx, events, id)
		if err != nil {
			return err
		}
		if i < warmup {
			continue
		}
		rtt = append(rtt, took)
		if ok {
			lat = append(lat, got.Sub(t0))
		} else {
			i3.missed++
		}
	}
	i3.changes = len(rtt)
	i3.live, i3.patch = summarize(lat), summarize(rtt)
	return nil
}

// awaitEvent waits up to liveWait for the case.updated event of caseID, passing over others.
func awaitEvent(ctx context.Context, events <-chan caseEvent, caseID string) (time.Time, bool, error) {
	timeout := time.NewTimer(liveWait)
	defer timeout.Stop()
	for {
		select {
		case e, open := <-events:
			if !open {
				return time.Time{}, false, errors.New("the event stream ended")
			}
			if e.caseID == caseID {
				return e.at, true, nil
			}
		case <-timeout.C:
			return time.Time{}, false, nil
		case <-ctx.Done():
			return time.Time{}, false, ctx.Err()
		}
	}
}

// subscribe opens GET /api/v1/events for s and returns its case.updated events until ctx ends.
// It returns once the server has said the stream is connected.
func subscribe(ctx context.Context, base string, s *session) (<-chan caseEvent, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	client := &http.Client{Jar: s.client.Jar} // no timeout: the stream stays open
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("GET /api/v1/events: %s", resp.Status)
	}
	rd := bufio.NewReader(resp.Body)
	for { // the server's first lines: "retry: ..." and ": connected"
		line, err := rd.ReadString('\n')
		if err != nil {
			resp.Body.Close()
			return nil, fmt.Errorf("event stream: %w", err)
		}
		if strings.HasPrefix(line, ": connected") {
			break
		}
	}
	out := make(chan caseEvent, 256)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		var typ, data string
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			switch {
			case line == "": // end of one event
				at := time.Now()
				if typ == "case.updated" {
					var e struct {
						CaseID string `json:"case_id"`
					}
					if json.Unmarshal([]byte(data), &e) == nil {
						select {
						case out <- caseEvent{caseID: e.CaseID, at: at}:
						case <-ctx.Done():
							return
						}
					}
				}
				typ, data = "", ""
			case strings.HasPrefix(line, "event:"):
				typ = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				data += strings.TrimSpace(strings.TrimPrefix(line, "data:"))
			}
		}
	}()
	return out, nil
}
