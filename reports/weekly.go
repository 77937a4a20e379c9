package reports

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
)

// The weekly summary mail (Reports, issue 16): every Monday from 07:00 in the installation's
// time zone, each manager or admin who asked for it gets the last week's figures against the
// week before, the SLA breaches by team, and the rising topics (when a topic source is
// wired), in their language. Every replica's sweep tries; the mail's id is derived from the
// week and the recipient, so one message is stored however many try (mail.EnqueueOnce).

// WeeklySendHour is the local hour on Monday from which last week's summary goes out.
const WeeklySendHour = 7

// TopicSource names the topics that rose in [from, to) against the period before, most
// rising first. The topics feature (another branch) provides it; until then the mail has no
// topics section.
type TopicSource interface {
	RisingTopics(ctx context.Context, from, to time.Time, limit int) ([]string, error)
}

// SummaryUsers lists the staff: the summary goes to active managers and admins who opted in.
type SummaryUsers interface {
	ListUsers(ctx context.Context) ([]models.User, error)
	ListTeams(ctx context.Context) ([]models.Team, error)
}

// SummaryMailer stores a message once under an id (mail.Mailer).
type SummaryMailer interface {
	EnqueueOnce(ctx context.Context, id string, msg mail.Message) (bool, error)
}

// WeeklySummaries sends the weekly summary mails.
type WeeklySummaries struct {
	reports *Service
	users   SummaryUsers
	mailer  SummaryMailer
	topics  TopicSource // nil: no topics section
	baseURL string
	logger  *slog.Logger

	mu   sync.Mutex
	sent map[string]bool // ids this process stored or found stored: no need to ask again
}

// NewWeeklySummaries builds the sender; topics may be nil.
func NewWeeklySummaries(reports *Service, users SummaryUsers, mailer SummaryMailer, topics TopicSource, baseURL string, logger *slog.Logger) *WeeklySummaries {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &WeeklySummaries{reports: reports, users: users, mailer: mailer, topics: topics, baseURL: strings.TrimRight(baseURL, "/"), logger: logger, sent: map[string]bool{}}
}

// lastWeek is the latest week (Monday to Monday in loc) whose summary is due at now, and
// whether one is due yet.
func lastWeek(now time.Time, loc *time.Location) (from, to time.Time) {
	l := now.In(loc)
	monday := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, -((int(l.Weekday()) + 6) % 7))
	if l.Before(monday.Add(WeeklySendHour * time.Hour)) {
		monday = monday.AddDate(0, 0, -7) // before Monday 07:00: the week before last is the latest due
	}
	return monday.AddDate(0, 0, -7), monday
}

// Run sends what is due every interval until ctx ends.
func (w *WeeklySummaries) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := w.SendDue(ctx); err != nil {
			w.logger.Warn("weekly summaries", "err", err)
		} else if n > 0 {
			w.logger.Info("weekly summaries stored", "mails", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SendDue stores the summary of the latest due week for every manager who asked for it and
// has not got it; it returns how many this call stored.
func (w *WeeklySummaries) SendDue(ctx context.Context) (int, error) {
	from, to := lastWeek(w.reports.now(), w.reports.loc)
	week := from.Format("2006-01-02")
	users, err := w.users.ListUsers(ctx)
	if err != nil {
		return 0, err
	}
	var due []models.User
	w.mu.Lock()
	for _, u := range users {
		if u.Active && u.WeeklySummary && u.Role.AtLeast(models.RoleManager) && !w.sent[mailID(week, u.ID)] {
			due = append(due, u)
		}
	}
	w.mu.Unlock()
	if len(due) == 0 {
		return 0, nil
	}
	// Managers see every case: one pair of reports serves them all.
	this, err := w.reports.Report(ctx, Viewer{}, Query{From: from, To: to, GroupBy: "team"})
	if err != nil {
		return 0, err
	}
	before, err := w.reports.Report(ctx, Viewer{}, Query{From: from.AddDate(0, 0, -7), To: from})
	if err != nil {
		return 0, err
	}
	teams := map[string]string{}
	if ts, err := w.users.ListTeams(ctx); err == nil {
		for _, t := range ts {
			teams[t.ID] = t.Name
		}
	}
	var topics []string
	if w.topics != nil {
		if topics, err = w.topics.RisingTopics(ctx, from, to, 5); err != nil {
			w.logger.Warn("weekly summaries: rising topics", "err", err)
			topics = nil
		}
	}
	stored := 0
	for _, u := range due {
		id := mailID(week, u.ID)
		msg := summaryMessage(u, from, to, this, before, teams, topics, w.baseURL, w.reports.loc)
		ok, err := w.mailer.EnqueueOnce(ctx, id, msg)
		if err != nil {
			return stored, err
		}
		if ok {
			stored++
		}
		w.mu.Lock()
		w.sent[id] = true
		w.mu.Unlock()
	}
	return stored, nil
}

func mailID(week, userID string) string { return "weekly-summary-" + week + "-" + userID }
