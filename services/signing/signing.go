// Package signing is the signing service: it signs approved documents with
// their signer's personal key (PAdES) on the approval workflow's signing task
// queue, stores the signed PDF next to the original and announces it with a
// document.signed event. Holding the agencies' organisation keys and the
// trust roots, it also runs the inter-agency exchange (internal/exchange).
package signing

import (
	"context"
	"crypto/x509"
	"io"
	"time"

	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/natsx"
	"github.com/docflow/docflow/services/internal/service"
	"github.com/docflow/docflow/services/signing/internal/keys"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/sign"
	"github.com/docflow/docflow/services/signing/internal/verifyendpoint"
	"github.com/docflow/docflow/workflows"
)

// Run runs the service until ctx is cancelled, then stops the worker and
// closes its connections.
func Run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	level, agencyLevels, _ := cfg.Levels() // checked by Validate
	return service.Run(ctx, stdout, service.Spec{
		Name: Name, Log: cfg.Log, HealthAddr: cfg.HTTPAddr,
		// The bucket is shared with intake and the gateway, which decide how
		// it is set up; signing only needs it to exist.
		S3: &cfg.S3, Bucket: cfg.DocumentsBucket, DB: cfg.DB,
		Temporal: &cfg.Temporal, NATS: &cfg.NATS, Streams: events.Streams,
	}, func(ctx context.Context, env *service.Env) error {
		keySource, err := openKeys(ctx, cfg, env)
		if err != nil {
			return err
		}
		acts := sign.NewActivities(sign.Config{
			Bucket: cfg.DocumentsBucket, Level: level, AgencyLevels: agencyLevels, TempDir: cfg.TempDir, TSAURLs: cfg.TSAURLs,
			Revocation: &pades.HTTPRevocation{OCSPURL: cfg.OCSPURL, CRLURLs: cfg.CRLURLs},
		}, env.Store, keySource, pades.NewPDFSign(), env.Publisher(), env.Log)
		verifier := verifyendpoint.New(verifyendpoint.Config{Bucket: cfg.DocumentsBucket, Roots: cfg.trustAnchors, TempDir: cfg.TempDir}, env.Store, env.Log)
		env.Serve("Verifies the signatures of PDFs in object storage.",
			natsx.Handle(svc.SigningVerify, verifier.Verify).WithTimeout(2*time.Minute))
		// The organisation signature: organisation keys and seal images come
		// from the PKI directory whatever holds the personal keys; the
		// personal signature must chain to the same anchors the verify
		// endpoint trusts.
		pkiDir := keys.NewDir(cfg.PKIDir, time.Now)
		acts.SignatureImages(pkiDir)
		if err := wireExchange(ctx, cfg, env, pkiDir); err != nil {
			return err
		}
		env.Worker(workflows.SigningTaskQueue, func(w worker.Registry) {
			acts.Register(w)
			acts.Sealer(pkiDir, func(context.Context) (*x509.CertPool, error) { return cfg.trustAnchors() }).Register(w)
		})
		env.Log.Info("signing configured", zap.String("task_queue", workflows.SigningTaskQueue), zap.String("level", string(level)),
			zap.Any("agency_levels", agencyLevels), zap.Strings("tsa_urls", cfg.TSAURLs),
			zap.String("keys", cfg.Keys), zap.String("bucket", cfg.DocumentsBucket), zap.String("pki_dir", cfg.PKIDir))
		return nil
	})
}
