package chain

import (
	"slices"

	"go.temporal.io/sdk/workflow"

	"github.com/docflow/docflow/workflows"
	"github.com/docflow/docflow/workflows/internal/kit"
)

// changeLateSubstitutes is the workflow.GetVersion change id of
// workflows.SignalSubstitutes: runs that received one before it was handled
// ignored it, and must ignore it again on replay.
const changeLateSubstitutes = "late-substitutes"

// signals are the workflow's signal channels. The main loop reads them, so
// a signal is applied between updates and events, in the order it came,
// and none is left unread at continue-as-new.
type signals struct {
	substitutes workflow.ReceiveChannel
	replies     workflow.ReceiveChannel
}

func listen(ctx workflow.Context) signals {
	return signals{
		substitutes: workflow.GetSignalChannel(ctx, workflows.SignalSubstitutes),
		replies:     workflow.GetSignalChannel(ctx, SignalAgencyReply),
	}
}

func (s signals) pending() bool { return s.substitutes.Len() > 0 || s.replies.Len() > 0 }

// receive applies every signal that arrived. A signal whose payload cannot
// be decoded is dropped (and logged) by the SDK.
func (wf *run) receive(ctx workflow.Context) {
	for {
		var c workflows.SubstitutesChange
		if !wf.signals.substitutes.ReceiveAsync(&c) {
			break
		}
		if workflow.GetVersion(ctx, changeLateSubstitutes, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			continue
		}
		wf.substitute(ctx, c)
	}
	for {
		var r AgencyReply
		if !wf.signals.replies.ReceiveAsync(&r) {
			break
		}
		wf.reply(ctx, r)
	}
}

// substitute gives each listed assignee's open approval tasks, and their
// places in the steps still to come (or to come again after a return), the
// new list of substitutes. Each open task whose list changed is announced
// with task.delegated, so inboxes show it to the right people.
func (wf *run) substitute(ctx workflow.Context, c workflows.SubstitutesChange) {
	now := workflow.Now(ctx)
	for _, a := range kit.Substitutions(c) {
		wf.book.Delegate(now, a, TaskApprove, kit.Usernames(a.Substitutes))
		for s := wf.state.Step; s < len(wf.in.Plan.Steps); s++ {
			step := &wf.in.Plan.Steps[s]
			for j := range step.Assignees {
				if step.Assignees[j].Username == a.Username {
					step.Assignees[j].Substitutes = slices.Clone(a.Substitutes)
				}
			}
		}
	}
}
