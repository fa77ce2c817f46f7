package workflows

// Application error types. A refused update or a failed activity carries
// one of these as its temporal.ApplicationError type, and callers map them
// to errcode values with one table (errors.As, then the type), whichever
// workflow refused. The refusals only one workflow makes are declared with
// it (chain.ErrNotDrafter, incoming.ErrInvalidInput, …).

// Refusals of an update on a task, by any workflow.
const (
	ErrTaskNotFound    = "TaskNotFound"    // no such task on the document, or not open yet
	ErrTaskClosed      = "TaskClosed"      // the task was decided, withdrawn or reassigned
	ErrNotAssignee     = "NotAssignee"     // neither the assignee, a substitute in force, nor an escalation's supervisor
	ErrInvalidDecision = "InvalidDecision" // the decision or its argument cannot be applied as given
	// ErrNotLeader: the act needs a leader (reassigning a task of the chain,
	// assigning an incoming document), and the person is not one for it.
	ErrNotLeader = "NotLeader"
)

// Failures of the signing service's activities. The workflows list them as
// non-retryable: another attempt would get the same answer.
const (
	ErrSourceIntegrity = "SourceIntegrity" // the stored PDF no longer matches its digest (archive too)
	ErrNoSigningKey    = "NoSigningKey"    // the signer has no certificate configured
	ErrUnsignablePDF   = "UnsignablePDF"   // the PDF could not be signed
	// A remote key's owner declined to sign, or did not approve in time.
	// Neither is retried: a retry would push another request to the
	// person's device.
	ErrSignatureRefused = "SignatureRefused"
	ErrSignatureExpired = "SignatureExpired"
	// ErrPersonalSignatureInvalid: the signed PDF has no personal signature,
	// or one that does not verify; the organisation signature is refused.
	ErrPersonalSignatureInvalid = "PersonalSignatureInvalid"
	// ErrNoOrganisationKey: the agency has no organisation certificate.
	ErrNoOrganisationKey = "NoOrganisationKey"
)

// Failures of intake's AssignNumber activity, non-retryable too.
const (
	// ErrUnregistered: intake has no entry for the document to number.
	ErrUnregistered = "Unregistered"
	// ErrCannotNumber: the document's number and symbol cannot be written
	// (an unknown kind, an agency without an abbreviation).
	ErrCannotNumber = "CannotNumber"
)
