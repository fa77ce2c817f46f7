// Package archive is the archive service: it takes signed documents into a
// write-once (object-lock) bucket under a compliance retention, checks their
// fixity on ingest, keeps the catalog and serves search and retrieval to the
// other services over NATS.
package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/archive/internal/catalog"
	"github.com/docflow/docflow/services/archive/internal/records"
	"github.com/docflow/docflow/services/archive/internal/retrieval"
	"github.com/docflow/docflow/services/internal/config"
	"github.com/docflow/docflow/services/internal/health"
	"github.com/docflow/docflow/services/internal/logging"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/sqlstore"
	"github.com/docflow/docflow/services/internal/temporalx"
	"github.com/docflow/docflow/workflows"
)

// maxRetentionYears bounds DOCFLOW_ARCHIVE_RETENTION_YEARS: a compliance
// lock cannot be shortened, so a typo like 1000 must not reach the store.
const maxRetentionYears = 100

// Config is the archive service's configuration, from DOCFLOW_* variables.
type Config struct {
	NATS     natsx.Config
	S3       objstore.S3Config
	Temporal temporalx.Config
	Log      logging.Config

	// DB is the catalog database: sqlite:<file> or postgres://….
	DB string `env:"DOCFLOW_ARCHIVE_DB" default:"sqlite:var/archive.db"`
	// DocumentsBucket is where signed PDFs are taken from.
	DocumentsBucket string `env:"DOCFLOW_DOCUMENTS_BUCKET" default:"docflow-documents"`
	// ArchiveBucket keeps the records; it is created with object lock.
	ArchiveBucket string `env:"DOCFLOW_ARCHIVE_BUCKET" default:"docflow-archive"`
	// RetentionYears is how long after archiving a record is locked.
	RetentionYears int `env:"DOCFLOW_ARCHIVE_RETENTION_YEARS" default:"10"`
	// HTTPAddr serves /healthz and /readyz.
	HTTPAddr string `env:"DOCFLOW_ARCHIVE_HTTP_ADDR" default:"127.0.0.1:8084"`
}

// Validate reports every problem with the configuration at once.
func (c Config) Validate() error {
	problems := []error{c.NATS.Validate(), c.S3.Validate(), c.Temporal.Validate()}
	if err := c.Log.Validate(); err != nil {
		problems = append(problems, err)
	}
	if c.DB == "" {
		problems = append(problems, errors.New("DOCFLOW_ARCHIVE_DB is empty: set it to sqlite:<file> or a postgres:// address"))
	}
	if c.DocumentsBucket == "" {
		problems = append(problems, errors.New("DOCFLOW_DOCUMENTS_BUCKET is empty"))
	}
	switch c.ArchiveBucket {
	case "":
		problems = append(problems, errors.New("DOCFLOW_ARCHIVE_BUCKET is empty"))
	case c.DocumentsBucket:
		problems = append(problems, errors.New("DOCFLOW_ARCHIVE_BUCKET must differ from DOCFLOW_DOCUMENTS_BUCKET: records need their own object-lock bucket"))
	}
	if c.RetentionYears < 1 || c.RetentionYears > maxRetentionYears {
		problems = append(problems, fmt.Errorf("DOCFLOW_ARCHIVE_RETENTION_YEARS is %d: use a number of years from 1 to %d", c.RetentionYears, maxRetentionYears))
	}
	if c.HTTPAddr == "" {
		problems = append(problems, errors.New("DOCFLOW_ARCHIVE_HTTP_ADDR is empty: set it to host:port for the health endpoints"))
	}
	return errors.Join(problems...)
}

// LoadConfig reads and validates the configuration.
func LoadConfig(getenv func(string) string) (Config, error) {
	var cfg Config
	if err := config.LoadValid("archive", getenv, &cfg); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Run runs the archive service until ctx is cancelled, then shuts it down:
// the Temporal worker finishes the activities in hand before the endpoints,
// NATS and the database close.
func Run(ctx context.Context, getenv func(string) string, stdout io.Writer) (err error) {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	log, err := cfg.Log.Logger(stdout, "archive")
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer func() { _ = log.Sync() }()

	db, err := sqlstore.Open(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("archive: catalog database: %w", err)
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	cat, err := catalog.New(ctx, db)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}

	store, err := objstore.NewS3(cfg.S3)
	if err != nil {
		return fmt.Errorf("archive: object storage: %w", err)
	}
	if err := store.EnsureBucket(ctx, cfg.ArchiveBucket, objstore.BucketOptions{ObjectLock: true}); err != nil {
		return fmt.Errorf("archive: archive bucket: %w", err)
	}

	nc, err := natsx.Connect(ctx, cfg.NATS, "archive", log)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer func() { err = errors.Join(err, drain(nc)) }()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("archive: jetstream: %w", err)
	}
	if err := natsx.EnsureStreams(ctx, js, events.Streams); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	archiver := records.New(store, cat, natsx.NewPublisher(js, "archive"), records.Config{
		DocumentsBucket: cfg.DocumentsBucket,
		ArchiveBucket:   cfg.ArchiveBucket,
		RetentionYears:  cfg.RetentionYears,
	}, log)

	srv, err := natsx.Serve(nc, "archive", "Archive catalog: search and retrieve archived records", log, retrieval.New(cat).Endpoints()...)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer func() { err = errors.Join(err, srv.Stop()) }()

	tc, err := temporalx.Dial(ctx, cfg.Temporal, log)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer tc.Close()
	w := worker.New(tc, workflows.ArchiveTaskQueue, worker.Options{})
	records.NewActivities(archiver).Register(w)
	if err := w.Start(); err != nil {
		return fmt.Errorf("archive: temporal worker: %w", err)
	}
	defer w.Stop()

	log.Info("archive service started",
		zap.String("archive_bucket", cfg.ArchiveBucket), zap.Int("retention_years", cfg.RetentionYears),
		zap.String("task_queue", workflows.ArchiveTaskQueue), zap.String("health_addr", cfg.HTTPAddr))
	err = health.Serve(ctx, cfg.HTTPAddr, log, map[string]health.Check{
		"database": db.PingContext,
		"nats":     natsx.Check(nc),
		"s3": func(ctx context.Context) error {
			return store.EnsureBucket(ctx, cfg.ArchiveBucket, objstore.BucketOptions{ObjectLock: true})
		},
		"temporal": temporalx.Check(tc),
	})
	if err != nil {
		return fmt.Errorf("archive: health endpoints: %w", err)
	}
	log.Info("archive service stopping")
	return nil
}

// drain flushes the connection's subscriptions and publications and waits
// (bounded) for it to close, so replies in flight go out before the process
// exits.
func drain(nc *nats.Conn) error {
	if err := nc.Drain(); err != nil {
		if errors.Is(err, nats.ErrConnectionClosed) {
			return nil
		}
		return fmt.Errorf("archive: nats drain: %w", err)
	}
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !nc.IsClosed() {
		select {
		case <-deadline.C:
			nc.Close()
			return errors.New("archive: nats drain did not finish in 10s; connection closed")
		case <-tick.C:
		}
	}
	return nil
}
