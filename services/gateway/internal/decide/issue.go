package decide

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
)

// Issue sends a clerk's issue of a signed document (chain.UpdateIssue) and
// waits until the document is numbered and sealed, or the workflow says why
// not.
func (t Temporal) Issue(ctx context.Context, workflowID string, in chain.Issue) (chain.IssueResult, error) {
	const op = "decide.Issue"
	res, err := update[chain.IssueResult](ctx, t.Client, op, workflowID, chain.UpdateIssue, in)
	if err != nil {
		return chain.IssueResult{}, classifyIssue(op, err)
	}
	return res, nil
}

// issueRefusals are the refusals of an issue.
var issueRefusals = map[string]refusal{
	chain.ErrNotClerk:         {kind: errs.Forbidden, code: errcode.Forbidden},
	chain.ErrNotAwaitingIssue: {kind: errs.Conflict, code: errcode.Conflict},
	// The document, not the request, is wrong: it must be signed again.
	workflows.ErrPersonalSignatureInvalid: {kind: errs.Conflict, code: errcode.SignatureInvalid},
	workflows.ErrUnregistered:             {kind: errs.NotFound, code: errcode.NotFound},
	workflows.ErrCannotNumber:             {kind: errs.Conflict, code: errcode.Conflict},
	workflows.ErrUnsignablePDF:            {kind: errs.Conflict, code: errcode.Conflict},
	workflows.ErrNoOrganisationKey:        {kind: errs.Internal, code: errcode.Internal, alerted: true},
	workflows.ErrSourceIntegrity:          {kind: errs.Internal, code: errcode.Internal, alerted: true},
}

// classifyIssue words the refusals and failures of an issue; update has
// already made every error an *errs.Error, keeping the cause.
func classifyIssue(op string, err error) error {
	if e, ok := refused(op, err, issueRefusals); ok {
		return e
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return errs.E(op, errs.Conflict, errcode.Conflict,
			"the document is not waiting to be issued: its approval has finished or never started").WithCause(err)
	}
	return err
}
