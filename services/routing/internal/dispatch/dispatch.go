// Package dispatch turns received documents into running approval
// workflows, and publishes the events the workflows ask for.
package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/clerical/calendar"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/routing/internal/rules"
	"github.com/docflow/docflow/workflows/approval"
)

// Starter starts workflows; client.Client satisfies it.
type Starter interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
}

// Router starts one approval workflow per received document.
type Router struct {
	Rules     func() *rules.Set
	Calendar  *calendar.Calendar
	Temporal  Starter
	Publisher *natsx.Publisher
	Log       *zap.Logger
}

// HandleReceived routes one document.received event. It is safe to call
// again for the same event: the workflow id is derived from the document, so
// a second start is refused by Temporal and treated as done, and the route
// event has a derived id that JetStream deduplicates.
func (r *Router) HandleReceived(ctx context.Context, env events.Envelope) error {
	if env.Type != events.DocumentReceived {
		return nil
	}
	var doc events.DocumentReceivedData
	if err := json.Unmarshal(env.Data, &doc); err != nil {
		r.Log.Error("received event with an unreadable payload; skipped", zap.String("event_id", env.ID), zap.Error(err))
		return nil
	}
	log := r.Log.With(zap.String("document_id", doc.DocumentID), zap.String("agency", doc.Agency))
	route, err := r.Rules().Match(rules.Document{Agency: doc.Agency, Kind: doc.Kind, Urgency: doc.Urgency})
	if err != nil {
		// Nothing to retry: the document stays registered and visible,
		// waiting for an administrator to add a rule.
		log.Warn("document not routed", zap.Error(err))
		return nil
	}
	// Deadlines count working days from registration (DOMAIN.md §11). Without
	// calendar data for the dates the deadline cannot be known: the event is
	// retried, and readiness reports the missing year to the operator.
	deadline, err := r.Calendar.AddWorkingDays(doc.ReceivedAt, route.DeadlineDays)
	if err != nil {
		return fmt.Errorf("dispatch: deadline of %s: %w", doc.DocumentID, err)
	}
	wfID := approval.WorkflowID(doc.DocumentID)
	_, err = r.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        wfID,
		TaskQueue: approval.TaskQueue,
	}, approval.WorkflowName, approval.Input{
		DocumentID: doc.DocumentID, Agency: doc.Agency, Kind: doc.Kind, Subject: doc.Subject,
		Urgency: doc.Urgency, ArrivalNumber: doc.ArrivalNumber, Original: doc.Original,
		Approver: route.Approver, Deadline: deadline, SubmittedBy: doc.By,
	})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &started):
		log.Info("approval workflow already started", zap.String("workflow_id", wfID))
	case err != nil:
		return fmt.Errorf("dispatch: start workflow %s: %w", wfID, err)
	default:
		log.Info("approval workflow started", zap.String("workflow_id", wfID), zap.String("approver", route.Approver), zap.String("rule", route.RuleID))
	}
	_, err = r.Publisher.PublishWithID(ctx, natsx.EventID("routed:"+doc.DocumentID), env.Time, events.RouteSelected, doc.Agency, doc.DocumentID,
		events.RouteSelectedData{DocumentID: doc.DocumentID, WorkflowID: wfID, RuleID: route.RuleID, RuleVersion: route.Version, Approver: route.Approver})
	return err
}

// Activities are the routing service's activities.
type Activities struct {
	Publisher *natsx.Publisher
}

// PublishEvent publishes an event a workflow decided on, with the
// workflow's id, so a retry is deduplicated by JetStream.
func (a *Activities) PublishEvent(ctx context.Context, in approval.PublishEventInput) error {
	var data = in.Data
	_, err := a.Publisher.PublishWithID(ctx, in.ID, in.Time, in.Type, in.Agency, in.DocumentID, data)
	return err
}
