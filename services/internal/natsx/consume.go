package natsx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
)

// Handler processes one event, its data decoded (events.Decode). Returning
// nil acknowledges it; an error has it redelivered after a delay, so
// handlers must be idempotent (the event id is the key).
type Handler func(ctx context.Context, ev events.Event) error

// Consume runs handle for every message of the durable consumer c until the
// returned stop is called; stop waits for the message in hand to finish.
// A message that is not a CloudEvent, or whose data is not a payload of its
// type, is logged and terminated: redelivering it could never succeed. So
// is a forged event, whose type or agency does not match its subject or
// whose source is not the service that owns its type (checkOrigin), logged
// as a warning. An event of a type this build does not know is
// acknowledged without handle: nothing here could handle it.
func Consume(ctx context.Context, js jetstream.JetStream, c events.Consumer, log *zap.Logger, handle Handler) (stop func(), err error) {
	cons, err := EnsureConsumer(ctx, js, c)
	if err != nil {
		return nil, err
	}
	log = log.With(zap.String("consumer", c.Durable))
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		var env events.Envelope
		if err := json.Unmarshal(msg.Data(), &env); err != nil || env.ID == "" || env.Type == "" {
			log.Error("dropping a message that is not a docflow CloudEvent", zap.String("subject", msg.Subject()), zap.Error(err))
			_ = msg.Term()
			return
		}
		if err := checkOrigin(msg.Subject(), env); err != nil {
			log.Warn("dropping a forged event: "+err.Error(), zap.String("subject", msg.Subject()), zap.String("type", string(env.Type)),
				zap.String("agency", env.Agency), zap.String("source", env.Source), zap.String("event_id", env.ID))
			_ = msg.Term()
			return
		}
		ev, err := events.Decode(env)
		if errors.Is(err, events.ErrUnknownType) {
			log.Debug("skipping an event of a type this service does not know", zap.String("event_id", env.ID), zap.String("type", string(env.Type)))
			_ = msg.Ack()
			return
		}
		if err != nil {
			log.Error("dropping an event whose data does not match its type", zap.String("subject", msg.Subject()), zap.Error(err))
			_ = msg.Term()
			return
		}
		hctx, cancel := context.WithTimeout(context.Background(), c.AckWait)
		defer cancel()
		if err := handle(hctx, ev); err != nil {
			meta, _ := msg.Metadata()
			delivered := uint64(0)
			if meta != nil {
				delivered = meta.NumDelivered
			}
			log.Warn("event handling failed; it will be redelivered",
				zap.String("event_id", env.ID), zap.String("type", string(env.Type)),
				zap.String("document_id", env.Subject), zap.Uint64("delivered", delivered), zap.Error(err))
			_ = msg.NakWithDelay(backoff(delivered))
			return
		}
		if err := msg.DoubleAck(hctx); err != nil {
			log.Warn("ack failed; the event may be redelivered", zap.String("event_id", env.ID), zap.Error(err))
		}
	})
	if err != nil {
		return nil, fmt.Errorf("natsx.Consume %s: %w", c.Durable, err)
	}
	return cc.Drain, nil
}

// backoff grows with each delivery, up to 30 s.
func backoff(delivered uint64) time.Duration {
	const step, limit = 500 * time.Millisecond, 30 * time.Second
	if delivered >= uint64(limit/step) {
		return limit
	}
	return time.Duration(delivered) * step
}
