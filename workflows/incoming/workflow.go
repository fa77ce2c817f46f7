package incoming

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows/approval"
	"github.com/docflow/docflow/workflows/chain"
	"github.com/docflow/docflow/workflows/internal/outbox"
	"github.com/docflow/docflow/workflows/internal/search"
	"github.com/docflow/docflow/workflows/internal/timers"
)

// Registrar is what Register needs of a worker.
type Registrar interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// Register registers Workflow on r as WorkflowName.
func Register(r Registrar) {
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
		return Result{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidInput, nil)
	}
	wf := &run{
		in: in, wfID: workflow.GetInfo(ctx).WorkflowExecution.ID, timers: timers.NewSet(),
		substitutes: workflow.GetSignalChannel(ctx, SignalSubstitutes),
		outbox:      &outbox.Outbox{Agency: in.Agency, DocumentID: in.DocumentID, Options: shortActivity()},
	}
	if in.Resume != nil {
		wf.state = *in.Resume
		wf.state.Runs++
	} else {
		wf.state = State{Status: StatusAwaitingAssignment}
	}
	wf.in.Resume = nil
	if err := wf.handle(ctx); err != nil {
		return Result{}, err
	}

	for {
		wf.receive(ctx)
		if err := wf.outbox.Flush(ctx); err != nil {
			return Result{}, err
		}
		h := wf.state.Handling
		switch {
		case wf.state.Status == StatusCompleted:
			workflow.GetLogger(ctx).Info("incoming document handled", "document_id", in.DocumentID, "lead", h.Lead.Username)
			wf.upsertSearch(ctx)
			return Result{Outcome: OutcomeCompleted, Reply: h.Reply}, wf.finish(ctx)
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
			return Result{}, wf.continueAsNew(ctx)
		}
		wf.armTimers(ctx)
		wf.upsertSearch(ctx)
		if err := workflow.Await(ctx, func() bool { return wf.actionable(ctx) }); err != nil {
			return Result{}, err
		}
	}
}

type run struct {
	in          Input
	wfID        string
	state       State
	outbox      *outbox.Outbox
	timers      *timers.Set
	search      search.Attributes
	substitutes workflow.ReceiveChannel
}

func (wf *run) actionable(ctx workflow.Context) bool {
	h := wf.state.Handling
	switch {
	case wf.outbox.Len() > 0, wf.substitutes.Len() > 0, wf.state.Status == StatusCompleted:
		return true
	case len(wf.state.Tasks) == 0, h != nil && !h.Planned():
		return true
	case wf.unarmed():
		return true
	}
	return wf.continueAsNewDue(ctx)
}

// present opens an assign task for each leader, due as routing counts the
// assignment time at the document's urgency: an urgent document is due
// sooner and its task says so at once.
func (wf *run) present(ctx workflow.Context) error {
	var dl chain.PlanDeadlinesResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, shortActivity()), chain.ActivityPlanDeadlines,
		chain.PlanDeadlinesInput{From: workflow.Now(ctx), WorkingDays: wf.in.AssignWorkingDays, Urgency: wf.in.Urgency},
	).Get(ctx, &dl); err != nil {
		return fmt.Errorf("plan the assignment deadline: %w", err)
	}
	now := workflow.Now(ctx)
	for _, l := range wf.in.Leaders {
		wf.openTask(Task{
			ID: approval.NewID(ctx), Kind: TaskAssign, Status: TaskOpen, Assignee: l,
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
	var dl chain.PlanDeadlinesResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, shortActivity()), chain.ActivityPlanDeadlines,
		chain.PlanDeadlinesInput{From: h.AssignedAt, WorkingDays: h.WorkingDays, Urgency: wf.in.Urgency, Due: h.Requested},
	).Get(ctx, &dl); err != nil {
		return fmt.Errorf("plan the handling deadline: %w", err)
	}
	h.Deadline, h.RemindAt = dl.Deadline, dl.RemindAt
	wf.queue(events.HandlingAssigned, wf.handlingData(events.ReceiptAssigned, h.AssignedBy, h.OnBehalfOf, h.Instruction, h.AssignedAt))
	now := workflow.Now(ctx)
	// Overdue handling escalates to whoever assigned it; an overdue
	// contribution to the lead, who may then close it.
	wf.openTask(Task{
		ID: approval.NewID(ctx), Kind: TaskHandle, Status: TaskOpen, Assignee: h.Lead.assignee(h.AssignedBy.Username),
		AssignedAt: now, Deadline: h.Deadline, RemindAt: h.RemindAt,
	})
	for _, c := range h.Cooperators {
		wf.openTask(Task{
			ID: approval.NewID(ctx), Kind: TaskContribute, Status: TaskOpen, Assignee: c.assignee(h.Lead.Username),
			AssignedAt: now, Deadline: h.Deadline, RemindAt: h.RemindAt,
		})
	}
	wf.refresh()
	return nil
}

func (h Handler) assignee(supervisor string) chain.Assignee {
	return chain.Assignee{Position: h.Position, Username: h.Username, Supervisor: supervisor, Substitutes: h.Substitutes}
}

func (wf *run) handlingData(status string, by events.Actor, onBehalfOf, comment string, at time.Time) HandlingData {
	h := wf.state.Handling
	var coop []string
	for _, c := range h.Cooperators {
		coop = append(coop, c.Username)
	}
	return HandlingData{
		DocumentID: wf.in.DocumentID, WorkflowID: wf.wfID, SenderAgency: wf.in.SenderAgency, Status: status,
		LeadUnit: h.Lead.Unit, LeadPerson: h.Lead.Username, Cooperators: coop, Deadline: h.Deadline,
		By: by, OnBehalfOf: onBehalfOf, Comment: comment, Reply: h.Reply, At: at,
	}
}

