package chain

import "go.temporal.io/sdk/workflow"

// upsertSearch writes the Docflow* search attributes when they changed; they
// must be registered on the namespace before Input.UpsertSearchAttributes is
// set. The deadline is the nearest one the document waits on: an open
// task's, or the exchange's.
func (wf *run) upsertSearch(ctx workflow.Context) {
	if !wf.in.UpsertSearchAttributes {
		return
	}
	deadline := wf.book.Deadline()
	if x := wf.exchange(); x != nil && (deadline.IsZero() || x.Deadline.Before(deadline)) {
		deadline = x.Deadline
	}
	wf.book.UpsertSearch(ctx, wf.statusWord(), wf.state.WaitingFor, deadline)
}
