// Package intake is the intake service: it accepts uploads staged by the
// gateway (svc.IntakeAccept over NATS), refuses what is not a readable PDF,
// lacks proper metadata or carries a signature that does not verify (asking
// the signing service, svc.SigningVerify), keeps the original in object
// storage, registers it in the incoming register with an arrival number and
// announces it with a document.received event.
package intake

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/intake/internal/reception"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/internal/service"
	"github.com/docflow/docflow/workflows"
)

// Name is the service name in logs, NATS connection names and event sources.
const Name = svc.IntakeService

// Run runs the service until ctx is cancelled, then stops taking requests,
// lets the ones in hand finish and closes its connections.
func Run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	kinds, directory, err := loadReference()
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	series, err := loadRegisters(cfg.Registers)
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	places, err := loadPlaces(cfg.Agencies)
	if err != nil {
		return fmt.Errorf("intake: %w", err)
	}
	return service.Run(ctx, stdout, service.Spec{
		Name: Name, Log: cfg.Log, HealthAddr: cfg.HTTPAddr, DB: cfg.DB,
		// Same bucket options as the other services that use the documents
		// bucket: every version is kept, so an original is never silently
		// replaced.
		S3: &cfg.S3, Bucket: cfg.DocumentsBucket, BucketOptions: objstore.BucketOptions{Versioning: true},
		Temporal: &cfg.Temporal, NATS: &cfg.NATS, Streams: events.Streams,
	}, func(ctx context.Context, env *service.Env) error {
		reg, numbering, err := openRegisters(ctx, env, directory, places, series)
		if err != nil {
			return err
		}
		env.Worker(workflows.IntakeTaskQueue, func(w worker.Registry) { numbering.Register(w) })
		desk := reception.New(reception.Config{
			Bucket: cfg.DocumentsBucket, MaxBytes: cfg.MaxBytes, MaxConcurrent: cfg.MaxConcurrent,
			Verifier: signingVerifier{nc: env.NATS},
		}, env.Store, reg, kinds, env.Publisher(), env.Log, time.Now)
		env.Serve("Accepts documents: checks, stores and registers them, and keeps drafters' revisions.",
			natsx.Handle(svc.IntakeAccept, desk.HandleAccept),
			natsx.Handle(svc.IntakeRevise, desk.HandleRevise))
		// Requests in hand finish before the connections they use close.
		env.OnStop("requests in hand", func() error { desk.Close(); return nil })
		env.Go("announcer", func(ctx context.Context) { desk.Announcer(ctx, cfg.AnnounceInterval) })
		env.Log.Info("intake configured", zap.String("subject", svc.IntakeAccept.Subject), zap.String("bucket", cfg.DocumentsBucket),
			zap.Int64("max_bytes", cfg.MaxBytes), zap.String("db", string(env.DB.Dialect)))
		return nil
	})
}

// signingVerifier asks the signing service to verify an upload's signatures
// (svc.SigningVerify).
type signingVerifier struct{ nc *nats.Conn }

func (v signingVerifier) Verify(ctx context.Context, req svc.VerifyRequest) (svc.SignatureReport, error) {
	return natsx.Call(ctx, v.nc, svc.SigningVerify, req)
}
