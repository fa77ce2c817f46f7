package chain

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/internal/execution"
	"github.com/docflow/docflow/workflows/internal/search"
	"github.com/docflow/docflow/workflows/internal/tasks"
	"github.com/docflow/docflow/workflows/internal/updates"
)

// Register registers Workflow on r, a worker or a replayer, as WorkflowName.
func Register(r execution.Registrar) {
	r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
}

// Workflow runs a document through its plan, then has it signed, waits for
// a clerk to number and seal it (issue.go), and has it archived.
//
// Update handlers change the state synchronously (decisions, step
// completion, returns); this loop does what needs activities: opening a
// step's tasks with their deadlines, publishing events in the order they
// happened, and, at the end, signing and archiving.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	if err := in.validate(); err != nil {
		return Result{}, execution.Invalid(err, ErrInvalidPlan)
	}
	// A run that began before external steps existed refused such a plan;
	// replaying it must refuse it again.
	if in.Plan.external() && workflow.GetVersion(ctx, changeExternalSteps, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return Result{}, execution.Invalid(errors.New("the plan has an external step, which this workflow run cannot take"), ErrInvalidPlan)
	}
	wf := &run{
		in: in, wfID: workflow.GetInfo(ctx).WorkflowExecution.ID, signals: listen(ctx),
		state: State{Status: StatusInReview, Original: in.Original},
	}
	if execution.Resume(&wf.in.Resume, &wf.state) {
		wf.state.Runs++
	}
	wf.book = tasks.New(in.Document, wf.wfID, &wf.state.Tasks, &wf.state.History)
	// Validators only read the state (package updates); handlers apply the
	// change.
	if err := updates.Register(ctx, QueryState, func() State { return wf.state },
		updates.On(UpdateDecide, wf.validateDecision, wf.decide),
		updates.On(UpdateResubmit, wf.validateResubmission, wf.resubmit),
		updates.On(UpdateReassign, wf.validateReassignment, wf.reassign),
		updates.On(UpdateRecall, wf.validateRecall, wf.recall),
		updates.On(UpdateIssue, wf.validateIssue, wf.issue)); err != nil {
		return Result{}, err
	}

	for {
		wf.receive(ctx)
		if err := wf.book.Outbox.Flush(ctx); err != nil {
			return Result{}, err
		}
		switch {
		case wf.state.Ended != nil:
			return wf.end(ctx)
		case wf.state.Step >= len(in.Plan.Steps):
			return wf.signAndArchive(ctx)
		case !wf.state.StepOpen && wf.state.Status == StatusInReview:
			if err := wf.openStep(ctx); err != nil {
				return Result{}, err
			}
			continue
		case wf.continueAsNewDue(ctx):
			return Result{}, wf.continueAsNew(ctx)
		}
		if err := wf.wait(ctx); err != nil {
			return Result{}, err
		}
	}
}

type run struct {
	in    Input
	wfID  string
	state State
	// book keeps the state's tasks and history, with the reminders and
	// escalations of open tasks and exchanges on its timers; they are rebuilt
	// after continue-as-new, so they are not State.
	book   *tasks.Book
	search search.Attributes
	// signals are the workflow's signal channels, read by the main loop.
	signals signals
}

// wait arms the timers, updates the search attributes and waits until the
// loop has something to do.
func (wf *run) wait(ctx workflow.Context) error {
	wf.armTimers(ctx)
	wf.upsertSearch(ctx)
	return workflow.Await(ctx, func() bool { return wf.actionable(ctx) })
}

// actionable says the loop has something to do.
func (wf *run) actionable(ctx workflow.Context) bool {
	s := wf.state
	switch {
	case wf.book.Outbox.Len() > 0, s.Ended != nil, s.Step >= len(wf.in.Plan.Steps), wf.signals.pending():
		return true
	case !s.StepOpen && s.Status == StatusInReview:
		return true
	case wf.unarmed():
		return true
	}
	return wf.continueAsNewDue(ctx)
}

// openStep starts a round of the current step: a task per assignee, all with
// the deadline routing computes for the step.
func (wf *run) openStep(ctx workflow.Context) error {
	step := wf.in.Plan.Steps[wf.state.Step]
	dl, err := tasks.PlanDeadlines(ctx, workflows.PlanDeadlinesInput{
		From: workflow.Now(ctx), WorkingDays: step.DeadlineWorkingDays, Urgency: wf.in.Urgency,
	})
	if err != nil {
		return fmt.Errorf("plan deadlines of step %s: %w", step.ID, err)
	}
	// A decision cannot arrive while the activity runs (no task is open), but
	// a recall can: it ends the workflow, and no task opens.
	if wf.state.Ended != nil {
		return nil
	}
	now := workflow.Now(ctx)
	wf.state.StepID, wf.state.StepName = step.ID, step.Name
	wf.state.StepOpen = true
	wf.state.Approvals, wf.state.Rejections = 0, 0
	if step.Mode == ModeExternal {
		wf.send(step, now, dl.Deadline)
		wf.refresh()
		return nil
	}
	for _, a := range step.Assignees {
		wf.book.Open(workflows.Task{
			ID: execution.NewID(ctx), StepID: step.ID, Kind: TaskApprove, Status: workflows.TaskOpen, Assignee: a,
			AssignedAt: now, Deadline: dl.Deadline, RemindAt: dl.RemindAt,
		})
	}
	wf.refresh()
	return nil
}

// refresh recomputes who the document waits for: people, or the agency
// an external step was sent to.
func (wf *run) refresh() {
	var agency []string
	if x := wf.exchange(); x != nil {
		agency = append(agency, x.Agency)
	}
	wf.state.WaitingFor = wf.book.WaitingFor(agency...)
}

// end publishes how the document ended early and returns the outcome.
func (wf *run) end(ctx workflow.Context) (Result, error) {
	e := wf.state.Ended
	data := events.DocumentDecisionData{DocumentID: wf.in.DocumentID, WorkflowID: wf.wfID, By: e.By, Comment: e.Comment, At: e.At}
	outcome, typ := workflows.OutcomeRejected, events.DocumentRejected
	if wf.state.Status == StatusRecalled {
		outcome, typ = OutcomeRecalled, events.DocumentRecalled
	}
	wf.book.Outbox.Queue(typ, data)
	if err := wf.book.Outbox.Flush(ctx); err != nil {
		return Result{}, err
	}
	workflow.GetLogger(ctx).Info("approval chain ended", "document_id", wf.in.DocumentID, "outcome", outcome, "by", e.By.Username)
	return Result{Outcome: outcome}, execution.Finish(ctx)
}

// continueAsNewDue says the history is long enough to start afresh and the
// workflow is at a point where nothing is in flight.
func (wf *run) continueAsNewDue(ctx workflow.Context) bool {
	return execution.ContinueAsNewDue(ctx, wf.in.HistoryLimit, wf.book.Outbox.Len() == 0 && !wf.signals.pending())
}

// continueAsNew carries the whole state into a fresh run.
func (wf *run) continueAsNew(ctx workflow.Context) error {
	next, st := wf.in, wf.state
	next.Resume = &st
	return execution.ContinueAsNew(ctx, WorkflowName, wf.in.DocumentID, next)
}
