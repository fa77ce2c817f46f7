package dispatch_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap/zaptest"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/clerical/calendar"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/testkit"
	"github.com/docflow/docflow/services/routing/internal/dispatch"
	"github.com/docflow/docflow/services/routing/internal/rules"
	"github.com/docflow/docflow/workflows/approval"
)

// starter records the workflows the router starts; Temporal itself is
// exercised by the end-to-end tests.
type starter struct{ started []approval.Input }

func (s *starter) ExecuteWorkflow(_ context.Context, _ client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	in, ok := args[0].(approval.Input)
	if !ok {
		return nil, errors.New("the workflow input is not an approval.Input")
	}
	s.started = append(s.started, in)
	return nil, nil
}

func router(t *testing.T) (*dispatch.Router, *starter) {
	t.Helper()
	set, err := rules.Parse([]byte("version: t\nrules:\n  - id: all\n    approver: chuyenvien1\n    deadline_days: 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.Load()
	if err != nil {
		t.Fatal(err)
	}
	nts := testkit.NATS(t)
	if err := natsx.EnsureStreams(t.Context(), nts.JS, events.Streams); err != nil {
		t.Fatal(err)
	}
	s := &starter{}
	return &dispatch.Router{
		Rules: func() *rules.Set { return set }, Calendar: cal, Temporal: s,
		Publisher: natsx.NewPublisher(nts.JS, "routing"), Log: zaptest.NewLogger(t),
	}, s
}

func received(t *testing.T, at time.Time) events.Envelope {
	t.Helper()
	data, err := json.Marshal(events.DocumentReceivedData{
		DocumentID: "d1", Agency: "000.00.00.G22", ArrivalNumber: 1, Kind: "QUYET_DINH", Subject: "Quyết định",
		Urgency: "THUONG", Confidentiality: "NONE", ReceivedAt: at,
		Original: events.Object{Bucket: "b", Key: "originals/d1.pdf", SHA256: "ab"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return events.Envelope{ID: "e1", Type: events.DocumentReceived, Subject: "d1", Agency: "000.00.00.G22", Time: at, Data: data}
}

// A document registered on the last working day before Tết 2026 is due
// three working days later, after the holiday: Wednesday 25/02/2026.
func TestDeadlineCountsWorkingDaysAcrossTet(t *testing.T) {
	t.Parallel()
	r, s := router(t)
	at := time.Date(2026, 2, 13, 9, 30, 0, 0, calendar.Zone)
	if err := r.HandleReceived(t.Context(), received(t, at)); err != nil {
		t.Fatal(err)
	}
	if len(s.started) != 1 {
		t.Fatalf("started %d workflows", len(s.started))
	}
	want := time.Date(2026, 2, 25, 9, 30, 0, 0, calendar.Zone)
	if got := s.started[0].Deadline; !got.Equal(want) {
		t.Fatalf("deadline %v, want %v", got, want)
	}
}

// Without calendar data the deadline is unknown: the event is not taken
// (it will be redelivered) and no workflow starts with a guessed deadline.
func TestNoDeadlineOutsideTheCalendar(t *testing.T) {
	t.Parallel()
	r, s := router(t)
	err := r.HandleReceived(t.Context(), received(t, time.Date(2031, 3, 2, 9, 0, 0, 0, calendar.Zone)))
	if !errors.Is(err, calendar.ErrNotCovered) || len(s.started) != 0 {
		t.Fatalf("err %v, started %d", err, len(s.started))
	}
}
