package kit

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
)

// The book keeps the tasks of a document's workflow: who each is for, who
// may act on it (acting.go), its reminder and escalation on durable timers
// (reminders.go), its substitutes (substitutes.go), and the audit trail. Every change is announced through
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

	doc workflows.Document
	// searched is what UpsertSearch wrote last: status, who the document
	// waits for and the deadline.
	searched string
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
