package chain

import (
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"
)

// changeLateSubstitutes is the workflow.GetVersion change id of
// SignalSubstitutes: runs that received one before it was handled ignored
// it, and must ignore it again on replay.
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
		substitutes: workflow.GetSignalChannel(ctx, SignalSubstitutes),
		replies:     workflow.GetSignalChannel(ctx, SignalAgencyReply),
	}
}

func (s signals) pending() bool { return s.substitutes.Len() > 0 || s.replies.Len() > 0 }

// receive applies every signal that arrived. A signal whose payload cannot
// be decoded is dropped (and logged) by the SDK.
func (wf *run) receive(ctx workflow.Context) {
	for {
		var c SubstitutesChange
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
func (wf *run) substitute(ctx workflow.Context, c SubstitutesChange) {
	now := workflow.Now(ctx)
	for _, a := range c.Assignees {
		if a.Username == "" {
			continue
		}
		subs := a.Substitutes
		if subs == nil {
			subs = []Substitute{}
		}
		for i := range wf.state.Tasks {
			t := &wf.state.Tasks[i]
			if t.Status != TaskOpen || t.Kind != TaskApprove || t.Assignee.Username != a.Username ||
				SameSubstitutes(t.Assignee.Substitutes, subs) {
				continue
			}
			t.Assignee.Substitutes = slices.Clone(subs)
			wf.record(Entry{At: now, Action: "delegate", TaskID: t.ID, StepID: t.StepID, By: a.Username, Comment: usernames(subs)})
			wf.queue(kindTaskDelegated, TaskDelegatedData{
				TaskID: t.ID, DocumentID: wf.in.DocumentID, WorkflowID: wf.wfID, Assignee: a.Username,
				Substitutes: slices.Clone(subs), At: now,
			})
		}
		for s := wf.state.Step; s < len(wf.in.Plan.Steps); s++ {
			step := &wf.in.Plan.Steps[s]
			for j := range step.Assignees {
				if step.Assignees[j].Username == a.Username {
					step.Assignees[j].Substitutes = slices.Clone(subs)
				}
			}
		}
	}
}

// SameSubstitutes says two lists name the same substitutions in the same
// order.
func SameSubstitutes(a, b []Substitute) bool {
	return slices.EqualFunc(a, b, func(x, y Substitute) bool {
		return x.Username == y.Username && x.From.Equal(y.From) && x.Until.Equal(y.Until) &&
			slices.Equal(x.Kinds, y.Kinds) && x.Authority == y.Authority
	})
}

func usernames(subs []Substitute) string {
	if len(subs) == 0 {
		return "no substitutes"
	}
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.Username
	}
	return strings.Join(names, ", ")
}
