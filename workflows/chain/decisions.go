package chain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/docflow/docflow/workflows/approval"
)

// handle registers the query and the updates. Every validator only reads
// the state, so a refused update leaves no trace in history and its caller
// gets the reason; the handlers then apply the change synchronously.
func (wf *run) handle(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (State, error) { return wf.state, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecide, wf.decide,
		workflow.UpdateHandlerOptions{Validator: wf.validateDecision}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateResubmit, wf.resubmit,
		workflow.UpdateHandlerOptions{Validator: wf.validateResubmission}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateReassign, wf.reassign,
		workflow.UpdateHandlerOptions{Validator: wf.validateReassignment}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateRecall, wf.recall,
		workflow.UpdateHandlerOptions{Validator: wf.validateRecall}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateIssue, wf.issue,
		workflow.UpdateHandlerOptions{Validator: wf.validateIssue})
}

func refuse(errType, format string, args ...any) error {
	return temporal.NewApplicationError(fmt.Sprintf(format, args...), errType)
}

// openTask finds an open task of the given kind, or says why there is none.
func (wf *run) findOpen(id, kind string) (*Task, error) {
	t := wf.task(id)
	switch {
	case t == nil:
		return nil, refuse(ErrTaskNotFound, "no task %s on this document", id)
	case t.Status != TaskOpen:
		return nil, refuse(ErrTaskClosed, "task %s is already closed (%s)", id, t.Status)
	case t.Kind != kind:
		return nil, refuse(ErrInvalidDecision, "task %s is a %s task, not an %s task", id, t.Kind, kind)
	}
	return t, nil
}

// actingFor says whether by may decide t, and for whom: "" when by is the
// assignee or a supervisor the task escalated to, the assignee's username
// when by is their substitute. A substitute acts only while the
// substitution is in force (From ≤ now < Until) and within its scope of
// document kinds.
func (wf *run) actingFor(t *Task, by string, now time.Time) (string, error) {
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
	return "", temporal.NewApplicationError(msg, ErrNotAssignee)
}

func (wf *run) validateDecision(ctx workflow.Context, d Decision) error {
	t, err := wf.findOpen(d.TaskID, TaskApprove)
	if err != nil {
		return err
	}
	if _, err := wf.actingFor(t, d.By.Username, workflow.Now(ctx)); err != nil {
		return err
	}
	switch d.Decision {
	case DecisionApprove, DecisionComment:
	case DecisionReject, DecisionReturn:
		if strings.TrimSpace(d.Comment) == "" {
			return refuse(ErrInvalidDecision, "a decision to %s needs a comment giving the reason", d.Decision)
		}
	default:
		return refuse(ErrInvalidDecision, "decision %q is not one of approve, reject, return, comment", d.Decision)
	}
	if d.Decision == DecisionComment && strings.TrimSpace(d.Comment) == "" {
		return refuse(ErrInvalidDecision, "a comment needs text")
	}
	return nil
}

// decide applies a decision. The rules, per step mode:
//   - single and all: every assignee must agree, so one rejection makes the
//     step impossible and rejects the document;
//   - any and n_of_m: a rejection is one vote against the step; the
//     document is rejected only once the step can no longer collect its
//     approvals (any: every task rejected; n_of_m: more than m−n rejections);
//   - return, in every mode, sends the whole document back to the drafter:
//     the step's open tasks are withdrawn and the step starts over, with
//     fresh tasks, after the drafter resubmits;
//   - comment leaves the task open.
func (wf *run) decide(ctx workflow.Context, d Decision) (DecisionResult, error) {
	now := workflow.Now(ctx)
	t := wf.task(d.TaskID)
	onBehalfOf, _ := wf.actingFor(t, d.By.Username, now)
	wf.record(Entry{At: now, Action: d.Decision, TaskID: t.ID, StepID: t.StepID, By: d.By.Username, OnBehalfOf: onBehalfOf, Comment: d.Comment})
	res := DecisionResult{TaskID: t.ID, Decision: d.Decision, DecidedAt: now, OnBehalfOf: onBehalfOf}
	if d.Decision == DecisionComment {
		n := wf.notice(t, now)
		n.By, n.Comment = &d.By, d.Comment
		wf.queue(kindTaskCommented, n)
		return res, nil
	}

	t.Decision, t.DecidedBy, t.OnBehalfOf, t.DecidedAt = d.Decision, d.By.Username, onBehalfOf, &now
	wf.closeTask(t, TaskDecided)
	wf.queue(kindTaskDecided, TaskDecidedData{
		TaskID: t.ID, DocumentID: wf.in.DocumentID, WorkflowID: wf.wfID, Decision: d.Decision,
		Comment: d.Comment, By: d.By, OnBehalfOf: onBehalfOf, DecidedAt: now,
	})

	step := wf.in.Plan.Steps[wf.state.Step]
	switch d.Decision {
	case DecisionApprove:
		wf.state.Approvals++
		if wf.state.Approvals >= required(step) {
			wf.state.Approver = &d.By
			wf.withdrawOpen(now)
			wf.state.Step++
			wf.state.StepOpen = false
		}
	case DecisionReject:
		wf.state.Rejections++
		if step.Mode == ModeSingle || step.Mode == ModeAll || wf.state.Rejections > len(step.Assignees)-required(step) {
			wf.withdrawOpen(now)
			wf.state.Status = StatusRejected
			wf.state.Ended = &EndedBy{By: d.By, Comment: d.Comment, At: now}
		}
	case DecisionReturn:
		wf.withdrawOpen(now)
		wf.state.StepOpen = false
		wf.state.Status = StatusReturned
		wf.openTask(Task{
			ID: approval.NewID(ctx), StepID: step.ID, Kind: TaskRevise, Status: TaskOpen,
			Assignee: Assignee{Username: wf.in.Drafter.Username}, AssignedAt: now,
		})
	}
	wf.refresh()
	return res, nil
}

