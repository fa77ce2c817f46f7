package decide

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

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

// classifyIssue words the refusals and failures of an issue; update has
// already made every error an *errs.Error, keeping the cause.
func classifyIssue(op string, err error) error {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		msg := app.Message()
		switch app.Type() {
		case chain.ErrNotClerk:
			return errs.E(op, errs.Forbidden, errcode.Forbidden, msg)
		case chain.ErrNotAwaitingIssue:
			return errs.E(op, errs.Conflict, errcode.Conflict, msg)
		case workflows.ErrPersonalSignatureInvalid:
			// The document, not the request, is wrong: it must be signed again.
			return errs.E(op, errs.Conflict, errcode.SignatureInvalid, msg)
		case workflows.ErrUnregistered:
			return errs.E(op, errs.NotFound, errcode.NotFound, msg)
		case workflows.ErrCannotNumber, workflows.ErrUnsignablePDF:
			return errs.E(op, errs.Conflict, errcode.Conflict, msg)
		case workflows.ErrNoOrganisationKey, workflows.ErrSourceIntegrity:
			return errs.E(op, errs.Internal, errcode.Internal, msg+"; the operator has been alerted")
		}
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return errs.E(op, errs.Conflict, errcode.Conflict,
			"the document is not waiting to be issued: its approval has finished or never started").WithCause(err)
	}
	return err
}
