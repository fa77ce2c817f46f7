// Package dispatch turns received documents into running approval
// workflows, and publishes the events the workflows ask for.
package dispatch

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/routing/internal/rules"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
	"github.com/docflow/docflow/workflows/incoming"
)

// Starter starts workflows; client.Client satisfies it.
type Starter interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
}

// Router starts one approval workflow per received document.
type Router struct {
	Planner   *rules.Planner
	Temporal  Starter
	Publisher *natsx.Publisher
	Log       *zap.Logger
}

// HandleReceived routes one document.received event: the rules give a plan
// of steps, resolved to people (with their substitutes and supervisors) as
// of registration, and the plan-driven approval workflow runs it. It is safe
// to call again for the same event: the workflow id is derived from the
// document, so a second start is refused by Temporal and treated as done,
// and the route event has a derived id that JetStream deduplicates.
func (r *Router) HandleReceived(ctx context.Context, ev events.Event) error {
	doc, ok := ev.Payload.(*events.DocumentReceivedData)
	if !ok {
		return nil
	}
	log := r.Log.With(zap.String("document_id", doc.DocumentID), zap.String("agency", doc.Agency))
	plan, err := r.Planner.Plan(ctx, rules.Document{Agency: doc.Agency, Kind: doc.Kind, Urgency: doc.Urgency, IssuerID: doc.IssuerID}, doc.ReceivedAt)
	if errors.Is(err, rules.ErrNoRoute) {
		// Nothing to retry: the document stays registered and visible,
		// waiting for an administrator to add a rule.
		log.Warn("document not routed", zap.Error(err))
		return nil
	}
	if err != nil {
		return fmt.Errorf("dispatch: plan for %s: %w", doc.DocumentID, err)
	}
	wfID, name := workflows.ApprovalWorkflowID(doc.DocumentID), chain.WorkflowName
	document := workflows.Document{
		DocumentID: doc.DocumentID, Agency: doc.Agency, Kind: doc.Kind, Subject: doc.Subject,
		Urgency: doc.Urgency, ArrivalNumber: doc.ArrivalNumber, Original: doc.Original,
	}
	var input any = chain.Input{Document: document, Drafter: doc.By, Plan: plan.Plan, UpsertSearchAttributes: true}
	if plan.Handling {
		// An incoming document is presented to the leaders of the rule's one
		// step, who assign its handling.
		wfID, name = workflows.HandlingWorkflowID(doc.DocumentID), incoming.WorkflowName
		input = incoming.Input{
			Document: document, SenderAgency: doc.IssuerID,
			Leaders: plan.Steps[0].Assignees, AssignWorkingDays: plan.Steps[0].DeadlineWorkingDays, UpsertSearchAttributes: true,
		}
	}
	_, err = r.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wfID, TaskQueue: workflows.RoutingTaskQueue}, name, input)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &started):
		log.Info("workflow already started", zap.String("workflow_id", wfID))
	case err != nil:
		return fmt.Errorf("dispatch: start workflow %s: %w", wfID, err)
	default:
		log.Info("workflow started", zap.String("workflow", name), zap.String("workflow_id", wfID), zap.String("rule", plan.RuleID), zap.Int("steps", len(plan.Steps)))
	}
	_, err = r.Publisher.PublishWithID(ctx, natsx.EventID("routed:"+doc.DocumentID), ev.Time, events.RouteSelected, doc.Agency, doc.DocumentID,
		events.RouteSelectedData{DocumentID: doc.DocumentID, WorkflowID: wfID, RuleID: plan.RuleID, RuleVersion: plan.RuleVersion, Approver: firstAssignee(plan)})
	return err
}

func firstAssignee(p rules.Plan) string {
	if len(p.Steps) == 0 || len(p.Steps[0].Assignees) == 0 {
		return ""
	}
	return p.Steps[0].Assignees[0].Username
}

// Activities are the routing service's activities. PlanDeadlines, which
// workflows need because they cannot read the calendar, is
// deadlines.Planner's, registered as it is.
type Activities struct {
	Publisher *natsx.Publisher
}

// PublishEvent publishes an event a workflow decided on, with the
// workflow's id, so a retry is deduplicated by JetStream.
func (a *Activities) PublishEvent(ctx context.Context, in workflows.PublishEventInput) error {
	var data = in.Data
	_, err := a.Publisher.PublishWithID(ctx, in.ID, in.Time, in.Type, in.Agency, in.DocumentID, data)
	return err
}
