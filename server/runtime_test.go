package server

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestRuntimeDefaultsYieldToTheEnvironment(t *testing.T) {
	gc, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(gc); debug.SetMemoryLimit(limit) })

	tuneRuntime(func(string) string { return "" })
	if got := debug.SetGCPercent(-1); got != defaultGCPercent {
		t.Errorf("GC percent = %d, want %d", got, defaultGCPercent)
	}
	debug.SetGCPercent(100)
	if got := debug.SetMemoryLimit(-1); got != defaultMemoryLimit {
		t.Errorf("memory limit = %d, want %d", got, defaultMemoryLimit)
	}

	debug.SetMemoryLimit(math.MaxInt64)
	set := map[string]string{"GOGC": "100", "GOMEMLIMIT": "1GiB"} // the runtime read these at start
	tuneRuntime(func(k string) string { return set[k] })
	if got := debug.SetGCPercent(-1); got != 100 {
		t.Errorf("GC percent with GOGC set = %d, want it left at 100", got)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("memory limit with GOMEMLIMIT set = %d, want it left alone", got)
	}
}
