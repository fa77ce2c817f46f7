package kit

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
)

func due(t workflows.Task) Due {
	return Due{RemindAt: t.RemindAt, Deadline: t.Deadline, Reminded: t.RemindedAt != nil, Escalated: t.EscalatedAt != nil}
}

// needsTimer says an open task still has a reminder or an escalation ahead.
func needsTimer(t workflows.Task) bool { return t.Status == workflows.TaskOpen && due(t).Pending() }

// Unarmed says some open task waits for its timers to be started.
func (b *Book) Unarmed() bool {
	for _, t := range *b.Tasks {
		if !b.Timers.Armed(t.ID) && needsTimer(t) {
			return true
		}
	}
	return false
}

// Arm starts, in the order of the tasks, the timers of every open task
// without them: it is reminded at RemindAt and escalates at its Deadline,
// when escalated is called, as who may act on it changed. Closing the task
// stops them; after continue-as-new the new run arms them again from the
// dates in the carried state, skipping what already fired.
func (b *Book) Arm(ctx workflow.Context, escalated func()) {
	for _, t := range *b.Tasks {
		if b.Timers.Armed(t.ID) || !needsTimer(t) {
			continue
		}
		id := t.ID
		b.Timers.Arm(ctx, id, due(t),
			func(ctx workflow.Context) { b.remind(ctx, id) },
			func(ctx workflow.Context) {
				if b.escalate(ctx, id) {
					escalated()
				}
			})
	}
}

func (b *Book) remind(ctx workflow.Context, id string) {
	t := b.Find(id)
	if t == nil || t.Status != workflows.TaskOpen {
		return
	}
	now := workflow.Now(ctx)
	t.RemindedAt = &now
	b.Record(workflows.Entry{At: now, Action: "remind", TaskID: t.ID, StepID: t.StepID, By: t.Assignee.Username})
	b.Outbox.Queue(events.TaskReminded, b.Notice(t, now))
}

// escalate marks an overdue task and lets the assignee's supervisor act on
// it as well; the assignee keeps the task. False when the task closed first.
func (b *Book) escalate(ctx workflow.Context, id string) bool {
	t := b.Find(id)
	if t == nil || t.Status != workflows.TaskOpen {
		return false
	}
	now := workflow.Now(ctx)
	t.EscalatedAt = &now
	sup := t.Assignee.Supervisor
	if sup != "" && sup != t.Assignee.Username && !slices.Contains(t.Deciders, sup) {
		t.Deciders = append(t.Deciders, sup)
	}
	b.Record(workflows.Entry{At: now, Action: "escalate", TaskID: t.ID, StepID: t.StepID, By: sup})
	n := b.Notice(t, now)
	n.Supervisor = sup
	b.Outbox.Queue(events.TaskEscalated, n)
	return true
}
