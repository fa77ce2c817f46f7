package kit

import (
	"fmt"
	"slices"
	"strings"
	"time"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
)

// Who may act on a task: its assignee, a substitute of theirs while the
// substitution is in force and covers the document's kind, or, once the
// task is overdue, the supervisor it escalated to. An update's validator
// asks, and its handler asks again and gets the same answer; a refusal says
// what kept each of the person's substitutions from applying.

// FindOpen finds an open task of the given kind, or refuses with why there
// is none.
func (b *Book) FindOpen(id, kind string) (*workflows.Task, error) {
	t := b.Find(id)
	switch {
	case t == nil:
		return nil, Refuse(workflows.ErrTaskNotFound, "no task %s on this document", id)
	case t.Status != workflows.TaskOpen:
		return nil, Refuse(workflows.ErrTaskClosed, "task %s is already closed (%s)", id, t.Status)
	case t.Kind != kind:
		return nil, Refuse(workflows.ErrInvalidDecision, "task %s is a task to %s, not to %s", id, t.Kind, kind)
	}
	return t, nil
}

// ActingFor says whether by may act on t at now, and for whom: "" when by
// is the assignee or a supervisor the task escalated to, the assignee's
// username when by is their substitute. A substitute acts only while the
// substitution is in force (From ≤ now < Until) and within its scope of
// document kinds. A refusal has errType and says what kept each of by's
// substitutions from applying.
func (b *Book) ActingFor(t *workflows.Task, by string, now time.Time, errType string) (string, error) {
	if slices.Contains(t.Deciders, by) {
		return "", nil
	}
	onBehalfOf, ok, why := actsFor(t.Assignee, by, b.doc.Kind, now)
	if ok {
		return onBehalfOf, nil
	}
	msg := fmt.Sprintf("task %s is assigned to %s, not to %s", t.ID, t.Assignee.Username, by)
	if len(why) > 0 {
		msg += ": " + strings.Join(why, "; ")
	}
	return "", Refuse(errType, "%s", msg)
}

// Acting finds the open task id of the kind that by may act on at now, and
// for whom (ActingFor), or refuses with why not: the update's validator
// asks, then its handler, which gets the same answer.
func (b *Book) Acting(id, kind, by string, now time.Time, errType string) (t *workflows.Task, onBehalfOf string, err error) {
	if t, err = b.FindOpen(id, kind); err != nil {
		return nil, "", err
	}
	if onBehalfOf, err = b.ActingFor(t, by, now, errType); err != nil {
		return nil, "", err
	}
	return t, onBehalfOf, nil
}

// Acted records by's act on t in the audit trail (action and comment) and
// is the update's result.
func (b *Book) Acted(t *workflows.Task, action string, by events.Actor, onBehalfOf, comment string, at time.Time) workflows.DecisionResult {
	b.Record(workflows.Entry{At: at, Action: action, TaskID: t.ID, StepID: t.StepID, By: by.Username, OnBehalfOf: onBehalfOf, Comment: comment})
	return workflows.DecisionResult{TaskID: t.ID, Decision: action, DecidedAt: at, OnBehalfOf: onBehalfOf}
}

// actsFor says whether by may act on a task assigned to a, on a document of
// the given kind, at now: as a (onBehalfOf ""), or as a substitute in force
// whose scope covers the kind (onBehalfOf a.Username). When by may not, why
// lists what kept each of by's substitutions from applying.
func actsFor(a workflows.Assignee, by, kind string, now time.Time) (onBehalfOf string, ok bool, why []string) {
	if by == a.Username {
		return "", true, nil
	}
	for _, s := range a.Substitutes {
		if s.Username != by {
			continue
		}
		switch {
		case now.Before(s.From) || !now.Before(s.Until):
			why = append(why, fmt.Sprintf("the substitution runs from %s until %s",
				s.From.Format(time.RFC3339), s.Until.Format(time.RFC3339)))
		case len(s.Kinds) > 0 && !slices.Contains(s.Kinds, kind):
			why = append(why, fmt.Sprintf("the substitution covers %s, not %s", strings.Join(s.Kinds, ", "), kind))
		default:
			return a.Username, true, nil
		}
	}
	return "", false, why
}
