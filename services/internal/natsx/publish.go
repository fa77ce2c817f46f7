package natsx

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
)

// Publisher publishes CloudEvents on JetStream.
type Publisher struct {
	js     jetstream.JetStream
	source string
	now    func() time.Time
}

// NewPublisher returns a publisher whose events name the service as source.
func NewPublisher(js jetstream.JetStream, service string) *Publisher {
	return &Publisher{js: js, source: svc.EventSource(service), now: time.Now}
}

// Publish emits a new event with a fresh id.
func (p *Publisher) Publish(ctx context.Context, t events.Type, agency, documentID string, data any) (events.Envelope, error) {
	return p.PublishWithID(ctx, uuid.NewString(), p.now(), t, agency, documentID, data)
}

// PublishWithID emits an event whose id the caller chose. A caller that may
// repeat itself (a retried activity, a redelivered message) derives the id
// from what it is doing, so JetStream drops the repeat.
func (p *Publisher) PublishWithID(ctx context.Context, id string, at time.Time, t events.Type, agency, documentID string, data any) (events.Envelope, error) {
	env, err := NewEnvelope(p.source, id, at, t, agency, documentID, data)
	if err != nil {
		return events.Envelope{}, err
	}
	return env, p.PublishEnvelope(ctx, env)
}

// PublishEnvelope emits a ready envelope, waiting for the stream's ack.
func (p *Publisher) PublishEnvelope(ctx context.Context, env events.Envelope) error {
	body, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("natsx.Publish %s: %w", env.Type, err)
	}
	msg := &nats.Msg{
		Subject: events.EventSubject(env.Agency, env.Type),
		Data:    body,
		Header:  nats.Header{},
	}
	msg.Header.Set(jetstream.MsgIDHeader, env.ID)
	msg.Header.Set("Content-Type", "application/cloudevents+json")
	msg.Header.Set("ce-type", string(env.Type))
	if _, err := p.js.PublishMsg(ctx, msg); err != nil {
		return fmt.Errorf("natsx.Publish %s on %s: %w", env.Type, msg.Subject, err)
	}
	return nil
}

// NewEnvelope builds a CloudEvent around data.
func NewEnvelope(source, id string, at time.Time, t events.Type, agency, documentID string, data any) (events.Envelope, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return events.Envelope{}, fmt.Errorf("natsx.NewEnvelope %s: %w", t, err)
	}
	return events.Envelope{
		SpecVersion:     events.SpecVersion,
		ID:              id,
		Source:          source,
		Type:            t,
		Subject:         documentID,
		Time:            at.UTC(),
		DataContentType: "application/json",
		DataSchema:      events.SchemaBase + t.SchemaName(),
		Agency:          agency,
		Data:            raw,
	}, nil
}

// EventID derives a stable event id from a name (e.g. "signed:<document>"),
// for publishers that must publish the same event again after a retry.
func EventID(name string) string {
	return uuid.NewSHA1(eventNamespace, []byte(name)).String()
}

var eventNamespace = uuid.MustParse("6f1c8a52-3a0b-4c59-9a55-0d4c1f0e7a11")
