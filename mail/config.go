package mail

import (
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"
)

// TLS modes of Config.TLS.
const (
	TLSStartTLS = "starttls" // plain connect, then STARTTLS is required (port 587)
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // no encryption: only for a server on loopback (tests, a local relay)
)

// DefaultFrom is the sender when KAIKU_SMTP_FROM is unset.
const DefaultFrom = "Kaiku <noreply@localhost>"

// DefaultTimeout bounds one SMTP connection (dial, commands and data).
const DefaultTimeout = 30 * time.Second

// Config says how to reach the SMTP server. Without Host, mail is kept in the outbox with
// status "stored" instead of being sent.
type Config struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string // the sender address, e.g. noreply@example.com
	FromName string // the sender's display name, e.g. Kaiku
	TLS      string // TLSStartTLS (default), TLSImplicit or TLSNone
	Timeout  time.Duration
}

// Enabled reports whether an SMTP server is configured.
func (c Config) Enabled() bool { return c.Host != "" }

// String describes the configuration without the password.
func (c Config) String() string {
	if !c.Enabled() {
		return "smtp disabled (mail is kept in the outbox)"
	}
	user := ""
	if c.Username != "" {
		user = c.Username + ":***@"
	}
	return fmt.Sprintf("smtp://%s%s tls=%s from=%s", user, net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), c.TLS, c.From)
}

// ConfigFromEnv reads KAIKU_SMTP_HOST, KAIKU_SMTP_PORT (587, or 465 with implicit TLS),
// KAIKU_SMTP_USERNAME, KAIKU_SMTP_PASSWORD, KAIKU_SMTP_FROM (default "Kaiku
// <noreply@localhost>") and KAIKU_SMTP_TLS ("starttls" default, "tls", or "none", which is
// accepted only for a loopback host). The result is validated.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := Config{
		Host:     get("KAIKU_SMTP_HOST"),
		Username: get("KAIKU_SMTP_USERNAME"),
		Password: getenv("KAIKU_SMTP_PASSWORD"), // a password may have meaningful spaces
		TLS:      strings.ToLower(get("KAIKU_SMTP_TLS")),
		Timeout:  DefaultTimeout,
	}
	if p := get("KAIKU_SMTP_PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Config{}, fmt.Errorf("KAIKU_SMTP_PORT: %q is not a port number", p)
		}
		c.Port = n
	}
	from := get("KAIKU_SMTP_FROM")
	if from == "" {
		from = DefaultFrom
	}
	addr, err := netmail.ParseAddress(from)
	if err != nil {
		return Config{}, fmt.Errorf("KAIKU_SMTP_FROM: %q is not an address (%v)", from, err)
	}
	c.From, c.FromName = addr.Address, addr.Name
	c = c.withDefaults()
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// withDefaults fills the TLS mode, port, sender and timeout where they are unset.
func (c Config) withDefaults() Config {
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		c.Port = 587
		if c.TLS == TLSImplicit {
			c.Port = 465
		}
	}
	if c.From == "" {
		c.From, c.FromName = "noreply@localhost", "Kaiku"
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// Validate checks the configuration (after defaults).
func (c Config) Validate() error {
	switch c.TLS {
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		return fmt.Errorf("KAIKU_SMTP_TLS: %q is not one of starttls, tls, none", c.TLS)
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("KAIKU_SMTP_PORT: %d is not a port number", c.Port)
	}
	if _, err := netmail.ParseAddress(c.From); err != nil || strings.ContainsAny(c.From, "<> \r\n") {
		return fmt.Errorf("KAIKU_SMTP_FROM: %q is not an address", c.From)
	}
	if strings.ContainsAny(c.FromName, "\r\n") {
		return errors.New("KAIKU_SMTP_FROM: the name has a line break")
	}
	if !c.Enabled() {
		return nil
	}
	if strings.ContainsAny(c.Host, " /\r\n") {
		return fmt.Errorf("KAIKU_SMTP_HOST: %q is not a host name", c.Host)
	}
	if c.TLS == TLSNone && !isLoopback(c.Host) {
		return fmt.Errorf("KAIKU_SMTP_TLS=none sends mail and passwords in clear text; it is allowed only for a loopback host, not %q", c.Host)
	}
	if c.Password != "" && c.Username == "" {
		return errors.New("KAIKU_SMTP_PASSWORD is set but KAIKU_SMTP_USERNAME is not")
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// domain is the part of the sender address after @, for Message-IDs.
// Domain is the right-hand side of Kaiku's Message-IDs: the sender address's domain.
func (c Config) Domain() string { return c.domain() }

func (c Config) domain() string {
	if i := strings.LastIndexByte(c.From, '@'); i >= 0 && i < len(c.From)-1 {
		return c.From[i+1:]
	}
	return "localhost"
}
