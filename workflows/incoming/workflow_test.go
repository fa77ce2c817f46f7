package incoming_test

import (
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/incoming"
	"github.com/docflow/docflow/workflows/internal/workflowtest"
)

const (
	agency = workflowtest.Agency
	sender = "000.00.00.G09"
)

var (
	start = workflowtest.Start
	// fiveDays stands in for routing's calendar where the dates do not
	// matter; a chosen date is kept.
	fiveDays = workflowtest.FiveDays
)

// testEnv runs one handling; its State is incoming.State.
type testEnv = workflowtest.Env[incoming.State]

func newEnv(t *testing.T, deadlines func(workflows.PlanDeadlinesInput) workflows.PlanDeadlinesResult) (*testEnv, *workflowtest.Recorder) {
	t.Helper()
	env, rec := workflowtest.NewEnv[incoming.State](t, incoming.QueryState, deadlines)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: workflows.HandlingWorkflowID(workflowtest.DocumentID)})
	incoming.Register(env)
	return env, rec
}

func input(leaders ...workflows.Assignee) incoming.Input {
	return incoming.Input{
		Document: workflows.Document{
			DocumentID: workflowtest.DocumentID, Agency: agency, Kind: "CONG_VAN",
			Subject: "Đề nghị báo cáo tình hình thực hiện kế hoạch", Urgency: "THUONG", ArrivalNumber: 12,
			Original: events.Object{Bucket: "docs", Key: "originals/doc-1.pdf", SHA256: "cd", Size: 10},
		},
		SenderAgency: sender, Leaders: leaders, AssignWorkingDays: 1,
	}
}

func leader(username string) workflows.Assignee {
	return workflows.Assignee{Position: "giam-doc", Username: username, Supervisor: "chutich"}
}

func actor(username, role string) events.Actor {
	return events.Actor{Username: username, Role: role, Agency: agency}
}

func assignment(days int, coop ...string) func(incoming.State) any {
	return func(s incoming.State) any {
		a := incoming.Assignment{
			TaskID: workflowtest.TaskOf(s.Tasks, "lanhdao", incoming.TaskAssign), Lead: incoming.Handler{Unit: "phong-tong-hop", Username: "chuyenvien1"},
			DeadlineWorkingDays: days, Comment: "Phòng Tổng hợp chủ trì, báo cáo kết quả", By: actor("lanhdao", "leader"),
		}
		for _, c := range coop {
			a.Cooperators = append(a.Cooperators, incoming.Handler{Unit: "phong-ke-hoach", Username: c})
		}
		return a
	}
}

func progressBy(username, note string) func(incoming.State) any {
	return func(s incoming.State) any {
		return incoming.Progress{TaskID: workflowtest.TaskOf(s.Tasks, "chuyenvien1", incoming.TaskHandle), Note: note, By: actor(username, "official")}
	}
}

func completeBy(username string, reply *events.Object) func(incoming.State) any {
	return func(s incoming.State) any {
		return incoming.Completion{TaskID: workflowtest.TaskOf(s.Tasks, "chuyenvien1", incoming.TaskHandle), Result: "Đã báo cáo bằng công văn số 15/UBND-TH", Reply: reply, By: actor(username, "official")}
	}
}