func (wf *run) openTask(t Task) {
	wf.state.Tasks = append(wf.state.Tasks, t)
	wf.queue(events.TaskAssigned, events.TaskAssignedData{
		TaskID: t.ID, DocumentID: wf.in.DocumentID, WorkflowID: wf.wfID, Assignee: t.Assignee.Username,
		Subject: wf.in.Subject, Kind: wf.in.Kind, Urgency: wf.in.Urgency, Deadline: t.Deadline, AssignedAt: t.AssignedAt,
		TaskKind: t.Kind, Substitutes: t.Assignee.Substitutes,
	})
}

func (wf *run) closeTask(t *Task, status string) {
	t.Status = status
	wf.timers.Stop(t.ID)
}

// withdrawOpen closes the open tasks of a kind without a decision.
func (wf *run) withdrawOpen(kind string, at time.Time) {
	for i := range wf.state.Tasks {
		t := &wf.state.Tasks[i]
		if t.Status != TaskOpen || t.Kind != kind {
			continue
		}
		wf.closeTask(t, TaskWithdrawn)
		wf.queue(events.TaskWithdrawn, wf.notice(t, at))
	}
}

// refresh recomputes who the document waits for.
func (wf *run) refresh() {
	var waiting []string
	for _, t := range wf.state.Tasks {
		if t.Status != TaskOpen {
			continue
		}
		waiting = append(waiting, t.Assignee.Username)
		waiting = append(waiting, t.Deciders...)
	}
	slices.Sort(waiting)
	wf.state.WaitingFor = slices.Compact(waiting)
}

func (wf *run) task(id string) *Task {
	for i := range wf.state.Tasks {
		if wf.state.Tasks[i].ID == id {
			return &wf.state.Tasks[i]
		}
	}
	return nil
}

func (wf *run) record(e Entry) { wf.state.History = append(wf.state.History, e) }

func (wf *run) queue(t events.Type, data any) { wf.outbox.Queue(t, data) }

func (wf *run) notice(t *Task, at time.Time) events.TaskNoticeData {
	return events.TaskNoticeData{
		TaskID: t.ID, DocumentID: wf.in.DocumentID, WorkflowID: wf.wfID,
		Assignee: t.Assignee.Username, Deadline: t.Deadline, At: at,
	}
}

func (wf *run) upsertSearch(ctx workflow.Context) {
	if !wf.in.UpsertSearchAttributes {
		return
	}
	var deadline time.Time
	for _, t := range wf.state.OpenTasks() {
		if !t.Deadline.IsZero() && (deadline.IsZero() || t.Deadline.Before(deadline)) {
			deadline = t.Deadline
		}
	}
	wf.search.Upsert(ctx, search.Values{
		DocumentID: wf.in.DocumentID, Agency: wf.in.Agency, Status: wf.state.Status,
		WaitingFor: wf.state.WaitingFor, Deadline: deadline,
	})
}

// continueAsNewDue says the history is long enough to start afresh and
// nothing is in flight.
func (wf *run) continueAsNewDue(ctx workflow.Context) bool {
	limit := wf.in.HistoryLimit
	if limit <= 0 {
		limit = DefaultHistoryLimit
	}
	return workflow.GetInfo(ctx).GetCurrentHistoryLength() > limit &&
		wf.outbox.Len() == 0 && wf.substitutes.Len() == 0 && workflow.AllHandlersFinished(ctx)
}

// continueAsNew carries the whole state into a fresh run, which arms the
// timers again from the tasks' dates.
func (wf *run) continueAsNew(ctx workflow.Context) error {
	next := wf.in
	st := wf.state
	next.Resume = &st
	workflow.GetLogger(ctx).Info("incoming handling continues as new", "document_id", wf.in.DocumentID,
		"history_length", workflow.GetInfo(ctx).GetCurrentHistoryLength())
	return workflow.NewContinueAsNewError(ctx, WorkflowName, next)
}

// finish lets in-flight update handlers complete before the workflow closes.
func (wf *run) finish(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// shortActivity is a routing activity: quick, retried until it succeeds.
func shortActivity() workflow.ActivityOptions {
	return approval.ServiceActivity(TaskQueue, 30*time.Second)
}

func (in Input) validate() error {
	var problems []error
	if in.DocumentID == "" {
		problems = append(problems, errors.New("document_id is required"))
	}
	if in.Agency == "" {
		problems = append(problems, errors.New("agency is required"))
	}
	if in.Original.Key == "" || in.Original.SHA256 == "" {
		problems = append(problems, errors.New("original object with its sha256 is required"))
	}
	if in.ArrivalNumber < 1 {
		problems = append(problems, errors.New("arrival_number is required: a document without an incoming number cannot be assigned"))
	}
	if len(in.Leaders) == 0 {
		problems = append(problems, errors.New("leaders are required: the document is presented to them for assignment"))
	}
	var names []string
	for i, l := range in.Leaders {
		switch {
		case l.Username == "":
			problems = append(problems, fmt.Errorf("leader %d (position %q) is not held by anyone", i+1, l.Position))
		case slices.Contains(names, l.Username):
			problems = append(problems, fmt.Errorf("leader %s is listed twice", l.Username))
		}
		names = append(names, l.Username)
	}
	if in.AssignWorkingDays < 1 {
		problems = append(problems, fmt.Errorf("assign_working_days must be 1 or more, got %d", in.AssignWorkingDays))
	}
	return errors.Join(problems...)
}

// people lists usernames for messages.
func people(names []string) string { return strings.Join(names, ", ") }
