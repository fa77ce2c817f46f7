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
)

// Types lists every event type, for stream checks and documentation.
var Types = []Type{
	DocumentReceived, DocumentRejected, DocumentApproved, DocumentSigned,
	DocumentArchived, TaskAssigned, TaskDecided, RouteSelected,
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