func TestFullHandlingWithReceipts(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	reply := &events.Object{Bucket: "docs", Key: "originals/reply-1.pdf", SHA256: "ef", Size: 20}
	awaiting := env.SnapshotAt(30 * time.Minute)
	assign := env.At(time.Hour, incoming.UpdateAssign, assignment(5, "chuyenvien2", "chuyenvien3"))
	assigned := env.SnapshotAt(90 * time.Minute)
	earlyContribution := env.At(100*time.Minute, incoming.UpdateContribute, func(s incoming.State) any {
		return incoming.Contribution{TaskID: workflowtest.TaskOf(s.Tasks, "chuyenvien2", incoming.TaskContribute), Opinion: " ", By: actor("chuyenvien2", "official")}
	})
	notLead := env.At(110*time.Minute, incoming.UpdateProgress, progressBy("chuyenvien2", "Tôi làm"))
	started := env.At(2*time.Hour, incoming.UpdateProgress, progressBy("chuyenvien1", "Đang tổng hợp số liệu"))
	inProgress := env.SnapshotAt(150 * time.Minute)
	again := env.At(3*time.Hour, incoming.UpdateProgress, progressBy("chuyenvien1", "Đã có số liệu quý I"))
	contrib := env.At(4*time.Hour, incoming.UpdateContribute, func(s incoming.State) any {
		return incoming.Contribution{TaskID: workflowtest.TaskOf(s.Tasks, "chuyenvien2", incoming.TaskContribute), Opinion: "Bổ sung số liệu quý I", By: actor("chuyenvien2", "official")}
	})
	noResult := env.At(290*time.Minute, incoming.UpdateComplete, func(s incoming.State) any {
		return incoming.Completion{TaskID: workflowtest.TaskOf(s.Tasks, "chuyenvien1", incoming.TaskHandle), By: actor("chuyenvien1", "official")}
	})
	done := env.At(5*time.Hour, incoming.UpdateComplete, completeBy("chuyenvien1", reply))
	late := env.At(6*time.Hour, incoming.UpdateContribute, func(s incoming.State) any {
		return incoming.Contribution{TaskID: workflowtest.TaskOf(s.Tasks, "chuyenvien3", incoming.TaskContribute), Opinion: "Muộn", By: actor("chuyenvien3", "official")}
	})
	env.ExecuteWorkflow(incoming.WorkflowName, input(leader("lanhdao")))

	res := workflowtest.Result[incoming.Result](env)
	if res.Outcome != incoming.OutcomeCompleted || res.Reply == nil || *res.Reply != *reply {
		t.Fatalf("result %+v, want completed with the reply document", res)
	}
	workflowtest.Accepted(t, "assign", assign)
	workflowtest.Refused(t, "contribution without an opinion", earlyContribution, workflows.ErrInvalidDecision)
	workflowtest.Refused(t, "progress by a cooperator", notLead, workflows.ErrNotAssignee)
	workflowtest.Accepted(t, "first progress", started)
	workflowtest.Accepted(t, "second progress", again)
	workflowtest.Accepted(t, "contribution", contrib)
	workflowtest.Refused(t, "completion without a result", noResult, workflows.ErrInvalidDecision)
	workflowtest.Accepted(t, "completion", done)
	// The workflow ended with the completion: the update cannot reach it.
	if late.Accepted {
		t.Fatal("a contribution after completion was accepted")
	}

	if awaiting.Status != incoming.StatusAwaitingAssignment || !slices.Equal(awaiting.WaitingFor, []string{"lanhdao"}) {
		t.Fatalf("before assignment: %s waiting for %v", awaiting.Status, awaiting.WaitingFor)
	}
	if assigned.Status != incoming.StatusAssigned || !slices.Equal(assigned.WaitingFor, []string{"chuyenvien1", "chuyenvien2", "chuyenvien3"}) {
		t.Fatalf("after assignment: %s waiting for %v", assigned.Status, assigned.WaitingFor)
	}
	if inProgress.Status != incoming.StatusInProgress || inProgress.Handling == nil || inProgress.Handling.StartedAt == nil {
		t.Fatalf("after progress: %+v", inProgress)
	}

	want := []events.Type{
		events.TaskAssigned, // assign, lanhdao
		events.TaskDecided,  // assign
		events.HandlingAssigned,
		events.TaskAssigned, events.TaskAssigned, events.TaskAssigned, // handle, contribute ×2
		events.HandlingStarted,
		events.TaskCommented, // the second progress note
		events.TaskDecided,   // contribute
		events.TaskDecided,   // complete
		events.TaskWithdrawn, // chuyenvien3's contribution
		events.HandlingCompleted,
	}
	if got := rec.Types(); !slices.Equal(got, want) {
		t.Fatalf("published %v, want %v", got, want)
	}
	handling := append(append(workflowtest.Payloads[events.HandlingData](t, rec, events.HandlingAssigned),
		workflowtest.Payloads[events.HandlingData](t, rec, events.HandlingStarted)...),
		workflowtest.Payloads[events.HandlingData](t, rec, events.HandlingCompleted)...)
	deadline := start.Add(time.Hour).AddDate(0, 0, 5)
	for i, code := range []string{events.ReceiptAssigned, events.ReceiptInProgress, events.ReceiptCompleted} {
		h := handling[i]
		if h.Status != code || h.SenderAgency != sender || h.LeadUnit != "phong-tong-hop" || h.LeadPerson != "chuyenvien1" ||
			!h.Deadline.Equal(deadline) || h.WorkflowID != workflows.HandlingWorkflowID("doc-1") {
			t.Fatalf("receipt %d: %+v, want status %s from the lead with deadline %s", i, h, code, deadline)
		}
	}
	if handling[0].By.Username != "lanhdao" || !slices.Equal(handling[0].Cooperators, []string{"chuyenvien2", "chuyenvien3"}) {
		t.Fatalf("handling.assigned %+v", handling[0])
	}
	if handling[2].By.Username != "chuyenvien1" || handling[2].Reply == nil || handling[2].Reply.Key != reply.Key {
		t.Fatalf("handling.completed %+v", handling[2])
	}
	var kinds []string
	for _, a := range workflowtest.Payloads[events.TaskAssignedData](t, rec, events.TaskAssigned) {
		kinds = append(kinds, a.TaskKind+":"+a.Assignee)
	}
	if want := []string{"assign:lanhdao", "handle:chuyenvien1", "contribute:chuyenvien2", "contribute:chuyenvien3"}; !slices.Equal(kinds, want) {
		t.Fatalf("tasks assigned %v, want %v", kinds, want)
	}
	var decisions []string
	for _, d := range workflowtest.Payloads[events.TaskDecidedData](t, rec, events.TaskDecided) {
		decisions = append(decisions, d.Decision)
	}
	if want := []string{"assign", "contribute", "complete"}; !slices.Equal(decisions, want) {
		t.Fatalf("decisions %v, want %v", decisions, want)
	}
	if len(rec.Deadlines()) != 2 || rec.Deadlines()[0].WorkingDays != 1 || rec.Deadlines()[1].WorkingDays != 5 ||
		!rec.Deadlines()[1].From.Equal(start.Add(time.Hour)) {
		t.Fatalf("deadlines asked %+v, want the assignment's, then 5 working days from the assignment", rec.Deadlines())
	}
	s := env.State()
	var actions []string
	for _, e := range s.History {
		actions = append(actions, e.Action)
	}
	if want := []string{"assign", "progress", "progress", "contribute", "complete"}; !slices.Equal(actions, want) {
		t.Fatalf("history %v, want %v", actions, want)
	}
	if s.Status != incoming.StatusCompleted || len(s.WaitingFor) != 0 || s.Handling.Result == "" {
		t.Fatalf("final state %+v", s)
	}
}

