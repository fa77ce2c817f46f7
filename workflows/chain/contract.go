// Package chain is the plan-driven approval workflow: routing resolves a
// rule's positions to people and hands the workflow a plan of steps, each
// sequential or parallel (all, any, n of m) with a deadline in working days.
// Decisions arrive as Workflow Updates validated inside the workflow; a
// valid substitute may act for an official on leave; reminders and
// escalation follow the deadlines routing computes on the calendar. When the
// last step agrees the document is signed, waits for a clerk to number and
// seal it (issue.go), and is archived.
//
// A step may also be taken by another agency (ModeExternal): the workflow
// publishes document.sent, and that agency's status receipts come back as
// the SignalAgencyReply signal. A delegation created after planning reaches
// the running workflow as workflows.SignalSubstitutes.
//
// The activities it calls, the decisions, tasks and people it shares with
// the other workflows, and its id (workflows.ApprovalWorkflowID) are the
// module's contract, package workflows; this package declares what only
// this workflow has. It is a separate workflow type from the retired
// single-approver one (package approval), so histories of that one keep
// replaying against their own code.
package chain

import (
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/internal/kit"
)

// Names of the workflow, its updates, query and signal.
const (
	WorkflowName = "DocumentApprovalChain"
	// UpdateDecide carries a person's decision on a task (workflows.Decision).
	UpdateDecide = "decide"
	// UpdateResubmit carries the drafter's revised document (Resubmission).
	UpdateResubmit = "resubmit"
	// UpdateReassign hands a task to someone else (Reassignment).
	UpdateReassign = "reassign"
	// UpdateRecall withdraws the document before signing (Recall).
	UpdateRecall = "recall"
	// QueryState returns the workflow's State.
	QueryState = "state"
	// SignalAgencyReply carries another agency's status receipt on an
	// external step (AgencyReply).
	SignalAgencyReply = "agency-reply"
)

// Step modes.
const (
	ModeSingle = "single" // exactly one assignee, who must approve
	ModeAll    = "all"    // every assignee must approve
	ModeAny    = "any"    // the first approval completes the step
	ModeNOfM   = "n_of_m" // Required approvals complete the step
	// ModeExternal is a step another agency takes: the document is sent to
	// Step.Agency and the step waits for its reply (AgencyReply).
	ModeExternal = "external"
)

// Decisions a person can take on an approval task besides
// workflows.DecisionApprove and workflows.DecisionReject.
const (
	DecisionReturn  = "return"  // back to the drafter for revision, then the same step again
	DecisionComment = "comment" // a remark that leaves the task open
	// DecisionSign is the competent person's signature on a signing task;
	// the only decision besides reject, return and comment that closes one.
	DecisionSign = "sign"
)

// OutcomeRecalled is the outcome of a recalled document, besides
// workflows.OutcomeArchived and workflows.OutcomeRejected.
const OutcomeRecalled = "recalled"

// RoleLeader is the role (events.Actor.Role) allowed to reassign tasks.
const RoleLeader = "leader"

// Application error types of the refusals only this workflow makes; the
// shared ones are workflows.Err*.
const (
	ErrNotDrafter    = "NotDrafter"    // resubmit or recall by someone other than the drafter
	ErrRecallTooLate = "RecallTooLate" // recall once every step agreed and signing began
	ErrInvalidPlan   = "InvalidPlan"   // the start input cannot be run
)

// Input starts the workflow.
type Input struct {
	workflows.Document
	// Drafter submitted the document and gets it back for revision.
	Drafter events.Actor `json:"drafter"`
	Plan    Plan         `json:"plan"`

	// UpsertSearchAttributes turns on the Docflow* search attributes; they
	// must be registered on the namespace first.
	UpsertSearchAttributes bool `json:"upsert_search_attributes,omitempty"`
	// HistoryLimit overrides the history length past which the workflow
	// continues as new (tests force an early continue-as-new with a low one).
	HistoryLimit int `json:"history_limit,omitempty"`
	// Resume is the state carried over by continue-as-new; nil on a fresh start.
	Resume *State `json:"resume,omitempty"`
}

// Plan is the route routing chose for the document: positions already
// resolved to people.
type Plan struct {
	RuleID      string `json:"rule_id"`
	RuleVersion string `json:"rule_version"`
	Steps       []Step `json:"steps"`
	// Signing is the step where the competent person signs, once every
	// review step agreed (DOMAIN.md §4). Plans of outgoing documents have
	// one; runs started before it existed have none and are signed by the
	// person whose approval completed the last step.
	Signing *Signing `json:"signing,omitempty"`
	// Unit is the drafting unit (đơn vị soạn thảo) and Units the
	// abbreviations the document's symbol carries for it
	// (workflows.AssignNumberInput.Units).
	Unit  string   `json:"unit,omitempty"`
	Units []string `json:"units,omitempty"`
	// Issuing is who issues the signed document: the clerk holding the
	// agency's văn thư position, whose task it waits on with a deadline,
	// reminders and escalation like any task. Any clerk of the agency may
	// still issue it. Absent in runs started before it: they wait for the
	// clerks without a task.
	Issuing *Issuing `json:"issuing,omitempty"`
}

