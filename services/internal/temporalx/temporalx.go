// Package temporalx connects services to Temporal with the service's logger.
package temporalx

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.uber.org/zap"

	"github.com/docflow/docflow/services/internal/config"
)

// Config locates the Temporal frontend.
type Config struct {
	Address   string `env:"DOCFLOW_TEMPORAL_ADDRESS" default:"127.0.0.1:7233" required:"the Temporal frontend's host:port"`
	Namespace string `env:"DOCFLOW_TEMPORAL_NAMESPACE" default:"default" required:"the namespace the workflows run in"`
}

// Validate reports missing settings.
func (c Config) Validate() error { return errors.Join(config.Missing(c)...) }

// Dial connects, retrying while the server starts, until ctx gives up.
func Dial(ctx context.Context, cfg Config, zl *zap.Logger) (client.Client, error) {
	opts := client.Options{
		HostPort:  cfg.Address,
		Namespace: cfg.Namespace,
		Logger:    Logger(zl),
	}
	for {
		c, err := client.DialContext(ctx, opts)
		if err == nil {
			return c, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("temporalx.Dial %s: %w", cfg.Address, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// Check is a readiness check for the client.
func Check(c client.Client) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
		return err
	}
}

// Logger adapts zap to the SDK's logger interface.
func Logger(zl *zap.Logger) log.Logger { return &zapLogger{l: zl.Sugar()} }

type zapLogger struct{ l *zap.SugaredLogger }

func (z *zapLogger) Debug(msg string, kv ...any) { z.l.Debugw(msg, kv...) }
func (z *zapLogger) Info(msg string, kv ...any)  { z.l.Infow(msg, kv...) }
func (z *zapLogger) Warn(msg string, kv ...any)  { z.l.Warnw(msg, kv...) }
func (z *zapLogger) Error(msg string, kv ...any) { z.l.Errorw(msg, kv...) }
func (z *zapLogger) With(kv ...any) log.Logger   { return &zapLogger{l: z.l.With(kv...)} }
