// Package intake is the intake service: it accepts uploads staged by the
// gateway (svc.IntakeAccept over NATS), refuses what is not a readable PDF,
// lacks proper metadata or carries a signature that does not verify (asking
// the signing service, svc.SigningVerify), keeps the original in object
// storage, registers it in the incoming register with an arrival number and
// announces it with a document.received event.
package intake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/objectkey"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/intake/internal/outgoing"
	"github.com/docflow/docflow/services/intake/internal/reception"
	"github.com/docflow/docflow/services/intake/internal/register"
	"github.com/docflow/docflow/services/internal/clerical/counter"
	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/internal/health"
	"github.com/docflow/docflow/services/internal/logging"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/temporalx"
)

// Name is the service name in logs, NATS connection names and event sources.
const Name = svc.IntakeService

// Config is the intake service's configuration, from DOCFLOW_* variables.
type Config struct {
	NATS natsx.Config
	S3   objstore.S3Config
	Log  logging.Config
	// Temporal runs the AssignNumber activity: a clerk's issue numbers an
	// outgoing document from the counters intake keeps.
	Temporal temporalx.Config

	// DB holds the incoming register: sqlite:<file> or postgres://….
	DB              string `env:"DOCFLOW_INTAKE_DB" default:"sqlite:var/intake.db"`
	DocumentsBucket string `env:"DOCFLOW_DOCUMENTS_BUCKET" default:"docflow-documents"`
	// MaxBytes is the largest PDF accepted (50 MiB by default).
	MaxBytes int64  `env:"DOCFLOW_INTAKE_MAX_BYTES" default:"52428800"`
	HTTPAddr string `env:"DOCFLOW_INTAKE_HTTP_ADDR" default:"127.0.0.1:8081"`
	// MaxConcurrent bounds the uploads checked at once; each is held in
	// memory (up to MaxBytes) while it is parsed.
	MaxConcurrent int `env:"DOCFLOW_INTAKE_MAX_CONCURRENT" default:"4"`
	// AnnounceInterval is how often registered documents whose event did
	// not reach the stream are announced again.
	AnnounceInterval time.Duration `env:"DOCFLOW_INTAKE_ANNOUNCE_INTERVAL" default:"30s"`
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	problems := []error{c.NATS.Validate(), c.S3.Validate(), c.Temporal.Validate()}
	if c.DB == "" {
		problems = append(problems, errors.New("DOCFLOW_INTAKE_DB is empty: use sqlite:<file> or a postgres:// URL"))
	}
	if c.DocumentsBucket == "" {
		problems = append(problems, errors.New("DOCFLOW_DOCUMENTS_BUCKET is empty: name the bucket holding the documents"))
	}
	if c.MaxBytes < 1 {
		problems = append(problems, fmt.Errorf("DOCFLOW_INTAKE_MAX_BYTES=%d: give the largest accepted PDF in bytes, e.g. 52428800 for 50 MiB", c.MaxBytes))
	}
	if c.HTTPAddr == "" {
		problems = append(problems, errors.New("DOCFLOW_INTAKE_HTTP_ADDR is empty: give the host:port of the health endpoints"))
	}
	if c.MaxConcurrent < 1 {
		problems = append(problems, fmt.Errorf("DOCFLOW_INTAKE_MAX_CONCURRENT=%d: must be at least 1", c.MaxConcurrent))
	}
	if c.AnnounceInterval < time.Second {
		problems = append(problems, fmt.Errorf("DOCFLOW_INTAKE_ANNOUNCE_INTERVAL=%s: must be at least 1s", c.AnnounceInterval))
	}
	if err := c.Log.Validate(); err != nil {
		problems = append(problems, err)
	}
	return errors.Join(problems...)
}

