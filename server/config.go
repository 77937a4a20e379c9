// Package server is Kaiku's process: configuration, wiring of the explicit constructors, the
// embedded database start-up, background workers and graceful shutdown.
package server

import (
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kaiku-helpdesk/kaiku/helpdesk"
	"github.com/kaiku-helpdesk/kaiku/mail"
)

// Config is everything the process reads from its environment and flags. Flags win over
// environment variables; README.md documents each one with its default.
type Config struct {
	Addr          string
	DataDir       string
	MongoURI      string
	DBName        string
	MeiliURL      string
	MeiliAPIKey   string
	MeiliIndex    string
	BaseURL       string
	AdminEmail    string
	AdminPassword string
	SecureCookies bool
	TrustProxy    bool
	LogLevel      string
	LogFormat     string
	Currency      string
	// Location is the installation's time zone (KAIKU_TIME_ZONE): where calendar months of
	// spending limits begin and end.
	Location        *time.Location
	MaxBodyBytes    int64
	ReindexInterval time.Duration
	StartupTimeout  time.Duration
	ShutdownTimeout time.Duration
	// SLASweepInterval is how often due SLA warnings and breaches are looked for; an event
	// fires at most this long after it is due.
	SLASweepInterval time.Duration
	IntakePerIP      int
	IntakePerEmail   int
	// FollowUps: when the follow-up check is asked, how long it waits, when promises remind.
	FollowUps helpdesk.FollowUpSettings
	Mail      mail.Config
	// WebhookAllowHosts may be called by outbound webhooks although they resolve to private,
	// loopback or link-local addresses (an intranet service).
	WebhookAllowHosts []string
	// SecretKey seals review sources' signing secrets (32 bytes, from KAIKU_SECRET_KEY in
	// hex); nil: the key file under the data directory (secretKeyFile).
	SecretKey []byte
	// MailIn tunes complaints by e-mail (KAIKU_MAIL_REPLY_TO, KAIKU_MAIL_ACKS_PER_HOUR) and
	// MailPollInterval how often mailboxes are looked at besides IMAP IDLE
	// (KAIKU_MAIL_POLL_INTERVAL).
	MailIn           helpdesk.MailSettings
	MailPollInterval time.Duration
	// GoogleAPIURL is the Google Business Profile API host (KAIKU_GOOGLE_API_URL; empty:
	// Google's), for a test server in place of Google.
	GoogleAPIURL string
}

