package approval

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/internal/kit"
)

// Register registers Workflow on r as WorkflowName: a replayer's, since no
// worker runs the retired workflow.
func Register(r kit.Registrar) {
	r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
}

// Statuses reported by QueryState.
const (
	StatusAwaitingDecision = "awaiting_decision"
	StatusSigning          = "signing"
	StatusArchiving        = "archiving"
	StatusArchived         = "archived"
	StatusRejected         = "rejected"
)

// Workflow runs one document's approval: one task for the approver, then,
// if approved, the signature and the archive.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	if err := in.validate(); err != nil {
		return Result{}, kit.Invalid(err, workflows.ErrInvalidDecision)
	}
	log := workflow.GetLogger(ctx)
	wf := &run{
		in: in, state: State{Status: StatusAwaitingDecision},
		outbox: &kit.Outbox{Agency: in.Agency, DocumentID: in.DocumentID, Options: kit.RoutingActivity()},
	}

	now := workflow.Now(ctx)
	deadline := in.Deadline
	if deadline.IsZero() {
		deadline = now.Add(time.Duration(max(in.DeadlineDays, 1)) * 24 * time.Hour)
	}
	wf.state.Task = &Task{
		ID:         kit.NewID(ctx),
		Assignee:   in.Approver,
		AssignedAt: now,
		Deadline:   deadline,
	}
	if err := kit.RegisterHandlers(ctx, QueryState, func() State { return wf.state },
		kit.On(UpdateDecide, wf.validate, wf.decide)); err != nil {
		return Result{}, err
	}

	task := wf.state.Task
	if err := wf.publish(ctx, events.TaskAssigned, events.TaskAssignedData{
		TaskID: task.ID, DocumentID: in.DocumentID, WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID,
		Assignee: task.Assignee, Subject: in.Subject, Kind: in.Kind, Urgency: in.Urgency,
		Deadline: task.Deadline, AssignedAt: task.AssignedAt,
	}); err != nil {
		return Result{}, err
	}

	if err := workflow.Await(ctx, func() bool { return wf.decision != nil }); err != nil {
		return Result{}, err
	}
	d := wf.decision
	wfID := workflow.GetInfo(ctx).WorkflowExecution.ID
	if err := wf.publish(ctx, events.TaskDecided, events.TaskDecidedData{
		TaskID: task.ID, DocumentID: in.DocumentID, WorkflowID: wfID, Decision: d.Decision,
		Comment: d.Comment, By: d.By, DecidedAt: *task.DecidedAt,
	}); err != nil {
		return Result{}, err
	}
	decision := events.DocumentDecisionData{DocumentID: in.DocumentID, WorkflowID: wfID, By: d.By, Comment: d.Comment, At: *task.DecidedAt}

	if d.Decision == workflows.DecisionReject {
		wf.state.Status = StatusRejected
		if err := wf.publish(ctx, events.DocumentRejected, decision); err != nil {
			return Result{}, err
		}
		log.Info("document rejected", "document_id", in.DocumentID, "by", d.By.Username)
		return Result{Outcome: workflows.OutcomeRejected}, kit.Finish(ctx)
	}

	if err := wf.publish(ctx, events.DocumentApproved, decision); err != nil {
		return Result{}, err
	}

	wf.state.Status = StatusSigning
	var signed workflows.SignDocumentResult
	signCtx := workflow.WithActivityOptions(ctx, kit.ServiceActivity(workflows.SigningTaskQueue, 5*time.Minute,
		workflows.ErrSourceIntegrity, workflows.ErrNoSigningKey, workflows.ErrUnsignablePDF))
	if err := workflow.ExecuteActivity(signCtx, workflows.ActivitySignDocument, workflows.SignDocumentInput{
		DocumentID: in.DocumentID, Agency: in.Agency, Source: in.Original,
		Signer: d.By.Username, Reason: "Phê duyệt: " + in.Subject,
	}).Get(ctx, &signed); err != nil {
		return Result{}, fmt.Errorf("sign document %s: %w", in.DocumentID, err)
	}

	wf.state.Status = StatusArchiving
	var archived workflows.ArchiveDocumentResult
	archiveCtx := workflow.WithActivityOptions(ctx, kit.ServiceActivity(workflows.ArchiveTaskQueue, 5*time.Minute, workflows.ErrSourceIntegrity))
	if err := workflow.ExecuteActivity(archiveCtx, workflows.ActivityArchiveDocument, workflows.ArchiveDocumentInput{
		DocumentID: in.DocumentID, Agency: in.Agency, Kind: in.Kind, Subject: in.Subject,
		ArrivalNumber: in.ArrivalNumber, Signed: signed.Signed, Signer: d.By.Username, SignedAt: signed.SignedAt,
	}).Get(ctx, &archived); err != nil {
		return Result{}, fmt.Errorf("archive document %s: %w", in.DocumentID, err)
	}

	wf.state.Status = StatusArchived
	log.Info("document archived", "document_id", in.DocumentID, "record_id", archived.RecordID)
	return Result{Outcome: workflows.OutcomeArchived, Signed: &signed.Signed, RecordID: archived.RecordID}, kit.Finish(ctx)
}

type run struct {
	in       Input
	state    State
	decision *workflows.Decision
	outbox   *kit.Outbox
}

// validate runs before an update is accepted into history: a refused
// decision leaves no trace in the workflow, and the caller gets the reason.
func (wf *run) validate(_ workflow.Context, d workflows.Decision) error {
	task := wf.state.Task
	switch {
	case task == nil || d.TaskID != task.ID:
		return kit.Refuse(workflows.ErrTaskNotFound, "no open task %s on this document", d.TaskID)
	case wf.decision != nil:
		return kit.Refuse(workflows.ErrTaskClosed, "the task was already decided (%s by %s)", task.Decision, task.DecidedBy)
	case d.By.Username != task.Assignee:
		return kit.Refuse(workflows.ErrNotAssignee, "the task is assigned to %s, not to %s", task.Assignee, d.By.Username)
	case d.Decision != workflows.DecisionApprove && d.Decision != workflows.DecisionReject:
		return kit.Refuse(workflows.ErrInvalidDecision, "decision %q is not one of approve, reject", d.Decision)
	case d.Decision == workflows.DecisionReject && d.Comment == "":
		return kit.Refuse(workflows.ErrInvalidDecision, "a rejection needs a comment giving the reason")
	}
	return nil
}

func (wf *run) decide(ctx workflow.Context, d workflows.Decision) (workflows.DecisionResult, error) {
	now := workflow.Now(ctx)
	task := wf.state.Task
	task.Decision = d.Decision
	task.DecidedBy = d.By.Username
	task.DecidedAt = &now
	wf.decision = &d
	wf.state.Status = d.Decision
	return workflows.DecisionResult{TaskID: task.ID, Decision: d.Decision, DecidedAt: now}, nil
}

// publish has the routing service emit an event at once (kit.Outbox).
func (wf *run) publish(ctx workflow.Context, t events.Type, data any) error {
	wf.outbox.Queue(t, data)
	return wf.outbox.Flush(ctx)
}

func (in Input) validate() error {
	problems := kit.DocumentProblems(in.Document)
	if in.Approver == "" {
		problems = append(problems, errors.New("approver is required"))
	}
	return errors.Join(problems...)
}
