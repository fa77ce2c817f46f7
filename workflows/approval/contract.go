// Package approval is the document approval workflow: it assigns the
// approval task, waits for the approver's decision (a Workflow Update,
// validated inside the workflow), then has the document signed and archived.
package approval

import (
	"encoding/json"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
)

// Names of the workflow, its update, query and task queues.
const (
	WorkflowName = "DocumentApproval"
	// UpdateDecide carries a person's decision on a task.
	UpdateDecide = "decide"
	// QueryState returns the workflow's State.
	QueryState = "state"

	// TaskQueue runs the workflow and the routing service's activities.
	TaskQueue = "docflow-approval"
	// SigningTaskQueue runs the signing service's activities.
	SigningTaskQueue = "docflow-signing"
	// ArchiveTaskQueue runs the archive service's activities.
	ArchiveTaskQueue = "docflow-archive"
)

// Activity names; the owning service registers them under these names.
const (
	ActivityPublishEvent    = "PublishEvent"    // routing: publish a CloudEvent on JetStream
	ActivitySignDocument    = "SignDocument"    // signing: sign the PDF with the signer's personal key
	ActivityArchiveDocument = "ArchiveDocument" // archive: store the signed PDF under object lock
)

// Decisions a person can take on a task.
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
)

// Outcomes of the workflow.
const (
	OutcomeArchived = "archived"
	OutcomeRejected = "rejected"
)

// Application error types: a rejected update or a failed activity carries one
// of these, and callers map them to errcode values.
const (
	ErrTaskNotFound    = "TaskNotFound"
	ErrTaskClosed      = "TaskClosed"
	ErrNotAssignee     = "NotAssignee"
	ErrInvalidDecision = "InvalidDecision"
	ErrSourceIntegrity = "SourceIntegrity" // the stored PDF no longer matches its digest
	ErrNoSigningKey    = "NoSigningKey"    // the signer has no certificate configured
	ErrUnsignablePDF   = "UnsignablePDF"   // the PDF could not be signed
	// A remote key's owner declined to sign, or did not approve in time.
	// Neither is retried: a retry would push another request to the
	// person's device.
	ErrSignatureRefused = "SignatureRefused"
	ErrSignatureExpired = "SignatureExpired"
)

// WorkflowID is the id of a document's approval workflow. Starting it twice
// for one document is refused by Temporal, which makes routing idempotent.
func WorkflowID(documentID string) string { return "approval-" + documentID }

// Input starts the workflow.
type Input struct {
	DocumentID    string        `json:"document_id"`
	Agency        string        `json:"agency"`
	Kind          string        `json:"kind"`
	Subject       string        `json:"subject"`
	Urgency       string        `json:"urgency"`
	ArrivalNumber int64         `json:"arrival_number"`
	Original      events.Object `json:"original"`
	Approver      string        `json:"approver"` // username the task is assigned to
	// Deadline of the approval task, counted in working days on the
	// Vietnamese calendar by routing (workflows cannot load the calendar).
	Deadline time.Time `json:"deadline"`
	// DeadlineDays is read only when Deadline is zero, by workflows started
	// before routing computed deadlines: calendar days from assignment.
	DeadlineDays int          `json:"deadline_days,omitempty"`
	SubmittedBy  events.Actor `json:"submitted_by"`
}

// Result is what the finished workflow returns.
type Result struct {
	Outcome  string         `json:"outcome"`
	Signed   *events.Object `json:"signed,omitempty"`
	RecordID string         `json:"record_id,omitempty"`
}

// Decision is the argument of UpdateDecide.
type Decision struct {
	TaskID   string       `json:"task_id"`
	Decision string       `json:"decision"`
	Comment  string       `json:"comment"`
	By       events.Actor `json:"by"`
}

// DecisionResult is the result of UpdateDecide.
type DecisionResult struct {
	TaskID    string    `json:"task_id"`
	Decision  string    `json:"decision"`
	DecidedAt time.Time `json:"decided_at"`
	// OnBehalfOf is the assignee when a substitute or supervisor decided in
	// their place (the approval chain); empty otherwise.
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// Task is one approval task as the workflow holds it.
type Task struct {
	ID         string     `json:"id"`
	Assignee   string     `json:"assignee"`
	AssignedAt time.Time  `json:"assigned_at"`
	Deadline   time.Time  `json:"deadline"`
	Decision   string     `json:"decision,omitempty"`
	DecidedBy  string     `json:"decided_by,omitempty"`
	DecidedAt  *time.Time `json:"decided_at,omitempty"`
}

// State is the answer to QueryState: where the document is and who it waits for.
type State struct {
	Status string `json:"status"` // awaiting_decision, signing, archiving, archived, rejected
	Task   *Task  `json:"task,omitempty"`
}

// PublishEventInput asks the routing service to publish one event. The ID is
// chosen by the workflow, so a retried activity republishes the same event
// and JetStream drops the duplicate.
type PublishEventInput struct {
	ID         string          `json:"id"`
	Type       events.Type     `json:"type"`
	Agency     string          `json:"agency"`
	DocumentID string          `json:"document_id"`
	Time       time.Time       `json:"time"`
	Data       json.RawMessage `json:"data"`
}

// SignDocumentInput asks the signing service to sign a stored PDF.
type SignDocumentInput struct {
	DocumentID string        `json:"document_id"`
	Agency     string        `json:"agency"`
	Source     events.Object `json:"source"`
	Signer     string        `json:"signer"` // username whose personal key signs
	Reason     string        `json:"reason"`
	// SignerTitle is the title of the position the signer approved in
	// ("Chánh Văn phòng"): with it the signature is visible, the signer's
	// handwritten image between the title and the name (DOMAIN.md §6);
	// without it, invisible.
	SignerTitle string `json:"signer_title,omitempty"`
	// SignerAuthority is the authority prefix (KT., TUQ.) when the signer
	// signs for someone else, whose title SignerFor is: "KT. CHÁNH VĂN
	// PHÒNG" above the signer's own title.
	SignerAuthority string `json:"signer_authority,omitempty"`
	SignerFor       string `json:"signer_for,omitempty"`
}

// SignDocumentResult is the signed PDF.
type SignDocumentResult struct {
	Signed     events.Object `json:"signed"`
	SignerCert string        `json:"signer_cert"`
	Level      string        `json:"level"`
	SignedAt   time.Time     `json:"signed_at"`
}

// ArchiveDocumentInput asks the archive to keep a signed PDF.
type ArchiveDocumentInput struct {
	DocumentID    string        `json:"document_id"`
	Agency        string        `json:"agency"`
	Kind          string        `json:"kind"`
	Subject       string        `json:"subject"`
	ArrivalNumber int64         `json:"arrival_number"`
	Signed        events.Object `json:"signed"`
	Signer        string        `json:"signer"`
	SignedAt      time.Time     `json:"signed_at"`
}

// ArchiveDocumentResult is the catalog record created.
type ArchiveDocumentResult struct {
	RecordID    string        `json:"record_id"`
	Object      events.Object `json:"object"`
	RetainUntil time.Time     `json:"retain_until"`
}
