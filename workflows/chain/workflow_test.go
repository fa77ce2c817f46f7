package chain_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/workflows/approval"
	"github.com/docflow/docflow/workflows/chain"
)

const agency = "000.00.00.G22"

// start is the Friday before Tết Bính Ngọ 2026, when every test starts.
var start = time.Date(2026, 2, 13, 9, 30, 0, 0, vntime.Zone)

type published struct {
	Type events.Type
	Data json.RawMessage
}

type recorder struct {
	mu        sync.Mutex
	published []published
	deadlines []chain.PlanDeadlinesInput
	signed    []approval.SignDocumentInput
	numbered  []chain.AssignNumberInput
	sealed    []chain.SealDocumentInput
	archived  []approval.ArchiveDocumentInput
}

func (r *recorder) types() []events.Type {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ts []events.Type
	for _, p := range r.published {
		ts = append(ts, p.Type)
	}
	return ts
}

func (r *recorder) count(t events.Type) int {
	n := 0
	for _, v := range r.types() {
		if v == t {
			n++
		}
	}
	return n
}

// fiveDays stands in for routing's calendar in tests that do not look at
// deadlines: far enough that no timer fires while people decide.
func fiveDays(in chain.PlanDeadlinesInput) chain.PlanDeadlinesResult {
	d := in.From.AddDate(0, 0, 5)
	return chain.PlanDeadlinesResult{Deadline: d, RemindAt: d.AddDate(0, 0, -1)}
}

// clerk is the agency's văn thư, who issues signed documents.
var clerk = events.Actor{Username: "vanthu", Role: chain.RoleClerk, Agency: agency}

// newEnv is the test environment with every activity the workflow calls.
// The clerk issues each document an hour after it is signed, as the tests
// that are not about the issue expect it archived.
func newEnv(t *testing.T, deadlines func(chain.PlanDeadlinesInput) chain.PlanDeadlinesResult) (*testsuite.TestWorkflowEnvironment, *recorder) {
	t.Helper()
	env, rec := newIssueEnv(t, deadlines, nil)
	env.SetOnActivityCompletedListener(func(info *activity.Info, _ converter.EncodedValue, err error) {
		if info.ActivityType.Name == approval.ActivitySignDocument && err == nil {
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
func newIssueEnv(t *testing.T, deadlines func(chain.PlanDeadlinesInput) chain.PlanDeadlinesResult,
	seal func(chain.SealDocumentInput) (chain.SealDocumentResult, error)) (*testsuite.TestWorkflowEnvironment, *recorder) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	rec := &recorder{}
	env.RegisterActivityWithOptions(func(_ context.Context, in approval.PublishEventInput) error {
		if in.ID == "" {
			return errors.New("event without id")
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.published = append(rec.published, published{Type: in.Type, Data: in.Data})
		return nil
	}, activity.RegisterOptions{Name: approval.ActivityPublishEvent})
	env.RegisterActivityWithOptions(func(_ context.Context, in chain.PlanDeadlinesInput) (chain.PlanDeadlinesResult, error) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.deadlines = append(rec.deadlines, in)
		return deadlines(in), nil
	}, activity.RegisterOptions{Name: chain.ActivityPlanDeadlines})
	env.RegisterActivityWithOptions(func(_ context.Context, in approval.SignDocumentInput) (approval.SignDocumentResult, error) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.signed = append(rec.signed, in)
		return approval.SignDocumentResult{Signed: events.Object{Bucket: "docs", Key: "signed/" + in.DocumentID + ".pdf", SHA256: "ab"}, Level: "B-B"}, nil
	}, activity.RegisterOptions{Name: approval.ActivitySignDocument})
	env.RegisterActivityWithOptions(func(_ context.Context, in approval.ArchiveDocumentInput) (approval.ArchiveDocumentResult, error) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.archived = append(rec.archived, in)
		return approval.ArchiveDocumentResult{RecordID: "rec-" + in.DocumentID, Object: in.Signed}, nil
	}, activity.RegisterOptions{Name: approval.ActivityArchiveDocument})
	// Intake gives the first number once per document, as its register does.
	env.RegisterActivityWithOptions(func(_ context.Context, in chain.AssignNumberInput) (chain.AssignNumberResult, error) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.numbered = append(rec.numbered, in)
		return chain.AssignNumberResult{Number: 7, Year: 2026, Register: "outgoing", Symbol: "07/QĐ-VPCP", IssuedAt: start}, nil
	}, activity.RegisterOptions{Name: chain.ActivityAssignNumber})
	env.RegisterActivityWithOptions(func(_ context.Context, in chain.SealDocumentInput) (chain.SealDocumentResult, error) {
		rec.mu.Lock()
		rec.sealed = append(rec.sealed, in)
		rec.mu.Unlock()
		if seal != nil {
			return seal(in)
		}
		return chain.SealDocumentResult{Sealed: events.Object{Bucket: "docs", Key: "sealed/" + in.DocumentID + ".pdf", SHA256: "ef"}, Level: "B-B"}, nil
	}, activity.RegisterOptions{Name: chain.ActivitySealDocument})
	chain.Register(env)
	return env, rec
}

