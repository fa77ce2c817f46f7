package token_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/internal/keys"
	"github.com/docflow/docflow/services/signing/internal/keys/keystest"
	"github.com/docflow/docflow/services/signing/internal/keys/token"
	"github.com/docflow/docflow/services/signing/internal/keys/token/tokentest"
	"github.com/docflow/docflow/services/signing/internal/pades/padestest"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
)

// The tests of this package run one after another. SoftHSM2's file object
// store fails now and then with CKR_GENERAL_ERROR when one thread creates
// tokens or objects while another reads (SoftHSMv2 issue 573); a real token
// holds its keys before the service starts and is only read by it, so only
// the tests, which provision tokens as they go, meet that race.
func TestMain(m *testing.M) { tokentest.Main(m) }

func demoPKI(t *testing.T) *devpki.PKI {
	t.Helper()
	return pdftest.PKI(t, time.Now())
}

// open opens the token cfg names, with now as its clock (nil: time.Now),
// until the test ends.
func open(t *testing.T, cfg token.Config, now func() time.Time) *token.Source {
	t.Helper()
	s, err := token.Open(cfg, now, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

var lanhdao = tokentest.Key{Username: "lanhdao", FullName: "Phạm Minh Đức", Type: token.ECDSAP256}

func TestTokenKeySignsPDFsThatVerify(t *testing.T) {
	tests := []struct {
		name string
		key  tokentest.Key
	}{
		{"EC P-256 (the development PKI's key type)", lanhdao},
		{"RSA 2048", tokentest.Key{Username: "chuyenvien1", FullName: "Nguyễn Văn An", Type: token.RSA2048}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := demoPKI(t)
			tok := tokentest.New(t, p, tt.key)
			src := open(t, tok.Config, nil)
			if err := src.Check(t.Context()); err != nil {
				t.Fatalf("Check: %v", err)
			}
			cred, err := src.Lookup(t.Context(), tt.key.Username)
			if err != nil {
				t.Fatalf("Lookup: %v", err)
			}
			if !cred.Cert.Equal(tok.Certs[tt.key.Username]) {
				t.Error("Lookup returned another certificate than the one stored on the token")
			}
			if len(cred.Chain) != 1 || !cred.Chain[0].Equal(p.Root) {
				t.Errorf("chain has %d certificates, want the root", len(cred.Chain))
			}
			switch cred.Key.(type) {
			case *ecdsa.PrivateKey, *rsa.PrivateKey:
				t.Fatalf("Lookup returned an in-memory %T: the key must stay on the token", cred.Key)
			}

			signed, _ := padestest.MustSign(t, pdftest.Document(t, "Quyet dinh ky bang token"), padestest.CredentialRequest(cred))
			pdftest.QPDFCheck(t, signed)
			report := pdftest.PDFSig(t, signed, pdftest.NSSTrusting(t, filepath.Join(p.Dir, "root.crt")))
			if len(report.Signatures) != 1 {
				t.Fatalf("pdfsig found %d signatures:\n%s", len(report.Signatures), report.Output)
			}
			for _, want := range []string{
				"Signature is Valid.",
				"Certificate is Trusted.",
				"Total document signed",
				"Signer Certificate Common Name: " + tt.key.FullName,
			} {
				if !strings.Contains(report.Signatures[0], want) {
					t.Errorf("pdfsig does not report %q:\n%s", want, report.Output)
				}
			}
		})
	}
}

func TestPrivateKeyCannotBeExtracted(t *testing.T) {
	tok := tokentest.New(t, demoPKI(t), lanhdao)

	prot, err := tok.Admin.Protection("lanhdao")
	if err != nil {
		t.Fatal(err)
	}
	want := token.KeyProtection{Sensitive: true, Extractable: false, AlwaysSensitive: true, NeverExtractable: true}
	if prot != want {
		t.Errorf("key protection %+v, want %+v", prot, want)
	}
	if v, err := tok.Admin.ReadPrivateValue("lanhdao"); err == nil {
		t.Errorf("the token handed out %d bytes of the private key", len(v))
	} else if !strings.Contains(err.Error(), "CKR_ATTRIBUTE_SENSITIVE") {
		t.Errorf("reading the private value failed with %v, want CKR_ATTRIBUTE_SENSITIVE", err)
	}

	// OpenSC's pkcs11-tool, another process with its own view of the token,
	// reports the same.
	out, err := exec.CommandContext(t.Context(), "pkcs11-tool", "--module", tok.Module, "--token-label", tok.Label,
		"--login", "--pin", tok.PIN, "--list-objects", "--type", "privkey").CombinedOutput()
	if err != nil {
		t.Fatalf("pkcs11-tool (install opensc: `make test-deps`): %v\n%s", err, out)
	}
	text := string(out)
	if !strings.Contains(text, "label:      lanhdao") {
		t.Fatalf("pkcs11-tool does not list the key:\n%s", text)
	}
	for _, want := range []string{"sensitive", "never extractable"} {
		if !strings.Contains(text, want) {
			t.Errorf("pkcs11-tool does not report the key %s:\n%s", want, text)
		}
	}
}

func TestSignatureSchemes(t *testing.T) {
	p := demoPKI(t)
	tok := tokentest.New(t, p, lanhdao, tokentest.Key{Username: "vanthu", FullName: "Trần Thị Thu", Type: token.RSA2048})
	src := open(t, tok.Config, nil)
	ec, err := src.Lookup(t.Context(), "lanhdao")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := src.Lookup(t.Context(), "vanthu")
	if err != nil {
		t.Fatal(err)
	}
	rsaPub, _ := rs.Cert.PublicKey.(*rsa.PublicKey)
	ecPub, _ := ec.Cert.PublicKey.(*ecdsa.PublicKey)
	msg := []byte("Quyết định số 12/QĐ-UBND")
	d256, d384 := sha256.Sum256(msg), sha512.Sum384(msg)

	tests := []struct {
		name   string
		key    crypto.Signer
		digest []byte
		opts   crypto.SignerOpts
		verify func(digest, sig []byte) error
	}{
		{"ECDSA SHA-256", ec.Key, d256[:], crypto.SHA256, func(d, s []byte) error {
			if !ecdsa.VerifyASN1(ecPub, d, s) {
				return errors.New("ECDSA signature does not verify")
			}
			return nil
		}},
		{"RSA PKCS#1 v1.5 SHA-256", rs.Key, d256[:], crypto.SHA256, func(d, s []byte) error {
			return rsa.VerifyPKCS1v15(rsaPub, crypto.SHA256, d, s)
		}},
		{"RSA PKCS#1 v1.5 SHA-384", rs.Key, d384[:], crypto.SHA384, func(d, s []byte) error {
			return rsa.VerifyPKCS1v15(rsaPub, crypto.SHA384, d, s)
		}},
		{"RSA-PSS salt = hash", rs.Key, d256[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}, func(d, s []byte) error {
			return rsa.VerifyPSS(rsaPub, crypto.SHA256, d, s, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}},
		{"RSA-PSS salt auto", rs.Key, d384[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto, Hash: crypto.SHA384}, func(d, s []byte) error {
			return rsa.VerifyPSS(rsaPub, crypto.SHA384, d, s, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sig, err := tt.key.Sign(rand.Reader, tt.digest, tt.opts)
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if err := tt.verify(tt.digest, sig); err != nil {
				t.Fatal(err)
			}
			other := append([]byte{}, tt.digest...)
			other[0] ^= 1
			if tt.verify(other, sig) == nil {
				t.Fatal("the signature also verifies for another digest")
			}
		})
	}

	if _, err := ec.Key.Sign(rand.Reader, d256[:20], crypto.SHA256); err == nil {
		t.Error("a digest of the wrong length was signed")
	}
}

func TestOpenExplainsWhatIsWrong(t *testing.T) {
	tok := tokentest.New(t, demoPKI(t), lanhdao)
	// Login is shared by every session of the process on a token: while the
	// provisioning session is open, any PIN would be answered "already
	// logged in".
	if err := tok.Admin.Close(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		change   func(c *token.Config)
		wantKind errs.Kind
		wantMsg  []string
	}{
		{"wrong PIN", func(c *token.Config) { c.PIN = "000000" }, errs.Unavailable,
			[]string{"refused the PIN", token.EnvPINFile}},
		{"token absent", func(c *token.Config) { c.TokenLabel = "no-such-token" }, errs.Unavailable,
			[]string{`no token labelled "no-such-token"`, tok.Label}},
		{"module missing", func(c *token.Config) { c.Module = filepath.Join(t.TempDir(), "libnothing.so") }, errs.Unavailable,
			[]string{"does not exist", "make test-deps", token.EnvModule}},
		{"incomplete configuration", func(c *token.Config) { c.PIN, c.TokenLabel, c.MaxSessions = "", "", 0 }, errs.Invalid,
			[]string{token.EnvToken, token.EnvPINFile, token.EnvMaxSessions}},
	}
	// Subtests run one after the other: the wrong PIN must be tried once
	// only, and the last step shows the token is still usable after it.
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tok.Config
			tt.change(&cfg)
			s, err := token.Open(cfg, nil, zaptest.NewLogger(t))
			if err == nil {
				_ = s.Close()
				t.Fatal("Open succeeded")
			}
			if k := errs.KindOf(err); k != tt.wantKind {
				t.Errorf("error kind %v, want %v: %v", k, tt.wantKind, err)
			}
			for _, w := range tt.wantMsg {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	t.Run("right PIN from a file afterwards", func(t *testing.T) {
		cfg := tok.Config
		cfg.PINFile = filepath.Join(t.TempDir(), "pin")
		if err := os.WriteFile(cfg.PINFile, []byte(cfg.PIN+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg.PIN = ""
		if _, err := open(t, cfg, nil).Lookup(t.Context(), "lanhdao"); err != nil {
			t.Fatalf("Lookup after a wrong PIN: %v", err)
		}
	})
}

func TestLookupWithoutUsableKey(t *testing.T) {
	p := demoPKI(t)
	tok := tokentest.New(t, p, lanhdao)
	// A key generated on the token whose certificate was never stored.
	if _, _, err := tok.Admin.GenerateKey("chuyenvien2", token.ECDSAP256); err != nil {
		t.Fatal(err)
	}
	keystest.CheckRefusals(t, func(t *testing.T, now func() time.Time) keys.Source { return open(t, tok.Config, now) }, []keystest.Refusal{
		{Name: "no key on the token", Username: "giamdoc", At: time.Now(), Kind: errs.NotFound, Msg: "giamdoc has no signing key on token"},
		{Name: "key without certificate", Username: "chuyenvien2", At: time.Now(), Kind: errs.NotFound, Msg: "no certificate for it"},
		{Name: "name that cannot be a user", Username: "../root", At: time.Now(), Kind: errs.Invalid, Msg: "not a valid username"},
		{Name: "expired certificate", Username: "lanhdao", At: time.Now().AddDate(2, 0, 0), Kind: errs.Invalid, Msg: "valid only from"},
	})
}

// A login belongs to the process, not to one Source: closing one Source of
// a token must leave another Source of the same token able to find its
// keys (private objects are invisible to a session not logged in).
func TestClosingOneSourceLeavesAnotherLoggedIn(t *testing.T) {
	p := demoPKI(t)
	tok := tokentest.New(t, p, lanhdao)
	first := open(t, tok.Config, nil)
	second, err := token.Open(tok.Config, nil, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Lookup(t.Context(), "lanhdao"); err != nil {
		t.Fatalf("Lookup after another Source of the token closed: %v", err)
	}
}

func TestCertificateOfAnotherKeyIsRefused(t *testing.T) {
	p := demoPKI(t)
	tok := tokentest.New(t, p, lanhdao)
	_, id, err := tok.Admin.GenerateKey("vanthu", token.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	// vanthu's key with the certificate of lanhdao's key.
	if err := tok.Admin.StoreCertificate("vanthu", id, tok.Certs["lanhdao"]); err != nil {
		t.Fatal(err)
	}
	_, err = open(t, tok.Config, nil).Lookup(t.Context(), "vanthu")
	if err == nil || errors.Is(err, keys.ErrNoSigningKey) {
		t.Fatalf("Lookup = %v, want an operator error", err)
	}
	if !strings.Contains(err.Error(), "does not belong to its certificate") {
		t.Errorf("error %q does not say the certificate belongs to another key", err)
	}
}

func TestConcurrentSigning(t *testing.T) {
	p := demoPKI(t)
	tok := tokentest.New(t, p, lanhdao, tokentest.Key{Username: "vanthu", FullName: "Trần Thị Thu", Type: token.RSA2048})
	cfg := tok.Config
	cfg.MaxSessions = 2 // fewer sessions than signers: they queue
	src := open(t, cfg, nil)

	const pdfs, digests = 6, 48
	var wg sync.WaitGroup
	errc := make(chan error, pdfs+digests)
	signed := make([][]byte, pdfs)
	for i := range pdfs {
		wg.Go(func() {
			cred, err := src.Lookup(t.Context(), "lanhdao")
			if err != nil {
				errc <- err
				return
			}
			out, _, err := padestest.Sign(t, pdftest.Document(t, fmt.Sprintf("Van ban %d", i)), padestest.CredentialRequest(cred))
			if err != nil {
				errc <- err
				return
			}
			signed[i] = out
		})
	}
	for i := range digests {
		wg.Go(func() {
			user := []string{"lanhdao", "vanthu"}[i%2]
			cred, err := src.Lookup(t.Context(), user)
			if err != nil {
				errc <- err
				return
			}
			d := sha256.Sum256(fmt.Appendf(nil, "digest %d", i))
			sig, err := cred.Key.Sign(rand.Reader, d[:], crypto.SHA256)
			if err != nil {
				errc <- err
				return
			}
			switch pub := cred.Cert.PublicKey.(type) {
			case *ecdsa.PublicKey:
				if !ecdsa.VerifyASN1(pub, d[:], sig) {
					errc <- fmt.Errorf("ECDSA signature %d does not verify", i)
				}
			case *rsa.PublicKey:
				if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig); err != nil {
					errc <- fmt.Errorf("RSA signature %d: %w", i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	for i, pdf := range signed {
		report := pdftest.PDFSig(t, pdf, "")
		if len(report.Signatures) != 1 || !strings.Contains(report.Signatures[0], "Signature is Valid.") {
			t.Errorf("PDF %d signed concurrently is not valid:\n%s", i, report.Output)
		}
	}
}
