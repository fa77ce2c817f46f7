package chain

import (
	"time"

	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
)

// eventKind is something the workflow tells the rest of the system.
type eventKind int

const (
	kindTaskAssigned eventKind = iota
	kindTaskDecided
	kindTaskCommented
	kindTaskReminded
	kindTaskEscalated
	kindTaskReassigned
	kindTaskWithdrawn
	kindTaskResubmitted
	kindDocumentApproved
	kindDocumentRejected
	kindDocumentRecalled
	kindTaskDelegated
	kindDocumentSent
	kindDocumentOverdue
	kindDocumentNumbered
)

// eventType is the CloudEvents type each kind is published as. A kind that
// maps to "" is only recorded in the state's history. (Publishing a kind
// that was not published before adds an activity on replay: guard such a
// change with workflow.GetVersion once the workflow carries traffic.)
func eventType(k eventKind) events.Type {
	switch k {
	case kindTaskAssigned:
		return events.TaskAssigned
	case kindTaskDecided:
		return events.TaskDecided
	case kindDocumentApproved:
		return events.DocumentApproved
	case kindDocumentRejected:
		return events.DocumentRejected
	case kindTaskCommented:
		return events.TaskCommented
	case kindTaskReminded:
		return events.TaskReminded
	case kindTaskEscalated:
		return events.TaskEscalated
	case kindTaskReassigned:
		return events.TaskReassigned
	case kindTaskWithdrawn:
		return events.TaskWithdrawn
	case kindTaskResubmitted:
		return events.TaskResubmitted
	case kindDocumentRecalled:
		return events.DocumentRecalled
	case kindTaskDelegated:
		return events.TaskDelegated
	case kindDocumentSent:
		return events.DocumentSent
	case kindDocumentOverdue:
		return events.DocumentOverdue
	case kindDocumentNumbered:
		return events.DocumentNumbered
	}
	return ""
}

// queue records an event to publish; the main loop publishes the outbox in
// the order things happened.
func (wf *run) queue(k eventKind, data any) {
	if t := eventType(k); t != "" {
		wf.outbox.Queue(t, data)
	}
}

func (wf *run) flush(ctx workflow.Context) error { return wf.outbox.Flush(ctx) }

func (wf *run) notice(t *Task, at time.Time) TaskNoticeData {
	return TaskNoticeData{
		TaskID: t.ID, DocumentID: wf.in.DocumentID, WorkflowID: wf.wfID,
		Assignee: t.Assignee.Username, Deadline: t.Deadline, At: at,
	}
}