func person(username string) chain.Assignee {
	return chain.Assignee{Position: "pos-" + username, Title: "Chức danh của " + username, Username: username}
}

func single(id string, a chain.Assignee) chain.Step {
	return chain.Step{ID: id, Name: "Bước " + id, Mode: chain.ModeSingle, Assignees: []chain.Assignee{a}, DeadlineWorkingDays: 3}
}

func input(steps ...chain.Step) chain.Input {
	return chain.Input{
		DocumentID: "doc-1", Agency: agency, Kind: "QUYET_DINH", Subject: "Quyết định phê duyệt",
		Urgency: "THUONG", ArrivalNumber: 1,
		Original: events.Object{Bucket: "docs", Key: "originals/doc-1.pdf", SHA256: "cd", Size: 10},
		Drafter:  events.Actor{Username: "drafter", Role: "official", Agency: agency},
		Plan:     chain.Plan{RuleID: "quyet-dinh", RuleVersion: "1", Steps: steps},
	}
}

func official(username string) events.Actor {
	return events.Actor{Username: username, Role: "official", Agency: agency}
}

type outcome struct {
	accepted bool
	err      error
	value    any
}

func (o *outcome) callbacks() *testsuite.TestUpdateCallback {
	return &testsuite.TestUpdateCallback{
		OnAccept: func() { o.accepted = true },
		OnReject: func(err error) { o.err = err },
		OnComplete: func(v any, err error) {
			o.value = v
			if err != nil {
				o.err = err
			}
		},
	}
}

func (o *outcome) errType() string {
	var ae *temporal.ApplicationError
	if errors.As(o.err, &ae) {
		return ae.Type()
	}
	return ""
}

// at schedules an update whose argument is built from the state at that
// moment (to find the open task ids).
func at(env *testsuite.TestWorkflowEnvironment, after time.Duration, name string, arg func(chain.State) any) *outcome {
	o := &outcome{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(name, "", o.callbacks(), arg(query(env)))
	}, after)
	return o
}

func decideAt(env *testsuite.TestWorkflowEnvironment, after time.Duration, assignee string, by events.Actor, decision, comment string) *outcome {
	return at(env, after, chain.UpdateDecide, func(s chain.State) any {
		return chain.Decision{TaskID: taskOf(s, assignee), Decision: decision, Comment: comment, By: by}
	})
}

func approveAt(env *testsuite.TestWorkflowEnvironment, after time.Duration, username string) *outcome {
	return decideAt(env, after, username, official(username), chain.DecisionApprove, "Đồng ý")
}

// taskOf is the id of the latest task assigned to username.
func taskOf(s chain.State, username string) string {
	id := "no-task-for-" + username
	for _, t := range s.Tasks {
		if t.Assignee.Username == username {
			id = t.ID
		}
	}
	return id
}

func query(env *testsuite.TestWorkflowEnvironment) chain.State {
	v, err := env.QueryWorkflow(chain.QueryState)
	if err != nil {
		return chain.State{Status: "query failed: " + err.Error()}
	}
	var s chain.State
	if err := v.Get(&s); err != nil {
		return chain.State{Status: "query failed: " + err.Error()}
	}
	return s
}

// snapshotAt records the state at a moment of the run.
func snapshotAt(env *testsuite.TestWorkflowEnvironment, after time.Duration) *chain.State {
	s := &chain.State{}
	env.RegisterDelayedCallback(func() { *s = query(env) }, after)
	return s
}

