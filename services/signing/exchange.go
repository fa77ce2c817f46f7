package signing

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/clerical/agencies"
	"github.com/docflow/docflow/services/internal/clerical/hosted"
	"github.com/docflow/docflow/services/internal/service"
	"github.com/docflow/docflow/services/signing/internal/exchange"
	"github.com/docflow/docflow/services/signing/internal/keys"
)

// wireExchange runs the exchange engine for the hosted agencies: two
// consumers of events (dispatches; registrations and handling) and two of
// DOCFLOW_EXCHANGE (document and status packages addressed to them).
func wireExchange(ctx context.Context, cfg Config, env *service.Env, pki *keys.Dir) error {
	all, err := hosted.Load(cfg.Agencies)
	if err != nil {
		return fmt.Errorf("DOCFLOW_AGENCIES_DIR: %w", err)
	}
	national, err := agencies.Load()
	if err != nil {
		return err
	}
	store, err := exchange.OpenStore(ctx, env.DB)
	if err != nil {
		return err
	}
	eng := exchange.New(exchange.Config{
		Bucket: cfg.DocumentsBucket, Hosted: all, Directory: national,
		SignerName: func(ctx context.Context, username string) (string, error) {
			c, err := pki.Lookup(ctx, username)
			if err != nil {
				return "", err
			}
			return c.Cert.Subject.CommonName, nil
		},
	}, store, env.Store, env.JetStream, env.Publisher(), pki, env.Log)
	env.Consume(events.SigningExchangeSend, eng.HandleDispatched)
	env.Consume(events.SigningExchangeReceipts, eng.HandleReceipt)
	for _, p := range []struct {
		c      events.Consumer
		handle exchange.PackageHandler
	}{
		{events.SigningExchangeInbox.ForAgencies(eng.HostedIDs()), eng.HandleDocument},
		{events.SigningExchangeStatuses.ForAgencies(eng.HostedIDs()), eng.HandleStatus},
	} {
		env.Go(p.c.Durable, func(ctx context.Context) { consumePackages(ctx, env, p.c, p.handle) })
	}
	env.Log.Info("exchange configured", zap.Strings("agencies", eng.HostedIDs()))
	return nil
}

// consumePackages runs a consumer of DOCFLOW_EXCHANGE until ctx ends; one
// that cannot start (NATS away) is tried again every few seconds.
func consumePackages(ctx context.Context, env *service.Env, c events.Consumer, handle exchange.PackageHandler) {
	for {
		stop, err := exchange.ConsumePackages(ctx, env.JetStream, c, env.Log, handle)
		if err == nil {
			<-ctx.Done()
			stop()
			return
		}
		env.Log.Error("the exchange consumer could not start; trying again", zap.String("consumer", c.Durable), zap.Error(err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
}