func TestWhoMayAssign(t *testing.T) {
	t.Parallel()
	leave := workflows.Substitute{Username: "phogiamdoc", From: start.Add(-24 * time.Hour), Until: start.Add(72 * time.Hour)}
	director := leader("giamdoc")
	director.Substitutes = []workflows.Substitute{leave}
	deputyLeader := leader("phogiamdoc2")
	due := time.Date(2026, 3, 6, 17, 0, 0, 0, vntime.Zone)

	env, rec := newEnv(t, fiveDays)
	// assignBy builds the assignment of taskOwner's task by someone, changed
	// as a test case needs.
	assignBy := func(by events.Actor, taskOwner string, change ...func(*incoming.Assignment)) func(incoming.State) any {
		return func(s incoming.State) any {
			a := incoming.Assignment{
				TaskID: workflowtest.TaskOf(s.Tasks, taskOwner, incoming.TaskAssign), Lead: incoming.Handler{Unit: "phong-tong-hop", Username: "chuyenvien1"},
				Deadline: due, By: by,
			}
			for _, c := range change {
				c(&a)
			}
			return a
		}
	}
	official := env.At(30*time.Minute, incoming.UpdateAssign, assignBy(actor("chuyenvien1", "official"), "giamdoc"))
	otherLeadersTask := env.At(40*time.Minute, incoming.UpdateAssign, assignBy(actor("phogiamdoc2", "leader"), "giamdoc"))
	both := env.At(45*time.Minute, incoming.UpdateAssign, assignBy(actor("giamdoc", "leader"), "giamdoc",
		func(a *incoming.Assignment) { a.DeadlineWorkingDays = 3 }))
	noUnit := env.At(50*time.Minute, incoming.UpdateAssign, assignBy(actor("giamdoc", "leader"), "giamdoc",
		func(a *incoming.Assignment) { a.Lead.Unit = "" }))
	twice := env.At(55*time.Minute, incoming.UpdateAssign, assignBy(actor("giamdoc", "leader"), "giamdoc",
		func(a *incoming.Assignment) {
			a.Cooperators = []incoming.Handler{{Unit: "phong-tong-hop", Username: "chuyenvien1"}}
		}))
	bySubstitute := env.At(time.Hour, incoming.UpdateAssign, assignBy(actor("phogiamdoc", "leader"), "giamdoc"))
	byOtherLeader := env.At(70*time.Minute, incoming.UpdateAssign, assignBy(actor("phogiamdoc2", "leader"), "phogiamdoc2"))
	env.At(2*time.Hour, incoming.UpdateComplete, completeBy("chuyenvien1", nil))
	env.ExecuteWorkflow(incoming.WorkflowName, input(director, deputyLeader))

	if res := workflowtest.Result[incoming.Result](env); res.Outcome != incoming.OutcomeCompleted {
		t.Fatalf("outcome %s", res.Outcome)
	}
	workflowtest.Refused(t, "assignment by an official", official, workflows.ErrNotLeader)
	workflowtest.Refused(t, "assignment of another leader's task", otherLeadersTask, workflows.ErrNotLeader)
	workflowtest.Refused(t, "deadline given twice", both, workflows.ErrInvalidDecision)
	workflowtest.Refused(t, "lead without a unit", noUnit, workflows.ErrInvalidDecision)
	workflowtest.Refused(t, "lead named as a cooperator", twice, workflows.ErrInvalidDecision)
	workflowtest.Accepted(t, "assignment by the director's substitute", bySubstitute)
	workflowtest.Refused(t, "second assignment by the other leader", byOtherLeader, workflows.ErrTaskClosed)
	if r, ok := bySubstitute.Value.(workflows.DecisionResult); !ok || r.OnBehalfOf != "giamdoc" {
		t.Fatalf("assignment result %+v, want on behalf of giamdoc", bySubstitute.Value)
	}
	got := workflowtest.Payloads[events.HandlingData](t, rec, events.HandlingAssigned)
	if len(got) != 1 || got[0].By.Username != "phogiamdoc" || got[0].OnBehalfOf != "giamdoc" || !got[0].Deadline.Equal(due) {
		t.Fatalf("handling.assigned %+v, want by phogiamdoc for giamdoc, due %s", got, due)
	}
	if len(rec.Deadlines()) != 2 || !rec.Deadlines()[1].Due.Equal(due) || rec.Deadlines()[1].WorkingDays != 0 {
		t.Fatalf("deadlines asked %+v, want the chosen date passed on", rec.Deadlines())
	}
	withdrawn := workflowtest.Payloads[events.TaskNoticeData](t, rec, events.TaskWithdrawn)
	if len(withdrawn) != 1 || withdrawn[0].Assignee != "phogiamdoc2" {
		t.Fatalf("withdrawn %+v, want the other leader's assignment task", withdrawn)
	}
}