func result(t *testing.T, env *testsuite.TestWorkflowEnvironment) chain.Result {
	t.Helper()
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res chain.Result
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

func accepted(t *testing.T, name string, o *outcome) {
	t.Helper()
	if !o.accepted || o.err != nil {
		t.Fatalf("%s: accepted=%v err=%v, want accepted", name, o.accepted, o.err)
	}
}

func refused(t *testing.T, name string, o *outcome, errType string) {
	t.Helper()
	if o.accepted || o.errType() != errType {
		t.Fatalf("%s: accepted=%v err=%v, want refused with %s", name, o.accepted, o.err, errType)
	}
}

func TestSequentialChainSignedByTheLastApprover(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	mid := snapshotAt(env, 90*time.Minute)
	a := approveAt(env, time.Hour, "truongphong")
	outOfTurn := approveAt(env, 100*time.Minute, "thutruong")
	b := approveAt(env, 2*time.Hour, "phovu")
	c := approveAt(env, 3*time.Hour, "thutruong")
	env.ExecuteWorkflow(chain.WorkflowName, input(
		single("phong", person("truongphong")), single("vu", person("phovu")), single("bo", person("thutruong"))))

	res := result(t, env)
	if res.Outcome != chain.OutcomeArchived || res.RecordID != "rec-doc-1" {
		t.Fatalf("result %+v", res)
	}
	accepted(t, "step 1", a)
	accepted(t, "step 2", b)
	accepted(t, "step 3", c)
	refused(t, "step 3 before its turn", outOfTurn, chain.ErrTaskNotFound)
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
	if got := rec.types(); !slices.Equal(got, want) {
		t.Fatalf("published %v, want %v", got, want)
	}
	if len(rec.deadlines) != 3 || rec.deadlines[0].WorkingDays != 3 || rec.deadlines[0].Urgency != "THUONG" {
		t.Fatalf("deadlines asked %+v, want one per step with its working days", rec.deadlines)
	}
}

func TestParallelTwoOfThree(t *testing.T) {
	t.Parallel()
	m := []chain.Assignee{person("vu1"), person("vu2"), person("vu3")}
	tests := []struct {
		name        string
		votes       []string // decisions of vu1, vu2, vu3 in that order; "" = none
		wantOutcome string
		lateVoter   string // decides after the step ended
		assigned    int
	}{
		{"two approvals complete it", []string{"approve", "", "approve"}, chain.OutcomeArchived, "vu2", 5},
		{"one rejection is outvoted", []string{"reject", "approve", "approve"}, chain.OutcomeArchived, "", 5},
		{"two rejections make it impossible", []string{"reject", "approve", "reject"}, chain.OutcomeRejected, "", 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, rec := newEnv(t, fiveDays)
			approveAt(env, time.Hour, "chanhvanphong")
			var votes []*outcome
			for i, v := range tc.votes {
				if v == "" {
					continue
				}
				u := m[i].Username
				votes = append(votes, decideAt(env, time.Duration(2+i)*time.Hour, u, official(u), v, "ý kiến của "+u))
			}
			var late *outcome
			if tc.lateVoter != "" {
				late = approveAt(env, 10*time.Hour, tc.lateVoter)
			}
			step := chain.Step{ID: "vu", Mode: chain.ModeNOfM, Required: 2, Assignees: m, DeadlineWorkingDays: 2}
			approveAt(env, 20*time.Hour, "thutruong")
			env.ExecuteWorkflow(chain.WorkflowName, input(single("vp", person("chanhvanphong")), step, single("bo", person("thutruong"))))

			res := result(t, env)
			if res.Outcome != tc.wantOutcome {
				t.Fatalf("outcome %s, want %s", res.Outcome, tc.wantOutcome)
			}
			for _, v := range votes {
				accepted(t, "vote", v)
			}
			if late != nil {
				refused(t, "vote after the step ended", late, chain.ErrTaskClosed)
			}
			if got := rec.count(events.TaskAssigned); got != tc.assigned {
				t.Fatalf("%d tasks assigned, want %d", got, tc.assigned)
			}
			signedWant := 0
			if tc.wantOutcome == chain.OutcomeArchived {
				signedWant = 1
			}
			if len(rec.signed) != signedWant {
				t.Fatalf("signed %d times, want %d", len(rec.signed), signedWant)
			}
		})
	}
}

