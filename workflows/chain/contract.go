// Package chain is the plan-driven approval workflow: routing resolves a
// rule's positions to people and hands the workflow a plan of steps, each
// sequential or parallel (all, any, n of m) with a deadline in working days.
// Decisions arrive as Workflow Updates validated inside the workflow; a
// valid substitute may act for an official on leave; reminders and
// escalation follow the deadlines routing computes on the calendar. When the
// last step agrees the document is signed and archived as in package
// approval, whose activity names and types this workflow reuses.
//
// A step may also be taken by another agency (ModeExternal): the workflow
// publishes document.sent, and that agency's status receipts come back as
// the SignalAgencyReply signal. A delegation created after planning reaches
// the running workflow as the SignalSubstitutes signal.
//
// It is a separate workflow type from approval.WorkflowName so histories of
// the single-approver workflow keep replaying against their own code.
package chain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows/approval"
)

// Names of the workflow, its updates and query.
const (
	WorkflowName = "DocumentApprovalChain"
	// UpdateDecide carries a person's decision on a task (Decision).
	UpdateDecide = "decide"
	// UpdateResubmit carries the drafter's revised document (Resubmission).
	UpdateResubmit = "resubmit"
	// UpdateReassign hands a task to someone else (Reassignment).
	UpdateReassign = "reassign"
	// UpdateRecall withdraws the document before signing (Recall).
	UpdateRecall = "recall"
	// QueryState returns the workflow's State.
	QueryState = "state"
	// SignalSubstitutes carries assignees' current substitutes
	// (SubstitutesChange), for delegations made after the plan.
	SignalSubstitutes = "substitutes"
	// SignalAgencyReply carries another agency's status receipt on an
	// external step (AgencyReply).
	SignalAgencyReply = "agency-reply"

	// TaskQueue runs the workflow and the routing service's activities.
	TaskQueue = approval.TaskQueue
)

// ActivityPlanDeadlines is implemented by routing on TaskQueue: it counts a
// step's working days on the calendar, which workflows cannot load.
const ActivityPlanDeadlines = "PlanDeadlines"

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

// Decisions a person can take on an approval task.
const (
	DecisionApprove = approval.DecisionApprove
	DecisionReject  = approval.DecisionReject
	DecisionReturn  = "return"  // back to the drafter for revision, then the same step again
	DecisionComment = "comment" // a remark that leaves the task open
)

// Outcomes of the workflow.
const (
	OutcomeArchived = approval.OutcomeArchived
	OutcomeRejected = approval.OutcomeRejected
	OutcomeRecalled = "recalled"
)

// RoleLeader is the role (events.Actor.Role) allowed to reassign tasks.
const RoleLeader = "leader"

// Application error types of refused updates and of an invalid start. The
// ones that mean the same as approval's carry the same strings, so callers
// map both workflows' errors with one table.
const (
	ErrTaskNotFound    = approval.ErrTaskNotFound
	ErrTaskClosed      = approval.ErrTaskClosed
	ErrNotAssignee     = approval.ErrNotAssignee
	ErrInvalidDecision = approval.ErrInvalidDecision
	ErrNotLeader       = "NotLeader"     // reassign by someone who is not a leader of the agency
	ErrNotDrafter      = "NotDrafter"    // resubmit or recall by someone other than the drafter
	ErrRecallTooLate   = "RecallTooLate" // recall once every step agreed and signing began
	ErrInvalidPlan     = "InvalidPlan"   // the start input cannot be run
)

// DefaultHistoryLimit is the history length past which the workflow
// continues as new, well below Temporal's warning threshold.
const DefaultHistoryLimit = 4000

// WorkflowID is the id of a document's approval workflow. It is the same as
// the single-approver workflow's, so a document never has both.
func WorkflowID(documentID string) string { return approval.WorkflowID(documentID) }

// Input starts the workflow.
type Input struct {
	DocumentID    string        `json:"document_id"`
	Agency        string        `json:"agency"`
	Kind          string        `json:"kind"`
	Subject       string        `json:"subject"`
	Urgency       string        `json:"urgency"`
	ArrivalNumber int64         `json:"arrival_number"`
	Original      events.Object `json:"original"`
	// Drafter submitted the document and gets it back for revision.
	Drafter events.Actor `json:"drafter"`
	Plan    Plan         `json:"plan"`

	// UpsertSearchAttributes turns on the Docflow* search attributes; they
	// must be registered on the namespace first.
	UpsertSearchAttributes bool `json:"upsert_search_attributes,omitempty"`
	// HistoryLimit overrides DefaultHistoryLimit (tests force an early
	// continue-as-new with a low one).
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
}

// Step is one stage of the plan; its tasks run in parallel. A ModeExternal
// step has no assignees: Agency, the identifier of the agency it is sent
// to, takes it.
type Step struct {
	ID                  string     `json:"id"`
	Name                string     `json:"name"`
	Mode                string     `json:"mode"`               // ModeSingle, ModeAll, ModeAny, ModeNOfM, ModeExternal
	Required            int        `json:"required,omitempty"` // approvals needed in ModeNOfM
	Assignees           []Assignee `json:"assignees"`
	Agency              string     `json:"agency,omitempty"` // ModeExternal only
	DeadlineWorkingDays int        `json:"deadline_working_days"`
}

// Assignee is the person holding a step's position.
type Assignee struct {
	Position string `json:"position"`
	// Title is the position's title, printed above a signature made in it.
	Title       string       `json:"title,omitempty"`
	Username    string       `json:"username"`
	Supervisor  string       `json:"supervisor,omitempty"` // username the task escalates to when overdue
	Substitutes []Substitute `json:"substitutes,omitempty"`
}

