package store

import (
	"context"
	"log/slog"
)

// quietHandler is the logger handed to the embedded FerretDB. FerretDB builds a logger with
// every SQL statement's arguments (whole documents) on each call, and slog's text handler
// formats such attributes eagerly even when the line is never written: about a third of
// FerretDB's insert CPU. This handler keeps attributes unformatted until a record at or above
// min is really handled, and min is Error: FerretDB's warnings (for example on every client
// disconnect, "endSessions is not supported") are noise for Kaiku's operators.
type quietHandler struct {
	inner slog.Handler
	min   slog.Level
	ops   []func(slog.Handler) slog.Handler // WithAttrs/WithGroup, applied in order on Handle
}

func newQuietLogger(l *slog.Logger, min slog.Level) *slog.Logger {
	return slog.New(quietHandler{inner: l.Handler(), min: min})
}

func (h quietHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.min && h.inner.Enabled(ctx, level)
}

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	in := h.inner
	for _, op := range h.ops {
		in = op(in)
	}
	return in.Handle(ctx, r)
}

func (h quietHandler) with(op func(slog.Handler) slog.Handler) quietHandler {
	ops := make([]func(slog.Handler) slog.Handler, len(h.ops), len(h.ops)+1)
	copy(ops, h.ops)
	h.ops = append(ops, op)
	return h
}

func (h quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.with(func(in slog.Handler) slog.Handler { return in.WithAttrs(attrs) })
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return h.with(func(in slog.Handler) slog.Handler { return in.WithGroup(name) })
}
