package incoming

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows/chain"
)

// receive applies the substitutes signals that arrived: each listed
// person's open tasks take the new list (announced with task.delegated),
// and so do the tasks still to be opened for them.
func (wf *run) receive(ctx workflow.Context) {
	for {
		var c chain.SubstitutesChange
		if !wf.substitutes.ReceiveAsync(&c) {
			return
		}
		now := workflow.Now(ctx)
		for _, a := range c.Assignees {
			if a.Username == "" {
				continue
			}
			subs := a.Substitutes
			if subs == nil {
				subs = []chain.Substitute{}
			}
			for i := range wf.state.Tasks {
				t := &wf.state.Tasks[i]
				if t.Status != TaskOpen || t.Assignee.Username != a.Username || chain.SameSubstitutes(t.Assignee.Substitutes, subs) {
					continue
				}
				t.Assignee.Substitutes = slices.Clone(subs)
				wf.record(Entry{At: now, Action: "delegate", TaskID: t.ID, By: a.Username})
				wf.queue(events.TaskDelegated, events.TaskDelegatedData{
					TaskID: t.ID, DocumentID: wf.in.DocumentID, WorkflowID: wf.wfID, Assignee: a.Username,
					Substitutes: slices.Clone(subs), At: now,
				})
			}
			if len(wf.state.Tasks) == 0 {
				for i := range wf.in.Leaders {
					if wf.in.Leaders[i].Username == a.Username {
						wf.in.Leaders[i].Substitutes = slices.Clone(subs)
					}
				}
			}
			if h := wf.state.Handling; h != nil && !h.Planned() {
				for _, p := range append([]*Handler{&h.Lead}, cooperators(h)...) {
					if p.Username == a.Username {
						p.Substitutes = slices.Clone(subs)
					}
				}
			}
		}
	}
}

func cooperators(h *Handling) []*Handler {
	ps := make([]*Handler, len(h.Cooperators))
	for i := range h.Cooperators {
		ps[i] = &h.Cooperators[i]
	}
	return ps
}
