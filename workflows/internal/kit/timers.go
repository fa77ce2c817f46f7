package kit

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// The timers run the reminder and the escalation of the workflows'
// open work (a task, a wait for another agency) on durable timers. The dates
// come from routing's PlanDeadlines activity, which counts working days on
// the calendar; this package only sleeps until them.

// Due is when a piece of work is reminded and escalated, and what of that
// already happened (carried over continue-as-new, so nothing fires twice).
type Due struct {
	RemindAt  time.Time // zero: no reminder
	Deadline  time.Time // zero: no escalation
	Reminded  bool
	Escalated bool
}

// Pending says a reminder or an escalation is still ahead.
func (d Due) Pending() bool {
	return !d.Reminded && !d.RemindAt.IsZero() || !d.Escalated && !d.Deadline.IsZero()
}

// Timers holds the running timers by the id of the work they watch. It lives
// in the workflow's memory, not its state: after continue-as-new the new
// run arms them again from the dates.
type Timers struct {
	cancels map[string]workflow.CancelFunc
}

// NewTimers returns an empty set of timers.
func NewTimers() *Timers { return &Timers{cancels: map[string]workflow.CancelFunc{}} }

// Armed says the work id has its timers running.
func (s *Timers) Armed(id string) bool {
	_, ok := s.cancels[id]
	return ok
}

// Arm starts a coroutine that sleeps until d's reminder, calls remind, then
// sleeps until d's deadline and calls escalate, skipping what already
// happened. A reminder not before the deadline is left out: the escalation
// says more. Stop(id) cancels what has not fired yet.
func (s *Timers) Arm(ctx workflow.Context, id string, d Due, remind, escalate func(workflow.Context)) {
	tctx, cancel := workflow.WithCancel(ctx)
	s.cancels[id] = cancel
	workflow.Go(tctx, func(ctx workflow.Context) {
		if !d.Reminded && !d.RemindAt.IsZero() && (d.Deadline.IsZero() || d.RemindAt.Before(d.Deadline)) {
			if !SleepUntil(ctx, d.RemindAt) {
				return
			}
			remind(ctx)
		}
		if !d.Escalated && !d.Deadline.IsZero() {
			if !SleepUntil(ctx, d.Deadline) {
				return
			}
			escalate(ctx)
		}
	})
}

// Stop cancels the timers of the work id, if any.
func (s *Timers) Stop(id string) {
	if cancel, ok := s.cancels[id]; ok {
		cancel()
		delete(s.cancels, id)
	}
}

// SleepUntil waits for a durable timer; false when the wait was cancelled
// first (the work closed).
func SleepUntil(ctx workflow.Context, at time.Time) bool {
	if d := at.Sub(workflow.Now(ctx)); d > 0 {
		timer := workflow.NewTimer(ctx, d)
		fired := false
		workflow.NewSelector(ctx).AddFuture(timer, func(f workflow.Future) { fired = f.Get(ctx, nil) == nil }).Select(ctx)
		return fired
	}
	return ctx.Err() == nil
}
