package search_test

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/search"
)

// BenchmarkBleveViewsOnIndex lists the inbox's six built-in views (scripts/bench's), as the
// inbox asks for them, on an index built elsewhere (the bench data set's: scripts/bench -dir DIR
// leaves it in DIR/index). Use a copy of the index no server has open:
//
//	KAIKU_BENCH_INDEX=/path/to/index go test ./search -run '^$' -bench BleveViewsOnIndex
func BenchmarkBleveViewsOnIndex(b *testing.B) {
	dir := os.Getenv("KAIKU_BENCH_INDEX")
	if dir == "" {
		b.Skip("KAIKU_BENCH_INDEX is not set")
	}
	ix, err := search.OpenBleve(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	open := search.Filter{Field: search.FieldStatus, Values: []string{"new", "open", "waiting"}}
	facets := []string{search.FieldStatus, search.FieldPriority, search.FieldCategory, search.FieldTouchpoint, search.FieldChannel}
	type view struct {
		name string
		q    search.Query
	}
	views := []view{
		{"escalated", search.Query{Filters: []search.Filter{open}, IntRanges: []search.IntRange{{Field: search.FieldEscalationLevel, From: 1}},
			Sort:  []search.Sort{{Field: search.FieldEscalationLevel, Desc: true}, {Field: search.FieldDueAt}},
			Limit: 50, Facets: facets}},
	}
	newest := []search.Sort{{Field: search.FieldUpdatedAt, Desc: true}}
	for _, v := range []struct {
		name    string
		filters []search.Filter
	}{
		{"unassigned", []search.Filter{open, {Field: search.FieldAssigneeID, Values: []string{""}}}},
		{"mine", []search.Filter{open, {Field: search.FieldAssigneeID, Values: []string{"bench-agent-02"}}}},
		{"all open", []search.Filter{open}},
		{"waiting on customer", []search.Filter{{Field: search.FieldStatus, Values: []string{"waiting"}}}},
		{"resolved", []search.Filter{{Field: search.FieldStatus, Values: []string{"resolved"}}}},
	} {
		views = append(views, view{v.name, search.Query{Filters: v.filters, Sort: newest, Limit: 50, Facets: facets}})
	}
	for _, v := range views {
		res, err := ix.Search(b.Context(), v.q)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(v.name, func(b *testing.B) {
			b.ReportMetric(float64(res.Total), "matches")
			start := processCPU(b)
			for b.Loop() {
				if _, err := ix.Search(b.Context(), v.q); err != nil {
					b.Fatal(err)
				}
			}
			// The process's CPU time per list: on a shared, loaded machine the wall time per
			// list mostly measures the other processes.
			b.ReportMetric(float64(processCPU(b)-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the CPU time (user and system) the process has used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
