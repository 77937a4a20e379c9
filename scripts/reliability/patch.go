package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
)

// patchResult: clients PATCH one case at the same version, round after round. Exactly one
// must win each round, the rest get 409, and the case must show the winner's change.
type patchResult struct {
	Clients, Rounds int
	Wins, Conflicts int
	Other           int // any other answer
	RoundsNotOneWin int // rounds with zero or several 200s
	LostUpdates     int // rounds after which the case does not show the winner's change or version+1
	FinalVersion    int64
	StartVersion    int64
}

func (r patchResult) ok() bool {
	return r.RoundsNotOneWin == 0 && r.LostUpdates == 0 && r.Other == 0 && r.Wins == r.Rounds
}

type caseView struct {
	ID      string   `json:"id"`
	Version int64    `json:"version"`
	Tags    []string `json:"tags"`
}

func runPatch(admins []*staff, rounds int) (patchResult, error) {
	res := patchResult{Clients: len(admins), Rounds: rounds}
	a := admins[0]
	code, body, err := a.do("POST", "/api/v1/cases", map[string]any{"subject": "Concurrent PATCH check", "description": "d",
		"customer": map[string]string{"name": "Patch Customer", "email": "patch@reliability.example"}})
	if err != nil || code != 201 {
		return res, fmt.Errorf("create the case: %d %v %s", code, err, body)
	}
	var created struct{ Data caseView }
	if err := json.Unmarshal(body, &created); err != nil {
		return res, err
	}
	id, version := created.Data.ID, created.Data.Version
	res.StartVersion = version
	for round := range rounds {
		statuses := make([]int, len(admins))
		var wg sync.WaitGroup
		for i, s := range admins {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, _, err := s.do("PATCH", "/api/v1/cases/"+id, map[string]any{"version": version, "tags": []string{fmt.Sprintf("r%d-c%d", round, i)}})
				if err != nil {
					code = -1
				}
				statuses[i] = code
			}()
		}
		wg.Wait()
		winner, wins := -1, 0
		for i, code := range statuses {
			switch code {
			case 200:
				wins++
				winner = i
			case 409:
				res.Conflicts++
			default:
				res.Other++
			}
		}
		res.Wins += wins
		if wins != 1 {
			res.RoundsNotOneWin++
		}
		code, body, err := a.do("GET", "/api/v1/cases/"+id, nil)
		var now struct{ Data caseView }
		if err != nil || code != 200 || json.Unmarshal(body, &now) != nil {
			return res, fmt.Errorf("read the case: %d %v", code, err)
		}
		if wins == 1 && (now.Data.Version != version+1 || !slices.Equal(now.Data.Tags, []string{fmt.Sprintf("r%d-c%d", round, winner)})) {
			res.LostUpdates++
		}
		version = now.Data.Version
	}
	res.FinalVersion = version
	return res, nil
}
