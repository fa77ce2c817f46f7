package devpki_test

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/docflow/docflow/services/signing/devpki"
)

var now = time.Date(2026, 3, 5, 9, 30, 0, 0, time.UTC)

func initDemo(t *testing.T) (string, *devpki.PKI) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pki")
	p, err := devpki.Init(dir, devpki.DemoOptions(), now)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	return dir, p
}

func TestInitCreatesDemoPKI(t *testing.T) {
	t.Parallel()
	dir, p := initDemo(t)

	if !strings.Contains(p.Root.Subject.CommonName, "DEVELOPMENT") {
		t.Errorf("root CN %q does not say it is a development certificate", p.Root.Subject.CommonName)
	}
	if !p.Root.IsCA {
		t.Error("root is not a CA")
	}
	if got := p.Root.NotAfter.Sub(now); got < 20*365*24*time.Hour {
		t.Errorf("root is valid for %v, want 20 years", got)
	}

	wantNames := map[string]string{
		"vanthu": "Trần Thị Thu", "chuyenvien1": "Nguyễn Văn An", "chuyenvien2": "Lê Thị Bình",
		"lanhdao": "Phạm Minh Đức", "luutru": "Hoàng Thị Lan",
	}
	if got := p.Usernames(); len(got) != len(wantNames) {
		t.Fatalf("users = %v, want the %d demo users", got, len(wantNames))
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.Root)
	for username, fullName := range wantNames {
		id, ok := p.Users[username]
		if !ok {
			t.Errorf("no identity for %s", username)
			continue
		}
		c := id.Cert
		if c.Subject.CommonName != fullName {
			t.Errorf("%s: CN = %q, want %q", username, c.Subject.CommonName, fullName)
		}
		if c.Subject.SerialNumber != username {
			t.Errorf("%s: serialNumber = %q", username, c.Subject.SerialNumber)
		}
		if uid := subjectValue(c, asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}); uid != username {
			t.Errorf("%s: UID = %q", username, uid)
		}
		if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
			t.Errorf("%s: key usage = %v, want digitalSignature|nonRepudiation", username, c.KeyUsage)
		}
		if !strings.Contains(strings.Join(c.Subject.OrganizationalUnit, " "), "not for production") {
			t.Errorf("%s: subject does not say it is a development certificate: %v", username, c.Subject)
		}
		if _, err := c.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}); err != nil {
			t.Errorf("%s: certificate does not chain to the root for signing: %v", username, err)
		}
		checkMode(t, id.KeyFile, 0o600)
		checkMode(t, filepath.Join(dir, "users", username+".p12"), 0o600)
	}

	org, ok := p.Orgs["000.00.00.G22"]
	if !ok {
		t.Fatalf("no organisation identity; orgs = %v", p.Orgs)
	}
	if org.CertFile != filepath.Join(dir, "org", "000_00_00_G22.crt") {
		t.Errorf("organisation certificate at %s", org.CertFile)
	}
	if org.Cert.Subject.CommonName != "Văn phòng Chính phủ (demo)" {
		t.Errorf("organisation CN = %q", org.Cert.Subject.CommonName)
	}
	checkMode(t, filepath.Join(dir, "root.key"), 0o600)
	checkMode(t, org.KeyFile, 0o600)
	for _, d := range []string{dir, filepath.Join(dir, "org"), filepath.Join(dir, "users")} {
		checkMode(t, d, 0o700)
	}
}

func TestP12OpensWithDemoPassword(t *testing.T) {
	t.Parallel()
	dir, p := initDemo(t)
	file := filepath.Join(dir, "users", "lanhdao.p12")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	key, cert, chain, err := pkcs12.DecodeChain(data, "demo")
	if err != nil {
		t.Fatalf("decode with the demo password: %v", err)
	}
	if !cert.Equal(p.Users["lanhdao"].Cert) {
		t.Error("PKCS#12 holds another certificate than users/lanhdao.crt")
	}
	if len(chain) != 1 || !chain[0].Equal(p.Root) {
		t.Errorf("PKCS#12 chain = %d certificates, want the root", len(chain))
	}
	if key == nil {
		t.Error("PKCS#12 holds no private key")
	}
	// OpenSSL is what people use to inspect or convert the file.
	out, err := exec.CommandContext(t.Context(), "openssl", "pkcs12", "-in", file, "-passin", "pass:demo", "-nokeys", "-info").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl cannot read %s: %v\n%s", file, err, out)
	}
	if !bytes.Contains(out, []byte("BEGIN CERTIFICATE")) {
		t.Errorf("openssl output has no certificate:\n%s", out)
	}
}

