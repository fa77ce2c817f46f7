package csc_test

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/internal/keys"
	"github.com/docflow/docflow/services/signing/internal/keys/keystest"
	"github.com/docflow/docflow/services/signing/internal/pades/padestest"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
	"github.com/docflow/docflow/services/signing/internal/remote"
	"github.com/docflow/docflow/services/signing/internal/remote/csc"
)

const accessToken = "4/CKN69L8gdSYp5_pwH3XlFQZ3ndFhkXf9P2_TiHRG-bA"

type fixture struct {
	rssp *rssp
	pki  *devpki.PKI
	src  *remote.Source
}

func setup(t *testing.T, token string, wait remote.Wait) fixture {
	t.Helper()
	p := pdftest.PKI(t, time.Now())
	r := newRSSP(t, accessToken)
	for _, user := range []string{"lanhdao", "chuyenvien1"} {
		id := p.Users[user]
		r.add(&rsspCredential{
			id: "GX-" + user, user: user, key: id.Key, hash: crypto.SHA256,
			signAlgo: "1.2.840.10045.4.3.2", chain: []*x509.Certificate{id.Cert, p.Root},
		})
	}
	r.add(&rsspCredential{
		id: "GX-vanthu", user: "vanthu", key: p.Users["vanthu"].Key, hash: crypto.SHA256,
		signAlgo: "1.2.840.10045.4.3.2", chain: []*x509.Certificate{p.Users["vanthu"].Cert}, status: "disabled",
	})
	client, err := csc.New(csc.Config{
		BaseURL:     r.srv.URL + "/csc/v2",
		Token:       token,
		HTTPClient:  r.srv.Client(),
		Description: "docflow: Quyết định 12/QĐ-UBND",
	}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	return fixture{rssp: r, pki: p, src: remote.NewSource(client, wait, nil)}
}

var quick = remote.Wait{Timeout: 20 * time.Second, Interval: 5 * time.Millisecond}

// answer plays the person: it takes the next push and gives decision.
func answer(t *testing.T, r *rssp, decision string) <-chan *authorization {
	t.Helper()
	seen := make(chan *authorization, 1)
	go func() {
		select {
		case a := <-r.pushes:
			if decision != "" {
				r.decide(a, decision)
			}
			seen <- a
		case <-t.Context().Done():
		}
	}()
	return seen
}

func signPDF(t *testing.T, cred keys.Credential, pdf []byte) ([]byte, error) {
	t.Helper()
	out, _, err := padestest.Sign(t, pdf, padestest.CredentialRequest(cred))
	if err != nil && len(out) != 0 {
		t.Errorf("%d bytes written for a signature that failed", len(out))
	}
	return out, err
}

func TestPDFSignedAfterApprovalOnDevice(t *testing.T) {
	t.Parallel()
	f := setup(t, accessToken, quick)
	cred, err := f.src.Lookup(t.Context(), "lanhdao")
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if !cred.Cert.Equal(f.pki.Users["lanhdao"].Cert) || len(cred.Chain) != 1 || !cred.Chain[0].Equal(f.pki.Root) {
		t.Fatal("the credential does not carry the certificate and chain of credentials/info")
	}
	pushed := answer(t, f.rssp, "approved")

	signed, err := signPDF(t, cred, pdftest.Document(t, "Quyet dinh ky tu xa"))
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	report := pdftest.PDFSig(t, signed, pdftest.NSSTrusting(t, filepath.Join(f.pki.Dir, "root.crt")))
	if len(report.Signatures) != 1 {
		t.Fatalf("pdfsig found %d signatures:\n%s", len(report.Signatures), report.Output)
	}
	for _, want := range []string{"Signature is Valid.", "Certificate is Trusted.", "Total document signed", "Signer Certificate Common Name: Phạm Minh Đức"} {
		if !strings.Contains(report.Signatures[0], want) {
			t.Errorf("pdfsig does not report %q:\n%s", want, report.Output)
		}
	}

	a := <-pushed
	if h, err := base64.StdEncoding.DecodeString(a.hashes[0]); err != nil || len(h) != sha256.Size {
		t.Errorf("the person was asked to approve %q, not one SHA-256 hash", a.hashes)
	}
	if !strings.Contains(a.description, "Quyết định 12/QĐ-UBND") || !strings.Contains(a.description, "lanhdao") {
		t.Errorf("the device shows %q: it should name the document and the signer", a.description)
	}
	calls := f.rssp.methodsCalled()
	for _, m := range []string{"credentials/list", "credentials/info", "credentials/authorize", "credentials/authorizeCheck", "signatures/signHash"} {
		if !slices.Contains(calls, m) {
			t.Errorf("%s was not called (calls: %v)", m, calls)
		}
	}
}

func TestRefusalAndExpiryAreFinal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		decision string // "" leaves the request unanswered
		wait     remote.Wait
		want     error
		wantKind errs.Kind
		wantMsg  string
	}{
		{"refused on the device", "refused", quick, remote.ErrRefused, errs.Forbidden, "declined"},
		{"lapsed at the service", "lapsed", quick, remote.ErrExpired, errs.Conflict, "did not approve"},
		{"no answer within our wait", "", remote.Wait{Timeout: 300 * time.Millisecond, Interval: 5 * time.Millisecond}, remote.ErrExpired, errs.Conflict, "no approval within 300ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t, accessToken, tt.wait)
			cred, err := f.src.Lookup(t.Context(), "chuyenvien1")
			if err != nil {
				t.Fatal(err)
			}

			// The key on its own: the error says what happened.
			answer(t, f.rssp, tt.decision)
			d := sha256.Sum256([]byte("Công văn"))
			_, err = cred.Key.Sign(rand.Reader, d[:], crypto.SHA256)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Sign = %v, want %v", err, tt.want)
			}
			var e *errs.Error
			if !errors.As(err, &e) || e.Kind != tt.wantKind || !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("error %v, want kind %v saying %q", err, tt.wantKind, tt.wantMsg)
			}

			// Through the PDF signer the outcome is still recognisable, and
			// nothing is written.
			answer(t, f.rssp, tt.decision)
			if _, err := signPDF(t, cred, pdftest.Document(t, "Cong van")); !errors.Is(err, tt.want) {
				t.Errorf("pades Sign = %v, want %v in its chain", err, tt.want)
			}
			if slices.Contains(f.rssp.methodsCalled(), "signatures/signHash") {
				t.Error("signHash was called without approval")
			}
		})
	}
}

