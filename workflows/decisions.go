package workflows

import (
	"time"

	events "github.com/docflow/docflow/api/events/v1"
)

// A person's decision reaches a workflow as a Workflow Update; the gateway
// sends the approval workflows one shape, and every update on a task
// answers with one result, so these are declared once.

// Decisions every approval workflow knows; a workflow adds its own (the
// chain's return and comment, the handling's assign or complete).
const (
	DecisionApprove = "approve"
	DecisionReject  = "reject"
)

// Outcomes of an approval workflow.
const (
	OutcomeArchived = "archived"
	OutcomeRejected = "rejected"
)

// Decision is the argument of an approval workflow's decide update.
type Decision struct {
	TaskID   string       `json:"task_id"`
	Decision string       `json:"decision"`
	Comment  string       `json:"comment"`
	By       events.Actor `json:"by"`
}

// DecisionResult is the result of an update on a task: the task acted on,
// the decision recorded and when.
type DecisionResult struct {
	TaskID    string    `json:"task_id"`
	Decision  string    `json:"decision"`
	DecidedAt time.Time `json:"decided_at"`
	// OnBehalfOf is the assignee when a substitute or supervisor decided in
	// their place; empty otherwise.
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}
