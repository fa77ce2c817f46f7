package events

import (
	"encoding/json"
	"time"
)

// SpecVersion is the CloudEvents version docflow emits.
const SpecVersion = "1.0"

// SchemaBase is the prefix of every event's dataschema URI.
const SchemaBase = "https://schemas.docflow.vn/events/v1/"

// Envelope is a CloudEvents 1.0 event in structured JSON mode. ID is a UUID
// and is also sent as the Nats-Msg-Id header, so JetStream drops a
// re-published duplicate and every consumer can deduplicate by it.
type Envelope struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Source          string          `json:"source"` // "/docflow/<service>"
	Type            Type            `json:"type"`
	Subject         string          `json:"subject,omitempty"` // the document id
	Time            time.Time       `json:"time"`
	DataContentType string          `json:"datacontenttype"`
	DataSchema      string          `json:"dataschema"`
	Agency          string          `json:"agency"` // extension attribute: the agency identifier
	Data            json.RawMessage `json:"data"`
}

// Actor is the person (or service) that caused an event.
type Actor struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Agency   string `json:"agency"`
}

// Object locates document bytes in object storage. Events and workflow
// payloads carry this, never the bytes.
type Object struct {
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	VersionID string `json:"version_id,omitempty"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"` // lower-case hex
}

// DocumentReceivedData is the payload of DocumentReceived.
type DocumentReceivedData struct {
	DocumentID      string    `json:"document_id"`
	Agency          string    `json:"agency"`
	ArrivalNumber   int64     `json:"arrival_number"`
	ArrivalYear     int       `json:"arrival_year"`
	Kind            string    `json:"kind"`
	Subject         string    `json:"subject"`
	Urgency         string    `json:"urgency"`
	Confidentiality string    `json:"confidentiality"`
	Original        Object    `json:"original"`
	ReceivedAt      time.Time `json:"received_at"`
	By              Actor     `json:"by"`
	// Optional: what the document says of itself (see svc.DocumentMetadata).
	Issuer      string `json:"issuer,omitempty"`
	IssuerID    string `json:"issuer_id,omitempty"`
	Symbol      string `json:"symbol,omitempty"`
	IssuedOn    string `json:"issued_on,omitempty"` // YYYY-MM-DD
	Description string `json:"description,omitempty"`
	// ExchangeArrival is the arrival id of the exchange.arrived event the
	// clerk registered, when the document came over the exchange: the
	// sender is then owed receipt 03 and the later ones.
	ExchangeArrival string `json:"exchange_arrival,omitempty"`
}

// DocumentDraftedData is the payload of DocumentDrafted: an outgoing
// document as its drafter created it (DOMAIN.md §4). It has no arrival
// number: a draft is never entered in the incoming register.
type DocumentDraftedData struct {
	DocumentID      string    `json:"document_id"`
	Agency          string    `json:"agency"`
	Kind            string    `json:"kind"`
	Subject         string    `json:"subject"`
	Urgency         string    `json:"urgency"`
	Confidentiality string    `json:"confidentiality"`
	Original        Object    `json:"original"`
	DraftedAt       time.Time `json:"drafted_at"`
	By              Actor     `json:"by"` // the drafter
	// Unit is the drafting unit (đơn vị soạn thảo), an org-chart unit id;
	// the công văn symbol carries its abbreviation. Empty when the drafter
	// holds no position in a unit.
	Unit string `json:"unit,omitempty"`
	// Recipients are the nơi nhận, in the order the drafter gave them.
	Recipients  []Recipient `json:"recipients"`
	Description string      `json:"description,omitempty"`
}

// Recipient is one addressee of an outgoing document: a unit of the
// drafting agency or another agency, exactly one of the two.
type Recipient struct {
	Unit   string `json:"unit,omitempty"`   // an org-chart unit id of the agency
	Agency string `json:"agency,omitempty"` // another agency's identifier
}

// DocumentDispatchedData is the payload of DocumentDispatched: one
// dispatch of an issued outgoing document (ND30 Art. 16), with what became
// of each recipient it was sent to this time. Recipients sent earlier are
// not repeated.
type DocumentDispatchedData struct {
	DocumentID string                `json:"document_id"`
	Agency     string                `json:"agency"` // the sending agency
	By         Actor                 `json:"by"`     // the clerk
	At         time.Time             `json:"at"`
	Recipients []DispatchedRecipient `json:"recipients"`
	// Issued is what the exchange puts in the edXML package sent to each
	// queued agency; nil in events published before it existed, which the
	// exchange cannot send.
	Issued *DispatchedDocument `json:"issued,omitempty"`
}