func TestSubstitute(t *testing.T) {
	t.Parallel()
	leave := chain.Substitute{
		Username: "phovu", From: start.Add(-24 * time.Hour), Until: start.Add(48 * time.Hour),
		Kinds: []string{"QUYET_DINH"}, Authority: "TUQ",
	}
	tests := []struct {
		name     string
		sub      chain.Substitute
		wantType string // "" = accepted
	}{
		{"within the dates and scope", leave, ""},
		{"scope empty means every kind", func() chain.Substitute { s := leave; s.Kinds = nil; return s }(), ""},
		{"a substitution with a title", func() chain.Substitute {
			s := leave
			s.Authority, s.Title = "delegated", "Phó Vụ trưởng"
			return s
		}(), ""},
		{"a written authorisation with a title", func() chain.Substitute { s := leave; s.Title = "Phó Vụ trưởng"; return s }(), ""},
		{"before the leave starts", func() chain.Substitute { s := leave; s.From = start.Add(2 * time.Hour); return s }(), chain.ErrNotAssignee},
		{"after the leave ended", func() chain.Substitute { s := leave; s.Until = start.Add(30 * time.Minute); return s }(), chain.ErrNotAssignee},
		{"outside the scope", func() chain.Substitute { s := leave; s.Kinds = []string{"CONG_VAN"}; return s }(), chain.ErrNotAssignee},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, rec := newEnv(t, fiveDays)
			vu := person("vutruong")
			vu.Substitutes = []chain.Substitute{tc.sub}
			o := decideAt(env, time.Hour, "vutruong", official("phovu"), chain.DecisionApprove, "KT. Vụ trưởng")
			if tc.wantType != "" {
				approveAt(env, 2*time.Hour, "vutruong")
			}
			env.ExecuteWorkflow(chain.WorkflowName, input(single("vu", vu)))

			if res := result(t, env); res.Outcome != chain.OutcomeArchived {
				t.Fatalf("outcome %s", res.Outcome)
			}
			if tc.wantType != "" {
				refused(t, "substitute", o, tc.wantType)
				return
			}
			accepted(t, "substitute", o)
			if r, ok := o.value.(chain.DecisionResult); !ok || r.OnBehalfOf != "vutruong" {
				t.Fatalf("decision result %+v, want on_behalf_of vutruong", o.value)
			}
			var decided chain.TaskDecidedData
			for _, p := range rec.published {
				if p.Type == events.TaskDecided {
					if err := json.Unmarshal(p.Data, &decided); err != nil {
						t.Fatal(err)
					}
				}
			}
			if decided.By.Username != "phovu" || decided.OnBehalfOf != "vutruong" {
				t.Fatalf("task.decided by %q on behalf of %q, want phovu on behalf of vutruong", decided.By.Username, decided.OnBehalfOf)
			}
			// The substitute signs with their own key, under the authority
			// their delegation gives and the assignee's title, when the plan
			// knows their own title; invisibly otherwise.
			want := approval.SignDocumentInput{Signer: "phovu"}
			switch {
			case tc.sub.Title != "" && tc.sub.Authority == "TUQ":
				want.SignerTitle, want.SignerAuthority, want.SignerFor = tc.sub.Title, "TUQ.", vu.Title
			case tc.sub.Title != "":
				want.SignerTitle, want.SignerAuthority, want.SignerFor = tc.sub.Title, "KT.", vu.Title
			}
			got := rec.signed[0]
			if got.Signer != want.Signer || got.SignerTitle != want.SignerTitle || got.SignerAuthority != want.SignerAuthority || got.SignerFor != want.SignerFor {
				t.Fatalf("signed by %s as %q %q %q, want %+v", got.Signer, got.SignerAuthority, got.SignerFor, got.SignerTitle, want)
			}
		})
	}
}

