// Package approval is the retired single-approver workflow: it assigned
// one approval task, waited for the approver's decision (a Workflow Update,
// validated inside the workflow), then had the document signed and
// archived. Documents are now approved by package chain and no worker runs
// this workflow any more; the package stays, frozen, so the histories
// recorded in testdata keep replaying against the code that made them.
//
// Frozen means it schedules exactly the commands it always did, in the same
// order. What it shares with the other workflows (the activities, their
// queues and types, the decisions, the error types) it takes from the
// module's contract, package workflows, and the kit in internal/. No
// package outside this one imports it (tools/scripts/verify.sh isolation).
package approval

import (
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
)

// Names of the workflow, its update and query.
const (
	WorkflowName = "DocumentApproval"
	// UpdateDecide carries a person's decision on a task
	// (workflows.Decision).
	UpdateDecide = "decide"
	// QueryState returns the workflow's State.
	QueryState = "state"
)

// Input starts the workflow.
type Input struct {
	workflows.Document
	Approver string `json:"approver"` // username the task is assigned to
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

// Task is the approval task as the workflow holds it.
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