func TestInitKeepsWhatExists(t *testing.T) {
	t.Parallel()
	dir, first := initDemo(t)

	// Losing one user's files has only that user re-issued.
	for _, ext := range []string{".crt", ".key", ".p12"} {
		if err := os.Remove(filepath.Join(dir, "users", "chuyenvien2"+ext)); err != nil {
			t.Fatal(err)
		}
	}
	opts := devpki.DemoOptions()
	opts.Users = append(opts.Users, devpki.User{Username: "chuyenvien3", FullName: "Đỗ Văn Cường"})
	second, err := devpki.Init(dir, opts, now.Add(time.Hour))
	if err != nil {
		t.Fatalf("second Init: %v", err)
	}
	if !second.Root.Equal(first.Root) {
		t.Error("root was replaced")
	}
	if !second.Orgs["000.00.00.G22"].Cert.Equal(first.Orgs["000.00.00.G22"].Cert) {
		t.Error("organisation certificate was replaced")
	}
	for _, u := range []string{"vanthu", "chuyenvien1", "lanhdao", "luutru"} {
		if !second.Users[u].Cert.Equal(first.Users[u].Cert) {
			t.Errorf("%s: certificate was replaced", u)
		}
	}
	if second.Users["chuyenvien2"].Cert.Equal(first.Users["chuyenvien2"].Cert) {
		t.Error("chuyenvien2: the removed certificate was not re-issued")
	}
	if id := second.Users["chuyenvien3"]; id == nil || id.Cert.Subject.CommonName != "Đỗ Văn Cường" || id.P12File == "" {
		t.Errorf("the added user has no complete identity: %+v", id)
	}
	if err := second.Users["chuyenvien2"].Cert.CheckSignatureFrom(first.Root); err != nil {
		t.Errorf("re-issued certificate is not signed by the kept root: %v", err)
	}
}

func TestInitRefusesAnIncompletePKI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		remove string
		want   string
	}{
		{"root key lost", "root.key", "incomplete"},
		{"user key lost", "users/vanthu.key", "vanthu.key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, _ := initDemo(t)
			if err := os.Remove(filepath.Join(dir, tt.remove)); err != nil {
				t.Fatal(err)
			}
			_, err := devpki.Init(dir, devpki.DemoOptions(), now)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Init = %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestInitRefusesAForeignCertificate(t *testing.T) {
	t.Parallel()
	dir, _ := initDemo(t)
	_, other := initDemo(t)
	// A certificate from another PKI dropped in by mistake must not be used.
	for _, ext := range []string{".crt", ".key"} {
		data, err := os.ReadFile(filepath.Join(other.Dir, "users", "vanthu"+ext))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "users", "vanthu"+ext), data, 0o600); err != nil { //nolint:gosec // G703: the test's own temp dir
			t.Fatal(err)
		}
	}
	if _, err := devpki.Init(dir, devpki.DemoOptions(), now); err == nil || !strings.Contains(err.Error(), "not issued by the root") {
		t.Fatalf("Init = %v, want a refusal of the foreign certificate", err)
	}
}

func TestInitReportsEveryBadOption(t *testing.T) {
	t.Parallel()
	opts := devpki.Options{
		Agency: "bad agency",
		Users: []devpki.User{
			{Username: "../etc", FullName: "X"},
			{Username: "a", FullName: ""},
			{Username: "a", FullName: "Y"},
		},
	}
	_, err := devpki.Init(filepath.Join(t.TempDir(), "pki"), opts, now)
	if err == nil {
		t.Fatal("Init accepted invalid options")
	}
	for _, want := range []string{"agency identifier", "agency name is empty", `"../etc"`, "no full name", "listed twice"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q: %v", want, err)
		}
	}
}

func TestTrustServiceCertificates(t *testing.T) {
	t.Parallel()
	opts := devpki.DemoOptions()
	opts.TrustServicesURL = "http://127.0.0.1:18089/"
	dir := filepath.Join(t.TempDir(), "pki")
	p, err := devpki.Init(dir, opts, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.TSA == nil || p.OCSP == nil {
		t.Fatalf("TSA %v, OCSP %v: want both identities", p.TSA, p.OCSP)
	}
	checkMode(t, filepath.Join(dir, "tsa.key"), 0o600)
	checkMode(t, filepath.Join(dir, "ocsp.key"), 0o600)

	// RFC 3161, 2.3: exactly the timeStamping purpose, in a critical extension.
	tsa := p.TSA.Cert
	if tsa.Subject.CommonName != devpki.TSACommonName || !strings.Contains(tsa.Subject.CommonName, "DEVELOPMENT") {
		t.Errorf("TSA CN = %q", tsa.Subject.CommonName)
	}
	if len(tsa.ExtKeyUsage) != 1 || tsa.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping {
		t.Errorf("TSA EKU = %v, want timeStamping alone", tsa.ExtKeyUsage)
	}
	if ext := extension(tsa, asn1.ObjectIdentifier{2, 5, 29, 37}); ext == nil || !ext.Critical {
		t.Errorf("TSA extended key usage is not critical: %+v", ext)
	}
	// openssl applies the same rule for its timestampsign purpose.
	out, err := exec.CommandContext(t.Context(), "openssl", "verify", "-purpose", "timestampsign", "-CAfile", filepath.Join(dir, "root.crt"), filepath.Join(dir, "tsa.crt")).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte(": OK")) {
		t.Errorf("openssl verify -purpose timestampsign: %v\n%s", err, out)
	}

	o := p.OCSP.Cert
	if len(o.ExtKeyUsage) != 1 || o.ExtKeyUsage[0] != x509.ExtKeyUsageOCSPSigning {
		t.Errorf("OCSP EKU = %v, want OCSPSigning", o.ExtKeyUsage)
	}
	if extension(o, devpki.OIDOCSPNoCheck) == nil {
		t.Error("OCSP responder certificate has no id-pkix-ocsp-nocheck")
	}
	if len(o.OCSPServer) != 0 || len(o.CRLDistributionPoints) != 0 {
		t.Errorf("OCSP responder certificate names revocation services: %v %v", o.OCSPServer, o.CRLDistributionPoints)
	}

	for name, c := range map[string]*x509.Certificate{
		"user": p.Users["lanhdao"].Cert, "organisation": p.Orgs["000.00.00.G22"].Cert, "TSA": tsa,
	} {
		if len(c.OCSPServer) != 1 || c.OCSPServer[0] != "http://127.0.0.1:18089/ocsp" {
			t.Errorf("%s certificate OCSP = %v", name, c.OCSPServer)
		}
		if len(c.CRLDistributionPoints) != 1 || c.CRLDistributionPoints[0] != "http://127.0.0.1:18089/crl" {
			t.Errorf("%s certificate CRL DP = %v", name, c.CRLDistributionPoints)
		}
		if len(c.IssuingCertificateURL) != 1 || c.IssuingCertificateURL[0] != "http://127.0.0.1:18089/root.crt" {
			t.Errorf("%s certificate caIssuers = %v", name, c.IssuingCertificateURL)
		}
	}
	if len(p.Issued()) != 5+1+2 {
		t.Errorf("Issued lists %d certificates, want 5 users, 1 organisation, TSA and OCSP", len(p.Issued()))
	}
	if _, err := p.RootKey(); err != nil {
		t.Errorf("RootKey: %v", err)
	}
}

