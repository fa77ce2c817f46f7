package natsx_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap/zaptest"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/testkit"
)

// The consumer hands each event to its handler with its payload decoded. An
// event whose data does not match its type, and one of a type this build
// does not know (a newer version on the same subject), never reach the
// handler: published before a good one, they would be handed over first.
func TestConsumeHandsOverDecodedEvents(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	nts := testkit.NATS(t)
	if err := natsx.EnsureStreams(ctx, nts.JS, events.Streams); err != nil {
		t.Fatal(err)
	}
	const agency = "000.00.00.G22"
	at := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	publish := func(typ events.Type, data any) events.Envelope {
		t.Helper()
		env, err := natsx.NewEnvelope("/docflow/intake", uuid.NewString(), at, typ, agency, "d1", data)
		if err != nil {
			t.Fatal(err)
		}
		if err := natsx.NewPublisher(nts.JS, "intake").PublishEnvelope(ctx, env); err != nil {
			t.Fatal(err)
		}
		return env
	}
	publish(events.DocumentReceived, map[string]any{"document_id": "d1", "arrival_number": "twelve"})
	publish("vn.docflow.document.received.v2", map[string]any{"document_id": "d1", "arrival": map[string]any{"number": 12}})
	good := publish(events.DocumentReceived, events.DocumentReceivedData{DocumentID: "d1", Agency: agency, ArrivalNumber: 12, ArrivalYear: 2026})

	handled := make(chan events.Event, 3)
	consumer := events.Consumer{
		Stream: events.EventsStream.Name, Durable: "test-received", FilterSubject: []string{events.EventFilter(events.DocumentReceived)},
		AckWait: 30 * time.Second, MaxDeliver: -1,
	}
	stop, err := natsx.Consume(ctx, nts.JS, consumer, zaptest.NewLogger(t), func(_ context.Context, ev events.Event) error {
		handled <- ev
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	select {
	case ev := <-handled:
		d, ok := ev.Payload.(*events.DocumentReceivedData)
		if ev.ID != good.ID || !ok || d.DocumentID != "d1" || d.ArrivalNumber != 12 {
			t.Fatalf("the handler got %s %s with %#v first, want the good document.received %s", ev.Type, ev.ID, ev.Payload, good.ID)
		}
	case <-ctx.Done():
		t.Fatal("the good event never reached the handler")
	}
}
