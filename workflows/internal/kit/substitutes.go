package kit

import (
	"slices"
	"strings"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
)

// Substitutions are the assignees a SubstitutesChange names, each with its
// whole new list (empty, not nil, when it clears them); an entry without a
// username is dropped, as a signal cannot be refused.
func Substitutions(c workflows.SubstitutesChange) []workflows.AssigneeSubstitutes {
	var out []workflows.AssigneeSubstitutes
	for _, a := range c.Assignees {
		if a.Username == "" {
			continue
		}
		if a.Substitutes == nil {
			a.Substitutes = []workflows.Substitute{}
		}
		out = append(out, a)
	}
	return out
}

// Delegate gives a.Username's open tasks (of kind only, when kind is not
// empty) the new list of substitutes. Each task whose list changed is
// recorded (with note as the comment) and announced with task.delegated, so
// inboxes show it to the right people.
func (b *Book) Delegate(now time.Time, a workflows.AssigneeSubstitutes, kind, note string) {
	for i := range *b.Tasks {
		t := &(*b.Tasks)[i]
		if t.Status != workflows.TaskOpen || kind != "" && t.Kind != kind || t.Assignee.Username != a.Username ||
			sameSubstitutes(t.Assignee.Substitutes, a.Substitutes) {
			continue
		}
		t.Assignee.Substitutes = slices.Clone(a.Substitutes)
		b.Record(workflows.Entry{At: now, Action: "delegate", TaskID: t.ID, StepID: t.StepID, By: a.Username, Comment: note})
		b.Outbox.Queue(events.TaskDelegated, events.TaskDelegatedData{
			TaskID: t.ID, DocumentID: b.doc.DocumentID, WorkflowID: b.WorkflowID, Assignee: a.Username,
			Substitutes: slices.Clone(a.Substitutes), At: now,
		})
	}
}

// sameSubstitutes says two lists name the same substitutions in the same
// order.
func sameSubstitutes(a, b []workflows.Substitute) bool {
	return slices.EqualFunc(a, b, func(x, y workflows.Substitute) bool {
		return x.Username == y.Username && x.From.Equal(y.From) && x.Until.Equal(y.Until) &&
			slices.Equal(x.Kinds, y.Kinds) && x.Authority == y.Authority
	})
}

// Usernames lists the substitutes' usernames for the audit trail.
func Usernames(subs []workflows.Substitute) string {
	if len(subs) == 0 {
		return "no substitutes"
	}
	names := make([]string, len(subs))
	for i, s := range subs {
		names[i] = s.Username
	}
	return strings.Join(names, ", ")
}
