package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary play the server child, as the bench binary does.
func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" {
		os.Exit(serveMain())
	}
	os.Exit(m.Run())
}

// TestBenchSmall runs the whole bench on 200 cases with a one-second intake (without and then
// with 50 escalation rules), then the platform part again on the same directory without its
// index (the reuse path, the index filled again as after a mapping change), so the bench keeps
// building and running as the code under it changes.
func TestBenchSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the embedded database, the index and a server process")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	var progress bytes.Buffer
	cfg := config{N: 200, Dir: dir, Only: partAll, Requests: 20, Warmup: 2, IntakeDuration: time.Second,
		Changes: 5, IntakeRules: defaultIntakeRules, ViewDuration: 200 * time.Millisecond, Bulk: 40, Seed: 1, Progress: &progress}
	for _, only := range []string{partAll, partPlatform} {
		cfg.Only = only
		if only == partPlatform {
			// As an index of an earlier mapping version is started over by search.OpenBleve.
			if err := os.RemoveAll(filepath.Join(dir, indexSubdir)); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := run(ctx, cfg)
		if err != nil {
			t.Fatalf("-only %s: %v\n%s", only, err, progress.String())
		}
		var out bytes.Buffer
		rep.print(&out)
		t.Log("\n" + out.String())
		if want := only == partPlatform; rep.seed.reused != want {
			t.Errorf("reused = %v, want %v", rep.seed.reused, want)
		}
		if want := only == partPlatform; rep.seed.reindexed != want {
			t.Errorf("reindexed = %v, want %v", rep.seed.reindexed, want)
		}
		if rep.get.n != cfg.Requests || rep.getFloor.n != cfg.Requests || rep.get.p50 <= 0 || rep.getFloor.p50 <= 0 {
			t.Errorf("get figures missing: %+v %+v", rep.get, rep.getFloor)
		}
		if len(rep.lists) != 3 {
			t.Fatalf("%d list figures, want 3", len(rep.lists))
		}
		for _, l := range rep.lists {
			if l.http.n != cfg.Requests || l.floor.n != cfg.Requests || l.http.p50 <= 0 || l.floor.p50 <= 0 {
				t.Errorf("%s: figures missing: %+v %+v", l.name, l.http, l.floor)
			}
		}
		if l := rep.lookup; l == nil || l.http.n != cfg.Requests || l.floor.n != cfg.Requests || l.http.p50 <= 0 || l.hits < 1 {
			t.Errorf("lookup by reference: figures missing or nothing found: %+v", l)
		}
		if rep.startup <= 0 || rep.inProc <= 0 || rep.startup < rep.inProc || rep.rss <= 0 {
			t.Errorf("start-up %v, in process %v, RSS %d", rep.startup, rep.inProc, rep.rss)
		}
		if len(rep.views) != 6 {
			t.Fatalf("%d view figures, want 6", len(rep.views))
		}
		for _, v := range append(rep.views, rep.viewCount) {
			if v.http.ok == 0 || v.floor.ok == 0 || len(v.http.errs) > 0 || len(v.floor.errs) > 0 {
				t.Errorf("view %s: figures missing or failed: HTTP %d (%s), floor %d (%s)", v.name,
					v.http.ok, v.http.errSummary(), v.floor.ok, v.floor.errSummary())
			}
		}
		if m := rep.memory; m.hwm < rep.rssPeak || m.anon <= 0 || m.file <= 0 {
			t.Errorf("memory over the run %+v, peak after the sequential figures %d", m, rep.rssPeak)
		}
		lines := []string{"kaiku bench  n=200", "get case by id", "start-up to /readyz", "targets (issue 2)",
			"lookup by reference", "target (issue 11): lookup by reference p95", "inbox views, 16 clients", "counts (6 views)", "target (issue 11): every view", "target (issue 11): peak RSS"}
		if i3 := rep.i3; only == partAll {
			lines = append(lines, "complaint intake", "live update", "targets (issue 3)")
			in := i3.intake
			if in.ok == 0 || len(in.errs) > 0 || i3.insertFloor.ok == 0 || i3.upsertFloor.ok == 0 {
				t.Errorf("intake %d ok, errors %s; floors %d, %d", in.ok, in.errSummary(), i3.insertFloor.ok, i3.upsertFloor.ok)
			}
			if i3.shippedOff == 0 {
				t.Errorf("no shipped rule disabled before the intake without rules")
			}
			if r := i3.rules; r == nil {
				t.Errorf("the intake with rules did not run")
			} else {
				lines = append(lines, "complaint intake, 16 clients, 50 rules", "targets (issue 4)")
				if r.created != cfg.IntakeRules || r.enabled != cfg.IntakeRules || r.intake.ok == 0 || len(r.intake.errs) > 0 {
					t.Errorf("rules: %d created, %d enabled; intake %d ok, errors %s", r.created, r.enabled, r.intake.ok, r.intake.errSummary())
				}
				if len(r.sliceRates[0]) != intakeSlices || len(r.sliceRates[1]) != intakeSlices {
					t.Errorf("slice rates %v, want %d of each intake", r.sliceRates, intakeSlices)
				}
				if r.sampled != min(rulesSample, r.intake.ok) || r.withFiring == 0 || r.firings < r.withFiring || len(r.byRule) == 0 {
					t.Errorf("rules fired on %d of %d cases read back, %d firings, %v", r.withFiring, r.sampled, r.firings, r.byRule)
				}
				if r.baseSampled == 0 || r.baseWithFiring != 0 {
					t.Errorf("without rules: %d of %d cases read back had a firing", r.baseWithFiring, r.baseSampled)
				}
				if i3.acked != in.ok+r.intake.ok {
					t.Errorf("%d acknowledged, want %d + %d", i3.acked, in.ok, r.intake.ok)
				}
			}
			if i3.stored != int64(cfg.N+i3.acked) || i3.found != i3.acked || int64(i3.indexed) != i3.stored || i3.marks != 0 {
				t.Errorf("after %d acknowledged: %d stored, %d found, %d indexed, %d marks", i3.acked, i3.stored, i3.found, i3.indexed, i3.marks)
			}
			if i3.search.http.n != cfg.Requests || i3.search.floor.n != cfg.Requests {
				t.Errorf("search figures missing: %+v", i3.search)
			}
			if i3.changes != cfg.Changes || i3.missed != 0 || i3.live.n != cfg.Changes || i3.patch.p50 <= 0 {
				t.Errorf("live: %d changes, %d missed, %+v, %+v", i3.changes, i3.missed, i3.live, i3.patch)
			}
		} else if i3 != nil {
			t.Errorf("-only %s measured the intake part", only)
		}
		if b := rep.bulk; only == partAll {
			lines = append(lines, "bulk change of 40 cases", "targets (issue 11)")
			if b == nil || len(b.rounds) != bulkRounds || b.single.n != cfg.Bulk || b.floor <= 0 {
				t.Errorf("bulk figures missing: %+v", b)
			} else if b.changed[0] != cfg.Bulk {
				t.Errorf("bulk changed %v cases, want %d each", b.changed, cfg.Bulk)
			}
		} else if b != nil {
			t.Errorf("-only %s measured the bulk part", only)
		}
		if r := rep.ranked; only == partAll {
			lines = append(lines, "search four words (ranked)", "similar cases", "targets (issue 15)")
			if r == nil || r.search.http.n != cfg.Requests || r.search.floor.n != cfg.Requests || r.rawSearch.n != cfg.Requests ||
				r.similar.n != cfg.Requests || r.similarFloor.n != cfg.Requests || r.rawSimilar.n != cfg.Requests || r.similarHits <= 0 {
				t.Errorf("issue 15 figures missing: %+v", r)
			}
		} else if r != nil {
			t.Errorf("-only %s measured the search part", only)
		}
		for _, line := range lines {
			if !strings.Contains(out.String(), line) {
				t.Errorf("report lacks %q", line)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, workSubdir)); !os.IsNotExist(err) {
		t.Errorf("the work copy is still there: %v", err)
	}
}
