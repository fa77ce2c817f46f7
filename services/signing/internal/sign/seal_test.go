package sign_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	events "github.com/docflow/docflow/api/events/v1"
	"github.com/docflow/docflow/api/objectkey"
	"github.com/docflow/docflow/api/vntime"
	"github.com/docflow/docflow/services/internal/objstore"
	"github.com/docflow/docflow/services/signing/internal/keys"
	"github.com/docflow/docflow/services/signing/internal/pades"
	"github.com/docflow/docflow/services/signing/internal/pdftest"
	"github.com/docflow/docflow/services/signing/internal/verify"
	"github.com/docflow/docflow/workflows"
)

// sealer registers SealDocument, with the organisations of the PKI in
// dir, next to SignDocument in f's environment.
func (f *fixture) sealer(t *testing.T, dir string) *testsuite.TestActivityEnvironment {
	t.Helper()
	orgs := keys.NewDir(dir, nil)
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	f.acts.Sealer(orgs, orgs.Trust).Register(env)
	return env
}

func seal(t *testing.T, env *testsuite.TestActivityEnvironment, in workflows.SealDocumentInput) (workflows.SealDocumentResult, error) {
	t.Helper()
	return execute[workflows.SealDocumentResult](t, env, workflows.ActivitySealDocument, in)
}

func sealRequest(docID string, signed events.Object, attachment bool) workflows.SealDocumentInput {
	return workflows.SealDocumentInput{
		DocumentID: docID, Agency: agency, Signed: signed, Signer: "lanhdao", Number: 7, Symbol: "07/QĐ-VPCP",
		IssuedAt: time.Now(), Attachment: attachment, Clerk: "vanthu",
	}
}

