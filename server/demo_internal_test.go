package server

import (
	"bytes"
	"strings"
	"testing"
)

// The demo's mailers log warnings and errors only: a line per stored mail buried the first
// admin's login under some 3,000 lines. A level above warn is kept as it was asked.
func TestDemoMailLoggerLeavesOutTheLinePerMail(t *testing.T) {
	for _, level := range []string{"", "debug", "info", "warn"} {
		var out bytes.Buffer
		logger := newLogger(demoMailLogConfig(Config{LogLevel: level}), &out)
		logger.Info("mail stored in the outbox (no SMTP server configured)")
		logger.Warn("mail: will retry")
		if got := out.String(); strings.Contains(got, "stored in the outbox") || !strings.Contains(got, "will retry") {
			t.Errorf("level %q: logged %q, want the warning only", level, got)
		}
	}
	var out bytes.Buffer
	logger := newLogger(demoMailLogConfig(Config{LogLevel: "error"}), &out)
	logger.Warn("mail: will retry")
	if out.Len() != 0 {
		t.Errorf("level error: logged %q, want nothing below error", out.String())
	}
}
