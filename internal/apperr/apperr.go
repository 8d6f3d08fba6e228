// Package apperr defines the small set of error kinds the domain packages return and the
// field-level validation errors shown to users. Adapters map kinds to HTTP status codes in one
// place (internal/web); domain packages never know about HTTP.
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the adapters.
type Kind int

// The error kinds.
const (
	KindInternal        Kind = iota // anything unexpected
	KindInvalid                     // bad input; FieldErrors say where
	KindNotFound                    // does not exist or is not visible to the caller
	KindForbidden                   // visible, but the caller may not do this
	KindConflict                    // state does not allow it (e.g. invalid transition)
	KindUnauthenticated             // no or bad credentials
	KindTooLarge                    // input over a size limit
)

// FieldError is one problem with one field of the input. Pointer is a JSON pointer (RFC 6901)
// into the validated document, Code a stable machine-readable code, Message German text for
// the user (the code doubles as the message key for other languages).
type FieldError struct {
	Pointer string `json:"pointer"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is an error with a kind, a message key and optional field errors.
type Error struct {
	Kind   Kind
	Key    string // message key for the user-facing text
	Msg    string // German fallback text / detail
	Fields []FieldError
	Err    error
}

func (e *Error) Error() string {
	s := e.Msg
	if s == "" {
		s = e.Key
	}
	if e.Err != nil {
		return s + ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Invalid returns a KindInvalid error carrying field errors.
func Invalid(fields ...FieldError) *Error {
	return &Error{Kind: KindInvalid, Key: "error.invalid", Msg: "Die Angaben sind unvollständig oder fehlerhaft.", Fields: fields}
}

// NotFound returns a KindNotFound error.
func NotFound(what string) *Error {
	return &Error{Kind: KindNotFound, Key: "error.not_found", Msg: fmt.Sprintf("%s nicht gefunden", what)}
}

// Forbidden returns a KindForbidden error.
func Forbidden(msg string) *Error {
	return &Error{Kind: KindForbidden, Key: "error.forbidden", Msg: msg}
}

// Conflict returns a KindConflict error with a message key and German text.
func Conflict(key, msg string) *Error { return &Error{Kind: KindConflict, Key: key, Msg: msg} }

// New returns an error of the given kind with a message key and German text.
func New(kind Kind, key, msg string) *Error { return &Error{Kind: kind, Key: key, Msg: msg} }

// KindOf returns the kind of err, KindInternal when err carries none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// FieldsOf returns the field errors carried by err.
func FieldsOf(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
