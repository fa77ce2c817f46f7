package server

import (
	"context"
	"fmt"
	"slices"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	httpapi "github.com/docflow/docflow/api/http/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/incoming"
)

// handlingDecisions are the decisions each task of an incoming document's
// handling takes.
var handlingDecisions = map[string][]httpapi.Decision{
	events.TaskKindAssign:     {httpapi.DecisionAssign},
	events.TaskKindHandle:     {httpapi.DecisionProgress, httpapi.DecisionComplete},
	events.TaskKindContribute: {httpapi.DecisionContribute},
}

// handle delivers a decision on a task of an incoming document's handling
// (DOMAIN.md §5) to its workflow, which checks who may take it.
func (s *Server) handle(ctx context.Context, p auth.Principal, task readmodel.Task, decision httpapi.Decision, comment string, a httpapi.Assignment) (workflows.DecisionResult, error) {
	const op = "server.handle"
	allowed := handlingDecisions[task.TaskKind]
	if !slices.Contains(allowed, decision) {
		return workflows.DecisionResult{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("a %s task takes the decision %v, not %q", task.TaskKind, allowed, decision)).WithDetail("decision", "not for this task")
	}
	by := actor(p)
	switch decision {
	case httpapi.DecisionAssign:
		if a.Lead.Username == "" || a.Lead.Unit == "" {
			return workflows.DecisionResult{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
				"an assignment names the lead: {\"assignment\": {\"lead\": {\"unit\": \"…\", \"username\": \"…\"}}}").WithDetail("assignment.lead", "required")
		}
		if a.DeadlineWorkingDays > 0 && !a.Deadline.IsZero() {
			return workflows.DecisionResult{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
				"give the deadline either in working days or as a moment, not both").WithDetail("assignment.deadline", "both given")
		}
		lead, err := s.handler(ctx, p, task, a.Lead)
		if err != nil {
			return workflows.DecisionResult{}, err
		}
		assignment := incoming.Assignment{
			TaskID: task.ID, Lead: lead, DeadlineWorkingDays: a.DeadlineWorkingDays, Deadline: a.Deadline, Comment: comment, By: by,
		}
		for _, c := range a.Cooperators {
			h, err := s.handler(ctx, p, task, c)
			if err != nil {
				return workflows.DecisionResult{}, err
			}
			assignment.Cooperators = append(assignment.Cooperators, h)
		}
		return s.Decider.Handle(ctx, task.WorkflowID, incoming.UpdateAssign, assignment)
	case httpapi.DecisionProgress:
		return s.Decider.Handle(ctx, task.WorkflowID, incoming.UpdateProgress, incoming.Progress{TaskID: task.ID, Note: comment, By: by})
	case httpapi.DecisionContribute:
		return s.Decider.Handle(ctx, task.WorkflowID, incoming.UpdateContribute, incoming.Contribution{TaskID: task.ID, Opinion: comment, By: by})
	default: // complete
		return s.Decider.Handle(ctx, task.WorkflowID, incoming.UpdateComplete, incoming.Completion{TaskID: task.ID, Result: comment, By: by})
	}
}

// handler resolves a person named in an assignment through routing, which
// knows their position and the substitutes in force.
func (s *Server) handler(ctx context.Context, p auth.Principal, task readmodel.Task, h httpapi.HandlingPerson) (incoming.Handler, error) {
	a, err := natsx.Call(ctx, s.NATS, svc.RoutingAssignee, svc.AssigneeRequest{Username: h.Username, Kind: task.Kind, By: actor(p)})
	if err != nil {
		return incoming.Handler{}, err
	}
	return incoming.Handler{Unit: h.Unit, Username: a.Username, Position: a.Position, Substitutes: a.Substitutes}, nil
}
