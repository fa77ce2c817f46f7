package server

import (
	"context"
	"fmt"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	httpapi "github.com/docflow/docflow/api/http/v1"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/workflows"
)

// nothingToDecide refuses an action on a read item: a document dispatched to
// the person's unit for information, which no workflow waits on.
func nothingToDecide(op string, task readmodel.Task) error {
	return errs.E(op, errs.Invalid, errcode.InvalidArgument,
		fmt.Sprintf("task %s is for information only (document %s was dispatched to your unit): there is nothing to decide; read it with GET /v1/documents/%s",
			task.ID, task.DocumentID, task.DocumentID)).WithDetail("task", "for information only")
}

// deciders are the roles that receive approval tasks.
var deciders = []string{auth.RoleOfficial, auth.RoleLeader}

// maxBulkDecisions is the most decisions one bulk call takes.
const maxBulkDecisions = 100

// ListInbox lists the caller's open tasks, filtered and sorted as asked.
func (s *Server) ListInbox(ctx context.Context, req httpapi.ListInboxRequestObject) (httpapi.ListInboxResponseObject, error) {
	// Everyone may have tasks: officials and leaders decide, and a clerk who
	// drafted a document gets it back for revision.
	p := principal(ctx)
	tasks, next, err := s.Read.Inbox(ctx, readmodel.InboxQuery{
		Agency: p.Agency, Assignee: p.Username,
		Overdue: req.Params.Overdue, Urgent: req.Params.Urgent, Kind: req.Params.Kind, IssuerID: string(req.Params.Agency),
		Sort: string(req.Params.Sort), PageSize: pageSize(req.Params.PageSize), PageToken: req.Params.PageToken, Now: s.now(),
	})
	if err != nil {
		return nil, err
	}
	items := listOf(tasks, func(t readmodel.Task) httpapi.Task { return inboxTask(t, p.Username) })
	return httpapi.ListInbox200JSONResponse{Items: items, NextPageToken: next}, nil
}

// inboxTask is t as shown in the inbox of username.
func inboxTask(t readmodel.Task, username string) httpapi.Task {
	waiting := t.WaitingFor
	if waiting == nil {
		waiting = []string{}
	}
	out := httpapi.Task{
		ID: t.ID, DocumentID: t.DocumentID, Subject: t.Subject, Kind: t.Kind, Urgency: httpapi.Urgency(t.Urgency),
		Assignee: t.Assignee, AssignedAt: t.AssignedAt, Status: httpapi.TaskStatus(t.Status),
		WaitingFor: waiting, Overdue: t.Overdue, IssuerID: t.IssuerID, TaskKind: httpapi.TaskKind(t.TaskKind),
	}
	if t.HasDeadline() {
		out.Deadline = &t.Deadline
	}
	if t.Assignee != username {
		// In the inbox as a substitute.
		out.OnBehalfOf = t.Assignee
	}
	return out
}

// DecideTask delivers the caller's decision to the document's workflow,
// which is the authority on whether it is allowed: the task must be open and
// the caller its assignee. The answer comes once the workflow has taken it.
func (s *Server) DecideTask(ctx context.Context, req httpapi.DecideTaskRequestObject) (httpapi.DecideTaskResponseObject, error) {
	p := principal(ctx)
	var body httpapi.DecisionRequest
	if req.Body != nil {
		body = *req.Body
	}
	res, err := s.decideAudited(ctx, p, req.ID, body.Decision, body.Comment, body.Assignment)
	if err != nil {
		return nil, err
	}
	return httpapi.DecideTask200JSONResponse(decisionResult(res)), nil
}

