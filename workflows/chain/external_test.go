package chain_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/workflows/chain"
)

const ministry = "000.00.00.G09"

func external(id string, days int) chain.Step {
	return chain.Step{ID: id, Name: "Thẩm định", Mode: chain.ModeExternal, Agency: ministry, DeadlineWorkingDays: days}
}

func signalAt(env *testsuite.TestWorkflowEnvironment, after time.Duration, name string, arg any) {
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(name, arg) }, after)
}

func receipt(status string) chain.AgencyReply {
	return chain.AgencyReply{Agency: ministry, Status: status, At: start}
}

func decode[T any](t *testing.T, rec *recorder, typ events.Type) []T {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []T
	for _, p := range rec.published {
		if p.Type != typ {
			continue
		}
		var v T
		if err := json.Unmarshal(p.Data, &v); err != nil {
			t.Fatalf("%s payload %s: %v", typ, p.Data, err)
		}
		out = append(out, v)
	}
	return out
}

func TestExternalStepCompletesOnReceipt06(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	reply := &events.Object{Bucket: "docs", Key: "exchange/g09-reply.pdf", SHA256: "aa", Size: 30}
	approveAt(env, time.Hour, "truongphong")
	signalAt(env, 2*time.Hour, chain.SignalAgencyReply, receipt(events.ReceiptArrived))
	signalAt(env, 150*time.Minute, chain.SignalAgencyReply, chain.AgencyReply{Agency: "000.00.00.H49", Status: events.ReceiptCompleted, At: start})
	signalAt(env, 3*time.Hour, chain.SignalAgencyReply, receipt(events.ReceiptAssigned))
	waiting := snapshotAt(env, 200*time.Minute)
	early := approveAt(env, 210*time.Minute, "thutruong")
	done := receipt(events.ReceiptCompleted)
	done.Reply, done.StepID = reply, "tham-dinh"
	signalAt(env, 4*time.Hour, chain.SignalAgencyReply, done)
	after := snapshotAt(env, 250*time.Minute)
	last := approveAt(env, 5*time.Hour, "thutruong")
	env.ExecuteWorkflow(chain.WorkflowName, input(single("phong", person("truongphong")), external("tham-dinh", 5), single("bo", person("thutruong"))))

	if res := result(t, env); res.Outcome != chain.OutcomeArchived {
		t.Fatalf("outcome %s", res.Outcome)
	}
	refused(t, "approval of the next step while the agency has it", early, chain.ErrTaskNotFound)
	accepted(t, "approval after the agency completed", last)
	if waiting.StepID != "tham-dinh" || !slices.Equal(waiting.WaitingFor, []string{ministry}) || waiting.Status != chain.StatusInReview {
		t.Fatalf("while sent: step %s %s waiting for %v, want tham-dinh waiting for %s", waiting.StepID, waiting.Status, waiting.WaitingFor, ministry)
	}
	if n := len(waiting.Exchanges); n != 1 || len(waiting.Exchanges[0].Receipts) != 2 {
		t.Fatalf("exchanges %+v, want one with receipts 01 and 04 (another agency's dropped)", waiting.Exchanges)
	}
	if after.StepID != "bo" || !slices.Equal(after.WaitingFor, []string{"thutruong"}) {
		t.Fatalf("after 06: step %s waiting for %v", after.StepID, after.WaitingFor)
	}
	x := after.Exchanges[0]
	if x.Status != chain.ExchangeCompleted || x.Reply == nil || *x.Reply != *reply || len(x.Receipts) != 3 {
		t.Fatalf("exchange %+v, want completed with the reply", x)
	}
	want := []events.Type{
		events.TaskAssigned, events.TaskDecided, events.DocumentSent,
		events.TaskAssigned, events.TaskDecided, events.DocumentApproved, events.DocumentNumbered,
	}
	if got := rec.types(); !slices.Equal(got, want) {
		t.Fatalf("published %v, want %v", got, want)
	}
	sent := decode[chain.DocumentSentData](t, rec, events.DocumentSent)[0]
	if sent.To != ministry || sent.StepID != "tham-dinh" || sent.Original.Key != "originals/doc-1.pdf" ||
		!sent.Due.Equal(start.Add(time.Hour).AddDate(0, 0, 5)) {
		t.Fatalf("document.sent %+v", sent)
	}
	if rec.deadlines[1].WorkingDays != 5 {
		t.Fatalf("deadline of the external step asked as %+v", rec.deadlines[1])
	}
	var receipts []string
	for _, e := range query(env).History {
		if e.Action == "receipt" {
			receipts = append(receipts, e.Receipt)
		}
	}
	if !slices.Equal(receipts, []string{"01", "04", "06"}) {
		t.Fatalf("receipts in the history %v", receipts)
	}
}

