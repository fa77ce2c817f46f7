package incoming

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/internal/kit"
)

// receive applies the substitutes signals that arrived: each listed
// person's open tasks take the new list (announced with task.delegated),
// and so do the tasks still to be opened for them.
func (wf *run) receive(ctx workflow.Context) {
	for {
		var c workflows.SubstitutesChange
		if !wf.substitutes.ReceiveAsync(&c) {
			return
		}
		now := workflow.Now(ctx)
		for _, a := range kit.Substitutions(c) {
			wf.book.Delegate(now, a, "", "")
			if len(wf.state.Tasks) == 0 {
				for i := range wf.in.Leaders {
					if wf.in.Leaders[i].Username == a.Username {
						wf.in.Leaders[i].Substitutes = slices.Clone(a.Substitutes)
					}
				}
			}
			if h := wf.state.Handling; h != nil && !h.Planned() {
				for _, p := range append([]*Handler{&h.Lead}, cooperators(h)...) {
					if p.Username == a.Username {
						p.Substitutes = slices.Clone(a.Substitutes)
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
