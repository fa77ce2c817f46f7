package pdftest

import (
	"context"
	"crypto/x509"
	"net"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/devpki/devtrust"
)

// Trust is a development PKI whose certificates name development trust
// services (TSA, OCSP, CRL) running on a free loopback port, so signers
// and independent validators (pdfsig through NSS, pdfcpu) reach the same
// services.
type Trust struct {
	PKI      *devpki.PKI
	Services *devtrust.Services
	URL      string
}

// PKI makes the demo development PKI (devpki.DemoOptions) in a directory
// of its own, issued at issued.
func PKI(t testing.TB, issued time.Time) *devpki.PKI {
	t.Helper()
	p, err := devpki.Init(filepath.Join(t.TempDir(), "pki"), devpki.DemoOptions(), issued)
	if err != nil {
		t.Fatalf("development PKI: %v", err)
	}
	return p
}

// Roots trusts the development root alone.
func (tr *Trust) Roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(tr.PKI.Root)
	return pool
}

// RootFile is the development root's certificate (PEM).
func (tr *Trust) RootFile() string { return filepath.Join(tr.PKI.Dir, "root.crt") }

// NewTrust makes the PKI and starts its trust services, logging to log,
// until the test ends.
func NewTrust(t testing.TB, log *zap.Logger) *Trust {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	opts := devpki.DemoOptions()
	opts.TrustServicesURL = url
	p, err := devpki.Init(filepath.Join(t.TempDir(), "pki"), opts, time.Now())
	if err != nil {
		t.Fatalf("development PKI: %v", err)
	}
	svc, err := devtrust.New(p.Dir, nil, log)
	if err != nil {
		t.Fatalf("trust services: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	srv := devtrust.StartListener(ctx, ln, svc, log)
	t.Cleanup(func() {
		cancel()
		if err := srv.Wait(); err != nil {
			t.Errorf("trust services: %v", err)
		}
	})
	return &Trust{PKI: p, Services: svc, URL: url}
}
