package chain

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows/approval"
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

// Workflow runs a document through its plan, then has it signed, waits for
// a clerk to number and seal it (issue.go), and has it archived.
//
// Update handlers change the state synchronously (decisions, step
// completion, returns); this loop does what needs activities: opening a
// step's tasks with their deadlines, publishing events in the order they
// happened, and, at the end, signing and archiving.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	if err := in.validate(); err != nil {
		return Result{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidPlan, nil)
	}
	// A run that began before external steps existed refused such a plan;
	// replaying it must refuse it again.
	if in.Plan.external() && workflow.GetVersion(ctx, changeExternalSteps, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return Result{}, temporal.NewNonRetryableApplicationError(
			"the plan has an external step, which this workflow run cannot take", ErrInvalidPlan, nil)
	}
	wf := &run{
		in: in, wfID: workflow.GetInfo(ctx).WorkflowExecution.ID, timers: timers.NewSet(), signals: listen(ctx),
		outbox: &outbox.Outbox{Agency: in.Agency, DocumentID: in.DocumentID, Options: shortActivity()},
	}
	if in.Resume != nil {
		wf.state = *in.Resume
		wf.state.Runs++
	} else {
		wf.state = State{Status: StatusInReview, Original: in.Original}
	}
	wf.in.Resume = nil
	if err := wf.handle(ctx); err != nil {
		return Result{}, err
	}

	for {
		wf.receive(ctx)
		if err := wf.flush(ctx); err != nil {
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
		wf.armTimers(ctx)
		wf.upsertSearch(ctx)
		if err := workflow.Await(ctx, func() bool { return wf.actionable(ctx) }); err != nil {
			return Result{}, err
		}
	}
}

type run struct {
	in     Input
	wfID   string
	state  State
	outbox *outbox.Outbox
	// timers are the running reminders and escalations of open tasks and
	// exchanges; they are rebuilt after continue-as-new, so they are not State.
	timers *timers.Set
	search search.Attributes
	// signals are the workflow's signal channels, read by the main loop.
	signals signals
}

