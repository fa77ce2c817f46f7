package pades_test

import (
	"bytes"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/docflow/docflow/api/errcode"
	"github.com/docflow/docflow/services/internal/errs"
	"github.com/docflow/docflow/services/signing/devpki"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/pades/padestest"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
)

func TestSignedPDFIsValidForIndependentTools(t *testing.T) {
	t.Parallel()
	docs := []struct {
		name string
		pdf  func(t *testing.T) []byte
	}{
		{"one page, xref table", func(t *testing.T) []byte { return pdftest.Document(t, "Quyet dinh phe duyet") }},
		{"three pages, xref table", func(t *testing.T) []byte { return pdftest.Document(t, "Trang 1", "Trang 2", "Trang 3") }},
		{"object streams, xref stream", func(t *testing.T) []byte {
			return pdftest.ObjectStreams(t, pdftest.Document(t, "Cong van", "Phu luc"))
		}},
	}
	for _, level := range pades.Levels {
		for _, doc := range docs {
			t.Run(string(level)+"/"+doc.name, func(t *testing.T) {
				t.Parallel()
				tr := newTrust(t)
				src := doc.pdf(t)
				pdftest.QPDFCheck(t, src)

				before := time.Now()
				signed, sig := padestest.MustSign(t, src, padestest.Request(tr, "chuyenvien1", level))
				checkSigned(t, tr, src, signed, sig, level, before)
			})
		}
	}
}

// checkSigned judges a PDF signed once at level by chuyenvien1 with every
// independent tool.
// revocationGood is pdfcpu's report of a revocation check that found the
// certificate good, online.
var revocationGood = regexp.MustCompile(`Reason: (CRL|OCSP): certificate status good`)