// required is how many approvals complete the step.
func required(s Step) int {
	switch s.Mode {
	case ModeAny:
		return 1
	case ModeNOfM:
		return s.Required
	}
	return len(s.Assignees)
}

func (wf *run) validateResubmission(_ workflow.Context, r Resubmission) error {
	if _, err := wf.findOpen(r.TaskID, TaskRevise); err != nil {
		return err
	}
	if r.By.Username != wf.in.Drafter.Username {
		return refuse(ErrNotDrafter, "only the drafter, %s, can resubmit the document", wf.in.Drafter.Username)
	}
	if r.Original.Key == "" || r.Original.SHA256 == "" {
		return refuse(ErrInvalidDecision, "the revised document must be stored first: its object key and sha256 are required")
	}
	return nil
}

// resubmit closes the revision task; the loop then opens the same step
// again with fresh tasks.
func (wf *run) resubmit(ctx workflow.Context, r Resubmission) (ChangeResult, error) {
	now := workflow.Now(ctx)
	t := wf.task(r.TaskID)
	t.DecidedBy, t.DecidedAt = r.By.Username, &now
	wf.closeTask(t, TaskResubmitted)
	wf.state.Original = r.Original
	wf.state.Status = StatusInReview
	wf.record(Entry{At: now, Action: "resubmit", TaskID: t.ID, StepID: t.StepID, By: r.By.Username})
	n := wf.notice(t, now)
	n.By = &r.By
	wf.queue(kindTaskResubmitted, n)
	wf.refresh()
	return ChangeResult{At: now}, nil
}

func (wf *run) validateReassignment(_ workflow.Context, r Reassignment) error {
	t, err := wf.findOpen(r.TaskID, TaskApprove)
	if err != nil {
		return err
	}
	switch {
	case r.By.Role != RoleLeader || r.By.Agency != wf.in.Agency:
		return refuse(ErrNotLeader, "only a leader of %s can reassign a task; %s acts as %s of %s",
			wf.in.Agency, r.By.Username, r.By.Role, r.By.Agency)
	case r.To.Username == "":
		return refuse(ErrInvalidDecision, "reassign to whom? the new assignee's username is required")
	case r.To.Username == t.Assignee.Username:
		return refuse(ErrInvalidDecision, "task %s is already assigned to %s", t.ID, r.To.Username)
	}
	return nil
}

// reassign closes the task and opens one for the new assignee with the same
// deadline: handing work over does not buy it more time.
func (wf *run) reassign(ctx workflow.Context, r Reassignment) (ChangeResult, error) {
	now := workflow.Now(ctx)
	t := wf.task(r.TaskID)
	wf.closeTask(t, TaskReassigned)
	wf.record(Entry{At: now, Action: "reassign", TaskID: t.ID, StepID: t.StepID, By: r.By.Username,
		Comment: t.Assignee.Username + " → " + r.To.Username})
	n := wf.notice(t, now)
	n.By, n.To = &r.By, r.To.Username
	wf.queue(kindTaskReassigned, n)
	next := Task{
		ID: approval.NewID(ctx), StepID: t.StepID, Kind: TaskApprove, Status: TaskOpen, Assignee: r.To,
		AssignedAt: now, Deadline: t.Deadline, RemindAt: t.RemindAt, RemindedAt: t.RemindedAt,
	}
	wf.openTask(next)
	wf.refresh()
	return ChangeResult{TaskIDs: []string{next.ID}, At: now}, nil
}

func (wf *run) validateRecall(_ workflow.Context, r Recall) error {
	if r.By.Username != wf.in.Drafter.Username {
		return refuse(ErrNotDrafter, "only the drafter, %s, can recall the document", wf.in.Drafter.Username)
	}
	s := wf.state
	if s.Ended != nil || s.Step >= len(wf.in.Plan.Steps) || (s.Status != StatusInReview && s.Status != StatusReturned) {
		return refuse(ErrRecallTooLate, "the document can no longer be recalled: it is %s", wf.statusWord())
	}
	return nil
}

func (wf *run) statusWord() string {
	if wf.state.Step >= len(wf.in.Plan.Steps) && wf.state.Status == StatusInReview {
		return StatusApproved
	}
	return wf.state.Status
}

// recall ends the workflow: the loop publishes it and returns OutcomeRecalled.
func (wf *run) recall(ctx workflow.Context, r Recall) (ChangeResult, error) {
	now := workflow.Now(ctx)
	wf.withdrawOpen(now)
	if i, x := wf.waiting(); x != nil {
		wf.closeExchange(i, ExchangeWithdrawn)
	}
	wf.state.Status = StatusRecalled
	wf.state.Ended = &EndedBy{By: r.By, Comment: r.Reason, At: now}
	wf.record(Entry{At: now, Action: "recall", By: r.By.Username, Comment: r.Reason})
	wf.refresh()
	return ChangeResult{At: now}, nil
}
