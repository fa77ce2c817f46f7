package chain

import (
	"go.temporal.io/sdk/workflow"

	"github.com/docflow/docflow/workflows/internal/kit"
)

// unarmed says some open task, or the exchange waiting for another agency,
// waits for its timers to be started.
func (wf *run) unarmed() bool {
	if wf.book.Unarmed() {
		return true
	}
	i, x := wf.waiting()
	return x != nil && x.EscalatedAt == nil && !wf.book.Timers.Armed(exchangeTimer(i))
}

// armTimers starts the reminder and escalation of every open task without
// them (kit.Book), then the escalation of the exchange waiting for
// another agency. Closing the task or the exchange cancels it; after
// continue-as-new the new run arms them again from the dates in the carried
// state, skipping what already fired.
func (wf *run) armTimers(ctx workflow.Context) {
	wf.book.Arm(ctx, wf.refresh)
	if i, x := wf.waiting(); x != nil && x.EscalatedAt == nil && !wf.book.Timers.Armed(exchangeTimer(i)) {
		wf.book.Timers.Arm(ctx, exchangeTimer(i), kit.Due{Deadline: x.Deadline}, func(workflow.Context) {},
			func(ctx workflow.Context) { wf.overdue(ctx, i) })
	}
}
