package chain

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/docflow/docflow/workflows/internal/timers"
)

func (t Task) due() timers.Due {
	return timers.Due{RemindAt: t.RemindAt, Deadline: t.Deadline, Reminded: t.RemindedAt != nil, Escalated: t.EscalatedAt != nil}
}

// needsTimer says an open task still has a reminder or an escalation ahead.
func needsTimer(t Task) bool { return t.Status == TaskOpen && t.due().Pending() }

// unarmed says some open task, or the exchange waiting for another agency,
// waits for its timers to be started.
func (wf *run) unarmed() bool {
	for _, t := range wf.state.Tasks {
		if !wf.timers.Armed(t.ID) && needsTimer(t) {
			return true
		}
	}
	i, x := wf.waiting()
	return x != nil && x.EscalatedAt == nil && !wf.timers.Armed(exchangeTimer(i))
}

// armTimers starts, for every open task without them, a coroutine that
// sleeps until the task's reminder and then its deadline, and one until the
// deadline of the exchange waiting for another agency. Closing the task or
// the exchange cancels it; after continue-as-new the new run arms them again
// from the dates in the carried state, skipping what already fired.
func (wf *run) armTimers(ctx workflow.Context) {
	for _, t := range wf.state.Tasks {
		if wf.timers.Armed(t.ID) || !needsTimer(t) {
			continue
		}
		id := t.ID
		wf.timers.Arm(ctx, id, t.due(),
			func(ctx workflow.Context) { wf.remind(ctx, id) },
			func(ctx workflow.Context) { wf.escalate(ctx, id) })
	}
	if i, x := wf.waiting(); x != nil && x.EscalatedAt == nil && !wf.timers.Armed(exchangeTimer(i)) {
		wf.timers.Arm(ctx, exchangeTimer(i), timers.Due{Deadline: x.Deadline}, func(workflow.Context) {},
			func(ctx workflow.Context) { wf.overdue(ctx, i) })
	}
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
