// Package dispatch turns registered and drafted documents into running
// workflows, and publishes the events the workflows ask for.
package dispatch

import (
	"context"
	"errors"
	"fmt"
	"time"

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

// Router starts one workflow per document: the handling of an incoming
// document, the review and signing of an outgoing draft.
type Router struct {
	// Planners gives the planner of each agency the installation hosts.
	Planners  map[string]*rules.Planner
	Temporal  Starter
	Publisher *natsx.Publisher
	Log       *zap.Logger
}

// HandleReceived routes one event of the routing consumer: a
// document.received is an incoming document, presented to the leaders of a
// handling rule for assignment (DOMAIN.md §5); a document.drafted is an
// outgoing draft, reviewed along the plan of an approval rule and signed at
// its signing step (§4). The plan is resolved to people (with their
// substitutes and supervisors) as of registration or drafting.
//
// It is safe to call again for the same event: the workflow id is derived
// from the document, so a second start is refused by Temporal and treated
// as done, and the route event has a derived id that JetStream deduplicates.
func (r *Router) HandleReceived(ctx context.Context, ev events.Event) error {
	switch doc := ev.Payload.(type) {
	case *events.DocumentReceivedData:
		return r.routeIncoming(ctx, ev, doc)
	case *events.DocumentDraftedData:
		return r.routeDraft(ctx, ev, doc)
	}
	return nil
}

func (r *Router) routeIncoming(ctx context.Context, ev events.Event, doc *events.DocumentReceivedData) error {
	log := r.Log.With(zap.String("document_id", doc.DocumentID), zap.String("agency", doc.Agency), zap.String("direction", string(rules.Incoming)))
	plan, ok, err := r.plan(ctx, log, rules.Document{
		Direction: rules.Incoming, Agency: doc.Agency, Kind: doc.Kind, Urgency: doc.Urgency, IssuerID: doc.IssuerID,
	}, doc.DocumentID, doc.ReceivedAt)
	if !ok {
		return err
	}
	leaders := plan.Steps[0]
	input := incoming.Input{
		Document: workflows.Document{
			DocumentID: doc.DocumentID, Agency: doc.Agency, Kind: doc.Kind, Subject: doc.Subject, Urgency: doc.Urgency,
			ArrivalNumber: doc.ArrivalNumber, Original: doc.Original, Confidentiality: doc.Confidentiality,
		},
		SenderAgency: doc.IssuerID, Leaders: leaders.Assignees, AssignWorkingDays: leaders.DeadlineWorkingDays, UpsertSearchAttributes: true,
	}
	return r.start(ctx, log, ev, doc.Agency, doc.DocumentID, plan, incoming.WorkflowName, workflows.HandlingWorkflowID(doc.DocumentID), input)
}

func (r *Router) routeDraft(ctx context.Context, ev events.Event, doc *events.DocumentDraftedData) error {
	log := r.Log.With(zap.String("document_id", doc.DocumentID), zap.String("agency", doc.Agency), zap.String("direction", string(rules.Outgoing)))
	plan, ok, err := r.plan(ctx, log, rules.Document{
		Direction: rules.Outgoing, Agency: doc.Agency, Kind: doc.Kind, Urgency: doc.Urgency, Drafter: doc.By.Username, Unit: doc.Unit,
	}, doc.DocumentID, doc.DraftedAt)
	if !ok {
		return err
	}
	input := chain.Input{
		Document: workflows.Document{
			DocumentID: doc.DocumentID, Agency: doc.Agency, Kind: doc.Kind, Subject: doc.Subject, Urgency: doc.Urgency,
			Original: doc.Original, Confidentiality: doc.Confidentiality,
		},
		Drafter: doc.By, Plan: plan.Plan, UpsertSearchAttributes: true,
	}
	return r.start(ctx, log, ev, doc.Agency, doc.DocumentID, plan, chain.WorkflowName, workflows.ApprovalWorkflowID(doc.DocumentID), input)
}

// plan is the document's plan; ok is false when there is nothing to start,
// with the error to return (nil when no rule matched).
func (r *Router) plan(ctx context.Context, log *zap.Logger, doc rules.Document, documentID string, at time.Time) (rules.Plan, bool, error) {
	planner, ok := r.Planners[doc.Agency]
	if !ok {
		// Another installation's document on a shared stream: nothing
		// here can route it, and retrying will not change that.
		log.Warn("document of an agency this installation does not host; not routed")
		return rules.Plan{}, false, nil
	}
	plan, err := planner.Plan(ctx, doc, at)
	if errors.Is(err, rules.ErrNoRoute) {
		// Nothing to retry: the document stays registered and visible,
		// waiting for an administrator to add a rule.
		log.Warn("document not routed", zap.Error(err))
		return rules.Plan{}, false, nil
	}
	if err != nil {
		return rules.Plan{}, false, fmt.Errorf("dispatch: plan for %s: %w", documentID, err)
	}
	return plan, true, nil
}

// start starts the workflow, or finds it started by an earlier delivery,
// and announces the route.
func (r *Router) start(ctx context.Context, log *zap.Logger, ev events.Event, agency, documentID string, plan rules.Plan, name, wfID string, input any) error {
	_, err := r.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wfID, TaskQueue: workflows.RoutingTaskQueue}, name, input)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &started):
		log.Info("workflow already started", zap.String("workflow_id", wfID))
	case err != nil:
		return fmt.Errorf("dispatch: start workflow %s: %w", wfID, err)
	default:
		log.Info("workflow started", zap.String("workflow", name), zap.String("workflow_id", wfID), zap.String("rule", plan.RuleID), zap.Int("steps", len(plan.Steps)))
	}
	_, err = r.Publisher.PublishWithID(ctx, natsx.EventID("routed:"+documentID), ev.Time, events.RouteSelected, agency, documentID,
		events.RouteSelectedData{DocumentID: documentID, WorkflowID: wfID, RuleID: plan.RuleID, RuleVersion: plan.RuleVersion, Approver: firstAssignee(plan),
			Unit: plan.Unit})
	return err
}

// firstAssignee is who the document goes to first: the first assignee of
// the first step, or the signer of a draft planned without review steps.
func firstAssignee(p rules.Plan) string {
	if len(p.Steps) > 0 && len(p.Steps[0].Assignees) > 0 {
		return p.Steps[0].Assignees[0].Username
	}
	if len(p.Steps) == 0 && p.Signing != nil {
		return p.Signing.Signer.Username
	}
	return ""
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
