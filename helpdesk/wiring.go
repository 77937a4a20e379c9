package helpdesk

import (
	"context"
	"log/slog"
	"time"

	"github.com/kaiku-helpdesk/kaiku/audit"
	"github.com/kaiku-helpdesk/kaiku/journey"
	"github.com/kaiku-helpdesk/kaiku/mail"
	"github.com/kaiku-helpdesk/kaiku/models"
	"github.com/kaiku-helpdesk/kaiku/privacy"
	"github.com/kaiku-helpdesk/kaiku/remedies"
	"github.com/kaiku-helpdesk/kaiku/reports"
	"github.com/kaiku-helpdesk/kaiku/rootcause"
	"github.com/kaiku-helpdesk/kaiku/search"
	"github.com/kaiku-helpdesk/kaiku/staff"
	"github.com/kaiku-helpdesk/kaiku/store"
	"github.com/kaiku-helpdesk/kaiku/topics"
	"github.com/kaiku-helpdesk/kaiku/webhook"
)

// Deps is what the use cases are built on.
type Deps struct {
	Store *store.Store
	Index search.Index
	// ApprovalIndex lists the approval requests (a second index of the same kind).
	ApprovalIndex search.Index
	Mailer        *mail.Mailer
	// Webhooks delivers outbound webhooks (rule actions) and is what endpoint administration
	// tests; nil: rules' webhook actions are not carried out.
	Webhooks *webhook.Service
	Logger   *slog.Logger
	Clock    Clock
	BaseURL  string // public address, for tracking links in mail
	Currency string // of authority limits
	// Location is the installation's time zone: calendar months of spending limits.
	Location *time.Location
	Limits   IntakeLimits
	// FollowUps are the follow-up check's and promises' times; zero fields take the defaults.
	FollowUps FollowUpSettings
	// SecretKey (32 bytes, kept outside the database) seals review sources' signing secrets;
	// nil: a random key for the life of the process.
	SecretKey []byte
	// Mail tunes complaints by e-mail (issue 17).
	Mail MailSettings
}

// Helpdesk is every use case, wired to the others it needs.
type Helpdesk struct {
	Indexer      *Indexer
	Auth         *staff.Auth
	Users        *staff.Users
	Events       *Events
	SLA          *SLA
	Rules        *Rules
	Cases        *Cases
	Settings     *Settings
	Intake       *Intake
	Conversation *Conversation
	Outbox       *Outbox
	Canned       *Canned
	Webhooks     *Webhooks
	SavedViews   *SavedViews
	FollowUps    *FollowUps
	Remedies     *remedies.Service
	Reviews      *Reviews
	Topics       *topics.Service // recurring topics (issue 15)
	RootCauses   *rootcause.Service
	Reports      *reports.Service // Reports (issue 16)
	Mail         *Mail
	Audit        *audit.Log
	Privacy      *privacy.Service
	Journey      *journey.Service // journey view (issue 16)
}

// New wires the use cases; the server and the tests build them the same way. Installing the
// defaults (SLA policy, rules) and the workers are the caller's to start.
func New(d Deps) (*Helpdesk, error) {
	h := &Helpdesk{
		Indexer:  NewIndexer(d.Store, d.Index, d.Logger, d.Clock),
		Users:    staff.NewUsers(d.Store, d.Clock, d.Currency),
		Events:   NewEvents(d.Store, d.Logger, d.Clock),
		SLA:      NewSLA(d.Store, d.Clock),
		Settings: NewSettings(d.Store),
		Outbox:   NewOutbox(d.Mailer),
		Canned:   NewCanned(d.Store, d.Clock),
		Webhooks: NewWebhooks(d.Store, d.Webhooks, d.Clock),
		Audit:    audit.New(d.Store, d.Clock),
	}
	h.Privacy = privacy.New(d.Store, d.Index, h.Indexer, d.Clock)
	var err error
	if h.Auth, err = staff.NewAuth(d.Store, d.SecretKey, d.Logger, d.Clock); err != nil {
		return nil, err
	}
	if d.Mailer != nil {
		h.Auth.SetMail(d.Mailer, d.BaseURL)
	}
	h.Rules = NewRules(d.Store, d.Index, d.Mailer, h.Events, d.Logger, d.Clock)
	if d.Webhooks != nil {
		h.Rules.webhooks = d.Webhooks
	}
	h.Rules.SetBaseURL(d.BaseURL)
	h.Cases = NewCases(d.Store, d.Index, h.Indexer, h.Events, h.SLA, h.Rules, d.Clock)
	// Mails about a case name the reply address of the mailbox it came by (h.Mail, wired below).
	notifier := mail.NewCaseNotifier(d.Mailer, d.Limits.FirstResponseHours).WithReplyTo(func(ctx context.Context, c *models.Case) string {
		return h.Mail.ReplyAddress(ctx, c)
	})
	h.Intake = NewIntake(d.Store, h.Settings, h.Cases, notifier, h.Events, d.Logger, d.Clock, d.BaseURL, d.Limits)
	h.Conversation = newConversation(d.Store, h.Intake)
	h.FollowUps = newFollowUps(d.Store, h.Intake, d.FollowUps)
	h.Cases.followUps, h.Intake.followUps = h.FollowUps, h.FollowUps
	h.SavedViews = NewSavedViews(d.Store, h.Cases, d.Clock)
	notices := &approvalNotices{store: d.Store, logger: d.Logger, now: d.Clock, caseURL: h.Rules.caseURL}
	if d.Mailer != nil {
		notices.mailer = d.Mailer
	}
	h.Remedies = remedies.New(remedies.Config{Store: d.Store, Cases: remedyCases{cases: h.Cases, notices: notices}, Index: d.ApprovalIndex,
		Logger: d.Logger, Clock: d.Clock, Currency: d.Currency, Location: d.Location, NewID: newID})
	h.Journey = journey.New(d.Store, d.Index, d.Clock)
	if h.Reviews, err = NewReviews(d.Store, h.Cases, d.SecretKey, d.Logger, d.Clock); err != nil {
		return nil, err
	}
	if d.Webhooks != nil {
		h.Reviews.webhooks = d.Webhooks
	}
	h.Topics = topics.New(topics.Config{Store: d.Store, Corpus: topicCorpus{d.Store, h.Indexer}, Index: d.Index,
		Logger: d.Logger, Clock: d.Clock})
	h.Indexer.SetTopics(h.Topics)
	h.RootCauses = rootcause.New(d.Store, d.Index, h.Topics, d.Clock, newID)
	h.Reports = reports.NewService(d.Index, d.Location, d.Clock)
	mailSettings := d.Mail
	if mailSettings.Domain == "" {
		mailSettings.Domain = d.Mailer.Config().Domain()
	}
	if h.Mail, err = NewMail(d.Store, h.Cases, h.Intake, d.SecretKey, mailSettings, d.Logger, d.Clock); err != nil {
		return nil, err
	}
	return h, nil
}

// topicCorpus is what topics learn from: the customers' texts of every case (a background
// scan), and the reindex that gives every case its new topic.
type topicCorpus struct {
	store interface {
		EachCase(ctx context.Context, fn func(c *models.Case) error) error
	}
	indexer *Indexer
}

func (c topicCorpus) EachText(ctx context.Context, fn func(d topics.Doc) error) error {
	return c.store.EachCase(ctx, func(cs *models.Case) error { return fn(TopicDoc(cs)) })
}

func (c topicCorpus) ReindexAll(ctx context.Context) (int, error) { return c.indexer.ReindexAll(ctx) }
