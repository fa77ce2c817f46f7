// Package decide delivers people's decisions and changes to approval workflows as
// Temporal Updates, and turns the workflow's refusals into errors a person
// can act on.
package decide

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
)

// Temporal sends decisions through a Temporal client.
type Temporal struct {
	Client client.Client
}

// Decide sends d to the workflow and waits until the workflow has applied it.
func (t Temporal) Decide(ctx context.Context, workflowID string, d workflows.Decision) (workflows.DecisionResult, error) {
	return update[workflows.DecisionResult](ctx, t.Client, "decide.Decide", workflowID, chain.UpdateDecide, d)
}

// Change sends one of the chain workflow's other updates (resubmit,
// reassign, recall) and waits until the workflow has applied it.
func (t Temporal) Change(ctx context.Context, workflowID, name string, arg any) (chain.ChangeResult, error) {
	return update[chain.ChangeResult](ctx, t.Client, "decide.Change", workflowID, name, arg)
}

// Handle sends one of the incoming handling workflow's updates (assign,
// progress, contribute, complete) and waits until the workflow has applied
// it.
func (t Temporal) Handle(ctx context.Context, workflowID, name string, arg any) (workflows.DecisionResult, error) {
	return update[workflows.DecisionResult](ctx, t.Client, "decide.Handle", workflowID, name, arg)
}

// Reply hands another agency's status receipt to the approval workflow
// of the document, refusing it when no step waits for that agency: a signal
// cannot answer, so the workflow's state is asked first.
func (t Temporal) Reply(ctx context.Context, workflowID string, r chain.AgencyReply) error {
	const op = "decide.Reply"
	v, err := t.Client.QueryWorkflow(ctx, workflowID, "", chain.QueryState)
	if err != nil {
		return classify(op, err)
	}
	var st chain.State
	if err := v.Get(&st); err != nil {
		return errs.E(op, errs.Internal, errcode.Internal, "the workflow's state cannot be read").WithCause(err)
	}
	waiting := false
	for _, x := range st.Exchanges {
		if x.Agency == r.Agency && x.Status == chain.ExchangeWaiting && (r.StepID == "" || r.StepID == x.StepID) {
			waiting = true
		}
	}
	if !waiting {
		return errs.E(op, errs.Conflict, errcode.Conflict, "no step of this document waits for agency "+r.Agency).WithDetail("agency", "not waited for")
	}
	if err := t.Client.SignalWorkflow(ctx, workflowID, "", chain.SignalAgencyReply, r); err != nil {
		return classify(op, err)
	}
	return nil
}

func update[R any](ctx context.Context, c client.Client, op, workflowID, name string, arg any) (R, error) {
	var res R
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflowID,
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, &res)
	}
	if err != nil {
		var zero R
		return zero, classify(op, err)
	}
	return res, nil
}

// refusal is how a workflow's refusal of one type reaches the person.
type refusal struct {
	kind errs.Kind
	code errcode.Code
	// field names the part of the request refused, if one is.
	field string
	// alerted: the fault is the system's, and its operator has been told.
	alerted bool
}

// decisionRefusals are the refusals of a decision or another change.
var decisionRefusals = map[string]refusal{
	workflows.ErrTaskClosed:      {kind: errs.Conflict, code: errcode.TaskClosed},
	workflows.ErrNotAssignee:     {kind: errs.Forbidden, code: errcode.NotAssignee},
	workflows.ErrTaskNotFound:    {kind: errs.NotFound, code: errcode.NotFound},
	workflows.ErrInvalidDecision: {kind: errs.Invalid, code: errcode.InvalidArgument, field: "decision"},
	workflows.ErrNotLeader:       {kind: errs.Forbidden, code: errcode.Forbidden},
	chain.ErrNotDrafter:          {kind: errs.Forbidden, code: errcode.Forbidden},
	chain.ErrNotSigner:           {kind: errs.Forbidden, code: errcode.NotAssignee},
	chain.ErrRecallTooLate:       {kind: errs.Conflict, code: errcode.Conflict},
}

// refused words err as refusals says, when it is one of them.
func refused(op string, err error, refusals map[string]refusal) (*errs.Error, bool) {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) {
		return nil, false
	}
	r, ok := refusals[app.Type()]
	if !ok {
		return nil, false
	}
	msg := app.Message()
	if r.alerted {
		msg += "; the operator has been alerted"
	}
	e := errs.E(op, r.kind, r.code, msg)
	if r.field != "" {
		e = e.WithDetail(r.field, app.Message())
	}
	return e, true
}

func classify(op string, err error) error {
	if e, ok := refused(op, err, decisionRefusals); ok {
		return e
	}
	// A finished workflow takes no more decisions: its task is closed.
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return errs.E(op, errs.Conflict, errcode.TaskClosed, "the task is closed: the document's approval has finished").WithCause(err)
	}
	return errs.E(op, errs.Unavailable, errcode.Unavailable, "the decision could not be delivered; try again").WithCause(err)
}
