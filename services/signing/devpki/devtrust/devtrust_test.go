package devtrust_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
	"golang.org/x/crypto/ocsp"

	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/devpki/devtrust"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
)

// start runs the trust services of a new development PKI with Start, as
// `docflow dev` does, on a free port.
func start(t *testing.T) *pdftest.Trust {
	t.Helper()
	p := pdftest.PKI(t, time.Now())
	log := zaptest.NewLogger(t)
	svc, err := devtrust.New(p.Dir, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	srv, err := devtrust.Start(ctx, "127.0.0.1:0", svc, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := srv.Wait(); err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return &pdftest.Trust{PKI: p, Services: svc, URL: srv.URL}
}

// reply is an HTTP answer read in full.
type reply struct {
	status      int
	contentType string
	body        []byte
}

func post(t *testing.T, url, contentType string, body []byte) reply {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	return do(t, req)
}

func get(t *testing.T, url string) reply {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: body}
}

func TestTimestampVerifiesWithOpenSSL(t *testing.T) {
	t.Parallel()
	e := start(t)
	dir := t.TempDir()
	data := pdftest.WriteFile(t, dir, "data.txt", []byte("Quyết định phê duyệt"))
	r := askTSA(t, e, dir, "query.tsq", data, "-sha256", "-cert")
	if r.status != http.StatusOK || r.contentType != "application/timestamp-reply" {
		t.Fatalf("POST /tsa: %d, %s", r.status, r.contentType)
	}
	pdftest.WriteFile(t, dir, "reply.tsr", r.body)
	root := e.RootFile()
	// -queryfile makes openssl check the imprint and that the nonce is echoed.
	out := pdftest.Tool(t, dir, "openssl", "ts", "-verify", "-in", "reply.tsr", "-queryfile", "query.tsq", "-CAfile", root)
	if !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify:\n%s", out)
	}
	text := pdftest.Tool(t, dir, "openssl", "ts", "-reply", "-in", "reply.tsr", "-text")
	queryText := pdftest.Tool(t, dir, "openssl", "ts", "-query", "-in", "query.tsq", "-text")
	nonce := lineAfter(queryText, "Nonce: ")
	for _, want := range []string{
		"Status: Granted.",
		"Policy OID: 1.3.6.1.4.1.32473.1.1",
		"Hash Algorithm: sha256",
		"Accuracy: 0x01 seconds",
		"Nonce: " + nonce,
		"CN=" + devpki.TSACommonName,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the reply does not say %q:\n%s", want, text)
		}
	}
}

// askTSA has openssl make a timestamp query of the file data, with opts for
// its choices, keeps the query in dir under name (for ts -verify -queryfile)
// and posts it to the TSA.
func askTSA(t *testing.T, e *pdftest.Trust, dir, name, data string, opts ...string) reply {
	t.Helper()
	pdftest.Tool(t, dir, "openssl", append([]string{"ts", "-query", "-data", data, "-out", name}, opts...)...)
	query, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return post(t, e.URL+devpki.TSAPath, "application/timestamp-query", query)
}

func lineAfter(text, prefix string) string {
	for line := range strings.Lines(text) {
		if _, after, ok := strings.Cut(line, prefix); ok {
			return strings.TrimSpace(after)
		}
	}
	return "(missing)"
}

func TestTimestampRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	dir := t.TempDir()
	data := pdftest.WriteFile(t, dir, "data.txt", []byte("x"))
	tests := []struct {
		name  string
		query []string
		want  string
	}{
		{"SHA-1 imprint", []string{"-sha1"}, "unrecognized or unsupported algorithm identifier"},
		{"foreign policy", []string{"-sha256", "-tspolicy", "1.2.3.4"}, "requested TSA policy is not supported"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer := askTSA(t, e, dir, tt.name+".tsq", data, tt.query...)
			r := pdftest.WriteFile(t, dir, fmt.Sprintf("%d.tsr", i), answer.body)
			text := pdftest.Tool(t, dir, "openssl", "ts", "-reply", "-in", r, "-text")
			if !strings.Contains(text, "Status: Rejected.") || !strings.Contains(text, tt.want) {
				t.Errorf("reply:\n%s\nwant a rejection saying %q", text, tt.want)
			}
		})
	}
	if r := post(t, e.URL+devpki.TSAPath, "text/plain", []byte("hello")); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("a query of another media type: HTTP %d", r.status)
	}
}

