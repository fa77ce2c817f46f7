package verify_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
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
	"github.com/docflow/docflow/services/signing/internal/verify"
)

func TestValidSignatures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name  string
		pdf   func(t *testing.T) []byte
		level pades.Level
	}{
		{"B-B, cross-reference table", func(t *testing.T) []byte { return pdftest.Document(t, "Quyet dinh phe duyet") }, pades.LevelBB},
		{"B-B, object streams", func(t *testing.T) []byte {
			return pdftest.ObjectStreams(t, pdftest.Document(t, "Cong van", "Phu luc"))
		}, pades.LevelBB},
		{"B-T", func(t *testing.T) []byte { return pdftest.Document(t, "To trinh") }, pades.LevelBT},
		{"B-LT", func(t *testing.T) []byte { return pdftest.Document(t, "Ke hoach") }, pades.LevelBLT},
		{"B-LTA", func(t *testing.T) []byte { return pdftest.Document(t, "Bao cao") }, pades.LevelBLTA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := time.Now().Add(-time.Second)
			signed := e.sign(t, tt.pdf(t), "lanhdao", tt.level)
			after := time.Now().Add(time.Second)
			rep := run(t, signed, verify.Options{Roots: e.Roots()})

			if !rep.Valid {
				t.Fatalf("report is not valid: %v", codes(rep))
			}
			wantEntries := 1
			if tt.level == pades.LevelBLTA {
				wantEntries = 2 // the signature and the document timestamp
			}
			if rep.SignatureFields != wantEntries || rep.Verified != wantEntries || len(rep.Signatures) != wantEntries {
				t.Fatalf("fields %d, verified %d, entries %d; want %d", rep.SignatureFields, rep.Verified, len(rep.Signatures), wantEntries)
			}
			s := rep.Signatures[0]
			if s.Kind != verify.KindSignature || s.SubFilter != "ETSI.CAdES.detached" || string(s.Level) != string(tt.level) {
				t.Errorf("kind %s sub-filter %s level %s, want signature ETSI.CAdES.detached %s", s.Kind, s.SubFilter, s.Level, tt.level)
			}
			if s.Signer == nil || !strings.Contains(s.Signer.Subject, "Phạm Minh Đức") || s.Signer.Serial == "" {
				t.Errorf("signer = %+v", s.Signer)
			}
			if !s.Integrity.DigestMatches || !s.Integrity.SignatureVerifies || s.Integrity.DigestAlgorithm != "SHA-256" {
				t.Errorf("integrity = %+v", s.Integrity)
			}
			if !s.Coverage.WholeRevision || len(s.Coverage.ByteRange) != 4 || s.Coverage.ByteRange[0] != 0 {
				t.Errorf("coverage = %+v", s.Coverage)
			}
			if !s.Chain.Trusted || len(s.Chain.Path) != 2 || !s.CertValidAtTime || s.SigningCertificateAttr != "match" {
				t.Errorf("chain %+v, valid at time %v, ESS %s", s.Chain, s.CertValidAtTime, s.SigningCertificateAttr)
			}
			if s.ClaimedTime == nil || s.ClaimedTime.Before(before) || s.ClaimedTime.After(after) {
				t.Errorf("claimed time %v, want between %v and %v", s.ClaimedTime, before, after)
			}

			switch tt.level {
			case pades.LevelBB:
				if s.Timestamp != nil || s.TimeSource != "claimed" || s.Revocation.Status != "unknown" {
					t.Errorf("B-B: timestamp %+v, time source %s, revocation %+v", s.Timestamp, s.TimeSource, s.Revocation)
				}
				if !slices.Contains(codes(rep), "revocation_unknown/warning") {
					t.Errorf("B-B without revocation data: problems %v, want a revocation_unknown warning", codes(rep))
				}
			default:
				if s.Timestamp == nil || !s.Timestamp.Valid || !s.Timestamp.ImprintMatches || !s.Timestamp.TimeStampingEKU || !s.Timestamp.ChainTrusted {
					t.Fatalf("timestamp = %+v", s.Timestamp)
				}
				if s.TimeSource != "timestamp" || s.TimestampTime == nil || s.TimestampTime.Before(before) || s.TimestampTime.After(after) {
					t.Errorf("time source %s, timestamp time %v", s.TimeSource, s.TimestampTime)
				}
			}
			if tt.level == pades.LevelBLT || tt.level == pades.LevelBLTA {
				if s.Revocation.Status != "good" || !strings.HasPrefix(s.Revocation.Source, "dss_") {
					t.Errorf("revocation = %+v, want good from the DSS", s.Revocation)
				}
				if s.Coverage.WholeFile || s.Coverage.LaterChanges != "permitted" {
					t.Errorf("the validation data must be a permitted later revision: %+v", s.Coverage)
				}
			}
			if tt.level == pades.LevelBLTA {
				ts := rep.Signatures[1]
				if ts.Kind != verify.KindDocumentTimestamp || !ts.Valid || ts.SubFilter != "ETSI.RFC3161" || !ts.Coverage.WholeFile || ts.Timestamp == nil || !ts.Timestamp.Valid {
					t.Errorf("document timestamp = %+v", ts)
				}
			}
		})
	}
}

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

