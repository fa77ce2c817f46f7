package pdftest

import (
	"context"
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
