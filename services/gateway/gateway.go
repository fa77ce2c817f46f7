// Package gateway is the gateway service: docflow's HTTP API for people and
// integrators. It authenticates and authorises every request, keeps the read
// models (documents, history, inbox) projected from the event stream, and
// passes work to the other services over NATS and to the workflows through
// Temporal.
package gateway

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/gateway/internal/audit"
	"github.com/docflow/docflow/services/gateway/internal/decide"
	"github.com/docflow/docflow/services/gateway/internal/exchange"
	"github.com/docflow/docflow/services/gateway/internal/notify"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/gateway/internal/server"
	"github.com/docflow/docflow/services/gateway/internal/webhook"
	"github.com/docflow/docflow/services/internal/clerical/agencies"
	"github.com/docflow/docflow/services/internal/clerical/kinds"
	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/internal/service"
)

// Run runs the gateway until ctx is cancelled.
func Run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.LoadValid[Config]("gateway", getenv)
	if err != nil {
		return err
	}
	authn, err := cfg.authenticator()
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	directory, kindsVersion, err := loadReference()
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	return service.Run(ctx, stdout, service.Spec{
		Name: "gateway", Log: cfg.Log, DB: cfg.DB, S3: &cfg.S3, Bucket: cfg.DocumentsBucket,
		Temporal: &cfg.Temporal, NATS: &cfg.NATS, Streams: events.Streams,
	}, func(ctx context.Context, env *service.Env) error {
		env.Log.Info("reference data loaded", zap.String("agencies", directory.Version), zap.String("kinds", kindsVersion))
		read, err := readmodel.Open(ctx, env.DB)
		if err != nil {
			return err
		}
		trail, err := audit.Open(ctx, env.DB)
		if err != nil {
			return err
		}
		// Documents dispatched to other agencies wait in the outbox for the
		// edXML exchange.
		outbox, err := exchange.Open(ctx, env.DB)
		if err != nil {
			return err
		}
		env.Consume(events.GatewayProjection, read.Apply)
		// Agencies without NATS get their events by signed HTTP requests:
		// the consumer records the deliveries, the deliverer sends them.
		hooks, err := webhook.Open(ctx, env.DB)
		if err != nil {
			return err
		}
		env.Consume(events.GatewayWebhooks, hooks.Fanout)
		deliverer := &webhook.Deliverer{
			Store: hooks, Backoff: webhook.Backoff{Base: cfg.WebhookRetryBase, Max: cfg.WebhookRetryMax},
			Timeout: cfg.WebhookTimeout, Poll: cfg.WebhookPoll, Workers: cfg.WebhookWorkers, Log: env.Log.Named("webhooks"), Now: time.Now,
		}
		env.Go("webhook deliveries", deliverer.Run)
		if cfg.Notifier == "log" {
			d := &notify.Dispatcher{Outbox: read, Notifier: notify.Log{Log: env.Log.Named("notify")}, Log: env.Log, Now: time.Now}
			env.Go("notifications", func(ctx context.Context) { d.Run(ctx, 2*time.Second) })
		}
		api := &server.Server{
			Auth: authn, Read: read, Audit: trail, Objects: env.Store, DocumentsBucket: cfg.DocumentsBucket, NATS: env.NATS,
			Decider: decide.Temporal{Client: env.Temporal}, Issuer: decide.Temporal{Client: env.Temporal},
			Exchange: outbox, Events: env.Publisher(), Webhooks: hooks,
			MaxUploadBytes: cfg.MaxUploadBytes, Directory: directory, Log: env.Log, Ready: env.Checks(),
		}
		env.HTTP("gateway API", cfg.Addr, apiServer(api.Handler()))
		return nil
	})
}

// loadReference checks the embedded reference data: a broken file fails
// the start, not a print of the registers later.
func loadReference() (*agencies.Directory, string, error) {
	directory, err := agencies.Load()
	if err != nil {
		return nil, "", err
	}
	kindsVersion, err := kinds.Version()
	if err != nil {
		return nil, "", err
	}
	return directory, kindsVersion, nil
}

// apiServer serves the API. Uploads and downloads of large PDFs take a
// while on slow links: the body timeouts are generous, the header timeout
// is not.
func apiServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * time.Minute,
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
}
