package helpdesk_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

// newHelpdesk wires the use cases over env and idx as the server does, on the clock now, with
// mail configured by mailCfg (no host: mail is stored, not sent), a silent logger and the
// default SLA policy in place.
func newHelpdesk(tb testing.TB, env *storetest.Env, idx search.Index, now func() time.Time, mailCfg mail.Config) (*helpdesk.Helpdesk, *mail.Mailer, *slog.Logger) {
	tb.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	mailer, err := mail.New(env.Store, mailCfg, mail.Options{Clock: now, Logger: logger})
	if err != nil {
		tb.Fatal(err)
	}
	hd, err := helpdesk.New(helpdesk.Deps{Store: env.Store, Index: idx, Mailer: mailer, Logger: logger, Clock: now,
		BaseURL: "https://help.example.com", Currency: "EUR", Limits: helpdesk.DefaultIntakeLimits})
	if err != nil {
		tb.Fatal(err)
	}
	if err := hd.SLA.EnsureDefaultPolicy(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return hd, mailer, logger
}
