package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/docflow/docflow/api/errcode"
	httpapi "github.com/docflow/docflow/api/http/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
)

// maxBulkIssues is the most documents one bulk issue takes; they are issued
// bulkConcurrency at a time, as bulk decisions are.
const maxBulkIssues = 100

// IssueDocument lets a clerk number and seal a signed document. The
// workflow is the authority on whether it may be issued now; the gateway
// checks the role first so that a refusal needs no round trip.
func (s *Server) IssueDocument(ctx context.Context, req httpapi.IssueDocumentRequestObject) (httpapi.IssueDocumentResponseObject, error) {
	p := principal(ctx)
	attachment := req.Body != nil && req.Body.Attachment
	res, err := s.issueAudited(ctx, p, req.ID, attachment)
	if err != nil {
		return nil, err
	}
	return httpapi.IssueDocument200JSONResponse(res), nil
}

// IssueDocuments issues each of a list of documents on its own, as
// IssueDocument would, a few at a time, and answers with one result per
// document in the order they were sent.
func (s *Server) IssueDocuments(ctx context.Context, req httpapi.IssueDocumentsRequestObject) (httpapi.IssueDocumentsResponseObject, error) {
	const op = "server.IssueDocuments"
	p := principal(ctx)
	if err := auth.Require(p, "issue documents", auth.RoleClerk); err != nil {
		// Refused as a whole, and recorded against each document as its own
		// refused issue would be.
		if req.Body != nil {
			for _, id := range req.Body.DocumentIds[:min(len(req.Body.DocumentIds), maxBulkIssues)] {
				_ = s.audited(ctx, p, "document.issue", id, "", err)
			}
		}
		return nil, err
	}
	if req.Body == nil || len(req.Body.DocumentIds) == 0 {
		return nil, errs.E(op, errs.Invalid, errcode.InvalidArgument,
			`send {"document_ids": ["…", …]}: the signed documents to number and seal`).WithDetail("document_ids", "required")
	}
	ids := req.Body.DocumentIds
	if len(ids) > maxBulkIssues {
		return nil, tooMany(op, "document_ids", "documents", len(ids), maxBulkIssues)
	}
	results := eachOnce(ids, func(id string) string { return id },
		func(id string) httpapi.BulkIssueOutcome {
			res, err := s.issueAudited(ctx, p, id, req.Body.Attachment)
			return issueOutcome(id, res, err)
		},
		func(i, first int) httpapi.BulkIssueOutcome {
			id := ids[i]
			return issueOutcome(id, httpapi.IssueResult{}, errs.E(op, errs.Invalid, errcode.InvalidArgument,
				fmt.Sprintf("document %s is already issued by item %d of this call", id, first+1)).WithDetail(fmt.Sprintf("document_ids[%d]", i), "repeated"))
		})
	return httpapi.IssueDocuments200JSONResponse{Results: results}, nil
}

func issueOutcome(id string, res httpapi.IssueResult, err error) httpapi.BulkIssueOutcome {
	if err == nil {
		return httpapi.BulkIssueOutcome{DocumentID: id, Status: httpapi.BulkDecisionStatusDone, IssueResult: &res}
	}
	status, e := failure(err)
	return httpapi.BulkIssueOutcome{DocumentID: id, Status: status, Error: e}
}

// issueAudited issues one document and records the attempt in the audit
// trail, with the symbol it got.
func (s *Server) issueAudited(ctx context.Context, p auth.Principal, id string, attachment bool) (httpapi.IssueResult, error) {
	res, err := s.issue(ctx, p, id, attachment)
	detail := ""
	if attachment {
		detail = "attachment"
	}
	if err == nil {
		detail = strings.TrimSpace("symbol=" + res.Symbol + " " + detail)
	}
	if err := s.audited(ctx, p, "document.issue", id, detail, err); err != nil {
		return httpapi.IssueResult{}, err
	}
	return httpapi.IssueResult{DocumentID: id, Number: res.Number, Symbol: res.Symbol, IssuedAt: res.IssuedAt}, nil
}

func (s *Server) issue(ctx context.Context, p auth.Principal, id string, attachment bool) (chain.IssueResult, error) {
	if err := auth.Require(p, "issue documents", auth.RoleClerk); err != nil {
		return chain.IssueResult{}, err
	}
	// Only a document of the caller's agency: another agency's is not found.
	if _, err := s.Read.Document(ctx, s.reader(p), id); err != nil {
		return chain.IssueResult{}, err
	}
	return s.Issuer.Issue(ctx, workflows.ApprovalWorkflowID(id), chain.Issue{By: actor(p), Attachment: attachment})
}

// GetDocumentSignatures has the signing service verify the document's
// latest PDF: the sealed one once issued, else the personally signed one
// once signed, else the registered original (which may carry signatures
// of its own, as an incoming document does).
func (s *Server) GetDocumentSignatures(ctx context.Context, req httpapi.GetDocumentSignaturesRequestObject) (httpapi.GetDocumentSignaturesResponseObject, error) {
	p := principal(ctx)
	var out httpapi.SignatureReport
	which, err := s.verifyDocument(ctx, p, req.ID, &out)
	if err := s.audited(ctx, p, "document.verify", req.ID, which, err); err != nil {
		return nil, err
	}
	return httpapi.GetDocumentSignatures200JSONResponse(out), nil
}

func (s *Server) verifyDocument(ctx context.Context, p auth.Principal, id string, out *httpapi.SignatureReport) (string, error) {
	const op = "server.GetDocumentSignatures"
	d, err := s.Read.Document(ctx, s.reader(p), id)
	if err != nil {
		return "", err
	}
	obj, which := d.Latest()
	rep, err := natsx.Call(ctx, s.NATS, svc.SigningVerify, svc.VerifyRequest{Object: obj, By: actor(p)})
	if err != nil {
		return which, err
	}
	// The HTTP report has the service report's JSON shape.
	data, err := json.Marshal(rep)
	if err == nil {
		err = json.Unmarshal(data, out)
	}
	if err != nil {
		return which, errs.E(op, errs.Internal, errcode.Internal, "the verification report could not be read").WithCause(err)
	}
	return which, nil
}
