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

	DocumentDrafted Type = "vn.docflow.document.drafted.v1" // an official created an outgoing draft: stored, not registered as incoming

	DocumentDispatched Type = "vn.docflow.document.dispatched.v1" // a clerk sent an issued document to its recipients: units delivered, agencies queued for the exchange or refused

	ExchangeArrived        Type = "vn.docflow.exchange.arrived.v1"         // a verified edXML document package arrived for a hosted agency; its clerk registers it
	ExchangeStatusReceived Type = "vn.docflow.exchange.status_received.v1" // a verified status package (01–06) about a document we sent arrived
)

// registry is every event type with the Go type of its payload, in the
// order the types were introduced: Decode, Types, the JSON Schemas' tests
// and the AsyncAPI document's tests all read it, so a type declared without
// a payload or a schema is caught.
var registry = []struct {
	typ     Type
	payload func() any // a new zero payload
}{
	{DocumentReceived, payload[DocumentReceivedData]},
	{DocumentRejected, payload[DocumentDecisionData]},
	{DocumentApproved, payload[DocumentDecisionData]},
	{DocumentSigned, payload[DocumentSignedData]},
	{DocumentArchived, payload[DocumentArchivedData]},
	{TaskAssigned, payload[TaskAssignedData]},
	{TaskDecided, payload[TaskDecidedData]},
	{RouteSelected, payload[RouteSelectedData]},
	{TaskReminded, payload[TaskNoticeData]},
	{TaskEscalated, payload[TaskNoticeData]},
	{TaskReassigned, payload[TaskNoticeData]},
	{TaskCommented, payload[TaskNoticeData]},
	{TaskWithdrawn, payload[TaskNoticeData]},
	{TaskResubmitted, payload[TaskNoticeData]},
	{DocumentRecalled, payload[DocumentDecisionData]},
	{DelegationCreated, payload[DelegationData]},
	{DelegationRevoked, payload[DelegationData]},
	{TaskDelegated, payload[TaskDelegatedData]},
	{DocumentSent, payload[DocumentSentData]},
	{DocumentOverdue, payload[DocumentOverdueData]},
	{HandlingAssigned, payload[HandlingData]},
	{HandlingStarted, payload[HandlingData]},
	{HandlingCompleted, payload[HandlingData]},
	{DocumentNumbered, payload[DocumentNumberedData]},
	{DocumentDrafted, payload[DocumentDraftedData]},
	{DocumentDispatched, payload[DocumentDispatchedData]},
	{ExchangeArrived, payload[ExchangeArrivedData]},
	{ExchangeStatusReceived, payload[ExchangeStatusReceivedData]},
}

func payload[T any]() any { return new(T) }

// Types lists every event type, for stream checks and documentation.
var Types = func() []Type {
	out := make([]Type, len(registry))
	for i, r := range registry {
		out[i] = r.typ
	}
	return out
}()

// NewPayload returns a pointer to a new zero payload of t's Go type
// (*DocumentReceivedData for DocumentReceived, …), or false when t is not a
// type this package declares.
func NewPayload(t Type) (any, bool) {
	for _, r := range registry {
		if r.typ == t {
			return r.payload(), true
		}
	}
	return nil, false
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
