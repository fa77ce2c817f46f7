package notify_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/gateway/internal/notify"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/internal/testkit"
)

// flaky refuses the notification named fail once.
type flaky struct {
	fail string
	sent []string
}

func (f *flaky) Notify(_ context.Context, n readmodel.Notification) error {
	if n.ID == f.fail {
		f.fail = ""
		return errors.New("SMS gateway unavailable")
	}
	f.sent = append(f.sent, n.ID)
	return nil
}

// A refused notification stops the pass and is delivered, in order, by the
// next; nothing is delivered twice.
func TestDispatcherKeepsOrderAndRetries(t *testing.T) {
	t.Parallel()
	box := readModel(t)
	waiting, err := box.Undelivered(t.Context(), 100)
	if err != nil || len(waiting) != 3 {
		t.Fatalf("the read model holds %d notifications (%v), want 3", len(waiting), err)
	}
	var want []string
	for _, w := range waiting {
		want = append(want, w.ID)
	}
	n := &flaky{fail: want[1]}
	d := &notify.Dispatcher{Outbox: box, Notifier: n, Log: zaptest.NewLogger(t), Now: time.Now}
	got, err := d.Pass(t.Context())
	if err == nil || got != 1 {
		t.Fatalf("first pass: %d delivered, %v; want 1 and the refusal", got, err)
	}
	got, err = d.Pass(t.Context())
	if err != nil || got != 2 {
		t.Fatalf("second pass: %d delivered, %v; want 2", got, err)
	}
	if got, err := d.Pass(t.Context()); err != nil || got != 0 {
		t.Fatalf("third pass: %d delivered, %v; want nothing left", got, err)
	}
	if !slices.Equal(n.sent, want) {
		t.Fatalf("sent %v", n.sent)
	}
}

// readModel is a read model holding three notifications: a task assigned
// to a person who has two substitutes.
func readModel(t *testing.T) *readmodel.Store {
	t.Helper()
	s, err := readmodel.Open(t.Context(), testkit.DB(t, testkit.SQLite(t)))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	for _, e := range []struct {
		typ  events.Type
		data any
	}{
		{events.DocumentReceived, events.DocumentReceivedData{DocumentID: "d1", Agency: "G22", ArrivalNumber: 1, Kind: "CONG_VAN", Subject: "Công văn"}},
		{events.TaskAssigned, events.TaskAssignedData{TaskID: "t1", DocumentID: "d1", Assignee: "chuyenvien1", Kind: "CONG_VAN", Deadline: at.Add(48 * time.Hour), AssignedAt: at,
			Substitutes: []events.Substitute{{Username: "chuyenvien2", From: at, Until: at.Add(time.Hour)}, {Username: "phophong", From: at, Until: at.Add(time.Hour)}}}},
	} {
		if err := s.Apply(t.Context(), testkit.Event(t, e.typ, "G22", "d1", at, e.data)); err != nil {
			t.Fatal(err)
		}
	}
	return s
}
