// Package archive is the archive service: it takes signed documents into a
// write-once (object-lock) bucket under a compliance retention, checks their
// fixity on ingest, keeps the catalog and serves search and retrieval to the
// other services over NATS.
package archive

import (
	"context"
	"io"

	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/services/archive/internal/catalog"
	"github.com/docflow/docflow/services/archive/internal/records"
	"github.com/docflow/docflow/services/archive/internal/retrieval"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/service"
	"github.com/docflow/docflow/workflows"
)

// Run runs the archive service until ctx is cancelled, then shuts it down:
// the Temporal worker finishes the activities in hand before NATS, the
// object store and the catalog database close.
func Run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	return service.Run(ctx, stdout, service.Spec{
		Name: "archive", Log: cfg.Log, HealthAddr: cfg.HTTPAddr, DB: cfg.DB,
		S3: &cfg.S3, Bucket: cfg.ArchiveBucket, BucketOptions: objstore.BucketOptions{ObjectLock: true},
		Temporal: &cfg.Temporal, NATS: &cfg.NATS, Streams: events.Streams,
	}, func(ctx context.Context, env *service.Env) error {
		cat, err := catalog.New(ctx, env.DB)
		if err != nil {
			return err
		}
		archiver := records.New(env.Store, cat, env.Publisher(), records.Config{
			DocumentsBucket: cfg.DocumentsBucket,
			ArchiveBucket:   cfg.ArchiveBucket,
			RetentionYears:  cfg.RetentionYears,
		}, env.Log)
		env.Serve("Archive catalog: search and retrieve archived records", retrieval.New(cat).Endpoints()...)
		env.Worker(workflows.ArchiveTaskQueue, func(w worker.Registry) { records.NewActivities(archiver).Register(w) })
		env.Log.Info("archiving", zap.String("archive_bucket", cfg.ArchiveBucket), zap.Int("retention_years", cfg.RetentionYears),
			zap.String("task_queue", workflows.ArchiveTaskQueue))
		return nil
	})
}
