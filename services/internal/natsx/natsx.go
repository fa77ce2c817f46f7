// Package natsx is how services use NATS: connecting with credentials,
// creating the declared JetStream streams, publishing CloudEvents with their
// id as Nats-Msg-Id, serving request/reply endpoints as NATS micro services,
// calling them, and consuming events with a durable consumer.
package natsx

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/config"
)

// Config locates the NATS server and the service's credentials: a user
// and password, or a .creds file (a user JWT and its key, on a server in
// operator mode), or neither on a server without authentication.
type Config struct {
	URL      string `env:"DOCFLOW_NATS_URL" default:"nats://127.0.0.1:4233" required:"the NATS server's URL, e.g. nats://127.0.0.1:4233"`
	User     string `env:"DOCFLOW_NATS_USER" default:""`
	Password string `env:"DOCFLOW_NATS_PASSWORD" default:""`
	Creds    string `env:"DOCFLOW_NATS_CREDS" default:""`
}

// Validate reports missing settings.
func (c Config) Validate() error {
	problems := config.Missing(c)
	if (c.User == "") != (c.Password == "") {
		problems = append(problems, errors.New("DOCFLOW_NATS_USER and DOCFLOW_NATS_PASSWORD go together"))
	}
	if c.Creds != "" {
		if c.User != "" {
			problems = append(problems, errors.New("DOCFLOW_NATS_CREDS and DOCFLOW_NATS_USER exclude each other: a server takes either passwords or .creds files"))
		}
		if _, err := readCreds(c.Creds); err != nil {
			problems = append(problems, fmt.Errorf("DOCFLOW_NATS_CREDS: %w", err))
		}
	}
	return errors.Join(problems...)
}

// who names the identity the service connects with, for errors.
func (c Config) who() string {
	switch {
	case c.Creds != "":
		return "the user of " + c.Creds
	case c.User != "":
		return fmt.Sprintf("%q", c.User)
	default:
		return "an anonymous client"
	}
}

// Connect opens a connection named after the service. It keeps reconnecting
// for as long as the process runs: a NATS restart must not take a service
// down with it.
func Connect(ctx context.Context, cfg Config, name string, log *zap.Logger) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name("docflow-" + name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.Timeout(5 * time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", zap.Error(err))
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", zap.String("url", c.ConnectedUrl())) }),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			log.Error("nats async error", zap.String("subject", subject), zap.Error(err))
		}),
	}
	if cfg.User != "" {
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
	}
	if cfg.Creds != "" {
		opts = append(opts, nats.UserCredentials(cfg.Creds))
	}
	var (
		nc  *nats.Conn
		err error
	)
	// The server may still be starting (dev stack, rolling restart): retry
	// the first connection until ctx gives up.
	for {
		nc, err = nats.Connect(cfg.URL, opts...)
		if err == nil {
			return nc, nil
		}
		if errors.Is(err, nats.ErrAuthorization) {
			return nil, fmt.Errorf("natsx.Connect %s as %s: credentials refused: %w", cfg.URL, cfg.who(), err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("natsx.Connect %s: %w", cfg.URL, err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Check is a readiness check for the connection.
func Check(nc *nats.Conn) func(context.Context) error {
	return func(context.Context) error {
		if !nc.IsConnected() {
			return fmt.Errorf("nats: %s", nc.Status())
		}
		return nil
	}
}

// EnsureConsumer creates or updates a durable pull consumer.
func EnsureConsumer(ctx context.Context, js jetstream.JetStream, c events.Consumer) (jetstream.Consumer, error) {
	cfg := jetstream.ConsumerConfig{
		Durable:        c.Durable,
		Description:    c.Description,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        c.AckWait,
		MaxDeliver:     c.MaxDeliver,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
		FilterSubjects: c.FilterSubject,
		BackOff:        nil,
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, c.Stream, cfg)
	if err != nil {
		return nil, fmt.Errorf("natsx.EnsureConsumer %s: %w", c.Durable, err)
	}
	return cons, nil
}

// Drain stops the connection's subscriptions, flushes its publications and
// replies in flight, and waits up to wait for it to close, so what a
// service answered reaches its callers before the process exits. After
// wait it closes the connection and reports that the drain was cut short.
// A connection already closed drains trivially.
func Drain(nc *nats.Conn, wait time.Duration) error {
	if err := nc.Drain(); err != nil {
		if errors.Is(err, nats.ErrConnectionClosed) {
			return nil
		}
		return fmt.Errorf("natsx.Drain: %w", err)
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !nc.IsClosed() {
		select {
		case <-deadline.C:
			nc.Close()
			return fmt.Errorf("natsx.Drain: did not finish in %s; connection closed", wait)
		case <-tick.C:
		}
	}
	return nil
}