// Substitute may decide for the assignee between From (inclusive) and Until
// (exclusive), for the listed document kinds (all when empty). A substitute
// never passes the task on: the workflow knows no re-delegation, which is
// also what a TUQ authorisation demands. It is the shape task events carry,
// so the inbox applies the same rule.
type Substitute = events.Substitute

// ActsFor says whether by may act on a task assigned to a, on a document of
// the given kind, at now: as a (onBehalfOf ""), or as a substitute in force
// whose scope covers the kind (onBehalfOf a.Username). When by may not, why
// lists what kept each of by's substitutions from applying.
func (a Assignee) ActsFor(by, kind string, now time.Time) (onBehalfOf string, ok bool, why []string) {
	if by == a.Username {
		return "", true, nil
	}
	for _, s := range a.Substitutes {
		if s.Username != by {
			continue
		}
		switch {
		case now.Before(s.From) || !now.Before(s.Until):
			why = append(why, fmt.Sprintf("the substitution runs from %s until %s",
				s.From.Format(time.RFC3339), s.Until.Format(time.RFC3339)))
		case len(s.Kinds) > 0 && !slices.Contains(s.Kinds, kind):
			why = append(why, fmt.Sprintf("the substitution covers %s, not %s", strings.Join(s.Kinds, ", "), kind))
		default:
			return a.Username, true, nil
		}
	}
	return "", false, why
}

// SubstitutesChange is the argument of SignalSubstitutes: for each listed
// assignee, every substitute they have from now on (an empty list clears
// them). Open tasks of those assignees and their tasks in later steps take
// the new lists; assignees not listed keep theirs.
type SubstitutesChange struct {
	Assignees []AssigneeSubstitutes `json:"assignees"`
}

// AssigneeSubstitutes is one assignee's whole list of substitutes.
type AssigneeSubstitutes struct {
	Username    string       `json:"username"`
	Substitutes []Substitute `json:"substitutes"`
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

// PlanDeadlinesInput asks routing for a step's deadline: WorkingDays from
// From at the document's Urgency, or, when Due is set, Due itself (a date a
// person chose, such as the handling deadline a leader gives an incoming
// document), for which routing only finds when to remind.
type PlanDeadlinesInput struct {
	From        time.Time `json:"from"`
	WorkingDays int       `json:"working_days"`
	Urgency     string    `json:"urgency"`
	Due         time.Time `json:"due,omitzero"`
}

// PlanDeadlinesResult is when to remind the assignees and when the step is
// overdue and escalates.
type PlanDeadlinesResult struct {
	Deadline time.Time `json:"deadline"`
	RemindAt time.Time `json:"remind_at"`
}

// Decision is the argument of UpdateDecide; the same as the single-approver
// workflow's, so the gateway sends one shape to both.
type Decision = approval.Decision

// DecisionResult is the result of UpdateDecide, OnBehalfOf set when a
// substitute or supervisor decided.
type DecisionResult = approval.DecisionResult

// Resubmission is the argument of UpdateResubmit: the drafter's revised
// document, answering their revision task.
type Resubmission struct {
	TaskID   string        `json:"task_id"`
	Original events.Object `json:"original"`
	By       events.Actor  `json:"by"`
}

// Reassignment is the argument of UpdateReassign.
type Reassignment struct {
	TaskID string       `json:"task_id"`
	To     Assignee     `json:"to"`
	By     events.Actor `json:"by"`
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

// Task kinds.
const (
	TaskApprove = events.TaskKindApprove // decide on the document for a step
	TaskRevise  = events.TaskKindRevise  // the drafter revises and resubmits
)

// Task statuses.
const (
	TaskOpen        = "open"
	TaskDecided     = "decided"
	TaskWithdrawn   = "withdrawn"  // closed without a decision: its step ended or the document left the step
	TaskReassigned  = "reassigned" // closed and handed to someone else
	TaskResubmitted = "resubmitted"
)

// Task is one task as the workflow holds it.
type Task struct {
	ID       string   `json:"id"`
	StepID   string   `json:"step_id"`
	Kind     string   `json:"kind"` // TaskApprove, TaskRevise
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

// Entry is one line of the document's audit trail. Action is a decision,
// or resubmit, reassign, remind, escalate, recall, delegate (an assignee's
// substitutes changed), send (to another agency) or receipt (that agency's
// status receipt, whose code is Receipt); By is a username, or the agency
// identifier for send and receipt.
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
	WaitingFor []string `json:"waiting_for"`
	Tasks      []Task   `json:"tasks"`
	History    []Entry  `json:"history"`
	// Approver is whose approval completed the last step: the signer.
	Approver *events.Actor `json:"approver,omitempty"`
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
func (s State) OpenTasks() []Task {
	var open []Task
	for _, t := range s.Tasks {
		if t.Status == TaskOpen {
			open = append(open, t)
		}
	}
	return open
}

// TaskDecidedData is the payload the workflow publishes as task.decided;
// OnBehalfOf names the assignee a substitute or supervisor acted for.
type TaskDecidedData = events.TaskDecidedData

// TaskNoticeData is the payload of the other task events (reminded,
// escalated, reassigned, commented, withdrawn, resubmitted).
type TaskNoticeData = events.TaskNoticeData

// TaskDelegatedData is the payload of task.delegated, published for each
// open task whose assignee's substitutes changed.
type TaskDelegatedData = events.TaskDelegatedData

// DocumentSentData is the payload of document.sent, published when an
// external step starts.
type DocumentSentData = events.DocumentSentData

// DocumentOverdueData is the payload of document.overdue, published when an
// external step's deadline passes without a reply.
type DocumentOverdueData = events.DocumentOverdueData
