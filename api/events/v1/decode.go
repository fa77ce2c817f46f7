package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrUnknownType is the error, wrapped, of decoding an event whose type this
// package does not declare. Consumers skip such an event: a newer publisher
// may emit types an older consumer has never heard of.
var ErrUnknownType = errors.New("unknown event type")

// ErrMalformed is the error, wrapped, of decoding an event of a known type
// whose data is not a payload of that type. Delivering it again cannot
// help.
var ErrMalformed = errors.New("malformed event data")

// Event is an envelope with its data decoded.
type Event struct {
	Envelope
	// Payload points to the payload of the event's type, as NewPayload
	// makes it: *DocumentReceivedData for DocumentReceived, and so on.
	Payload any
}

// Decode decodes env's data into the payload its type declares. Fields the
// payload does not know are ignored, so that a publisher may add optional
// fields to a version without breaking older consumers. The error wraps
// ErrUnknownType or ErrMalformed; the event returned with it carries the
// envelope, for the consumer's log.
func Decode(env Envelope) (Event, error) {
	p, ok := NewPayload(env.Type)
	if !ok {
		return Event{Envelope: env}, fmt.Errorf("events.Decode: event %s: %w %q", env.ID, ErrUnknownType, env.Type)
	}
	if data := bytes.TrimSpace(env.Data); len(data) == 0 || bytes.Equal(data, []byte("null")) {
		return Event{Envelope: env}, fmt.Errorf("events.Decode: event %s of type %s has no data: %w", env.ID, env.Type, ErrMalformed)
	}
	if err := json.Unmarshal(env.Data, p); err != nil {
		return Event{Envelope: env}, fmt.Errorf("events.Decode: event %s: the data of %s is not a %T: %w: %w", env.ID, env.Type, p, ErrMalformed, err)
	}
	return Event{Envelope: env, Payload: p}, nil
}
