package server

import (
	"context"
	"errors"
	"io"
	"mime/multipart"
	"strings"

	"go.uber.org/zap"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	httpapi "github.com/docflow/docflow/api/http/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
)

// maxCommentBytes bounds the free-text comment of a change.
const maxCommentBytes = 8 << 10

// ReassignTask lets a leader hand an open task to someone else. The new
// assignee is resolved by routing (position, supervisor, substitutes), and
// the workflow checks that the caller leads the document's agency.
func (s *Server) ReassignTask(ctx context.Context, req httpapi.ReassignTaskRequestObject) (httpapi.ReassignTaskResponseObject, error) {
	p := principal(ctx)
	var to, comment string
	if req.Body != nil {
		to, comment = strings.TrimSpace(req.Body.To), req.Body.Comment
	}
	res, err := s.reassign(ctx, p, req.ID, to)
	detail := "to=" + to
	if comment != "" {
		detail += " comment=" + comment
	}
	if err := s.audited(ctx, p, "task.reassign", req.ID, detail, err); err != nil {
		return nil, err
	}
	return httpapi.ReassignTask200JSONResponse(changeResult(res)), nil
}

func (s *Server) reassign(ctx context.Context, p auth.Principal, taskID, to string) (chain.ChangeResult, error) {
	const op = "server.ReassignTask"
	if err := auth.Require(p, "reassign tasks", auth.RoleLeader); err != nil {
		return chain.ChangeResult{}, err
	}
	if to == "" {
		return chain.ChangeResult{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			"send {\"to\": \"<username>\"}: whom the task goes to").WithDetail("to", "required")
	}
	task, err := s.Read.Task(ctx, p.Agency, taskID)
	if err != nil {
		return chain.ChangeResult{}, err
	}
	if task.TaskKind == events.TaskKindRead {
		return chain.ChangeResult{}, nothingToDecide(op, task)
	}
	a, err := natsx.Call(ctx, s.NATS, svc.RoutingAssignee, svc.AssigneeRequest{Username: to, Kind: task.Kind, By: actor(p)})
	if err != nil {
		return chain.ChangeResult{}, err
	}
	return s.Decider.Change(ctx, task.WorkflowID, chain.UpdateReassign, chain.Reassignment{TaskID: task.ID, To: a, By: actor(p)})
}

// ResubmitTask answers a revision task with the revised PDF, checked by
// intake like any upload, or with the document unchanged when no file is
// sent.
func (s *Server) ResubmitTask(ctx context.Context, req httpapi.ResubmitTaskRequestObject) (httpapi.ResubmitTaskResponseObject, error) {
	p := principal(ctx)
	res, detail, err := s.resubmit(ctx, p, req.ID, req.Body)
	if err := s.audited(ctx, p, "task.resubmit", req.ID, detail, err); err != nil {
		return nil, err
	}
	return httpapi.ResubmitTask200JSONResponse(changeResult(res)), nil
}

