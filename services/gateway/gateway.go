// Package gateway is the gateway service: docflow's HTTP API for people and
// integrators. It authenticates and authorises every request, keeps the read
// models (documents, history, inbox) projected from the event stream, and
// passes work to the other services over NATS and to the workflows through
// Temporal.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/gateway/internal/audit"
	"github.com/docflow/docflow/services/gateway/internal/auth"
	"github.com/docflow/docflow/services/gateway/internal/decide"
	"github.com/docflow/docflow/services/gateway/internal/notify"
	"github.com/docflow/docflow/services/gateway/internal/readmodel"
	"github.com/docflow/docflow/services/gateway/internal/server"
	"github.com/docflow/docflow/services/internal/clerical/agencies"
	"github.com/docflow/docflow/services/internal/clerical/kinds"
	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/internal/health"
	"github.com/docflow/docflow/services/internal/logging"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/temporalx"
)

// Config is the gateway's configuration.
type Config struct {
	NATS            natsx.Config
	Temporal        temporalx.Config
	S3              objstore.S3Config
	Log             logging.Config
	Addr            string        `env:"DOCFLOW_GATEWAY_ADDR" default:"127.0.0.1:8080"`
	DB              string        `env:"DOCFLOW_GATEWAY_DB" default:"sqlite:var/gateway.db"`
	Users           string        `env:"DOCFLOW_GATEWAY_USERS" default:"deploy/dev/users.yaml"`
	TokenKeyFile    string        `env:"DOCFLOW_GATEWAY_TOKEN_KEY_FILE" default:""`
	TokenKey        string        `env:"DOCFLOW_GATEWAY_TOKEN_KEY" default:""`
	TokenTTL        time.Duration `env:"DOCFLOW_GATEWAY_TOKEN_TTL" default:"8h"`
	MaxUploadBytes  int64         `env:"DOCFLOW_GATEWAY_MAX_UPLOAD_BYTES" default:"52428800"`
	DocumentsBucket string        `env:"DOCFLOW_DOCUMENTS_BUCKET" default:"docflow-documents"`
	// Notifier is where notifications go besides the in-app list: "log"
	// writes them to the log (development), "none" keeps them in-app only.
	Notifier string `env:"DOCFLOW_GATEWAY_NOTIFIER" default:"log"`
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	problems := []error{c.NATS.Validate(), c.Temporal.Validate(), c.S3.Validate(), c.Log.Validate()}
	if c.TokenKey == "" && c.TokenKeyFile == "" {
		problems = append(problems, errors.New("set DOCFLOW_GATEWAY_TOKEN_KEY_FILE (or DOCFLOW_GATEWAY_TOKEN_KEY) to a secret of at least 32 bytes that signs session tokens"))
	}
	if c.MaxUploadBytes <= 0 {
		problems = append(problems, errors.New("DOCFLOW_GATEWAY_MAX_UPLOAD_BYTES must be positive"))
	}
	if c.TokenTTL <= 0 {
		problems = append(problems, errors.New("DOCFLOW_GATEWAY_TOKEN_TTL must be positive"))
	}
	if c.Notifier != "log" && c.Notifier != "none" {
		problems = append(problems, fmt.Errorf("DOCFLOW_GATEWAY_NOTIFIER is %q: use log or none", c.Notifier))
	}
	return errors.Join(problems...)
}

func (c Config) tokenKey() ([]byte, error) {
	if c.TokenKey != "" {
		return []byte(c.TokenKey), nil
	}
	key, err := os.ReadFile(c.TokenKeyFile)
	if err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	return key, nil
}

// Run runs the gateway until ctx is cancelled.
func Run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	var cfg Config
	if err := config.LoadValid("gateway", getenv, &cfg); err != nil {
		return err
	}
	log, err := cfg.Log.Logger(stdout, "gateway")
	if err != nil {
		return err
	}

	users, err := auth.LoadUsers(cfg.Users)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	key, err := cfg.tokenKey()
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	authn, err := auth.New(users, key, cfg.TokenTTL)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}

	// The reference data is embedded; a broken file fails the start, not a
	// print of the registers later.
	directory, err := agencies.Load()
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	kindsVersion, err := kinds.Version()
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	log.Info("reference data loaded", zap.String("agencies", directory.Version), zap.String("kinds", kindsVersion))

	db, err := sqlstore.Open(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	defer func() { _ = db.Close() }() // nothing to do about a failed close at shutdown
	read, err := readmodel.Open(ctx, db)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	trail, err := audit.Open(ctx, db)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}

	store, err := objstore.NewS3(cfg.S3)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	if err := store.EnsureBucket(ctx, cfg.DocumentsBucket, objstore.BucketOptions{}); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}

	nc, err := natsx.Connect(ctx, cfg.NATS, "gateway", log)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	if err := natsx.EnsureStreams(ctx, js, events.Streams); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	stop, err := natsx.Consume(ctx, js, events.GatewayProjection, log, read.Apply)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	defer stop()
	if cfg.Notifier == "log" {
		d := &notify.Dispatcher{Outbox: read, Notifier: notify.Log{Log: log.Named("notify")}, Log: log, Now: time.Now}
		go d.Run(ctx, 2*time.Second)
	}

	tc, err := temporalx.Dial(ctx, cfg.Temporal, log)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	defer tc.Close()

	api := &server.Server{
		Auth: authn, Read: read, Audit: trail, Objects: store, DocumentsBucket: cfg.DocumentsBucket,
		NATS: nc, Decider: decide.Temporal{Client: tc}, Issuer: decide.Temporal{Client: tc}, MaxUploadBytes: cfg.MaxUploadBytes, Directory: directory, Log: log,
		Ready: map[string]health.Check{
			"database": db.PingContext,
			"nats":     natsx.Check(nc),
			"temporal": temporalx.Check(tc),
			"storage": func(ctx context.Context) error {
				_, err := store.Stat(ctx, cfg.DocumentsBucket, "readiness-probe", "")
				return ignoreNotFound(err)
			},
		},
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("gateway: listen %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           api.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// Uploads and downloads of large PDFs take a while on slow links;
		// the body timeouts are generous, the header timeout is not.
		ReadTimeout:  10 * time.Minute,
		WriteTimeout: 10 * time.Minute,
		IdleTimeout:  2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("gateway listening", zap.String("url", "http://"+ln.Addr().String()))

	select {
	case err := <-errc:
		return fmt.Errorf("gateway: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

func ignoreNotFound(err error) error {
	if errors.Is(err, objstore.ErrNotFound) {
		return nil
	}
	return err
}
