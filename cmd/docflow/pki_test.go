package main

import (
	"bytes"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/docflow/docflow/services/signing/devpki"
)

// The certificates name the development trust services where they are
// told to run, so validators that look online find the OCSP responder and
// the CRL.
func TestPKIInitNamesTheTrustServices(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "pki")
	var out bytes.Buffer
	if err := pkiInit([]string{"-dir", dir, "-trust-url", "http://127.0.0.1:18089"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "http://127.0.0.1:18089") {
		t.Errorf("output does not say where the trust services are expected:\n%s", out.String())
	}
	pki, err := devpki.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	cert := pki.Users["lanhdao"].Cert
	if !slices.Equal(cert.OCSPServer, []string{"http://127.0.0.1:18089" + devpki.OCSPPath}) ||
		!slices.Equal(cert.CRLDistributionPoints, []string{"http://127.0.0.1:18089" + devpki.CRLPath}) {
		t.Errorf("certificate names OCSP %v and CRL %v", cert.OCSPServer, cert.CRLDistributionPoints)
	}
}