func checkSigned(t *testing.T, tr *pdftest.Trust, src, signed []byte, sig pades.Signature, level pades.Level, before time.Time) {
	t.Helper()
	if !bytes.HasPrefix(signed, src) {
		t.Error("signed PDF does not start with the original bytes: it must be an incremental update")
	}
	if sig.Size != int64(len(signed)) {
		t.Errorf("Signature.Size = %d, wrote %d bytes", sig.Size, len(signed))
	}
	if sig.Level != level || sig.SubFilter != "ETSI.CAdES.detached" || sig.SignerName != "Nguyễn Văn An" {
		t.Errorf("Signature = %+v", sig)
	}
	if sig.SignedAt.Before(before.Add(-time.Second)) || sig.SignedAt.After(time.Now()) {
		t.Errorf("SignedAt = %v, want about now", sig.SignedAt)
	}
	timestamped := level != pades.LevelBB
	if got := !sig.Timestamped.IsZero(); got != timestamped {
		t.Errorf("Timestamped = %v at %s", sig.Timestamped, level)
	}
	if got := !sig.DocumentTimestamped.IsZero(); got != (level == pades.LevelBLTA) {
		t.Errorf("DocumentTimestamped = %v at %s", sig.DocumentTimestamped, level)
	}
	// One revision for the signature, one for the DSS, one for the
	// document timestamp.
	wantRevisions := map[pades.Level]int{pades.LevelBB: 1, pades.LevelBT: 1, pades.LevelBLT: 2, pades.LevelBLTA: 3}[level]
	if got := revisions(signed) - revisions(src); got != wantRevisions {
		t.Errorf("%d revisions added, want %d", got, wantRevisions)
	}
	pdftest.QPDFCheck(t, signed)

	report := pdftest.PDFSig(t, signed, pdftest.NSSTrusting(t, tr.RootFile()))
	wantSigs := 1
	if level == pades.LevelBLTA {
		wantSigs = 2
	}
	if len(report.Signatures) != wantSigs {
		t.Fatalf("pdfsig found %d signatures, want %d:\n%s", len(report.Signatures), wantSigs, report.Output)
	}
	mustContain(t, "pdfsig", report.Signatures[0],
		"Signature Validation: Signature is Valid.",
		"Certificate Validation: Certificate is Trusted.",
		"Signature Type: ETSI.CAdES.detached",
		"Signer Certificate Common Name: Nguyễn Văn An",
	)
	content, end := signedBytes(t, signed, report.Signatures[0])
	if level == pades.LevelBB || level == pades.LevelBT {
		mustContain(t, "pdfsig", report.Signatures[0], "Total document signed")
	} else {
		// The DSS (and the document timestamp) come after the signature:
		// what it covers ends with its own revision.
		mustContain(t, "pdfsig", report.Signatures[0], "Not total document signed")
		if !bytes.HasSuffix(signed[:end], []byte("%%EOF\n")) || !bytes.Contains(signed[end:], []byte("/DSS")) {
			t.Errorf("the signature covers up to byte %d, which is not the end of its revision followed by the DSS", end)
		}
	}

	cms := pdftest.DumpSignatures(t, signed)
	if len(cms) != wantSigs {
		t.Fatalf("pdfsig dumped %d signatures", len(cms))
	}
	opensslVerifyCMS(t, cms[0], content, tr.RootFile())
	attrs := signedAttributes(t, pdftest.CMSPrint(t, cms[0]))
	// PAdES baseline forbids the CMS signing-time attribute (the time is in
	// the signature dictionary) and requires signing-certificate-v2.
	if strings.Contains(attrs, "1.2.840.113549.1.9.5") || strings.Contains(attrs, "signingTime") {
		t.Errorf("CMS carries a signing-time attribute:\n%s", attrs)
	}
	if !strings.Contains(attrs, "1.2.840.113549.1.9.16.2.47") && !strings.Contains(attrs, "signingCertificateV2") {
		t.Errorf("CMS has no signing-certificate-v2 attribute:\n%s", attrs)
	}

	if timestamped {
		token, value := signatureTimestamp(t, cms[0])
		text := opensslVerifyToken(t, token, value, tr.RootFile())
		mustContain(t, "the signature timestamp", text, "Policy OID: 1.3.6.1.4.1.32473.1.1", "TSA: DirName:")
	}

	if level == pades.LevelBLTA {
		// Poppler 22 does not verify document timestamps (it prints
		// "Signature Type: unknown"); openssl checks the token below.
		mustContain(t, "pdfsig", report.Signatures[1], "Signer Certificate Common Name: "+devpki.TSACommonName, "Total document signed")
		docContent, _ := signedBytes(t, signed, report.Signatures[1])
		if !bytes.Contains(docContent, []byte("/DSS")) {
			t.Error("the document timestamp does not cover the DSS")
		}
		opensslVerifyToken(t, cms[1], docContent, tr.RootFile())
	}

	if level == pades.LevelBLT || level == pades.LevelBLTA {
		d := qpdfDSS(t, signed)
		checkDSS(t, tr, d, "chuyenvien1")
		// The signer's and the TSA's certificates share the root's CRL.
		if len(d.CRLs) != 1 {
			t.Errorf("DSS holds %d CRLs, want the root's once", len(d.CRLs))
		}
	}

	// pdfcpu checks revocation online, at the trust services the
	// certificates name; at B-LT it still reports the embedded OCSP
	// responses as inconclusive ("applicability unavailable") when offline.
	out := pdfcpuValidate(t, signed, tr.RootFile(), true)
	if got := strings.Count(out, "Status: signature is valid"); got != wantSigs {
		t.Errorf("pdfcpu finds %d valid signatures, want %d:\n%s", got, wantSigs, out)
	}
	mustContain(t, "pdfcpu", out, "SubFilter:      ETSI.CAdES.detached")
	// pdfcpu asks the CRL distribution point or the OCSP responder the
	// certificate names, whichever it settles on first (it varies from run
	// to run); either must say the certificate is good.
	if !revocationGood.MatchString(out) {
		t.Errorf("pdfcpu does not find the signer's certificate good at the trust services:\n%s", out)
	}
	if timestamped && strings.Contains(out, "Timestamp:      false") {
		t.Errorf("pdfcpu sees no signature timestamp:\n%s", out)
	}
	if level == pades.LevelBLTA {
		mustContain(t, "pdfcpu", out, "Type: document timestamp (locally validated", "Reason: document has not been modified")
	}
}

