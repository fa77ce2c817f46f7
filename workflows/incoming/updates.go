package incoming

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
)

// handle registers the query and the updates. Validators only read the
// state, so a refused update leaves no trace in history and its caller gets
// the reason; handlers then apply the change synchronously.
func (wf *run) handle(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (State, error) { return wf.state, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateAssign, wf.assign,
		workflow.UpdateHandlerOptions{Validator: wf.validateAssignment}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateProgress, wf.progress,
		workflow.UpdateHandlerOptions{Validator: wf.validateProgress}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateContribute, wf.contribute,
		workflow.UpdateHandlerOptions{Validator: wf.validateContribution}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateComplete, wf.complete,
		workflow.UpdateHandlerOptions{Validator: wf.validateCompletion})
}

func refuse(errType, format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), errType)
}

// findOpen finds an open task of the given kind, or says why there is none.
func (wf *run) findOpen(id, kind string) (*Task, error) {
	t := wf.task(id)
	switch {
	case t == nil:
		return nil, refuse(ErrTaskNotFound, "no task %s on this document", id)
	case t.Status != TaskOpen:
		return nil, refuse(ErrTaskClosed, "task %s is already closed (%s)", id, t.Status)
	case t.Kind != kind:
		return nil, refuse(ErrInvalidDecision, "task %s is a %s task, not a %s task", id, t.Kind, kind)
	}
	return t, nil
}

// actingFor says whether by may act on t, and for whom, by chain's rules:
// the assignee, a supervisor the overdue task escalated to, or a
// substitute in force whose scope covers the document's kind (acting on
// behalf of the assignee).
func (wf *run) actingFor(t *Task, by string, now time.Time, errType string) (string, error) {
	if slices.Contains(t.Deciders, by) {
		return "", nil
	}
	onBehalfOf, ok, why := t.Assignee.ActsFor(by, wf.in.Kind, now)
	if ok {
		return onBehalfOf, nil
	}
	msg := fmt.Sprintf("task %s is assigned to %s, not to %s", t.ID, t.Assignee.Username, by)
	if len(why) > 0 {
		msg += ": " + strings.Join(why, "; ")
	}
	return "", temporal.NewApplicationError(msg, errType)
}

func (wf *run) validateAssignment(ctx workflow.Context, a Assignment) error {
	t, err := wf.findOpen(a.TaskID, TaskAssign)
	if err != nil {
		return err
	}
	if _, err := wf.actingFor(t, a.By.Username, workflow.Now(ctx), ErrNotLeader); err != nil {
		var leaders []string
		for _, l := range wf.in.Leaders {
			leaders = append(leaders, l.Username)
		}
		return refuse(ErrNotLeader, "only the leaders the document was presented to (%s), a substitute of theirs or, once overdue, their supervisor can assign it: %v",
			people(leaders), err)
	}
	now := workflow.Now(ctx)
	var problems []string
	if strings.TrimSpace(a.Lead.Unit) == "" {
		problems = append(problems, "the lead unit is required")
	}
	if a.Lead.Username == "" {
		problems = append(problems, "the lead person's username is required")
	}
	seen := []string{a.Lead.Username}
	for i, c := range a.Cooperators {
		switch {
		case c.Username == "":
			problems = append(problems, fmt.Sprintf("cooperator %d (unit %q) needs the username of the person who contributes", i+1, c.Unit))
		case slices.Contains(seen, c.Username):
			problems = append(problems, fmt.Sprintf("%s is named twice (lead or cooperator)", c.Username))
		}
		seen = append(seen, c.Username)
	}
	switch {
	case a.DeadlineWorkingDays > 0 && !a.Deadline.IsZero():
		problems = append(problems, "give the deadline either in working days or as a date, not both")
	case a.DeadlineWorkingDays < 0:
		problems = append(problems, fmt.Sprintf("deadline_working_days must be 1 or more, got %d", a.DeadlineWorkingDays))
	case a.DeadlineWorkingDays == 0 && a.Deadline.IsZero():
		problems = append(problems, "a handling deadline is required: working days or a date")
	case !a.Deadline.IsZero() && !a.Deadline.After(now):
		problems = append(problems, fmt.Sprintf("the deadline %s has already passed", a.Deadline.Format(time.RFC3339)))
	}
	if len(problems) > 0 {
		return refuse(ErrInvalidDecision, "assignment refused: %s", strings.Join(problems, "; "))
	}
	return nil
}

// assign records the leader's assignment: the other leaders' tasks are
// withdrawn, and the loop plans the deadline and opens the handling tasks.
func (wf *run) assign(ctx workflow.Context, a Assignment) (TaskResult, error) {
	now := workflow.Now(ctx)
	t := wf.task(a.TaskID)
	onBehalfOf, _ := wf.actingFor(t, a.By.Username, now, ErrNotLeader)
	wf.decided(t, DecisionAssign, a.Comment, a.By, onBehalfOf, now)
	wf.withdrawOpen(TaskAssign, now)
	wf.state.Handling = &Handling{
		Lead: a.Lead, Cooperators: a.Cooperators, Instruction: a.Comment,
		WorkingDays: a.DeadlineWorkingDays, Requested: a.Deadline,
		AssignedBy: a.By, OnBehalfOf: onBehalfOf, AssignedAt: now,
	}
	wf.state.Status = StatusAssigned
	var coop []string
	for _, c := range a.Cooperators {
		coop = append(coop, c.Username)
	}
	summary := "lead " + a.Lead.Username + " (" + a.Lead.Unit + ")"
	if len(coop) > 0 {
		summary += ", cooperating " + people(coop)
	}
	if a.Comment != "" {
		summary += ": " + a.Comment
	}
	wf.record(Entry{At: now, Action: DecisionAssign, TaskID: t.ID, By: a.By.Username, OnBehalfOf: onBehalfOf, Comment: summary})
	wf.refresh()
	return TaskResult{TaskID: t.ID, Decision: DecisionAssign, DecidedAt: now, OnBehalfOf: onBehalfOf}, nil
}

