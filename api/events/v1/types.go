package events

import "strings"

// Type is a CloudEvents type: vn.docflow.<entity>.<past-verb>.v<N>. A
// breaking change to a payload is a new version published alongside the old.
type Type string

// The event types of version 1.
const (
	DocumentReceived Type = "vn.docflow.document.received.v1" // intake stored and registered a document
	DocumentRejected Type = "vn.docflow.document.rejected.v1" // an approver rejected the document; its workflow ended
	DocumentApproved Type = "vn.docflow.document.approved.v1" // every approval step agreed
	DocumentSigned   Type = "vn.docflow.document.signed.v1"   // the signing service produced a signed PDF
	DocumentArchived Type = "vn.docflow.document.archived.v1" // the archive holds the signed PDF under object lock
	TaskAssigned     Type = "vn.docflow.task.assigned.v1"     // a person has a new task in the inbox
	TaskDecided      Type = "vn.docflow.task.decided.v1"      // a task was decided and closed
	RouteSelected    Type = "vn.docflow.route.selected.v1"    // routing chose the plan and started the workflow

	TaskReminded      Type = "vn.docflow.task.reminded.v1"      // a task's deadline is near; its assignee is reminded
	TaskEscalated     Type = "vn.docflow.task.escalated.v1"     // a task is overdue; the supervisor may now decide it
	TaskReassigned    Type = "vn.docflow.task.reassigned.v1"    // a leader gave a task to someone else
	TaskCommented     Type = "vn.docflow.task.commented.v1"     // someone commented on a task without deciding it
	TaskWithdrawn     Type = "vn.docflow.task.withdrawn.v1"     // a task closed without a decision (step completed, returned, recalled)
	TaskResubmitted   Type = "vn.docflow.task.resubmitted.v1"   // the drafter resubmitted a returned document
	DocumentRecalled  Type = "vn.docflow.document.recalled.v1"  // the drafter withdrew the document before signing
	DelegationCreated Type = "vn.docflow.delegation.created.v1" // a position holder named a substitute for a period
	DelegationRevoked Type = "vn.docflow.delegation.revoked.v1" // a delegation was withdrawn before its end

	TaskDelegated     Type = "vn.docflow.task.delegated.v1"     // the substitutes of an open task's assignee changed
	DocumentSent      Type = "vn.docflow.document.sent.v1"      // a workflow sent the document to another agency and waits for its reply
	DocumentOverdue   Type = "vn.docflow.document.overdue.v1"   // another agency did not reply by the deadline
	HandlingAssigned  Type = "vn.docflow.handling.assigned.v1"  // a leader assigned an incoming document: receipt 04
	HandlingStarted   Type = "vn.docflow.handling.started.v1"   // the lead began handling it: receipt 05
	HandlingCompleted Type = "vn.docflow.handling.completed.v1" // the lead completed the handling: receipt 06

	DocumentNumbered Type = "vn.docflow.document.numbered.v1" // the clerk issued a signed document: number, symbol and date assigned, organisation signature applied
)

// Types lists every event type, for stream checks and documentation.
var Types = []Type{
	DocumentReceived, DocumentRejected, DocumentApproved, DocumentSigned,
	DocumentArchived, TaskAssigned, TaskDecided, RouteSelected,
	TaskReminded, TaskEscalated, TaskReassigned, TaskCommented, TaskWithdrawn, TaskResubmitted,
	DocumentRecalled, DelegationCreated, DelegationRevoked,
	TaskDelegated, DocumentSent, DocumentOverdue, HandlingAssigned, HandlingStarted, HandlingCompleted,
	DocumentNumbered,
}

// Entity is the entity token of the type (document, task, route).
func (t Type) Entity() string { return t.part(2) }

// Verb is the past-tense verb token of the type (received, signed, …).
func (t Type) Verb() string { return t.part(3) }

// SchemaName is the file name of the type's JSON Schema under schemas/.
func (t Type) SchemaName() string {
	return t.Entity() + "." + t.Verb() + "." + t.part(4) + ".json"
}

func (t Type) part(i int) string {
	parts := strings.Split(string(t), ".")
	if len(parts) != 5 {
		return ""
	}
	return parts[i]
}
