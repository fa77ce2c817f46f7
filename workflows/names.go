package workflows

// The task queues and the activities on them are what a worker registers
// and a workflow schedules: the names below are the only link between the
// two, so both sides take them from here.

// Task queues, one per service that runs workflow work.
const (
	// RoutingTaskQueue runs the workflows and the routing service's
	// activities. Its value dates from when it ran only the approval
	// workflow; workers and running workflows address it by that string.
	RoutingTaskQueue = "docflow-approval"
	// SigningTaskQueue runs the signing service's activities.
	SigningTaskQueue = "docflow-signing"
	// ArchiveTaskQueue runs the archive service's activities.
	ArchiveTaskQueue = "docflow-archive"
	// IntakeTaskQueue runs the intake service's activities: the registers
	// and their counters live there.
	IntakeTaskQueue = "docflow-intake"
)

// Activity names; the service that owns each side effect registers it under
// this name on its task queue.
const (
	// ActivityPublishEvent is routing's, on RoutingTaskQueue: publish a
	// CloudEvent on JetStream (PublishEventInput).
	ActivityPublishEvent = "PublishEvent"
	// ActivityPlanDeadlines is routing's, on RoutingTaskQueue: count a step's
	// working days on the calendar, which workflows cannot load
	// (PlanDeadlinesInput).
	ActivityPlanDeadlines = "PlanDeadlines"
	// ActivitySignDocument is signing's, on SigningTaskQueue: sign the PDF
	// with the signer's personal key (SignDocumentInput).
	ActivitySignDocument = "SignDocument"
	// ActivitySealDocument is signing's, on SigningTaskQueue: verify the
	// personal signature, then add the organisation signature with the
	// number and date (SealDocumentInput).
	ActivitySealDocument = "SealDocument"
	// ActivityAssignNumber is intake's, on IntakeTaskQueue: the next number
	// of the document's outgoing register, once per document
	// (AssignNumberInput).
	ActivityAssignNumber = "AssignNumber"
	// ActivityArchiveDocument is archive's, on ArchiveTaskQueue: store the
	// signed PDF under object lock (ArchiveDocumentInput).
	ActivityArchiveDocument = "ArchiveDocument"
)

// SignalSubstitutes carries assignees' current substitutes
// (SubstitutesChange) to a running workflow, for delegations made after its
// tasks were planned. Routing sends it to the approval chain and to the
// handling of incoming documents alike.
const SignalSubstitutes = "substitutes"

// ApprovalWorkflowID is the id of a document's approval workflow, the
// single-approver one or the chain: a document never has both, and starting
// one twice is refused by Temporal, which makes routing idempotent.
func ApprovalWorkflowID(documentID string) string { return "approval-" + documentID }

// HandlingWorkflowID is the id of an incoming document's handling workflow.
func HandlingWorkflowID(documentID string) string { return "handling-" + documentID }
