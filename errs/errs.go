package errs

import (
	"errors"
	"fmt"
	"net/http"
)

// Code is a stable, machine-readable error code.
type Code string

// The codes. They are part of the public contract: add freely, never rename.
const (
	Invalid      Code = "invalid_params"
	NotFound     Code = "not_found"
	Corrupt      Code = "corrupt_data"
	Unsupported  Code = "unsupported_schema"
	Conflict     Code = "conflict"
	Unauthorized Code = "unauthorized"
	Internal     Code = "internal"
	// Incomparable is a not-found flavour: there is data, but nothing in common to answer from.
	Incomparable Code = "incomparable"
	// GateFailed is returned by quality gates (compare --fail-on-regression, --min-pass-rate).
	GateFailed Code = "gate_failed"
	// Interrupted is returned when the user cancelled the work (SIGINT).
	Interrupted Code = "interrupted"
)

// Error is an error with a code, a message and an optional hint for humans.
type Error struct {
	Code    Code
	Message string
	Hint    string
	Err     error
	// Answered is set when the answer already printed carries this error (a failed
	// gate inside the compare document): stdout gets no second document.
	Answered bool
}

// Error returns the message (or the wrapped error's, when there is no message).
func (e *Error) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the wrapped error, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// E builds a coded error with a formatted message. A %w verb wraps as fmt.Errorf does.
func E(code Code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: err.Error(), Err: errors.Unwrap(err)}
}

// InAnswer marks e as carried by the answer already printed.
func (e *Error) InAnswer() *Error {
	e.Answered = true
	return e
}

// WithHint returns e with a hint for humans attached.
func (e *Error) WithHint(hint string) *Error {
	e.Hint = hint
	return e
}

// CodeOf returns the code of the first coded error in err's chain, or Internal.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// HintOf returns the hint of the first coded error in err's chain that has one.
func HintOf(err error) string {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return ""
		}
		if e.Hint != "" {
			return e.Hint
		}
		err = e.Err
	}
	return ""
}

// ExitCode maps a code to the process exit code documented in design.md.
func ExitCode(c Code) int {
	switch c {
	case "":
		return 0
	case GateFailed:
		return 1
	case Invalid, Conflict, Unauthorized:
		return 2
	case NotFound, Incomparable:
		return 3
	case Corrupt, Unsupported:
		return 4
	case Interrupted:
		return 130
	default:
		return 5
	}
}

// HTTPStatus maps a code to the HTTP status of the API.
func HTTPStatus(c Code) int {
	switch c {
	case Invalid:
		return http.StatusBadRequest
	case NotFound:
		return http.StatusNotFound
	case Incomparable:
		return http.StatusUnprocessableEntity
	case Conflict:
		return http.StatusConflict
	case Unauthorized:
		return http.StatusUnauthorized
	case Corrupt, Unsupported:
		return http.StatusUnprocessableEntity
	case Interrupted:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}
