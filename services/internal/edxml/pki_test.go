package edxml_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docflow/docflow/services/internal/edxml"
)

// -update rewrites the golden packages; -update-pki also makes the fixed
// RSA PKI they are signed with (run it once, then commit testdata/pki).
var (
	update    = flag.Bool("update", false, "rewrite the golden files in testdata")
	updatePKI = flag.Bool("update-pki", false, "make the fixed RSA PKI in testdata/pki")
)

var oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}

// testPKI is a root and the organisation certificates it issued, shaped as
// services/signing/devpki issues them (organizationIdentifier, digital
// signature and non-repudiation, emailProtection).
type testPKI struct {
	root    *x509.Certificate
	rootKey crypto.Signer
	pool    *x509.CertPool
	// validity of the organisation certificates it issues
	notBefore, notAfter time.Time
}

func (p *testPKI) opts(recipient string) edxml.VerifyOptions {
	return edxml.VerifyOptions{Roots: p.pool, Now: p.notBefore.Add(24 * time.Hour), Recipient: recipient}
}

func serial(t testing.TB) *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func newKey(t testing.TB, rsaKey bool) crypto.Signer {
	t.Helper()
	var k crypto.Signer
	var err error
	if rsaKey {
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newPKI(t testing.TB, rsaKey bool, notBefore time.Time) *testPKI {
	t.Helper()
	key := newKey(t, rsaKey)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: "edxml test root", Organization: []string{"docflow test"}},
		NotBefore:             notBefore.Add(-time.Hour),
		NotAfter:              notBefore.AddDate(20, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	root, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	return &testPKI{root: root, rootKey: key, pool: pool, notBefore: notBefore, notAfter: notBefore.AddDate(3, 0, 0)}
}

// org issues an organisation certificate for agency with a new key.
func (p *testPKI) org(t testing.TB, agency, name string, rsaKey bool) edxml.Signer {
	t.Helper()
	key := newKey(t, rsaKey)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject: pkix.Name{
			CommonName:   name,
			Organization: []string{name},
			Country:      []string{"VN"},
			ExtraNames:   []pkix.AttributeTypeAndValue{{Type: oidOrganizationIdentifier, Value: agency}},
		},
		NotBefore:   p.notBefore,
		NotAfter:    p.notAfter,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.root, key.Public(), p.rootKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return edxml.Signer{Key: key, Chain: []*x509.Certificate{cert}}
}

// goldenPKI is the fixed RSA PKI the golden packages are signed with: RSA
// PKCS#1 v1.5 is deterministic, so the same message gives the same bytes.
type goldenPKI struct {
	root   *x509.Certificate
	pool   *x509.CertPool
	signer edxml.Signer // of 000.00.00.G22
	now    time.Time
}

var goldenNow = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func loadGoldenPKI(t testing.TB) goldenPKI {
	t.Helper()
	dir := filepath.Join("testdata", "pki")
	if *updatePKI {
		p := newPKI(t, true, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		p.notAfter = time.Date(2046, 1, 1, 0, 0, 0, 0, time.UTC)
		s := p.org(t, "000.00.00.G22", "Văn phòng Chính phủ (thử nghiệm)", true)
		keyDER, err := x509.MarshalPKCS8PrivateKey(s.Key)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		writePEM(t, filepath.Join(dir, "root.pem"), "CERTIFICATE", p.root.Raw)
		writePEM(t, filepath.Join(dir, "org-g22.pem"), "CERTIFICATE", s.Chain[0].Raw)
		writePEM(t, filepath.Join(dir, "org-g22.key"), "PRIVATE KEY", keyDER)
	}
	root, err := x509.ParseCertificate(readPEM(t, filepath.Join(dir, "root.pem")))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(readPEM(t, filepath.Join(dir, "org-g22.pem")))
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.ParsePKCS8PrivateKey(readPEM(t, filepath.Join(dir, "org-g22.key")))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	signer, ok := key.(crypto.Signer)
	if !ok {
		t.Fatalf("the golden key is a %T", key)
	}
	return goldenPKI{root: root, pool: pool, signer: edxml.Signer{Key: signer, Chain: []*x509.Certificate{cert}}, now: goldenNow}
}

func (g goldenPKI) opts(recipient string) edxml.VerifyOptions {
	return edxml.VerifyOptions{Roots: g.pool, Now: g.now, Recipient: recipient}
}

func writePEM(t testing.TB, file, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func readPEM(t testing.TB, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatalf("%s: no PEM block", file)
	}
	return b.Bytes
}