// 02 means the agency refused the package (misaddressed, a signature that
// does not verify): the document goes back to its drafter, who resubmits,
// and the step sends the revision.
func TestExternalStepRefusedReturnsToTheDrafter(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	revised := events.Object{Bucket: "docs", Key: "originals/doc-1-v2.pdf", SHA256: "ef", Size: 12}
	approveAt(env, time.Hour, "truongphong")
	refusal := receipt(events.ReceiptRejected)
	refusal.Reason = "Sai địa chỉ nơi nhận"
	signalAt(env, 2*time.Hour, chain.SignalAgencyReply, refusal)
	returned := snapshotAt(env, 150*time.Minute)
	resub := at(env, 3*time.Hour, chain.UpdateResubmit, func(s chain.State) any {
		return chain.Resubmission{TaskID: taskOf(s, "drafter"), Original: revised, By: official("drafter")}
	})
	signalAt(env, 4*time.Hour, chain.SignalAgencyReply, receipt(events.ReceiptCompleted))
	env.ExecuteWorkflow(chain.WorkflowName, input(single("phong", person("truongphong")), external("tham-dinh", 5)))

	if res := result(t, env); res.Outcome != chain.OutcomeArchived {
		t.Fatalf("outcome %s", res.Outcome)
	}
	accepted(t, "resubmission", resub)
	if returned.Status != chain.StatusReturned || !slices.Equal(returned.WaitingFor, []string{"drafter"}) ||
		returned.Exchanges[0].Status != chain.ExchangeRefused {
		t.Fatalf("after 02: %s waiting for %v, exchange %+v", returned.Status, returned.WaitingFor, returned.Exchanges)
	}
	sent := decode[chain.DocumentSentData](t, rec, events.DocumentSent)
	if len(sent) != 2 || sent[0].Original.Key != "originals/doc-1.pdf" || sent[1].Original != revised {
		t.Fatalf("document.sent %+v, want the original, then the revision", sent)
	}
	comments := decode[chain.TaskNoticeData](t, rec, events.TaskCommented)
	if len(comments) != 1 || comments[0].Assignee != "drafter" || comments[0].Comment != ministry+" 02: Sai địa chỉ nơi nhận" {
		t.Fatalf("task.commented %+v, want the refusal's reason on the drafter's task", comments)
	}
	if rec.signed[0].Source != revised || rec.signed[0].Signer != "truongphong" {
		t.Fatalf("signed %+v", rec.signed)
	}
}

// Routing counts five working days from Friday 13 February 2026 across
// Tết: the reply is due on Friday 27 February. At that moment the drafter
// and the official who approved sending are told; the step keeps waiting.
func TestExternalStepOverdue(t *testing.T) {
	t.Parallel()
	sentAt := start.Add(time.Hour)
	deadline := time.Date(2026, 2, 27, 10, 30, 0, 0, vntime.Zone)
	env, rec := newEnv(t, func(in chain.PlanDeadlinesInput) chain.PlanDeadlinesResult {
		if in.From.Equal(sentAt) && in.WorkingDays == 5 {
			return chain.PlanDeadlinesResult{Deadline: deadline, RemindAt: deadline.AddDate(0, 0, -1)}
		}
		return fiveDays(in)
	})
	approveAt(env, time.Hour, "truongphong")
	before := snapshotAt(env, deadline.Sub(start)-time.Minute)
	after := snapshotAt(env, deadline.Sub(start)+time.Minute)
	signalAt(env, deadline.Sub(start)+48*time.Hour, chain.SignalAgencyReply, receipt(events.ReceiptCompleted))
	env.ExecuteWorkflow(chain.WorkflowName, input(single("phong", person("truongphong")), external("tham-dinh", 5)))

	if res := result(t, env); res.Outcome != chain.OutcomeArchived {
		t.Fatalf("outcome %s", res.Outcome)
	}
	if before.Exchanges[0].EscalatedAt != nil {
		t.Fatalf("escalated at %v, before the deadline", before.Exchanges[0].EscalatedAt)
	}
	if x := after.Exchanges[0]; x.EscalatedAt == nil || !x.EscalatedAt.Equal(deadline) || x.Status != chain.ExchangeWaiting {
		t.Fatalf("exchange %+v, want escalated at %s and still waiting", x, deadline)
	}
	if !slices.Equal(after.WaitingFor, []string{ministry}) {
		t.Fatalf("waiting for %v after the deadline", after.WaitingFor)
	}
	overdue := decode[chain.DocumentOverdueData](t, rec, events.DocumentOverdue)
	if len(overdue) != 1 || overdue[0].WaitingFor != ministry || !overdue[0].At.Equal(deadline) ||
		!slices.Equal(overdue[0].Notify, []string{"drafter", "truongphong"}) {
		t.Fatalf("document.overdue %+v", overdue)
	}
	if rec.count(events.TaskReminded) != 0 || rec.count(events.TaskEscalated) != 0 {
		t.Fatalf("published %v: the agency has no task to remind", rec.types())
	}
}