// The organisation seal follows the personal signature: both stay valid and
// the first one reports the second as a permitted later revision.
func TestSecondSignatureIsPermittedChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.sign(t, pdftest.Document(t, "To trinh"), "lanhdao", pades.LevelBB)
	second := e.sign(t, first, "vanthu", pades.LevelBB)
	rep := run(t, second, verify.Options{Roots: e.Roots()})

	if !rep.Valid || len(rep.Signatures) != 2 {
		t.Fatalf("valid %v with %d signatures: %v", rep.Valid, len(rep.Signatures), codes(rep))
	}
	one, two := rep.Signatures[0], rep.Signatures[1]
	if !strings.Contains(one.Signer.Subject, "Phạm Minh Đức") || !strings.Contains(two.Signer.Subject, "Trần Thị Thu") {
		t.Errorf("signers in order: %s, %s", one.Signer.Subject, two.Signer.Subject)
	}
	if one.Coverage.WholeFile || one.Coverage.LaterRevisions != 1 || one.Coverage.LaterChanges != "permitted" {
		t.Errorf("first signature coverage = %+v", one.Coverage)
	}
	if !slices.ContainsFunc(one.Coverage.Changes, func(c verify.Change) bool { return c.What == "signature" && c.Permitted }) {
		t.Errorf("the later revision is not reported as a further signature: %+v", one.Coverage.Changes)
	}
	if !two.Coverage.WholeFile || two.Coverage.LaterChanges != "none" || two.Coverage.RevisionEnd != int64(len(second)) {
		t.Errorf("second signature coverage = %+v", two.Coverage)
	}

	// The report is the stored JSON form: field names are the contract.
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var generic struct {
		Valid      bool `json:"valid"`
		Signatures []struct {
			Coverage struct {
				LaterChanges string `json:"later_changes"`
			} `json:"coverage"`
			Revocation struct {
				Status string `json:"status"`
			} `json:"revocation"`
		} `json:"signatures"`
	}
	if err := json.Unmarshal(data, &generic); err != nil {
		t.Fatal(err)
	}
	if !generic.Valid || generic.Signatures[0].Coverage.LaterChanges != "permitted" || generic.Signatures[0].Revocation.Status != "unknown" {
		t.Errorf("JSON form: %s", data)
	}
}

func TestTamperedDocumentsAreInvalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := pdftest.PKI(t, time.Now())
	base := pdftest.Document(t, "Quyet dinh phe duyet")
	signed := e.sign(t, base, "lanhdao", pades.LevelBB)
	_, sizeSigned, _ := trailerInfo(t, signed)
	cStart, _, derLen := contents(t, signed)
	// pdftest.Document numbers its objects: 1 catalog, 2 page tree,
	// 3 font, 4 page, 5 page content.
	root, _, _ := trailerInfo(t, signed)
	catalog := objectText(t, signed, root)
	fieldNum := fieldOf(t, signed)
	field := objectText(t, signed, fieldNum)

	tests := []struct {
		name string
		pdf  func(t *testing.T) []byte
		opts func(o *verify.Options)
		want string
	}{
		{"bytes appended after %%EOF", func(*testing.T) []byte {
			return append(slices.Clone(signed), "\nthis line was added after signing\n"...)
		}, nil, verify.CodeAppendedData},
		{"one byte changed inside the signed range", func(t *testing.T) []byte {
			return pdftest.Tamper(t, signed, "Quyet dinh phe duyet")
		}, nil, verify.CodeDigestMismatch},
		{"signature value (/V) removed from its field", func(t *testing.T) []byte {
			return appendUpdate(t, signed, map[int]string{fieldNum: removeEntry(t, field, "/V")})
		}, nil, verify.CodeSignatureOrphaned},
		{"field points to a signature that is not there", func(t *testing.T) []byte {
			return appendUpdate(t, signed, map[int]string{fieldNum: strings.Replace(field, removedValue(t, field), fmt.Sprintf("/V %d 0 R", sizeSigned+10), 1)})
		}, nil, verify.CodeSignatureMissing},
		{"CMS structure broken", func(*testing.T) []byte { return flipHex(signed, cStart) }, nil, verify.CodeCMSMalformed},
		{"CMS signature value broken", func(*testing.T) []byte { return flipHex(signed, cStart+2*derLen-1) }, nil, verify.CodeSignatureInvalid},
		{"truncated to half", func(*testing.T) []byte { return signed[:len(signed)/2] }, nil, verify.CodeTruncated},
		{"truncated inside the signature dictionary", func(*testing.T) []byte { return signed[:cStart+100] }, nil, verify.CodeTruncated},
		{"encrypted", func(t *testing.T) []byte { return encrypt(t, signed) }, nil, verify.CodeEncrypted},
		{"signer from an untrusted root", func(t *testing.T) []byte {
			id := other.Users["lanhdao"]
			untrusted, _ := padestest.MustSign(t, base, pades.Request{Key: id.Key, Cert: id.Cert, Chain: other.Chain(), Level: pades.LevelBB})
			return untrusted
		}, nil, verify.CodeChainUntrusted},
		{"page content rewritten in a later revision", func(t *testing.T) []byte {
			content := "BT /F1 14 Tf 72 770 Td (Quyet dinh huy bo) Tj ET"
			return appendUpdate(t, signed, map[int]string{5: fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content)})
		}, nil, verify.CodeDisallowedChange},
		{"page added in a later revision", func(t *testing.T) []byte {
			n := sizeSigned
			content := "BT /F1 14 Tf 72 770 Td (Trang them) Tj ET"
			return appendUpdate(t, signed, map[int]string{
				2:     fmt.Sprintf("<< /Type /Pages /Kids [4 0 R %d 0 R] /Count 2 >>", n),
				n:     fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>", n+1),
				n + 1: fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
			})
		}, nil, verify.CodeDisallowedChange},
		{"catalog given an action in a later revision", func(t *testing.T) []byte {
			return appendUpdate(t, signed, map[int]string{root: strings.Replace(catalog, "/Type /Catalog", "/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>", 1)})
		}, nil, verify.CodeDisallowedChange},
		{"revoked before signing (OCSP in the DSS)", func(t *testing.T) []byte {
			bt := e.sign(t, base, "chuyenvien2", pades.LevelBT)
			cert := e.PKI.Users["chuyenvien2"].Cert
			e.Services.Revoke(cert.SerialNumber, time.Now().Add(-time.Hour), ocsp.KeyCompromise)
			return withDSS(t, bt, e.ocspResponse(t, cert))
		}, nil, verify.CodeRevoked},
		{"below the required level", func(*testing.T) []byte { return signed }, func(o *verify.Options) { o.MinLevel = verify.LevelBT }, verify.CodeLevelInsufficient},
		{"no revocation data where the policy requires it", func(*testing.T) []byte { return signed }, func(o *verify.Options) { o.RequireRevocation = true }, verify.CodeRevocationUnknown},
		{"not signed", func(*testing.T) []byte { return base }, nil, verify.CodeNotSigned},
		{"not a PDF", func(*testing.T) []byte { return []byte("PK\x03\x04 a zip file") }, nil, verify.CodeNotPDF},
		{"empty", func(*testing.T) []byte { return nil }, nil, verify.CodeEmptyFile},
		{"no cross-reference", func(*testing.T) []byte { return []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n") }, nil, verify.CodeMalformedPDF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: the revocation case changes the trust
			// services' state.
			opts := verify.Options{Roots: e.Roots()}
			if tt.opts != nil {
				tt.opts(&opts)
			}
			rep := run(t, tt.pdf(t), opts)
			if rep.Valid {
				t.Fatalf("tampered document reported valid: %+v", rep)
			}
			t.Logf("problems: %v", codes(rep))
			if !hasCode(rep, tt.want) {
				t.Errorf("problems %v, want %s", codes(rep), tt.want)
			}
			for _, p := range rep.Problems {
				if p.Message == "" {
					t.Errorf("problem %s has no message", p.Code)
				}
			}
		})
	}
}