// DispatchedDocument is the issued document a dispatch sends, as the
// outgoing register holds it.
type DispatchedDocument struct {
	Kind     string    `json:"kind"`
	Subject  string    `json:"subject"`
	Urgency  string    `json:"urgency"`
	Number   int64     `json:"number"` // issue order in its register
	Symbol   string    `json:"symbol"` // number and symbol as printed, e.g. 12/QĐ-VPCP
	IssuedAt time.Time `json:"issued_at"`
	Sealed   Object    `json:"sealed"` // the PDF with the organisation signature
	// Signer is the username of the competent signer; the exchange prints
	// their name from their certificate.
	Signer string `json:"signer,omitempty"`
}

// Statuses of a dispatched recipient.
const (
	// DispatchDelivered: a unit of the agency; its people have the document
	// in their inbox (Readers).
	DispatchDelivered = "delivered"
	// DispatchQueued: another agency; the document waits in the outbox for
	// the inter-agency exchange, which has not sent it yet.
	DispatchQueued = "queued"
	// DispatchRefused: never sent, for Reason (confidential_document: a
	// secret document does not go over the electronic exchange).
	DispatchRefused = "refused"
	// DispatchFailed: not sent this time, for Reason; a later dispatch tries
	// again.
	DispatchFailed = "failed"
)

// DispatchedRecipient is one recipient of a dispatch: a unit or an agency,
// exactly one of the two, as the draft named it.
type DispatchedRecipient struct {
	Unit   string `json:"unit,omitempty"`
	Agency string `json:"agency,omitempty"`
	Status string `json:"status"` // one of the Dispatch* statuses
	// Reason is the error code of a refused or failed recipient.
	Reason string `json:"reason,omitempty"`
	// Readers are the usernames a unit's copy was delivered to: the holders
	// of the unit's positions.
	Readers []string `json:"readers,omitempty"`
}

// RouteSelectedData is the payload of RouteSelected.
type RouteSelectedData struct {
	DocumentID  string `json:"document_id"`
	WorkflowID  string `json:"workflow_id"`
	RuleID      string `json:"rule_id"`
	RuleVersion string `json:"rule_version"`
	Approver    string `json:"approver"`
	// Unit is an outgoing draft's drafting unit as routing settled it (the
	// one the drafter named, else their own); empty for an incoming one.
	Unit string `json:"unit,omitempty"`
}

// TaskAssignedData is the payload of TaskAssigned.
type TaskAssignedData struct {
	TaskID     string    `json:"task_id"`
	DocumentID string    `json:"document_id"`
	WorkflowID string    `json:"workflow_id"`
	Assignee   string    `json:"assignee"`
	Subject    string    `json:"subject"`
	Kind       string    `json:"kind"`
	Urgency    string    `json:"urgency"`
	Deadline   time.Time `json:"deadline"`
	AssignedAt time.Time `json:"assigned_at"`
	// TaskKind says what the task asks of its assignee (one of the TaskKind
	// constants); absent on tasks published before it existed, which are
	// approvals.
	TaskKind string `json:"task_kind,omitempty"`
	// Substitutes may act on the task for the assignee, each within its
	// dates and kinds; TaskDelegated announces a later change.
	Substitutes []Substitute `json:"substitutes,omitempty"`
}

// Task kinds: what a task asks of its assignee.
const (
	TaskKindApprove    = "approve"    // decide on a document in an approval step
	TaskKindRevise     = "revise"     // the drafter revises a returned document and resubmits it
	TaskKindAssign     = "assign"     // a leader assigns an incoming document to a lead and cooperators
	TaskKindHandle     = "handle"     // the lead handles an incoming document until it is completed
	TaskKindContribute = "contribute" // a cooperator gives the lead an opinion on an incoming document
	TaskKindSign       = "sign"       // the competent person signs an outgoing document (decision sign)
	TaskKindIssue      = "issue"      // a clerk numbers and seals a signed document (closed by the issue)
	// TaskKindRead is for information only (để biết): an issued document
	// delivered to the assignee's unit. It has no deadline and nothing to
	// decide.
	TaskKindRead = "read"
)

