// Package signing is the signing service: it signs approved documents with
// their signer's personal key (PAdES) on the approval workflow's signing task
// queue, stores the signed PDF next to the original and announces it with a
// document.signed event.
package signing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/internal/health"
	"github.com/docflow/docflow/services/internal/logging"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/temporalx"
	"github.com/docflow/docflow/services/signing/internal/keys"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/sign"
	"github.com/docflow/docflow/workflows/approval"
)

// Name is the service name in logs, NATS connection names and event sources.
const Name = "signing"

// Config is the signing service's configuration, from DOCFLOW_* variables.
type Config struct {
	NATS     natsx.Config
	S3       objstore.S3Config
	Temporal temporalx.Config
	Log      logging.Config

	DocumentsBucket string `env:"DOCFLOW_DOCUMENTS_BUCKET" default:"docflow-documents"`
	// PKIDir holds the signers' keys and certificates (docflow pki init).
	PKIDir string `env:"DOCFLOW_SIGNING_PKI_DIR" default:"var/pki"`
	// Level is the PAdES level of the signatures made.
	Level    string `env:"DOCFLOW_SIGNING_LEVEL" default:"B-B"`
	HTTPAddr string `env:"DOCFLOW_SIGNING_HTTP_ADDR" default:"127.0.0.1:8083"`
	// TempDir holds documents while they are signed (empty: the system
	// temp dir).
	TempDir string `env:"DOCFLOW_SIGNING_TEMP_DIR" default:""`
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	problems := []error{c.NATS.Validate(), c.S3.Validate(), c.Temporal.Validate()}
	if c.DocumentsBucket == "" {
		problems = append(problems, errors.New("DOCFLOW_DOCUMENTS_BUCKET is empty: name the bucket holding the documents"))
	}
	if c.PKIDir == "" {
		problems = append(problems, errors.New("DOCFLOW_SIGNING_PKI_DIR is empty: point it at the directory made by `docflow pki init`"))
	}
	if level, err := pades.ParseLevel(c.Level); err != nil {
		problems = append(problems, fmt.Errorf("DOCFLOW_SIGNING_LEVEL: %w", err))
	} else if err := level.CheckAvailable(); err != nil {
		problems = append(problems, fmt.Errorf("DOCFLOW_SIGNING_LEVEL: %w", err))
	}
	if c.HTTPAddr == "" {
		problems = append(problems, errors.New("DOCFLOW_SIGNING_HTTP_ADDR is empty: give the host:port of the health endpoints"))
	}
	if err := c.Log.Validate(); err != nil {
		problems = append(problems, err)
	}
	return errors.Join(problems...)
}

// LoadConfig reads and validates the configuration.
func LoadConfig(getenv func(string) string) (Config, error) {
	var cfg Config
	if err := config.LoadValid("signing", getenv, &cfg); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Run runs the service until ctx is cancelled, then stops the worker and
// closes its connections.
func Run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	log, err := cfg.Log.Logger(stdout, Name)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	defer func() { _ = log.Sync() }()

	level, _ := pades.ParseLevel(cfg.Level) // checked by Validate
	keySource := keys.NewDir(cfg.PKIDir, time.Now)
	if err := keySource.Check(ctx); err != nil {
		// Not fatal: the PKI may be created after start (docflow dev does
		// it in parallel); readiness reports it until then.
		log.Warn("no signing keys yet", zap.String("pki_dir", cfg.PKIDir), zap.Error(err))
	}

	nc, err := natsx.Connect(ctx, cfg.NATS, Name, log)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	defer func() { _ = nc.Drain() }()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("signing: jetstream: %w", err)
	}
	if err := natsx.EnsureStreams(ctx, js, events.Streams); err != nil {
		return fmt.Errorf("signing: %w", err)
	}

	store, err := objstore.NewS3(cfg.S3)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	// The bucket is shared with intake and the gateway, which decide how it
	// is set up; signing only needs it to exist.
	if err := store.EnsureBucket(ctx, cfg.DocumentsBucket, objstore.BucketOptions{}); err != nil {
		return fmt.Errorf("signing: documents bucket: %w", err)
	}

	tc, err := temporalx.Dial(ctx, cfg.Temporal, log)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	defer tc.Close()

	acts := sign.NewActivities(sign.Config{Bucket: cfg.DocumentsBucket, Level: level, TempDir: cfg.TempDir},
		store, keySource, pades.NewPDFSign(), natsx.NewPublisher(js, Name), log)
	w := worker.New(tc, approval.SigningTaskQueue, worker.Options{})
	acts.Register(w)
	if err := w.Start(); err != nil {
		return fmt.Errorf("signing: start worker on %s: %w", approval.SigningTaskQueue, err)
	}
	defer w.Stop()
	log.Info("signing activities ready",
		zap.String("task_queue", approval.SigningTaskQueue), zap.String("level", string(level)),
		zap.String("bucket", cfg.DocumentsBucket), zap.String("pki_dir", cfg.PKIDir))

	err = health.Serve(ctx, cfg.HTTPAddr, log, map[string]health.Check{
		"nats":     natsx.Check(nc),
		"temporal": temporalx.Check(tc),
		"keys":     keySource.Check,
	})
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	log.Info("signing service stopping")
	return nil
}