// Routing counts the handling time from Friday 13 February 2026 across Tết:
// three working days end on Wednesday 25 February, with the reminder on
// Tuesday morning. The lead is reminded then and, at the deadline, the
// leader who assigned the document is alerted and may complete it.
func TestOverdueHandlingEscalatesToTheLeader(t *testing.T) {
	t.Parallel()
	assignedAt := start.Add(30 * time.Minute)
	deadline := time.Date(2026, 2, 25, 10, 0, 0, 0, vntime.Zone)
	remindAt := time.Date(2026, 2, 24, 8, 0, 0, 0, vntime.Zone)
	env, rec := newEnv(t, workflowtest.Planned(assignedAt, 3, deadline, remindAt))
	env.At(30*time.Minute, incoming.UpdateAssign, assignment(3))
	beforeReminder := env.SnapshotAt(remindAt.Sub(start) - time.Minute)
	afterReminder := env.SnapshotAt(remindAt.Sub(start) + time.Minute)
	leaderEarly := env.At(remindAt.Sub(start)+2*time.Minute, incoming.UpdateComplete, completeBy("lanhdao", nil))
	beforeDeadline := env.SnapshotAt(deadline.Sub(start) - time.Minute)
	afterDeadline := env.SnapshotAt(deadline.Sub(start) + time.Minute)
	leaderLate := env.At(deadline.Sub(start)+time.Hour, incoming.UpdateComplete, completeBy("lanhdao", nil))
	env.ExecuteWorkflow(incoming.WorkflowName, input(leader("lanhdao")))

	if res := workflowtest.Result[incoming.Result](env); res.Outcome != incoming.OutcomeCompleted {
		t.Fatalf("outcome %s", res.Outcome)
	}
	handle := func(s *incoming.State) workflows.Task {
		for _, tk := range s.Tasks {
			if tk.Kind == incoming.TaskHandle {
				return tk
			}
		}
		t.Fatalf("no handle task in %+v", s)
		return workflows.Task{}
	}
	if tk := handle(beforeReminder); tk.RemindedAt != nil {
		t.Fatalf("reminded at %v, before %v", tk.RemindedAt, remindAt)
	}
	if tk := handle(afterReminder); tk.RemindedAt == nil || !tk.RemindedAt.Equal(remindAt) || tk.EscalatedAt != nil {
		t.Fatalf("after the reminder: reminded %v escalated %v", tk.RemindedAt, tk.EscalatedAt)
	}
	workflowtest.Refused(t, "leader before the deadline", leaderEarly, workflows.ErrNotAssignee)
	if tk := handle(beforeDeadline); tk.EscalatedAt != nil {
		t.Fatalf("escalated at %v, before the deadline %v", tk.EscalatedAt, deadline)
	}
	if tk := handle(afterDeadline); tk.EscalatedAt == nil || !tk.EscalatedAt.Equal(deadline) {
		t.Fatalf("escalated at %v, want %v", tk.EscalatedAt, deadline)
	}
	if !slices.Equal(afterDeadline.WaitingFor, []string{"chuyenvien1", "lanhdao"}) {
		t.Fatalf("waiting for %v after the escalation", afterDeadline.WaitingFor)
	}
	workflowtest.Accepted(t, "leader after the deadline", leaderLate)
	esc := workflowtest.Payloads[events.TaskNoticeData](t, rec, events.TaskEscalated)
	if len(esc) != 1 || esc[0].Assignee != "chuyenvien1" || esc[0].Supervisor != "lanhdao" || !esc[0].Deadline.Equal(deadline) || !esc[0].At.Equal(deadline) {
		t.Fatalf("task.escalated %+v, want one for chuyenvien1 to lanhdao at %s", esc, deadline)
	}
	if rem := workflowtest.Payloads[events.TaskNoticeData](t, rec, events.TaskReminded); len(rem) != 1 || !rem[0].At.Equal(remindAt) {
		t.Fatalf("task.reminded %+v, want one at %s", rem, remindAt)
	}
	done := workflowtest.Payloads[events.HandlingData](t, rec, events.HandlingCompleted)
	if len(done) != 1 || done[0].By.Username != "lanhdao" {
		t.Fatalf("handling.completed %+v", done)
	}
}

