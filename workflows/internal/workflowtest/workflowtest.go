// Package workflowtest is the set-up the workflows' unit tests share. A
// test runs one workflow in the SDK's test environment with routing's
// activities in place (every published event recorded, deadlines from a
// stand-in for the calendar), sends updates at moments of the run with
// arguments built from the workflow's state at that moment, and checks
// whether each was accepted or refused with the expected error type.
package workflowtest

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/workflows"
)

// The document every test runs a workflow for.
const (
	Agency     = "000.00.00.G22"
	DocumentID = "doc-1"
)

// Start is the Friday before Tết Bính Ngọ 2026, when every test starts.
var Start = time.Date(2026, 2, 13, 9, 30, 0, 0, vntime.Zone)

// FiveDays stands in for routing's calendar where the dates do not matter:
// far enough that no timer fires while people act. A chosen date (Due) is
// kept.
func FiveDays(in workflows.PlanDeadlinesInput) workflows.PlanDeadlinesResult {
	d := in.From.AddDate(0, 0, 5)
	if !in.Due.IsZero() {
		d = in.Due
	}
	return workflows.PlanDeadlinesResult{Deadline: d, RemindAt: d.AddDate(0, 0, -1)}
}

// Planned stands in for routing's calendar in a test about deadlines: the
// step of days working days from from is due at deadline, reminded at
// remindAt; any other as FiveDays has it.
func Planned(from time.Time, days int, deadline, remindAt time.Time) func(workflows.PlanDeadlinesInput) workflows.PlanDeadlinesResult {
	return func(in workflows.PlanDeadlinesInput) workflows.PlanDeadlinesResult {
		if in.From.Equal(from) && in.WorkingDays == days {
			return workflows.PlanDeadlinesResult{Deadline: deadline, RemindAt: remindAt}
		}
		return FiveDays(in)
	}
}

// TaskOf is the id of the latest task assigned to username (of one of the
// kinds, when given), or an id no task has.
func TaskOf(tasks []workflows.Task, username string, kinds ...string) string {
	id := "no-task-for-" + username
	for _, t := range tasks {
		if t.Assignee.Username == username && (len(kinds) == 0 || slices.Contains(kinds, t.Kind)) {
			id = t.ID
		}
	}
	return id
}

// Published is one event the workflow had published.
type Published struct {
	Type events.Type
	Data json.RawMessage
}

// Recorder records what the workflow asked of routing.
type Recorder struct {
	mu        sync.Mutex
	published []Published
	deadlines []workflows.PlanDeadlinesInput
}

// Published are the events published so far, in order.
func (r *Recorder) Published() []Published {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.published)
}

// Types are the types of the events published so far, in order.
func (r *Recorder) Types() []events.Type {
	var ts []events.Type
	for _, p := range r.Published() {
		ts = append(ts, p.Type)
	}
	return ts
}

// Count is how many events of type t were published.
func (r *Recorder) Count(t events.Type) int {
	n := 0
	for _, v := range r.Types() {
		if v == t {
			n++
		}
	}
	return n
}

// Deadlines are the deadlines asked of routing, in order.
func (r *Recorder) Deadlines() []workflows.PlanDeadlinesInput {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.deadlines)
}

// Payloads decodes every published event of type typ, in order.
func Payloads[T any](t testing.TB, r *Recorder, typ events.Type) []T {
	t.Helper()
	var out []T
	for _, p := range r.Published() {
		if p.Type != typ {
			continue
		}
		var v T
		if err := json.Unmarshal(p.Data, &v); err != nil {
			t.Fatalf("%s payload %s: %v", typ, p.Data, err)
		}
		out = append(out, v)
	}
	return out
}

// Env is the test environment of one workflow run whose state S is
// answered by the query named query.
type Env[S any] struct {
	*testsuite.TestWorkflowEnvironment
	t     testing.TB
	query string
}