func TestVerifyErrors(t *testing.T) {
	t.Parallel()
	pdf := pdftest.Document(t, "Bao cao")
	_, err := verify.Verify(t.Context(), bytes.NewReader(pdf), int64(len(pdf)), verify.Options{MaxSize: 100})
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Code != errcode.FileTooLarge {
		t.Errorf("larger than MaxSize: error %v, want invalid %s", err, errcode.FileTooLarge)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := verify.Verify(ctx, bytes.NewReader(pdf), int64(len(pdf)), verify.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: error %v", err)
	}
	if _, err := verify.Verify(t.Context(), bytes.NewReader(pdf), int64(len(pdf))+10, verify.Options{}); !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short reader: error %v", err)
	}
}

// fieldOf is the object number of the signature field of a PDF signed once.
func fieldOf(t *testing.T, pdf []byte) int {
	t.Helper()
	i := bytes.LastIndex(pdf, []byte("/FT /Sig"))
	if i < 0 {
		t.Fatal("no signature field")
	}
	start := bytes.LastIndex(pdf[:i], []byte(" 0 obj"))
	line := bytes.LastIndexByte(pdf[:start], '\n')
	var n int
	if _, err := fmt.Sscanf(string(pdf[line+1:start]), "%d", &n); err != nil {
		t.Fatalf("field object number: %v", err)
	}
	return n
}

func removedValue(t *testing.T, dict string) string {
	t.Helper()
	i := strings.Index(dict, "/V ")
	if i < 0 {
		t.Fatalf("no /V in %s", dict)
	}
	end := strings.Index(dict[i:], " R") + i + 2
	return dict[i:end]
}

func removeEntry(t *testing.T, dict, key string) string {
	t.Helper()
	if key != "/V" {
		t.Fatalf("removeEntry knows only /V")
	}
	return strings.Replace(dict, removedValue(t, dict), "", 1)
}

func encrypt(t *testing.T, pdf []byte) []byte {
	t.Helper()
	return pdftest.QPDF(t, pdf, "--encrypt", "user", "owner", "256", "--")
}

// ocspResponse asks the development OCSP responder about cert.
func (e *env) ocspResponse(t *testing.T, cert *x509.Certificate) []byte {
	t.Helper()
	req, err := ocsp.CreateRequest(cert, e.PKI.Root, &ocsp.RequestOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	hreq, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.URL+devpki.OCSPPath, bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	hreq.Header.Set("Content-Type", "application/ocsp-request")
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("OCSP: status %d, %v", resp.StatusCode, err)
	}
	return body
}

// withDSS adds a document security store holding one OCSP response, as a
// B-LT signer would.
func withDSS(t *testing.T, pdf, ocspDER []byte) []byte {
	t.Helper()
	root, size, _ := trailerInfo(t, pdf)
	catalog := objectText(t, pdf, root)
	i := strings.LastIndex(catalog, ">>")
	stream := fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(ocspDER), ocspDER)
	return appendUpdate(t, pdf, map[int]string{
		size:     stream,
		size + 1: fmt.Sprintf("<< /Type /DSS /OCSPs [%d 0 R] >>", size),
		root:     catalog[:i] + fmt.Sprintf(" /DSS %d 0 R ", size+1) + catalog[i:],
	})
}

// Documents built to make a parser do quadratic work must still be judged
// promptly: every object below starts a string that runs to the end of the
// file, so parsing each one separately would scan gigabytes.
func TestPathologicalDocumentFinishes(t *testing.T) {
	t.Parallel()
	const objects = 50_000
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	offsets := make([]int, objects)
	for i := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj (", i+1)
	}
	b.WriteString(strings.Repeat(")", objects))
	xref := b.Len()
	fmt.Fprintf(&b, "\nxref\n0 %d\n0000000000 65535 f \n", objects+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", objects+1, xref)

	start := time.Now()
	rep := run(t, b.Bytes(), verify.Options{})
	t.Logf("%d bytes judged in %v: %v", b.Len(), time.Since(start), codes(rep))
	if rep.Valid || !hasCode(rep, verify.CodeTooComplex) {
		t.Errorf("problems %v, want too_complex", codes(rep))
	}
}