// Issuing is the clerk's part of a plan (Plan.Issuing).
type Issuing struct {
	Clerk workflows.Assignee `json:"clerk"`
	// DeadlineWorkingDays counts from the signature; 0 is the same working
	// day (ND30 Art. 18: issued the day it is signed).
	DeadlineWorkingDays int `json:"deadline_working_days"`
}

// Authorities a plan may give its signing position (thể thức ký, ND30
// Appendix I). KT. and TUQ. are not among them: they come from the
// substitute who signs in the holder's place.
const (
	AuthorityDirect = ""    // the position signs in its own right
	AuthorityTM     = "TM." // on behalf of a collective (thay mặt)
	AuthorityTL     = "TL." // by order of the head (thừa lệnh)
	AuthorityQ      = "Q."  // as acting head (quyền)
)

// Signing is the plan's signing step: one task, of kind TaskSign, for the
// holder of the competent position, who signs as an explicit act (decision
// DecisionSign). A valid substitute may sign in the holder's place, under
// KT. (a deputy standing in) or TUQ. (a written authorisation).
type Signing struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Signer is the holder of the competent position, with their
	// substitutes and supervisor, resolved as for any step.
	Signer workflows.Assignee `json:"signer"`
	// Authority is how the position signs by the plan (Authority*), and For
	// the title it signs for under TM. or TL. ("Ủy ban nhân dân",
	// "Bộ trưởng").
	Authority           string `json:"authority,omitempty"`
	For                 string `json:"for,omitempty"`
	DeadlineWorkingDays int    `json:"deadline_working_days"`
}

// Step is one stage of the plan; its tasks run in parallel. A ModeExternal
// step has no assignees: Agency, the identifier of the agency it is sent
// to, takes it.
type Step struct {
	ID                  string               `json:"id"`
	Name                string               `json:"name"`
	Mode                string               `json:"mode"`               // ModeSingle, ModeAll, ModeAny, ModeNOfM, ModeExternal
	Required            int                  `json:"required,omitempty"` // approvals needed in ModeNOfM
	Assignees           []workflows.Assignee `json:"assignees"`
	Agency              string               `json:"agency,omitempty"` // ModeExternal only
	DeadlineWorkingDays int                  `json:"deadline_working_days"`
}

// AgencyReply is the argument of SignalAgencyReply: a status receipt from
// the agency an external step waits for. 06 completed, or a reply document
// with any code, completes the step. 02 refused sends the document back to
// its drafter, who corrects it and resubmits (the step then sends it again)
// or recalls it: a refusal is about the package (misaddressed, a signature
// that does not verify), which the drafter can put right. 01, 03, 04 and 05
// are recorded.
type AgencyReply struct {
	Agency string `json:"agency"`
	// StepID is the step answered (document.sent carries it); when empty,
	// the step waiting for Agency.
	StepID string         `json:"step_id,omitempty"`
	Status string         `json:"status"`           // events.ReceiptArrived … events.ReceiptCompleted
	Reason string         `json:"reason,omitempty"` // required with 02
	Reply  *events.Object `json:"reply,omitempty"`  // the agency's reply document
	At     time.Time      `json:"at"`               // when the agency issued the receipt
}

// Resubmission is the argument of UpdateResubmit: the drafter's revised
// document, answering their revision task.
type Resubmission struct {
	TaskID   string        `json:"task_id"`
	Original events.Object `json:"original"`
	By       events.Actor  `json:"by"`
}

// Reassignment is the argument of UpdateReassign.
type Reassignment struct {
	TaskID string             `json:"task_id"`
	To     workflows.Assignee `json:"to"`
	By     events.Actor       `json:"by"`
}

// Recall is the argument of UpdateRecall.
type Recall struct {
	By     events.Actor `json:"by"`
	Reason string       `json:"reason,omitempty"`
}

// ChangeResult is the result of UpdateResubmit, UpdateReassign and UpdateRecall.
type ChangeResult struct {
	// TaskIDs are the tasks the change opened (the reassigned task).
	TaskIDs []string  `json:"task_ids,omitempty"`
	At      time.Time `json:"at"`
}