// verifyBoth checks that pdf carries the personal then the organisation
// signature and that both are valid in our verifier and in pdfsig.
func verifyBoth(t *testing.T, f *fixture, pdf []byte) verify.Report {
	t.Helper()
	orgs := keys.NewDir(f.pki.Dir, nil)
	roots, err := orgs.Trust(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Verify(t.Context(), bytes.NewReader(pdf), int64(len(pdf)), verify.Options{Roots: roots})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Valid || rep.Verified != 2 || rep.SignatureFields != 2 {
		t.Fatalf("our verifier: valid %v, %d fields, %d verified, problems %+v signatures %+v",
			rep.Valid, rep.SignatureFields, rep.Verified, rep.Problems, rep.Signatures)
	}
	personal, org := rep.Signatures[0], rep.Signatures[1]
	if !personal.Valid || personal.Coverage.LaterChanges != "permitted" || !strings.Contains(personal.Signer.Subject, "lanhdao") {
		t.Errorf("personal signature %+v: want valid, later changes permitted, by lanhdao", personal)
	}
	if !org.Valid || !org.Coverage.WholeFile || !strings.Contains(org.Signer.Subject, "Văn phòng Chính phủ") {
		t.Errorf("organisation signature %+v: want valid over the whole file, by the agency", org)
	}
	report := pdftest.PDFSig(t, pdf, pdftest.NSSTrusting(t, filepath.Join(f.pki.Dir, "root.crt")))
	if len(report.Signatures) != 2 {
		t.Fatalf("pdfsig found %d signatures:\n%s", len(report.Signatures), report.Output)
	}
	for i, s := range report.Signatures {
		if !strings.Contains(s, "Signature is Valid.") || !strings.Contains(s, "Certificate is Trusted.") {
			t.Errorf("pdfsig, signature %d:\n%s", i+1, s)
		}
	}
	if !strings.Contains(report.Signatures[1], "Total document signed") {
		t.Errorf("pdfsig: the organisation signature does not cover the whole document:\n%s", report.Signatures[1])
	}
	pdftest.QPDFCheck(t, pdf)
	return rep
}

// inked counts the pixels of page (rendered at a pixel a point) inside box
// that match.
func inked(t *testing.T, pdf []byte, page int, box pades.Rect, match func(r, g, b uint32) bool) int {
	t.Helper()
	return pdftest.Count(pdftest.Render(t, pdf, page), pdftest.Box(box), match)
}

func red(r, g, b uint32) bool  { return r > 150 && g < 110 && b < 110 }
func dark(r, g, b uint32) bool { return r < 110 && g < 110 && b < 110 }

func TestSealDocument(t *testing.T) {
	t.Parallel()
	srv := start(t)

	t.Run("seal after the personal signature: both verify, the seal overlaps the signature block", func(t *testing.T) {
		t.Parallel()
		f := srv.fixture(t, nil)
		env := f.sealer(t, f.pki.Dir)
		in, signed := f.signed(t, pdftest.Document(t, "Quyet dinh phe duyet ke hoach", "Dieu 2. Trang cuoi"), "lanhdao")
		res, err := seal(t, env, sealRequest(in.DocumentID, signed.Signed, false))
		if err != nil {
			t.Fatalf("SealDocument: %v", err)
		}
		if res.Sealed.Key != objectkey.Sealed(in.DocumentID) || !strings.Contains(res.SealCert, "Văn phòng Chính phủ") || res.Level != "B-B" {
			t.Fatalf("result %+v", res)
		}
		sealed := f.download(t, res.Sealed.Key, res.Sealed.VersionID)
		if !bytes.HasPrefix(sealed, f.download(t, signed.Signed.Key, signed.Signed.VersionID)) {
			t.Fatal("the sealed PDF does not keep the signed PDF as its first revisions")
		}
		verifyBoth(t, f, sealed)

		// The personal signature is invisible here, so the seal sits where the
		// signature block goes by default: the lower right of the last page.
		layout := readLayout(t, sealed)
		block := layout.Place(pades.Placement{}, pades.PersonalWidth, pades.PersonalHeight).Box
		img := pades.SignatureImageBox(block)
		left := pades.Rect{X: img.X - 80, Y: img.Y - 20, Width: 80 + img.Width/3, Height: img.Height + 40}
		if n := inked(t, sealed, 2, left, red); n < 200 {
			t.Errorf("%d red pixels over the left of the signer's image on the last page, want the seal there", n)
		}
		if n := inked(t, sealed, 2, pades.Rect{X: 0, Y: 400, Width: 300, Height: 400}, red); n != 0 {
			t.Errorf("%d red pixels elsewhere on the last page", n)
		}
		// The number and date are at the top right of page 1.
		top := layout.TopRight(pades.TextBlockWidth, 30).Box
		if n := inked(t, sealed, 1, top, dark); n < 50 {
			t.Errorf("%d dark pixels in the number block at the top right of page 1, want its text", n)
		}

		again, err := seal(t, env, sealRequest(in.DocumentID, signed.Signed, false))
		if err != nil || again.Sealed != res.Sealed {
			t.Fatalf("a repeated seal: %+v, %v; want the first result", again, err)
		}
		other := sealRequest(in.DocumentID, signed.Signed, false)
		other.Symbol = "08/QĐ-VPCP"
		if _, err := seal(t, env, other); appType(err) != workflows.ErrUnsignablePDF {
			t.Fatalf("sealing again under another number: %v, want refused", err)
		}
	})

	t.Run("attachment: an invisible seal with the text block at the top right of page 1", func(t *testing.T) {
		t.Parallel()
		f := srv.fixture(t, nil)
		env := f.sealer(t, f.pki.Dir)
		in, signed := f.signed(t, pdftest.Document(t, "Phu luc kem theo"), "lanhdao")
		res, err := seal(t, env, sealRequest(in.DocumentID, signed.Signed, true))
		if err != nil {
			t.Fatalf("SealDocument: %v", err)
		}
		sealed := f.download(t, res.Sealed.Key, res.Sealed.VersionID)
		verifyBoth(t, f, sealed)
		layout := readLayout(t, sealed)
		for _, w := range layout.Widgets {
			if w.Signed && (w.Box.Width > 0 || w.Box.Height > 0) {
				t.Errorf("signature field %s is visible at %+v: an attachment's organisation signature is invisible", w.Name, w.Box)
			}
		}
		top := layout.TopRight(pades.TextBlockWidth, 40).Box
		if n := inked(t, sealed, 1, top, dark); n < 80 {
			t.Errorf("%d dark pixels in the text block, want the number and time", n)
		}
		if n := inked(t, sealed, 1, pades.Rect{Width: 600, Height: 850}, red); n != 0 {
			t.Errorf("%d red pixels: an attachment carries no seal image", n)
		}
	})

	// A draft as ND30 lays out page 1: the Số line on the left and the
	// place and date line on the right of one baseline, blanks left for the
	// clerk.
	draft := func(t *testing.T, so bool, pages int) []byte {
		runs := []pdftest.Run{{X: 320, Text: "Hà Nội, ngày        tháng        năm 2026"}}
		if so {
			runs = append(runs, pdftest.Run{X: 90, Text: "Số:        /QĐ-VPCP"})
		}
		doc := [][]pdftest.Line{{
			{Y: 700, Size: 13, Runs: runs},
			{Y: 640, Size: 14, Runs: []pdftest.Run{{X: 250, Text: "QUYẾT ĐỊNH"}}},
			{Y: 600, Size: 13, Runs: []pdftest.Run{{X: 90, Text: "Điều 1. Phê duyệt kế hoạch công tác năm 2026."}}},
		}, {{Y: 700, Size: 13, Runs: []pdftest.Run{{X: 90, Text: "Nơi nhận: như trên"}}}}}
		return pdftest.Lines(t, doc[:pages]...)
	}
	issued := time.Date(2026, 12, 7, 9, 30, 0, 0, vntime.Zone)
	for _, tc := range []struct {
		name     string
		dateLine string
		pages    int
	}{
		{"the number and date on their lines of page 1, as searchable text", "Hà Nội, ngày 07 tháng 12 năm 2026", 2},
		// On a one-page document the seal's own field joins the texts on page 1.
		{"without a date line from numbering, the date of issue fills the blanks of a one-page document", "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := srv.fixture(t, nil)
			env := f.sealer(t, f.pki.Dir)
			in, signed := f.signed(t, draft(t, true, tc.pages), "lanhdao")
			req := sealRequest(in.DocumentID, signed.Signed, false)
			req.Number, req.Symbol, req.IssuedAt, req.DateLine = 12, "12/QĐ-VPCP", issued, tc.dateLine
			res, err := seal(t, env, req)
			if err != nil {
				t.Fatalf("SealDocument: %v", err)
			}
			sealed := f.download(t, res.Sealed.Key, res.Sealed.VersionID)
			verifyBoth(t, f, sealed)

			text := pdftest.PDFToText(t, sealed, 1, 1)
			so, date := lineOf(text, "Số:"), lineOf(text, "ngày")
			if !strings.Contains(so, "Số: 12/QĐ-VPCP") {
				t.Errorf("the Số line of page 1 reads %q, want Số: 12/QĐ-VPCP; page 1:\n%s", so, text)
			}
			if !strings.Contains(date, "Hà Nội, ngày 07 tháng 12 năm 2026") {
				t.Errorf("the date line of page 1 reads %q, want Hà Nội, ngày 07 tháng 12 năm 2026; page 1:\n%s", date, text)
			}
			if got := lineOf(text, "Điều 1."); got != "Điều 1. Phê duyệt kế hoạch công tác năm 2026." {
				t.Errorf("the body of page 1 reads %q, want it as drafted", got)
			}
			top := readLayout(t, sealed).TopRight(pades.TextBlockWidth, 30).Box
			if n := inked(t, sealed, 1, top, dark); n != 0 {
				t.Errorf("%d dark pixels at the top right of page 1: the number is on its line, not in a corner block", n)
			}
		})
	}

	t.Run("a page 1 without a Số line keeps the number and date in the corner block", func(t *testing.T) {
		t.Parallel()
		f := srv.fixture(t, nil)
		env := f.sealer(t, f.pki.Dir)
		in, signed := f.signed(t, draft(t, false, 2), "lanhdao")
		req := sealRequest(in.DocumentID, signed.Signed, false)
		req.IssuedAt = issued
		res, err := seal(t, env, req)
		if err != nil {
			t.Fatalf("SealDocument: %v", err)
		}
		sealed := f.download(t, res.Sealed.Key, res.Sealed.VersionID)
		verifyBoth(t, f, sealed)
		top := readLayout(t, sealed).TopRight(pades.TextBlockWidth, 30).Box
		if n := inked(t, sealed, 1, top, dark); n < 50 {
			t.Errorf("%d dark pixels in the number block at the top right of page 1, want its text", n)
		}
		text := pdftest.PDFToText(t, sealed, 1, 1)
		if date := lineOf(text, "ngày"); date != "Hà Nội, ngày tháng năm 2026" {
			t.Errorf("the date line of page 1 reads %q, want it left as drafted with the number in the corner", date)
		}
	})

	t.Run("an agency without a seal image: retried, naming the file to provide", func(t *testing.T) {
		t.Parallel()
		f := srv.fixture(t, nil)
		// A copy of the PKI without the seal image, so the other subtests
		// keep theirs.
		dir := filepath.Join(t.TempDir(), "pki")
		if err := os.CopyFS(dir, os.DirFS(f.pki.Dir)); err != nil {
			t.Fatal(err)
		}
		sealFile := filepath.Join(dir, "org", "000_00_00_G22.seal.png")
		if err := os.Remove(sealFile); err != nil {
			t.Fatal(err)
		}
		env := f.sealer(t, dir)

		in, signed := f.signed(t, pdftest.Document(t, "Quyet dinh"), "lanhdao")
		_, err := seal(t, env, sealRequest(in.DocumentID, signed.Signed, false))
		var ae *temporal.ApplicationError
		if !errors.As(err, &ae) || ae.NonRetryable() || !strings.Contains(err.Error(), sealFile) {
			t.Fatalf("sealing without a seal image: %v; want a retryable error naming %s", err, sealFile)
		}
	})

	t.Run("refused without a valid personal signature", func(t *testing.T) {
		t.Parallel()
		f := srv.fixture(t, nil)
		env := f.sealer(t, f.pki.Dir)

		unsigned := f.upload(t, pdftest.Document(t, "Chua ky"), "lanhdao")
		_, err := seal(t, env, sealRequest(unsigned.DocumentID, unsigned.Source, false))
		if appType(err) != workflows.ErrPersonalSignatureInvalid || !strings.Contains(err.Error(), "no personal signature") {
			t.Fatalf("sealing an unsigned PDF: %v, want %s", err, workflows.ErrPersonalSignatureInvalid)
		}

		in, signed := f.signed(t, pdftest.Document(t, "Quyet dinh 1"), "lanhdao")
		// One byte of the signed content changed, stored as if it were the
		// signed PDF.
		tampered := pdftest.Tamper(t, f.download(t, signed.Signed.Key, signed.Signed.VersionID), "Quyet dinh 1")
		obj := pdftest.Upload(t, f.s3.Store, f.bucket, "signed/tampered-"+in.DocumentID+".pdf", tampered)
		_, err = seal(t, env, sealRequest(in.DocumentID, obj, false))
		if appType(err) != workflows.ErrPersonalSignatureInvalid || !strings.Contains(err.Error(), "does not verify") {
			t.Fatalf("sealing a tampered PDF: %v, want %s", err, workflows.ErrPersonalSignatureInvalid)
		}
		if _, err := f.s3.Store.Stat(context.WithoutCancel(t.Context()), f.bucket, objectkey.Sealed(in.DocumentID), ""); !errors.Is(err, objstore.ErrNotFound) {
			t.Fatalf("a refused seal left %s behind: %v", objectkey.Sealed(in.DocumentID), err)
		}
	})
}

// lineOf is the line of pdftotext's layout output holding want, its runs
// of spaces made one; "" when no line holds it.
func lineOf(text, want string) string {
	for line := range strings.Lines(text) {
		if l := strings.Join(strings.Fields(line), " "); strings.Contains(l, want) {
			return l
		}
	}
	return ""
}

func appType(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Type()
	}
	return ""
}