func TestReturnForRevision(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	revised := events.Object{Bucket: "docs", Key: "originals/doc-1-v2.pdf", SHA256: "ef", Size: 12}
	approveAt(env, time.Hour, "truongphong")
	noReason := decideAt(env, 90*time.Minute, "vutruong", official("vutruong"), chain.DecisionReturn, "")
	ret := decideAt(env, 2*time.Hour, "vutruong", official("vutruong"), chain.DecisionReturn, "Sửa căn cứ pháp lý")
	returned := snapshotAt(env, 150*time.Minute)
	notDrafter := at(env, 160*time.Minute, chain.UpdateResubmit, func(s chain.State) any {
		return chain.Resubmission{TaskID: taskOf(s, "drafter"), Original: revised, By: official("vutruong")}
	})
	resub := at(env, 3*time.Hour, chain.UpdateResubmit, func(s chain.State) any {
		return chain.Resubmission{TaskID: taskOf(s, "drafter"), Original: revised, By: official("drafter")}
	})
	again := approveAt(env, 4*time.Hour, "vutruong")
	env.ExecuteWorkflow(chain.WorkflowName, input(single("phong", person("truongphong")), single("vu", person("vutruong"))))

	if res := result(t, env); res.Outcome != chain.OutcomeArchived {
		t.Fatalf("outcome %s", res.Outcome)
	}
	refused(t, "return without a reason", noReason, chain.ErrInvalidDecision)
	accepted(t, "return", ret)
	refused(t, "resubmit by someone else", notDrafter, chain.ErrNotDrafter)
	accepted(t, "resubmit", resub)
	accepted(t, "approval of the revision", again)
	if returned.Status != chain.StatusReturned || !slices.Equal(returned.WaitingFor, []string{"drafter"}) {
		t.Fatalf("after the return: %s waiting for %v, want returned waiting for the drafter", returned.Status, returned.WaitingFor)
	}
	if returned.StepID != "vu" {
		t.Fatalf("returned at step %s", returned.StepID)
	}
	if len(rec.signed) != 1 || rec.signed[0].Source != revised {
		t.Fatalf("signed %+v, want the revised document", rec.signed)
	}
	// step 1, step 2, the revision task, step 2 again: the earlier step is not repeated.
	if got := rec.count(events.TaskAssigned); got != 4 {
		t.Fatalf("%d tasks assigned, want 4", got)
	}
}

func TestRejectionEndsTheChain(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	noReason := decideAt(env, 30*time.Minute, "truongphong", official("truongphong"), chain.DecisionReject, " ")
	comment := decideAt(env, 45*time.Minute, "truongphong", official("truongphong"), chain.DecisionComment, "Xem lại điều 3")
	rej := decideAt(env, time.Hour, "truongphong", official("truongphong"), chain.DecisionReject, "Không đúng thẩm quyền")
	env.ExecuteWorkflow(chain.WorkflowName, input(single("phong", person("truongphong")), single("vu", person("vutruong"))))

	if res := result(t, env); res.Outcome != chain.OutcomeRejected {
		t.Fatalf("outcome %s", res.Outcome)
	}
	refused(t, "reject without reason", noReason, chain.ErrInvalidDecision)
	accepted(t, "comment", comment)
	accepted(t, "reject", rej)
	if len(rec.signed) != 0 || rec.count(events.TaskAssigned) != 1 {
		t.Fatalf("signed %d, assigned %d: a rejected document goes no further", len(rec.signed), rec.count(events.TaskAssigned))
	}
	if got := rec.types(); got[len(got)-1] != events.DocumentRejected {
		t.Fatalf("published %v, want document.rejected last", got)
	}
	s := query(env)
	if len(s.History) != 2 || s.History[0].Action != chain.DecisionComment || s.History[1].Comment != "Không đúng thẩm quyền" {
		t.Fatalf("history %+v, want the comment then the rejection", s.History)
	}
}

func TestReassignByLeader(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	to := chain.Assignee{Position: "pho-vu-truong", Username: "phovu"}
	reassign := func(by events.Actor) func(chain.State) any {
		return func(s chain.State) any { return chain.Reassignment{TaskID: taskOf(s, "vutruong"), To: to, By: by} }
	}
	byOfficial := at(env, 30*time.Minute, chain.UpdateReassign, reassign(official("truongphong")))
	otherAgency := at(env, 40*time.Minute, chain.UpdateReassign, reassign(events.Actor{Username: "lanhdao", Role: chain.RoleLeader, Agency: "000.00.00.H49"}))
	byLeader := at(env, time.Hour, chain.UpdateReassign, reassign(events.Actor{Username: "thutruong", Role: chain.RoleLeader, Agency: agency}))
	old := approveAt(env, 2*time.Hour, "vutruong")
	moved := approveAt(env, 3*time.Hour, "phovu")
	env.ExecuteWorkflow(chain.WorkflowName, input(single("vu", person("vutruong"))))

	if res := result(t, env); res.Outcome != chain.OutcomeArchived {
		t.Fatalf("outcome %s", res.Outcome)
	}
	refused(t, "reassign by an official", byOfficial, chain.ErrNotLeader)
	refused(t, "reassign by another agency's leader", otherAgency, chain.ErrNotLeader)
	accepted(t, "reassign by the leader", byLeader)
	refused(t, "decision by the former assignee", old, chain.ErrTaskClosed)
	accepted(t, "decision by the new assignee", moved)
	if rec.signed[0].Signer != "phovu" || rec.count(events.TaskAssigned) != 2 {
		t.Fatalf("signer %s, %d tasks assigned", rec.signed[0].Signer, rec.count(events.TaskAssigned))
	}
}

