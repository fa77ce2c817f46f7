// Package incoming is the handling of an incoming document, from another
// agency, once intake registered it (ND30 Art. 20–24, DOMAIN.md §5): the
// document is presented to the leader(s), one of whom (or a substitute)
// assigns it to a lead unit and person, with cooperating people and a
// handling deadline; the lead handles it, the cooperators give their
// opinions, and the lead completes it, perhaps with a reply document.
// Overdue work is reminded and escalated on the working-day calendar as in
// package chain: both hold their tasks the same way, and the people,
// substitutes, tasks and deadline activity they share are the module's
// contract (package workflows). Its id is workflows.HandlingWorkflowID.
//
// The sender agency is owed status receipts (QCVN 102): 03 registered is
// document.received, which intake publishes when it registers the
// document; this workflow publishes handling.assigned (04), handling.started
// (05) and handling.completed (06). No other code is ever emitted.
//
// Tasks are announced with the task events chain uses (task.assigned with
// task_kind assign, handle or contribute; task.decided with decision assign,
// contribute or complete; task.withdrawn, task.reminded, task.escalated,
// task.commented, task.delegated), so the inbox shows them.
package incoming

import (
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
)

// Names of the workflow, its updates and query; it also takes
// workflows.SignalSubstitutes.
const (
	WorkflowName = "IncomingDocumentHandling"
	// UpdateAssign carries the leader's assignment (Assignment).
	UpdateAssign = "assign"
	// UpdateProgress carries the lead's progress (Progress).
	UpdateProgress = "progress"
	// UpdateContribute carries a cooperator's opinion (Contribution).
	UpdateContribute = "contribute"
	// UpdateComplete carries the lead's result (Completion).
	UpdateComplete = "complete"
	// QueryState returns the workflow's State.
	QueryState = "state"
)

// Kinds of the workflow's tasks (workflows.Task.Kind).
const (
	TaskAssign     = events.TaskKindAssign     // a leader assigns the document
	TaskHandle     = events.TaskKindHandle     // the lead handles it until it is complete
	TaskContribute = events.TaskKindContribute // a cooperator gives the lead an opinion
)

// Decisions recorded on the tasks, and published as task.decided; every
// update answers with a workflows.DecisionResult naming one.
const (
	DecisionAssign     = "assign"
	DecisionContribute = "contribute"
	DecisionComplete   = "complete"
	// DecisionProgress is recorded when the lead reports progress; the
	// handle task stays open.
	DecisionProgress = "progress"
)

// Statuses reported by QueryState.
const (
	StatusAwaitingAssignment = "awaiting_assignment"
	StatusAssigned           = "assigned" // the lead has it; not yet reported in progress
	StatusInProgress         = "in_progress"
	StatusCompleted          = "completed"
)

// OutcomeCompleted is the outcome of a finished handling.
const OutcomeCompleted = "completed"

// ErrInvalidInput is the application error type of an invalid start; the
// refusals of updates carry the shared workflows.Err* types.
const ErrInvalidInput = "InvalidInput"

// Input starts the workflow, once intake registered the document.
type Input struct {
	// Document's Agency is the receiving agency, which registered it.
	workflows.Document
	// SenderAgency is the identifier of the agency that sent the document,
	// which the receipts go to; empty when the sender has none.
	SenderAgency string `json:"sender_agency,omitempty"`
	// Leaders are who the document is presented to; any one of them, a
	// substitute of theirs in force, or, once the assignment is overdue,
	// their supervisor assigns it.
	Leaders []workflows.Assignee `json:"leaders"`
	// AssignWorkingDays is the time the leaders have to assign it; urgent
	// documents get less, as routing counts (workflows.PlanDeadlinesInput).
	AssignWorkingDays int `json:"assign_working_days"`

	// UpsertSearchAttributes turns on the Docflow* search attributes; they
	// must be registered on the namespace first.
	UpsertSearchAttributes bool `json:"upsert_search_attributes,omitempty"`
	// HistoryLimit overrides the history length past which the workflow
	// continues as new.
	HistoryLimit int `json:"history_limit,omitempty"`
	// Resume is the state carried over by continue-as-new; nil on a fresh start.
	Resume *State `json:"resume,omitempty"`
}