// checkDSS asserts that the DSS holds the chains of the signer and of the
// TSA, and an OCSP response and CRL saying neither is revoked.
func checkDSS(t *testing.T, tr *pdftest.Trust, d dss, usernames ...string) {
	t.Helper()
	want := []*x509.Certificate{tr.PKI.Root, tr.PKI.TSA.Cert}
	for _, u := range usernames {
		want = append(want, tr.PKI.Users[u].Cert)
	}
	for _, c := range want {
		if !slices.ContainsFunc(d.Certs, func(der []byte) bool { return bytes.Equal(der, c.Raw) }) {
			t.Errorf("DSS /Certs lacks %q", c.Subject.CommonName)
		}
		if c == tr.PKI.Root {
			continue
		}
		good := slices.ContainsFunc(d.OCSPs, func(der []byte) bool {
			r, err := ocsp.ParseResponseForCert(der, c, tr.PKI.Root)
			return err == nil && r.Status == ocsp.Good
		})
		if !good {
			t.Errorf("DSS /OCSPs has no good status for %q", c.Subject.CommonName)
		}
	}
	// One CRL per DSS update: a later signature brings the CRL current then.
	if len(d.CRLs) == 0 {
		t.Error("DSS holds no CRL")
	}
	for _, der := range d.CRLs {
		crl, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatal(err)
		}
		if err := crl.CheckSignatureFrom(tr.PKI.Root); err != nil {
			t.Errorf("DSS CRL is not the root's: %v", err)
		}
	}
}

// The organisation seal and the number are added after the personal
// signature; the personal signature must survive them, at every level.
func TestLaterSignatureKeepsEarlierValid(t *testing.T) {
	t.Parallel()
	for _, level := range []pades.Level{pades.LevelBB, pades.LevelBLT} {
		t.Run(string(level), func(t *testing.T) {
			t.Parallel()
			tr := newTrust(t)
			first, _ := padestest.MustSign(t, pdftest.Document(t, "To trinh"), padestest.Request(tr, "lanhdao", level))
			second, _ := padestest.MustSign(t, first, padestest.Request(tr, "vanthu", level))

			pdftest.QPDFCheck(t, second)
			report := pdftest.PDFSig(t, second, pdftest.NSSTrusting(t, tr.RootFile()))
			if len(report.Signatures) != 2 {
				t.Fatalf("pdfsig found %d signatures:\n%s", len(report.Signatures), report.Output)
			}
			for i, s := range report.Signatures {
				if !strings.Contains(s, "Signature is Valid.") || !strings.Contains(s, "Certificate is Trusted.") {
					t.Errorf("signature %d is not valid after the later one was added:\n%s", i+1, report.Output)
				}
			}
			if level == pades.LevelBB {
				mustContain(t, "pdfsig", report.Signatures[1], "Total document signed")
				return
			}
			// Each signature's revision is followed by its DSS update; the
			// second DSS keeps what the first held and adds the second
			// signer's validation data.
			_, end := signedBytes(t, second, report.Signatures[1])
			if !bytes.HasPrefix(second[:end], first) {
				t.Error("the second signature does not cover the first signature's DSS")
			}
			checkDSS(t, tr, qpdfDSS(t, second), "lanhdao", "vanthu")
		})
	}
}

// deadURL is an address where nothing listens any more.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/tsa"
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return url
}

func TestTimestampAuthorities(t *testing.T) {
	t.Parallel()
	unavailable := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(unavailable.Close)
	// Answers 200 with something that is not a timestamp: asking it again
	// cannot help.
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/timestamp-reply")
		_, _ = w.Write([]byte("not a timestamp"))
	}))
	t.Cleanup(garbage.Close)

	t.Run("the first that answers is used", func(t *testing.T) {
		t.Parallel()
		tr := newTrust(t)
		req := padestest.Request(tr, "lanhdao", pades.LevelBT)
		req.TSAURLs = []string{deadURL(t), unavailable.URL, garbage.URL, tr.URL + devpki.TSAPath}
		signed, sig := padestest.MustSign(t, pdftest.Document(t, "Thong bao"), req)
		if sig.Timestamped.IsZero() {
			t.Error("no timestamp time reported")
		}
		report := pdftest.PDFSig(t, signed, pdftest.NSSTrusting(t, tr.RootFile()))
		mustContain(t, "pdfsig", report.Output, "Signature is Valid.", "Total document signed")
		token, value := signatureTimestamp(t, pdftest.DumpSignatures(t, signed)[0])
		opensslVerifyToken(t, token, value, tr.RootFile())
	})

	for _, level := range []pades.Level{pades.LevelBT, pades.LevelBLT, pades.LevelBLTA} {
		t.Run("none answers at "+string(level), func(t *testing.T) {
			t.Parallel()
			tr := newTrust(t)
			req := padestest.Request(tr, "lanhdao", level)
			dead := deadURL(t)
			req.TSAURLs = []string{dead, unavailable.URL, garbage.URL}
			e := signRefused(t, pdftest.Document(t, "Thong bao"), req)
			if e.Kind != errs.Unavailable || e.Code != errcode.Unavailable {
				t.Fatalf("Sign = %v, want an Unavailable error", e)
			}
			// Every server is named; the ones that may recover are asked
			// twice, the one that answered nonsense once.
			for _, want := range []string{
				dead + " (attempt 1", dead + " (attempt 2",
				unavailable.URL + " (attempt 1: HTTP 503", unavailable.URL + " (attempt 2: HTTP 503",
				garbage.URL + " (attempt 1: no timestamp in the reply",
			} {
				if !strings.Contains(e.Message, want) {
					t.Errorf("error does not say %q: %s", want, e.Message)
				}
			}
			if strings.Contains(e.Message, garbage.URL+" (attempt 2") {
				t.Errorf("a server that answered nonsense was asked again: %s", e.Message)
			}
		})
	}
}

