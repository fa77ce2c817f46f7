// Package errs is the error vocabulary of the services: a small closed set of
// kinds, each mapped to an HTTP status in exactly one place (HTTPStatus), and
// the stable machine codes of api/errcode that travel to the caller.
package errs

import (
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/docflow/docflow/api/errcode"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

// The kinds. Other is the zero value: an error that was not classified is
// treated as Internal.
const (
	Other Kind = iota
	Invalid
	NotFound
	Conflict
	Forbidden
	Unauthenticated
	Unavailable
	Internal
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not found"
	case Conflict:
		return "conflict"
	case Forbidden:
		return "forbidden"
	case Unauthenticated:
		return "unauthenticated"
	case Unavailable:
		return "unavailable"
	case Internal:
		return "internal"
	default:
		return "other"
	}
}

// Error is a classified error with a message meant for a person.
type Error struct {
	Op      string // the operation that failed, e.g. "intake.Accept"
	Kind    Kind
	Code    errcode.Code
	Message string // what a person reads and can act on
	Details map[string]string
	Err     error // the underlying cause, for logs; never shown to callers
}

// E builds a classified error.
func E(op string, kind Kind, code errcode.Code, msg string) *Error {
	return &Error{Op: op, Kind: kind, Code: code, Message: msg}
}

// Fields is an Invalid error naming each field that is wrong: a detail per
// field, and a message listing them in field order after the summary
// ("summary: field: problem; field: problem").
func Fields(op, summary string, problems map[string]string) *Error {
	fields := make([]string, 0, len(problems))
	for f := range problems {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f + ": " + problems[f]
	}
	msg := strings.Join(parts, "; ")
	if summary != "" {
		msg = summary + ": " + msg
	}
	e := E(op, Invalid, errcode.InvalidArgument, msg)
	for _, f := range fields {
		e = e.WithDetail(f, problems[f])
	}
	return e
}

// WithDetail adds a detail (typically field → problem) and returns e.
func (e *Error) WithDetail(key, value string) *Error {
	if e.Details == nil {
		e.Details = map[string]string{}
	}
	e.Details[key] = value
	return e
}

// WithCause records the underlying error and returns e.
func (e *Error) WithCause(err error) *Error {
	e.Err = err
	return e
}

func (e *Error) Error() string {
	s := e.Message
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Wrap adds the operation to err, keeping its classification. It returns nil
// for a nil err.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return &wrapped{op: op, err: err}
}

type wrapped struct {
	op  string
	err error
}

func (w *wrapped) Error() string { return w.op + ": " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

// KindOf is the kind of the outermost classified error in err's chain, or
// Internal when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) && e.Kind != Other {
		return e.Kind
	}
	return Internal
}

// Wire is the form of err a caller receives. Unclassified errors become a
// generic internal error: their text may hold details meant for operators.
func Wire(err error) errcode.Error {
	var e *Error
	if errors.As(err, &e) {
		code := e.Code
		if code == "" {
			code = defaultCode(e.Kind)
		}
		return errcode.Error{Code: code, Message: e.Message, Details: e.Details}
	}
	return errcode.Error{Code: errcode.Internal, Message: "internal error; the operation was not completed and can be retried"}
}

// FromWire turns an error received from another service back into a
// classified error, keeping the code and message the caller will see.
func FromWire(op string, status int, w errcode.Error) *Error {
	return &Error{Op: op, Kind: kindOfStatus(status), Code: w.Code, Message: w.Message, Details: w.Details}
}

// HTTPStatus is the one place kinds map to HTTP status codes.
func HTTPStatus(err error) int {
	var e *Error
	if errors.As(err, &e) {
		// Upload refusals have the statuses the HTTP contract documents.
		switch e.Code {
		case errcode.FileTooLarge:
			return http.StatusRequestEntityTooLarge
		case errcode.NotPDF:
			return http.StatusUnsupportedMediaType
		case errcode.EmptyFile, errcode.MalformedPDF:
			return http.StatusUnprocessableEntity
		case errcode.Confidential:
			// The request is understood and allowed, but the document's
			// mark forbids what it asks (dispatch to another agency).
			return http.StatusUnprocessableEntity
		}
	}
	switch KindOf(err) {
	case Invalid:
		return http.StatusBadRequest
	case NotFound:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case Forbidden:
		return http.StatusForbidden
	case Unauthenticated:
		return http.StatusUnauthorized
	case Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

func kindOfStatus(status int) Kind {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		return Invalid
	case http.StatusNotFound:
		return NotFound
	case http.StatusConflict:
		return Conflict
	case http.StatusForbidden:
		return Forbidden
	case http.StatusUnauthorized:
		return Unauthenticated
	case http.StatusServiceUnavailable:
		return Unavailable
	default:
		return Internal
	}
}

func defaultCode(k Kind) errcode.Code {
	switch k {
	case Invalid:
		return errcode.InvalidArgument
	case NotFound:
		return errcode.NotFound
	case Conflict:
		return errcode.Conflict
	case Forbidden:
		return errcode.Forbidden
	case Unauthenticated:
		return errcode.Unauthenticated
	case Unavailable:
		return errcode.Unavailable
	default:
		return errcode.Internal
	}
}
