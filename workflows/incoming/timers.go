package incoming

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows/internal/timers"
)

func due(t Task) timers.Due {
	return timers.Due{RemindAt: t.RemindAt, Deadline: t.Deadline, Reminded: t.RemindedAt != nil, Escalated: t.EscalatedAt != nil}
}

func needsTimer(t Task) bool { return t.Status == TaskOpen && due(t).Pending() }

func (wf *run) unarmed() bool {
	for _, t := range wf.state.Tasks {
		if !wf.timers.Armed(t.ID) && needsTimer(t) {
			return true
		}
	}
	return false
}

// armTimers starts the reminder and escalation of every open task that has
// none running, as chain does.
func (wf *run) armTimers(ctx workflow.Context) {
	for _, t := range wf.state.Tasks {
		if wf.timers.Armed(t.ID) || !needsTimer(t) {
			continue
		}
		id := t.ID
		wf.timers.Arm(ctx, id, due(t),
			func(ctx workflow.Context) { wf.remind(ctx, id) },
			func(ctx workflow.Context) { wf.escalate(ctx, id) })
	}
}

func (wf *run) remind(ctx workflow.Context, id string) {
	t := wf.task(id)
	if t == nil || t.Status != TaskOpen {
		return
	}
	now := workflow.Now(ctx)
	t.RemindedAt = &now
	wf.record(Entry{At: now, Action: "remind", TaskID: t.ID, By: t.Assignee.Username})
	wf.queue(events.TaskReminded, wf.notice(t, now))
}

// escalate marks an overdue task and lets its supervisor act on it too: the
// leaders' supervisor for the assignment, the leader who assigned it for the
// handling, the lead for a contribution.
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
	wf.record(Entry{At: now, Action: "escalate", TaskID: t.ID, By: sup})
	n := wf.notice(t, now)
	n.Supervisor = sup
	wf.queue(events.TaskEscalated, n)
	wf.refresh()
}