func TestLongTermNeedsRevocationStatus(t *testing.T) {
	t.Parallel()
	t.Run("revoked signer", func(t *testing.T) {
		t.Parallel()
		tr := newTrust(t)
		cert := tr.PKI.Users["chuyenvien2"].Cert
		tr.Services.Revoke(cert.SerialNumber, time.Now().Add(-time.Hour), ocsp.KeyCompromise)
		e := signRefused(t, pdftest.Document(t, "Bao cao"), padestest.Request(tr, "chuyenvien2", pades.LevelBLT))
		if e.Kind != errs.Invalid || !strings.Contains(e.Message, `certificate of "Lê Thị Bình" was revoked`) {
			t.Fatalf("Sign = %v, want an Invalid error saying the certificate was revoked", e)
		}
	})
	t.Run("responder down", func(t *testing.T) {
		t.Parallel()
		tr := newTrust(t)
		req := padestest.Request(tr, "chuyenvien2", pades.LevelBLT)
		dead := deadURL(t)
		req.Revocation = &pades.HTTPRevocation{OCSPURL: dead}
		e := signRefused(t, pdftest.Document(t, "Bao cao"), req)
		if e.Kind != errs.Unavailable || !strings.Contains(e.Message, dead) {
			t.Fatalf("Sign = %v, want an Unavailable error naming %s", e, dead)
		}
	})
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
		{"unknown level", valid, func(r *pades.Request, _ *devpki.PKI) { r.Level = "B-X" }, errcode.InvalidArgument, `unknown PAdES level "B-X"`},
		{"B-T without a TSA", valid, func(r *pades.Request, _ *devpki.PKI) { r.Level, r.TSAURLs = pades.LevelBT, nil }, errcode.InvalidArgument, "B-T needs a timestamp authority"},
		{"TSA URL not http", valid, func(r *pades.Request, _ *devpki.PKI) { r.Level, r.TSAURLs = pades.LevelBT, []string{"ftp://tsa"} }, errcode.InvalidArgument, `"ftp://tsa" is not an http(s) URL`},
		{"B-LT without revocation source", valid, func(r *pades.Request, _ *devpki.PKI) { r.Level, r.Revocation = pades.LevelBLT, nil }, errcode.InvalidArgument, "B-LT needs a source of OCSP responses and CRLs"},
		{"key of another person", valid, func(r *pades.Request, p *devpki.PKI) { r.Key = p.Users["vanthu"].Key }, errcode.InvalidArgument, "does not belong to the certificate"},
		{"no key", valid, func(r *pades.Request, _ *devpki.PKI) { r.Key = nil }, errcode.InvalidArgument, "no private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr := newTrust(t)
			req := padestest.Request(tr, "lanhdao", pades.LevelBB)
			if tt.req != nil {
				tt.req(&req, tr.PKI)
			}
			e := signRefused(t, tt.pdf, req)
			if e.Kind != errs.Invalid || e.Code != tt.wantCode {
				t.Errorf("error kind %v code %q, want invalid %q", e.Kind, e.Code, tt.wantCode)
			}
			if !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("message %q does not say %q", e.Message, tt.wantMsg)
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
		{"B-T", pades.LevelBT, true, false},
		{"B-LT", pades.LevelBLT, true, false},
		{"B-LTA", pades.LevelBLTA, true, false},
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
