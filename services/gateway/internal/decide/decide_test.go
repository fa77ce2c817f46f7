package decide

import (
	"errors"
	"testing"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
)

// A workflow's refusal reaches the person as the error of its type; what is
// not a refusal is the workflow having finished or not being reachable.
func TestClassify(t *testing.T) {
	t.Parallel()
	refusal := func(typ string) error {
		return errors.Join(errors.New("update failed"), temporal.NewApplicationError("nope", typ))
	}
	tests := []struct {
		name    string
		issue   bool
		err     error
		kind    errs.Kind
		code    errcode.Code
		msg     string
		details map[string]string
	}{
		{"task closed", false, refusal(workflows.ErrTaskClosed), errs.Conflict, errcode.TaskClosed, "nope", nil},
		{"not the assignee", false, refusal(workflows.ErrNotAssignee), errs.Forbidden, errcode.NotAssignee, "nope", nil},
		{"invalid decision", false, refusal(workflows.ErrInvalidDecision), errs.Invalid, errcode.InvalidArgument, "nope", map[string]string{"decision": "nope"}},
		{"recall too late", false, refusal(chain.ErrRecallTooLate), errs.Conflict, errcode.Conflict, "nope", nil},
		{"workflow finished", false, serviceerror.NewNotFound("gone"), errs.Conflict, errcode.TaskClosed, "the task is closed: the document's approval has finished", nil},
		{"unknown refusal", false, refusal("Other"), errs.Unavailable, errcode.Unavailable, "the decision could not be delivered; try again", nil},
		{"not a clerk", true, refusal(chain.ErrNotClerk), errs.Forbidden, errcode.Forbidden, "nope", nil},
		{"signature invalid", true, refusal(workflows.ErrPersonalSignatureInvalid), errs.Conflict, errcode.SignatureInvalid, "nope", nil},
		{"no organisation key", true, refusal(workflows.ErrNoOrganisationKey), errs.Internal, errcode.Internal, "nope; the operator has been alerted", nil},
		{"issue of a finished workflow", true, serviceerror.NewNotFound("gone"), errs.Conflict, errcode.Conflict,
			"the document is not waiting to be issued: its approval has finished or never started", nil},
		{"a decision's refusal in an issue", true, refusal(workflows.ErrTaskClosed), errs.Conflict, errcode.TaskClosed, "nope", nil},
	}
	for _, tt := range tests {
		err := classify("decide.Test", tt.err)
		if tt.issue {
			err = classifyIssue("decide.Test", err)
		}
		var e *errs.Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: %v is not an *errs.Error", tt.name, err)
		}
		if e.Kind != tt.kind || e.Code != tt.code || e.Message != tt.msg || len(e.Details) != len(tt.details) || e.Details["decision"] != tt.details["decision"] {
			t.Errorf("%s: %s %s %q %v, want %s %s %q %v", tt.name, e.Kind, e.Code, e.Message, e.Details, tt.kind, tt.code, tt.msg, tt.details)
		}
	}
}