func TestOCSPAnswersForIssuedAndRevoked(t *testing.T) {
	t.Parallel()
	e := start(t)
	root := e.RootFile()
	user := e.PKI.Users["chuyenvien1"]
	status := func(t *testing.T) string {
		t.Helper()
		// openssl is the independent client; it checks the response's
		// signature by the delegated responder against the root.
		out := pdftest.Tool(t, t.TempDir(), "openssl", "ocsp", "-issuer", root, "-cert", user.CertFile,
			"-url", e.URL+devpki.OCSPPath, "-CAfile", root, "-no_nonce")
		if !strings.Contains(out, "Response verify OK") {
			t.Fatalf("openssl ocsp:\n%s", out)
		}
		return out
	}
	if out := status(t); !strings.Contains(out, user.CertFile+": good") {
		t.Fatalf("openssl ocsp:\n%s", out)
	}

	revokedAt := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	e.Services.Revoke(user.Cert.SerialNumber, revokedAt, ocsp.KeyCompromise)
	if out := status(t); !strings.Contains(out, user.CertFile+": revoked") || !strings.Contains(out, "Reason: keyCompromise") {
		t.Fatalf("openssl ocsp after revocation:\n%s", out)
	}

	// The same over GET (RFC 6960, A.1), read with Go's parser.
	q, err := ocsp.CreateRequest(user.Cert, e.PKI.Root, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	der := get(t, e.URL+devpki.OCSPPath+"/"+url.PathEscape(base64.StdEncoding.EncodeToString(q))).body
	resp, err := ocsp.ParseResponseForCert(der, user.Cert, e.PKI.Root)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != ocsp.Revoked || !resp.RevokedAt.Equal(revokedAt) || resp.RevocationReason != ocsp.KeyCompromise {
		t.Errorf("GET: status %d at %v reason %d", resp.Status, resp.RevokedAt, resp.RevocationReason)
	}
	if !resp.Certificate.Equal(e.PKI.OCSP.Cert) {
		t.Error("the response is not signed by the OCSP responder certificate")
	}
}

func TestOCSPUnknownAndForeign(t *testing.T) {
	t.Parallel()
	e := start(t)
	// A serial this root never issued.
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		t.Fatal(err)
	}
	var spki struct {
		Algorithm asn1.RawValue
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(e.PKI.Root.RawSubjectPublicKeyInfo, &spki); err != nil {
		t.Fatal(err)
	}
	nameHash := sha256.Sum256(e.PKI.Root.RawSubject)
	keyHash := sha256.Sum256(spki.PublicKey.RightAlign())
	q, err := (&ocsp.Request{HashAlgorithm: crypto.SHA256, IssuerNameHash: nameHash[:], IssuerKeyHash: keyHash[:], SerialNumber: serial}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	der := post(t, e.URL+devpki.OCSPPath, "application/ocsp-request", q).body
	resp, err := ocsp.ParseResponse(der, e.PKI.Root)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != ocsp.Unknown || resp.SerialNumber.Cmp(serial) != 0 {
		t.Errorf("unknown serial: status %d for %v", resp.Status, resp.SerialNumber)
	}

	// A certificate of another PKI: not this responder's to answer.
	other := pdftest.PKI(t, time.Now())
	q, err = ocsp.CreateRequest(other.Users["vanthu"].Cert, other.Root, nil)
	if err != nil {
		t.Fatal(err)
	}
	der = post(t, e.URL+devpki.OCSPPath, "application/ocsp-request", q).body
	if _, err := ocsp.ParseResponse(der, nil); err == nil || !strings.Contains(err.Error(), "unauthorized") {
		t.Errorf("foreign certificate: %v, want an unauthorized response", err)
	}
}

func TestCRLListsRevocations(t *testing.T) {
	t.Parallel()
	e := start(t)
	fetch := func(t *testing.T) *x509.RevocationList {
		t.Helper()
		r := get(t, e.URL+devpki.CRLPath)
		if r.status != http.StatusOK || r.contentType != "application/pkix-crl" {
			t.Fatalf("GET /crl: %d %s", r.status, r.contentType)
		}
		der := r.body
		dir := t.TempDir()
		pdftest.WriteFile(t, dir, "root.crl", der)
		out := pdftest.Tool(t, dir, "openssl", "crl", "-inform", "DER", "-in", "root.crl", "-CAfile", e.RootFile(), "-noout")
		if !strings.Contains(out, "verify OK") {
			t.Fatalf("openssl crl:\n%s", out)
		}
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatal(err)
		}
		return crl
	}
	first := fetch(t)
	if len(first.RevokedCertificateEntries) != 0 {
		t.Errorf("a fresh CRL lists %d revocations", len(first.RevokedCertificateEntries))
	}
	serial := e.PKI.Users["lanhdao"].Cert.SerialNumber
	e.Services.Revoke(serial, time.Now(), ocsp.Superseded)
	second := fetch(t)
	if len(second.RevokedCertificateEntries) != 1 || second.RevokedCertificateEntries[0].SerialNumber.Cmp(serial) != 0 ||
		second.RevokedCertificateEntries[0].ReasonCode != ocsp.Superseded {
		t.Errorf("CRL after revocation: %+v", second.RevokedCertificateEntries)
	}
	if second.Number.Cmp(first.Number) <= 0 {
		t.Errorf("CRL number went from %v to %v; it must grow", first.Number, second.Number)
	}
	if !second.NextUpdate.After(second.ThisUpdate) {
		t.Errorf("CRL valid from %v to %v", second.ThisUpdate, second.NextUpdate)
	}
}

func TestRootIsServed(t *testing.T) {
	t.Parallel()
	e := start(t)
	if r := get(t, e.URL+devpki.RootPath); !bytes.Equal(r.body, e.PKI.Root.Raw) || r.contentType != "application/pkix-cert" {
		t.Error("GET /root.crt does not return the root certificate")
	}
}

func TestNewRefusesAnIncompletePKI(t *testing.T) {
	t.Parallel()
	p := pdftest.PKI(t, time.Now())
	for _, f := range []string{"tsa.crt", "tsa.key"} {
		if err := os.Remove(filepath.Join(p.Dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := devtrust.New(p.Dir, nil, zaptest.NewLogger(t)); err == nil || !strings.Contains(err.Error(), "tsa.crt/tsa.key") || !strings.Contains(err.Error(), "docflow pki init") {
		t.Fatalf("New = %v, want an error naming the missing TSA and the fix", err)
	}
}

func TestStartReportsAPortInUse(t *testing.T) {
	t.Parallel()
	e := start(t)
	u, err := url.Parse(e.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := devtrust.Start(t.Context(), u.Host, e.Services, zaptest.NewLogger(t)); err == nil {
		t.Fatal("Start on a port in use succeeded")
	}
}
