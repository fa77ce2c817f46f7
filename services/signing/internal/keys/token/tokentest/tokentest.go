// Package tokentest provisions SoftHSM2 tokens for tests: a fresh token per
// test, keys generated on it, and certificates for them issued by a
// development PKI's root and stored next to the keys.
//
// SoftHSM2 reads its configuration and the list of its tokens once per
// process, when the library is initialised, and a token another process
// creates later stays invisible to it. So one token directory serves a whole
// test binary (Setup, from TestMain), and each test creates its own token in
// it through the PKCS#11 API of the process itself.
package tokentest

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/internal/keys/token"
)

// Module is the SoftHSM2 library the tests use: the Debian package's, unless
// DOCFLOW_TEST_PKCS11_MODULE names another.
func Module() string {
	if m := os.Getenv("DOCFLOW_TEST_PKCS11_MODULE"); m != "" {
		return m
	}
	return token.DefaultModule
}

var errSetup = errors.New("tokentest.Setup was not called: call it from TestMain")

// Setup points SoftHSM2 at a configuration and token directory in a new
// temporary directory, for the whole test binary. Call it from TestMain
// before any test runs and the returned cleanup after; a problem is
// reported by every New, so each test fails with the reason.
func Setup() (cleanup func()) {
	dir, err := os.MkdirTemp("", "docflow-softhsm-")
	if err != nil {
		errSetup = fmt.Errorf("temporary directory for SoftHSM2: %w", err)
		return func() {}
	}
	cleanup = func() { _ = os.RemoveAll(dir) }
	tokens := filepath.Join(dir, "tokens")
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		errSetup = err
		return cleanup
	}
	text := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n", tokens)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		errSetup = err
		return cleanup
	}
	// SoftHSM2 reads SOFTHSM2_CONF when the library is initialised; no test
	// has loaded it yet.
	if err := os.Setenv("SOFTHSM2_CONF", conf); err != nil {
		errSetup = err
		return cleanup
	}
	if _, err := os.Stat(Module()); errors.Is(err, fs.ErrNotExist) {
		errSetup = fmt.Errorf("SoftHSM2 is not installed (%s is missing): run `make test-deps` (it installs softhsm2 and opensc)", Module())
		return cleanup
	}
	errSetup = nil
	return cleanup
}

// Key is a key to generate on the token for a user.
type Key struct {
	Username string
	FullName string
	Type     token.KeyType
}

// Token is a provisioned token.
type Token struct {
	Label   string
	PIN     string
	SOPIN   string
	Config  token.Config
	Module  string
	Certs   map[string]*x509.Certificate
	Admin   *token.Admin
	PKI     *devpki.PKI
	TempDir string
}

// New creates a token with a key for each of users, their certificates
// issued by p's root and stored on the token, and a chain file with the
// root. The token's Config is ready for token.Open.
func New(t testing.TB, p *devpki.PKI, users ...Key) *Token {
	t.Helper()
	if errSetup != nil {
		t.Fatalf("PKCS#11 test token: %v", errSetup)
	}
	tok := &Token{
		Label:   "docflow-" + randomHex(t, 8),
		PIN:     randomHex(t, 4),
		SOPIN:   randomHex(t, 4),
		Module:  Module(),
		Certs:   map[string]*x509.Certificate{},
		PKI:     p,
		TempDir: t.TempDir(),
	}
	if err := token.InitToken(tok.Module, tok.Label, tok.SOPIN, tok.PIN); err != nil {
		t.Fatalf("create token: %v", err)
	}
	admin, err := token.OpenAdmin(tok.Module, tok.Label, tok.PIN)
	if err != nil {
		t.Fatalf("open token: %v", err)
	}
	tok.Admin = admin
	t.Cleanup(func() {
		if err := admin.Close(); err != nil {
			t.Errorf("close token admin session: %v", err)
		}
	})
	issuer, issuerKey := rootOf(t, p)
	for _, u := range users {
		pub, id, err := admin.GenerateKey(u.Username, u.Type)
		if err != nil {
			t.Fatalf("generate key on token: %v", err)
		}
		cert := Issue(t, issuer, issuerKey, u, pub, time.Now())
		if err := admin.StoreCertificate(u.Username, id, cert); err != nil {
			t.Fatalf("store certificate on token: %v", err)
		}
		tok.Certs[u.Username] = cert
	}
	chain := filepath.Join(tok.TempDir, "chain.pem")
	if err := os.WriteFile(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Root.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	tok.Config = token.Config{
		Module:      tok.Module,
		TokenLabel:  tok.Label,
		PIN:         tok.PIN,
		ChainFile:   chain,
		MaxSessions: 4,
		SessionWait: 30 * time.Second,
	}
	return tok
}

// rootOf reads the root certificate and key of a development PKI from its
// files (devpki keeps the loaded root key to itself).
func rootOf(t testing.TB, p *devpki.PKI) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(p.Dir, "root.key"))
	if err != nil {
		t.Fatalf("development root key: %v", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("root.key is not PEM")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("parse root.key: %v", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		t.Fatal("root.key cannot sign")
	}
	return p.Root, signer
}

// Issue makes a personal signing certificate for pub, shaped like devpki's:
// emailProtection is the usage poppler (NSS) accepts for PDF signers.
func Issue(t testing.TB, issuer *x509.Certificate, issuerKey crypto.Signer, u Key, pub crypto.PublicKey, now time.Time) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial.Add(serial, big.NewInt(1)),
		Subject: pkix.Name{
			CommonName:         u.FullName,
			SerialNumber:       u.Username,
			Organization:       []string{"Văn phòng Chính phủ (demo)"},
			OrganizationalUnit: []string{"docflow development certificate - not for production use"},
			Country:            []string{"VN"},
			ExtraNames:         []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}, Value: u.Username}},
		},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.AddDate(1, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, pub, issuerKey)
	if err != nil {
		t.Fatalf("issue certificate for %s: %v", u.Username, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// Main runs a test binary's tests between Setup and its cleanup; a package
// whose tests use tokens calls it from TestMain:
//
//	func TestMain(m *testing.M) { tokentest.Main(m) }
//
// Returning hands m.Run's result to the test binary's exit.
func Main(m *testing.M) {
	cleanup := Setup()
	defer cleanup()
	m.Run()
}
