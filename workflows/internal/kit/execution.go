package kit

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/docflow/docflow/workflows"
)

// Registrar is what registering a workflow needs of a worker or a replayer.
type Registrar interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// NewID draws a random id once and records it in history (a side effect),
// so replay and a retried activity see the same value.
func NewID(ctx workflow.Context) string {
	var id string
	_ = workflow.SideEffect(ctx, func(workflow.Context) any { return uuidV4() }).Get(&id)
	return id
}

// uuidV4 draws a random UUID. It is only called inside workflow.SideEffect,
// whose result is recorded in history, so replay sees the same value.
func uuidV4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ServiceActivity are the options for an activity of another service: it is
// retried until it succeeds or fails for a reason retrying cannot fix (the
// nonRetryable error types).
func ServiceActivity(queue string, timeout time.Duration, nonRetryable ...string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		TaskQueue:           queue,
		StartToCloseTimeout: timeout,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: nonRetryable,
		},
	}
}

// RoutingActivity are the options of a routing activity (publishing an
// event, planning deadlines): quick, retried until it succeeds.
func RoutingActivity() workflow.ActivityOptions {
	return ServiceActivity(workflows.RoutingTaskQueue, 30*time.Second)
}

// DefaultHistoryLimit is the history length past which a workflow continues
// as new, well below Temporal's warning threshold.
const DefaultHistoryLimit = 4000

// ContinueAsNewDue says the history is longer than limit (DefaultHistoryLimit
// when limit is 0) and the workflow is at a point where it can start afresh:
// idle (nothing queued, no signal unread) and no update handler running.
func ContinueAsNewDue(ctx workflow.Context, limit int, idle bool) bool {
	if limit <= 0 {
		limit = DefaultHistoryLimit
	}
	return workflow.GetInfo(ctx).GetCurrentHistoryLength() > limit && idle && workflow.AllHandlersFinished(ctx)
}

// Resume moves the state continue-as-new carried (*carried, in the run's
// input) into *state and says it did; *carried is cleared, so the input the
// run carries on holds only the newest state. Without one, *state stays the
// fresh state the caller set.
func Resume[S any](carried **S, state *S) bool {
	if *carried == nil {
		return false
	}
	*state, *carried = **carried, nil
	return true
}

// ContinueAsNew ends the run and starts the workflow name again with next,
// the input that carries the whole state over. Timers are not carried: the
// new run arms them again from the dates in the state.
func ContinueAsNew(ctx workflow.Context, name, documentID string, next any) error {
	workflow.GetLogger(ctx).Info("workflow continues as new", "workflow", name, "document_id", documentID,
		"history_length", workflow.GetInfo(ctx).GetCurrentHistoryLength())
	return workflow.NewContinueAsNewError(ctx, name, next)
}

// Invalid fails a workflow whose start input cannot be run, for good: no
// retry can change the input. errType is the workflow's application error
// type for it.
func Invalid(err error, errType string) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), errType, nil)
}

// Reason is why an activity failed, as a person reads it: the application
// error's message without the SDK's wrapping.
func Reason(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Message()
	}
	return fmt.Sprint(err)
}

// DocumentProblems are what a start input lacks of the document every
// workflow is about: its id, its agency and the stored original with its
// digest. The workflow adds its own and refuses the start with all of them.
func DocumentProblems(d workflows.Document) []error {
	var problems []error
	if d.DocumentID == "" {
		problems = append(problems, errors.New("document_id is required"))
	}
	if d.Agency == "" {
		problems = append(problems, errors.New("agency is required"))
	}
	if d.Original.Key == "" || d.Original.SHA256 == "" {
		problems = append(problems, errors.New("original object with its sha256 is required"))
	}
	return problems
}

// Finish lets in-flight update handlers complete before the workflow closes.
func Finish(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}