// LoadConfig reads and validates the configuration.
func LoadConfig(getenv func(string) string) (Config, error) {
	var cfg Config
	if err := config.LoadValid(Name, getenv, &cfg); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Run runs the service until ctx is cancelled, then stops taking requests,
// lets the ones in hand finish and closes its connections.
func Run(ctx context.Context, getenv func(string) string, stdout io.Writer) (err error) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	log, err := cfg.Log.Logger(stdout, Name)
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	defer func() { _ = log.Sync() }()

	kinds, err := register.LoadKinds()
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	db, err := sqlstore.Open(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	// Số đến is one series per agency and year (and one for secret
	// documents) whatever the agency's outgoing registers, so intake needs
	// no registers file.
	reg, err := register.Open(ctx, db, counter.DefaultConfig())
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}

	store, err := objstore.NewS3(cfg.S3)
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	// Same bucket options as the other services that use the documents
	// bucket: every version is kept, so an original is never silently
	// replaced.
	if err := store.EnsureBucket(ctx, cfg.DocumentsBucket, objstore.BucketOptions{Versioning: true}); err != nil {
		return fmt.Errorf("intake: documents bucket: %w", err)
	}

	nc, err := natsx.Connect(ctx, cfg.NATS, Name, log)
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	defer func() { _ = nc.Drain() }()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("intake: jetstream: %w", err)
	}
	if err := natsx.EnsureStreams(ctx, js, events.Streams); err != nil {
		return fmt.Errorf("intake: %w", err)
	}

	desk := reception.New(reception.Config{
		Bucket:        cfg.DocumentsBucket,
		MaxBytes:      cfg.MaxBytes,
		MaxConcurrent: cfg.MaxConcurrent,
		Verifier:      signingVerifier{nc: nc},
	}, store, reg, kinds, natsx.NewPublisher(js, Name), log, time.Now)

	micro, err := natsx.Serve(nc, Name, "Accepts documents: checks, stores and registers them, and keeps drafters' revisions.", log,
		natsx.Handle(svc.IntakeAccept, desk.HandleAccept),
		natsx.Handle(svc.IntakeRevise, desk.HandleRevise))
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	defer func() {
		if serr := micro.Stop(); serr != nil {
			err = errors.Join(err, fmt.Errorf("intake: stop endpoints: %w", serr))
		}
	}()

	// Requests in hand finish before the connections they use close.
	defer desk.Close()

	numbering, err := outgoing.StartWorker(ctx, cfg.Temporal, db, counter.DefaultConfig(), reg, log)
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	defer numbering.Stop()

	announceCtx, stopAnnouncer := context.WithCancel(ctx)
	announcerDone := make(chan struct{})
	go func() {
		defer close(announcerDone)
		desk.Announcer(announceCtx, cfg.AnnounceInterval)
	}()
	defer func() {
		stopAnnouncer()
		<-announcerDone
	}()

	log.Info("intake ready",
		zap.String("subject", svc.IntakeAccept.Subject), zap.String("bucket", cfg.DocumentsBucket),
		zap.Int64("max_bytes", cfg.MaxBytes), zap.String("db", string(db.Dialect)))

	err = health.Serve(ctx, cfg.HTTPAddr, log, map[string]health.Check{
		"nats":     natsx.Check(nc),
		"db":       db.PingContext,
		"temporal": numbering.Check,
		"s3": func(ctx context.Context) error {
			// Any answer about an object that need not exist shows the store
			// is reachable and accepts our credentials.
			_, err := store.Stat(ctx, cfg.DocumentsBucket, objectkey.Staging("readiness-probe"), "")
			if err != nil && !errors.Is(err, objstore.ErrNotFound) {
				return err
			}
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	log.Info("intake stopping")
	return nil
}

// signingVerifier asks the signing service to verify an upload's signatures
// (svc.SigningVerify).
type signingVerifier struct{ nc *nats.Conn }

func (v signingVerifier) Verify(ctx context.Context, req svc.VerifyRequest) (svc.SignatureReport, error) {
	return natsx.Call(ctx, v.nc, svc.SigningVerify, req)
}