// Handler is a person the leader names to handle the document, with the
// unit they act for.
type Handler struct {
	Unit     string `json:"unit"`
	Username string `json:"username"`
	Position string `json:"position,omitempty"`
	// Substitutes are the person's substitutes in force, as routing knows
	// them; later changes come with workflows.SignalSubstitutes.
	Substitutes []workflows.Substitute `json:"substitutes,omitempty"`
}

// Assignment is the argument of UpdateAssign. The deadline is either a
// number of working days from now or a moment the leader chose.
type Assignment struct {
	TaskID              string       `json:"task_id"`
	Lead                Handler      `json:"lead"`
	Cooperators         []Handler    `json:"cooperators,omitempty"`
	DeadlineWorkingDays int          `json:"deadline_working_days,omitempty"`
	Deadline            time.Time    `json:"deadline,omitzero"`
	Comment             string       `json:"comment,omitempty"` // the leader's instruction
	By                  events.Actor `json:"by"`
}

// Progress is the argument of UpdateProgress: the lead says the handling is
// under way; the first one owes the sender receipt 05.
type Progress struct {
	TaskID string       `json:"task_id"`
	Note   string       `json:"note,omitempty"`
	By     events.Actor `json:"by"`
}

// Contribution is the argument of UpdateContribute: a cooperator's opinion,
// which closes their task.
type Contribution struct {
	TaskID  string       `json:"task_id"`
	Opinion string       `json:"opinion"`
	By      events.Actor `json:"by"`
}

// Completion is the argument of UpdateComplete: the lead closes the
// handling with its result and, perhaps, the reply document (stored first).
type Completion struct {
	TaskID string         `json:"task_id"`
	Result string         `json:"result"`
	Reply  *events.Object `json:"reply,omitempty"`
	By     events.Actor   `json:"by"`
}

// Result is what the finished workflow returns.
type Result struct {
	Outcome string         `json:"outcome"`
	Reply   *events.Object `json:"reply,omitempty"`
}

// State is the answer to QueryState and, whole, what continue-as-new
// carries over.
type State struct {
	Status string `json:"status"`
	// WaitingFor are the people who can move the document on now.
	WaitingFor []string         `json:"waiting_for"`
	Tasks      []workflows.Task `json:"tasks"`
	// History is the audit trail: assign, progress, contribute, complete,
	// remind, escalate, delegate.
	History  []workflows.Entry `json:"history"`
	Handling *Handling         `json:"handling,omitempty"` // once assigned
	// Runs counts the continue-as-new generations.
	Runs int `json:"runs"`
}

// Handling is the leader's assignment and how it went.
type Handling struct {
	Lead        Handler   `json:"lead"`
	Cooperators []Handler `json:"cooperators,omitempty"`
	Instruction string    `json:"instruction,omitempty"`
	// WorkingDays or Requested is what the leader gave; Deadline and
	// RemindAt are what routing planned from it (zero until then).
	WorkingDays int            `json:"working_days,omitempty"`
	Requested   time.Time      `json:"requested,omitzero"`
	Deadline    time.Time      `json:"deadline,omitzero"`
	RemindAt    time.Time      `json:"remind_at,omitzero"`
	AssignedBy  events.Actor   `json:"assigned_by"`
	OnBehalfOf  string         `json:"on_behalf_of,omitempty"`
	AssignedAt  time.Time      `json:"assigned_at"`
	StartedAt   *time.Time     `json:"started_at,omitempty"`
	CompletedAt *time.Time     `json:"completed_at,omitempty"`
	Result      string         `json:"result,omitempty"`
	Reply       *events.Object `json:"reply,omitempty"`
}

// Planned says routing computed the handling deadline.
func (h *Handling) Planned() bool { return !h.Deadline.IsZero() }
