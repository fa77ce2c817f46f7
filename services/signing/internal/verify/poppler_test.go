package verify_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
	"github.com/docflow/docflow/services/signing/internal/verify"
)

// Signatures made with NSS (poppler's pdfsig, LibreOffice, Okular) carry a
// BER-encoded CMS with indefinite lengths. They are as valid as DER ones
// and must not be refused as malformed.
func TestNSSSignatureVerifies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir := t.TempDir()
	tool := func(name string, args ...string) (string, error) {
		out, err := exec.CommandContext(t.Context(), name, args...).CombinedOutput()
		return string(out), err
	}
	must := func(name string, args ...string) string {
		out, err := tool(name, args...)
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return out
	}
	nss := "sql:" + filepath.Join(dir, "nss")
	if err := os.Mkdir(filepath.Join(dir, "nss"), 0o700); err != nil {
		t.Fatal(err)
	}
	must("certutil", "-N", "-d", nss, "--empty-password")
	must("certutil", "-A", "-d", nss, "-n", "docflow-dev-root", "-t", "C,C,C", "-i", filepath.Join(e.pki.Dir, "root.crt"))
	must("pk12util", "-i", e.pki.Users["lanhdao"].P12File, "-d", nss, "-W", devpki.P12Password)
	var nick string
	for line := range strings.Lines(must("pdfsig", "-nssdir", nss, "-list-nicks")) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "Certificate nicknames") && line != "docflow-dev-root" {
			nick = line
		}
	}
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, pdftest.Document(t, "Quyet dinh phe duyet"), 0o600); err != nil {
		t.Fatal(err)
	}
	// poppler 22.12 sizes the placeholder from a trial signature and gives
	// up when the real ECDSA signature comes out a byte longer, about every
	// other time; the signature it does write is what is under test.
	var msg string
	for range 20 {
		_ = os.Remove(out)
		var err error
		if msg, err = tool("pdfsig", "-nssdir", nss, "-add-signature", "-nick", nick, in, out); err == nil {
			break
		}
	}
	signed, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("pdfsig did not sign in 20 attempts: %s", msg)
	}

	rep := run(t, signed, verify.Options{Roots: e.roots()})
	if !rep.Valid || len(rep.Signatures) != 1 {
		t.Fatalf("NSS signature not valid: %v", codes(rep))
	}
	s := rep.Signatures[0]
	if s.SubFilter != "adbe.pkcs7.detached" || !s.Integrity.DigestMatches || !s.Integrity.SignatureVerifies || !s.Chain.Trusted {
		t.Errorf("signature verdict %+v", s)
	}

	i := bytes.Index(signed, []byte("Quyet dinh"))
	tampered := bytes.Clone(signed)
	tampered[i] = 'X'
	if rep := run(t, tampered, verify.Options{Roots: e.roots()}); rep.Valid || !hasCode(rep, verify.CodeDigestMismatch) {
		t.Errorf("tampered NSS-signed PDF: valid %v, %v; want digest_mismatch", rep.Valid, codes(rep))
	}
}
