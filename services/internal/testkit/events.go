package testkit

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	events "github.com/docflow/docflow/api/events/v1"
)

// Event is an event of type typ about document doc of agency, with a fresh
// id, as a consumer is handed it: data encoded to JSON and decoded again
// with events.Decode, so that it carries the payload type the event type
// declares whatever data was given.
func Event(t testing.TB, typ events.Type, agency, doc string, at time.Time, data any) events.Event {
	t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatalf("testkit.Event %s: %v", typ, err)
	}
	ev, err := events.Decode(events.Envelope{ID: uuid.NewString(), Type: typ, Subject: doc, Time: at, Agency: agency, Data: raw})
	if err != nil {
		t.Fatalf("testkit.Event: %v", err)
	}
	return ev
}
