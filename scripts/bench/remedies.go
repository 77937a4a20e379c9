package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// The remedies part (issue 13): a grant within the agent's limit (POST /cases/{id}/resolution,
// 201), a grant over it that asks for approval (the same route, 202) and an approver's decision
// on it (POST /approvals/{id}/decision, 200), each over HTTP on the seeded cases, beside the floor: the raw driver reading and
// writing back one case document by _id (what a grant or a decision costs the case at least).

// targetRemedyP95 is issue 13's target for a grant and an approval at 100k cases.
const targetRemedyP95 = 20 * time.Millisecond

type remedyReport struct {
	grant, request, approval stats
	floor                    stats // raw FindOne + ReplaceOne of one case
}

// remedyIDs are the cases the remedies part grants on: apart from the other parts' samples.
func remedyIDs(d *dataset, n int, seed uint64) []string {
	return sampleDistinctIDs(d, 2*n, seed+2000)
}

// remedyFloor reads and writes back one case per sample with the raw driver.
func remedyFloor(ctx context.Context, db *floorDB, ids []string, warmup, n int) (stats, error) {
	coll := db.st.Database().Collection(collCases)
	return measure(warmup, n, func(i int) error {
		id := ids[i%len(ids)]
		raw, err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
		if err != nil {
			return fmt.Errorf("find %s: %w", id, err)
		}
		_, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, raw)
		return err
	})
}

// measureRemedies creates an agent (limit per case 50.00, a month without limit in practice)
// and a manager, then grants within the limit on cases of their own, and asks for and decides
// as many grants over it (the asks and the decisions timed apart).
func measureRemedies(ctx context.Context, base string, admin *session, ids []string, warmup, n int, rr *remedyReport) error {
	const password = "Bench-remedies-passphrase-42"
	for _, u := range []struct {
		email, name, role string
		limit             int64
	}{{"bench.agent@example.com", "Bench Agent", "agent", 5000}, {"bench.manager@example.com", "Bench Manager", "manager", 100_000_000}} {
		body := map[string]any{"email": u.email, "name": u.name, "role": u.role, "password": password,
			"authority_limit_cents": u.limit, "monthly_limit_cents": int64(100_000_000_000), "team_ids": []string{}, "locale": "en"}
		if err := admin.call(ctx, http.MethodPost, base+"/api/v1/users", body, http.StatusCreated, nil); err != nil {
			return fmt.Errorf("create %s: %w", u.email, err)
		}
	}
	agent, err := login(ctx, base, "bench.agent@example.com", password)
	if err != nil {
		return err
	}
	manager, err := login(ctx, base, "bench.manager@example.com", password)
	if err != nil {
		return err
	}
	grants, asks := ids[:len(ids)/2], ids[len(ids)/2:]
	if rr.grant, err = measure(warmup, n, func(i int) error {
		return agent.call(ctx, http.MethodPost, base+"/api/v1/cases/"+grants[i%len(grants)]+"/resolution",
			map[string]any{"option_id": "voucher", "amount_minor": 100}, http.StatusCreated, nil)
	}); err != nil {
		return fmt.Errorf("grant: %w", err)
	}
	approvals := make([]string, warmup+n)
	if rr.request, err = measure(warmup, n, func(i int) error {
		var out struct {
			Data struct {
				Approval struct {
					ID string `json:"id"`
				} `json:"approval"`
			} `json:"data"`
		}
		if err := agent.call(ctx, http.MethodPost, base+"/api/v1/cases/"+asks[i%len(asks)]+"/resolution",
			map[string]any{"option_id": "goodwill", "amount_minor": 10000}, http.StatusAccepted, &out); err != nil {
			return err
		}
		approvals[i] = out.Data.Approval.ID
		return nil
	}); err != nil {
		return fmt.Errorf("ask for approval: %w", err)
	}
	if rr.approval, err = measure(warmup, n, func(i int) error {
		return manager.call(ctx, http.MethodPost, base+"/api/v1/approvals/"+approvals[i]+"/decision",
			map[string]any{"action": "change", "amount_minor": 8000, "comment": "80 is fair.", "version": 1}, http.StatusOK, nil)
	}); err != nil {
		return fmt.Errorf("decision: %w", err)
	}
	return nil
}

func (rr *remedyReport) print(w io.Writer, n int) {
	if rr == nil || rr.grant.n == 0 {
		return
	}
	fmt.Fprintf(w, "%-30s HTTP %-35s | floor raw FindOne+ReplaceOne %s\n", "grant within the limit", rr.grant, rr.floor)
	fmt.Fprintf(w, "%-30s HTTP %-35s | floor raw FindOne+ReplaceOne %s\n", "grant asking for approval", rr.request, rr.floor)
	fmt.Fprintf(w, "%-30s HTTP %-35s | floor raw FindOne+ReplaceOne %s\n", "approval decision", rr.approval, rr.floor)
	fmt.Fprintf(w, "targets (issue 13, at 100k cases; this run n=%d): grant p95 <= 20ms %s, approval p95 <= 20ms %s\n", n,
		verdict(rr.grant.p95 <= targetRemedyP95), verdict(rr.approval.p95 <= targetRemedyP95))
}
