package deadlines_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/clerical/calendar"
	"github.com/docflow/docflow/services/routing/internal/deadlines"
	"github.com/docflow/docflow/services/routing/internal/routingtest"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
)

// The approval chain with routing's real PlanDeadlines activity, under the
// test environment's skipped time: a task opened on Friday 13/02/2026, the
// last working day before Tết, with three working days, is reminded on
// Tuesday 24/02 at 08:00 and escalated at its deadline, Wednesday 25/02
// 09:30 — never during the holiday. The supervisor then approves.
func TestReminderAndEscalationOnWorkingDaysAcrossTet(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 2, 13, 9, 30, 0, 0, vntime.Zone)
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)

	cal := routingtest.Calendar(t)
	acts := &deadlines.Planner{Calendar: cal}
	env.RegisterActivityWithOptions(acts.PlanDeadlines, activity.RegisterOptions{Name: workflows.ActivityPlanDeadlines})
	var (
		mu     sync.Mutex
		notice = map[events.Type]events.TaskNoticeData{}
	)
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.PublishEventInput) error {
		if in.Type == events.TaskReminded || in.Type == events.TaskEscalated {
			var n events.TaskNoticeData
			if err := json.Unmarshal(in.Data, &n); err != nil {
				return err
			}
			mu.Lock()
			notice[in.Type] = n
			mu.Unlock()
		}
		return nil
	}, activity.RegisterOptions{Name: workflows.ActivityPublishEvent})
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.SignDocumentInput) (workflows.SignDocumentResult, error) {
		return workflows.SignDocumentResult{Signed: in.Source, Level: "B-B"}, nil
	}, activity.RegisterOptions{Name: workflows.ActivitySignDocument})
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.ArchiveDocumentInput) (workflows.ArchiveDocumentResult, error) {
		return workflows.ArchiveDocumentResult{RecordID: "r-" + in.DocumentID, Object: in.Signed}, nil
	}, activity.RegisterOptions{Name: workflows.ActivityArchiveDocument})
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.AssignNumberInput) (workflows.AssignNumberResult, error) {
		return workflows.AssignNumberResult{Number: 1, Year: 2026, Register: "outgoing", Symbol: "01/QĐ-VPCP", IssuedAt: start}, nil
	}, activity.RegisterOptions{Name: workflows.ActivityAssignNumber})
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.SealDocumentInput) (workflows.SealDocumentResult, error) {
		return workflows.SealDocumentResult{Sealed: in.Signed, Level: "B-B"}, nil
	}, activity.RegisterOptions{Name: workflows.ActivitySealDocument})
	chain.Register(env)

	deadline := time.Date(2026, 2, 25, 9, 30, 0, 0, vntime.Zone)
	// The supervisor decides an hour after the deadline.
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(chain.QueryState)
		if err != nil {
			t.Error(err)
			return
		}
		var st chain.State
		if err := v.Get(&st); err != nil || len(st.Tasks) == 0 {
			t.Errorf("state %+v %v", st, err)
			return
		}
		env.UpdateWorkflow(chain.UpdateDecide, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { t.Errorf("supervisor refused: %v", err) }, OnComplete: func(any, error) {},
		}, workflows.Decision{TaskID: st.Tasks[0].ID, Decision: workflows.DecisionApprove, By: events.Actor{Username: "lanhdao", Role: "leader", Agency: "000.00.00.G22"}})
	}, deadline.Add(time.Hour).Sub(start))
	// The clerk issues the signed decision an hour later.
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(chain.UpdateIssue, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { t.Errorf("issue refused: %v", err) }, OnComplete: func(any, error) {},
		}, chain.Issue{By: events.Actor{Username: "vanthu", Role: chain.RoleClerk, Agency: "000.00.00.G22"}})
	}, deadline.Add(2*time.Hour).Sub(start))

	env.ExecuteWorkflow(chain.WorkflowName, chain.Input{
		Document: workflows.Document{
			DocumentID: "d1", Agency: "000.00.00.G22", Kind: "QUYET_DINH", Subject: "Quyết định", Urgency: "THUONG", ArrivalNumber: 1,
			Original: events.Object{Bucket: "b", Key: "originals/d1.pdf", SHA256: "ab", Size: 1},
		},
		Drafter: events.Actor{Username: "vanthu", Role: "clerk", Agency: "000.00.00.G22"},
		Plan: chain.Plan{RuleID: "r", RuleVersion: "1", Steps: []chain.Step{{
			ID: "s1", Name: "Chuyên viên xử lý", Mode: chain.ModeSingle, DeadlineWorkingDays: 3,
			Assignees: []workflows.Assignee{{Position: "cv", Username: "chuyenvien1", Supervisor: "lanhdao"}},
		}}},
	})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res chain.Result
	if err := env.GetWorkflowResult(&res); err != nil || res.Outcome != workflows.OutcomeArchived {
		t.Fatalf("result %+v %v", res, err)
	}
	if got, want := notice[events.TaskReminded].At, time.Date(2026, 2, 24, 8, 0, 0, 0, vntime.Zone); !got.Equal(want) {
		t.Errorf("reminded at %v, want %v", got.In(vntime.Zone), want)
	}
	if got := notice[events.TaskEscalated]; !got.At.Equal(deadline) || got.Supervisor != "lanhdao" {
		t.Errorf("escalated at %v to %q, want %v to lanhdao", got.At.In(vntime.Zone), got.Supervisor, deadline)
	}
	for typ, n := range notice {
		if !cal.IsWorkingDay(n.At) {
			t.Errorf("%s fired on %v, not a working day", typ, n.At.In(vntime.Zone))
		}
	}
}

// The workflow's PlanDeadlines activity counts working days on the
// calendar: a step opened on the last working day before Tết 2026 is due
// after it, with the reminder the working day before.
func TestPlanDeadlinesAcrossTet(t *testing.T) {
	t.Parallel()
	a := &deadlines.Planner{Calendar: routingtest.Calendar(t)}
	res, err := a.PlanDeadlines(t.Context(), workflows.PlanDeadlinesInput{From: time.Date(2026, 2, 13, 9, 30, 0, 0, vntime.Zone), WorkingDays: 3, Urgency: "THUONG"})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 2, 25, 9, 30, 0, 0, vntime.Zone); !res.Deadline.Equal(want) {
		t.Fatalf("deadline %v, want %v", res.Deadline, want)
	}
	if want := time.Date(2026, 2, 24, 8, 0, 0, 0, vntime.Zone); !res.RemindAt.Equal(want) {
		t.Fatalf("reminder %v, want %v", res.RemindAt, want)
	}
	if _, err := a.PlanDeadlines(t.Context(), workflows.PlanDeadlinesInput{From: time.Date(2031, 3, 2, 9, 0, 0, 0, vntime.Zone), WorkingDays: 3}); !errors.Is(err, calendar.ErrNotCovered) {
		t.Fatalf("a date without calendar data: %v", err)
	}
}