func (s *Server) resubmit(ctx context.Context, p auth.Principal, taskID string, body *multipart.Reader) (_ chain.ChangeResult, detail string, err error) {
	const op = "server.ResubmitTask"
	task, err := s.Read.Task(ctx, p.Agency, taskID)
	if err != nil {
		return chain.ChangeResult{}, "", err
	}
	if task.TaskKind == events.TaskKindRead {
		return chain.ChangeResult{}, "", nothingToDecide(op, task)
	}
	var (
		staged  *events.Object
		comment string
	)
	// The staged upload is intake's to remove once it is sent there; before
	// that, every failure removes it here.
	sent := false
	defer func() {
		if staged != nil && !sent {
			if derr := s.Objects.Delete(context.WithoutCancel(ctx), staged.Bucket, staged.Key, ""); derr != nil && !errors.Is(derr, objstore.ErrNotFound) {
				s.Log.Warn("staged revision not removed", zap.String("key", staged.Key), zap.Error(derr))
			}
		}
	}()
	if body != nil {
		for {
			part, perr := body.NextPart()
			if errors.Is(perr, io.EOF) {
				break
			}
			if perr != nil {
				return chain.ChangeResult{}, "", errs.E(op, errs.Invalid, errcode.InvalidArgument, "the multipart body is malformed: "+perr.Error())
			}
			switch part.FormName() {
			case "comment":
				b, rerr := io.ReadAll(io.LimitReader(part, maxCommentBytes+1))
				if rerr != nil || len(b) > maxCommentBytes {
					return chain.ChangeResult{}, "", errs.E(op, errs.Invalid, errcode.InvalidArgument, "the comment is unreadable or longer than 8 KiB").WithDetail("comment", "too long")
				}
				comment = string(b)
			case "file":
				if staged != nil {
					return chain.ChangeResult{}, "", errs.E(op, errs.Invalid, errcode.InvalidArgument, "send at most one file part").WithDetail("file", "repeated")
				}
				obj, serr := s.stage(ctx, part)
				staged = obj
				if serr != nil {
					return chain.ChangeResult{}, "", serr
				}
			}
			_ = part.Close()
		}
	}
	var original events.Object
	if staged != nil {
		sent = true
		rep, rerr := natsx.Call(ctx, s.NATS, svc.IntakeRevise, svc.ReviseRequest{DocumentID: task.DocumentID, Staged: *staged, By: actor(p)})
		if rerr != nil {
			return chain.ChangeResult{}, "", rerr
		}
		original = rep.Revision
		detail = "revision sha256=" + original.SHA256
	} else {
		doc, derr := s.Read.Document(ctx, s.reader(p), task.DocumentID)
		if derr != nil {
			return chain.ChangeResult{}, "", derr
		}
		original = doc.Object
		detail = "unchanged"
	}
	if comment != "" {
		detail += " comment=" + comment
	}
	res, err := s.Decider.Change(ctx, task.WorkflowID, chain.UpdateResubmit, chain.Resubmission{TaskID: task.ID, Original: original, By: actor(p)})
	return res, detail, err
}

// RecallDocument lets the drafter withdraw a document before it is signed.
func (s *Server) RecallDocument(ctx context.Context, req httpapi.RecallDocumentRequestObject) (httpapi.RecallDocumentResponseObject, error) {
	p := principal(ctx)
	var reason string
	if req.Body != nil {
		reason = req.Body.Reason
	}
	res, err := func() (chain.ChangeResult, error) {
		if _, err := s.Read.Document(ctx, s.reader(p), req.ID); err != nil {
			return chain.ChangeResult{}, err
		}
		return s.Decider.Change(ctx, workflows.ApprovalWorkflowID(req.ID), chain.UpdateRecall, chain.Recall{By: actor(p), Reason: reason})
	}()
	if err := s.audited(ctx, p, "document.recall", req.ID, reason, err); err != nil {
		return nil, err
	}
	return httpapi.RecallDocument200JSONResponse(changeResult(res)), nil
}

func changeResult(res chain.ChangeResult) httpapi.ChangeResult {
	return httpapi.ChangeResult{TaskIds: res.TaskIDs, At: res.At}
}

// RecordAgencyReply hands another agency's status receipt, which a clerk
// received outside the exchange, to the document's approval workflow.
func (s *Server) RecordAgencyReply(ctx context.Context, req httpapi.RecordAgencyReplyRequestObject) (httpapi.RecordAgencyReplyResponseObject, error) {
	const op = "server.RecordAgencyReply"
	p := principal(ctx)
	var body httpapi.AgencyReplyRequest
	if req.Body != nil {
		body = *req.Body
	}
	at := s.now()
	err := func() error {
		if err := auth.Require(p, "record other agencies' receipts", auth.RoleClerk); err != nil {
			return err
		}
		if body.Agency == "" {
			return errs.E(op, errs.Invalid, errcode.InvalidArgument, "name the agency that replied").WithDetail("agency", "required")
		}
		if body.Status == events.ReceiptRejected && strings.TrimSpace(body.Reason) == "" {
			return errs.E(op, errs.Invalid, errcode.InvalidArgument, "a refusal (02) needs the reason the agency gave").WithDetail("reason", "required with 02")
		}
		if _, err := s.Read.Document(ctx, s.reader(p), req.ID); err != nil {
			return err
		}
		return s.Decider.Reply(ctx, workflows.ApprovalWorkflowID(req.ID), chain.AgencyReply{
			Agency: body.Agency, StepID: body.StepID, Status: string(body.Status), Reason: body.Reason, At: at,
		})
	}()
	if err := s.audited(ctx, p, "document.agency_reply", req.ID, body.Agency+" "+string(body.Status), err); err != nil {
		return nil, err
	}
	return httpapi.RecordAgencyReply202JSONResponse{At: at}, nil
}
