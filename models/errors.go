// Package models holds Kaiku's domain entities and their pure logic: the case lifecycle and SLA
// clocks, users and roles, request shapes, and the typed domain errors. It does no I/O and knows
// nothing about HTTP. The escalation-rule engine is package escalation, the business calendar
// package businesstime.
//
// It is one package, larger than most, because its entities refer to one another (a case holds
// its SLA clocks, promises, grants and approval; a review and a complaint become a case) and
// share the typed errors every layer maps; each file is one entity or one part of the case's
// lifecycle, and none of them does I/O.
package models

import (
	"errors"
	"fmt"
	"time"
)

// ErrorKind classifies a domain error; the HTTP layer maps each kind to one status.
type ErrorKind int

// Error kinds, from the caller's point of view.
const (
	KindInvalid       ErrorKind = iota + 1 // the request is malformed or a field is wrong
	KindUnauthorized                       // nobody is logged in, or credentials are wrong
	KindForbidden                          // logged in, but not allowed
	KindNotFound                           // no such thing (or not visible to the caller)
	KindConflict                           // a stale version, a duplicate, a state that forbids it
	KindTooLarge                           // a body or upload over its limit
	KindRateLimited                        // too many attempts
	KindUnprocessable                      // well-formed, but the domain refuses it
	KindUnavailable                        // a dependency is down
)

// Error is a domain error with a stable machine code and optional per-field messages keyed by
// JSON field name.
type Error struct {
	Kind    ErrorKind
	Code    string
	Message string
	Fields  map[string]string
	// FieldIssues says in machine terms what is wrong with each field of Fields, so a client
	// can show its own words in the user's language; a field without one is "invalid".
	FieldIssues map[string]FieldIssue
	Err         error // cause, never shown to clients
	// RetryAfter, when set, is how long a client should wait before trying again (the
	// Retry-After header of 409 and 429 answers).
	RetryAfter time.Duration
}

// FieldIssue is the machine-readable reason a field was refused: a Code (required,
// invalid_email, not_allowed, too_short, too_long, too_few, too_many, invalid, and for
// uploads too_many_files, file_too_large, empty_file, wrong_file_type), the Limit a length
// or count rule names, and the File an upload rule is about.
type FieldIssue struct {
	Code  string `json:"code"`
	Limit int    `json:"limit,omitempty"`
	File  string `json:"file,omitempty"`
}

// InvalidFieldIssue is InvalidField with the machine-readable reason.
func InvalidFieldIssue(field, message string, issue FieldIssue) *Error {
	e := InvalidField(field, message)
	e.FieldIssues = map[string]FieldIssue{field: issue}
	return e
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns the domain error inside err, if any.
func AsError(err error) (*Error, bool) {
	var de *Error
	if errors.As(err, &de) {
		return de, true
	}
	return nil, false
}

// Constructors for the common cases.

func Invalid(message string, fields map[string]string) *Error {
	return &Error{Kind: KindInvalid, Code: "invalid_request", Message: message, Fields: fields}
}

func InvalidField(field, message string) *Error {
	return Invalid("validation failed", map[string]string{field: message})
}

func Unauthorized(code, message string) *Error {
	return &Error{Kind: KindUnauthorized, Code: code, Message: message}
}

func Forbidden(message string) *Error {
	return &Error{Kind: KindForbidden, Code: "forbidden", Message: message}
}

func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Code: "not_found", Message: what + " not found"}
}

func Conflict(code, message string) *Error {
	return &Error{Kind: KindConflict, Code: code, Message: message}
}

// StaleVersion is returned when a write names a version of what ("case", "webhook") that is
// no longer current.
func StaleVersion(what string, current int64) *Error {
	return &Error{Kind: KindConflict, Code: "version_conflict",
		Message: fmt.Sprintf("the %s was changed by someone else (current version %d); reload and try again", what, current)}
}

func TooLarge(message string) *Error {
	return &Error{Kind: KindTooLarge, Code: "too_large", Message: message}
}

func RateLimited(message string) *Error {
	return &Error{Kind: KindRateLimited, Code: "rate_limited", Message: message}
}

func Unprocessable(code, message string) *Error {
	return &Error{Kind: KindUnprocessable, Code: code, Message: message}
}

func Unavailable(message string, cause error) *Error {
	return &Error{Kind: KindUnavailable, Code: "unavailable", Message: message, Err: cause}
}
