package chain_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
	"github.com/docflow/docflow/workflows/internal/workflowtest"
)

func TestSequentialChainSignedByTheLastApprover(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	mid := env.SnapshotAt(90 * time.Minute)
	a := approveAt(env, time.Hour, "truongphong")
	outOfTurn := approveAt(env, 100*time.Minute, "thutruong")
	b := approveAt(env, 2*time.Hour, "phovu")
	c := approveAt(env, 3*time.Hour, "thutruong")
	env.ExecuteWorkflow(chain.WorkflowName, input(
		single("phong", person("truongphong")), single("vu", person("phovu")), single("bo", person("thutruong"))))

	res := workflowtest.Result[chain.Result](env)
	if res.Outcome != workflows.OutcomeArchived || res.RecordID != "rec-doc-1" {
		t.Fatalf("result %+v", res)
	}
	workflowtest.Accepted(t, "step 1", a)
	workflowtest.Accepted(t, "step 2", b)
	workflowtest.Accepted(t, "step 3", c)
	workflowtest.Refused(t, "step 3 before its turn", outOfTurn, workflows.ErrTaskNotFound)
	if mid.StepID != "vu" || !slices.Equal(mid.WaitingFor, []string{"phovu"}) {
		t.Fatalf("after step 1: step %q waiting for %v, want vu waiting for phovu", mid.StepID, mid.WaitingFor)
	}
	if len(rec.signed) != 1 || rec.signed[0].Signer != "thutruong" || len(rec.archived) != 1 {
		t.Fatalf("signed %+v archived %d, want one signature by thutruong", rec.signed, len(rec.archived))
	}
	if rec.signed[0].SignerTitle != "Chức danh của thutruong" {
		t.Fatalf("signed with the title %q, want the last approver's position's", rec.signed[0].SignerTitle)
	}
	want := []events.Type{
		events.TaskAssigned, events.TaskDecided, events.TaskAssigned, events.TaskDecided,
		events.TaskAssigned, events.TaskDecided, events.DocumentApproved, events.DocumentNumbered,
	}
	if got := rec.Types(); !slices.Equal(got, want) {
		t.Fatalf("published %v, want %v", got, want)
	}
	if len(rec.Deadlines()) != 3 || rec.Deadlines()[0].WorkingDays != 3 || rec.Deadlines()[0].Urgency != "THUONG" {
		t.Fatalf("deadlines asked %+v, want one per step with its working days", rec.Deadlines())
	}
}

func TestParallelTwoOfThree(t *testing.T) {
	t.Parallel()
	m := []workflows.Assignee{person("vu1"), person("vu2"), person("vu3")}
	tests := []struct {
		name        string
		votes       []string // decisions of vu1, vu2, vu3 in that order; "" = none
		wantOutcome string
		lateVoter   string // decides after the step ended
		assigned    int
	}{
		{"two approvals complete it", []string{"approve", "", "approve"}, workflows.OutcomeArchived, "vu2", 5},
		{"one rejection is outvoted", []string{"reject", "approve", "approve"}, workflows.OutcomeArchived, "", 5},
		{"two rejections make it impossible", []string{"reject", "approve", "reject"}, workflows.OutcomeRejected, "", 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, rec := newEnv(t, fiveDays)
			approveAt(env, time.Hour, "chanhvanphong")
			var votes []*workflowtest.Outcome
			for i, v := range tc.votes {
				if v == "" {
					continue
				}
				u := m[i].Username
				votes = append(votes, decideAt(env, time.Duration(2+i)*time.Hour, u, official(u), v, "ý kiến của "+u))
			}
			var late *workflowtest.Outcome
			if tc.lateVoter != "" {
				late = approveAt(env, 10*time.Hour, tc.lateVoter)
			}
			step := chain.Step{ID: "vu", Mode: chain.ModeNOfM, Required: 2, Assignees: m, DeadlineWorkingDays: 2}
			approveAt(env, 20*time.Hour, "thutruong")
			env.ExecuteWorkflow(chain.WorkflowName, input(single("vp", person("chanhvanphong")), step, single("bo", person("thutruong"))))

			res := workflowtest.Result[chain.Result](env)
			if res.Outcome != tc.wantOutcome {
				t.Fatalf("outcome %s, want %s", res.Outcome, tc.wantOutcome)
			}
			for _, v := range votes {
				workflowtest.Accepted(t, "vote", v)
			}
			if late != nil {
				workflowtest.Refused(t, "vote after the step ended", late, workflows.ErrTaskClosed)
			}
			if got := rec.Count(events.TaskAssigned); got != tc.assigned {
				t.Fatalf("%d tasks assigned, want %d", got, tc.assigned)
			}
			signedWant := 0
			if tc.wantOutcome == workflows.OutcomeArchived {
				signedWant = 1
			}
			if len(rec.signed) != signedWant {
				t.Fatalf("signed %d times, want %d", len(rec.signed), signedWant)
			}
		})
	}
}

