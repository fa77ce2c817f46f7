package chain

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/internal/kit"
)

// Register registers Workflow on r, a worker or a replayer, as WorkflowName.
func Register(r kit.Registrar) {
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
	if err := in.runnable(ctx); err != nil {
		return Result{}, err
	}
	wf := &run{
		in: in, signals: listen(ctx),
		state: State{Status: StatusInReview, Original: in.Original},
	}
	if kit.Resume(&wf.in.Resume, &wf.state) {
		wf.state.Runs++
	}
	wf.book = kit.NewBook(ctx, in.Document, &wf.state.Tasks, &wf.state.History)
	// Validators only read the state (kit.On); handlers apply the
	// change.
	if err := kit.RegisterHandlers(ctx, QueryState, func() State { return wf.state },
		kit.On(UpdateDecide, wf.validateDecision, wf.decide),
		kit.On(UpdateResubmit, wf.validateResubmission, wf.resubmit),
		kit.On(UpdateReassign, wf.validateReassignment, wf.reassign),
		kit.On(UpdateRecall, wf.validateRecall, wf.recall),
		kit.On(UpdateIssue, wf.validateIssue, wf.issue)); err != nil {
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
		case wf.reviewed() && !wf.signaturePending():
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
	state State
	// book keeps the state's tasks and history, with the reminders and
	// escalations of open tasks and exchanges on its timers; they are rebuilt
	// after continue-as-new, so they are not State.
	book *kit.Book
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
	case wf.book.Outbox.Len() > 0, s.Ended != nil, wf.reviewed() && !wf.signaturePending(), wf.signals.pending():
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
	if wf.reviewed() {
		return wf.openSigning(ctx)
	}
	step := wf.in.Plan.Steps[wf.state.Step]
	dl, err := kit.PlanDeadlines(ctx, workflows.PlanDeadlinesInput{
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
		if secret(wf.in.Confidentiality) {
			wf.refuseSend(step, now)
			return nil
		}
		wf.send(step, now, dl.Deadline)
		wf.refresh()
		return nil
	}
	for _, a := range step.Assignees {
		wf.book.Open(workflows.Task{
			ID: kit.NewID(ctx), StepID: step.ID, Kind: TaskApprove, Status: workflows.TaskOpen, Assignee: a,
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

// continueAsNewDue says the history is long enough to start afresh and the
// workflow is at a point where nothing is in flight.
func (wf *run) continueAsNewDue(ctx workflow.Context) bool {
	return kit.ContinueAsNewDue(ctx, wf.in.HistoryLimit, wf.book.Outbox.Len() == 0 && !wf.signals.pending())
}

// continueAsNew carries the whole state into a fresh run.
func (wf *run) continueAsNew(ctx workflow.Context) error {
	next, st := wf.in, wf.state
	next.Resume = &st
	return kit.ContinueAsNew(ctx, WorkflowName, wf.in.DocumentID, next)
}