// An urgent document's assignment is due as routing counts it for its
// urgency, and the task says how urgent it is the moment it is assigned.
func TestUrgentDocumentAlertsAtOnce(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, func(in workflows.PlanDeadlinesInput) workflows.PlanDeadlinesResult {
		if in.Urgency == "HOA_TOC" {
			return workflows.PlanDeadlinesResult{Deadline: in.From.Add(4 * time.Hour), RemindAt: in.From.Add(2 * time.Hour)}
		}
		return fiveDays(in)
	})
	in := input(leader("lanhdao"))
	in.Urgency = "HOA_TOC"
	env.At(5*time.Hour, incoming.UpdateAssign, assignment(1))
	env.At(6*time.Hour, incoming.UpdateComplete, completeBy("chuyenvien1", nil))
	env.ExecuteWorkflow(incoming.WorkflowName, in)

	workflowtest.Result[incoming.Result](env)
	assigned := workflowtest.Payloads[events.TaskAssignedData](t, rec, events.TaskAssigned)
	if assigned[0].Urgency != "HOA_TOC" || !assigned[0].AssignedAt.Equal(start) || !assigned[0].Deadline.Equal(start.Add(4*time.Hour)) {
		t.Fatalf("assignment task %+v, want HOA_TOC at once, due 4 hours later", assigned[0])
	}
	if rec.Deadlines()[0].Urgency != "HOA_TOC" {
		t.Fatalf("deadline asked %+v", rec.Deadlines()[0])
	}
	esc := workflowtest.Payloads[events.TaskNoticeData](t, rec, events.TaskEscalated)
	if len(esc) != 1 || esc[0].Supervisor != "chutich" || !esc[0].At.Equal(start.Add(4*time.Hour)) {
		t.Fatalf("task.escalated %+v, want the unassigned document escalated to chutich after 4 hours", esc)
	}
}