// Substitute is someone who may act on a task for its assignee between
// From (inclusive) and Until (exclusive), for the listed document kinds
// (every kind when empty): a delegation as the workflows apply it.
type Substitute struct {
	Username  string    `json:"username"`
	From      time.Time `json:"from"`
	Until     time.Time `json:"until"`
	Kinds     []string  `json:"kinds,omitempty"`
	Authority string    `json:"authority,omitempty"` // signing authority prefix, e.g. TUQ
	// Reference is the authorising document of a TUQ authorisation.
	Reference string `json:"reference,omitempty"`
	// Title is the title of the substitute's own position, printed when
	// they sign for the assignee.
	Title string `json:"title,omitempty"`
}

// TaskDelegatedData is the payload of TaskDelegated: the assignee's
// substitutes for an open task, whole, as they are from At (empty when the
// assignee has none any more).
type TaskDelegatedData struct {
	TaskID      string       `json:"task_id"`
	DocumentID  string       `json:"document_id"`
	WorkflowID  string       `json:"workflow_id"`
	Assignee    string       `json:"assignee"`
	Substitutes []Substitute `json:"substitutes"`
	At          time.Time    `json:"at"`
}

// TaskDecidedData is the payload of TaskDecided.
type TaskDecidedData struct {
	TaskID     string `json:"task_id"`
	DocumentID string `json:"document_id"`
	WorkflowID string `json:"workflow_id"`
	Decision   string `json:"decision"` // approve | reject | return
	Comment    string `json:"comment,omitempty"`
	By         Actor  `json:"by"`
	// OnBehalfOf is the assignee when a substitute or an escalation
	// supervisor decided in their place.
	OnBehalfOf string    `json:"on_behalf_of,omitempty"`
	DecidedAt  time.Time `json:"decided_at"`
}

// DocumentDecisionData is the payload of DocumentApproved and DocumentRejected.
type DocumentDecisionData struct {
	DocumentID string    `json:"document_id"`
	WorkflowID string    `json:"workflow_id"`
	By         Actor     `json:"by"`
	Comment    string    `json:"comment,omitempty"`
	At         time.Time `json:"at"`
}

// DocumentSignedData is the payload of DocumentSigned.
type DocumentSignedData struct {
	DocumentID string    `json:"document_id"`
	Signer     string    `json:"signer"`      // username of the person whose certificate signed
	SignerCert string    `json:"signer_cert"` // certificate subject
	Level      string    `json:"level"`       // PAdES level: B-B, B-T, B-LT, B-LTA
	Source     Object    `json:"source"`
	Signed     Object    `json:"signed"`
	SignedAt   time.Time `json:"signed_at"`
}

// DocumentNumberedData is the payload of DocumentNumbered: an outgoing
// document the clerk issued, with its place in the outgoing register
// (DOMAIN.md §2, §10). Sealed is the PDF carrying both the personal and the
// organisation signature, the one that is archived and dispatched.
type DocumentNumberedData struct {
	DocumentID string `json:"document_id"`
	WorkflowID string `json:"workflow_id"`
	Number     int64  `json:"number"`   // issue order in the year of its register, from 1
	Symbol     string `json:"symbol"`   // number and symbol as printed, e.g. 12/QĐ-VPCP
	Register   string `json:"register"` // the series the number belongs to, e.g. outgoing or outgoing/secret
	Year       int    `json:"year"`     // calendar year, in Vietnam, of the number
	Kind       string `json:"kind"`
	Subject    string `json:"subject"`
	// Signer is the username of the competent person whose personal
	// signature the document carries (người ký).
	Signer string `json:"signer"`
	Sealed Object `json:"sealed"`
	// Attachment says the organisation signature is invisible, with the
	// number and signing time as a text block: a separately filed attachment.
	Attachment bool      `json:"attachment,omitempty"`
	By         Actor     `json:"by"` // the clerk who issued it
	IssuedAt   time.Time `json:"issued_at"`
}

// DocumentArchivedData is the payload of DocumentArchived.
type DocumentArchivedData struct {
	DocumentID    string    `json:"document_id"`
	RecordID      string    `json:"record_id"`
	Object        Object    `json:"object"`
	RetainUntil   time.Time `json:"retain_until"`
	RetentionMode string    `json:"retention_mode"` // COMPLIANCE
	ArchivedAt    time.Time `json:"archived_at"`
}