func TestRecall(t *testing.T) {
	t.Parallel()
	drafter := official("drafter")
	recallBy := func(by events.Actor) func(chain.State) any {
		return func(chain.State) any { return chain.Recall{By: by, Reason: "Rút lại để bổ sung"} }
	}

	t.Run("before signing", func(t *testing.T) {
		t.Parallel()
		env, rec := newEnv(t, fiveDays)
		approveAt(env, time.Hour, "truongphong")
		stranger := at(env, 90*time.Minute, chain.UpdateRecall, recallBy(official("truongphong")))
		r := at(env, 2*time.Hour, chain.UpdateRecall, recallBy(drafter))
		late := approveAt(env, 3*time.Hour, "vutruong")
		env.ExecuteWorkflow(chain.WorkflowName, input(single("phong", person("truongphong")), single("vu", person("vutruong"))))

		if res := result(t, env); res.Outcome != chain.OutcomeRecalled {
			t.Fatalf("outcome %s", res.Outcome)
		}
		refused(t, "recall by someone else", stranger, chain.ErrNotDrafter)
		accepted(t, "recall", r)
		if late.accepted || len(rec.signed) != 0 {
			t.Fatalf("a recalled document was still decided (%v) or signed (%d)", late.accepted, len(rec.signed))
		}
		if rec.count(events.DocumentRecalled) != 1 {
			t.Fatalf("published %v, want document.recalled", rec.types())
		}
	})

	t.Run("after signing began", func(t *testing.T) {
		t.Parallel()
		env, rec := newEnv(t, fiveDays)
		env.OnActivity(approval.ActivitySignDocument, mock.Anything, mock.Anything).After(3*time.Hour).Return(
			approval.SignDocumentResult{Signed: events.Object{Key: "signed/doc-1.pdf", SHA256: "ab"}}, nil)
		approveAt(env, time.Hour, "truongphong")
		r := at(env, 2*time.Hour, chain.UpdateRecall, recallBy(drafter))
		env.ExecuteWorkflow(chain.WorkflowName, input(single("phong", person("truongphong"))))

		if res := result(t, env); res.Outcome != chain.OutcomeArchived {
			t.Fatalf("outcome %s", res.Outcome)
		}
		refused(t, "recall during signing", r, chain.ErrRecallTooLate)
		if len(rec.archived) != 1 {
			t.Fatalf("archived %d", len(rec.archived))
		}
	})
}