// decided closes a task with a decision and announces it.
func (wf *run) decided(t *Task, decision, comment string, by events.Actor, onBehalfOf string, now time.Time) {
	t.Decision, t.DecidedBy, t.OnBehalfOf, t.DecidedAt = decision, by.Username, onBehalfOf, &now
	wf.closeTask(t, TaskDecided)
	wf.queue(events.TaskDecided, events.TaskDecidedData{
		TaskID: t.ID, DocumentID: wf.in.DocumentID, WorkflowID: wf.wfID, Decision: decision,
		Comment: comment, By: by, OnBehalfOf: onBehalfOf, DecidedAt: now,
	})
}

func (wf *run) validateProgress(ctx workflow.Context, p Progress) error {
	t, err := wf.findOpen(p.TaskID, TaskHandle)
	if err != nil {
		return err
	}
	_, err = wf.actingFor(t, p.By.Username, workflow.Now(ctx), ErrNotAssignee)
	return err
}

// progress records the lead's progress. The first report starts the
// handling and owes the sender receipt 05; later notes are comments on the
// task.
func (wf *run) progress(ctx workflow.Context, p Progress) (TaskResult, error) {
	now := workflow.Now(ctx)
	t := wf.task(p.TaskID)
	onBehalfOf, _ := wf.actingFor(t, p.By.Username, now, ErrNotAssignee)
	h := wf.state.Handling
	wf.record(Entry{At: now, Action: DecisionProgress, TaskID: t.ID, By: p.By.Username, OnBehalfOf: onBehalfOf, Comment: p.Note})
	switch {
	case h.StartedAt == nil:
		h.StartedAt = &now
		wf.state.Status = StatusInProgress
		wf.queue(events.HandlingStarted, wf.handlingData(events.ReceiptInProgress, p.By, onBehalfOf, p.Note, now))
	case strings.TrimSpace(p.Note) != "":
		n := wf.notice(t, now)
		n.By, n.Comment = &p.By, p.Note
		wf.queue(events.TaskCommented, n)
	}
	return TaskResult{TaskID: t.ID, Decision: DecisionProgress, DecidedAt: now, OnBehalfOf: onBehalfOf}, nil
}

func (wf *run) validateContribution(ctx workflow.Context, c Contribution) error {
	t, err := wf.findOpen(c.TaskID, TaskContribute)
	if err != nil {
		return err
	}
	if _, err := wf.actingFor(t, c.By.Username, workflow.Now(ctx), ErrNotAssignee); err != nil {
		return err
	}
	if strings.TrimSpace(c.Opinion) == "" {
		return refuse(ErrInvalidDecision, "a contribution needs the opinion for the lead")
	}
	return nil
}

// contribute closes a cooperator's task with their opinion.
func (wf *run) contribute(ctx workflow.Context, c Contribution) (TaskResult, error) {
	now := workflow.Now(ctx)
	t := wf.task(c.TaskID)
	onBehalfOf, _ := wf.actingFor(t, c.By.Username, now, ErrNotAssignee)
	wf.decided(t, DecisionContribute, c.Opinion, c.By, onBehalfOf, now)
	wf.record(Entry{At: now, Action: DecisionContribute, TaskID: t.ID, By: c.By.Username, OnBehalfOf: onBehalfOf, Comment: c.Opinion})
	wf.refresh()
	return TaskResult{TaskID: t.ID, Decision: DecisionContribute, DecidedAt: now, OnBehalfOf: onBehalfOf}, nil
}

func (wf *run) validateCompletion(ctx workflow.Context, c Completion) error {
	t, err := wf.findOpen(c.TaskID, TaskHandle)
	if err != nil {
		return err
	}
	if _, err := wf.actingFor(t, c.By.Username, workflow.Now(ctx), ErrNotAssignee); err != nil {
		return err
	}
	if strings.TrimSpace(c.Result) == "" {
		return refuse(ErrInvalidDecision, "completing the handling needs its result")
	}
	if c.Reply != nil && (c.Reply.Key == "" || c.Reply.SHA256 == "") {
		return refuse(ErrInvalidDecision, "the reply document must be stored first: its object key and sha256 are required")
	}
	return nil
}

// complete closes the handling: the lead's task is decided, the
// cooperation still open is withdrawn, and the sender is owed receipt 06.
func (wf *run) complete(ctx workflow.Context, c Completion) (TaskResult, error) {
	now := workflow.Now(ctx)
	t := wf.task(c.TaskID)
	onBehalfOf, _ := wf.actingFor(t, c.By.Username, now, ErrNotAssignee)
	wf.decided(t, DecisionComplete, c.Result, c.By, onBehalfOf, now)
	wf.withdrawOpen(TaskContribute, now)
	h := wf.state.Handling
	h.CompletedAt, h.Result, h.Reply = &now, c.Result, c.Reply
	wf.state.Status = StatusCompleted
	wf.record(Entry{At: now, Action: DecisionComplete, TaskID: t.ID, By: c.By.Username, OnBehalfOf: onBehalfOf, Comment: c.Result})
	wf.queue(events.HandlingCompleted, wf.handlingData(events.ReceiptCompleted, c.By, onBehalfOf, c.Result, now))
	wf.refresh()
	return TaskResult{TaskID: t.ID, Decision: DecisionComplete, DecidedAt: now, OnBehalfOf: onBehalfOf}, nil
}