func TestLateSubstituteCompletes(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	env.At(30*time.Minute, incoming.UpdateAssign, assignment(5))
	before := env.At(time.Hour, incoming.UpdateComplete, completeBy("chuyenvien9", nil))
	leave := workflows.Substitute{Username: "chuyenvien9", From: start.Add(90 * time.Minute), Until: start.Add(48 * time.Hour)}
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalSubstitutes, workflows.SubstitutesChange{Assignees: []workflows.AssigneeSubstitutes{
			{Username: "chuyenvien1", Substitutes: []workflows.Substitute{leave}},
		}})
	}, 80*time.Minute)
	after := env.At(2*time.Hour, incoming.UpdateComplete, completeBy("chuyenvien9", nil))
	env.ExecuteWorkflow(incoming.WorkflowName, input(leader("lanhdao")))

	workflowtest.Result[incoming.Result](env)
	workflowtest.Refused(t, "completion by someone before the delegation", before, workflows.ErrNotAssignee)
	workflowtest.Accepted(t, "completion by the new substitute", after)
	if r, ok := after.Value.(workflows.DecisionResult); !ok || r.OnBehalfOf != "chuyenvien1" {
		t.Fatalf("result %+v, want on behalf of chuyenvien1", after.Value)
	}
	del := workflowtest.Payloads[events.TaskDelegatedData](t, rec, events.TaskDelegated)
	if len(del) != 1 || del[0].Assignee != "chuyenvien1" || len(del[0].Substitutes) != 1 || del[0].Substitutes[0].Username != "chuyenvien9" {
		t.Fatalf("task.delegated %+v", del)
	}
}

func TestInvalidInputRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*incoming.Input)
	}{
		{"no leaders", func(in *incoming.Input) { in.Leaders = nil }},
		{"vacant leader position", func(in *incoming.Input) { in.Leaders = []workflows.Assignee{{Position: "giam-doc"}} }},
		{"no incoming number", func(in *incoming.Input) { in.ArrivalNumber = 0 }},
		{"no time to assign", func(in *incoming.Input) { in.AssignWorkingDays = 0 }},
		{"no original", func(in *incoming.Input) { in.Original = events.Object{} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, _ := newEnv(t, fiveDays)
			in := input(leader("lanhdao"))
			tc.change(&in)
			env.ExecuteWorkflow(incoming.WorkflowName, in)
			env.FailedWith(incoming.ErrInvalidInput)
		})
	}
}

// Histories recorded on the Temporal dev server (testdata/README.md) must
// replay against the current code: a change that would break running
// handlings fails here.
func TestReplayRecordedHistories(t *testing.T) {
	t.Parallel()
	workflowtest.Replay(t, 1, incoming.Register)
}