func TestContinueAsNewCarriesState(t *testing.T) {
	t.Parallel()
	steps := []chain.Step{single("phong", person("truongphong")), single("vu", person("vutruong"))}

	env, rec := newEnv(t, fiveDays)
	in := input(steps...)
	in.HistoryLimit = 100
	env.RegisterDelayedCallback(func() { env.SetCurrentHistoryLength(101) }, 61*time.Minute)
	first := approveAt(env, time.Hour, "truongphong")
	env.ExecuteWorkflow(chain.WorkflowName, in)

	workflowtest.Accepted(t, "step 1 before continuing", first)
	var can *workflow.ContinueAsNewError
	if !errors.As(env.GetWorkflowError(), &can) {
		t.Fatalf("workflow ended with %v, want continue-as-new", env.GetWorkflowError())
	}
	var next chain.Input
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	carried := next.Resume
	if carried == nil || carried.Step != 1 || len(carried.OpenTasks()) != 1 || carried.History[0].By != "truongphong" {
		t.Fatalf("carried state %+v, want step 2 open with step 1's approval in the history", carried)
	}
	if rec.Count(events.TaskAssigned) != 2 {
		t.Fatalf("first run assigned %d tasks", rec.Count(events.TaskAssigned))
	}

	env2, rec2 := newEnv(t, fiveDays)
	second := approveAt(env2, time.Hour, "vutruong")
	env2.ExecuteWorkflow(chain.WorkflowName, next)
	if res := workflowtest.Result[chain.Result](env2); res.Outcome != workflows.OutcomeArchived {
		t.Fatalf("outcome %s", res.Outcome)
	}
	workflowtest.Accepted(t, "step 2 after continuing", second)
	if got := rec2.Types(); !slices.Equal(got, []events.Type{events.TaskDecided, events.DocumentApproved, events.DocumentNumbered}) {
		t.Fatalf("second run published %v: the carried task must not be assigned again", got)
	}
	s := env2.State()
	if s.Runs != 1 || len(s.History) != 3 || rec2.signed[0].Signer != "vutruong" {
		t.Fatalf("state %+v", s)
	}
}

func TestInvalidPlanRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   chain.Input
	}{
		{"no steps", input()},
		{"single with two people", input(chain.Step{ID: "s", Mode: chain.ModeSingle, Assignees: []workflows.Assignee{person("a"), person("b")}})},
		{"n_of_m needing more than m", input(chain.Step{ID: "s", Mode: chain.ModeNOfM, Required: 3, Assignees: []workflows.Assignee{person("a"), person("b")}})},
		{"vacant position", input(single("s", workflows.Assignee{Position: "vu-truong"}))},
		{"unknown mode", input(chain.Step{ID: "s", Mode: "majority", Assignees: []workflows.Assignee{person("a")}})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, _ := newEnv(t, fiveDays)
			env.ExecuteWorkflow(chain.WorkflowName, tc.in)
			env.FailedWith(chain.ErrInvalidPlan)
		})
	}
}

// Histories recorded on the Temporal dev server (testdata/README.md: the
// four-step decision of the development rules, approved; a công văn
// rejected; a clerk's issue; a late substitute; an external step) replay
// against the current code.
func TestReplayRecordedHistories(t *testing.T) {
	t.Parallel()
	workflowtest.Replay(t, 5, chain.Register)
}
