package edxml

import (
	"errors"
	"fmt"
)

// The reasons a package is refused or cannot be built. Every error Build,
// Parse, BuildStatus and ParseStatus return is an *Error whose Reason is
// one of these, so a caller picks the refusal with errors.Is and sends the
// error's text, written for the clerk at the other agency, as the
// Description of its 02 status.
var (
	// ErrMalformed: not a readable edXML package (bad container or XML,
	// a missing required field, a DTD, over a size or nesting limit).
	ErrMalformed = errors.New("malformed edXML package")
	// ErrBadSignature: the XML signature does not verify, so the header
	// was changed after signing or the signature is not ours to read.
	ErrBadSignature = errors.New("broken XML signature")
	// ErrUntrustedCertificate: the signer's certificate does not chain to
	// a trusted root, or is expired or not yet valid.
	ErrUntrustedCertificate = errors.New("untrusted or expired certificate")
	// ErrWrongSigner: the certificate belongs to another agency than the
	// one in From.
	ErrWrongSigner = errors.New("certificate not of the sending agency")
	// ErrAttachmentTampered: an attachment's bytes do not match the digest
	// the signature covers, or an attachment is not covered at all.
	ErrAttachmentTampered = errors.New("attachment digest mismatch")
	// ErrNotForUs: the package is not addressed to the expected recipient.
	ErrNotForUs = errors.New("not addressed to us")
	// ErrUnknownCode: a coded field holds a value outside the standard's
	// list (priority, steering type, business type, status code …).
	ErrUnknownCode = errors.New("unknown code value")
	// ErrInvalid: Build or BuildStatus was given a message that cannot be
	// sent as it is (a caller's mistake, not the other agency's).
	ErrInvalid = errors.New("invalid message")
)

// Error is a refusal: Reason says which kind (one of the Err values above),
// Message says why in words a clerk can act on.
type Error struct {
	Reason  error
	Message string
	// About names the refused document as its header claims, unverified,
	// so the caller can address its 02; nil when the header was unreadable
	// or the refusal is not of a document package.
	About *ResponseFor
	cause error // a lower-level error, for logs only
}

// Error is the clerk's text alone, so it can go into a 02's Description as
// it is.
func (e *Error) Error() string { return e.Message }

// Unwrap makes errors.Is(err, ErrBadSignature) and the like work, and
// reaches the lower-level cause for logs.
func (e *Error) Unwrap() []error {
	if e.cause != nil {
		return []error{e.Reason, e.cause}
	}
	return []error{e.Reason}
}

// Cause is the lower-level error behind the refusal, if any; meant for
// logs, not for the other agency.
func (e *Error) Cause() error { return e.cause }

func refuse(reason error, format string, args ...any) *Error {
	return &Error{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

func refuseWith(reason, cause error, format string, args ...any) *Error {
	return &Error{Reason: reason, Message: fmt.Sprintf(format, args...), cause: cause}
}
