package testkit

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	events "github.com/docflow/docflow/api/events/v1"
)

// Published returns every event on subject in the events stream, oldest
// first. Each must have been published under its own id (Nats-Msg-Id), the
// id JetStream and consumers drop repeats by.
func Published(t testing.TB, js jetstream.JetStream, subject string) []events.Envelope {
	t.Helper()
	var out []events.Envelope
	for _, msg := range Messages(t, js, events.EventsStream.Name, subject) {
		var env events.Envelope
		if err := json.Unmarshal(msg.Data(), &env); err != nil {
			t.Fatalf("event is not a CloudEvent: %v", err)
		}
		if got := msg.Headers().Get(jetstream.MsgIDHeader); got != env.ID {
			t.Errorf("Nats-Msg-Id %q differs from the event id %q", got, env.ID)
		}
		out = append(out, env)
	}
	return out
}

// Messages returns every message on subject in the named stream, oldest
// first.
func Messages(t testing.TB, js jetstream.JetStream, streamName, subject string) []jetstream.Msg {
	t.Helper()
	stream, err := js.Stream(t.Context(), streamName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(t.Context(), jetstream.WithSubjectFilter(subject))
	if err != nil {
		t.Fatal(err)
	}
	n := info.State.Subjects[subject]
	if n == 0 {
		return nil
	}
	cons, err := stream.OrderedConsumer(t.Context(), jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(int(min(n, 10_000)), jetstream.FetchMaxWait(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var out []jetstream.Msg
	for msg := range batch.Messages() {
		out = append(out, msg)
	}
	if err := batch.Error(); err != nil {
		t.Fatal(err)
	}
	if uint64(len(out)) != n {
		t.Fatalf("fetched %d of %d messages on %s", len(out), n, subject)
	}
	return out
}
