package reports_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/reports"
	"github.com/kaiku-helpdesk/kaiku/reports/reporttest"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/store/storetest"
)

type topics []string

func (t topics) RisingTopics(context.Context, time.Time, time.Time, int) ([]string, error) {
	return t, nil
}

// Two replicas sweep at once, again and again: each manager who asked gets last week's summary
// once, in their language; an agent and a manager who did not ask get none.
func TestWeeklySummaryOncePerManagerAcrossReplicas(t *testing.T) {
	env := storetest.Start(t)
	helsinki, _ := time.LoadLocation("Europe/Helsinki")
	monday := time.Date(2026, 3, 16, 7, 30, 0, 0, helsinki) // last week: 9-16 March
	ix, err := search.OpenBleve(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	if err := ix.Upsert(t.Context(), reporttest.Docs(300, 20, 21, monday, 5)...); err != nil {
		t.Fatal(err)
	}
	svc := reports.NewService(ix, helsinki, func() time.Time { return monday })
	ctx := t.Context()
	users := []models.User{
		{ID: "U1", Email: "aino@example.com", Name: "Aino", Role: models.RoleManager, Locale: "fi", Active: true, WeeklySummary: true},
		{ID: "U2", Email: "ben@example.com", Name: "Ben", Role: models.RoleAdmin, Locale: "en", Active: true, WeeklySummary: true},
		{ID: "U3", Email: "cai@example.com", Name: "Cai", Role: models.RoleManager, Locale: "en", Active: true},
		{ID: "U4", Email: "dan@example.com", Name: "Dan", Role: models.RoleAgent, Locale: "en", Active: true, WeeklySummary: true},
	}
	for i := range users {
		if err := env.Store.InsertUser(ctx, &users[i]); err != nil {
			t.Fatal(err)
		}
	}
	var senders []*reports.WeeklySummaries
	for range 2 {
		m, err := mail.New(env.Store, mail.Config{}, mail.Options{Clock: func() time.Time { return monday }})
		if err != nil {
			t.Fatal(err)
		}
		senders = append(senders, reports.NewWeeklySummaries(svc, env.Store, m, topics{"late deliveries"}, "https://help.example.com", nil))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	stored := 0
	for round := range 3 {
		for _, s := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := s.SendDue(ctx)
				if err != nil {
					t.Errorf("round %d: %v", round, err)
				}
				mu.Lock()
				stored += n
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	if stored != 2 {
		t.Fatalf("stored %d summaries, want 2 (Aino and Ben once each)", stored)
	}
	for _, c := range []struct{ user, subject, text string }{
		{"U1", "Kaikun viikkokooste: 9.3.2026 – 15.3.2026", "Ensivastaus, mediaani"},
		{"U2", "Kaiku weekly summary: 9 Mar 2026 – 15 Mar 2026", "SLA breaches by team"},
	} {
		out, err := env.Store.GetOutboxMail(ctx, "weekly-summary-2026-03-09-"+c.user)
		if err != nil {
			t.Fatalf("summary of %s: %v", c.user, err)
		}
		if out.Message.Subject != c.subject || !strings.Contains(out.Message.Text, c.text) ||
			!strings.Contains(out.Message.Text, "late deliveries") || !strings.Contains(out.Message.Text, "https://help.example.com/reports?from=2026-03-09&to=2026-03-15") {
			t.Errorf("summary of %s: %q\n%s", c.user, out.Message.Subject, out.Message.Text)
		}
	}
}
