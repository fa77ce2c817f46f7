package chain

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"
)

// needsTimer says an open task still has a reminder or an escalation ahead.
func needsTimer(t Task) bool {
	return t.Status == TaskOpen &&
		(t.RemindedAt == nil && !t.RemindAt.IsZero() || t.EscalatedAt == nil && !t.Deadline.IsZero())
}

// unarmed says some open task waits for its timers to be started.
func (wf *run) unarmed() bool {
	for _, t := range wf.state.Tasks {
		if _, armed := wf.timers[t.ID]; !armed && needsTimer(t) {
			return true
		}
	}
	return false
}

// armTimers starts, for every open task without them, a coroutine that
// sleeps until the task's reminder and then its deadline. Closing the task
// cancels it; after continue-as-new the new run arms them again from the
// dates in the carried state, skipping what already fired.
func (wf *run) armTimers(ctx workflow.Context) {
	for _, t := range wf.state.Tasks {
		if _, armed := wf.timers[t.ID]; armed || !needsTimer(t) {
			continue
		}
		id := t.ID
		tctx, cancel := workflow.WithCancel(ctx)
		wf.timers[id] = cancel
		workflow.Go(tctx, func(ctx workflow.Context) { wf.watch(ctx, id) })
	}
}

func (wf *run) watch(ctx workflow.Context, id string) {
	t := wf.task(id)
	if t == nil {
		return
	}
	remindAt, deadline := t.RemindAt, t.Deadline
	if t.RemindedAt == nil && !remindAt.IsZero() && (deadline.IsZero() || remindAt.Before(deadline)) {
		if !sleepUntil(ctx, remindAt) {
			return
		}
		wf.remind(ctx, id)
	}
	if t := wf.task(id); t != nil && t.EscalatedAt == nil && !deadline.IsZero() {
		if !sleepUntil(ctx, deadline) {
			return
		}
		wf.escalate(ctx, id)
	}
}

// sleepUntil waits for a durable timer; false when the task closed first.
func sleepUntil(ctx workflow.Context, at time.Time) bool {
	if d := at.Sub(workflow.Now(ctx)); d > 0 {
		timer := workflow.NewTimer(ctx, d)
		fired := false
		workflow.NewSelector(ctx).AddFuture(timer, func(f workflow.Future) { fired = f.Get(ctx, nil) == nil }).Select(ctx)
		return fired
	}
	return ctx.Err() == nil
}

func (wf *run) remind(ctx workflow.Context, id string) {
	t := wf.task(id)
	if t == nil || t.Status != TaskOpen {
		return
	}
	now := workflow.Now(ctx)
	t.RemindedAt = &now
	wf.record(Entry{At: now, Action: "remind", TaskID: t.ID, StepID: t.StepID, By: t.Assignee.Username})
	wf.queue(kindTaskReminded, wf.notice(t, now))
}

// escalate marks an overdue task and lets the assignee's supervisor decide
// it as well; the assignee keeps the task.
func (wf *run) escalate(ctx workflow.Context, id string) {
	t := wf.task(id)
	if t == nil || t.Status != TaskOpen {
		return
	}
	now := workflow.Now(ctx)
	t.EscalatedAt = &now
	sup := t.Assignee.Supervisor
	if sup != "" && sup != t.Assignee.Username && !slices.Contains(t.Deciders, sup) {
		t.Deciders = append(t.Deciders, sup)
	}
	wf.record(Entry{At: now, Action: "escalate", TaskID: t.ID, StepID: t.StepID, By: sup})
	n := wf.notice(t, now)
	n.Supervisor = sup
	wf.queue(kindTaskEscalated, n)
	wf.refresh()
}

func (wf *run) task(id string) *Task {
	for i := range wf.state.Tasks {
		if wf.state.Tasks[i].ID == id {
			return &wf.state.Tasks[i]
		}
	}
	return nil
}

func (wf *run) record(e Entry) { wf.state.History = append(wf.state.History, e) }
