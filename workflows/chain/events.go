package chain

import (
	"encoding/json"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows/approval"
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
	}
	return ""
}

type notice struct {
	kind eventKind
	data any
}

// queue records an event to publish. Handlers cannot wait for activities
// without holding the update open, so they queue and the main loop
// publishes, keeping the order in which things happened.
func (wf *run) queue(k eventKind, data any) {
	if eventType(k) == "" {
		return
	}
	wf.outbox = append(wf.outbox, notice{kind: k, data: data})
}

// flush publishes the queued events in order.
func (wf *run) flush(ctx workflow.Context) error {
	for len(wf.outbox) > 0 {
		n := wf.outbox[0]
		wf.outbox = wf.outbox[1:]
		if err := wf.publish(ctx, eventType(n.kind), n.data); err != nil {
			return err
		}
	}
	return nil
}

// publish has the routing service emit an event. The id is drawn once and
// recorded in history, so a retried activity republishes the same event and
// JetStream drops the duplicate.
func (wf *run) publish(ctx workflow.Context, t events.Type, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("encode event "+string(t), "EncodeEvent", err)
	}
	actx := workflow.WithActivityOptions(ctx, shortActivity())
	return workflow.ExecuteActivity(actx, approval.ActivityPublishEvent, approval.PublishEventInput{
		ID: approval.NewID(ctx), Type: t, Agency: wf.in.Agency, DocumentID: wf.in.DocumentID,
		Time: workflow.Now(ctx), Data: raw,
	}).Get(ctx, nil)
}

func (wf *run) notice(t *Task, at time.Time) TaskNoticeData {
	return TaskNoticeData{
		TaskID: t.ID, DocumentID: wf.in.DocumentID, WorkflowID: wf.wfID,
		Assignee: t.Assignee.Username, Deadline: t.Deadline, At: at,
	}
}
