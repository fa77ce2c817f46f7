// Package notify passes people's notifications on to a channel outside the
// application (e-mail, SMS). The in-app list is the read model's; this is
// the port for everything else, fed from the read model's outbox so that a
// notification is handed over at least once even across crashes.
package notify

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/docflow/docflow/services/gateway/internal/readmodel"
)

// Notifier delivers one notification to its recipient. It must be
// idempotent on Notification.ID: after a crash the same one may come again.
type Notifier interface {
	Notify(ctx context.Context, n readmodel.Notification) error
}

// Log is the notifier of a development stack: it writes each notification
// to the log, where a developer sees what would have been sent.
type Log struct{ Log *zap.Logger }

var _ Notifier = Log{}

// Notify logs n.
func (l Log) Notify(_ context.Context, n readmodel.Notification) error {
	l.Log.Info("notification", zap.String("id", n.ID), zap.String("recipient", n.Recipient), zap.String("kind", n.Kind),
		zap.String("document_id", n.DocumentID), zap.String("task_id", n.TaskID), zap.String("message", n.Message))
	return nil
}

// Outbox is where undelivered notifications wait; the read model is one.
type Outbox interface {
	Undelivered(ctx context.Context, limit int) ([]readmodel.Notification, error)
	MarkDelivered(ctx context.Context, id string, at time.Time) error
}

// Dispatcher hands the outbox's notifications to a Notifier.
type Dispatcher struct {
	Outbox   Outbox
	Notifier Notifier
	Log      *zap.Logger
	Now      func() time.Time
}

// batch is how many notifications one pass takes.
const batch = 100

// Pass delivers what waits in the outbox, oldest first, and returns how many
// were delivered. A notification the notifier refuses stays in the outbox
// and the pass stops there, so order is kept and the next pass retries it.
func (d *Dispatcher) Pass(ctx context.Context) (int, error) {
	list, err := d.Outbox.Undelivered(ctx, batch)
	if err != nil {
		return 0, err
	}
	for i, n := range list {
		if err := d.Notifier.Notify(ctx, n); err != nil {
			return i, err
		}
		if err := d.Outbox.MarkDelivered(ctx, n.ID, d.Now()); err != nil {
			return i, err
		}
	}
	return len(list), nil
}

// Run makes a pass every interval until ctx ends.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for {
			n, err := d.Pass(ctx)
			if err != nil {
				if ctx.Err() == nil {
					d.Log.Warn("notifications not delivered; retrying", zap.Error(err))
				}
				break
			}
			if n < batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