func TestWithoutTrustServicesURLCertificatesNameNoServices(t *testing.T) {
	t.Parallel()
	_, p := initDemo(t)
	c := p.Users["vanthu"].Cert
	if len(c.OCSPServer)+len(c.CRLDistributionPoints)+len(c.IssuingCertificateURL) != 0 {
		t.Errorf("certificate names services: %v %v %v", c.OCSPServer, c.CRLDistributionPoints, c.IssuingCertificateURL)
	}
	if p.TSA == nil || p.OCSP == nil {
		t.Error("the trust services' certificates are made even without a URL")
	}
}

// A PKI directory made before the trust services existed has no tsa.* and
// ocsp.* files: it still loads, and the next Init adds them and keeps
// everything else.
func TestInitCompletesAnOlderPKI(t *testing.T) {
	t.Parallel()
	dir, first := initDemo(t)
	for _, f := range []string{"tsa.crt", "tsa.key", "ocsp.crt", "ocsp.key"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	old, err := devpki.Load(dir)
	if err != nil {
		t.Fatalf("Load of an older PKI: %v", err)
	}
	if old.TSA != nil || old.OCSP != nil {
		t.Error("Load invents trust service identities")
	}
	second, err := devpki.Init(dir, devpki.DemoOptions(), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if second.TSA == nil || second.OCSP == nil || second.TSA.Cert.Equal(first.TSA.Cert) {
		t.Fatal("Init did not issue new trust service certificates")
	}
	if !second.Root.Equal(first.Root) || !second.Users["vanthu"].Cert.Equal(first.Users["vanthu"].Cert) {
		t.Error("Init replaced what existed")
	}
	third, err := devpki.Init(dir, devpki.DemoOptions(), now.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !third.TSA.Cert.Equal(second.TSA.Cert) || !third.OCSP.Cert.Equal(second.OCSP.Cert) {
		t.Error("a second Init replaced the trust service certificates")
	}
}

func TestInitRefusesABadTrustServicesURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"127.0.0.1:8089", "ftp://127.0.0.1/", "http://", "http://h/x?y=1"} {
		opts := devpki.DemoOptions()
		opts.TrustServicesURL = u
		_, err := devpki.Init(filepath.Join(t.TempDir(), "pki"), opts, now)
		if err == nil || !strings.Contains(err.Error(), "trust services URL") {
			t.Errorf("Init with %q = %v, want a refusal", u, err)
		}
	}
}

func extension(c *x509.Certificate, oid asn1.ObjectIdentifier) *pkix.Extension {
	for i, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return &c.Extensions[i]
		}
	}
	return nil
}

func TestLoadWithoutPKI(t *testing.T) {
	t.Parallel()
	_, err := devpki.Load(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "docflow pki init") {
		t.Fatalf("Load = %v, want an error telling how to create the PKI", err)
	}
}

func subjectValue(c *x509.Certificate, oid asn1.ObjectIdentifier) string {
	for _, n := range c.Subject.Names {
		if n.Type.Equal(oid) {
			s, _ := n.Value.(string)
			return s
		}
	}
	return ""
}

func checkMode(t *testing.T, file string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(file)
	if err != nil {
		t.Errorf("stat %s: %v", file, err)
		return
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %o, want %o", file, got, want)
	}
}
