package server

import (
	"context"

	"github.com/docflow/docflow/api/errcode"
	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/workflows/approval"
)

// deciders are the roles that receive approval tasks.
var deciders = []string{auth.RoleOfficial, auth.RoleLeader}

// ListInbox lists the caller's open tasks, earliest deadline first.
func (s *Server) ListInbox(ctx context.Context, req httpapi.ListInboxRequestObject) (httpapi.ListInboxResponseObject, error) {
	p := principal(ctx)
	if err := auth.Require(p, "have an inbox", deciders...); err != nil {
		return nil, err
	}
	size := 20
	if req.Params.PageSize != nil {
		size = *req.Params.PageSize
	}
	tasks, next, err := s.Read.Inbox(ctx, p.Agency, p.Username, size, req.Params.PageToken)
	if err != nil {
		return nil, err
	}
	out := httpapi.ListInbox200JSONResponse{Items: []httpapi.Task{}, NextPageToken: next}
	for _, t := range tasks {
		out.Items = append(out.Items, httpapi.Task{
			ID: t.ID, DocumentID: t.DocumentID, Subject: t.Subject, Kind: t.Kind, Urgency: httpapi.Urgency(t.Urgency),
			Assignee: t.Assignee, AssignedAt: t.AssignedAt, Deadline: t.Deadline, Status: httpapi.TaskStatus(t.Status),
		})
	}
	return out, nil
}

// DecideTask delivers the caller's decision to the document's workflow,
// which is the authority on whether it is allowed: the task must be open and
// the caller its assignee. The answer comes once the workflow has taken it.
func (s *Server) DecideTask(ctx context.Context, req httpapi.DecideTaskRequestObject) (httpapi.DecideTaskResponseObject, error) {
	p := principal(ctx)
	decision := ""
	if req.Body != nil {
		decision = string(req.Body.Decision)
	}
	res, err := s.decide(ctx, p, req)
	if err := s.audited(ctx, p, "task.decide", req.ID, decision, err); err != nil {
		return nil, err
	}
	return httpapi.DecideTask200JSONResponse{TaskID: res.TaskID, Decision: httpapi.Decision(res.Decision), DecidedAt: res.DecidedAt}, nil
}

func (s *Server) decide(ctx context.Context, p auth.Principal, req httpapi.DecideTaskRequestObject) (approval.DecisionResult, error) {
	const op = "server.DecideTask"
	if err := auth.Require(p, "decide tasks", deciders...); err != nil {
		return approval.DecisionResult{}, err
	}
	if req.Body == nil {
		return approval.DecisionResult{}, errs.E(op, errs.Invalid, errcode.InvalidArgument, "send {\"decision\": \"approve\"|\"reject\", \"comment\": \"…\"}")
	}
	task, err := s.Read.Task(ctx, p.Agency, req.ID)
	if err != nil {
		return approval.DecisionResult{}, err
	}
	return s.Decider.Decide(ctx, task.WorkflowID, approval.Decision{
		TaskID: task.ID, Decision: string(req.Body.Decision), Comment: req.Body.Comment, By: actor(p),
	})
}
