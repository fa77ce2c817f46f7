package natsx_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/testkit"
)

// A consumer believes an event only as far as its subject vouches for it:
// one whose envelope names another type or agency than its subject, or a
// source other than the service that owns its type, is dropped with a
// warning and never handed over; the genuine one behind them is.
func TestConsumeDropsForgedEvents(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	nts := testkit.NATS(t)
	if err := natsx.EnsureStreams(ctx, nts.JS, events.Streams); err != nil {
		t.Fatal(err)
	}
	const g22, h49 = "000.00.00.G22", "000.00.00.H49"
	at := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	received := events.DocumentReceivedData{DocumentID: "d1", Agency: g22, ArrivalNumber: 12, ArrivalYear: 2026}
	envelope := func(source string, typ events.Type, agency string, data any) events.Envelope {
		t.Helper()
		env, err := natsx.NewEnvelope(source, uuid.NewString(), at, typ, agency, "d1", data)
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	// publish puts env on subject as it is, the way a publisher that lies
	// in its envelope would.
	publish := func(subject string, env events.Envelope) {
		t.Helper()
		body, err := json.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nts.JS.PublishMsg(ctx, &nats.Msg{Subject: subject, Data: body}); err != nil {
			t.Fatal(err)
		}
	}
	intake := svc.EventSource(svc.IntakeService)
	onG22 := events.EventSubject(g22, events.DocumentReceived)
	forged := []struct {
		name, subject string
		env           events.Envelope
		reason        string
	}{
		{"type", onG22, envelope(svc.EventSource(svc.RoutingService), events.TaskDecided, g22,
			events.TaskDecidedData{TaskID: "t1", DocumentID: "d1", Decision: "approve"}), "its type " + string(events.TaskDecided)},
		{"agency", onG22, envelope(intake, events.DocumentReceived, h49, received), `its agency "` + h49 + `"`},
		{"source", onG22, envelope(svc.EventSource(svc.GatewayService), events.DocumentReceived, g22, received), `its source "/docflow/gateway"`},
	}
	for _, f := range forged {
		publish(f.subject, f.env)
	}
	good := envelope(intake, events.DocumentReceived, g22, received)
	publish(onG22, good)

	core, logs := observer.New(zapcore.WarnLevel)
	handled := make(chan events.Event, 4)
	consumer := events.Consumer{
		Stream: events.EventsStream.Name, Durable: "test-forged", FilterSubject: []string{events.EventFilter(events.DocumentReceived)},
		AckWait: 30 * time.Second, MaxDeliver: -1,
	}
	stop, err := natsx.Consume(ctx, nts.JS, consumer, zap.New(core), func(_ context.Context, ev events.Event) error {
		handled <- ev
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	select {
	case ev := <-handled:
		if ev.ID != good.ID {
			t.Fatalf("the handler got %s %s from %s about %s first, want the genuine event %s", ev.Type, ev.ID, ev.Source, ev.Agency, good.ID)
		}
	case <-ctx.Done():
		t.Fatal("the genuine event never reached the handler")
	}

	dropped := logs.FilterMessageSnippet("dropping a forged event").All()
	if len(dropped) != len(forged) {
		t.Fatalf("%d forged events logged, want %d: %v", len(dropped), len(forged), dropped)
	}
	for i, f := range forged {
		entry := dropped[i]
		fields := entry.ContextMap()
		if entry.Level != zapcore.WarnLevel || !strings.Contains(entry.Message, f.reason) ||
			fields["subject"] != f.subject || fields["type"] != string(f.env.Type) ||
			fields["agency"] != f.env.Agency || fields["source"] != f.env.Source {
			t.Errorf("forged %s: logged %s %q %v, want a warning saying %q with the subject, type, agency and source", f.name, entry.Level, entry.Message, fields, f.reason)
		}
	}
	// Dropped for good: nothing waits for an ack or a redelivery.
	cons, err := nts.JS.Consumer(ctx, events.EventsStream.Name, consumer.Durable)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := cons.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.NumAckPending == 0 && info.AckFloor.Consumer == uint64(len(forged)+1) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer state %+v: the forged events were not terminated", info)
		}
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case ev := <-handled:
		t.Fatalf("the handler also got %s %s from %s", ev.Type, ev.ID, ev.Source)
	default:
	}
}
