package kit

import (
	"encoding/json"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/workflows"
)

// The outbox keeps the events a workflow has to publish, in the order
// things happened, until its main loop publishes them through the routing
// service's PublishEvent activity. Update and signal handlers cannot wait
// for an activity without holding the caller, so they queue; the loop
// flushes.
//
// Every event is one activity (and one side effect, its id) in history:
// publishing an event a recorded run did not publish breaks its replay, so
// such a change is guarded with workflow.GetVersion.

// Outbox is the queue of one workflow run. Its zero value is not usable:
// Agency, DocumentID and Options (RoutingActivity) say where and
// how events go.
type Outbox struct {
	Agency     string
	DocumentID string
	// Options of the PublishEvent activity.
	Options workflow.ActivityOptions
	queue   []item
}

type item struct {
	typ  events.Type
	data any
}

// Queue records an event to publish.
func (o *Outbox) Queue(t events.Type, data any) { o.queue = append(o.queue, item{t, data}) }

// Len is the number of events waiting.
func (o *Outbox) Len() int { return len(o.queue) }

// Flush publishes the queued events in order.
func (o *Outbox) Flush(ctx workflow.Context) error {
	for len(o.queue) > 0 {
		n := o.queue[0]
		o.queue = o.queue[1:]
		if err := o.publish(ctx, n.typ, n.data); err != nil {
			return err
		}
	}
	return nil
}

// publish has the routing service emit an event. The id is drawn once and
// recorded in history, so a retried activity republishes the same event and
// JetStream drops the duplicate.
func (o *Outbox) publish(ctx workflow.Context, t events.Type, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("encode event "+string(t), "EncodeEvent", err)
	}
	actx := workflow.WithActivityOptions(ctx, o.Options)
	return workflow.ExecuteActivity(actx, workflows.ActivityPublishEvent, workflows.PublishEventInput{
		ID: NewID(ctx), Type: t, Agency: o.Agency, DocumentID: o.DocumentID,
		Time: workflow.Now(ctx), Data: raw,
	}).Get(ctx, nil)
}
