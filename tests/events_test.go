package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/santhosh-tekuri/jsonschema/v6"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/stack"
)

// assertEvents reads every event about documentID from the stream, as an
// integrator would, and checks each against the published JSON Schemas
// (the envelope, and the payload of its type) and against the Go payload
// its type declares. It returns the types seen.
func assertEvents(t *testing.T, st *stack.Stack, documentID string) map[events.Type]int {
	t.Helper()
	// The services may read only their own consumers; reading the whole
	// stream takes the installation's admin user.
	nc, err := nats.Connect(st.NATSURL, nats.UserCredentials(st.CredsFile(stack.NATSAdmin)))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, events.EventsStream.Name, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	envelope := schema(t, events.EnvelopeSchemaURI, must(events.EnvelopeSchema()))
	seen := map[events.Type]int{}
	for {
		batch, err := cons.FetchNoWait(100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			var env events.Envelope
			if err := json.Unmarshal(msg.Data(), &env); err != nil {
				t.Fatalf("%s: not an envelope: %v", msg.Subject(), err)
			}
			if msg.Headers().Get(jetstream.MsgIDHeader) != env.ID {
				t.Errorf("%s: Nats-Msg-Id %q is not the event id %q", env.Type, msg.Headers().Get(jetstream.MsgIDHeader), env.ID)
			}
			if msg.Subject() != events.EventSubject(env.Agency, env.Type) {
				t.Errorf("%s published on %s", env.Type, msg.Subject())
			}
			validate(t, envelope, string(env.Type)+" envelope", msg.Data())
			validate(t, schema(t, events.SchemaURI(env.Type), must(events.Schema(env.Type))), string(env.Type)+" data", env.Data)
			// Consumers read the payload the type declares.
			if _, err := events.Decode(env); err != nil {
				t.Errorf("%s on %s: %v", env.Type, msg.Subject(), err)
			}
			if env.Subject == documentID {
				seen[env.Type]++
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			t.Fatal(err)
		}
		if n == 0 {
			return seen
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func schema(t *testing.T, uri string, raw []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(uri, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(uri)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, what string, raw []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("%s does not match its schema: %v\n%s", what, err, raw)
	}
}
