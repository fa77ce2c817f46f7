package incoming

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/internal/kit"
)

// Register registers Workflow on r, a worker or a replayer, as WorkflowName.
func Register(r kit.Registrar) {
	r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
}

// Workflow presents an incoming document to its leaders and follows its
// handling until the lead completes it.
//
// As in chain, update handlers change the state synchronously and queue
// the events; this loop does what needs activities: planning deadlines,
// opening tasks, publishing events in the order things happened.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	if err := in.validate(); err != nil {
		return Result{}, kit.Invalid(err, ErrInvalidInput)
	}
	wf := &run{
		in: in, state: State{Status: StatusAwaitingAssignment},
		substitutes: workflow.GetSignalChannel(ctx, workflows.SignalSubstitutes),
	}
	if kit.Resume(&wf.in.Resume, &wf.state) {
		wf.state.Runs++
	}
	wf.book = kit.NewBook(ctx, in.Document, &wf.state.Tasks, &wf.state.History)
	if err := wf.handle(ctx); err != nil {
		return Result{}, err
	}

	for {
		wf.receive(ctx)
		if err := wf.book.Outbox.Flush(ctx); err != nil {
			return Result{}, err
		}
		h := wf.state.Handling
		switch {
		case wf.state.Status == StatusCompleted:
			workflow.GetLogger(ctx).Info("incoming document handled", "document_id", in.DocumentID, "lead", h.Lead.Username)
			wf.upsertSearch(ctx)
			return Result{Outcome: OutcomeCompleted, Reply: h.Reply}, kit.Finish(ctx)
		case len(wf.state.Tasks) == 0:
			if err := wf.present(ctx); err != nil {
				return Result{}, err
			}
			continue
		case h != nil && !h.Planned():
			if err := wf.dispatch(ctx); err != nil {
				return Result{}, err
			}
			continue
		case wf.continueAsNewDue(ctx):
			next, st := wf.in, wf.state
			next.Resume = &st
			return Result{}, kit.ContinueAsNew(ctx, WorkflowName, in.DocumentID, next)
		}
		wf.book.Arm(ctx, wf.refresh)
		wf.upsertSearch(ctx)
		if err := workflow.Await(ctx, func() bool { return wf.actionable(ctx) }); err != nil {
			return Result{}, err
		}
	}
}

type run struct {
	in    Input
	state State
	// book keeps the state's tasks and history, with their timers, the
	// outbox and the search attributes; they are rebuilt after
	// continue-as-new, so they are not State.
	book        *kit.Book
	substitutes workflow.ReceiveChannel
}

// actionable says the loop has something to do: an event to publish, a
// signal to apply, the end, tasks to open, or timers to arm.
func (wf *run) actionable(ctx workflow.Context) bool {
	h := wf.state.Handling
	switch {
	case wf.book.Outbox.Len() > 0, wf.substitutes.Len() > 0, wf.state.Status == StatusCompleted:
		return true
	case len(wf.state.Tasks) == 0, h != nil && !h.Planned():
		return true
	case wf.book.Unarmed():
		return true
	}
	return wf.continueAsNewDue(ctx)
}

// continueAsNewDue says the history is long enough to start afresh and
// nothing is in flight.
func (wf *run) continueAsNewDue(ctx workflow.Context) bool {
	return kit.ContinueAsNewDue(ctx, wf.in.HistoryLimit, wf.book.Outbox.Len() == 0 && wf.substitutes.Len() == 0)
}

// present opens an assign task for each leader, due as routing counts the
// assignment time at the document's urgency: an urgent document is due
// sooner and its task says so at once.
func (wf *run) present(ctx workflow.Context) error {
	dl, err := kit.PlanDeadlines(ctx, workflows.PlanDeadlinesInput{
		From: workflow.Now(ctx), WorkingDays: wf.in.AssignWorkingDays, Urgency: wf.in.Urgency,
	})
	if err != nil {
		return fmt.Errorf("plan the assignment deadline: %w", err)
	}
	now := workflow.Now(ctx)
	for _, l := range wf.in.Leaders {
		wf.book.Open(workflows.Task{
			ID: kit.NewID(ctx), Kind: TaskAssign, Status: workflows.TaskOpen, Assignee: l,
			AssignedAt: now, Deadline: dl.Deadline, RemindAt: dl.RemindAt,
		})
	}
	wf.refresh()
	return nil
}

// dispatch plans the handling deadline the leader gave, announces the
// assignment (receipt 04) and opens the lead's and the cooperators' tasks.
func (wf *run) dispatch(ctx workflow.Context) error {
	h := wf.state.Handling
	dl, err := kit.PlanDeadlines(ctx, workflows.PlanDeadlinesInput{
		From: h.AssignedAt, WorkingDays: h.WorkingDays, Urgency: wf.in.Urgency, Due: h.Requested,
	})
	if err != nil {
		return fmt.Errorf("plan the handling deadline: %w", err)
	}
	h.Deadline, h.RemindAt = dl.Deadline, dl.RemindAt
	wf.owe(events.ReceiptAssigned, h.AssignedBy, h.OnBehalfOf, h.Instruction, h.AssignedAt)
	now := workflow.Now(ctx)
	// Overdue handling escalates to whoever assigned it; an overdue
	// contribution to the lead, who may then close it.
	wf.book.Open(workflows.Task{
		ID: kit.NewID(ctx), Kind: TaskHandle, Status: workflows.TaskOpen, Assignee: h.Lead.assignee(h.AssignedBy.Username),
		AssignedAt: now, Deadline: h.Deadline, RemindAt: h.RemindAt,
	})
	for _, c := range h.Cooperators {
		wf.book.Open(workflows.Task{
			ID: kit.NewID(ctx), Kind: TaskContribute, Status: workflows.TaskOpen, Assignee: c.assignee(h.Lead.Username),
			AssignedAt: now, Deadline: h.Deadline, RemindAt: h.RemindAt,
		})
	}
	wf.refresh()
	return nil
}

func (h Handler) assignee(supervisor string) workflows.Assignee {
	return workflows.Assignee{Position: h.Position, Username: h.Username, Supervisor: supervisor, Substitutes: h.Substitutes}
}

// refresh recomputes who the document waits for.
func (wf *run) refresh() { wf.state.WaitingFor = wf.book.WaitingFor() }

func (wf *run) upsertSearch(ctx workflow.Context) {
	if !wf.in.UpsertSearchAttributes {
		return
	}
	wf.book.UpsertSearch(ctx, wf.state.Status, wf.state.WaitingFor, wf.book.Deadline())
}