// DecideTasks decides each of a list of tasks on its own, as DecideTask
// would, a few at a time, and answers with one result per decision in the
// order they were sent.
func (s *Server) DecideTasks(ctx context.Context, req httpapi.DecideTasksRequestObject) (httpapi.DecideTasksResponseObject, error) {
	const op = "server.DecideTasks"
	p := principal(ctx)
	if err := auth.Require(p, "decide tasks", deciders...); err != nil {
		// Refused as a whole, and recorded against each task as its own
		// refused decision would be.
		if req.Body != nil {
			for _, item := range req.Body.Decisions[:min(len(req.Body.Decisions), maxBulkDecisions)] {
				_ = s.audited(ctx, p, "task.decide", item.TaskID, string(item.Decision), err)
			}
		}
		return nil, err
	}
	if req.Body == nil || len(req.Body.Decisions) == 0 {
		return nil, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			"send {\"decisions\": [{\"task_id\": \"…\", \"decision\": \"approve\"|\"reject\", \"comment\": \"…\"}, …]}").
			WithDetail("decisions", "required")
	}
	items := req.Body.Decisions
	if len(items) > maxBulkDecisions {
		return nil, tooMany(op, "decisions", "decisions", len(items), maxBulkDecisions)
	}
	// A task named twice would race itself; the first of them is decided
	// and the others refused, which is what deciding twice would give.
	results := eachOnce(items, func(item httpapi.BulkDecision) string { return item.TaskID },
		func(item httpapi.BulkDecision) httpapi.BulkDecisionOutcome {
			res, err := s.decideAudited(ctx, p, item.TaskID, item.Decision, item.Comment, httpapi.Assignment{})
			return outcome(item.TaskID, res, err)
		},
		func(i, first int) httpapi.BulkDecisionOutcome {
			id := items[i].TaskID
			return outcome(id, workflows.DecisionResult{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
				fmt.Sprintf("task %s is already decided by decision %d of this call", id, first+1)).WithDetail(fmt.Sprintf("decisions[%d].task_id", i), "repeated"))
		})
	return httpapi.DecideTasks200JSONResponse{Results: results}, nil
}

// outcome is the result of one decision of a bulk call.
func outcome(taskID string, res workflows.DecisionResult, err error) httpapi.BulkDecisionOutcome {
	if err == nil {
		r := decisionResult(res)
		return httpapi.BulkDecisionOutcome{TaskID: taskID, Status: httpapi.BulkDecisionStatusDone, DecisionResult: &r}
	}
	status, e := failure(err)
	return httpapi.BulkDecisionOutcome{TaskID: taskID, Status: status, Error: e}
}

func decisionResult(res workflows.DecisionResult) httpapi.DecisionResult {
	return httpapi.DecisionResult{TaskID: res.TaskID, Decision: httpapi.Decision(res.Decision), DecidedAt: res.DecidedAt, OnBehalfOf: res.OnBehalfOf}
}

// decideAudited decides one task and records the attempt in the audit trail.
func (s *Server) decideAudited(ctx context.Context, p auth.Principal, taskID string, decision httpapi.Decision, comment string, a httpapi.Assignment) (workflows.DecisionResult, error) {
	res, err := s.decide(ctx, p, taskID, decision, comment, a)
	detail := string(decision)
	if res.OnBehalfOf != "" {
		// The audit trail says for whom a substitute or supervisor acted.
		detail += " on_behalf_of=" + res.OnBehalfOf
	}
	if err := s.audited(ctx, p, "task.decide", taskID, detail, err); err != nil {
		return workflows.DecisionResult{}, err
	}
	return res, nil
}

func (s *Server) decide(ctx context.Context, p auth.Principal, taskID string, decision httpapi.Decision, comment string, a httpapi.Assignment) (workflows.DecisionResult, error) {
	const op = "server.decide"
	if err := auth.Require(p, "decide tasks", deciders...); err != nil {
		return workflows.DecisionResult{}, err
	}
	// Which decisions exist is the workflow's to say; an absent one is
	// surely a mistake.
	if decision == "" {
		return workflows.DecisionResult{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			"send {\"decision\": \"approve\"|\"reject\", \"comment\": \"…\"}").WithDetail("decision", "required")
	}
	task, err := s.Read.Task(ctx, p.Agency, taskID)
	if err != nil {
		return workflows.DecisionResult{}, err
	}
	switch task.TaskKind {
	case events.TaskKindAssign, events.TaskKindHandle, events.TaskKindContribute:
		return s.handle(ctx, p, task, decision, comment, a)
	case events.TaskKindRead:
		return workflows.DecisionResult{}, nothingToDecide(op, task)
	case events.TaskKindIssue:
		return workflows.DecisionResult{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("task %s asks for the issue of document %s: issue it with POST /v1/documents/%s/issue", task.ID, task.DocumentID, task.DocumentID)).
			WithDetail("decision", "an issue task is closed by the issue")
	}
	return s.Decider.Decide(ctx, task.WorkflowID, workflows.Decision{
		TaskID: task.ID, Decision: string(decision), Comment: comment, By: actor(p),
	})
}
