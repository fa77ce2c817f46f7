package chain_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/chain"
	"github.com/docflow/docflow/workflows/internal/workflowtest"
)

const ministry = "000.00.00.G09"

func external(id string, days int) chain.Step {
	return chain.Step{ID: id, Name: "Thẩm định", Mode: chain.ModeExternal, Agency: ministry, DeadlineWorkingDays: days}
}

func signalAt(env *testEnv, after time.Duration, name string, arg any) {
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(name, arg) }, after)
}

func receipt(status string) chain.AgencyReply {
	return chain.AgencyReply{Agency: ministry, Status: status, At: start}
}

func TestExternalStepCompletesOnReceipt06(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	reply := &events.Object{Bucket: "docs", Key: "exchange/g09-reply.pdf", SHA256: "aa", Size: 30}
	approveAt(env, time.Hour, "truongphong")
	signalAt(env, 2*time.Hour, chain.SignalAgencyReply, receipt(events.ReceiptArrived))
	signalAt(env, 150*time.Minute, chain.SignalAgencyReply, chain.AgencyReply{Agency: "000.00.00.H49", Status: events.ReceiptCompleted, At: start})
	signalAt(env, 3*time.Hour, chain.SignalAgencyReply, receipt(events.ReceiptAssigned))
	waiting := env.SnapshotAt(200 * time.Minute)
	early := approveAt(env, 210*time.Minute, "thutruong")
	done := receipt(events.ReceiptCompleted)
	done.Reply, done.StepID = reply, "tham-dinh"
	signalAt(env, 4*time.Hour, chain.SignalAgencyReply, done)
	after := env.SnapshotAt(250 * time.Minute)
	last := approveAt(env, 5*time.Hour, "thutruong")
	runTo(t, env, workflows.OutcomeArchived, input(single("phong", person("truongphong")), external("tham-dinh", 5), single("bo", person("thutruong"))))

	workflowtest.Refused(t, "approval of the next step while the agency has it", early, workflows.ErrTaskNotFound)
	workflowtest.Accepted(t, "approval after the agency completed", last)
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
	if got := rec.Types(); !slices.Equal(got, want) {
		t.Fatalf("published %v, want %v", got, want)
	}
	sent := workflowtest.Payloads[events.DocumentSentData](t, rec.Recorder, events.DocumentSent)[0]
	if sent.To != ministry || sent.StepID != "tham-dinh" || sent.Original.Key != "originals/doc-1.pdf" ||
		!sent.Due.Equal(start.Add(time.Hour).AddDate(0, 0, 5)) {
		t.Fatalf("document.sent %+v", sent)
	}
	if rec.Deadlines()[1].WorkingDays != 5 {
		t.Fatalf("deadline of the external step asked as %+v", rec.Deadlines()[1])
	}
	var receipts []string
	for _, e := range env.State().History {
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
	returned := env.SnapshotAt(150 * time.Minute)
	resub := env.At(3*time.Hour, chain.UpdateResubmit, func(s chain.State) any {
		return chain.Resubmission{TaskID: workflowtest.TaskOf(s.Tasks, "drafter"), Original: revised, By: official("drafter")}
	})
	signalAt(env, 4*time.Hour, chain.SignalAgencyReply, receipt(events.ReceiptCompleted))
	runTo(t, env, workflows.OutcomeArchived, input(single("phong", person("truongphong")), external("tham-dinh", 5)))

	workflowtest.Accepted(t, "resubmission", resub)
	if returned.Status != chain.StatusReturned || !slices.Equal(returned.WaitingFor, []string{"drafter"}) ||
		returned.Exchanges[0].Status != chain.ExchangeRefused {
		t.Fatalf("after 02: %s waiting for %v, exchange %+v", returned.Status, returned.WaitingFor, returned.Exchanges)
	}
	sent := workflowtest.Payloads[events.DocumentSentData](t, rec.Recorder, events.DocumentSent)
	if len(sent) != 2 || sent[0].Original.Key != "originals/doc-1.pdf" || sent[1].Original != revised {
		t.Fatalf("document.sent %+v, want the original, then the revision", sent)
	}
	comments := workflowtest.Payloads[events.TaskNoticeData](t, rec.Recorder, events.TaskCommented)
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
	env, rec := newEnv(t, workflowtest.Planned(sentAt, 5, deadline, deadline.AddDate(0, 0, -1)))
	approveAt(env, time.Hour, "truongphong")
	before := env.SnapshotAt(deadline.Sub(start) - time.Minute)
	after := env.SnapshotAt(deadline.Sub(start) + time.Minute)
	signalAt(env, deadline.Sub(start)+48*time.Hour, chain.SignalAgencyReply, receipt(events.ReceiptCompleted))
	runTo(t, env, workflows.OutcomeArchived, input(single("phong", person("truongphong")), external("tham-dinh", 5)))

	if before.Exchanges[0].EscalatedAt != nil {
		t.Fatalf("escalated at %v, before the deadline", before.Exchanges[0].EscalatedAt)
	}
	if x := after.Exchanges[0]; x.EscalatedAt == nil || !x.EscalatedAt.Equal(deadline) || x.Status != chain.ExchangeWaiting {
		t.Fatalf("exchange %+v, want escalated at %s and still waiting", x, deadline)
	}
	if !slices.Equal(after.WaitingFor, []string{ministry}) {
		t.Fatalf("waiting for %v after the deadline", after.WaitingFor)
	}
	overdue := workflowtest.Payloads[events.DocumentOverdueData](t, rec.Recorder, events.DocumentOverdue)
	if len(overdue) != 1 || overdue[0].WaitingFor != ministry || !overdue[0].At.Equal(deadline) ||
		!slices.Equal(overdue[0].Notify, []string{"drafter", "truongphong"}) {
		t.Fatalf("document.overdue %+v", overdue)
	}
	if rec.Count(events.TaskReminded) != 0 || rec.Count(events.TaskEscalated) != 0 {
		t.Fatalf("published %v: the agency has no task to remind", rec.Types())
	}
}

func TestExternalStepRecalledWhileSent(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	approveAt(env, time.Hour, "truongphong")
	r := env.At(2*time.Hour, chain.UpdateRecall, func(chain.State) any { return chain.Recall{By: official("drafter"), Reason: "Rút lại"} })
	runTo(t, env, chain.OutcomeRecalled, input(single("phong", person("truongphong")), external("tham-dinh", 5)))

	workflowtest.Accepted(t, "recall", r)
	if s := env.State(); s.Exchanges[0].Status != chain.ExchangeWithdrawn || len(s.WaitingFor) != 0 {
		t.Fatalf("state %+v", s)
	}
	if rec.Count(events.DocumentRecalled) != 1 {
		t.Fatalf("published %v", rec.Types())
	}
}

// A delegation made after planning reaches the running workflow: the open
// task of the assignee and their task in a later step take the new list.
func TestSubstitutesSignal(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	leave := workflows.Substitute{Username: "phovu", From: start.Add(90 * time.Minute), Until: start.Add(72 * time.Hour), Authority: "TUQ"}
	deputy := workflows.Substitute{Username: "phothutruong", From: start, Until: start.Add(72 * time.Hour)}
	before := decideAt(env, time.Hour, "vutruong", official("phovu"), workflows.DecisionApprove, "")
	signalAt(env, 80*time.Minute, workflows.SignalSubstitutes, workflows.SubstitutesChange{Assignees: []workflows.AssigneeSubstitutes{
		{Username: "vutruong", Substitutes: []workflows.Substitute{leave}},
		{Username: "thutruong", Substitutes: []workflows.Substitute{deputy}},
	}})
	// The same list again changes nothing.
	signalAt(env, 85*time.Minute, workflows.SignalSubstitutes, workflows.SubstitutesChange{Assignees: []workflows.AssigneeSubstitutes{
		{Username: "vutruong", Substitutes: []workflows.Substitute{leave}},
	}})
	byLateSubstitute := decideAt(env, 2*time.Hour, "vutruong", official("phovu"), workflows.DecisionApprove, "TUQ. Vụ trưởng")
	byDeputy := decideAt(env, 3*time.Hour, "thutruong", official("phothutruong"), workflows.DecisionApprove, "")
	runTo(t, env, workflows.OutcomeArchived, input(single("vu", person("vutruong")), single("bo", person("thutruong"))))

	workflowtest.Refused(t, "substitute before the delegation reached the workflow", before, workflows.ErrNotAssignee)
	workflowtest.Accepted(t, "substitute after", byLateSubstitute)
	workflowtest.Accepted(t, "substitute of a later step", byDeputy)
	if r, ok := byLateSubstitute.Value.(workflows.DecisionResult); !ok || r.OnBehalfOf != "vutruong" {
		t.Fatalf("decision %+v, want on behalf of vutruong", byLateSubstitute.Value)
	}
	delegated := workflowtest.Payloads[events.TaskDelegatedData](t, rec.Recorder, events.TaskDelegated)
	if len(delegated) != 1 || delegated[0].Assignee != "vutruong" || len(delegated[0].Substitutes) != 1 ||
		delegated[0].Substitutes[0].Username != "phovu" || !delegated[0].Substitutes[0].From.Equal(leave.From) {
		t.Fatalf("task.delegated %+v, want one for vutruong's open task", delegated)
	}
	assigned := workflowtest.Payloads[events.TaskAssignedData](t, rec.Recorder, events.TaskAssigned)
	if last := assigned[len(assigned)-1]; last.Assignee != "thutruong" || len(last.Substitutes) != 1 || last.Substitutes[0].Username != "phothutruong" ||
		last.TaskKind != chain.TaskApprove {
		t.Fatalf("task.assigned of step 2 %+v, want it to carry the new substitute", last)
	}
}

func TestExternalPlansRefused(t *testing.T) {
	t.Parallel()
	withPeople := external("x", 3)
	withPeople.Assignees = []workflows.Assignee{person("a")}
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

// A secret document is never sent to another agency: the external step is
// refused with confidential_document, the workflow ends rejected with the
// reason in its history, and no document.sent is published.
func TestExternalStepRefusesSecretDocuments(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	approveAt(env, time.Hour, "truongphong")
	in := input(single("phong", person("truongphong")), external("tham-dinh", 5), single("bo", person("thutruong")))
	in.Confidentiality = "MAT"
	runTo(t, env, workflows.OutcomeRejected, in)
	if got := workflowtest.Payloads[events.DocumentSentData](t, rec.Recorder, events.DocumentSent); len(got) != 0 {
		t.Fatalf("document.sent %+v for a secret document", got)
	}
	rejected := workflowtest.Payloads[events.DocumentDecisionData](t, rec.Recorder, events.DocumentRejected)
	if len(rejected) != 1 || !strings.Contains(rejected[0].Comment, chain.ErrConfidential) || rejected[0].By.Role != "service" {
		t.Fatalf("document.rejected %+v, want the system's refusal with confidential_document", rejected)
	}
	if len(rec.signed) != 0 {
		t.Fatalf("signed %+v", rec.signed)
	}
}
