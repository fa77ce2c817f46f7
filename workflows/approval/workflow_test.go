package approval_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/approval"
	"github.com/docflow/docflow/workflows/internal/workflowtest"
)

type testEnv = workflowtest.Env[approval.State]

// recorder counts the signatures and archivings besides routing's events.
type recorder struct {
	*workflowtest.Recorder
	mu               sync.Mutex
	signed, archived int
}

func newEnv(t *testing.T) (*testEnv, *recorder) {
	t.Helper()
	env, routing := workflowtest.NewEnv[approval.State](t, approval.QueryState, workflowtest.FiveDays)
	rec := &recorder{Recorder: routing}
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.SignDocumentInput) (workflows.SignDocumentResult, error) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.signed++
		return workflows.SignDocumentResult{Signed: events.Object{Bucket: "docs", Key: "signed/" + in.DocumentID + ".pdf", SHA256: "ab"}, Level: "B-B", SignedAt: time.Now()}, nil
	}, activity.RegisterOptions{Name: workflows.ActivitySignDocument})
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.ArchiveDocumentInput) (workflows.ArchiveDocumentResult, error) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.archived++
		return workflows.ArchiveDocumentResult{RecordID: "rec-" + in.DocumentID, Object: in.Signed}, nil
	}, activity.RegisterOptions{Name: workflows.ActivityArchiveDocument})
	approval.Register(env)
	return env, rec
}

// deadline is what routing computed on the working-day calendar.
var deadline = time.Date(2026, 2, 25, 9, 0, 0, 0, vntime.Zone)

func input() approval.Input {
	return approval.Input{
		Document: workflows.Document{
			DocumentID: workflowtest.DocumentID, Agency: workflowtest.Agency, Kind: "QUYET_DINH", Subject: "Quyết định phê duyệt",
			Urgency: "THUONG", ArrivalNumber: 1,
			Original: events.Object{Bucket: "docs", Key: "originals/doc-1.pdf", SHA256: "cd", Size: 10},
		},
		Approver: "chuyenvien1", Deadline: deadline,
	}
}

// decideAt sends a decision on the open task a while after the start.
func decideAt(env *testEnv, after time.Duration, user, decision, comment string) *workflowtest.Outcome {
	return env.At(after, approval.UpdateDecide, func(s approval.State) any {
		return workflows.Decision{
			TaskID: s.Task.ID, Decision: decision, Comment: comment,
			By: events.Actor{Username: user, Role: "official", Agency: workflowtest.Agency},
		}
	})
}

func TestApproveSignsThenArchives(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t)
	u := decideAt(env, time.Hour, "chuyenvien1", workflows.DecisionApprove, "Đồng ý")
	env.ExecuteWorkflow(approval.WorkflowName, input())

	res := workflowtest.Result[approval.Result](env)
	if res.Outcome != workflows.OutcomeArchived || res.RecordID != "rec-doc-1" {
		t.Fatalf("result = %+v", res)
	}
	workflowtest.Accepted(t, "approval", u)
	if r, ok := u.Value.(workflows.DecisionResult); !ok || r.Decision != workflows.DecisionApprove {
		t.Fatalf("update result: %+v", u.Value)
	}
	assigned := workflowtest.Payloads[events.TaskAssignedData](t, rec.Recorder, events.TaskAssigned)
	if len(assigned) != 1 || !assigned[0].Deadline.Equal(deadline) {
		t.Fatalf("task assigned %+v, want one with the deadline routing computed, %v", assigned, deadline)
	}
	if rec.signed != 1 || rec.archived != 1 {
		t.Fatalf("signed %d archived %d times, want once each", rec.signed, rec.archived)
	}
	want := []events.Type{events.TaskAssigned, events.TaskDecided, events.DocumentApproved}
	if got := rec.Types(); !slices.Equal(got, want) {
		t.Fatalf("published %v, want %v", got, want)
	}
}

func TestRejectEndsWithoutSignature(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t)
	decideAt(env, time.Hour, "chuyenvien1", workflows.DecisionReject, "Sai thể thức")
	env.ExecuteWorkflow(approval.WorkflowName, input())
	res := workflowtest.Result[approval.Result](env)
	if res.Outcome != workflows.OutcomeRejected || rec.signed != 0 || rec.archived != 0 {
		t.Fatalf("result %+v, signed %d, archived %d", res, rec.signed, rec.archived)
	}
	if got := rec.Types(); got[len(got)-1] != events.DocumentRejected {
		t.Fatalf("last event %v, want rejected", got)
	}
}

func TestRefusedDecisions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, user, decision, comment, wantType string
	}{
		{"someone else", "chuyenvien2", workflows.DecisionApprove, "", workflows.ErrNotAssignee},
		{"unknown decision", "chuyenvien1", "sign", "", workflows.ErrInvalidDecision},
		{"rejection without reason", "chuyenvien1", workflows.DecisionReject, "", workflows.ErrInvalidDecision},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, rec := newEnv(t)
			bad := decideAt(env, time.Hour, tc.user, tc.decision, tc.comment)
			good := decideAt(env, 2*time.Hour, "chuyenvien1", workflows.DecisionApprove, "")
			env.ExecuteWorkflow(approval.WorkflowName, input())
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			workflowtest.Refused(t, "refused decision", bad, tc.wantType)
			if !good.Accepted || rec.signed != 1 {
				t.Fatalf("the assignee's decision after a refusal: %+v signed=%d", good, rec.signed)
			}
		})
	}
}

func TestSecondDecisionRefused(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t)
	// Signing takes a while, so the workflow is still open when the
	// second decision arrives.
	env.OnActivity(workflows.ActivitySignDocument, mockAnyArgs(), mockAnyArgs()).After(3*time.Hour).Return(
		workflows.SignDocumentResult{Signed: events.Object{Key: "signed/doc-1.pdf", SHA256: "ab"}}, nil)
	first := decideAt(env, time.Hour, "chuyenvien1", workflows.DecisionApprove, "")
	second := decideAt(env, 2*time.Hour, "chuyenvien1", workflows.DecisionReject, "đổi ý")
	env.ExecuteWorkflow(approval.WorkflowName, input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if !first.Accepted || second.Accepted || second.ErrType() != workflows.ErrTaskClosed {
		t.Fatalf("first %+v second %+v", first, second)
	}
	if rec.archived != 1 {
		t.Fatalf("archived %d times", rec.archived)
	}
}

// The histories in testdata (testdata/README.md) replay against the frozen
// workflow: it schedules the same commands in the same order as when they
// were recorded.
func TestReplayRecordedHistories(t *testing.T) {
	t.Parallel()
	workflowtest.Replay(t, 2, approval.Register)
}
