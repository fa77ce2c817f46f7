// Package padestest signs PDFs in tests with the signer the service uses,
// with the development PKI's keys and trust services. It is apart from
// pdftest, which the pades package's own tests import and which therefore
// cannot import pades.
package padestest

import (
	"bytes"
	"testing"

	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/internal/keys"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
)

// Request asks for a signature at level with username's development key,
// its timestamps and revocation data coming from tr's services.
func Request(tr *pdftest.Trust, username string, level pades.Level) pades.Request {
	id := tr.PKI.Users[username]
	req := CredentialRequest(keys.Credential{Username: username, Cert: id.Cert, Key: id.Key, Chain: tr.PKI.Chain()})
	req.Level = level
	req.TSAURLs = []string{tr.URL + devpki.TSAPath}
	req.Revocation = &pades.HTTPRevocation{OCSPURL: tr.URL + devpki.OCSPPath, CRLURLs: []string{tr.URL + devpki.CRLPath}}
	return req
}

// CredentialRequest asks for a B-B signature with cred, as a key source
// hands it out.
func CredentialRequest(cred keys.Credential) pades.Request {
	return pades.Request{
		Key: cred.Key, Cert: cred.Cert, Chain: cred.Chain,
		Reason: "Phê duyệt văn bản", Location: "Hà Nội", Level: pades.LevelBB,
	}
}

// Sign signs pdf as req asks and returns what the signer wrote; the error
// is the signer's.
func Sign(t testing.TB, pdf []byte, req pades.Request) ([]byte, pades.Signature, error) {
	t.Helper()
	var out bytes.Buffer
	sig, err := pades.NewPDFSign().Sign(t.Context(), bytes.NewReader(pdf), int64(len(pdf)), &out, req)
	return out.Bytes(), sig, err
}

// MustSign is Sign failing the test when the signer fails.
func MustSign(t testing.TB, pdf []byte, req pades.Request) ([]byte, pades.Signature) {
	t.Helper()
	signed, sig, err := Sign(t, pdf, req)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return signed, sig
}