// actionable says the loop has something to do.
func (wf *run) actionable(ctx workflow.Context) bool {
	s := wf.state
	switch {
	case wf.outbox.Len() > 0, s.Ended != nil, s.Step >= len(wf.in.Plan.Steps), wf.signals.pending():
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
	var dl PlanDeadlinesResult
	actx := workflow.WithActivityOptions(ctx, shortActivity())
	if err := workflow.ExecuteActivity(actx, ActivityPlanDeadlines, PlanDeadlinesInput{
		From: workflow.Now(ctx), WorkingDays: step.DeadlineWorkingDays, Urgency: wf.in.Urgency,
	}).Get(ctx, &dl); err != nil {
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
		wf.openTask(Task{
			ID: approval.NewID(ctx), StepID: step.ID, Kind: TaskApprove, Status: TaskOpen, Assignee: a,
			AssignedAt: now, Deadline: dl.Deadline, RemindAt: dl.RemindAt,
		})
	}
	wf.refresh()
	return nil
}

func (wf *run) openTask(t Task) {
	wf.state.Tasks = append(wf.state.Tasks, t)
	wf.queue(kindTaskAssigned, events.TaskAssignedData{
		TaskID: t.ID, DocumentID: wf.in.DocumentID, WorkflowID: wf.wfID, Assignee: t.Assignee.Username,
		Subject: wf.in.Subject, Kind: wf.in.Kind, Urgency: wf.in.Urgency, Deadline: t.Deadline, AssignedAt: t.AssignedAt,
		TaskKind: t.Kind, Substitutes: t.Assignee.Substitutes,
	})
}

// closeTask closes an open task and stops its timers.
func (wf *run) closeTask(t *Task, status string) {
	t.Status = status
	wf.timers.Stop(t.ID)
}

// withdrawOpen closes every open task without a decision.
func (wf *run) withdrawOpen(at time.Time) {
	for i := range wf.state.Tasks {
		t := &wf.state.Tasks[i]
		if t.Status != TaskOpen {
			continue
		}
		wf.closeTask(t, TaskWithdrawn)
		wf.queue(kindTaskWithdrawn, wf.notice(t, at))
	}
}

// refresh recomputes who the document waits for: people, or the agency
// an external step was sent to.
func (wf *run) refresh() {
	var waiting []string
	for _, t := range wf.state.Tasks {
		if t.Status != TaskOpen {
			continue
		}
		waiting = append(waiting, t.Assignee.Username)
		waiting = append(waiting, t.Deciders...)
	}
	if x := wf.exchange(); x != nil {
		waiting = append(waiting, x.Agency)
	}
	slices.Sort(waiting)
	wf.state.WaitingFor = slices.Compact(waiting)
}

// end publishes how the document ended early and returns the outcome.
func (wf *run) end(ctx workflow.Context) (Result, error) {
	e := wf.state.Ended
	data := events.DocumentDecisionData{DocumentID: wf.in.DocumentID, WorkflowID: wf.wfID, By: e.By, Comment: e.Comment, At: e.At}
	outcome, kind := OutcomeRejected, kindDocumentRejected
	if wf.state.Status == StatusRecalled {
		outcome, kind = OutcomeRecalled, kindDocumentRecalled
	}
	wf.queue(kind, data)
	if err := wf.flush(ctx); err != nil {
		return Result{}, err
	}
	workflow.GetLogger(ctx).Info("approval chain ended", "document_id", wf.in.DocumentID, "outcome", outcome, "by", e.By.Username)
	return Result{Outcome: outcome}, wf.finish(ctx)
}

// signAndArchive runs once every step agreed, as the single-approver
// workflow does: the person whose approval completed the plan signs.
func (wf *run) signAndArchive(ctx workflow.Context) (Result, error) {
	in := wf.in
	by := *wf.state.Approver
	wf.state.Status = StatusApproved
	wf.queue(kindDocumentApproved, events.DocumentDecisionData{
		DocumentID: in.DocumentID, WorkflowID: wf.wfID, By: by, At: workflow.Now(ctx),
	})
	if err := wf.flush(ctx); err != nil {
		return Result{}, err
	}

	wf.state.Status = StatusSigning
	wf.upsertSearch(ctx)
	var signed approval.SignDocumentResult
	// A remote key's holder has up to the signing service's remote timeout
	// (5 minutes by default) to approve on their device; the activity
	// heartbeats meanwhile, so a lost worker is noticed within the
	// heartbeat timeout rather than the start-to-close one.
	signOpts := approval.ServiceActivity(approval.SigningTaskQueue, 10*time.Minute,
		approval.ErrSourceIntegrity, approval.ErrNoSigningKey, approval.ErrUnsignablePDF,
		approval.ErrSignatureRefused, approval.ErrSignatureExpired)
	signOpts.HeartbeatTimeout = 30 * time.Second
	signCtx := workflow.WithActivityOptions(ctx, signOpts)
	title, authority, signsFor := wf.signer(by.Username)
	if err := workflow.ExecuteActivity(signCtx, approval.ActivitySignDocument, approval.SignDocumentInput{
		DocumentID: in.DocumentID, Agency: in.Agency, Source: wf.state.Original,
		Signer: by.Username, Reason: "Phê duyệt: " + in.Subject, SignerTitle: title, SignerAuthority: authority, SignerFor: signsFor,
	}).Get(ctx, &signed); err != nil {
		return Result{}, fmt.Errorf("sign document %s: %w", in.DocumentID, err)
	}

	archive := signed.Signed
	if workflow.GetVersion(ctx, changeClerkIssue, workflow.DefaultVersion, 1) != workflow.DefaultVersion {
		if err := wf.awaitIssue(ctx, signed); err != nil {
			return Result{}, err
		}
		archive = wf.state.Issued.Sealed
	}

	wf.state.Status = StatusArchiving
	var archived approval.ArchiveDocumentResult
	archiveCtx := workflow.WithActivityOptions(ctx, approval.ServiceActivity(approval.ArchiveTaskQueue, 5*time.Minute, approval.ErrSourceIntegrity))
	if err := workflow.ExecuteActivity(archiveCtx, approval.ActivityArchiveDocument, approval.ArchiveDocumentInput{
		DocumentID: in.DocumentID, Agency: in.Agency, Kind: in.Kind, Subject: in.Subject,
		ArrivalNumber: in.ArrivalNumber, Signed: archive, Signer: by.Username, SignedAt: signed.SignedAt,
	}).Get(ctx, &archived); err != nil {
		return Result{}, fmt.Errorf("archive document %s: %w", in.DocumentID, err)
	}

	wf.state.Status = StatusArchived
	wf.upsertSearch(ctx)
	workflow.GetLogger(ctx).Info("document archived", "document_id", in.DocumentID, "record_id", archived.RecordID)
	return Result{Outcome: OutcomeArchived, Signed: &signed.Signed, Issued: wf.state.Issued, RecordID: archived.RecordID}, wf.finish(ctx)
}

// continueAsNewDue says the history is long enough to start afresh and the
// workflow is at a point where nothing is in flight.
func (wf *run) continueAsNewDue(ctx workflow.Context) bool {
	limit := wf.in.HistoryLimit
	if limit <= 0 {
		limit = DefaultHistoryLimit
	}
	return workflow.GetInfo(ctx).GetCurrentHistoryLength() > limit &&
		wf.outbox.Len() == 0 && !wf.signals.pending() && workflow.AllHandlersFinished(ctx)
}

// continueAsNew carries the whole state into a fresh run. Timers are not
// carried: the new run arms them again from the tasks' dates.
func (wf *run) continueAsNew(ctx workflow.Context) error {
	next := wf.in
	st := wf.state
	next.Resume = &st
	workflow.GetLogger(ctx).Info("approval chain continues as new", "document_id", wf.in.DocumentID,
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
	if in.Drafter.Username == "" {
		problems = append(problems, errors.New("drafter is required: a returned document goes back to them"))
	}
	if in.Original.Key == "" || in.Original.SHA256 == "" {
		problems = append(problems, errors.New("original object with its sha256 is required"))
	}
	if len(in.Plan.Steps) == 0 {
		problems = append(problems, errors.New("the plan has no steps"))
	}
	if len(in.Plan.Steps) > 0 && !slices.ContainsFunc(in.Plan.Steps, func(s Step) bool { return s.Mode != ModeExternal }) {
		problems = append(problems, errors.New("the plan has only external steps: someone of the agency must approve the document to sign it"))
	}
	for i, s := range in.Plan.Steps {
		problems = append(problems, s.validate(i))
	}
	return errors.Join(problems...)
}

func (s Step) validate(i int) error {
	var problems []error
	name := fmt.Sprintf("step %d (%s)", i+1, s.ID)
	if s.ID == "" {
		problems = append(problems, fmt.Errorf("step %d has no id", i+1))
	}
	for _, a := range s.Assignees {
		if a.Username == "" {
			problems = append(problems, fmt.Errorf("%s: position %q is not held by anyone", name, a.Position))
		}
	}
	n := len(s.Assignees)
	if s.Agency != "" && s.Mode != ModeExternal {
		problems = append(problems, fmt.Errorf("%s: only an external step is addressed to an agency, this one is %s", name, s.Mode))
	}
	switch s.Mode {
	case ModeSingle:
		if n != 1 {
			problems = append(problems, fmt.Errorf("%s: mode single needs exactly one assignee, has %d", name, n))
		}
	case ModeAll, ModeAny:
		if n == 0 {
			problems = append(problems, fmt.Errorf("%s: mode %s needs assignees", name, s.Mode))
		}
	case ModeNOfM:
		if s.Required < 1 || s.Required > n {
			problems = append(problems, fmt.Errorf("%s: n_of_m needs 1 ≤ required ≤ %d assignees, has required %d", name, n, s.Required))
		}
	case ModeExternal:
		if s.Agency == "" {
			problems = append(problems, fmt.Errorf("%s: an external step needs the identifier of the agency it is sent to", name))
		}
		if n > 0 {
			problems = append(problems, fmt.Errorf("%s: an external step is taken by an agency, not by assignees (has %d)", name, n))
		}
	default:
		problems = append(problems, fmt.Errorf("%s: mode %q is not one of single, all, any, n_of_m, external", name, s.Mode))
	}
	return errors.Join(problems...)
}

// external says the plan has a step another agency takes.
func (p Plan) external() bool {
	return slices.ContainsFunc(p.Steps, func(s Step) bool { return s.Mode == ModeExternal })
}

// signer is how the person who approved the last step signs: the title of
// the position they approved in, or, when they acted as a substitute, their
// own title under the authority (KT. for a substitution, TUQ. for a written
// authorisation) and the assignee's title. A supervisor who decided an
// overdue task, or anyone whose title the plan does not hold, gets no
// title: the signature is then invisible.
func (wf *run) signer(username string) (title, authority, signsFor string) {
	for i := len(wf.state.Tasks) - 1; i >= 0; i-- {
		t := wf.state.Tasks[i]
		if t.Status != TaskDecided || t.Decision != DecisionApprove || t.DecidedBy != username {
			continue
		}
		if t.OnBehalfOf == "" && t.Assignee.Username == username {
			return t.Assignee.Title, "", ""
		}
		for _, sub := range t.Assignee.Substitutes {
			if sub.Username != username || sub.Title == "" || t.Assignee.Title == "" {
				continue
			}
			if sub.Authority == "TUQ" {
				return sub.Title, "TUQ.", t.Assignee.Title
			}
			return sub.Title, "KT.", t.Assignee.Title
		}
		return "", "", ""
	}
	return "", "", ""
}
