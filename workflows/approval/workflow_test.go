package approval_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/approval"
	"github.com/docflow/docflow/workflows/internal/workflowtest"
)

type recorder struct {
	deadline  time.Time
	published []events.Type
	signed    int
	archived  int
}

func newEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *recorder) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	rec := &recorder{}
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.PublishEventInput) error {
		if in.ID == "" {
			return errors.New("event without id")
		}
		rec.published = append(rec.published, in.Type)
		if in.Type == events.TaskAssigned {
			var d events.TaskAssignedData
			if err := json.Unmarshal(in.Data, &d); err != nil {
				return err
			}
			rec.deadline = d.Deadline
		}
		return nil
	}, activity.RegisterOptions{Name: workflows.ActivityPublishEvent})
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.SignDocumentInput) (workflows.SignDocumentResult, error) {
		rec.signed++
		return workflows.SignDocumentResult{Signed: events.Object{Bucket: "docs", Key: "signed/" + in.DocumentID + ".pdf", SHA256: "ab"}, Level: "B-B", SignedAt: time.Now()}, nil
	}, activity.RegisterOptions{Name: workflows.ActivitySignDocument})
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.ArchiveDocumentInput) (workflows.ArchiveDocumentResult, error) {
		rec.archived++
		return workflows.ArchiveDocumentResult{RecordID: "rec-" + in.DocumentID, Object: in.Signed}, nil
	}, activity.RegisterOptions{Name: workflows.ActivityArchiveDocument})
	approval.Register(env)
	return env, rec
}

// deadline is what routing computed on the working-day calendar.
var deadline = time.Date(2026, 2, 25, 9, 0, 0, 0, time.FixedZone("+07", 7*3600))

func input() approval.Input {
	return approval.Input{
		DocumentID: "doc-1", Agency: "000.00.00.G22", Kind: "QUYET_DINH", Subject: "Quyết định phê duyệt",
		Urgency: "THUONG", ArrivalNumber: 1, Approver: "chuyenvien1", Deadline: deadline,
		Original: events.Object{Bucket: "docs", Key: "originals/doc-1.pdf", SHA256: "cd", Size: 10},
	}
}

type updateResult struct {
	accepted bool
	err      error
	result   workflows.DecisionResult
}

func (u *updateResult) callbacks() *testsuite.TestUpdateCallback {
	return &testsuite.TestUpdateCallback{
		OnAccept: func() { u.accepted = true },
		OnReject: func(err error) { u.err = err },
		OnComplete: func(v any, err error) {
			if err != nil {
				u.err = err
				return
			}
			if r, ok := v.(workflows.DecisionResult); ok {
				u.result = r
			}
		},
	}
}

// decide sends a decision on the open task once the workflow has assigned it.
func decide(env *testsuite.TestWorkflowEnvironment, after time.Duration, user, decision, comment string, out *updateResult) {
	env.RegisterDelayedCallback(func() {
		st := state(env)
		env.UpdateWorkflow(approval.UpdateDecide, "", out.callbacks(), workflows.Decision{
			TaskID: st.Task.ID, Decision: decision, Comment: comment,
			By: events.Actor{Username: user, Role: "official", Agency: "000.00.00.G22"},
		})
	}, after)
}

func state(env *testsuite.TestWorkflowEnvironment) approval.State {
	v, err := env.QueryWorkflow(approval.QueryState)
	if err != nil {
		panic(err)
	}
	var st approval.State
	if err := v.Get(&st); err != nil {
		panic(err)
	}
	return st
}

func appErrType(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Type()
	}
	return ""
}

func TestApproveSignsThenArchives(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t)
	var u updateResult
	decide(env, time.Hour, "chuyenvien1", workflows.DecisionApprove, "Đồng ý", &u)
	env.ExecuteWorkflow(approval.WorkflowName, input())

	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res approval.Result
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Outcome != workflows.OutcomeArchived || res.RecordID != "rec-doc-1" {
		t.Fatalf("result = %+v", res)
	}
	if !u.accepted || u.err != nil || u.result.Decision != workflows.DecisionApprove {
		t.Fatalf("update: %+v", u)
	}
	if !rec.deadline.Equal(deadline) {
		t.Fatalf("task deadline %v, want the one routing computed, %v", rec.deadline, deadline)
	}
	if rec.signed != 1 || rec.archived != 1 {
		t.Fatalf("signed %d archived %d times, want once each", rec.signed, rec.archived)
	}
	want := []events.Type{events.TaskAssigned, events.TaskDecided, events.DocumentApproved}
	if len(rec.published) != len(want) {
		t.Fatalf("published %v, want %v", rec.published, want)
	}
	for i := range want {
		if rec.published[i] != want[i] {
			t.Fatalf("published %v, want %v", rec.published, want)
		}
	}
}

func TestRejectEndsWithoutSignature(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t)
	var u updateResult
	decide(env, time.Hour, "chuyenvien1", workflows.DecisionReject, "Sai thể thức", &u)
	env.ExecuteWorkflow(approval.WorkflowName, input())
	var res approval.Result
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Outcome != workflows.OutcomeRejected || rec.signed != 0 || rec.archived != 0 {
		t.Fatalf("result %+v, signed %d, archived %d", res, rec.signed, rec.archived)
	}
	if rec.published[len(rec.published)-1] != events.DocumentRejected {
		t.Fatalf("last event %v, want rejected", rec.published)
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
			var bad, good updateResult
			decide(env, time.Hour, tc.user, tc.decision, tc.comment, &bad)
			decide(env, 2*time.Hour, "chuyenvien1", workflows.DecisionApprove, "", &good)
			env.ExecuteWorkflow(approval.WorkflowName, input())
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			if bad.accepted || appErrType(bad.err) != tc.wantType {
				t.Fatalf("refused decision: accepted=%v err=%v, want type %s", bad.accepted, bad.err, tc.wantType)
			}
			if !good.accepted || rec.signed != 1 {
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
	var first, second updateResult
	decide(env, time.Hour, "chuyenvien1", workflows.DecisionApprove, "", &first)
	decide(env, 2*time.Hour, "chuyenvien1", workflows.DecisionReject, "đổi ý", &second)
	env.ExecuteWorkflow(approval.WorkflowName, input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if !first.accepted || second.accepted || appErrType(second.err) != workflows.ErrTaskClosed {
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
