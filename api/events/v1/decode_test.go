package events_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	events "github.com/docflow/docflow/api/events/v1"
)

func envelopeOf(t *testing.T, typ events.Type, data any) events.Envelope {
	t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return events.Envelope{ID: "4b0f0c1e-8a51-4f7a-9d1e-3c2b1a0f9e8d", Type: typ, Subject: "doc-1", Time: at, Agency: "000.00.00.G22", Data: raw}
}

// Every declared type decodes into its own payload type, with every field
// as it was published.
func TestDecodeEveryType(t *testing.T) {
	t.Parallel()
	for _, typ := range events.Types {
		t.Run(string(typ), func(t *testing.T) {
			t.Parallel()
			env := envelopeOf(t, typ, populated[typ])
			ev, err := events.Decode(env)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if ev.ID != env.ID || ev.Type != typ || ev.Subject != env.Subject || !ev.Time.Equal(env.Time) {
				t.Errorf("the decoded event's envelope %+v, want %+v", ev.Envelope, env)
			}
			if got, want := reflect.TypeOf(ev.Payload), reflect.PointerTo(reflect.TypeOf(populated[typ])); got != want {
				t.Fatalf("payload is a %v, want a %v", got, want)
			}
			again, err := json.Marshal(ev.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(env.Data) {
				t.Errorf("decoded payload encodes to\n%s\nwant\n%s", again, env.Data)
			}
		})
	}
}

// A type this package does not declare (a newer version, another system's
// event) is reported as unknown, never as malformed, so that a consumer can
// skip it.
func TestDecodeUnknownType(t *testing.T) {
	t.Parallel()
	for _, typ := range []events.Type{"vn.docflow.document.received.v2", "vn.docflow.document.teleported.v1", ""} {
		ev, err := events.Decode(envelopeOf(t, typ, populated[events.DocumentReceived]))
		if !errors.Is(err, events.ErrUnknownType) || errors.Is(err, events.ErrMalformed) {
			t.Errorf("Decode(%q): %v, want ErrUnknownType", typ, err)
		}
		if ev.Type != typ || ev.Payload != nil {
			t.Errorf("Decode(%q) returned %+v, want the envelope without a payload", typ, ev)
		}
	}
}

// Data that is not a payload of the event's type is malformed, and the error
// names the event and its type.
func TestDecodeMalformedData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
	}{
		{"not JSON", `{"document_id": `},
		{"a string where an object is due", `"doc-1"`},
		{"a field of the wrong JSON type", `{"document_id": "doc-1", "arrival_number": "twelve"}`},
		{"a time that is not RFC 3339", `{"document_id": "doc-1", "received_at": "05/03/2026"}`},
		{"null", `null`},
		{"absent", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := envelopeOf(t, events.DocumentReceived, nil)
			env.Data = json.RawMessage(tt.data)
			ev, err := events.Decode(env)
			if !errors.Is(err, events.ErrMalformed) || errors.Is(err, events.ErrUnknownType) {
				t.Fatalf("Decode: %v, want ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), env.ID) || !strings.Contains(err.Error(), string(events.DocumentReceived)) {
				t.Errorf("the error %q does not name the event and its type", err)
			}
			if ev.ID != env.ID || ev.Payload != nil {
				t.Errorf("Decode returned %+v, want the envelope without a payload", ev)
			}
		})
	}
}

// A field the payload type does not know yet, added by a newer publisher of
// the same version, is ignored.
func TestDecodeIgnoresFieldsItDoesNotKnow(t *testing.T) {
	t.Parallel()
	env := envelopeOf(t, events.RouteSelected, populated[events.RouteSelected])
	env.Data = json.RawMessage(strings.Replace(string(env.Data), "{", `{"approvers": ["chuyenvien1"], `, 1))
	ev, err := events.Decode(env)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := ev.Payload.(*events.RouteSelectedData); !ok || *d != populated[events.RouteSelected] {
		t.Errorf("payload %+v, want %+v", ev.Payload, populated[events.RouteSelected])
	}
}
