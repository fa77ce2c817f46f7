package incoming_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/workflows/approval"
	"github.com/docflow/docflow/workflows/chain"
	"github.com/docflow/docflow/workflows/incoming"
)

const (
	agency = "000.00.00.G22"
	sender = "000.00.00.G09"
)

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

// payloads decodes every published event of type t, in order.
func payloads[T any](t *testing.T, r *recorder, typ events.Type) []T {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []T
	for _, p := range r.published {
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

// fiveDays stands in for routing's calendar where the dates do not matter:
// far enough that no timer fires while people act. A chosen date is kept.
func fiveDays(in chain.PlanDeadlinesInput) chain.PlanDeadlinesResult {
	d := in.From.AddDate(0, 0, 5)
	if !in.Due.IsZero() {
		d = in.Due
	}
	return chain.PlanDeadlinesResult{Deadline: d, RemindAt: d.AddDate(0, 0, -1)}
}

func newEnv(t *testing.T, deadlines func(chain.PlanDeadlinesInput) chain.PlanDeadlinesResult) (*testsuite.TestWorkflowEnvironment, *recorder) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: incoming.WorkflowID("doc-1")})
	rec := &recorder{}
	env.RegisterActivityWithOptions(func(_ context.Context, in approval.PublishEventInput) error {
		if in.ID == "" || in.Agency != agency || in.DocumentID != "doc-1" {
			return errors.New("event without id, agency or document")
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
	incoming.Register(env)
	return env, rec
}

func input(leaders ...chain.Assignee) incoming.Input {
	return incoming.Input{
		DocumentID: "doc-1", Agency: agency, SenderAgency: sender, Kind: "CONG_VAN",
		Subject: "Đề nghị báo cáo tình hình thực hiện kế hoạch", Urgency: "THUONG", ArrivalNumber: 12,
		Original: events.Object{Bucket: "docs", Key: "originals/doc-1.pdf", SHA256: "cd", Size: 10},
		Leaders:  leaders, AssignWorkingDays: 1,
	}
}

func leader(username string) chain.Assignee {
	return chain.Assignee{Position: "giam-doc", Username: username, Supervisor: "chutich"}
}

func actor(username, role string) events.Actor {
	return events.Actor{Username: username, Role: role, Agency: agency}
}

func assignment(days int, coop ...string) func(incoming.State) any {
	return func(s incoming.State) any {
		a := incoming.Assignment{
			TaskID: taskOf(s, incoming.TaskAssign, "lanhdao"), Lead: incoming.Handler{Unit: "phong-tong-hop", Username: "chuyenvien1"},
			DeadlineWorkingDays: days, Comment: "Phòng Tổng hợp chủ trì, báo cáo kết quả", By: actor("lanhdao", "leader"),
		}
		for _, c := range coop {
			a.Cooperators = append(a.Cooperators, incoming.Handler{Unit: "phong-ke-hoach", Username: c})
		}
		return a
	}
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

func at(env *testsuite.TestWorkflowEnvironment, after time.Duration, name string, arg func(incoming.State) any) *outcome {
	o := &outcome{}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(name, "", o.callbacks(), arg(query(env)))
	}, after)
	return o
}

// taskOf is the id of the latest task of a kind assigned to username.
func taskOf(s incoming.State, kind, username string) string {
	id := "no-" + kind + "-task-for-" + username
	for _, t := range s.Tasks {
		if t.Kind == kind && t.Assignee.Username == username {
			id = t.ID
		}
	}
	return id
}

func query(env *testsuite.TestWorkflowEnvironment) incoming.State {
	v, err := env.QueryWorkflow(incoming.QueryState)
	if err != nil {
		return incoming.State{Status: "query failed: " + err.Error()}
	}
	var s incoming.State
	if err := v.Get(&s); err != nil {
		return incoming.State{Status: "query failed: " + err.Error()}
	}
	return s
}

func snapshotAt(env *testsuite.TestWorkflowEnvironment, after time.Duration) *incoming.State {
	s := &incoming.State{}
	env.RegisterDelayedCallback(func() { *s = query(env) }, after)
	return s
}

func result(t *testing.T, env *testsuite.TestWorkflowEnvironment) incoming.Result {
	t.Helper()
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res incoming.Result
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

func progressBy(username, note string) func(incoming.State) any {
	return func(s incoming.State) any {
		return incoming.Progress{TaskID: taskOf(s, incoming.TaskHandle, "chuyenvien1"), Note: note, By: actor(username, "official")}
	}
}

func completeBy(username string, reply *events.Object) func(incoming.State) any {
	return func(s incoming.State) any {
		return incoming.Completion{TaskID: taskOf(s, incoming.TaskHandle, "chuyenvien1"), Result: "Đã báo cáo bằng công văn số 15/UBND-TH", Reply: reply, By: actor(username, "official")}
	}
}

func TestFullHandlingWithReceipts(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	reply := &events.Object{Bucket: "docs", Key: "originals/reply-1.pdf", SHA256: "ef", Size: 20}
	awaiting := snapshotAt(env, 30*time.Minute)
	assign := at(env, time.Hour, incoming.UpdateAssign, assignment(5, "chuyenvien2", "chuyenvien3"))
	assigned := snapshotAt(env, 90*time.Minute)
	earlyContribution := at(env, 100*time.Minute, incoming.UpdateContribute, func(s incoming.State) any {
		return incoming.Contribution{TaskID: taskOf(s, incoming.TaskContribute, "chuyenvien2"), Opinion: " ", By: actor("chuyenvien2", "official")}
	})
	notLead := at(env, 110*time.Minute, incoming.UpdateProgress, progressBy("chuyenvien2", "Tôi làm"))
	started := at(env, 2*time.Hour, incoming.UpdateProgress, progressBy("chuyenvien1", "Đang tổng hợp số liệu"))
	inProgress := snapshotAt(env, 150*time.Minute)
	again := at(env, 3*time.Hour, incoming.UpdateProgress, progressBy("chuyenvien1", "Đã có số liệu quý I"))
	contrib := at(env, 4*time.Hour, incoming.UpdateContribute, func(s incoming.State) any {
		return incoming.Contribution{TaskID: taskOf(s, incoming.TaskContribute, "chuyenvien2"), Opinion: "Bổ sung số liệu quý I", By: actor("chuyenvien2", "official")}
	})
	noResult := at(env, 290*time.Minute, incoming.UpdateComplete, func(s incoming.State) any {
		return incoming.Completion{TaskID: taskOf(s, incoming.TaskHandle, "chuyenvien1"), By: actor("chuyenvien1", "official")}
	})
	done := at(env, 5*time.Hour, incoming.UpdateComplete, completeBy("chuyenvien1", reply))
	late := at(env, 6*time.Hour, incoming.UpdateContribute, func(s incoming.State) any {
		return incoming.Contribution{TaskID: taskOf(s, incoming.TaskContribute, "chuyenvien3"), Opinion: "Muộn", By: actor("chuyenvien3", "official")}
	})
	env.ExecuteWorkflow(incoming.WorkflowName, input(leader("lanhdao")))

	res := result(t, env)
	if res.Outcome != incoming.OutcomeCompleted || res.Reply == nil || *res.Reply != *reply {
		t.Fatalf("result %+v, want completed with the reply document", res)
	}
	accepted(t, "assign", assign)
	refused(t, "contribution without an opinion", earlyContribution, incoming.ErrInvalidDecision)
	refused(t, "progress by a cooperator", notLead, incoming.ErrNotAssignee)
	accepted(t, "first progress", started)
	accepted(t, "second progress", again)
	accepted(t, "contribution", contrib)
	refused(t, "completion without a result", noResult, incoming.ErrInvalidDecision)
	accepted(t, "completion", done)
	// The workflow ended with the completion: the update cannot reach it.
	if late.accepted {
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
	if got := rec.types(); !slices.Equal(got, want) {
		t.Fatalf("published %v, want %v", got, want)
	}
	handling := append(append(payloads[events.HandlingData](t, rec, events.HandlingAssigned),
		payloads[events.HandlingData](t, rec, events.HandlingStarted)...),
		payloads[events.HandlingData](t, rec, events.HandlingCompleted)...)
	deadline := start.Add(time.Hour).AddDate(0, 0, 5)
	for i, code := range []string{events.ReceiptAssigned, events.ReceiptInProgress, events.ReceiptCompleted} {
		h := handling[i]
		if h.Status != code || h.SenderAgency != sender || h.LeadUnit != "phong-tong-hop" || h.LeadPerson != "chuyenvien1" ||
			!h.Deadline.Equal(deadline) || h.WorkflowID != incoming.WorkflowID("doc-1") {
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
	for _, a := range payloads[events.TaskAssignedData](t, rec, events.TaskAssigned) {
		kinds = append(kinds, a.TaskKind+":"+a.Assignee)
	}
	if want := []string{"assign:lanhdao", "handle:chuyenvien1", "contribute:chuyenvien2", "contribute:chuyenvien3"}; !slices.Equal(kinds, want) {
		t.Fatalf("tasks assigned %v, want %v", kinds, want)
	}
	var decisions []string
	for _, d := range payloads[events.TaskDecidedData](t, rec, events.TaskDecided) {
		decisions = append(decisions, d.Decision)
	}
	if want := []string{"assign", "contribute", "complete"}; !slices.Equal(decisions, want) {
		t.Fatalf("decisions %v, want %v", decisions, want)
	}
	if len(rec.deadlines) != 2 || rec.deadlines[0].WorkingDays != 1 || rec.deadlines[1].WorkingDays != 5 ||
		!rec.deadlines[1].From.Equal(start.Add(time.Hour)) {
		t.Fatalf("deadlines asked %+v, want the assignment's, then 5 working days from the assignment", rec.deadlines)
	}
	s := query(env)
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
	leave := chain.Substitute{Username: "phogiamdoc", From: start.Add(-24 * time.Hour), Until: start.Add(72 * time.Hour)}
	director := leader("giamdoc")
	director.Substitutes = []chain.Substitute{leave}
	deputyLeader := leader("phogiamdoc2")
	due := time.Date(2026, 3, 6, 17, 0, 0, 0, vntime.Zone)

	env, rec := newEnv(t, fiveDays)
	// assignBy builds the assignment of taskOwner's task by someone, changed
	// as a test case needs.
	assignBy := func(by events.Actor, taskOwner string, change ...func(*incoming.Assignment)) func(incoming.State) any {
		return func(s incoming.State) any {
			a := incoming.Assignment{
				TaskID: taskOf(s, incoming.TaskAssign, taskOwner), Lead: incoming.Handler{Unit: "phong-tong-hop", Username: "chuyenvien1"},
				Deadline: due, By: by,
			}
			for _, c := range change {
				c(&a)
			}
			return a
		}
	}
	official := at(env, 30*time.Minute, incoming.UpdateAssign, assignBy(actor("chuyenvien1", "official"), "giamdoc"))
	otherLeadersTask := at(env, 40*time.Minute, incoming.UpdateAssign, assignBy(actor("phogiamdoc2", "leader"), "giamdoc"))
	both := at(env, 45*time.Minute, incoming.UpdateAssign, assignBy(actor("giamdoc", "leader"), "giamdoc",
		func(a *incoming.Assignment) { a.DeadlineWorkingDays = 3 }))
	noUnit := at(env, 50*time.Minute, incoming.UpdateAssign, assignBy(actor("giamdoc", "leader"), "giamdoc",
		func(a *incoming.Assignment) { a.Lead.Unit = "" }))
	twice := at(env, 55*time.Minute, incoming.UpdateAssign, assignBy(actor("giamdoc", "leader"), "giamdoc",
		func(a *incoming.Assignment) {
			a.Cooperators = []incoming.Handler{{Unit: "phong-tong-hop", Username: "chuyenvien1"}}
		}))
	bySubstitute := at(env, time.Hour, incoming.UpdateAssign, assignBy(actor("phogiamdoc", "leader"), "giamdoc"))
	byOtherLeader := at(env, 70*time.Minute, incoming.UpdateAssign, assignBy(actor("phogiamdoc2", "leader"), "phogiamdoc2"))
	at(env, 2*time.Hour, incoming.UpdateComplete, completeBy("chuyenvien1", nil))
	env.ExecuteWorkflow(incoming.WorkflowName, input(director, deputyLeader))

	if res := result(t, env); res.Outcome != incoming.OutcomeCompleted {
		t.Fatalf("outcome %s", res.Outcome)
	}
	refused(t, "assignment by an official", official, incoming.ErrNotLeader)
	refused(t, "assignment of another leader's task", otherLeadersTask, incoming.ErrNotLeader)
	refused(t, "deadline given twice", both, incoming.ErrInvalidDecision)
	refused(t, "lead without a unit", noUnit, incoming.ErrInvalidDecision)
	refused(t, "lead named as a cooperator", twice, incoming.ErrInvalidDecision)
	accepted(t, "assignment by the director's substitute", bySubstitute)
	refused(t, "second assignment by the other leader", byOtherLeader, incoming.ErrTaskClosed)
	if r, ok := bySubstitute.value.(incoming.TaskResult); !ok || r.OnBehalfOf != "giamdoc" {
		t.Fatalf("assignment result %+v, want on behalf of giamdoc", bySubstitute.value)
	}
	got := payloads[events.HandlingData](t, rec, events.HandlingAssigned)
	if len(got) != 1 || got[0].By.Username != "phogiamdoc" || got[0].OnBehalfOf != "giamdoc" || !got[0].Deadline.Equal(due) {
		t.Fatalf("handling.assigned %+v, want by phogiamdoc for giamdoc, due %s", got, due)
	}
	if len(rec.deadlines) != 2 || !rec.deadlines[1].Due.Equal(due) || rec.deadlines[1].WorkingDays != 0 {
		t.Fatalf("deadlines asked %+v, want the chosen date passed on", rec.deadlines)
	}
	withdrawn := payloads[events.TaskNoticeData](t, rec, events.TaskWithdrawn)
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
	env, rec := newEnv(t, func(in chain.PlanDeadlinesInput) chain.PlanDeadlinesResult {
		if in.From.Equal(assignedAt) && in.WorkingDays == 3 {
			return chain.PlanDeadlinesResult{Deadline: deadline, RemindAt: remindAt}
		}
		return fiveDays(in)
	})
	at(env, 30*time.Minute, incoming.UpdateAssign, assignment(3))
	beforeReminder := snapshotAt(env, remindAt.Sub(start)-time.Minute)
	afterReminder := snapshotAt(env, remindAt.Sub(start)+time.Minute)
	leaderEarly := at(env, remindAt.Sub(start)+2*time.Minute, incoming.UpdateComplete, completeBy("lanhdao", nil))
	beforeDeadline := snapshotAt(env, deadline.Sub(start)-time.Minute)
	afterDeadline := snapshotAt(env, deadline.Sub(start)+time.Minute)
	leaderLate := at(env, deadline.Sub(start)+time.Hour, incoming.UpdateComplete, completeBy("lanhdao", nil))
	env.ExecuteWorkflow(incoming.WorkflowName, input(leader("lanhdao")))

	if res := result(t, env); res.Outcome != incoming.OutcomeCompleted {
		t.Fatalf("outcome %s", res.Outcome)
	}
	handle := func(s *incoming.State) incoming.Task {
		for _, tk := range s.Tasks {
			if tk.Kind == incoming.TaskHandle {
				return tk
			}
		}
		t.Fatalf("no handle task in %+v", s)
		return incoming.Task{}
	}
	if tk := handle(beforeReminder); tk.RemindedAt != nil {
		t.Fatalf("reminded at %v, before %v", tk.RemindedAt, remindAt)
	}
	if tk := handle(afterReminder); tk.RemindedAt == nil || !tk.RemindedAt.Equal(remindAt) || tk.EscalatedAt != nil {
		t.Fatalf("after the reminder: reminded %v escalated %v", tk.RemindedAt, tk.EscalatedAt)
	}
	refused(t, "leader before the deadline", leaderEarly, incoming.ErrNotAssignee)
	if tk := handle(beforeDeadline); tk.EscalatedAt != nil {
		t.Fatalf("escalated at %v, before the deadline %v", tk.EscalatedAt, deadline)
	}
	if tk := handle(afterDeadline); tk.EscalatedAt == nil || !tk.EscalatedAt.Equal(deadline) {
		t.Fatalf("escalated at %v, want %v", tk.EscalatedAt, deadline)
	}
	if !slices.Equal(afterDeadline.WaitingFor, []string{"chuyenvien1", "lanhdao"}) {
		t.Fatalf("waiting for %v after the escalation", afterDeadline.WaitingFor)
	}
	accepted(t, "leader after the deadline", leaderLate)
	esc := payloads[events.TaskNoticeData](t, rec, events.TaskEscalated)
	if len(esc) != 1 || esc[0].Assignee != "chuyenvien1" || esc[0].Supervisor != "lanhdao" || !esc[0].Deadline.Equal(deadline) || !esc[0].At.Equal(deadline) {
		t.Fatalf("task.escalated %+v, want one for chuyenvien1 to lanhdao at %s", esc, deadline)
	}
	if rem := payloads[events.TaskNoticeData](t, rec, events.TaskReminded); len(rem) != 1 || !rem[0].At.Equal(remindAt) {
		t.Fatalf("task.reminded %+v, want one at %s", rem, remindAt)
	}
	done := payloads[events.HandlingData](t, rec, events.HandlingCompleted)
	if len(done) != 1 || done[0].By.Username != "lanhdao" {
		t.Fatalf("handling.completed %+v", done)
	}
}

// An urgent document's assignment is due as routing counts it for its
// urgency, and the task says how urgent it is the moment it is assigned.
func TestUrgentDocumentAlertsAtOnce(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, func(in chain.PlanDeadlinesInput) chain.PlanDeadlinesResult {
		if in.Urgency == "HOA_TOC" {
			return chain.PlanDeadlinesResult{Deadline: in.From.Add(4 * time.Hour), RemindAt: in.From.Add(2 * time.Hour)}
		}
		return fiveDays(in)
	})
	in := input(leader("lanhdao"))
	in.Urgency = "HOA_TOC"
	at(env, 5*time.Hour, incoming.UpdateAssign, assignment(1))
	at(env, 6*time.Hour, incoming.UpdateComplete, completeBy("chuyenvien1", nil))
	env.ExecuteWorkflow(incoming.WorkflowName, in)

	result(t, env)
	assigned := payloads[events.TaskAssignedData](t, rec, events.TaskAssigned)
	if assigned[0].Urgency != "HOA_TOC" || !assigned[0].AssignedAt.Equal(start) || !assigned[0].Deadline.Equal(start.Add(4*time.Hour)) {
		t.Fatalf("assignment task %+v, want HOA_TOC at once, due 4 hours later", assigned[0])
	}
	if rec.deadlines[0].Urgency != "HOA_TOC" {
		t.Fatalf("deadline asked %+v", rec.deadlines[0])
	}
	esc := payloads[events.TaskNoticeData](t, rec, events.TaskEscalated)
	if len(esc) != 1 || esc[0].Supervisor != "chutich" || !esc[0].At.Equal(start.Add(4*time.Hour)) {
		t.Fatalf("task.escalated %+v, want the unassigned document escalated to chutich after 4 hours", esc)
	}
}

func TestLateSubstituteCompletes(t *testing.T) {
	t.Parallel()
	env, rec := newEnv(t, fiveDays)
	at(env, 30*time.Minute, incoming.UpdateAssign, assignment(5))
	before := at(env, time.Hour, incoming.UpdateComplete, completeBy("chuyenvien9", nil))
	leave := chain.Substitute{Username: "chuyenvien9", From: start.Add(90 * time.Minute), Until: start.Add(48 * time.Hour)}
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(incoming.SignalSubstitutes, chain.SubstitutesChange{Assignees: []chain.AssigneeSubstitutes{
			{Username: "chuyenvien1", Substitutes: []chain.Substitute{leave}},
		}})
	}, 80*time.Minute)
	after := at(env, 2*time.Hour, incoming.UpdateComplete, completeBy("chuyenvien9", nil))
	env.ExecuteWorkflow(incoming.WorkflowName, input(leader("lanhdao")))

	result(t, env)
	refused(t, "completion by someone before the delegation", before, incoming.ErrNotAssignee)
	accepted(t, "completion by the new substitute", after)
	if r, ok := after.value.(incoming.TaskResult); !ok || r.OnBehalfOf != "chuyenvien1" {
		t.Fatalf("result %+v, want on behalf of chuyenvien1", after.value)
	}
	del := payloads[events.TaskDelegatedData](t, rec, events.TaskDelegated)
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
		{"vacant leader position", func(in *incoming.Input) { in.Leaders = []chain.Assignee{{Position: "giam-doc"}} }},
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
			var ae *temporal.ApplicationError
			if err := env.GetWorkflowError(); !errors.As(err, &ae) || ae.Type() != incoming.ErrInvalidInput {
				t.Fatalf("error %v, want %s", err, incoming.ErrInvalidInput)
			}
		})
	}
}