func TestSignatureOfAnotherKeyIsCaught(t *testing.T) {
	t.Parallel()
	f := setup(t, accessToken, quick)
	f.rssp.corrupt = true
	cred, err := f.src.Lookup(t.Context(), "lanhdao")
	if err != nil {
		t.Fatal(err)
	}
	answer(t, f.rssp, "approved")
	d := sha256.Sum256([]byte("Tờ trình"))
	_, err = cred.Key.Sign(rand.Reader, d[:], crypto.SHA256)
	if err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("Sign = %v, want a signature that does not verify to be refused", err)
	}
}

func TestLookupWithoutUsableCredential(t *testing.T) {
	t.Parallel()
	f := setup(t, accessToken, quick)
	keystest.CheckRefusals(t, func(*testing.T, func() time.Time) keys.Source { return f.src }, []keystest.Refusal{
		{Name: "not enrolled", Username: "giamdoc", Kind: errs.NotFound, Msg: "has no signing credential"},
		{Name: "key disabled", Username: "vanthu", Kind: errs.NotFound, Msg: "key is disabled"},
		{Name: "not a username", Username: "../x", Kind: errs.Invalid, Msg: "not a valid username"},
	})
}

func TestRejectedAccessTokenIsAnOperatorError(t *testing.T) {
	t.Parallel()
	f := setup(t, "expired-token", quick)
	_, err := f.src.Lookup(t.Context(), "lanhdao")
	if err == nil || errors.Is(err, keys.ErrNoSigningKey) {
		t.Fatalf("Lookup = %v, want an error about the access token", err)
	}
	if errs.KindOf(err) != errs.Unavailable || !strings.Contains(err.Error(), "access token") {
		t.Errorf("error %v (kind %v) does not say the access token was refused", err, errs.KindOf(err))
	}
}
