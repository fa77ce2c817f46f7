// Package verifyendpoint serves svc.SigningVerify: it reads a PDF from object
// storage and answers with the verifier's report. Intake calls it for
// uploads that carry signatures, so the verifier stays inside the signing
// service and other services see only its report.
package verifyendpoint

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.uber.org/zap"

	"github.com/docflow/docflow/api/errcode"
	events "github.com/docflow/docflow/api/events/v1"
	svc "github.com/docflow/docflow/api/svc/v1"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/signing/internal/verify"
)

// Config is what the endpoint needs besides its dependencies.
type Config struct {
	// Bucket is read when a request names no bucket.
	Bucket string
	// Roots returns the trust anchors. It is called per request, so anchors
	// added while the service runs (a development PKI created after start)
	// are used without a restart.
	Roots func() (*x509.CertPool, error)
	// MaxSize is the largest PDF verified; 0 means verify.DefaultMaxSize.
	MaxSize int64
	// TempDir holds the PDF while it is verified (empty: the system temp
	// dir); the verifier needs random access.
	TempDir string
}

// Endpoint answers verification requests.
type Endpoint struct {
	cfg   Config
	store objstore.Store
	log   *zap.Logger
}

// New returns the endpoint.
func New(cfg Config, store objstore.Store, log *zap.Logger) *Endpoint {
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = verify.DefaultMaxSize
	}
	return &Endpoint{cfg: cfg, store: store, log: log}
}

// Verify verifies the PDF req names; it is the svc.SigningVerify handler.
// What is wrong with the document is in the report; an error means the
// request could not be answered.
func (e *Endpoint) Verify(ctx context.Context, req svc.VerifyRequest) (svc.SignatureReport, error) {
	const op = "verifyendpoint.Verify"
	obj := req.Object
	if obj.Bucket == "" {
		obj.Bucket = e.cfg.Bucket
	}
	if obj.Key == "" {
		return svc.SignatureReport{}, errs.E(op, errs.Invalid, errcode.InvalidArgument, "the verify request names no object key").
			WithDetail("object.key", "missing")
	}
	log := e.log.With(zap.String("bucket", obj.Bucket), zap.String("key", obj.Key),
		zap.String("user", req.By.Username), zap.String("agency", req.By.Agency))

	roots, err := e.cfg.Roots()
	if err != nil {
		return svc.SignatureReport{}, errs.E(op, errs.Unavailable, errcode.Unavailable,
			"the signing service has no trust anchors to verify against").WithCause(err)
	}
	f, size, err := e.spool(ctx, obj)
	if err != nil {
		return svc.SignatureReport{}, errs.Wrap(op, err)
	}
	defer func() {
		_ = f.Close()
		if err := os.Remove(f.Name()); err != nil {
			log.Warn("temporary file left behind", zap.String("file", f.Name()), zap.Error(err))
		}
	}()

	// The verifier's report is the contract's: it is answered as it is.
	report, err := verify.Verify(ctx, f, size, verify.Options{Roots: roots, MaxSize: e.cfg.MaxSize})
	if err != nil {
		return svc.SignatureReport{}, errs.Wrap(op, err)
	}
	log.Info("signatures verified", zap.Bool("valid", report.Valid), zap.Int("signatures", report.Verified),
		zap.Int("signature_fields", report.SignatureFields))
	return report, nil
}

// spool copies the object to a temporary file, refusing it by size before
// reading and checking the digest the request gives.
func (e *Endpoint) spool(ctx context.Context, obj events.Object) (*os.File, int64, error) {
	info, err := e.store.Stat(ctx, obj.Bucket, obj.Key, obj.VersionID)
	if err != nil {
		return nil, 0, unreadable(obj, err)
	}
	if info.Size > e.cfg.MaxSize {
		return nil, 0, errs.E("verifyendpoint.spool", errs.Invalid, errcode.FileTooLarge,
			fmt.Sprintf("the PDF has %d bytes; the verifier reads at most %d", info.Size, e.cfg.MaxSize)).
			WithDetail("size", fmt.Sprint(info.Size))
	}
	body, _, err := e.store.Get(ctx, obj.Bucket, obj.Key, info.VersionID)
	if err != nil {
		return nil, 0, unreadable(obj, err)
	}
	defer func() { _ = body.Close() }()
	f, err := os.CreateTemp(e.cfg.TempDir, "docflow-verify-*.pdf")
	if err != nil {
		return nil, 0, fmt.Errorf("temporary file for the PDF: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(body, e.cfg.MaxSize+1))
	if err == nil && n > e.cfg.MaxSize {
		err = errs.E("verifyendpoint.spool", errs.Invalid, errcode.FileTooLarge,
			fmt.Sprintf("the PDF has more than %d bytes, the most the verifier reads", e.cfg.MaxSize))
	} else if err != nil {
		err = unreadable(obj, err)
	} else if got := hex.EncodeToString(h.Sum(nil)); obj.SHA256 != "" && !strings.EqualFold(got, obj.SHA256) {
		err = errs.E("verifyendpoint.spool", errs.Invalid, errcode.InvalidArgument,
			fmt.Sprintf("%s/%s has SHA-256 %s, not %s as the request says: it changed since it was named", obj.Bucket, obj.Key, got, obj.SHA256))
	}
	if err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, 0, err
	}
	return f, n, nil
}

func unreadable(obj events.Object, err error) error {
	const op = "verifyendpoint.spool"
	switch {
	case errors.Is(err, objstore.ErrNotFound):
		return errs.E(op, errs.NotFound, errcode.NotFound,
			fmt.Sprintf("there is no PDF at %s/%s to verify", obj.Bucket, obj.Key)).WithCause(err)
	case errors.Is(err, objstore.ErrChecksum):
		return errs.E(op, errs.Internal, errcode.Internal,
			fmt.Sprintf("%s/%s is damaged in storage (its SHA-256 changed after it was stored)", obj.Bucket, obj.Key)).WithCause(err)
	default:
		return errs.E(op, errs.Unavailable, errcode.Unavailable, "the object store is not reachable; try again shortly").WithCause(err)
	}
}
