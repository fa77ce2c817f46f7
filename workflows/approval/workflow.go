package approval

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
)

// Registrar is what Register needs of a worker.
type Registrar interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// Register registers Workflow on r as WorkflowName.
func Register(r Registrar) {
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
		return Result{}, temporal.NewNonRetryableApplicationError(err.Error(), ErrInvalidDecision, nil)
	}
	log := workflow.GetLogger(ctx)
	wf := &run{in: in, state: State{Status: StatusAwaitingDecision}}

	now := workflow.Now(ctx)
	deadline := in.Deadline
	if deadline.IsZero() {
		deadline = now.Add(time.Duration(max(in.DeadlineDays, 1)) * 24 * time.Hour)
	}
	wf.state.Task = &Task{
		ID:         NewID(ctx),
		Assignee:   in.Approver,
		AssignedAt: now,
		Deadline:   deadline,
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (State, error) { return wf.state, nil }); err != nil {
		return Result{}, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecide, wf.decide, workflow.UpdateHandlerOptions{Validator: wf.validate}); err != nil {
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

	if d.Decision == DecisionReject {
		wf.state.Status = StatusRejected
		if err := wf.publish(ctx, events.DocumentRejected, decision); err != nil {
			return Result{}, err
		}
		log.Info("document rejected", "document_id", in.DocumentID, "by", d.By.Username)
		return Result{Outcome: OutcomeRejected}, wf.finish(ctx)
	}

	if err := wf.publish(ctx, events.DocumentApproved, decision); err != nil {
		return Result{}, err
	}

	wf.state.Status = StatusSigning
	var signed SignDocumentResult
	signCtx := workflow.WithActivityOptions(ctx, ServiceActivity(SigningTaskQueue, 5*time.Minute,
		ErrSourceIntegrity, ErrNoSigningKey, ErrUnsignablePDF))
	if err := workflow.ExecuteActivity(signCtx, ActivitySignDocument, SignDocumentInput{
		DocumentID: in.DocumentID, Agency: in.Agency, Source: in.Original,
		Signer: d.By.Username, Reason: "Phê duyệt: " + in.Subject,
	}).Get(ctx, &signed); err != nil {
		return Result{}, fmt.Errorf("sign document %s: %w", in.DocumentID, err)
	}

	wf.state.Status = StatusArchiving
	var archived ArchiveDocumentResult
	archiveCtx := workflow.WithActivityOptions(ctx, ServiceActivity(ArchiveTaskQueue, 5*time.Minute, ErrSourceIntegrity))
	if err := workflow.ExecuteActivity(archiveCtx, ActivityArchiveDocument, ArchiveDocumentInput{
		DocumentID: in.DocumentID, Agency: in.Agency, Kind: in.Kind, Subject: in.Subject,
		ArrivalNumber: in.ArrivalNumber, Signed: signed.Signed, Signer: d.By.Username, SignedAt: signed.SignedAt,
	}).Get(ctx, &archived); err != nil {
		return Result{}, fmt.Errorf("archive document %s: %w", in.DocumentID, err)
	}

	wf.state.Status = StatusArchived
	log.Info("document archived", "document_id", in.DocumentID, "record_id", archived.RecordID)
	return Result{Outcome: OutcomeArchived, Signed: &signed.Signed, RecordID: archived.RecordID}, wf.finish(ctx)
}

type run struct {
	in       Input
	state    State
	decision *Decision
}

// validate runs before an update is accepted into history: a refused
// decision leaves no trace in the workflow, and the caller gets the reason.
func (wf *run) validate(_ workflow.Context, d Decision) error {
	task := wf.state.Task
	switch {
	case task == nil || d.TaskID != task.ID:
		return temporal.NewApplicationError("no open task "+d.TaskID+" on this document", ErrTaskNotFound)
	case wf.decision != nil:
		return temporal.NewApplicationError("the task was already decided ("+task.Decision+" by "+task.DecidedBy+")", ErrTaskClosed)
	case d.By.Username != task.Assignee:
		return temporal.NewApplicationError("the task is assigned to "+task.Assignee+", not to "+d.By.Username, ErrNotAssignee)
	case d.Decision != DecisionApprove && d.Decision != DecisionReject:
		return temporal.NewApplicationError(fmt.Sprintf("decision %q is not one of approve, reject", d.Decision), ErrInvalidDecision)
	case d.Decision == DecisionReject && d.Comment == "":
		return temporal.NewApplicationError("a rejection needs a comment giving the reason", ErrInvalidDecision)
	}
	return nil
}

func (wf *run) decide(ctx workflow.Context, d Decision) (DecisionResult, error) {
	now := workflow.Now(ctx)
	task := wf.state.Task
	task.Decision = d.Decision
	task.DecidedBy = d.By.Username
	task.DecidedAt = &now
	wf.decision = &d
	wf.state.Status = d.Decision
	return DecisionResult{TaskID: task.ID, Decision: d.Decision, DecidedAt: now}, nil
}

// finish lets in-flight update handlers complete before the workflow closes.
func (wf *run) finish(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

// publish has the routing service emit an event. The id is drawn once and
// recorded in history, so a retried activity republishes the same event and
// JetStream drops the duplicate.
func (wf *run) publish(ctx workflow.Context, t events.Type, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("encode event "+string(t), "EncodeEvent", err)
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		TaskQueue:           TaskQueue,
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	return workflow.ExecuteActivity(actx, ActivityPublishEvent, PublishEventInput{
		ID: NewID(ctx), Type: t, Agency: wf.in.Agency, DocumentID: wf.in.DocumentID,
		Time: workflow.Now(ctx), Data: raw,
	}).Get(ctx, nil)
}

// ServiceActivity are the options for an activity of another service: it is
// retried until it succeeds or fails for a reason retrying cannot fix. The
// approval workflows share it.
func ServiceActivity(queue string, timeout time.Duration, nonRetryable ...string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		TaskQueue:           queue,
		StartToCloseTimeout: timeout,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: nonRetryable,
		},
	}
}

// NewID draws a random id once and records it in history, so replay and a
// retried activity see the same value. The approval workflows share it.
func NewID(ctx workflow.Context) string {
	var id string
	_ = workflow.SideEffect(ctx, func(workflow.Context) any { return uuidV4() }).Get(&id)
	return id
}

func (in Input) validate() error {
	var problems []error
	if in.DocumentID == "" {
		problems = append(problems, errors.New("document_id is required"))
	}
	if in.Agency == "" {
		problems = append(problems, errors.New("agency is required"))
	}
	if in.Approver == "" {
		problems = append(problems, errors.New("approver is required"))
	}
	if in.Original.Key == "" || in.Original.SHA256 == "" {
		problems = append(problems, errors.New("original object with its sha256 is required"))
	}
	return errors.Join(problems...)
}
