package incoming

import (
	"strings"

	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/internal/kit"
)

// handle registers the query and the updates (kit.On: validators
// only read the state, handlers apply the change).
func (wf *run) handle(ctx workflow.Context) error {
	return kit.RegisterHandlers(ctx, QueryState, func() State { return wf.state },
		kit.On(UpdateAssign, wf.validateAssignment, wf.assign),
		kit.On(UpdateProgress, wf.validateProgress, wf.progress),
		kit.On(UpdateContribute, wf.validateContribution, wf.contribute),
		kit.On(UpdateComplete, wf.validateCompletion, wf.complete))
}

func (wf *run) validateAssignment(ctx workflow.Context, a Assignment) error {
	t, err := wf.book.FindOpen(a.TaskID, TaskAssign)
	if err != nil {
		return err
	}
	if _, err := wf.book.ActingFor(t, a.By.Username, workflow.Now(ctx), workflows.ErrNotLeader); err != nil {
		return kit.Refuse(workflows.ErrNotLeader, "only the leaders the document was presented to (%s), a substitute of theirs or, once overdue, their supervisor can assign it: %v",
			people(wf.in.leaderNames()), err)
	}
	return a.check(workflow.Now(ctx))
}

// assign records the leader's assignment: the other leaders' tasks are
// withdrawn, and the loop plans the deadline and opens the handling tasks.
func (wf *run) assign(ctx workflow.Context, a Assignment) (workflows.DecisionResult, error) {
	now := workflow.Now(ctx)
	t, onBehalfOf, _ := wf.book.Acting(a.TaskID, TaskAssign, a.By.Username, now, workflows.ErrNotLeader)
	wf.book.Decide(t, DecisionAssign, a.Comment, a.By, onBehalfOf, now)
	wf.book.Withdraw(now, TaskAssign)
	wf.state.Handling = &Handling{
		Lead: a.Lead, Cooperators: a.Cooperators, Instruction: a.Comment,
		WorkingDays: a.DeadlineWorkingDays, Requested: a.Deadline,
		AssignedBy: a.By, OnBehalfOf: onBehalfOf, AssignedAt: now,
	}
	wf.state.Status = StatusAssigned
	coop := usernames(a.Cooperators)
	summary := "lead " + a.Lead.Username + " (" + a.Lead.Unit + ")"
	if len(coop) > 0 {
		summary += ", cooperating " + people(coop)
	}
	if a.Comment != "" {
		summary += ": " + a.Comment
	}
	wf.refresh()
	return wf.book.Acted(t, DecisionAssign, a.By, onBehalfOf, summary, now), nil
}

func (wf *run) validateProgress(ctx workflow.Context, p Progress) error {
	_, _, err := wf.book.Acting(p.TaskID, TaskHandle, p.By.Username, workflow.Now(ctx), workflows.ErrNotAssignee)
	return err
}

// progress records the lead's progress. The first report starts the
// handling and owes the sender receipt 05; later notes are comments on the
// task.
func (wf *run) progress(ctx workflow.Context, p Progress) (workflows.DecisionResult, error) {
	now := workflow.Now(ctx)
	t, onBehalfOf, _ := wf.book.Acting(p.TaskID, TaskHandle, p.By.Username, now, workflows.ErrNotAssignee)
	h := wf.state.Handling
	switch {
	case h.StartedAt == nil:
		h.StartedAt = &now
		wf.state.Status = StatusInProgress
		wf.owe(events.ReceiptInProgress, p.By, onBehalfOf, p.Note, now)
	case strings.TrimSpace(p.Note) != "":
		wf.book.Comment(t, &p.By, p.Note, now)
	}
	return wf.book.Acted(t, DecisionProgress, p.By, onBehalfOf, p.Note, now), nil
}

// validateWithText refuses an update on task id, of kind, unless by may act
// on it and gives text, which the update needs (need says what it is).
func (wf *run) validateWithText(ctx workflow.Context, id, kind string, by events.Actor, text, need string) error {
	if _, _, err := wf.book.Acting(id, kind, by.Username, workflow.Now(ctx), workflows.ErrNotAssignee); err != nil {
		return err
	}
	if strings.TrimSpace(text) == "" {
		return kit.Refuse(workflows.ErrInvalidDecision, "%s", need)
	}
	return nil
}

func (wf *run) validateContribution(ctx workflow.Context, c Contribution) error {
	return wf.validateWithText(ctx, c.TaskID, TaskContribute, c.By, c.Opinion, "a contribution needs the opinion for the lead")
}

// contribute closes a cooperator's task with their opinion.
func (wf *run) contribute(ctx workflow.Context, c Contribution) (workflows.DecisionResult, error) {
	now := workflow.Now(ctx)
	t, onBehalfOf, _ := wf.book.Acting(c.TaskID, TaskContribute, c.By.Username, now, workflows.ErrNotAssignee)
	wf.book.Decide(t, DecisionContribute, c.Opinion, c.By, onBehalfOf, now)
	wf.refresh()
	return wf.book.Acted(t, DecisionContribute, c.By, onBehalfOf, c.Opinion, now), nil
}

func (wf *run) validateCompletion(ctx workflow.Context, c Completion) error {
	if err := wf.validateWithText(ctx, c.TaskID, TaskHandle, c.By, c.Result, "completing the handling needs its result"); err != nil {
		return err
	}
	if c.Reply != nil && (c.Reply.Key == "" || c.Reply.SHA256 == "") {
		return kit.Refuse(workflows.ErrInvalidDecision, "the reply document must be stored first: its object key and sha256 are required")
	}
	return nil
}

// complete closes the handling: the lead's task is decided, the
// cooperation still open is withdrawn, and the sender is owed receipt 06.
func (wf *run) complete(ctx workflow.Context, c Completion) (workflows.DecisionResult, error) {
	now := workflow.Now(ctx)
	t, onBehalfOf, _ := wf.book.Acting(c.TaskID, TaskHandle, c.By.Username, now, workflows.ErrNotAssignee)
	wf.book.Decide(t, DecisionComplete, c.Result, c.By, onBehalfOf, now)
	wf.book.Withdraw(now, TaskContribute)
	h := wf.state.Handling
	h.CompletedAt, h.Result, h.Reply = &now, c.Result, c.Reply
	wf.state.Status = StatusCompleted
	wf.owe(events.ReceiptCompleted, c.By, onBehalfOf, c.Result, now)
	wf.refresh()
	return wf.book.Acted(t, DecisionComplete, c.By, onBehalfOf, c.Result, now), nil
}
