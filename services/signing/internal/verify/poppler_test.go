package verify_test

import (
	"os"
	"path/filepath"
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
	nss := pdftest.NSSWithSigner(t, e.RootFile(), e.PKI.Users["lanhdao"].P12File, devpki.P12Password)
	dir := t.TempDir()
	in, out := pdftest.WriteFile(t, dir, "in.pdf", pdftest.Document(t, "Quyet dinh phe duyet")), filepath.Join(dir, "out.pdf")
	// poppler 22.12 sizes the placeholder from a trial signature and gives
	// up when the real ECDSA signature comes out a byte longer, about every
	// other time; the signature it does write is what is under test.
	var msg string
	for range 20 {
		_ = os.Remove(out)
		var err error
		if msg, err = pdftest.ToolResult(t, dir, "pdfsig", "-nssdir", "sql:"+nss.Dir, "-add-signature", "-nick", nss.Nick, in, out); err == nil {
			break
		}
	}
	signed, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("pdfsig did not sign in 20 attempts: %s", msg)
	}

	rep := run(t, signed, verify.Options{Roots: e.Roots()})
	if !rep.Valid || len(rep.Signatures) != 1 {
		t.Fatalf("NSS signature not valid: %v", codes(rep))
	}
	s := rep.Signatures[0]
	if s.SubFilter != "adbe.pkcs7.detached" || !s.Integrity.DigestMatches || !s.Integrity.SignatureVerifies || !s.Chain.Trusted {
		t.Errorf("signature verdict %+v", s)
	}

	if rep := run(t, pdftest.Tamper(t, signed, "Quyet dinh"), verify.Options{Roots: e.Roots()}); rep.Valid || !hasCode(rep, verify.CodeDigestMismatch) {
		t.Errorf("tampered NSS-signed PDF: valid %v, %v; want digest_mismatch", rep.Valid, codes(rep))
	}
}
