// Package errcode lists the stable machine error codes of docflow. They are
// part of the contract: clients switch on them, so a code is never renamed
// or reused for another meaning. Every error body, over HTTP and over NATS,
// has the shape {code, message, details}.
package errcode

// Code is a stable machine-readable error code.
type Code string

// Codes for the caller's mistakes.
const (
	InvalidArgument Code = "invalid_argument" // a field is missing or malformed; details name it
	NotPDF          Code = "not_pdf"          // the upload does not start with a PDF header
	EmptyFile       Code = "empty_file"       // the upload has no bytes
	FileTooLarge    Code = "file_too_large"   // the upload is larger than the configured limit
	MalformedPDF    Code = "malformed_pdf"    // the upload claims to be a PDF but cannot be parsed
	Unauthenticated Code = "unauthenticated"  // no valid bearer token or credentials
	Forbidden       Code = "forbidden"        // the caller's role does not allow the action
	NotAssignee     Code = "not_assignee"     // the caller is not the person the task is assigned to
	TaskClosed      Code = "task_closed"      // the task was already decided
	NotFound        Code = "not_found"        // no such document, task or record (or not visible to the caller)
	Conflict        Code = "conflict"         // the request conflicts with the current state
	// Confidential: the document is marked MẬT, TỐI MẬT or TUYỆT MẬT and
	// cannot be sent or dispatched electronically.
	Confidential Code = "confidential_document"
	// SignatureInvalid: the upload carries a signature that does not verify
	// (changed after signing, a broken signature, an untrusted or revoked
	// certificate); details name the reason code of the verification report.
	SignatureInvalid Code = "signature_invalid"
)

// Codes for the system's own failures; the request may be retried.
const (
	Unavailable Code = "unavailable" // a dependency (NATS, Temporal, storage) is not reachable
	Internal    Code = "internal"    // an unexpected failure; nothing was lost, the operator has the log
)

// Error is the wire form of an error, over HTTP and in NATS replies.
type Error struct {
	Code    Code              `json:"code"`
	Message string            `json:"message"`
	Details map[string]string `json:"details,omitempty"`
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }
