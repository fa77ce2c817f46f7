package kit

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
)

// The book keeps the tasks of a document's workflow: who each is for,
// who may act on it (the assignee, a substitute in force, or, once it is
// overdue, the supervisor it escalated to), its reminder and escalation on
// durable timers, and the audit trail. Every change is announced through
// the outbox with the task events the inbox projects. The approval chain
// and the handling of incoming documents hold their tasks this way, so the
// inbox sees one behaviour whichever workflow a task belongs to.

// Book is a workflow run's tasks and audit trail, with the outbox that
// announces their changes and the timers that remind and escalate them.
// The tasks and the trail live in the workflow's State, which queries
// answer with and continue-as-new carries over, so the Book points at them
// rather than holding copies; the outbox and the timers live only as long
// as the run.
type Book struct {
	Tasks   *[]workflows.Task
	History *[]workflows.Entry
	// Outbox publishes the task events; the workflow queues its own events
	// there too, so all go out in the order things happened.
	Outbox *Outbox
	// Timers run the tasks' reminders and escalations, by task id; the
	// workflow may run timers of its own in the same set under other ids.
	Timers *Timers
	// WorkflowID is the id of the workflow the tasks belong to, as task
	// events carry it.
	WorkflowID string

	doc    workflows.Document
	search searchAttributes
}

// NewBook is the book of the workflow run of ctx, about doc, over its
// state's tasks and history; it publishes through routing's PublishEvent.
func NewBook(ctx workflow.Context, doc workflows.Document, tasks *[]workflows.Task, history *[]workflows.Entry) *Book {
	return &Book{
		Tasks: tasks, History: history, Timers: NewTimers(), WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, doc: doc,
		Outbox: &Outbox{Agency: doc.Agency, DocumentID: doc.DocumentID, Options: RoutingActivity()},
	}
}

// PlanDeadlines has routing count a deadline on the working-day calendar,
// which workflows cannot load.
func PlanDeadlines(ctx workflow.Context, in workflows.PlanDeadlinesInput) (workflows.PlanDeadlinesResult, error) {
	var dl workflows.PlanDeadlinesResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, RoutingActivity()),
		workflows.ActivityPlanDeadlines, in).Get(ctx, &dl)
	return dl, err
}

// Find is the task with the id, or nil.
func (b *Book) Find(id string) *workflows.Task {
	for i := range *b.Tasks {
		if (*b.Tasks)[i].ID == id {
			return &(*b.Tasks)[i]
		}
	}
	return nil
}

// Record adds a line to the audit trail.
func (b *Book) Record(e workflows.Entry) { *b.History = append(*b.History, e) }

// Open adds a task and announces it (task.assigned).
func (b *Book) Open(t workflows.Task) {
	*b.Tasks = append(*b.Tasks, t)
	b.Outbox.Queue(events.TaskAssigned, events.TaskAssignedData{
		TaskID: t.ID, DocumentID: b.doc.DocumentID, WorkflowID: b.WorkflowID, Assignee: t.Assignee.Username,
		Subject: b.doc.Subject, Kind: b.doc.Kind, Urgency: b.doc.Urgency, Deadline: t.Deadline, AssignedAt: t.AssignedAt,
		TaskKind: t.Kind, Substitutes: t.Assignee.Substitutes,
	})
}

// Close closes an open task with status and stops its timers.
func (b *Book) Close(t *workflows.Task, status string) {
	t.Status = status
	b.Timers.Stop(t.ID)
}

// Decide closes t with by's decision, made for onBehalfOf when a substitute
// or supervisor acted, and announces it (task.decided).
func (b *Book) Decide(t *workflows.Task, decision, comment string, by events.Actor, onBehalfOf string, at time.Time) {
	t.Decision, t.DecidedBy, t.OnBehalfOf, t.DecidedAt = decision, by.Username, onBehalfOf, &at
	b.Close(t, workflows.TaskDecided)
	b.Outbox.Queue(events.TaskDecided, events.TaskDecidedData{
		TaskID: t.ID, DocumentID: b.doc.DocumentID, WorkflowID: b.WorkflowID, Decision: decision,
		Comment: comment, By: by, OnBehalfOf: onBehalfOf, DecidedAt: at,
	})
}

// Withdraw closes the open tasks of the kinds (every open task when none is
// given) without a decision, and announces each (task.withdrawn).
func (b *Book) Withdraw(at time.Time, kinds ...string) {
	for i := range *b.Tasks {
		t := &(*b.Tasks)[i]
		if t.Status != workflows.TaskOpen || len(kinds) > 0 && !slices.Contains(kinds, t.Kind) {
			continue
		}
		b.Close(t, workflows.TaskWithdrawn)
		b.Outbox.Queue(events.TaskWithdrawn, b.Notice(t, at))
	}
}

// Comment announces a remark on t that leaves it open (task.commented): a
// person's (by), or the workflow's own when by is nil.
func (b *Book) Comment(t *workflows.Task, by *events.Actor, comment string, at time.Time) {
	n := b.Notice(t, at)
	n.By, n.Comment = by, comment
	b.Outbox.Queue(events.TaskCommented, n)
}

// Notice is the payload of the task events other than task.assigned and
// task.decided; the caller adds who acted and why.
func (b *Book) Notice(t *workflows.Task, at time.Time) events.TaskNoticeData {
	return events.TaskNoticeData{
		TaskID: t.ID, DocumentID: b.doc.DocumentID, WorkflowID: b.WorkflowID,
		Assignee: t.Assignee.Username, Deadline: t.Deadline, At: at,
	}
}

// FindOpen finds an open task of the given kind, or refuses with why there
// is none.
func (b *Book) FindOpen(id, kind string) (*workflows.Task, error) {
	t := b.Find(id)
	switch {
	case t == nil:
		return nil, Refuse(workflows.ErrTaskNotFound, "no task %s on this document", id)
	case t.Status != workflows.TaskOpen:
		return nil, Refuse(workflows.ErrTaskClosed, "task %s is already closed (%s)", id, t.Status)
	case t.Kind != kind:
		return nil, Refuse(workflows.ErrInvalidDecision, "task %s is a task to %s, not to %s", id, t.Kind, kind)
	}
	return t, nil
}

// ActingFor says whether by may act on t at now, and for whom: "" when by
// is the assignee or a supervisor the task escalated to, the assignee's
// username when by is their substitute. A substitute acts only while the
// substitution is in force (From ≤ now < Until) and within its scope of
// document kinds. A refusal has errType and says what kept each of by's
// substitutions from applying.
func (b *Book) ActingFor(t *workflows.Task, by string, now time.Time, errType string) (string, error) {
	if slices.Contains(t.Deciders, by) {
		return "", nil
	}
	onBehalfOf, ok, why := actsFor(t.Assignee, by, b.doc.Kind, now)
	if ok {
		return onBehalfOf, nil
	}
	msg := fmt.Sprintf("task %s is assigned to %s, not to %s", t.ID, t.Assignee.Username, by)
	if len(why) > 0 {
		msg += ": " + strings.Join(why, "; ")
	}
	return "", Refuse(errType, "%s", msg)
}

// Acting finds the open task id of the kind that by may act on at now, and
// for whom (ActingFor), or refuses with why not: the update's validator
// asks, then its handler, which gets the same answer.
func (b *Book) Acting(id, kind, by string, now time.Time, errType string) (t *workflows.Task, onBehalfOf string, err error) {
	if t, err = b.FindOpen(id, kind); err != nil {
		return nil, "", err
	}
	if onBehalfOf, err = b.ActingFor(t, by, now, errType); err != nil {
		return nil, "", err
	}
	return t, onBehalfOf, nil
}

// Acted records by's act on t in the audit trail (action and comment) and
// is the update's result.
func (b *Book) Acted(t *workflows.Task, action string, by events.Actor, onBehalfOf, comment string, at time.Time) workflows.DecisionResult {
	b.Record(workflows.Entry{At: at, Action: action, TaskID: t.ID, StepID: t.StepID, By: by.Username, OnBehalfOf: onBehalfOf, Comment: comment})
	return workflows.DecisionResult{TaskID: t.ID, Decision: action, DecidedAt: at, OnBehalfOf: onBehalfOf}
}

// actsFor says whether by may act on a task assigned to a, on a document of
// the given kind, at now: as a (onBehalfOf ""), or as a substitute in force
// whose scope covers the kind (onBehalfOf a.Username). When by may not, why
// lists what kept each of by's substitutions from applying.
func actsFor(a workflows.Assignee, by, kind string, now time.Time) (onBehalfOf string, ok bool, why []string) {
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

// WaitingFor is who can move the document on now, sorted: the open tasks'
// assignees and the supervisors they escalated to, and also (an agency the
// document was sent to, say).
func (b *Book) WaitingFor(also ...string) []string {
	var waiting []string
	for _, t := range *b.Tasks {
		if t.Status != workflows.TaskOpen {
			continue
		}
		waiting = append(waiting, t.Assignee.Username)
		waiting = append(waiting, t.Deciders...)
	}
	waiting = append(waiting, also...)
	slices.Sort(waiting)
	return slices.Compact(waiting)
}

// Deadline is the nearest deadline of an open task; zero when none has one.
func (b *Book) Deadline() time.Time {
	var deadline time.Time
	for _, t := range OpenTasks(*b.Tasks) {
		if !t.Deadline.IsZero() && (deadline.IsZero() || t.Deadline.Before(deadline)) {
			deadline = t.Deadline
		}
	}
	return deadline
}

// OpenTasks are the tasks still waiting for someone.
func OpenTasks(tasks []workflows.Task) []workflows.Task {
	var open []workflows.Task
	for _, t := range tasks {
		if t.Status == workflows.TaskOpen {
			open = append(open, t)
		}
	}
	return open
}
