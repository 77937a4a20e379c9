package store

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

type countingValuer struct{ n *int }

func (c countingValuer) LogValue() slog.Value { *c.n++; return slog.StringValue("formatted") }

func TestQuietLoggerFormatsOnlyWhatItWrites(t *testing.T) {
	var buf bytes.Buffer
	formatted := 0
	l := newQuietLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), slog.LevelError)
	child := l.With("doc", countingValuer{&formatted}).WithGroup("g")
	child.Debug("statement")
	child.Warn("endSessions is not supported")
	if formatted != 0 || buf.Len() != 0 {
		t.Fatalf("below Error: formatted %d times, wrote %q", formatted, buf.String())
	}
	child.Error("disk full", "k", "v")
	out := buf.String()
	if formatted != 1 || !strings.Contains(out, "doc=formatted") || !strings.Contains(out, "g.k=v") {
		t.Fatalf("an error line must carry the attributes and group: %q (formatted %d)", out, formatted)
	}
}