// Routing counts three working days from Friday 13 February 2026 across the
// Tết holiday (16–20 February): the deadline is Wednesday 25 February and
// the reminder one working day before. The workflow must fire at exactly
// those moments, not three calendar days on.
func TestReminderAndEscalationAcrossTet(t *testing.T) {
	t.Parallel()
	deadline := time.Date(2026, 2, 25, 9, 30, 0, 0, vntime.Zone)
	remindAt := time.Date(2026, 2, 24, 9, 30, 0, 0, vntime.Zone)
	env, rec := newEnv(t, func(in chain.PlanDeadlinesInput) chain.PlanDeadlinesResult {
		if in.From.Equal(start) && in.WorkingDays == 3 {
			return chain.PlanDeadlinesResult{Deadline: deadline, RemindAt: remindAt}
		}
		return fiveDays(in)
	})
	vu := person("vutruong")
	vu.Supervisor = "thutruong"
	beforeReminder := snapshotAt(env, remindAt.Sub(start)-time.Minute)
	afterReminder := snapshotAt(env, remindAt.Sub(start)+time.Minute)
	early := decideAt(env, remindAt.Sub(start)+2*time.Minute, "vutruong", official("thutruong"), chain.DecisionApprove, "")
	afterDeadline := snapshotAt(env, deadline.Sub(start)+time.Minute)
	sup := decideAt(env, deadline.Sub(start)+time.Hour, "vutruong", official("thutruong"), chain.DecisionApprove, "")
	env.ExecuteWorkflow(chain.WorkflowName, input(single("vu", vu)))

	if res := result(t, env); res.Outcome != chain.OutcomeArchived {
		t.Fatalf("outcome %s", res.Outcome)
	}
	if tk := beforeReminder.Tasks[0]; tk.RemindedAt != nil {
		t.Fatalf("reminded at %v, before %v", tk.RemindedAt, remindAt)
	}
	tk := afterReminder.Tasks[0]
	if tk.RemindedAt == nil || !tk.RemindedAt.Equal(remindAt) || tk.EscalatedAt != nil {
		t.Fatalf("after the reminder: reminded %v escalated %v, want reminded at %v only", tk.RemindedAt, tk.EscalatedAt, remindAt)
	}
	refused(t, "supervisor before the escalation", early, chain.ErrNotAssignee)
	tk = afterDeadline.Tasks[0]
	if tk.EscalatedAt == nil || !tk.EscalatedAt.Equal(deadline) {
		t.Fatalf("escalated at %v, want %v", tk.EscalatedAt, deadline)
	}
	if !slices.Equal(afterDeadline.WaitingFor, []string{"thutruong", "vutruong"}) {
		t.Fatalf("waiting for %v after the escalation", afterDeadline.WaitingFor)
	}
	accepted(t, "supervisor after the escalation", sup)
	if rec.signed[0].Signer != "thutruong" {
		t.Fatalf("signer %s", rec.signed[0].Signer)
	}
	var actions []string
	for _, e := range query(env).History {
		actions = append(actions, e.Action)
	}
	if want := []string{"remind", "escalate", "approve", "issue"}; !slices.Equal(actions, want) {
		t.Fatalf("history %v, want %v", actions, want)
	}
	// Both are announced, so the inbox and notifications show them.
	if rec.count(events.TaskReminded) != 1 || rec.count(events.TaskEscalated) != 1 {
		t.Fatalf("published %v, want one task.reminded and one task.escalated", rec.types())
	}
	for _, p := range rec.published {
		if p.Type != events.TaskEscalated {
			continue
		}
		var n events.TaskNoticeData
		if err := json.Unmarshal(p.Data, &n); err != nil || n.Supervisor != "thutruong" || !n.Deadline.Equal(deadline) {
			t.Fatalf("task.escalated payload %s (%v)", p.Data, err)
		}
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

	accepted(t, "step 1 before continuing", first)
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
	if rec.count(events.TaskAssigned) != 2 {
		t.Fatalf("first run assigned %d tasks", rec.count(events.TaskAssigned))
	}

	env2, rec2 := newEnv(t, fiveDays)
	second := approveAt(env2, time.Hour, "vutruong")
	env2.ExecuteWorkflow(chain.WorkflowName, next)
	if res := result(t, env2); res.Outcome != chain.OutcomeArchived {
		t.Fatalf("outcome %s", res.Outcome)
	}
	accepted(t, "step 2 after continuing", second)
	if got := rec2.types(); !slices.Equal(got, []events.Type{events.TaskDecided, events.DocumentApproved, events.DocumentNumbered}) {
		t.Fatalf("second run published %v: the carried task must not be assigned again", got)
	}
	s := query(env2)
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
		{"single with two people", input(chain.Step{ID: "s", Mode: chain.ModeSingle, Assignees: []chain.Assignee{person("a"), person("b")}})},
		{"n_of_m needing more than m", input(chain.Step{ID: "s", Mode: chain.ModeNOfM, Required: 3, Assignees: []chain.Assignee{person("a"), person("b")}})},
		{"vacant position", input(single("s", chain.Assignee{Position: "vu-truong"}))},
		{"unknown mode", input(chain.Step{ID: "s", Mode: "majority", Assignees: []chain.Assignee{person("a")}})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, _ := newEnv(t, fiveDays)
			env.ExecuteWorkflow(chain.WorkflowName, tc.in)
			var ae *temporal.ApplicationError
			if err := env.GetWorkflowError(); !errors.As(err, &ae) || ae.Type() != chain.ErrInvalidPlan {
				t.Fatalf("error %v, want %s", err, chain.ErrInvalidPlan)
			}
		})
	}
}
