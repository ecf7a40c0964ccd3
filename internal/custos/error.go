package custos

import (
	"errors"
	"fmt"
)

// Error codes. The web layer maps each to an HTTP status; the CLI maps them
// to exit codes. Anything that is not a *Error is EINTERNAL.
const (
	EINVALID      = "invalid"                // input failed validation; Fields says where
	ENOTFOUND     = "not_found"              // the thing asked for does not exist
	ECONFLICT     = "conflict"               // e.g. an Idempotency-Key reused for another body
	EUNAUTHORIZED = "unauthorized"           // no or bad credentials
	EFORBIDDEN    = "forbidden"              // credentials fine, not allowed
	ETOOLARGE     = "too_large"              // body over the limit
	EMEDIATYPE    = "unsupported_media_type" // wrong Content-Type
	EUNAVAILABLE  = "unavailable"            // shutting down, store not ready
	ETOOMANY      = "too_many_requests"      // a rate limit was reached; try again later
	EINTERNAL     = "internal"
)

// FieldError names one invalid field. Field is a dotted path into the input
// ("choices.marketing"); Message is safe to show to the caller and never
// repeats the submitted value, which may be personal data.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the error type of the domain. Message and Fields are meant for
// the caller; Err, if set, is the internal cause and is only ever logged.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	Err     error
}

func (e *Error) Error() string {
	s := e.Code + ": " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error listing the invalid fields.
func Invalid(fields ...FieldError) *Error {
	return &Error{Code: EINVALID, Message: "the request has invalid fields", Fields: fields}
}

// ErrorCode returns the code of err, or EINTERNAL if err is not an *Error.
// It returns "" for a nil error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err. Internal errors get a
// generic text so nothing of their cause leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}

// ErrorFields returns the field list of err, if any.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Fields collects field errors while validating; Err returns nil when empty.
type Fields []FieldError

// Add records a problem with field.
func (f *Fields) Add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns an EINVALID *Error listing the fields, or nil if there are none.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Invalid(f...)
}
