package pades_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
)

func pki(t *testing.T) *devpki.PKI {
	t.Helper()
	p, err := devpki.Init(filepath.Join(t.TempDir(), "pki"), devpki.DemoOptions(), time.Now())
	if err != nil {
		t.Fatalf("development PKI: %v", err)
	}
	return p
}

func request(t *testing.T, p *devpki.PKI, username string) pades.Request {
	t.Helper()
	id := p.Users[username]
	return pades.Request{
		Key:      id.Key,
		Cert:     id.Cert,
		Chain:    p.Chain(),
		Reason:   "Phê duyệt văn bản",
		Location: "Hà Nội",
		Level:    pades.LevelBB,
	}
}

func sign(t *testing.T, pdf []byte, req pades.Request) ([]byte, pades.Signature) {
	t.Helper()
	var out bytes.Buffer
	sig, err := pades.NewPDFSign().Sign(t.Context(), bytes.NewReader(pdf), int64(len(pdf)), &out, req)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return out.Bytes(), sig
}

func TestSignedPDFIsValidForIndependentTools(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pdf  func(t *testing.T) []byte
	}{
		{"one page, xref table", func(t *testing.T) []byte { return pdftest.Document(t, "Quyet dinh phe duyet") }},
		{"three pages, xref table", func(t *testing.T) []byte { return pdftest.Document(t, "Trang 1", "Trang 2", "Trang 3") }},
		{"object streams, xref stream", func(t *testing.T) []byte {
			return pdftest.ObjectStreams(t, pdftest.Document(t, "Cong van", "Phu luc"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := pki(t)
			src := tt.pdf(t)
			pdftest.QPDFCheck(t, src)

			before := time.Now()
			signed, sig := sign(t, src, request(t, p, "chuyenvien1"))

			if !bytes.HasPrefix(signed, src) {
				t.Error("signed PDF does not start with the original bytes: it must be an incremental update")
			}
			if sig.Size != int64(len(signed)) {
				t.Errorf("Signature.Size = %d, wrote %d bytes", sig.Size, len(signed))
			}
			if sig.Level != pades.LevelBB || sig.SubFilter != "ETSI.CAdES.detached" || sig.SignerName != "Nguyễn Văn An" {
				t.Errorf("Signature = %+v", sig)
			}
			if sig.SignedAt.Before(before.Add(-time.Second)) || sig.SignedAt.After(time.Now()) {
				t.Errorf("SignedAt = %v, want about now", sig.SignedAt)
			}

			pdftest.QPDFCheck(t, signed)
			report := pdftest.PDFSig(t, signed, pdftest.NSSTrusting(t, p.Dir+"/root.crt"))
			if len(report.Signatures) != 1 {
				t.Fatalf("pdfsig found %d signatures:\n%s", len(report.Signatures), report.Output)
			}
			for _, want := range []string{
				"Signature is Valid.",
				"Certificate is Trusted.",
				"Total document signed",
				"Signature Type: ETSI.CAdES.detached",
				"Signer Certificate Common Name: Nguyễn Văn An",
			} {
				if !strings.Contains(report.Signatures[0], want) {
					t.Errorf("pdfsig does not report %q:\n%s", want, report.Output)
				}
			}

			cms := pdftest.DumpSignatures(t, signed)
			if len(cms) != 1 {
				t.Fatalf("pdfsig dumped %d signatures", len(cms))
			}
			printed := pdftest.CMSPrint(t, cms[0])
			// PAdES baseline forbids the CMS signing-time attribute (the time
			// is in the signature dictionary) and requires signing-certificate-v2.
			if strings.Contains(printed, "1.2.840.113549.1.9.5") || strings.Contains(printed, "signingTime") {
				t.Error("CMS carries a signing-time attribute")
			}
			if !strings.Contains(printed, "1.2.840.113549.1.9.16.2.47") && !strings.Contains(printed, "signingCertificateV2") {
				t.Errorf("CMS has no signing-certificate-v2 attribute:\n%s", printed)
			}
		})
	}
}

// The organisation seal and the number are added after the personal
// signature; the personal signature must survive them.
func TestLaterSignatureKeepsEarlierValid(t *testing.T) {
	t.Parallel()
	p := pki(t)
	first, _ := sign(t, pdftest.Document(t, "To trinh"), request(t, p, "lanhdao"))
	second, _ := sign(t, first, request(t, p, "vanthu"))

	pdftest.QPDFCheck(t, second)
	report := pdftest.PDFSig(t, second, pdftest.NSSTrusting(t, p.Dir+"/root.crt"))
	if len(report.Signatures) != 2 {
		t.Fatalf("pdfsig found %d signatures:\n%s", len(report.Signatures), report.Output)
	}
	for i, s := range report.Signatures {
		if !strings.Contains(s, "Signature is Valid.") {
			t.Errorf("signature %d is not valid after the later one was added:\n%s", i+1, report.Output)
		}
	}
	if !strings.Contains(report.Signatures[1], "Total document signed") {
		t.Errorf("the last signature does not cover the whole document:\n%s", report.Output)
	}
}

func TestSignRefusesWhatCannotBeSigned(t *testing.T) {
	t.Parallel()
	valid := pdftest.Document(t, "Bao cao")
	tests := []struct {
		name     string
		pdf      []byte
		req      func(r *pades.Request, p *devpki.PKI)
		wantCode errcode.Code
		wantMsg  string
	}{
		{"empty file", nil, nil, errcode.EmptyFile, "empty"},
		{"not a PDF", []byte("PK\x03\x04 this is a zip file"), nil, errcode.NotPDF, "missing %PDF header"},
		{"header then garbage", []byte("%PDF-1.7\nnothing else here\n"), nil, errcode.MalformedPDF, "structure is damaged"},
		{"truncated", valid[:len(valid)/2], nil, errcode.MalformedPDF, "structure is damaged"},
		{"xref points nowhere", bytes.Replace(valid, []byte("startxref\n"), []byte("startxref\n9"), 1), nil, errcode.MalformedPDF, "structure is damaged"},
		{"level not available yet", valid, func(r *pades.Request, _ *devpki.PKI) { r.Level = pades.LevelBLT }, errcode.InvalidArgument, "B-LT is not available yet"},
		{"key of another person", valid, func(r *pades.Request, p *devpki.PKI) { r.Key = p.Users["vanthu"].Key }, errcode.InvalidArgument, "does not belong to the certificate"},
		{"no key", valid, func(r *pades.Request, _ *devpki.PKI) { r.Key = nil }, errcode.InvalidArgument, "no private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := pki(t)
			req := request(t, p, "lanhdao")
			if tt.req != nil {
				tt.req(&req, p)
			}
			var out bytes.Buffer
			_, err := pades.NewPDFSign().Sign(t.Context(), bytes.NewReader(tt.pdf), int64(len(tt.pdf)), &out, req)
			var e *errs.Error
			if !errors.As(err, &e) {
				t.Fatalf("Sign = %v, want a classified error", err)
			}
			if e.Kind != errs.Invalid || e.Code != tt.wantCode {
				t.Errorf("error kind %v code %q, want invalid %q", e.Kind, e.Code, tt.wantCode)
			}
			if !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("message %q does not say %q", e.Message, tt.wantMsg)
			}
			if out.Len() != 0 {
				t.Errorf("%d bytes written for a refused signature", out.Len())
			}
		})
	}
}

func TestParseLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		want      pades.Level
		available bool
		wantErr   bool
	}{
		{"B-B", pades.LevelBB, true, false},
		{"B-T", pades.LevelBT, false, false},
		{"B-LT", pades.LevelBLT, false, false},
		{"B-LTA", pades.LevelBLTA, false, false},
		{"b-b", "", false, true},
		{"PAdES-B", "", false, true},
		{"", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := pades.ParseLevel(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseLevel(%q) error = %v", tt.in, err)
			}
			if err != nil {
				if errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "use one of B-B") {
					t.Errorf("error %v is not an Invalid error naming the levels", err)
				}
				return
			}
			if got != tt.want || got.Available() != tt.available || (got.CheckAvailable() == nil) != tt.available {
				t.Errorf("ParseLevel(%q) = %q available %v", tt.in, got, got.Available())
			}
		})
	}
}
