package chain

import (
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/internal/kit"
)

func (wf *run) validateDecision(ctx workflow.Context, d workflows.Decision) error {
	if t, err := wf.book.FindOpen(d.TaskID, TaskSign); err == nil {
		return wf.validateSignature(ctx, t, d)
	}
	if _, _, err := wf.book.Acting(d.TaskID, TaskApprove, d.By.Username, workflow.Now(ctx), workflows.ErrNotAssignee); err != nil {
		return err
	}
	switch d.Decision {
	case workflows.DecisionApprove, DecisionComment, workflows.DecisionReject, DecisionReturn:
	case DecisionSign:
		return kit.Refuse(workflows.ErrInvalidDecision, "task %s is a review task: approve it; the document is signed on the signing task", d.TaskID)
	default:
		return kit.Refuse(workflows.ErrInvalidDecision, "decision %q is not one of approve, reject, return, comment", d.Decision)
	}
	return explained(d)
}

// explained refuses a decision that needs words and has none: a reject or
// a return gives its reason, a comment its text.
func explained(d workflows.Decision) error {
	if strings.TrimSpace(d.Comment) != "" {
		return nil
	}
	switch d.Decision {
	case workflows.DecisionReject, DecisionReturn:
		return kit.Refuse(workflows.ErrInvalidDecision, "a decision to %s needs a comment giving the reason", d.Decision)
	case DecisionComment:
		return kit.Refuse(workflows.ErrInvalidDecision, "a comment needs text")
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
func (wf *run) decide(ctx workflow.Context, d workflows.Decision) (workflows.DecisionResult, error) {
	if t, err := wf.book.FindOpen(d.TaskID, TaskSign); err == nil {
		return wf.decideSignature(ctx, t, d)
	}
	now := workflow.Now(ctx)
	t, onBehalfOf, _ := wf.book.Acting(d.TaskID, TaskApprove, d.By.Username, now, workflows.ErrNotAssignee)
	res := wf.book.Acted(t, d.Decision, d.By, onBehalfOf, d.Comment, now)
	if d.Decision == DecisionComment {
		wf.book.Comment(t, &d.By, d.Comment, now)
		return res, nil
	}

	wf.book.Decide(t, d.Decision, d.Comment, d.By, onBehalfOf, now)
	step := wf.in.Plan.Steps[wf.state.Step]
	switch d.Decision {
	case workflows.DecisionApprove:
		wf.state.Approvals++
		if wf.state.Approvals >= required(step) {
			wf.state.Approver = &d.By
			wf.book.Withdraw(now)
			wf.state.Step++
			wf.state.StepOpen = false
		}
	case workflows.DecisionReject:
		wf.state.Rejections++
		if step.Mode == ModeSingle || step.Mode == ModeAll || wf.state.Rejections > len(step.Assignees)-required(step) {
			wf.book.Withdraw(now)
			wf.state.Status = StatusRejected
			wf.state.Ended = &EndedBy{By: d.By, Comment: d.Comment, At: now}
		}
	case DecisionReturn:
		wf.book.Withdraw(now)
		wf.returnToDrafter(ctx, step.ID, now)
	}
	wf.refresh()
	return res, nil
}

// returnToDrafter closes the step and opens the drafter's revision task:
// the step starts over once they resubmit.
func (wf *run) returnToDrafter(ctx workflow.Context, stepID string, now time.Time) *workflows.Task {
	wf.state.StepOpen = false
	wf.state.Status = StatusReturned
	wf.book.Open(workflows.Task{
		ID: kit.NewID(ctx), StepID: stepID, Kind: TaskRevise, Status: workflows.TaskOpen,
		Assignee: workflows.Assignee{Username: wf.in.Drafter.Username}, AssignedAt: now,
	})
	return &wf.state.Tasks[len(wf.state.Tasks)-1]
}

func (wf *run) validateResubmission(_ workflow.Context, r Resubmission) error {
	if _, err := wf.book.FindOpen(r.TaskID, TaskRevise); err != nil {
		return err
	}
	if r.By.Username != wf.in.Drafter.Username {
		return kit.Refuse(ErrNotDrafter, "only the drafter, %s, can resubmit the document", wf.in.Drafter.Username)
	}
	if r.Original.Key == "" || r.Original.SHA256 == "" {
		return kit.Refuse(workflows.ErrInvalidDecision, "the revised document must be stored first: its object key and sha256 are required")
	}
	return nil
}

// resubmit closes the revision task; the loop then opens the same step
// again with fresh tasks.
func (wf *run) resubmit(ctx workflow.Context, r Resubmission) (ChangeResult, error) {
	now := workflow.Now(ctx)
	t := wf.book.Find(r.TaskID)
	t.DecidedBy, t.DecidedAt = r.By.Username, &now
	wf.book.Close(t, workflows.TaskResubmitted)
	wf.state.Original = r.Original
	wf.state.Status = StatusInReview
	wf.book.Record(workflows.Entry{At: now, Action: "resubmit", TaskID: t.ID, StepID: t.StepID, By: r.By.Username})
	n := wf.book.Notice(t, now)
	n.By = &r.By
	wf.book.Outbox.Queue(events.TaskResubmitted, n)
	wf.refresh()
	return ChangeResult{At: now}, nil
}

func (wf *run) validateReassignment(_ workflow.Context, r Reassignment) error {
	t, err := wf.book.FindOpen(r.TaskID, TaskApprove)
	if err != nil {
		return err
	}
	switch {
	case r.By.Role != RoleLeader || r.By.Agency != wf.in.Agency:
		return kit.Refuse(workflows.ErrNotLeader, "only a leader of %s can reassign a task; %s acts as %s of %s",
			wf.in.Agency, r.By.Username, r.By.Role, r.By.Agency)
	case r.To.Username == "":
		return kit.Refuse(workflows.ErrInvalidDecision, "reassign to whom? the new assignee's username is required")
	case r.To.Username == t.Assignee.Username:
		return kit.Refuse(workflows.ErrInvalidDecision, "task %s is already assigned to %s", t.ID, r.To.Username)
	}
	return nil
}

// reassign closes the task and opens one for the new assignee with the same
// deadline: handing work over does not buy it more time.
func (wf *run) reassign(ctx workflow.Context, r Reassignment) (ChangeResult, error) {
	now := workflow.Now(ctx)
	t := wf.book.Find(r.TaskID)
	wf.book.Close(t, workflows.TaskReassigned)
	wf.book.Record(workflows.Entry{At: now, Action: "reassign", TaskID: t.ID, StepID: t.StepID, By: r.By.Username,
		Comment: t.Assignee.Username + " → " + r.To.Username})
	n := wf.book.Notice(t, now)
	n.By, n.To = &r.By, r.To.Username
	wf.book.Outbox.Queue(events.TaskReassigned, n)
	next := workflows.Task{
		ID: kit.NewID(ctx), StepID: t.StepID, Kind: TaskApprove, Status: workflows.TaskOpen, Assignee: r.To,
		AssignedAt: now, Deadline: t.Deadline, RemindAt: t.RemindAt, RemindedAt: t.RemindedAt,
	}
	wf.book.Open(next)
	wf.refresh()
	return ChangeResult{TaskIDs: []string{next.ID}, At: now}, nil
}

func (wf *run) validateRecall(_ workflow.Context, r Recall) error {
	if r.By.Username != wf.in.Drafter.Username {
		return kit.Refuse(ErrNotDrafter, "only the drafter, %s, can recall the document", wf.in.Drafter.Username)
	}
	s := wf.state
	if s.Ended != nil || s.Step >= len(wf.in.Plan.Steps) || (s.Status != StatusInReview && s.Status != StatusReturned) {
		return kit.Refuse(ErrRecallTooLate, "the document can no longer be recalled: it is %s", wf.statusWord())
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
	wf.book.Withdraw(now)
	if i, x := wf.waiting(); x != nil {
		wf.closeExchange(i, ExchangeWithdrawn)
	}
	wf.state.Status = StatusRecalled
	wf.state.Ended = &EndedBy{By: r.By, Comment: r.Reason, At: now}
	wf.book.Record(workflows.Entry{At: now, Action: "recall", By: r.By.Username, Comment: r.Reason})
	wf.refresh()
	return ChangeResult{At: now}, nil
}

// end publishes how the document ended early and returns the outcome.
func (wf *run) end(ctx workflow.Context) (Result, error) {
	e := wf.state.Ended
	data := events.DocumentDecisionData{DocumentID: wf.in.DocumentID, WorkflowID: wf.book.WorkflowID, By: e.By, Comment: e.Comment, At: e.At}
	outcome, typ := workflows.OutcomeRejected, events.DocumentRejected
	if wf.state.Status == StatusRecalled {
		outcome, typ = OutcomeRecalled, events.DocumentRecalled
	}
	wf.book.Outbox.Queue(typ, data)
	if err := wf.book.Outbox.Flush(ctx); err != nil {
		return Result{}, err
	}
	workflow.GetLogger(ctx).Info("approval chain ended", "document_id", wf.in.DocumentID, "outcome", outcome, "by", e.By.Username)
	return Result{Outcome: outcome}, kit.Finish(ctx)
}
