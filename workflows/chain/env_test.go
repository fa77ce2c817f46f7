package chain_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
	"github.com/docflow/docflow/workflows/internal/workflowtest"
)

const agency = workflowtest.Agency

var (
	start = workflowtest.Start
	// fiveDays stands in for routing's calendar in tests that do not look
	// at deadlines.
	fiveDays = workflowtest.FiveDays
)

// testEnv runs one chain; its State is chain.State.
type testEnv = workflowtest.Env[chain.State]

// recorder records what the chain asked of routing, signing, intake and
// the archive.
type recorder struct {
	*workflowtest.Recorder
	mu       sync.Mutex
	signed   []workflows.SignDocumentInput
	numbered []workflows.AssignNumberInput
	sealed   []workflows.SealDocumentInput
	archived []workflows.ArchiveDocumentInput
}

// clerk is the agency's văn thư, who issues signed documents.
var clerk = events.Actor{Username: "vanthu", Role: chain.RoleClerk, Agency: agency}

// newEnv is the test environment with every activity the workflow calls.
// The clerk issues each document an hour after it is signed, as the tests
// that are not about the issue expect it archived.
func newEnv(t *testing.T, deadlines func(workflows.PlanDeadlinesInput) workflows.PlanDeadlinesResult) (*testEnv, *recorder) {
	t.Helper()
	env, rec := newIssueEnv(t, deadlines, nil)
	env.SetOnActivityCompletedListener(func(info *activity.Info, _ converter.EncodedValue, err error) {
		if info.ActivityType.Name == workflows.ActivitySignDocument && err == nil {
			env.RegisterDelayedCallback(func() {
				env.UpdateWorkflow(chain.UpdateIssue, "", &testsuite.TestUpdateCallback{
					OnAccept: func() {}, OnReject: func(err error) { t.Errorf("issue refused: %v", err) },
					OnComplete: func(_ any, err error) {
						if err != nil {
							t.Errorf("issue failed: %v", err)
						}
					},
				}, chain.Issue{By: clerk})
			}, time.Hour)
		}
	})
	return env, rec
}

// newIssueEnv is the test environment whose SealDocument answers with seal
// (nil: a sealed PDF).
func newIssueEnv(t *testing.T, deadlines func(workflows.PlanDeadlinesInput) workflows.PlanDeadlinesResult,
	seal func(workflows.SealDocumentInput) (workflows.SealDocumentResult, error)) (*testEnv, *recorder) {
	t.Helper()
	env, routing := workflowtest.NewEnv[chain.State](t, chain.QueryState, deadlines)
	rec := &recorder{Recorder: routing}
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.SignDocumentInput) (workflows.SignDocumentResult, error) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.signed = append(rec.signed, in)
		return workflows.SignDocumentResult{Signed: events.Object{Bucket: "docs", Key: "signed/" + in.DocumentID + ".pdf", SHA256: "ab"}, Level: "B-B"}, nil
	}, activity.RegisterOptions{Name: workflows.ActivitySignDocument})
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.ArchiveDocumentInput) (workflows.ArchiveDocumentResult, error) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.archived = append(rec.archived, in)
		return workflows.ArchiveDocumentResult{RecordID: "rec-" + in.DocumentID, Object: in.Signed}, nil
	}, activity.RegisterOptions{Name: workflows.ActivityArchiveDocument})
	// Intake gives the first number once per document, as its register does.
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.AssignNumberInput) (workflows.AssignNumberResult, error) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.numbered = append(rec.numbered, in)
		return workflows.AssignNumberResult{Number: 7, Year: 2026, Register: "outgoing", Symbol: "07/QĐ-VPCP", IssuedAt: start}, nil
	}, activity.RegisterOptions{Name: workflows.ActivityAssignNumber})
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.SealDocumentInput) (workflows.SealDocumentResult, error) {
		rec.mu.Lock()
		rec.sealed = append(rec.sealed, in)
		rec.mu.Unlock()
		if seal != nil {
			return seal(in)
		}
		return workflows.SealDocumentResult{Sealed: events.Object{Bucket: "docs", Key: "sealed/" + in.DocumentID + ".pdf", SHA256: "ef"}, Level: "B-B"}, nil
	}, activity.RegisterOptions{Name: workflows.ActivitySealDocument})
	chain.Register(env)
	return env, rec
}

// runTo runs the chain on in and fails the test unless it ends with
// outcome.
func runTo(t *testing.T, env *testEnv, outcome string, in chain.Input) chain.Result {
	t.Helper()
	env.ExecuteWorkflow(chain.WorkflowName, in)
	res := workflowtest.Result[chain.Result](env)
	if res.Outcome != outcome {
		t.Fatalf("outcome %s, want %s", res.Outcome, outcome)
	}
	return res
}

func person(username string) workflows.Assignee {
	return workflows.Assignee{Position: "pos-" + username, Title: "Chức danh của " + username, Username: username}
}

func single(id string, a workflows.Assignee) chain.Step {
	return chain.Step{ID: id, Name: "Bước " + id, Mode: chain.ModeSingle, Assignees: []workflows.Assignee{a}, DeadlineWorkingDays: 3}
}

func input(steps ...chain.Step) chain.Input {
	return chain.Input{
		Document: workflows.Document{
			DocumentID: workflowtest.DocumentID, Agency: agency, Kind: "QUYET_DINH", Subject: "Quyết định phê duyệt",
			Urgency: "THUONG", ArrivalNumber: 1,
			Original: events.Object{Bucket: "docs", Key: "originals/doc-1.pdf", SHA256: "cd", Size: 10},
		},
		Drafter: events.Actor{Username: "drafter", Role: "official", Agency: agency},
		Plan:    chain.Plan{RuleID: "quyet-dinh", RuleVersion: "1", Steps: steps},
	}
}

func official(username string) events.Actor {
	return events.Actor{Username: username, Role: "official", Agency: agency}
}

func decideAt(env *testEnv, after time.Duration, assignee string, by events.Actor, decision, comment string) *workflowtest.Outcome {
	return env.At(after, chain.UpdateDecide, func(s chain.State) any {
		return workflows.Decision{TaskID: workflowtest.TaskOf(s.Tasks, assignee), Decision: decision, Comment: comment, By: by}
	})
}

func approveAt(env *testEnv, after time.Duration, username string) *workflowtest.Outcome {
	return decideAt(env, after, username, official(username), workflows.DecisionApprove, "Đồng ý")
}
