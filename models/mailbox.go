package models

import "time"

// Mailbox TLS modes and what is done with a fetched mail.
const (
	MailboxTLS      = "tls"      // implicit TLS (IMAPS, port 993)
	MailboxStartTLS = "starttls" // plain connection upgraded with STARTTLS (port 143)
	MailboxNoTLS    = "none"     // no encryption: only for a server on the same host or in tests

	AfterFetchFlag = "flag" // mark the mail \Seen (and \Flagged) where it is
	AfterFetchMove = "move" // move it to MoveTo
)

// Mailbox is a shared IMAP mailbox whose mail becomes cases. Its password is kept sealed with
// a key held outside the database (see helpdesk.Mailboxes); it never leaves the server.
type Mailbox struct {
	ID       string `bson:"_id" json:"id"`
	Name     string `bson:"name" json:"name"`
	Address  string `bson:"address" json:"address"` // the address customers write to; Reply-To of mails about its cases
	Host     string `bson:"host" json:"host"`
	Port     int    `bson:"port" json:"port"`
	TLS      string `bson:"tls" json:"tls"`
	Username string `bson:"username" json:"username"`
	// PasswordSealed is the password encrypted (AES-GCM) with the installation's secret key.
	PasswordSealed []byte `bson:"password_sealed" json:"-"`
	Folder         string `bson:"folder" json:"folder"`
	AfterFetch     string `bson:"after_fetch" json:"after_fetch"`
	MoveTo         string `bson:"move_to,omitempty" json:"move_to,omitempty"`
	// What new cases from this mailbox get.
	TeamID   string    `bson:"team_id,omitempty" json:"team_id,omitempty"`
	Category string    `bson:"category,omitempty" json:"category,omitempty"`
	Locale   string    `bson:"locale" json:"locale"`
	Enabled  bool      `bson:"enabled" json:"enabled"`
	Created  time.Time `bson:"created_at" json:"created_at"`
	Updated  time.Time `bson:"updated_at" json:"updated_at"`
	Version  int64     `bson:"version" json:"version"`
}

// MailboxCreate is a new mailbox as an admin enters it.
type MailboxCreate struct {
	Name       string `json:"name" validate:"required,max=80"`
	Address    string `json:"address" validate:"required,email,max=254"`
	Host       string `json:"host" validate:"required,max=253"`
	Port       int    `json:"port" validate:"required,min=1,max=65535"`
	TLS        string `json:"tls" validate:"required,oneof=tls starttls none"`
	Username   string `json:"username" validate:"required,max=254"`
	Password   string `json:"password" validate:"required,max=1000"`
	Folder     string `json:"folder" validate:"omitempty,max=200"`
	AfterFetch string `json:"after_fetch" validate:"omitempty,oneof=flag move"`
	MoveTo     string `json:"move_to" validate:"omitempty,max=200"`
	TeamID     string `json:"team_id" validate:"max=64"`
	Category   string `json:"category" validate:"max=80"`
	Locale     string `json:"locale" validate:"omitempty,oneof=en fi"`
	Enabled    *bool  `json:"enabled"`
}

// MailboxPatch changes some fields; nil means unchanged, an empty password keeps the old one.
type MailboxPatch struct {
	Version    int64   `json:"version" validate:"required,min=1"`
	Name       *string `json:"name" validate:"omitempty,min=1,max=80"`
	Address    *string `json:"address" validate:"omitempty,email,max=254"`
	Host       *string `json:"host" validate:"omitempty,min=1,max=253"`
	Port       *int    `json:"port" validate:"omitempty,min=1,max=65535"`
	TLS        *string `json:"tls" validate:"omitempty,oneof=tls starttls none"`
	Username   *string `json:"username" validate:"omitempty,min=1,max=254"`
	Password   *string `json:"password" validate:"omitempty,max=1000"`
	Folder     *string `json:"folder" validate:"omitempty,min=1,max=200"`
	AfterFetch *string `json:"after_fetch" validate:"omitempty,oneof=flag move"`
	MoveTo     *string `json:"move_to" validate:"omitempty,max=200"`
	TeamID     *string `json:"team_id" validate:"omitempty,max=64"`
	Category   *string `json:"category" validate:"omitempty,max=80"`
	Locale     *string `json:"locale" validate:"omitempty,oneof=en fi"`
	Enabled    *bool   `json:"enabled"`
}

// MailboxStatus is how fetching from a mailbox goes (kept in its state document, not in the
// mailbox, so the fetcher never races an admin's edit).
type MailboxStatus struct {
	UIDValidity uint32     `json:"uid_validity"`
	LastUID     uint32     `json:"last_uid"`
	Fetched     int64      `json:"fetched"`
	LastFetchAt *time.Time `json:"last_fetch_at,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
}

// EmailThread is what a case that came by e-mail remembers of its mail: the mailbox it came
// by (its address is the Reply-To of mails about the case) and the customer's Message-IDs,
// for the In-Reply-To and References of Kaiku's mails.
type EmailThread struct {
	MailboxID     string `bson:"mailbox_id,omitempty" json:"mailbox_id,omitempty"`
	ReplyTo       string `bson:"reply_to,omitempty" json:"reply_to,omitempty"`
	FirstID       string `bson:"first_id,omitempty" json:"-"`
	LastID        string `bson:"last_id,omitempty" json:"-"`
	Quoted        string `bson:"quoted,omitempty" json:"quoted,omitempty"` // the first mail's quoted conversation
	LinkedTo      string `bson:"linked_to,omitempty" json:"linked_to,omitempty"`
	Bounced       bool   `bson:"bounced,omitempty" json:"bounced,omitempty"`
	AutoSubmitted bool   `bson:"auto,omitempty" json:"auto,omitempty"`
}