func TestExternalStepRecalledWhileSent(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	approveAt(env, time.Hour, "truongphong")
	r := at(env, 2*time.Hour, chain.UpdateRecall, func(chain.State) any { return chain.Recall{By: official("drafter"), Reason: "Rút lại"} })
	env.ExecuteWorkflow(chain.WorkflowName, input(single("phong", person("truongphong")), external("tham-dinh", 5)))

	if res := result(t, env); res.Outcome != chain.OutcomeRecalled {
		t.Fatalf("outcome %s", res.Outcome)
	}
	accepted(t, "recall", r)
	if s := query(env); s.Exchanges[0].Status != chain.ExchangeWithdrawn || len(s.WaitingFor) != 0 {
		t.Fatalf("state %+v", s)
	}
	if rec.count(events.DocumentRecalled) != 1 {
		t.Fatalf("published %v", rec.types())
	}
}

// A delegation made after planning reaches the running workflow: the open
// task of the assignee and their task in a later step take the new list.
func TestSubstitutesSignal(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	leave := chain.Substitute{Username: "phovu", From: start.Add(90 * time.Minute), Until: start.Add(72 * time.Hour), Authority: "TUQ"}
	deputy := chain.Substitute{Username: "phothutruong", From: start, Until: start.Add(72 * time.Hour)}
	before := decideAt(env, time.Hour, "vutruong", official("phovu"), chain.DecisionApprove, "")
	signalAt(env, 80*time.Minute, chain.SignalSubstitutes, chain.SubstitutesChange{Assignees: []chain.AssigneeSubstitutes{
		{Username: "vutruong", Substitutes: []chain.Substitute{leave}},
		{Username: "thutruong", Substitutes: []chain.Substitute{deputy}},
	}})
	// The same list again changes nothing.
	signalAt(env, 85*time.Minute, chain.SignalSubstitutes, chain.SubstitutesChange{Assignees: []chain.AssigneeSubstitutes{
		{Username: "vutruong", Substitutes: []chain.Substitute{leave}},
	}})
	byLateSubstitute := decideAt(env, 2*time.Hour, "vutruong", official("phovu"), chain.DecisionApprove, "TUQ. Vụ trưởng")
	byDeputy := decideAt(env, 3*time.Hour, "thutruong", official("phothutruong"), chain.DecisionApprove, "")
	env.ExecuteWorkflow(chain.WorkflowName, input(single("vu", person("vutruong")), single("bo", person("thutruong"))))

	if res := result(t, env); res.Outcome != chain.OutcomeArchived {
		t.Fatalf("outcome %s", res.Outcome)
	}
	refused(t, "substitute before the delegation reached the workflow", before, chain.ErrNotAssignee)
	accepted(t, "substitute after", byLateSubstitute)
	accepted(t, "substitute of a later step", byDeputy)
	if r, ok := byLateSubstitute.value.(chain.DecisionResult); !ok || r.OnBehalfOf != "vutruong" {
		t.Fatalf("decision %+v, want on behalf of vutruong", byLateSubstitute.value)
	}
	delegated := decode[chain.TaskDelegatedData](t, rec, events.TaskDelegated)
	if len(delegated) != 1 || delegated[0].Assignee != "vutruong" || len(delegated[0].Substitutes) != 1 ||
		delegated[0].Substitutes[0].Username != "phovu" || !delegated[0].Substitutes[0].From.Equal(leave.From) {
		t.Fatalf("task.delegated %+v, want one for vutruong's open task", delegated)
	}
	assigned := decode[events.TaskAssignedData](t, rec, events.TaskAssigned)
	if last := assigned[len(assigned)-1]; last.Assignee != "thutruong" || len(last.Substitutes) != 1 || last.Substitutes[0].Username != "phothutruong" ||
		last.TaskKind != chain.TaskApprove {
		t.Fatalf("task.assigned of step 2 %+v, want it to carry the new substitute", last)
	}
}

func TestExternalPlansRefused(t *testing.T) {
	t.Parallel()
	withPeople := external("x", 3)
	withPeople.Assignees = []chain.Assignee{person("a")}
	noAgency := external("x", 3)
	noAgency.Agency = ""
	addressed := single("s", person("a"))
	addressed.Agency = ministry
	tests := []struct {
		name string
		in   chain.Input
	}{
		{"external without an agency", input(single("s", person("a")), noAgency)},
		{"external with assignees", input(single("s", person("a")), withPeople)},
		{"only external steps", input(external("x", 3))},
		{"an agency on a step of people", input(addressed)},
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