// LoadConfig reads the environment (through getenv) and then args.
func LoadConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	env := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	var errs []string
	dur := func(key, def string) time.Duration {
		d, err := time.ParseDuration(env(key, def))
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Sprintf("%s: want a duration like 30s", key))
		}
		return d
	}
	boolean := func(key string, def bool) bool {
		v := env(key, strconv.FormatBool(def))
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: want true or false", key))
		}
		return b
	}
	c := Config{
		Addr:             env("KAIKU_ADDR", "localhost:8080"),
		DataDir:          env("KAIKU_DATA_DIR", "./data"),
		MongoURI:         env("MONGODB_URI", ""),
		DBName:           env("KAIKU_DB_NAME", "kaiku"),
		MeiliURL:         env("MEILI_URL", ""),
		MeiliAPIKey:      env("MEILI_API_KEY", ""),
		MeiliIndex:       env("KAIKU_MEILI_INDEX", "kaiku_cases"),
		BaseURL:          env("KAIKU_BASE_URL", ""),
		AdminEmail:       env("KAIKU_ADMIN_EMAIL", "admin@kaiku.local"),
		AdminPassword:    env("KAIKU_ADMIN_PASSWORD", ""),
		TrustProxy:       boolean("KAIKU_TRUST_PROXY", false),
		LogLevel:         env("KAIKU_LOG_LEVEL", "info"),
		LogFormat:        env("KAIKU_LOG_FORMAT", "text"),
		Currency:         env("KAIKU_CURRENCY", "EUR"),
		GoogleAPIURL:     env("KAIKU_GOOGLE_API_URL", ""),
		ReindexInterval:  dur("KAIKU_REINDEX_INTERVAL", "30s"),
		StartupTimeout:   dur("KAIKU_STARTUP_TIMEOUT", "30s"),
		ShutdownTimeout:  dur("KAIKU_SHUTDOWN_TIMEOUT", "15s"),
		SLASweepInterval: dur("KAIKU_SLA_SWEEP_INTERVAL", "15s"),
	}
	number := func(key string, def int) int {
		n, err := strconv.Atoi(env(key, strconv.Itoa(def)))
		if err != nil || n < 1 {
			errs = append(errs, fmt.Sprintf("%s: want a whole number above 0", key))
		}
		return n
	}
	if loc, err := time.LoadLocation(env("KAIKU_TIME_ZONE", "UTC")); err != nil {
		errs = append(errs, "KAIKU_TIME_ZONE: want an IANA time zone such as Europe/Helsinki")
	} else {
		c.Location = loc
	}
	c.MailIn = helpdesk.MailSettings{ReplyTo: env("KAIKU_MAIL_REPLY_TO", ""), AcksPerHour: number("KAIKU_MAIL_ACKS_PER_HOUR", 3)}
	c.MailPollInterval = dur("KAIKU_MAIL_POLL_INTERVAL", "60s")
	c.IntakePerIP = number("KAIKU_INTAKE_LIMIT_PER_IP", 20)
	c.IntakePerEmail = number("KAIKU_INTAKE_LIMIT_PER_EMAIL", 5)
	c.FollowUps = helpdesk.FollowUpSettings{
		Delay:           followUpDelay(env("KAIKU_FOLLOW_UP_DAYS", "7"), &errs),
		AnswerWindow:    time.Duration(number("KAIKU_FOLLOW_UP_ANSWER_DAYS", 14)) * 24 * time.Hour,
		PromiseReminder: time.Duration(number("KAIKU_PROMISE_REMINDER_MINUTES", 60)) * time.Minute,
	}
	if mc, err := mail.ConfigFromEnv(getenv); err != nil {
		errs = append(errs, err.Error())
	} else {
		c.Mail = mc
	}
	for _, h := range strings.Split(env("KAIKU_WEBHOOK_ALLOW_HOSTS", ""), ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.WebhookAllowHosts = append(c.WebhookAllowHosts, h)
		}
	}
	if s := env("KAIKU_SECRET_KEY", ""); s != "" {
		key, err := hex.DecodeString(s)
		if err != nil || len(key) != 32 {
			errs = append(errs, "KAIKU_SECRET_KEY: want 64 hex digits (32 bytes), e.g. from openssl rand -hex 32")
		}
		c.SecretKey = key
	}
	maxBody, err := strconv.ParseInt(env("KAIKU_MAX_BODY_BYTES", "1048576"), 10, 64)
	if err != nil || maxBody < 1024 {
		errs = append(errs, "KAIKU_MAX_BODY_BYTES: want a number of bytes, at least 1024")
	}
	c.MaxBodyBytes = maxBody

	fs := flag.NewFlagSet("kaiku", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (KAIKU_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for the embedded database and index (KAIKU_DATA_DIR)")
	fs.StringVar(&c.MongoURI, "mongodb-uri", c.MongoURI, "MongoDB URI; empty starts the embedded FerretDB (MONGODB_URI)")
	fs.StringVar(&c.MeiliURL, "meili-url", c.MeiliURL, "Meilisearch URL; empty uses the embedded Bleve index (MEILI_URL)")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public URL of this server, for links (KAIKU_BASE_URL)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (KAIKU_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	c.SecureCookies = boolean("KAIKU_SECURE_COOKIES", strings.HasPrefix(c.BaseURL, "https://"))
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, "KAIKU_LOG_FORMAT: want text or json")
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

// followUpDelay reads KAIKU_FOLLOW_UP_DAYS: whole days, or 0 to ask at the next sweep after
// resolution (for trials and the browser tests).
func followUpDelay(v string, errs *[]string) time.Duration {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 365 {
		*errs = append(*errs, "KAIKU_FOLLOW_UP_DAYS: want a whole number of days from 0 to 365")
		return 0
	}
	if n == 0 {
		return time.Second
	}
	return time.Duration(n) * 24 * time.Hour
}
