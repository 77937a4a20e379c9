package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kaiku-helpdesk/kaiku/models"
)

// The bulk part (issue 11): one bulk change of -bulk cases through POST /api/v1/cases/bulk,
// beside as many single PATCHes of other cases in the same run, and the raw driver reading
// and writing back as many case documents.

// bulkRounds is how many bulk changes are measured, each on cases of its own.
const bulkRounds = 3

// targetBulk is issue 11's target for a bulk change of 200 cases at 100k.
const targetBulk = 2 * time.Second

// bulkReport is what the bulk part measured.
type bulkReport struct {
	size    int             // cases per bulk change
	rounds  []time.Duration // each bulk change's round trip
	changed []int           // cases each bulk change reported ok
	singles time.Duration   // the single PATCHes, one after the other, summed
	single  stats           // their round trips
	floor   time.Duration   // raw FindOne + ReplaceOne of size cases, one after the other
	floorN  int
	// Server CPU time (from /proc; 0 when not measured) over the single PATCHes and over the
	// bulk changes: less sensitive to other work on the machine than the round trips.
	singlesCPU, bulkCPU time.Duration
}

// bulkIDs are the cases the bulk part changes: the first size for the single PATCHes, then
// size per bulk round; drawn apart from the other parts' samples.
func bulkIDs(d *dataset, size int, seed uint64) []string {
	return sampleDistinctIDs(d, size*(bulkRounds+1), seed+1000)
}

// bulkFloor reads and writes back, with the raw driver, the cases of the first bulk round one
// after the other: the database work of a bulk change without Kaiku (no rules, index, timer,
// mark or event).
func bulkFloor(ctx context.Context, db *floorDB, ids []string) (time.Duration, error) {
	coll := db.st.Database().Collection(collCases)
	t := time.Now()
	for _, id := range ids {
		raw, err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
		if err != nil {
			return 0, fmt.Errorf("find %s: %w", id, err)
		}
		res, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, raw)
		if err != nil {
			return 0, fmt.Errorf("replace %s: %w", id, err)
		}
		if res.MatchedCount != 1 {
			return 0, fmt.Errorf("replace %s matched %d", id, res.MatchedCount)
		}
	}
	return time.Since(t), nil
}

// caseVersion reads a case's version and priority over HTTP (not measured).
func caseVersion(ctx context.Context, base string, s *session, id string) (int64, models.Priority, error) {
	var cur struct {
		Data struct {
			Version  int64           `json:"version"`
			Priority models.Priority `json:"priority"`
		} `json:"data"`
	}
	err := s.call(ctx, http.MethodGet, base+"/api/v1/cases/"+id, nil, http.StatusOK, &cur)
	return cur.Data.Version, cur.Data.Priority, err
}

// measureBulk changes the priority of size cases with single PATCHes, one after the other, and
// then, bulkRounds times, the priority and a tag of size other cases with one bulk change each.
func measureBulk(ctx context.Context, srv *child, admin *session, ids []string, size int, br *bulkReport) error {
	base := "http://" + srv.addr
	br.size = size
	patches := make([]map[string]any, size)
	for i, id := range ids[:size] {
		v, p, err := caseVersion(ctx, base, admin, id)
		if err != nil {
			return fmt.Errorf("read %s: %w", id, err)
		}
		patches[i] = map[string]any{"version": v, "priority": priorities[(p.Rank()+1)%len(priorities)]}
	}
	var lat []time.Duration
	cpu := srv.cpuMeter()
	for i, id := range ids[:size] {
		patch := patches[i]
		t := time.Now()
		if err := admin.call(ctx, http.MethodPatch, base+"/api/v1/cases/"+id, patch, http.StatusOK, nil); err != nil {
			return fmt.Errorf("PATCH %s: %w", id, err)
		}
		lat = append(lat, time.Since(t))
		br.singles += lat[len(lat)-1]
	}
	br.single = summarize(lat)
	br.singlesCPU = cpu()
	for r := range bulkRounds {
		round := ids[size*(r+1) : size*(r+2)]
		refs := make([]models.BulkCaseRef, len(round))
		for i, id := range round {
			v, _, err := caseVersion(ctx, base, admin, id)
			if err != nil {
				return fmt.Errorf("read %s: %w", id, err)
			}
			refs[i] = models.BulkCaseRef{ID: id, Version: v}
		}
		priority := priorities[r%len(priorities)]
		body := models.BulkChange{Cases: refs, Priority: &priority, AddTags: []string{"bench-bulk"}}
		var out struct {
			Data struct {
				Changed int `json:"changed"`
				Refused int `json:"refused"`
				Results []struct {
					ID, Outcome, Message string
				} `json:"results"`
			} `json:"data"`
		}
		cpu := srv.cpuMeter()
		t := time.Now()
		if err := admin.call(ctx, http.MethodPost, base+"/api/v1/cases/bulk", body, http.StatusOK, &out); err != nil {
			return fmt.Errorf("bulk change: %w", err)
		}
		br.rounds = append(br.rounds, time.Since(t))
		br.bulkCPU += cpu()
		br.changed = append(br.changed, out.Data.Changed)
		if out.Data.Changed != len(round) {
			for _, res := range out.Data.Results {
				if res.Outcome != models.BulkOK {
					return fmt.Errorf("bulk change refused %d of %d cases, e.g. %s: %s %s",
						out.Data.Refused, len(round), res.ID, res.Outcome, res.Message)
				}
			}
			return errors.New("bulk change: fewer cases changed than sent")
		}
	}
	return nil
}

func (br *bulkReport) print(w io.Writer) {
	if br == nil || len(br.rounds) == 0 {
		return
	}
	worst := time.Duration(0)
	runs := ""
	for i, d := range br.rounds {
		worst = max(worst, d)
		runs += fmt.Sprintf(" %s (%d ok)", secs(d), br.changed[i])
	}
	fmt.Fprintf(w, "%-30s HTTP%s | %d single PATCHes one after the other %s (%s) | floor raw FindOne+ReplaceOne x%d %s\n",
		fmt.Sprintf("bulk change of %d cases", br.size), runs, br.single.n, secs(br.singles), br.single.withMax(), br.floorN, secs(br.floor))
	if br.singlesCPU > 0 && br.bulkCPU > 0 {
		fmt.Fprintf(w, "server CPU time per case changed: bulk %.2f ms, single PATCH %.2f ms\n",
			cpuPer(br.bulkCPU, br.size*len(br.rounds)), cpuPer(br.singlesCPU, br.single.n))
	}
	fmt.Fprintf(w, "targets (issue 11): bulk change of 200 cases <= 2s %s (slowest of %d: %s)\n",
		verdict(br.size >= 200 && worst <= targetBulk), len(br.rounds), secs(worst))
}
