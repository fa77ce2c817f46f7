package workflows

import (
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
)

// The people a workflow assigns work to, the tasks it holds for them and
// the audit trail of what they did. The approval chain and the handling of
// incoming documents hold the same tasks, routing fills in the same
// assignees and substitutes, and the gateway reads them back from the
// workflows' states.

// Assignee is the person holding a position a task is addressed to, as
// routing resolves them (svc.RoutingAssignee).
type Assignee = svc.Assignee

// Substitute may decide for the assignee between From (inclusive) and Until
// (exclusive), for the listed document kinds (all when empty). A substitute
// never passes the task on: the workflows know no re-delegation, which is
// also what a TUQ authorisation demands. It is the shape task events carry,
// so the inbox applies the same rule.
type Substitute = events.Substitute

// SubstitutesChange is the argument of SignalSubstitutes: for each listed
// assignee, every substitute they have from now on (an empty list clears
// them). Open tasks of those assignees, and their tasks still to come, take
// the new lists; assignees not listed keep theirs.
type SubstitutesChange struct {
	Assignees []AssigneeSubstitutes `json:"assignees"`
}

// AssigneeSubstitutes is one assignee's whole list of substitutes.
type AssigneeSubstitutes struct {
	Username    string       `json:"username"`
	Substitutes []Substitute `json:"substitutes"`
}

// Task statuses.
const (
	TaskOpen        = "open"
	TaskDecided     = "decided"
	TaskWithdrawn   = "withdrawn"  // closed without a decision: the work it stood for ended or moved on
	TaskReassigned  = "reassigned" // closed and handed to someone else
	TaskResubmitted = "resubmitted"
)

// Task is one task as a workflow holds it. Kind is one of the
// events.TaskKind values; StepID is empty in a workflow without steps.
type Task struct {
	ID       string   `json:"id"`
	StepID   string   `json:"step_id"`
	Kind     string   `json:"kind"`
	Status   string   `json:"status"`
	Assignee Assignee `json:"assignee"`
	// Deciders are the supervisors the overdue task escalated to; they may
	// decide it too.
	Deciders    []string   `json:"deciders,omitempty"`
	AssignedAt  time.Time  `json:"assigned_at"`
	Deadline    time.Time  `json:"deadline,omitzero"`
	RemindAt    time.Time  `json:"remind_at,omitzero"`
	RemindedAt  *time.Time `json:"reminded_at,omitempty"`
	EscalatedAt *time.Time `json:"escalated_at,omitempty"`
	Decision    string     `json:"decision,omitempty"`
	DecidedBy   string     `json:"decided_by,omitempty"`
	OnBehalfOf  string     `json:"on_behalf_of,omitempty"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
}

// Entry is one line of a document's audit trail. Action is a decision, or
// what else happened (remind, escalate, delegate, and the workflow's own:
// resubmit, reassign, recall, send, receipt, …); By is a username, or an
// agency identifier for what another agency did, whose status receipt code
// is then Receipt.
type Entry struct {
	At         time.Time `json:"at"`
	Action     string    `json:"action"`
	TaskID     string    `json:"task_id,omitempty"`
	StepID     string    `json:"step_id,omitempty"`
	By         string    `json:"by,omitempty"`
	OnBehalfOf string    `json:"on_behalf_of,omitempty"`
	Comment    string    `json:"comment,omitempty"`
	Receipt    string    `json:"receipt,omitempty"`
}