// TaskNoticeData is the payload of the task events that are neither an
// assignment nor a decision: TaskReminded, TaskEscalated, TaskReassigned,
// TaskCommented, TaskWithdrawn and TaskResubmitted.
type TaskNoticeData struct {
	TaskID     string    `json:"task_id"`
	DocumentID string    `json:"document_id"`
	WorkflowID string    `json:"workflow_id"`
	Assignee   string    `json:"assignee"`
	Deadline   time.Time `json:"deadline,omitzero"`
	At         time.Time `json:"at"`
	By         *Actor    `json:"by,omitempty"`         // the person who acted, when one did
	Supervisor string    `json:"supervisor,omitempty"` // who may now decide, on TaskEscalated
	To         string    `json:"to,omitempty"`         // the new assignee, on TaskReassigned
	Comment    string    `json:"comment,omitempty"`
}

// DelegationData is the payload of DelegationCreated and DelegationRevoked.
type DelegationData struct {
	DelegationID string    `json:"delegation_id"`
	Agency       string    `json:"agency"`
	Position     string    `json:"position"`
	Holder       string    `json:"holder"`
	Substitute   string    `json:"substitute"`
	From         time.Time `json:"from"`
	Until        time.Time `json:"until"`
	Kinds        []string  `json:"kinds,omitempty"`     // scope; empty means every kind
	Authority    string    `json:"authority,omitempty"` // delegated (a substitution), or TUQ for a written authorisation
	Reference    string    `json:"reference,omitempty"` // a TUQ authorisation's authorising document
	By           Actor     `json:"by"`
	At           time.Time `json:"at"`
}

// Status receipts of the inter-agency exchange (QCVN 102): the codes a
// receiving agency reports to the sender about a document. The exchange
// knows others (13, 15, 16: recall and update), which concern the sender's
// own changes, not the handling.
const (
	ReceiptArrived    = "01" // the package arrived (automatic)
	ReceiptRejected   = "02" // the package was refused, with a reason
	ReceiptRegistered = "03" // registered with an incoming number (document.received)
	ReceiptAssigned   = "04" // a leader assigned it for handling (handling.assigned)
	ReceiptInProgress = "05" // its handling began (handling.started)
	ReceiptCompleted  = "06" // its handling is complete (handling.completed)
)

// DocumentSentData is the payload of DocumentSent: a step of the approval
// plan that another agency takes. The workflow waits for that agency's
// status receipts until one completes the step.
type DocumentSentData struct {
	DocumentID string    `json:"document_id"`
	WorkflowID string    `json:"workflow_id"`
	StepID     string    `json:"step_id"`
	To         string    `json:"to"` // the agency identifier the document goes to
	Kind       string    `json:"kind"`
	Subject    string    `json:"subject"`
	Urgency    string    `json:"urgency"`
	Original   Object    `json:"original"` // the current revision
	Due        time.Time `json:"due"`      // the reply is expected by then
	At         time.Time `json:"at"`
}

// DocumentOverdueData is the payload of DocumentOverdue: the agency a step
// waits for has not completed it by its deadline. The step keeps waiting;
// Notify are the people who follow it up.
type DocumentOverdueData struct {
	DocumentID string    `json:"document_id"`
	WorkflowID string    `json:"workflow_id"`
	StepID     string    `json:"step_id"`
	WaitingFor string    `json:"waiting_for"` // the agency identifier
	Deadline   time.Time `json:"deadline"`
	Notify     []string  `json:"notify"` // usernames
	At         time.Time `json:"at"`
}

// HandlingData is the payload of HandlingAssigned, HandlingStarted and
// HandlingCompleted: where the handling of an incoming document stands,
// with the status receipt the sender agency is owed.
type HandlingData struct {
	DocumentID string `json:"document_id"`
	WorkflowID string `json:"workflow_id"`
	// SenderAgency is the identifier of the agency that sent the document;
	// absent when it came from a sender without one, who gets no receipt.
	SenderAgency string    `json:"sender_agency,omitempty"`
	Status       string    `json:"status"` // ReceiptAssigned, ReceiptInProgress, ReceiptCompleted
	LeadUnit     string    `json:"lead_unit"`
	LeadPerson   string    `json:"lead_person"`
	Cooperators  []string  `json:"cooperators,omitempty"` // usernames
	Deadline     time.Time `json:"deadline"`
	By           Actor     `json:"by"`
	OnBehalfOf   string    `json:"on_behalf_of,omitempty"` // whom a substitute acted for
	Comment      string    `json:"comment,omitempty"`      // the instruction, progress note or result
	Reply        *Object   `json:"reply,omitempty"`        // the reply document, on completion
	At           time.Time `json:"at"`
}
