package dispatch

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/routing/internal/delegation"
	"github.com/docflow/docflow/workflows"
)

// Signaller finds running workflows and signals them.
type Signaller interface {
	ListWorkflow(ctx context.Context, request *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
}

// Substitutes tells the running workflows of a position's holder who their
// substitutes are now, when a delegation is created or revoked: tasks
// opened before the delegation would otherwise keep the substitutes they
// were assigned with.
type Substitutes struct {
	Delegations *delegation.Store
	Temporal    Signaller
	Now         func() time.Time
	Log         *zap.Logger
	// Passes are the delays before each search for the holder's workflows
	// (nil: now, after 2 s and after 8 s more).
	Passes []time.Duration
	// Titles gives the title of a person's position, printed when they
	// sign as a substitute (nil: none).
	Titles func(username string) string
}

func (s *Substitutes) titleOf(username string) string {
	if s.Titles == nil {
		return ""
	}
	return s.Titles(username)
}

// HandleDelegation handles one delegation.created or delegation.revoked
// event. Signalling again is harmless: the workflows take the whole list
// and announce only a change.
func (s *Substitutes) HandleDelegation(ctx context.Context, ev events.Event) error {
	d, ok := ev.Payload.(*events.DelegationData)
	if !ok {
		return nil
	}
	all, err := s.Delegations.List(ctx, delegation.Filter{Agency: d.Agency, Position: d.Position})
	if err != nil {
		return fmt.Errorf("dispatch: substitutes of %s: %w", d.Position, err)
	}
	now := s.Now()
	// Those in force now or later, oldest start first; the workflows check
	// the dates and kinds when someone acts.
	all = slices.DeleteFunc(all, func(x svc.Delegation) bool { return !x.RevokedAt.IsZero() || !now.Before(x.Until) })
	slices.Reverse(all)
	change := workflows.SubstitutesChange{Assignees: []workflows.AssigneeSubstitutes{{Username: d.Holder, Substitutes: []workflows.Substitute{}}}}
	for _, x := range all {
		change.Assignees[0].Substitutes = append(change.Assignees[0].Substitutes, workflows.Substitute{
			Username: x.Substitute, From: x.From, Until: x.Until, Kinds: x.Kinds, Authority: x.Authority, Reference: x.Reference,
			Title: s.titleOf(x.Substitute),
		})
	}
	// Workflows reach the visibility store a moment after they change, so
	// one started or assigned just before the delegation may not be listed
	// yet: look again after a while. Signalling twice changes nothing.
	for i, wait := range s.passes() {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
		if err := s.signal(ctx, d.Holder, change); err != nil {
			return err
		}
	}
	return nil
}

// passes are the delays before each search for the holder's workflows.
func (s *Substitutes) passes() []time.Duration {
	if s.Passes != nil {
		return s.Passes
	}
	return []time.Duration{0, 2 * time.Second, 8 * time.Second}
}

// signal sends change to every running workflow with a task of holder.
func (s *Substitutes) signal(ctx context.Context, holder string, change workflows.SubstitutesChange) error {
	query := fmt.Sprintf("DocflowAssignees = %q AND ExecutionStatus = 'Running'", holder)
	var token []byte
	for {
		resp, err := s.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token})
		if err != nil {
			return fmt.Errorf("dispatch: workflows of %s: %w", holder, err)
		}
		for _, w := range resp.GetExecutions() {
			id := w.GetExecution().GetWorkflowId()
			if err := s.Temporal.SignalWorkflow(ctx, id, "", workflows.SignalSubstitutes, change); err != nil {
				// A workflow that ended meanwhile needs nothing.
				s.Log.Warn("substitutes not signalled", zap.String("workflow_id", id), zap.Error(err))
				continue
			}
			s.Log.Info("substitutes signalled", zap.String("workflow_id", id), zap.String("holder", holder), zap.Int("substitutes", len(change.Assignees[0].Substitutes)))
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return nil
		}
	}
}