// NewEnv is the test environment, starting at Start, with routing's
// PublishEvent (recording every event of the document, refusing one without
// an id, or for another agency or document) and PlanDeadlines (answered by
// deadlines). The test registers the workflow and any other activity.
func NewEnv[S any](t testing.TB, query string, deadlines func(workflows.PlanDeadlinesInput) workflows.PlanDeadlinesResult) (*Env[S], *Recorder) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(Start)
	rec := &Recorder{}
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.PublishEventInput) error {
		if in.ID == "" || in.Agency != Agency || in.DocumentID != DocumentID {
			return errors.New("event without id, or for another agency or document")
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.published = append(rec.published, Published{Type: in.Type, Data: in.Data})
		return nil
	}, activity.RegisterOptions{Name: workflows.ActivityPublishEvent})
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.PlanDeadlinesInput) (workflows.PlanDeadlinesResult, error) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.deadlines = append(rec.deadlines, in)
		return deadlines(in), nil
	}, activity.RegisterOptions{Name: workflows.ActivityPlanDeadlines})
	return &Env[S]{TestWorkflowEnvironment: env, t: t, query: query}, rec
}

// State is the workflow's state now; a failed query fails the test.
func (e *Env[S]) State() S {
	var s S
	v, err := e.QueryWorkflow(e.query)
	if err == nil {
		err = v.Get(&s)
	}
	if err != nil {
		e.t.Errorf("query %s: %v", e.query, err)
	}
	return s
}

// SnapshotAt records the state at a moment of the run.
func (e *Env[S]) SnapshotAt(after time.Duration) *S {
	s := new(S)
	e.RegisterDelayedCallback(func() { *s = e.State() }, after)
	return s
}

// At sends the update name after a while, its argument built from the state
// at that moment (to find the open task ids).
func (e *Env[S]) At(after time.Duration, name string, arg func(S) any) *Outcome {
	o := &Outcome{}
	e.RegisterDelayedCallback(func() {
		e.UpdateWorkflow(name, "", o.callbacks(), arg(e.State()))
	}, after)
	return o
}

// Result is the finished workflow's result; a workflow that did not
// complete, or failed, fails the test.
func Result[R, S any](e *Env[S]) R {
	e.t.Helper()
	var res R
	if !e.IsWorkflowCompleted() {
		e.t.Fatal("workflow did not complete")
	}
	if err := e.GetWorkflowError(); err != nil {
		e.t.Fatal(err)
	}
	if err := e.GetWorkflowResult(&res); err != nil {
		e.t.Fatal(err)
	}
	return res
}

// FailedWith fails the test unless the workflow failed with an application
// error of errType.
func (e *Env[S]) FailedWith(errType string) {
	e.t.Helper()
	if err := e.GetWorkflowError(); ErrType(err) != errType {
		e.t.Fatalf("error %v, want %s", err, errType)
	}
}

// Outcome is what became of an update.
type Outcome struct {
	Accepted bool
	Err      error
	Value    any // the update's result
}

func (o *Outcome) callbacks() *testsuite.TestUpdateCallback {
	return &testsuite.TestUpdateCallback{
		OnAccept: func() { o.Accepted = true },
		OnReject: func(err error) { o.Err = err },
		OnComplete: func(v any, err error) {
			o.Value = v
			if err != nil {
				o.Err = err
			}
		},
	}
}

// ErrType is the application error type the update was refused or failed
// with; "" when none.
func (o *Outcome) ErrType() string { return ErrType(o.Err) }

// ErrType is err's application error type; "" when it has none.
func ErrType(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Type()
	}
	return ""
}

// Accepted fails the test unless the update was accepted and succeeded.
func Accepted(t testing.TB, name string, o *Outcome) {
	t.Helper()
	if !o.Accepted || o.Err != nil {
		t.Fatalf("%s: accepted=%v err=%v, want accepted", name, o.Accepted, o.Err)
	}
}

// Refused fails the test unless the update was refused with errType.
func Refused(t testing.TB, name string, o *Outcome, errType string) {
	t.Helper()
	if o.Accepted || o.ErrType() != errType {
		t.Fatalf("%s: accepted=%v err=%v, want refused with %s", name, o.Accepted, o.Err, errType)
	}
}
