package exchange

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/natsx"
)

// PackageHandler handles one package of DOCFLOW_EXCHANGE: HandleDocument
// or HandleStatus. An error has it delivered again.
type PackageHandler func(ctx context.Context, subject string, raw []byte) error

// ConsumePackages runs handle for every package of the durable consumer c
// of DOCFLOW_EXCHANGE until the returned stop is called; stop waits for the
// package in hand. Packages are edXML, not CloudEvents, hence this
// rather than natsx.Consume.
func ConsumePackages(ctx context.Context, js jetstream.JetStream, c events.Consumer, log *zap.Logger, handle PackageHandler) (stop func(), err error) {
	cons, err := natsx.EnsureConsumer(ctx, js, c)
	if err != nil {
		return nil, err
	}
	log = log.With(zap.String("consumer", c.Durable))
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		hctx, cancel := context.WithTimeout(context.Background(), c.AckWait)
		defer cancel()
		if err := handle(hctx, msg.Subject(), msg.Data()); err != nil {
			delivered := uint64(0)
			if meta, _ := msg.Metadata(); meta != nil {
				delivered = meta.NumDelivered
			}
			log.Warn("package handling failed; it will be delivered again", zap.String("subject", msg.Subject()),
				zap.Uint64("delivered", delivered), zap.Error(err))
			_ = msg.NakWithDelay(retryDelay(delivered))
			return
		}
		if err := msg.DoubleAck(hctx); err != nil {
			log.Warn("ack failed; the package may be delivered again", zap.String("subject", msg.Subject()), zap.Error(err))
		}
	})
	if err != nil {
		return nil, fmt.Errorf("exchange: consume %s: %w", c.Durable, err)
	}
	return cc.Drain, nil
}

// retryDelay grows with each delivery, up to 30 s.
func retryDelay(delivered uint64) time.Duration {
	const step, limit = 500 * time.Millisecond, 30 * time.Second
	if delivered >= uint64(limit/step) {
		return limit
	}
	return time.Duration(delivered) * step
}