// Result is what the finished workflow returns.
type Result struct {
	Outcome string         `json:"outcome"`
	Signed  *events.Object `json:"signed,omitempty"`
	// Issued is the clerk's issue: number, symbol and the sealed PDF that
	// was archived; nil for runs recorded before the two-signature rule.
	Issued   *Issued `json:"issued,omitempty"`
	RecordID string  `json:"record_id,omitempty"`
}

// Kinds of the workflow's tasks (workflows.Task.Kind).
const (
	TaskApprove = events.TaskKindApprove // decide on the document for a step
	TaskRevise  = events.TaskKindRevise  // the drafter revises and resubmits
	TaskSign    = events.TaskKindSign    // the competent person signs (Plan.Signing)
	TaskIssue   = events.TaskKindIssue   // the clerk issues the signed document (Plan.Issuing)
)

// Statuses reported by QueryState.
const (
	StatusInReview = "in_review"
	StatusReturned = "returned" // waiting for the drafter's revision
	StatusApproved = "approved"
	StatusSigning  = "signing"
	// StatusAwaitingIssue and StatusIssuing (issue.go) come between signing
	// and archiving.
	StatusArchiving = "archiving"
	StatusArchived  = "archived"
	StatusRejected  = "rejected"
	StatusRecalled  = "recalled"
)

// State is the answer to QueryState and, whole, what continue-as-new
// carries over: where the document is, who it waits for and what happened.
type State struct {
	Status   string        `json:"status"`
	Step     int           `json:"step"` // index into Plan.Steps
	StepID   string        `json:"step_id"`
	StepName string        `json:"step_name"`
	Original events.Object `json:"original"` // the current revision
	// StepOpen is false between steps and while the drafter revises.
	StepOpen   bool `json:"step_open"`
	Approvals  int  `json:"approvals"` // in the current round of the step
	Rejections int  `json:"rejections"`
	// WaitingFor are the people who can move the document on now.
	WaitingFor []string          `json:"waiting_for"`
	Tasks      []workflows.Task  `json:"tasks"`
	History    []workflows.Entry `json:"history"`
	// Approver is the signer: whoever signed on the signing task, or, in
	// runs without a signing step, whose approval completed the last step.
	Approver *events.Actor `json:"approver,omitempty"`
	// Reviewed says every review step agreed and the signing task was
	// opened; SignDecided that the signer signed (signing.go).
	Reviewed    bool `json:"reviewed,omitempty"`
	SignDecided bool `json:"sign_decided,omitempty"`
	// Exchanges are the times the document was sent to another agency, the
	// last one the step waiting now, if any.
	Exchanges []Exchange `json:"exchanges,omitempty"`
	// Signed is the PDF with the personal signature, once it exists.
	Signed *events.Object `json:"signed,omitempty"`
	// Issued is set once a clerk numbered and sealed the document.
	Issued *Issued `json:"issued,omitempty"`
	// Ended is the decision that rejected or recalled the document.
	Ended *EndedBy `json:"ended,omitempty"`
	// Runs counts the continue-as-new generations.
	Runs int `json:"runs"`
}

// Exchange statuses.
const (
	ExchangeWaiting   = "waiting"
	ExchangeCompleted = "completed" // 06 or a reply document came
	ExchangeRefused   = "refused"   // 02 came; the document went back to the drafter
	ExchangeWithdrawn = "withdrawn" // the drafter recalled the document meanwhile
)

// Exchange is one sending of the document to another agency for an
// external step, with the receipts that came back.
type Exchange struct {
	StepID      string         `json:"step_id"`
	Agency      string         `json:"agency"`
	Status      string         `json:"status"`
	SentAt      time.Time      `json:"sent_at"`
	Deadline    time.Time      `json:"deadline"`
	EscalatedAt *time.Time     `json:"escalated_at,omitempty"`
	Receipts    []Receipt      `json:"receipts,omitempty"`
	Reply       *events.Object `json:"reply,omitempty"`
}

// Receipt is one status receipt of an exchange.
type Receipt struct {
	Status     string         `json:"status"`
	Reason     string         `json:"reason,omitempty"`
	Reply      *events.Object `json:"reply,omitempty"`
	At         time.Time      `json:"at"`          // when the agency issued it
	ReceivedAt time.Time      `json:"received_at"` // when the workflow got it
}

// EndedBy is who ended the document's workflow early and why.
type EndedBy struct {
	By      events.Actor `json:"by"`
	Comment string       `json:"comment,omitempty"`
	At      time.Time    `json:"at"`
}

// OpenTasks are the tasks still waiting for someone.
func (s State) OpenTasks() []workflows.Task { return kit.OpenTasks(s.Tasks) }
